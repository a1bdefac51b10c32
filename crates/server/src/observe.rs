//! Around every call on the port, written once for all five protocols: its request id, the wait
//! of the delay knob and of the simulated round trip, the slot the gate reports into, and once
//! it is answered the latency histogram, the access-log line, the `RateLimit` fields and the
//! `X-Request-Id` header (which is also gRPC metadata).

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use poem::http::{HeaderName, HeaderValue};
use poem::Response;

use crate::call_scope::{self, CallRecord, Protocol};
use crate::knobs::{CallKnobs, DELAY_HEADER, FAIL_HEADER};
use crate::metrics::Metrics;

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");
/// A client's own request id is kept when it is this short and printable; else one is made.
const MAX_CLIENT_REQUEST_ID: usize = 128;

/// What every call is wrapped in.
pub struct Observe {
    metrics: Arc<Metrics>,
    /// `--simulate-rtt`: every request waits this long before it is served.
    rtt: Duration,
    ids: RequestIds,
}

impl Observe {
    pub fn new(metrics: Arc<Metrics>, rtt: Option<Duration>) -> Observe {
        Observe { metrics, rtt: rtt.unwrap_or_default(), ids: RequestIds::new() }
    }

    /// The simulated round trip each request and each new connection waits.
    pub fn rtt(&self) -> Duration {
        self.rtt
    }

    pub fn metrics(&self) -> &Arc<Metrics> {
        &self.metrics
    }

    /// What is read of an HTTP request (a REST call, a GraphQL query, a gRPC call, a SOAP call,
    /// or anything else on the port) before it is handed on.
    pub fn begin(&self, protocol: Protocol, request: &poem::Request) -> Begun {
        let headers = request.headers();
        let knobs = match headers.contains_key(DELAY_HEADER) || headers.contains_key(FAIL_HEADER) {
            true => CallKnobs::from_headers(headers),
            false => CallKnobs::default(),
        };
        let id = headers
            .get(REQUEST_ID)
            .filter(|id| !id.is_empty() && id.len() <= MAX_CLIENT_REQUEST_ID)
            .and_then(|id| id.to_str().ok().map(str::to_owned))
            .unwrap_or_else(|| self.ids.next());
        // Only the path: a query string may carry an access token.
        let target = tracing::enabled!(target: "access", tracing::Level::INFO)
            .then(|| Target { method: request.method().as_str().to_owned(), path: request.uri().path().to_owned() });
        Begun { protocol, arrived: Instant::now(), knobs, id, target }
    }

    /// Runs the request's `answer` inside its call scope, after its wait.
    pub fn serve<F>(&self, begun: Begun, answer: F) -> impl Future<Output = poem::Result<Response>> + Send + use<'_, F>
    where
        F: Future<Output = poem::Result<Response>> + Send,
    {
        let Begun { protocol, arrived, knobs, id, target } = begun;
        let wait = self.rtt + knobs.delay;
        async move {
            if !wait.is_zero() {
                tokio::time::sleep(wait).await;
            }
            let in_flight = self.metrics.in_flight(protocol);
            let (result, record) = call_scope::scope(CallRecord::new(protocol, knobs.forced), answer).await;
            drop(in_flight);
            let mut response = result.unwrap_or_else(poem::Error::into_response);
            let status = response.status().as_u16();
            self.finish(&id, &record, arrived, target.as_ref().map(|target| (target, status)));
            let headers = response.headers_mut();
            if let Some(budget) = record.budget {
                crate::rate_fields::write(headers, budget);
            }
            if let Ok(id) = HeaderValue::from_str(&id) {
                headers.insert(REQUEST_ID, id);
            }
            Ok(response)
        }
    }

    /// Runs one JSON-RPC call of `/ws` inside its call scope. The knobs come from its
    /// `params._playground`; `arrived` is when its message was read.
    pub async fn ws_call<R>(&self, knobs: CallKnobs, arrived: Instant, call: impl FnOnce() -> R) -> R {
        let wait = self.rtt + knobs.delay;
        if !wait.is_zero() {
            tokio::time::sleep_until((arrived + wait).into()).await;
        }
        let _in_flight = self.metrics.in_flight(Protocol::Ws);
        let (output, record) = call_scope::sync_scope(CallRecord::new(Protocol::Ws, knobs.forced), call);
        self.finish(&self.ids.next(), &record, arrived, None);
        output
    }

    /// The histogram and the access-log line of one answered call.
    fn finish(&self, id: &str, record: &CallRecord, arrived: Instant, http: Option<(&Target, u16)>) {
        let took = arrived.elapsed();
        if let (Some(operation), Some(code)) = (record.operation, record.code()) {
            self.metrics.observe(record.protocol, operation, code, took);
        }
        let operation = record.operation.map_or("-", |operation| operation.name());
        let caller = record.caller.as_deref().unwrap_or("-");
        let code = record.code().unwrap_or("-");
        // HTTP's own fields are recorded only for HTTP calls (an absent Option is left out).
        tracing::info!(
            target: "access",
            request_id = id,
            protocol = record.protocol.as_str(),
            operation,
            caller,
            code,
            latency_ms = took.as_secs_f64() * 1000.0,
            method = http.map(|(target, _)| target.method.as_str()),
            path = http.map(|(target, _)| target.path.as_str()),
            status = http.map(|(_, status)| status),
        );
    }
}

/// An HTTP request, as far as it has been read.
pub struct Begun {
    protocol: Protocol,
    arrived: Instant,
    knobs: CallKnobs,
    id: String,
    target: Option<Target>,
}

/// What the access log says an HTTP request asked for.
struct Target {
    method: String,
    path: String,
}

/// Request ids unique to this run: a random prefix, then a counter.
struct RequestIds {
    prefix: u32,
    next: AtomicU64,
}

impl RequestIds {
    fn new() -> RequestIds {
        // Seeded at random for each process, as every `RandomState` is.
        let prefix = std::hash::BuildHasher::hash_one(&std::hash::RandomState::new(), 0u8) as u32;
        RequestIds { prefix, next: AtomicU64::new(1) }
    }

    fn next(&self) -> String {
        format!("{:08x}-{:08x}", self.prefix, self.next.fetch_add(1, Ordering::Relaxed))
    }
}
