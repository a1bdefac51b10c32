//! One error type for the whole domain and the canonical code table: each row yields what every
//! protocol needs (HTTP status, gRPC code, GraphQL code, JSON-RPC code, SOAP fault class), so the
//! five adapters derive their error form from one place and cannot drift apart.

use std::fmt;

/// The canonical codes of the contract. Every error in every protocol carries one of these names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    InvalidArgument,
    Unauthenticated,
    PermissionDenied,
    NotFound,
    Conflict,
    RateLimited,
    Internal,
    Unavailable,
}

/// Which side of a SOAP exchange is to blame: the caller (1.1 `Client`, 1.2 `Sender`) or the
/// server (1.1 `Server`, 1.2 `Receiver`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultSide {
    Caller,
    Server,
}

/// What kind of conflict: gRPC tells a broken state rule (FAILED_PRECONDITION) from a
/// uniqueness clash (ALREADY_EXISTS); every other protocol just says CONFLICT.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Conflict {
    State,
    Unique,
}

impl ErrorCode {
    pub const ALL: [ErrorCode; 8] = [
        ErrorCode::InvalidArgument,
        ErrorCode::Unauthenticated,
        ErrorCode::PermissionDenied,
        ErrorCode::NotFound,
        ErrorCode::Conflict,
        ErrorCode::RateLimited,
        ErrorCode::Internal,
        ErrorCode::Unavailable,
    ];

    /// The canonical name, carried by every protocol's error.
    pub fn as_str(self) -> &'static str {
        self.row().name
    }
    pub fn http_status(self) -> u16 {
        self.row().http
    }
    /// The numeric gRPC status code (`google.rpc.Code`); CONFLICT depends on its kind.
    pub fn grpc_code(self, conflict: Conflict) -> i32 {
        match (self, conflict) {
            (ErrorCode::Conflict, Conflict::Unique) => 6, // ALREADY_EXISTS
            _ => self.row().grpc,
        }
    }
    pub fn graphql_code(self) -> &'static str {
        self.row().graphql
    }
    pub fn jsonrpc_code(self) -> i64 {
        self.row().jsonrpc
    }
    pub fn fault_side(self) -> FaultSide {
        self.row().soap
    }
    /// Parses a canonical name or an HTTP status (the `X-Playground-Fail` knob accepts both).
    pub fn parse(text: &str) -> Option<ErrorCode> {
        let text = text.trim();
        ErrorCode::ALL
            .into_iter()
            .find(|code| code.as_str().eq_ignore_ascii_case(text) || code.http_status().to_string() == text)
    }

    fn row(self) -> &'static Row {
        &TABLE[self as usize]
    }
}

struct Row {
    name: &'static str,
    http: u16,
    grpc: i32,
    graphql: &'static str,
    jsonrpc: i64,
    soap: FaultSide,
}

/// The contract's error table (§4), one row per code, in `ErrorCode` order.
#[rustfmt::skip]
const TABLE: [Row; 8] = [
    Row { name: "INVALID_ARGUMENT", http: 400, grpc: 3, graphql: "BAD_USER_INPUT", jsonrpc: -32602, soap: FaultSide::Caller },
    Row { name: "UNAUTHENTICATED", http: 401, grpc: 16, graphql: "UNAUTHENTICATED", jsonrpc: -32001, soap: FaultSide::Caller },
    Row { name: "PERMISSION_DENIED", http: 403, grpc: 7, graphql: "FORBIDDEN", jsonrpc: -32003, soap: FaultSide::Caller },
    Row { name: "NOT_FOUND", http: 404, grpc: 5, graphql: "NOT_FOUND", jsonrpc: -32004, soap: FaultSide::Caller },
    Row { name: "CONFLICT", http: 409, grpc: 9, graphql: "CONFLICT", jsonrpc: -32009, soap: FaultSide::Caller },
    Row { name: "RATE_LIMITED", http: 429, grpc: 8, graphql: "RATE_LIMITED", jsonrpc: -32029, soap: FaultSide::Caller },
    Row { name: "INTERNAL", http: 500, grpc: 13, graphql: "INTERNAL_SERVER_ERROR", jsonrpc: -32603, soap: FaultSide::Server },
    Row { name: "UNAVAILABLE", http: 503, grpc: 14, graphql: "SERVICE_UNAVAILABLE", jsonrpc: -32053, soap: FaultSide::Server },
];

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A failed operation: the canonical code, a message for humans, and what some codes carry.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct DomainError {
    pub code: ErrorCode,
    pub message: String,
    /// The input field at fault, for INVALID_ARGUMENT (REST names it, gRPC puts it in BadRequest).
    pub field: Option<String>,
    /// Seconds until a retry may succeed, for RATE_LIMITED and UNAVAILABLE.
    pub retry_after_secs: Option<u64>,
    pub conflict: Conflict,
}

impl DomainError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        DomainError { code, message: message.into(), field: None, retry_after_secs: None, conflict: Conflict::State }
    }
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        DomainError { field: Some(field.to_owned()), ..Self::new(ErrorCode::InvalidArgument, message) }
    }
    pub fn not_found(what: &str, id: u64) -> Self {
        Self::new(ErrorCode::NotFound, format!("{what} {id} not found"))
    }
    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Conflict, message)
    }
    pub fn already_exists(message: impl Into<String>) -> Self {
        DomainError { conflict: Conflict::Unique, ..Self::new(ErrorCode::Conflict, message) }
    }
    pub fn unauthenticated(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Unauthenticated, message)
    }
    pub fn permission_denied(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::PermissionDenied, message)
    }
    pub fn retry_after(code: ErrorCode, message: impl Into<String>, secs: u64) -> Self {
        DomainError { retry_after_secs: Some(secs.max(1)), ..Self::new(code, message) }
    }
    pub fn grpc_code(&self) -> i32 {
        self.code.grpc_code(self.conflict)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_has_its_own_row() {
        for (index, code) in ErrorCode::ALL.iter().enumerate() {
            assert_eq!(*code as usize, index);
            assert_eq!(ErrorCode::parse(code.as_str()), Some(*code));
            assert_eq!(ErrorCode::parse(&code.http_status().to_string()), Some(*code));
        }
        assert_eq!(ErrorCode::Conflict.grpc_code(Conflict::Unique), 6);
        assert_eq!(ErrorCode::Conflict.grpc_code(Conflict::State), 9);
        assert_eq!(ErrorCode::parse("418"), None);
    }
}
