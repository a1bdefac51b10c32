//! JSON responses serialized once, straight from the type. poem-openapi's `Json` builds a
//! `serde_json::Value` tree first and serializes that; on a hot read that tree is a good share of
//! the cost. The OpenAPI schema still comes from the type's poem-openapi `Object` derive.

use poem::{IntoResponse, Response};
use poem_openapi::registry::{MetaMediaType, MetaResponse, MetaResponses, MetaSchemaRef, Registry};
use poem_openapi::types::Type;
use poem_openapi::{payload::Payload, ApiResponse};
use serde::Serialize;

/// A JSON response body.
pub struct JsonBody<T>(pub T);

const CONTENT_TYPE: &str = "application/json; charset=utf-8";

impl<T: Type> Payload for JsonBody<T> {
    const CONTENT_TYPE: &'static str = CONTENT_TYPE;

    fn check_content_type(content_type: &str) -> bool {
        content_type.starts_with("application/json")
    }

    fn schema_ref() -> MetaSchemaRef {
        T::schema_ref()
    }

    fn register(registry: &mut Registry) {
        T::register(registry);
    }
}

impl<T: Serialize + Send> IntoResponse for JsonBody<T> {
    fn into_response(self) -> Response {
        match serde_json::to_vec(&self.0) {
            Ok(body) => Response::builder().content_type(CONTENT_TYPE).body(body),
            Err(error) => {
                tracing::error!("a response did not serialize: {error}");
                Response::builder().status(poem::http::StatusCode::INTERNAL_SERVER_ERROR).finish()
            }
        }
    }
}

impl<T: Type + Serialize + Send> ApiResponse for JsonBody<T> {
    fn meta() -> MetaResponses {
        MetaResponses {
            responses: vec![MetaResponse {
                description: "",
                status: Some(200),
                status_range: None,
                content: vec![MetaMediaType { content_type: CONTENT_TYPE, schema: T::schema_ref() }],
                headers: vec![],
            }],
        }
    }

    fn register(registry: &mut Registry) {
        T::register(registry);
    }
}

/// One page of a list, with an RFC 8288 `Link: <...>; rel="next"` header while there is a next page.
pub struct Paged<T> {
    pub page: T,
    pub next: Option<String>,
}

/// The URL of the next page: this request's path and query, with `cursor` set to `next_cursor`.
pub fn next_page_url(request: &poem::Request, next_cursor: Option<&str>) -> Option<String> {
    let cursor = next_cursor?;
    let kept: Vec<&str> = request
        .uri()
        .query()
        .unwrap_or_default()
        .split('&')
        .filter(|pair| !pair.is_empty() && !pair.starts_with("cursor="))
        .collect();
    let mut query = kept.join("&");
    if !query.is_empty() {
        query.push('&');
    }
    // The original URI: nesting under /api/v1 strips the prefix from `uri()`.
    Some(format!("{}?{query}cursor={cursor}", request.original_uri().path()))
}

/// The `Link` header value for a next-page URL.
pub fn link_next(url: &str) -> String {
    format!("<{url}>; rel=\"next\"")
}

impl<T: Serialize + Send> IntoResponse for Paged<T> {
    fn into_response(self) -> Response {
        let mut response = JsonBody(self.page).into_response();
        if let Some(link) = self.next.as_deref().map(link_next).and_then(|value| value.parse().ok()) {
            response.headers_mut().insert(poem::http::header::LINK, link);
        }
        response
    }
}

impl<T: Type + Serialize + Send> ApiResponse for Paged<T> {
    fn meta() -> MetaResponses {
        let mut meta = <JsonBody<T> as ApiResponse>::meta();
        for response in &mut meta.responses {
            response.headers.push(poem_openapi::registry::MetaHeader {
                name: "Link".into(),
                description: Some("RFC 8288 link to the next page (rel=\"next\"), absent on the last page".into()),
                required: false,
                deprecated: false,
                schema: <String as Type>::schema_ref(),
            });
        }
        meta
    }

    fn register(registry: &mut Registry) {
        T::register(registry);
    }
}
