//! The IETF `RateLimit-Policy` and `RateLimit` fields on every HTTP answer that spent a call of
//! the caller's budget, whichever protocol it carried (REST, GraphQL, SOAP, and gRPC, where they
//! are response metadata): a client can slow down before it is refused, instead of after.
//! The gate reports what a call left into a slot scoped to the request; the one-port dispatcher
//! writes it out.

use std::cell::RefCell;
use std::future::Future;

use futures_util::FutureExt;
use poem::http::{HeaderName, HeaderValue};
use poem::Response;

/// What the caller's budget looks like after a call.
#[derive(Debug, Clone)]
pub struct BudgetLeft {
    /// `"tier";q=BURST;w=SECONDS`: the bucket's size and how long it takes to refill.
    pub policy: HeaderValue,
    pub tier: std::sync::Arc<str>,
    pub remaining: u32,
    /// Seconds until the bucket is full again (or, when empty, until the next call is allowed).
    pub reset_secs: u64,
}

// Typed names: inserted by hash, without parsing the name on every answer.
const RATELIMIT_POLICY: HeaderName = HeaderName::from_static("ratelimit-policy");
const RATELIMIT: HeaderName = HeaderName::from_static("ratelimit");

tokio::task_local! {
    static LAST_BUDGET: RefCell<Option<BudgetLeft>>;
}

/// Called by the gate after spending: kept only when a request is listening.
pub fn report(budget: BudgetLeft) {
    let _ = LAST_BUDGET.try_with(|slot| *slot.borrow_mut() = Some(budget));
}

/// Runs one request's answer with a budget slot, then writes the fields the gate left in it.
pub fn with_rate_fields(
    answer: impl Future<Output = poem::Result<Response>> + Send,
) -> impl Future<Output = poem::Result<Response>> + Send {
    // The slot is read inside the scope, as the answer completes.
    let answered = answer.map(|result| (result, LAST_BUDGET.with(|slot| slot.borrow_mut().take())));
    LAST_BUDGET.scope(RefCell::new(None), answered).map(|(result, budget)| {
        let mut response = result?;
        if let Some(BudgetLeft { policy, tier, remaining, reset_secs }) = budget {
            let headers = response.headers_mut();
            headers.insert(RATELIMIT_POLICY, policy);
            if let Ok(value) = HeaderValue::from_str(&format!("\"{tier}\";r={remaining};t={reset_secs}")) {
                headers.insert(RATELIMIT, value);
            }
        }
        Ok(response)
    })
}
