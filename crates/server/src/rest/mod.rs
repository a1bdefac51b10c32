//! REST: resources under `/api/v1`, JSON bodies, HTTP status codes, and an OpenAPI 3 document
//! generated from the same code that serves the requests (poem-openapi), so they cannot disagree.

mod admin;
mod allow;
mod auth;
mod caching;
mod document;
mod error;
mod events;
mod examples;
mod json;
mod orders;
mod paths;
mod playground;
mod products;
pub mod swagger_ui;
mod users;
mod webhooks;

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;

use futures_util::future::{ready, Either};
use futures_util::FutureExt;
use poem::endpoint::{BoxEndpoint, DynEndpoint};
use poem::http::{Method, StatusCode};
use poem::{Endpoint, Request, Response};
use poem_openapi::__private::UrlQuery;
use poem_openapi::{OpenApi, OpenApiService, Tags};

pub use allow::AllowedMethods;
pub use document::complete as complete_document;
pub use error::{catch_all, problem_of, problem_response};

use crate::credentials::Credentials;
use crate::gate::Gate;

#[derive(Tags)]
enum Tag {
    /// People who place orders
    Users,
    /// The catalogue
    Products,
    /// Orders, their status machine and their stock
    Orders,
    /// Every change, by polling
    Events,
    /// The maintenance switch (`admin` scope)
    Admin,
    /// One operation on all five protocols, side by side: what the page at `/` shows
    Playground,
    /// JWT access tokens and the keys that verify them
    Auth,
    /// Event delivery by HTTP POST to a URL you register, and a built-in receiver
    Webhooks,
}

/// The REST face, one group of resources each: every handler decodes, calls the gate, encodes.
#[derive(Clone)]
pub struct UsersApi {
    gate: Arc<Gate>,
}

#[derive(Clone)]
pub struct ProductsApi {
    gate: Arc<Gate>,
}

#[derive(Clone)]
pub struct OrdersApi {
    gate: Arc<Gate>,
}

#[derive(Clone)]
pub struct EventsApi {
    gate: Arc<Gate>,
}

#[derive(Clone)]
pub struct AdminApi {
    gate: Arc<Gate>,
}

#[derive(Clone)]
pub struct AuthApi {
    gate: Arc<Gate>,
}

#[derive(Clone)]
pub struct WebhooksApi {
    gate: Arc<Gate>,
    inboxes: Arc<crate::webhooks::Inboxes>,
}

#[derive(Clone)]
pub struct PlaygroundApi {
    comparisons: playground::Comparisons,
}

pub use playground::Comparisons;

pub type RestApi = (UsersApi, ProductsApi, OrdersApi, EventsApi, WebhooksApi, AdminApi, PlaygroundApi, AuthApi);

/// Every REST operation answers its own type or a problem.
type Answer<T> = Result<T, error::Problem>;

/// Delete operations answer 204 with no body.
#[derive(poem_openapi::ApiResponse)]
pub enum Deleted {
    /// Gone.
    #[oai(status = 204)]
    NoContent,
}

/// The REST API: one group of operations per resource, all calling the same gate.
pub fn api(gate: Arc<Gate>, comparisons: Comparisons) -> RestApi {
    (
        UsersApi { gate: gate.clone() },
        ProductsApi { gate: gate.clone() },
        OrdersApi { gate: gate.clone() },
        EventsApi { gate: gate.clone() },
        WebhooksApi { gate: gate.clone(), inboxes: Arc::default() },
        AdminApi { gate: gate.clone() },
        PlaygroundApi { comparisons },
        AuthApi { gate },
    )
}

/// The OpenAPI document of the REST API, generated from the same operations that serve it.
pub fn service(api: RestApi, server_url: &str) -> OpenApiService<RestApi, ()> {
    OpenApiService::new(api, "api-playground REST API", env!("CARGO_PKG_VERSION"))
        .description(
            "The REST face of api-playground: the same operations and data as its GraphQL, gRPC, \
             WebSocket (JSON-RPC) and SOAP faces on the same port. Send `X-API-Key: demo-read-key` \
             (or `demo-write-key` to change data). Errors are RFC 9457 problem+json with a canonical `code`.",
        )
        .server(server_url)
}

/// Where the REST resources live on the one port; every `#[OpenApi(prefix_path)]` starts with it,
/// so the document names each path as it is on the wire.
pub const MOUNT: &str = "/api/v1";

/// The REST face, for requests under [`MOUNT`]. The one-port dispatcher calls it directly, so a
/// REST call crosses no other router, and it does in one step what would otherwise be layers
/// around poem-openapi's operations: bound the body, turn every error poem raises into
/// problem+json, and answer `Allow` on OPTIONS and 405.
///
/// The operations are the ones poem-openapi generates (the same code the OpenAPI document is
/// made from), routed by path with [`paths::Router`] and then by method here. poem-openapi's
/// ready-made endpoint would wrap each call in more layers (its query extraction, its router's
/// per-path and per-method entries), each boxing the request's future once more: about 5 % of
/// what a small REST call costs.
pub struct Lane {
    router: paths::Router<Operations>,
    allowed: AllowedMethods,
    max_body_bytes: usize,
}

impl Lane {
    /// `document` is the OpenAPI document of `api`, from which `Allow` is answered.
    pub fn new(api: RestApi, document: &str, max_body_bytes: usize) -> anyhow::Result<Lane> {
        let document: serde_json::Value = serde_json::from_str(document)?;
        let allowed = AllowedMethods::of_document(&document)?;
        let mut routes = HashMap::new();
        api.add_routes(&mut routes);
        let mut router = paths::Router::new();
        for (path, by_method) in routes {
            let by_method = by_method
                .into_iter()
                .map(|(method, operation)| {
                    let reads_query = reads_query(&document, &path, &method)?;
                    Ok(Operation { method, reads_query, endpoint: operation })
                })
                .collect::<anyhow::Result<_>>()?;
            router.at(&path, Operations { by_method, allowed: allowed.clone() })?;
        }
        Ok(Lane { router, allowed, max_body_bytes })
    }
}

impl Endpoint for Lane {
    type Output = Response;

    // A combinator rather than an `async fn`: the future holds no copy of the request, which
    // keeps every request's future small (it is moved several times on its way to the socket).
    fn call(&self, mut request: Request) -> impl Future<Output = poem::Result<Response>> + Send {
        if let Some(answer) = self.allowed.answer_options(&request) {
            return Either::Left(ready(Ok(answer)));
        }
        if let Some(too_large) = bound_body(&mut request, self.max_body_bytes) {
            return Either::Left(ready(Ok(too_large)));
        }
        let Some((operations, parameters)) = self.router.find(request.uri().path()) else {
            return Either::Left(ready(Ok(problem_of(poem::error::NotFoundError.into()))));
        };
        if !parameters.is_empty() {
            request.extensions_mut().insert(parameters);
        }
        Either::Right(operations.call(request).map(|answer| Ok(answer.unwrap_or_else(problem_of))))
    }
}

/// Does the document give this operation parameters in the query string? An error if the
/// document does not have the operation at all: the lane and the document would disagree.
/// poem's routes name path parameters by position (`:param0`), the document by name (`{id}`),
/// so paths are compared with every parameter segment alike.
fn reads_query(document: &serde_json::Value, route: &str, method: &Method) -> anyhow::Result<bool> {
    let shape = |path: &str| -> Vec<String> {
        let parameter = |segment: &str| segment.starts_with(':') || segment.starts_with('{');
        path.split('/').map(|segment| if parameter(segment) { "{}".to_owned() } else { segment.to_owned() }).collect()
    };
    let route_shape = shape(route);
    let operation = document["paths"]
        .as_object()
        .into_iter()
        .flatten()
        .find(|(path, _)| shape(path) == route_shape)
        .map(|(_, operations)| &operations[method.as_str().to_ascii_lowercase()])
        .filter(|operation| operation.is_object());
    let operation = operation.ok_or_else(|| anyhow::anyhow!("the OpenAPI document has no {method} {route}"))?;
    let mut parameters = operation["parameters"].as_array().into_iter().flatten();
    Ok(parameters.any(|parameter| parameter["in"] == "query"))
}

/// One operation poem-openapi generated, with what it needs from the lane.
struct Operation {
    method: Method,
    /// poem-openapi's `Query` parameters read the decoded query string from an extension its
    /// own ready-made endpoint would have inserted; it is decoded only for the operations that
    /// have such parameters.
    reads_query: bool,
    endpoint: BoxEndpoint<'static>,
}

impl Operation {
    fn call(&self, mut request: Request) -> impl Future<Output = poem::Result<Response>> + Send + '_ {
        if self.reads_query {
            let query = UrlQuery(request.params().unwrap_or_default());
            request.extensions_mut().insert(query);
        }
        // The boxed future itself, without poem's `async` wrapper around it holding the request.
        DynEndpoint::call(self.endpoint.as_ref(), request)
    }
}

/// One path's operations by HTTP method. HEAD is answered by GET without its body where the path
/// has no HEAD of its own; any other method not listed is 405 with the path's `Allow`.
struct Operations {
    by_method: Vec<Operation>,
    allowed: AllowedMethods,
}

impl Operations {
    fn call(&self, mut request: Request) -> impl Future<Output = poem::Result<Response>> + Send + '_ {
        let find = |method: &Method| self.by_method.iter().find(|operation| operation.method == method);
        if let Some(operation) = find(request.method()) {
            return Either::Left(operation.call(request));
        }
        match (request.method() == Method::HEAD).then(|| find(&Method::GET)).flatten() {
            Some(get) => {
                request.set_method(Method::GET);
                Either::Right(Either::Left(get.call(request).map(|answer| {
                    answer.map(|mut response| {
                        response.set_body(());
                        response
                    })
                })))
            }
            None => Either::Right(Either::Right(ready(Ok(self.allowed.refuse_method(request.uri().path()))))),
        }
    }
}

/// Is this path one of the REST resources, under [`MOUNT`], or the token endpoints beside them?
pub fn is_rest(path: &str) -> bool {
    path.strip_prefix(MOUNT).is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
        || path.starts_with("/auth/")
        || path == "/.well-known/jwks.json"
}

fn credentials(request: &Request) -> Credentials {
    Credentials::from_http(request.headers(), request.uri().query(), crate::peer_ip(request))
}

/// Refuses bodies over the bound with 413 before they are read (the answer is returned); bodies
/// of unknown length are cut off at the bound while being read.
fn bound_body(request: &mut Request, limit: usize) -> Option<Response> {
    let length = crate::header_text(request, poem::http::header::CONTENT_LENGTH).and_then(|v| v.parse::<u64>().ok());
    match length {
        Some(length) if length > limit as u64 => {
            let error = playground_domain::DomainError::invalid(
                "body",
                format!("the body is {length} bytes, more than the {limit} byte bound"),
            );
            Some(problem_response(StatusCode::PAYLOAD_TOO_LARGE, error))
        }
        Some(_) => None,
        // No handler reads the body of a GET, HEAD or DELETE: nothing to bound.
        None if matches!(*request.method(), Method::GET | Method::HEAD | Method::DELETE) => None,
        None => {
            use http_body_util::BodyExt;
            let body: http_body_util::combinators::BoxBody<bytes::Bytes, std::io::Error> = request.take_body().into();
            let limited = http_body_util::Limited::new(body, limit).map_err(std::io::Error::other).boxed();
            request.set_body(poem::Body::from(limited));
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_parameters_are_read_from_the_document_by_path_shape() -> anyhow::Result<()> {
        let document = serde_json::json!({"paths": {
            "/users/{id}/orders": {"get": {"parameters": [
                {"name": "id", "in": "path"}, {"name": "limit", "in": "query"}
            ]}, "post": {"parameters": [{"name": "id", "in": "path"}]}},
            "/users": {"get": {}}
        }});
        assert!(reads_query(&document, "/users/:param0/orders", &Method::GET)?);
        assert!(!reads_query(&document, "/users/:param0/orders", &Method::POST)?);
        assert!(!reads_query(&document, "/users", &Method::GET)?);
        assert!(reads_query(&document, "/users", &Method::DELETE).is_err());
        assert!(reads_query(&document, "/users/:param0", &Method::GET).is_err());
        Ok(())
    }
}
