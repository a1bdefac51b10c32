//! api-playground: one server, one port, one domain, five protocols side by side.
//!
//! - [`config`]: the command line and the `--config` file
//! - [`app`]: builds the endpoint from settings and runs it on a bound listener
//! - [`command`]: what the binary runs: serve, bench or compare
//! - `one_port`: sends gRPC to tonic and everything else to poem, on one socket
//! - [`gate`]: forced failure → maintenance → credential → caller → scope → rate budget →
//!   injected faults, once for all protocols
//! - `call_scope`: what one call carries between its transport and the gate
//! - `knobs`: the teaching knobs: per-call delay and failure, injected faults
//! - `observe`: around every call: request id, the knobs' wait, latency, the access log
//! - [`credentials`]: where credentials sit, and the one verifier
//! - `rest`, `graphql`, `grpc`, `ws`, `soap`: the five thin protocol adapters
//! - `metrics`: `/metrics`: calls by protocol, operation and code, latency, connections, fan-out
//! - `oauth`: OAuth 2.0: authorization code with PKCE and consent, client credentials, refresh
//! - `ops`: health, readiness and metrics
//! - `rate_fields`: the `RateLimit` fields on every HTTP answer that spent a call
//! - `serve`: the accept loop: hyper on each connection, and the connection-level bounds
//! - `tls`: rustls with ALPN h2 and http/1.1 on the one port
//! - [`tokens`]: JWT access tokens: issued at `/auth/login`, verified for every protocol, JWKS
//! - `web`: the side-by-side page at `/`, its assets compiled into the binary
//! - `webhooks`: delivery to registered hooks, signed and retried; the built-in receiver
//! - `compare`: the page's compare endpoint, the five calls made by `playground-client`

pub mod app;
mod body;
pub mod call_scope;
pub mod command;
pub mod config;
pub mod credentials;
pub mod gate;
mod graphql;
mod grpc;
mod head_timer;
mod knobs;
pub mod metrics;
mod oauth;
mod observe;
mod one_port;
mod ops;
mod rate_fields;
mod rest;
mod serve;
mod soap;
mod tls;
pub mod tokens;
mod web;
mod webhooks;
mod ws;

/// The SOAP envelope reader, public for the fuzz target in `fuzz/`.
pub use soap::envelope as soap_envelope;

/// The target namespace of the SOAP service and its WSDL.
pub use soap::NAMESPACE as SOAP_NAMESPACE;

use std::net::IpAddr;

/// The protobuf messages and gRPC clients generated from `proto/`, for Rust callers.
pub use grpc::pb;

/// A request field's value as text, looked up by its typed name: poem's `Request::header` takes
/// the name as a string and parses it again on every call.
fn header_text(request: &poem::Request, name: poem::http::HeaderName) -> Option<&str> {
    request.headers().get(name).and_then(|value| value.to_str().ok())
}

/// The address of the peer that sent a request.
fn peer_ip(request: &poem::Request) -> Option<IpAddr> {
    request.remote_addr().as_socket_addr().map(|addr| addr.ip())
}
