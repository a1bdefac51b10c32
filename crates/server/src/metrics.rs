//! Counters of every call through the gate, by operation and outcome, served at `/metrics` in
//! the Prometheus text format: how a learner sees that one GraphQL request made three domain
//! calls instead of forty, or that a rate-limited caller kept trying.

use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};

use playground_domain::{DomainError, ErrorCode, Operation};

/// The outcomes a call can have: success, then each canonical error code.
const OUTCOMES: usize = 1 + ErrorCode::ALL.len();

pub struct Metrics {
    /// `calls[operation][outcome]`.
    calls: Vec<[AtomicU64; OUTCOMES]>,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics { calls: Operation::ALL.iter().map(|_| std::array::from_fn(|_| AtomicU64::new(0))).collect() }
    }
}

impl Metrics {
    pub fn record<T>(&self, operation: Operation, result: &Result<T, DomainError>) {
        let outcome = match result {
            Ok(_) => 0,
            Err(error) => 1 + ErrorCode::ALL.iter().position(|code| *code == error.code).unwrap_or(0),
        };
        if let Some(counters) = self.calls.get(operation as usize) {
            counters[outcome].fetch_add(1, Ordering::Relaxed);
        }
    }

    /// The Prometheus text exposition of every counter that is not zero.
    pub fn render(&self) -> String {
        let mut out = String::from(
            "# HELP playground_calls_total Calls through the gate, by operation and outcome (ok or the canonical error code).\n\
             # TYPE playground_calls_total counter\n",
        );
        for (operation, counters) in Operation::ALL.iter().zip(&self.calls) {
            for (index, counter) in counters.iter().enumerate() {
                let count = counter.load(Ordering::Relaxed);
                if count == 0 {
                    continue;
                }
                let outcome = match index {
                    0 => "ok",
                    n => ErrorCode::ALL[n - 1].as_str(),
                };
                let _ = writeln!(
                    out,
                    "playground_calls_total{{operation=\"{}\",outcome=\"{outcome}\"}} {count}",
                    operation.name()
                );
            }
        }
        out
    }
}
