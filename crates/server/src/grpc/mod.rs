//! gRPC: the `playground.v1` services compiled from `proto/`, plus server reflection (v1 and
//! v1alpha, so grpcurl, Postman and grpcio all discover them), health checking and gRPC-Web,
//! all served by tonic behind the one port.

mod admin;
mod error;
mod events;

pub use error::restate_oversized_message;
mod orders;
mod products;
mod users;
mod webhooks;

use std::future::Future;
use std::net::IpAddr;
use std::sync::Arc;

use futures_util::future::Either;
use futures_util::FutureExt;

use playground_domain::DomainError;
use time::OffsetDateTime;
use tonic::service::Routes;

use crate::credentials::Credentials;
use crate::gate::Gate;

pub use playground_proto::{pb, FILE_DESCRIPTOR_SET};

/// A domain value as its protobuf message. A trait of this crate's own, since both the domain
/// types and the generated messages live in other crates.
trait ToProto {
    type Message;
    fn to_proto(self) -> Self::Message;
}

/// The peer's address, put into request extensions on the way to tonic (which cannot see the
/// socket behind hyper), for the anonymous rate budget.
#[derive(Debug, Clone, Copy)]
pub struct PeerIp(pub IpAddr);

/// The same bounds and compression for every generated service.
macro_rules! configured {
    ($server:expr, $max:expr) => {
        $server
            .max_decoding_message_size($max)
            .accept_compressed(tonic::codec::CompressionEncoding::Gzip)
            .send_compressed(tonic::codec::CompressionEncoding::Gzip)
    };
}

/// Every gRPC service of the playground, ready to be dispatched to.
pub async fn routes(gate: Arc<Gate>, max_message_bytes: usize) -> anyhow::Result<Routes> {
    use pb::admin_service_server::AdminServiceServer;
    use pb::event_service_server::EventServiceServer;
    use pb::order_service_server::OrderServiceServer;
    use pb::product_service_server::ProductServiceServer;
    use pb::user_service_server::UserServiceServer;
    use pb::webhook_service_server::WebhookServiceServer;
    let users = configured!(UserServiceServer::new(users::UserApi { gate: gate.clone() }), max_message_bytes);
    let products =
        configured!(ProductServiceServer::new(products::ProductApi { gate: gate.clone() }), max_message_bytes);
    let orders = configured!(OrderServiceServer::new(orders::OrderApi { gate: gate.clone() }), max_message_bytes);
    let events = configured!(EventServiceServer::new(events::EventApi { gate: gate.clone() }), max_message_bytes);
    let webhooks =
        configured!(WebhookServiceServer::new(webhooks::WebhookApi { gate: gate.clone() }), max_message_bytes);
    let admin = configured!(AdminServiceServer::new(admin::AdminApi { gate }), max_message_bytes);
    let reflection = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET);
    let reflection_v1alpha = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET);
    let (health_reporter, health) = tonic_health::server::health_reporter();
    health_reporter.set_serving::<UserServiceServer<users::UserApi>>().await;
    health_reporter.set_serving::<ProductServiceServer<products::ProductApi>>().await;
    health_reporter.set_serving::<OrderServiceServer<orders::OrderApi>>().await;
    health_reporter.set_serving::<EventServiceServer<events::EventApi>>().await;
    health_reporter.set_serving::<WebhookServiceServer<webhooks::WebhookApi>>().await;
    health_reporter.set_serving::<AdminServiceServer<admin::AdminApi>>().await;
    Ok(Routes::new(users)
        .add_service(products)
        .add_service(orders)
        .add_service(events)
        .add_service(webhooks)
        .add_service(admin)
        .add_service(health)
        .add_service(reflection.build_v1()?)
        .add_service(reflection_v1alpha.build_v1alpha()?))
}

/// Credentials from gRPC metadata: `x-api-key`, `authorization: Bearer ...`.
fn credentials<T>(request: &tonic::Request<T>) -> Credentials {
    let metadata = request.metadata();
    let text = |name: &str| metadata.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
    Credentials {
        api_key: text("x-api-key"),
        bearer: text("authorization").as_deref().and_then(crate::credentials::bearer_token),
        password: None,
        peer: request.extensions().get::<PeerIp>().map(|peer| peer.0),
    }
}

/// A `grpc-timeout` value (`100m` = 100 ms; units H M S m u n) as a duration.
pub fn grpc_timeout(value: &str) -> Option<std::time::Duration> {
    let (amount, unit) = value.split_at(value.len().checked_sub(1)?);
    let amount: u64 = amount.parse().ok()?;
    Some(match unit {
        "H" => std::time::Duration::from_secs(amount.saturating_mul(3600)),
        "M" => std::time::Duration::from_secs(amount.saturating_mul(60)),
        "S" => std::time::Duration::from_secs(amount),
        "m" => std::time::Duration::from_millis(amount),
        "u" => std::time::Duration::from_micros(amount),
        "n" => std::time::Duration::from_nanos(amount),
        _ => return None,
    })
}

/// When a call must be over, from its `grpc-timeout` metadata.
fn deadline(metadata: &tonic::metadata::MetadataMap) -> Option<tokio::time::Instant> {
    let timeout = grpc_timeout(metadata.get("grpc-timeout")?.to_str().ok()?)?;
    tokio::time::Instant::now().checked_add(timeout)
}

const GRPC_TIMEOUT: http::HeaderName = http::HeaderName::from_static("grpc-timeout");

/// How long a call may take, from its `grpc-timeout` field.
pub fn timeout_of(headers: &http::HeaderMap) -> Option<std::time::Duration> {
    headers.get(GRPC_TIMEOUT).and_then(|value| value.to_str().ok()).and_then(grpc_timeout)
}

/// A call held to its timeout: one not answered by then gets DEADLINE_EXCEEDED, in the form
/// `expired` makes of it.
pub fn within<F: Future>(
    timeout: Option<std::time::Duration>,
    call: F,
    expired: fn(tonic::Status) -> F::Output,
) -> impl Future<Output = F::Output> {
    match timeout {
        None => Either::Left(call),
        Some(timeout) => Either::Right(tokio::time::timeout(timeout, call).map(move |answered| {
            answered.unwrap_or_else(|_| {
                expired(tonic::Status::deadline_exceeded("the deadline (grpc-timeout) passed before the answer"))
            })
        })),
    }
}

/// The trailers-only answer to a call refused before it reached tonic.
pub fn refused(error: DomainError) -> poem::Response {
    trailers_only(error::status(error))
}

/// A status as a trailers-only answer: one HEADERS frame, no message.
pub fn trailers_only(status: tonic::Status) -> poem::Response {
    let (parts, ()) = status.into_http::<()>().into_parts();
    let mut response = poem::Response::builder().status(parts.status).finish();
    *response.headers_mut() = parts.headers;
    response
}

fn timestamp(at: OffsetDateTime) -> prost_types::Timestamp {
    prost_types::Timestamp { seconds: at.unix_timestamp(), nanos: i32::try_from(at.nanosecond()).unwrap_or(0) }
}

/// proto3 `page_size`: 0 means the default; negative is invalid.
fn page_size(size: i32) -> Result<Option<u32>, DomainError> {
    match size {
        0 => Ok(None),
        size => u32::try_from(size)
            .map(Some)
            .map_err(|_| DomainError::invalid("limit", format!("page_size must be between 1 and 100, got {size}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::grpc_timeout;
    use std::time::Duration;

    #[test]
    fn grpc_timeouts_parse_in_every_unit() {
        assert_eq!(grpc_timeout("2H"), Some(Duration::from_secs(7200)));
        assert_eq!(grpc_timeout("3M"), Some(Duration::from_secs(180)));
        assert_eq!(grpc_timeout("5S"), Some(Duration::from_secs(5)));
        assert_eq!(grpc_timeout("100m"), Some(Duration::from_millis(100)));
        assert_eq!(grpc_timeout("7u"), Some(Duration::from_micros(7)));
        assert_eq!(grpc_timeout("9n"), Some(Duration::from_nanos(9)));
        assert_eq!(grpc_timeout("10x"), None);
        assert_eq!(grpc_timeout(""), None);
        assert_eq!(grpc_timeout("m"), None);
    }
}
