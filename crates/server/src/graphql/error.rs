//! The one place GraphQL errors are made: `extensions.code` (the GraphQL community's names),
//! `extensions.canonicalCode` (the playground's), and `retryAfter` where it applies.

use async_graphql::{Error, ErrorExtensions};
use playground_domain::{DomainError, ErrorCode};

pub fn graphql_error(error: DomainError) -> Error {
    let DomainError { code, message, field, retry_after_secs, conflict: _ } = error;
    let message =
        if code == ErrorCode::Internal { "the server failed; the failure is logged".to_owned() } else { message };
    Error::new(message).extend_with(|_, extensions| {
        extensions.set("code", code.graphql_code());
        extensions.set("canonicalCode", code.as_str());
        if let Some(field) = &field {
            extensions.set("field", field.as_str());
        }
        if let Some(seconds) = retry_after_secs {
            extensions.set("retryAfter", seconds);
        }
    })
}

/// Errors raised by the GraphQL engine itself (syntax, validation, limits) are the caller's input.
pub fn tag_engine_errors(response: &mut async_graphql::Response, max_complexity: usize) {
    for error in &mut response.errors {
        if error.message == "Query is too complex." {
            error.message = format!(
                "the query's complexity is over the limit of {max_complexity}: every field counts 1, and a \
                 connection counts its selection once per node it may return (ask for a smaller `first`)"
            );
        }
        let extensions = error.extensions.get_or_insert_with(Default::default);
        if extensions.get("code").is_none() {
            extensions.set("code", ErrorCode::InvalidArgument.graphql_code());
            extensions.set("canonicalCode", ErrorCode::InvalidArgument.as_str());
        }
    }
}
