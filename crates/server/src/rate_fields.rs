//! The IETF `RateLimit-Policy` and `RateLimit` fields on every HTTP answer that spent a call of
//! the caller's budget, whichever protocol it carried (REST, GraphQL, SOAP, and gRPC, where they
//! are response metadata): a client can slow down before it is refused, instead of after.
//! The gate reports what a call left into a slot scoped to the request; the layer around the
//! one port writes it out.

use std::cell::RefCell;

use poem::http::HeaderValue;
use poem::{Endpoint, IntoResponse, Request, Response};

/// What the caller's budget looks like after a call.
#[derive(Debug, Clone)]
pub struct BudgetLeft {
    /// `"tier";q=BURST;w=SECONDS`: the bucket's size and how long it takes to refill.
    pub policy: HeaderValue,
    pub tier: String,
    pub remaining: u32,
    /// Seconds until the bucket is full again (or, when empty, until the next call is allowed).
    pub reset_secs: u64,
}

tokio::task_local! {
    static LAST_BUDGET: RefCell<Option<BudgetLeft>>;
}

/// Called by the gate after spending: kept only when a request is listening.
pub fn report(budget: BudgetLeft) {
    let _ = LAST_BUDGET.try_with(|slot| *slot.borrow_mut() = Some(budget));
}

/// Wraps the one-port endpoint: runs each request with a budget slot and writes the fields.
pub async fn with_rate_fields<E: Endpoint>(inner: &E, request: Request) -> poem::Result<Response> {
    let (result, budget) = LAST_BUDGET
        .scope(RefCell::new(None), async {
            let result = inner.call(request).await;
            (result, LAST_BUDGET.with(|slot| slot.borrow_mut().take()))
        })
        .await;
    let mut response = result?.into_response();
    if let Some(BudgetLeft { policy, tier, remaining, reset_secs }) = budget {
        let headers = response.headers_mut();
        headers.insert("ratelimit-policy", policy);
        if let Ok(value) = HeaderValue::from_str(&format!("\"{tier}\";r={remaining};t={reset_secs}")) {
            headers.insert("ratelimit", value);
        }
    }
    Ok(response)
}
