//! The IETF `RateLimit-Policy` and `RateLimit` fields on every HTTP answer that spent a call of
//! the caller's budget, whichever protocol it carried (REST, GraphQL, SOAP, and gRPC, where they
//! are response metadata): a client can slow down before it is refused, instead of after.
//! The gate reports what a call left into the call's scope (`call_scope`); the request layer
//! writes it out.

use poem::http::{HeaderName, HeaderValue};

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

/// Writes the fields of what a call left of the caller's budget.
pub fn write(headers: &mut poem::http::HeaderMap, budget: BudgetLeft) {
    let BudgetLeft { policy, tier, remaining, reset_secs } = budget;
    headers.insert(RATELIMIT_POLICY, policy);
    // `"tier";r=N;t=S`, written without the formatting machinery: this is on every answer. At
    // its exact length, so that the bytes become the field's value without another allocation.
    let (mut remaining_digits, mut reset_digits) = (itoa::Buffer::new(), itoa::Buffer::new());
    let parts = ["\"", &tier, "\";r=", remaining_digits.format(remaining), ";t=", reset_digits.format(reset_secs)];
    let mut text = Vec::with_capacity(parts.iter().map(|part| part.len()).sum());
    for part in parts {
        text.extend_from_slice(part.as_bytes());
    }
    if let Ok(mut value) = HeaderValue::from_maybe_shared(bytes::Bytes::from(text)) {
        // It changes with every call: never indexed in HTTP/2's header compression, where it
        // would only push out fields that repeat.
        value.set_sensitive(true);
        headers.insert(RATELIMIT, value);
    }
}
