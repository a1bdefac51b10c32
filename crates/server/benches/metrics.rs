//! What `/metrics` costs each call: one counter and one histogram sample, each series found by
//! its labels (protocol, operation, code) once and by index after. `cargo bench -p api-playground
//! --bench metrics` prints nanoseconds per call.

use std::hint::black_box;
use std::time::{Duration, Instant};

use api_playground::call_scope::Protocol;
use api_playground::metrics::Metrics;
use playground_domain::{DomainError, Operation};

fn main() {
    let metrics = Metrics::default();
    let rounds = 2_000_000u32;
    let call = || {
        let result: Result<(), DomainError> = Ok(());
        metrics.record(black_box(Protocol::Rest), black_box(Operation::GetUser), &result);
        metrics.observe(Protocol::Rest, Operation::GetUser, None, black_box(Duration::from_micros(180)));
    };
    for _ in 0..rounds / 10 {
        call();
    }
    let started = Instant::now();
    for _ in 0..rounds {
        call();
    }
    let nanos = started.elapsed().as_nanos() as f64 / f64::from(rounds);
    println!("{:<44} {nanos:>8.0} ns per call", "metrics: a call counted and its time observed");
}
