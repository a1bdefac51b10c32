//! REST: resources under `/api/v1`, JSON bodies, HTTP status codes, and an OpenAPI 3 document
//! generated from the same code that serves the requests (poem-openapi), so they cannot disagree.

mod admin;
mod allow;
mod caching;
mod error;
mod events;
mod examples;
mod json;
mod orders;
mod products;
mod users;

use std::sync::Arc;

use poem::http::Method;
use poem::Request;
use poem_openapi::{OpenApiService, Tags};

pub use allow::AllowedMethods;
pub use error::{catch_all, problem_response};

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
}

/// The REST face, one group of resources each: every handler decodes, calls the gate, encodes.
pub struct UsersApi {
    gate: Arc<Gate>,
}

pub struct ProductsApi {
    gate: Arc<Gate>,
}

pub struct OrdersApi {
    gate: Arc<Gate>,
}

pub struct EventsApi {
    gate: Arc<Gate>,
}

pub struct AdminApi {
    gate: Arc<Gate>,
}

type RestApi = (UsersApi, ProductsApi, OrdersApi, EventsApi, AdminApi);

/// Every REST operation answers its own type or a problem.
type Answer<T> = Result<T, error::Problem>;

/// Delete operations answer 204 with no body.
#[derive(poem_openapi::ApiResponse)]
pub enum Deleted {
    /// Gone.
    #[oai(status = 204)]
    NoContent,
}

/// The REST API and its OpenAPI document, ready to mount at `/`.
pub fn service(gate: Arc<Gate>, server_url: &str) -> OpenApiService<RestApi, ()> {
    let api = (
        UsersApi { gate: gate.clone() },
        ProductsApi { gate: gate.clone() },
        OrdersApi { gate: gate.clone() },
        EventsApi { gate: gate.clone() },
        AdminApi { gate },
    );
    OpenApiService::new(api, "api-playground REST API", env!("CARGO_PKG_VERSION"))
        .description(
            "The REST face of api-playground: the same operations and data as its GraphQL, gRPC, \
             WebSocket (JSON-RPC) and SOAP faces on the same port. Send `X-API-Key: demo-read-key` \
             (or `demo-write-key` to change data). Errors are RFC 9457 problem+json with a canonical `code`.",
        )
        .server(server_url)
}

fn credentials(request: &Request) -> Credentials {
    Credentials::from_http(request.headers(), request.uri().query(), crate::peer_ip(request))
}

/// Refuses REST bodies over the bound with 413 before they are read; bodies of unknown length
/// are cut off at the bound while being read.
pub struct BodyLimit(pub usize);

impl<E: poem::Endpoint> poem::Middleware<E> for BodyLimit {
    type Output = BodyLimitEndpoint<E>;
    fn transform(&self, inner: E) -> Self::Output {
        BodyLimitEndpoint { inner, limit: self.0 }
    }
}

pub struct BodyLimitEndpoint<E> {
    inner: E,
    limit: usize,
}

impl<E: poem::Endpoint> poem::Endpoint for BodyLimitEndpoint<E> {
    type Output = poem::Response;

    async fn call(&self, mut request: Request) -> poem::Result<poem::Response> {
        use poem::IntoResponse;
        let length = request.header(poem::http::header::CONTENT_LENGTH).and_then(|v| v.parse::<u64>().ok());
        match length {
            Some(length) if length > self.limit as u64 => {
                let error = playground_domain::DomainError::invalid(
                    "body",
                    format!("the body is {length} bytes, more than the {} byte bound", self.limit),
                );
                return Ok(problem_response(poem::http::StatusCode::PAYLOAD_TOO_LARGE, error));
            }
            Some(_) => {}
            // No handler reads the body of a GET, HEAD or DELETE: nothing to bound.
            None if matches!(*request.method(), Method::GET | Method::HEAD | Method::DELETE) => {}
            None => {
                use http_body_util::BodyExt;
                let body: http_body_util::combinators::BoxBody<bytes::Bytes, std::io::Error> =
                    request.take_body().into();
                let limited = http_body_util::Limited::new(body, self.limit).map_err(std::io::Error::other).boxed();
                request.set_body(poem::Body::from(limited));
            }
        }
        self.inner.call(request).await.map(IntoResponse::into_response)
    }
}
