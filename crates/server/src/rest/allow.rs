//! The `Allow` header: HTTP says a 405 must list the methods a resource does take, and a plain
//! `OPTIONS` request asks for that list. The REST routes come from the OpenAPI document, so the
//! header can never disagree with what is served.

use std::sync::Arc;

use poem::error::MethodNotAllowedError;
use poem::http::{header, HeaderValue, Method, StatusCode};
use poem::{Endpoint, IntoResponse, Middleware, Request, Response};

/// Every route's path template (`{name}` matches one segment) and the methods it answers.
#[derive(Debug, Clone, Default)]
pub struct AllowedMethods {
    routes: Arc<Vec<(Vec<String>, HeaderValue)>>,
}

impl AllowedMethods {
    /// The REST paths and methods of an OpenAPI document, as the document writes them.
    pub fn of_document(document: &serde_json::Value) -> anyhow::Result<Self> {
        let mut routes = Vec::new();
        for (path, operations) in document["paths"].as_object().into_iter().flatten() {
            let methods: Vec<Method> = operations
                .as_object()
                .into_iter()
                .flat_map(|operations| operations.keys())
                .filter_map(|method| method.to_ascii_uppercase().parse().ok())
                .collect();
            routes.push(route(path, &methods)?);
        }
        Ok(AllowedMethods { routes: Arc::new(routes) })
    }

    /// Routes given as `(path, methods)`.
    pub fn of_routes(routes: &[(&str, &[Method])]) -> anyhow::Result<Self> {
        let routes = routes.iter().map(|(path, methods)| route(path, methods)).collect::<anyhow::Result<_>>()?;
        Ok(AllowedMethods { routes: Arc::new(routes) })
    }

    /// A plain OPTIONS for a known route: 204 with its `Allow`.
    pub fn answer_options(&self, request: &Request) -> Option<Response> {
        if request.method() != Method::OPTIONS {
            return None;
        }
        let allow = self.lookup(request.uri().path())?;
        Some(Response::builder().status(StatusCode::NO_CONTENT).header(header::ALLOW, allow.clone()).finish())
    }

    /// Adds `Allow` to a 405 for a known route.
    fn add_allow(&self, path: &str, response: &mut Response) {
        if let Some(allow) = self.lookup(path) {
            response.headers_mut().insert(header::ALLOW, allow.clone());
        }
    }

    /// The 405 problem for a method a known route does not take, with its `Allow`.
    pub fn refuse_method(&self, path: &str) -> Response {
        let mut refused = super::problem_of(MethodNotAllowedError.into());
        self.add_allow(path, &mut refused);
        refused
    }

    fn lookup(&self, path: &str) -> Option<&HeaderValue> {
        let segments: Vec<&str> = path.split('/').collect();
        self.routes
            .iter()
            .find(|(template, _)| {
                template.len() == segments.len()
                    && template.iter().zip(&segments).all(|(want, got)| want.starts_with('{') || want == got)
            })
            .map(|(_, allow)| allow)
    }
}

/// One route: GET implies HEAD, and every route answers OPTIONS.
fn route(path: &str, methods: &[Method]) -> anyhow::Result<(Vec<String>, HeaderValue)> {
    let mut names: Vec<&str> = methods.iter().map(Method::as_str).collect();
    if methods.contains(&Method::GET) {
        names.push("HEAD");
    }
    names.push("OPTIONS");
    let allow = HeaderValue::from_str(&names.join(", "))?;
    Ok((path.split('/').map(str::to_owned).collect(), allow))
}

impl<E: Endpoint> Middleware<E> for AllowedMethods {
    type Output = AllowEndpoint<E>;

    fn transform(&self, inner: E) -> Self::Output {
        AllowEndpoint { inner, allowed: self.clone() }
    }
}

pub struct AllowEndpoint<E> {
    inner: E,
    allowed: AllowedMethods,
}

impl<E: Endpoint> Endpoint for AllowEndpoint<E> {
    type Output = Response;

    async fn call(&self, request: Request) -> poem::Result<Response> {
        // The path is looked up only for OPTIONS and after a 405, never on the hot path.
        if let Some(answer) = self.allowed.answer_options(&request) {
            return Ok(answer);
        }
        let uri = request.uri().clone();
        let mut response = self.inner.call(request).await?.into_response();
        if response.status() == StatusCode::METHOD_NOT_ALLOWED {
            self.allowed.add_allow(uri.path(), &mut response);
        }
        Ok(response)
    }
}
