//! What `/metrics` shows, in the Prometheus text format: every call through the gate by protocol,
//! operation and canonical code, how long requests took, what is in flight and open, who was
//! refused by the rate limit, and how events fan out. How a learner sees that one GraphQL request
//! made three domain calls instead of forty, that gRPC answers faster than SOAP, or that a
//! rate-limited caller kept trying.

use std::sync::OnceLock;
use std::time::Duration;

use playground_domain::{DomainError, ErrorCode, Operation};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

use crate::call_scope::Protocol;

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CallLabels {
    protocol: &'static str,
    operation: &'static str,
    code: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ProtocolLabel {
    protocol: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct TransportLabel {
    transport: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct TierLabel {
    tier: String,
}

type Durations = Family<CallLabels, Histogram, fn() -> Histogram>;

/// Seconds, from 100 µs (a call on loopback) to 30 s (the longest delay knob).
fn duration_histogram() -> Histogram {
    Histogram::new([
        0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
    ])
}

pub struct Metrics {
    registry: Registry,
    calls: Family<CallLabels, Counter>,
    durations: Durations,
    /// Each (protocol, operation, outcome)'s counter and histogram, found by label the first
    /// time and by index after: a family finds a series by hashing its labels on every call.
    calls_by_index: Box<[OnceLock<Counter>]>,
    durations_by_index: Box<[OnceLock<Histogram>]>,
    /// One gauge per protocol, found once at start rather than by label on every request.
    in_flight: [Gauge; Protocol::ALL.len()],
    connections: Family<TransportLabel, Gauge>,
    rate_limited: Family<TierLabel, Counter>,
    subscribers: Family<TransportLabel, Gauge>,
    event_gaps: Family<TransportLabel, Counter>,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("playground");
        let calls = Family::<CallLabels, Counter>::default();
        registry.register(
            "calls",
            "Operations through the gate, by protocol, operation and canonical code (OK or the error)",
            calls.clone(),
        );
        let durations: Durations = Family::new_with_constructor(duration_histogram);
        registry.register(
            "request_duration_seconds",
            "Time from a request's arrival to its answer, labelled with the first operation it ran",
            durations.clone(),
        );
        let in_flight = Family::<ProtocolLabel, Gauge>::default();
        registry.register("requests_in_flight", "Requests being answered, by protocol", in_flight.clone());
        let connections = Family::<TransportLabel, Gauge>::default();
        registry.register(
            "open_connections",
            "Open connections: tcp counts every socket, websocket and graphql-ws the upgraded ones among them",
            connections.clone(),
        );
        let rate_limited = Family::<TierLabel, Counter>::default();
        registry.register("rate_limited", "Calls refused by the rate limit, by tier", rate_limited.clone());
        let subscribers = Family::<TransportLabel, Gauge>::default();
        registry.register("event_subscribers", "Open event subscriptions, by push transport", subscribers.clone());
        let event_gaps = Family::<TransportLabel, Counter>::default();
        registry.register(
            "event_gaps",
            "Times a subscriber fell so far behind that events were lost to it, by push transport",
            event_gaps.clone(),
        );
        let in_flight = Protocol::ALL
            .map(|protocol| in_flight.get_or_create(&ProtocolLabel { protocol: protocol.as_str() }).clone());
        let (calls_by_index, durations_by_index) = (series_slots(), series_slots());
        Metrics {
            registry,
            calls,
            durations,
            calls_by_index,
            durations_by_index,
            in_flight,
            connections,
            rate_limited,
            subscribers,
            event_gaps,
        }
    }
}

/// Outcomes of a call: OK, or one of the canonical codes.
const OUTCOMES: usize = ErrorCode::ALL.len() + 1;

fn series_slots<M>() -> Box<[OnceLock<M>]> {
    (0..Protocol::ALL.len() * Operation::ALL.len() * OUTCOMES).map(|_| OnceLock::new()).collect()
}

/// Where one (protocol, operation, outcome) sits in the slots, and its labels.
fn series(protocol: Protocol, operation: Operation, error: Option<ErrorCode>) -> (usize, CallLabels) {
    let outcome = error.map_or(0, |code| code as usize + 1);
    let index = (protocol as usize * Operation::ALL.len() + operation as usize) * OUTCOMES + outcome;
    let code = error.map_or("OK", ErrorCode::as_str);
    (index, CallLabels { protocol: protocol.as_str(), operation: operation.name(), code })
}

impl Metrics {
    /// One operation through the gate.
    pub fn record<T>(&self, protocol: Protocol, operation: Operation, result: &Result<T, DomainError>) {
        let (index, labels) = series(protocol, operation, result.as_ref().err().map(|error| error.code));
        self.calls_by_index[index].get_or_init(|| self.calls.get_or_create(&labels).clone()).inc();
    }

    /// One request's time, once it is answered.
    pub fn observe(&self, protocol: Protocol, operation: Operation, error: Option<ErrorCode>, took: Duration) {
        let (index, labels) = series(protocol, operation, error);
        self.durations_by_index[index]
            .get_or_init(|| self.durations.get_or_create(&labels).clone())
            .observe(took.as_secs_f64());
    }

    /// Counts a request as in flight until the guard is dropped.
    pub fn in_flight(&self, protocol: Protocol) -> GaugeGuard {
        GaugeGuard::up(self.in_flight[protocol as usize].clone())
    }

    /// Counts a connection as open until the guard is dropped.
    pub fn connection(&self, transport: &'static str) -> GaugeGuard {
        GaugeGuard::up(self.connections.get_or_create(&TransportLabel { transport }).clone())
    }

    /// Counts a push subscription as open until the guard is dropped.
    pub fn subscriber(&self, transport: &'static str) -> GaugeGuard {
        GaugeGuard::up(self.subscribers.get_or_create(&TransportLabel { transport }).clone())
    }

    pub fn rate_limited(&self, tier: &str) {
        self.rate_limited.get_or_create(&TierLabel { tier: tier.to_owned() }).inc();
    }

    pub fn event_gap(&self, transport: &'static str) {
        self.event_gaps.get_or_create(&TransportLabel { transport }).inc();
    }

    /// The text exposition (OpenMetrics, which Prometheus reads).
    pub fn render(&self) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}

/// Holds one up on a gauge; puts it back down when dropped, however the holder ends.
pub struct GaugeGuard(Gauge);

impl GaugeGuard {
    fn up(gauge: Gauge) -> GaugeGuard {
        gauge.inc();
        GaugeGuard(gauge)
    }
}

impl Drop for GaugeGuard {
    fn drop(&mut self) {
        self.0.dec();
    }
}
