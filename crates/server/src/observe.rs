//! Around every call on the port, written once for all five protocols: its request id, the wait
//! of the delay knob and of the simulated round trip, the slot the gate reports into, and once
//! it is answered the latency histogram, the access-log line, the `RateLimit` fields and the
//! `X-Request-Id` header (which is also gRPC metadata).

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::future::Either;
use futures_util::FutureExt;
use poem::http::{HeaderMap, HeaderName, HeaderValue, Method};

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
    pub fn begin(&self, protocol: Protocol, method: &Method, path: &str, headers: &HeaderMap) -> Begun {
        // One pass over the few fields a request carries, rather than three lookups that each
        // hash a name: most requests have none of these.
        let (mut has_knobs, mut client_id) = (false, None);
        for (name, value) in headers {
            if name == DELAY_HEADER || name == FAIL_HEADER {
                has_knobs = true;
            } else if name == REQUEST_ID && client_id.is_none() {
                client_id = Some(value);
            }
        }
        let knobs = match has_knobs {
            true => CallKnobs::from_headers(headers),
            false => CallKnobs::default(),
        };
        let id = client_id
            .filter(|id| !id.is_empty() && id.len() <= MAX_CLIENT_REQUEST_ID && id.to_str().is_ok())
            .map_or_else(|| self.ids.next(), |id| RequestId::Client(id.clone()));
        // Only the path: a query string may carry an access token.
        let target = tracing::enabled!(target: "access", tracing::Level::INFO)
            .then(|| Target { method: method.as_str().to_owned(), path: path.to_owned() });
        Begun { protocol, arrived: Instant::now(), knobs, id, target }
    }

    /// Runs the request's `answer` inside its call scope, after its wait. The request counts as
    /// in flight from its arrival to its answer, the wait included.
    // Combinators rather than an `async` block, which would hold `answer` twice (as it was
    // handed over and as it is awaited), and so double what every request moves.
    pub fn serve<F>(&self, begun: Begun, answer: F) -> impl Future<Output = F::Output> + Send + use<'_, F>
    where
        F: Future<Output: Answer> + Send,
    {
        let Begun { protocol, arrived, knobs, id, target } = begun;
        let wait = self.rtt + knobs.delay;
        let in_flight = self.metrics.in_flight(protocol);
        let call = call_scope::scope(CallRecord::new(protocol, knobs.forced), answer);
        let waited = match wait.is_zero() {
            true => Either::Left(call),
            // Boxed: a wait is seldom asked for, and its timer would make every request's
            // future larger.
            false => Either::Right(Box::pin(tokio::time::sleep(wait).then(move |()| call))),
        };
        waited.map(move |(answer, record)| {
            drop(in_flight);
            answer.marked(|status, headers| {
                self.finish(&id, &record, arrived, target.as_ref().map(|target| (target, status)));
                if let Some(budget) = record.budget {
                    crate::rate_fields::write(headers, budget);
                }
                headers.insert(REQUEST_ID, id.header_value());
            })
        })
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
    fn finish(&self, id: &RequestId, record: &CallRecord, arrived: Instant, http: Option<(&Target, u16)>) {
        let took = arrived.elapsed();
        if let Some(operation) = record.operation {
            self.metrics.observe(record.protocol, operation, record.error, took);
        }
        let operation = record.operation.map_or("-", |operation| operation.name());
        let caller = record.caller.as_deref().unwrap_or("-");
        let code = record.code().unwrap_or("-");
        // HTTP's own fields are recorded only for HTTP calls (an absent Option is left out).
        tracing::info!(
            target: "access",
            request_id = %id,
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

/// An HTTP answer, as the observer reads and marks it: poem's, or the one the gRPC lane hands
/// straight to hyper.
pub trait Answer {
    /// The answer, with `mark` given its status and its header fields to add to.
    fn marked(self, mark: impl FnOnce(u16, &mut HeaderMap)) -> Self;
}

impl Answer for poem::Result<poem::Response> {
    fn marked(self, mark: impl FnOnce(u16, &mut HeaderMap)) -> Self {
        let mut response = self.unwrap_or_else(poem::Error::into_response);
        mark(response.status().as_u16(), response.headers_mut());
        Ok(response)
    }
}

impl<B> Answer for http::Response<B> {
    fn marked(mut self, mark: impl FnOnce(u16, &mut HeaderMap)) -> Self {
        mark(self.status().as_u16(), self.headers_mut());
        self
    }
}

/// An HTTP request, as far as it has been read.
pub struct Begun {
    protocol: Protocol,
    arrived: Instant,
    knobs: CallKnobs,
    id: RequestId,
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

    fn next(&self) -> RequestId {
        RequestId::Made { prefix: self.prefix, counter: self.next.fetch_add(1, Ordering::Relaxed) }
    }
}

/// One call's request id: the client's own, or one made here. A made one is written out
/// (`prefix-counter` in hex) only where it is shown: the answer's header and the access log.
enum RequestId {
    Client(HeaderValue),
    Made { prefix: u32, counter: u64 },
}

impl RequestId {
    /// The `X-Request-Id` field. It differs on every answer, so it is marked never to be
    /// indexed: in HTTP/2's header compression it would only push out fields that repeat.
    fn header_value(&self) -> HeaderValue {
        let mut value = match self {
            RequestId::Client(value) => value.clone(),
            RequestId::Made { prefix, counter } => {
                // 8 + 1 + up to 16 hex digits, written without the formatting machinery.
                let mut text = [0u8; 25];
                let digits = |mut n: u64, at: &mut [u8]| {
                    for slot in at.iter_mut().rev() {
                        *slot = b"0123456789abcdef"[(n & 0xf) as usize];
                        n >>= 4;
                    }
                };
                let counter_digits = (16 - counter.leading_zeros() as usize / 4).max(8);
                digits(u64::from(*prefix), &mut text[..8]);
                text[8] = b'-';
                digits(*counter, &mut text[9..9 + counter_digits]);
                HeaderValue::from_bytes(&text[..9 + counter_digits]).unwrap_or(HeaderValue::from_static("-"))
            }
        };
        value.set_sensitive(true);
        value
    }
}

impl std::fmt::Display for RequestId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RequestId::Client(value) => f.write_str(value.to_str().unwrap_or("-")),
            RequestId::Made { prefix, counter } => write!(f, "{prefix:08x}-{counter:08x}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_made_request_id_reads_the_same_in_the_header_and_the_log() {
        for counter in [0, 1, 0xdead_beef, 0x1_0000_0000, u64::MAX] {
            let id = RequestId::Made { prefix: 0x0012_abcd, counter };
            assert_eq!(id.header_value().to_str().expect("ascii"), id.to_string(), "counter {counter:#x}");
        }
        assert_eq!(RequestId::Made { prefix: 1, counter: 2 }.to_string(), "00000001-00000002");
    }
}
