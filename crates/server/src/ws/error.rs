//! The one place JSON-RPC errors are made: the contract's numeric codes, the canonical code in
//! `error.data.code`, and `retryAfter` where it applies.

use playground_domain::{DomainError, ErrorCode};
use serde_json::{json, Value};

/// JSON-RPC's own codes, for envelopes the playground never got to run.
pub const PARSE_ERROR: i64 = -32700;
pub const INVALID_REQUEST: i64 = -32600;
pub const METHOD_NOT_FOUND: i64 = -32601;

/// A JSON-RPC error object.
pub fn rpc_error(error: DomainError) -> Value {
    let DomainError { code, message, field, retry_after_secs, conflict: _ } = error;
    let message =
        if code == ErrorCode::Internal { "the server failed; the failure is logged".to_owned() } else { message };
    let mut data = json!({"code": code.as_str()});
    if let Some(field) = field {
        data["field"] = json!(field);
    }
    if let Some(seconds) = retry_after_secs {
        data["retryAfter"] = json!(seconds);
    }
    json!({"code": code.jsonrpc_code(), "message": message, "data": data})
}

/// An error of the JSON-RPC envelope itself (parse error, invalid request, unknown method).
pub fn envelope_error(code: i64, message: impl Into<String>) -> Value {
    json!({"code": code, "message": message.into(), "data": {"code": ErrorCode::InvalidArgument.as_str()}})
}
