//! What one call carries between its transport and the gate, in a slot scoped to the call: in,
//! the protocol and an answer forced by the `X-Playground-Fail` knob; out, what the caller's
//! rate budget has left and how the call ended. The transport opens the slot (the one-port
//! layer for every HTTP request, the WebSocket adapter for each JSON-RPC call) and the gate fills
//! it, so metrics, access logs and the `RateLimit` fields are written once for all five.

use std::cell::RefCell;
use std::future::Future;
use std::sync::Arc;

use futures_util::FutureExt;

use playground_domain::{DomainError, ErrorCode, Operation};

use crate::rate_fields::BudgetLeft;

/// The transport a call came in on, as `/metrics` and the access log name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Protocol {
    Rest,
    Graphql,
    Grpc,
    Ws,
    Soap,
    /// Everything else on the port: the page, ops endpoints, OAuth, documents.
    Http,
}

impl Protocol {
    /// In declaration order, so `protocol as usize` indexes it.
    pub const ALL: [Protocol; 6] =
        [Protocol::Rest, Protocol::Graphql, Protocol::Grpc, Protocol::Ws, Protocol::Soap, Protocol::Http];

    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Rest => "rest",
            Protocol::Graphql => "graphql",
            Protocol::Grpc => "grpc",
            Protocol::Ws => "ws",
            Protocol::Soap => "soap",
            Protocol::Http => "http",
        }
    }
}

/// The slot of one call.
#[derive(Debug)]
pub struct CallRecord {
    pub protocol: Protocol,
    /// Set by the transport: the error every gate call of this request answers instead of
    /// running (a forced failure, or why the knobs themselves were refused).
    pub forced: Option<Box<DomainError>>,
    /// Set by the gate: what the caller's budget had left after the call spent from it.
    pub budget: Option<BudgetLeft>,
    /// Set by the gate: the first operation the request ran, who called, and the first error
    /// among its operations (a GraphQL query may run several).
    pub operation: Option<Operation>,
    pub caller: Option<Arc<str>>,
    pub error: Option<ErrorCode>,
}

impl CallRecord {
    pub fn new(protocol: Protocol, forced: Option<Box<DomainError>>) -> CallRecord {
        CallRecord { protocol, forced, budget: None, operation: None, caller: None, error: None }
    }

    /// `OK`, the canonical code of the first failure, or `None` when no operation ran.
    pub fn code(&self) -> Option<&'static str> {
        self.operation.map(|_| self.error.map_or("OK", ErrorCode::as_str))
    }
}

tokio::task_local! {
    static CALL: RefCell<CallRecord>;
}

/// Runs `call` with `record` as its slot; answers its output and the slot as the gate left it.
/// A combinator rather than an `async fn`, which would hold `call` twice (as its argument and
/// as the future it awaits) and so double what every request moves.
pub fn scope<F: Future>(record: CallRecord, call: F) -> impl Future<Output = (F::Output, CallRecord)> {
    // The closure runs inside the scope: it is called from the inner future's last poll.
    let answered = call.map(|output| (output, CALL.with(|slot| slot.replace(CallRecord::new(Protocol::Http, None)))));
    CALL.scope(RefCell::new(record), answered)
}

/// [`scope`] for a call answered without awaiting (a JSON-RPC call).
pub fn sync_scope<R>(record: CallRecord, call: impl FnOnce() -> R) -> (R, CallRecord) {
    let slot = RefCell::new(record);
    CALL.sync_scope(slot, || {
        let output = call();
        (output, CALL.with(|slot| slot.replace(CallRecord::new(Protocol::Http, None))))
    })
}

/// The protocol of the call under way; `Http` outside any call.
pub fn protocol() -> Protocol {
    CALL.try_with(|slot| slot.borrow().protocol).unwrap_or(Protocol::Http)
}

/// The answer the knobs force on this call, if any.
pub fn forced() -> Option<DomainError> {
    CALL.try_with(|slot| slot.borrow().forced.as_deref().cloned()).ok().flatten()
}

/// Called by the gate after spending from a budget.
pub fn report_budget(budget: BudgetLeft) {
    let _ = CALL.try_with(|slot| slot.borrow_mut().budget = Some(budget));
}

/// Called by the gate after each operation.
pub fn report_outcome(operation: Operation, caller: Option<&Arc<str>>, error: Option<ErrorCode>) {
    let _ = CALL.try_with(|slot| {
        let mut record = slot.borrow_mut();
        if record.operation.is_none() {
            record.operation = Some(operation);
        }
        if record.caller.is_none() {
            record.caller = caller.cloned();
        }
        if record.error.is_none() {
            record.error = error;
        }
    });
}
