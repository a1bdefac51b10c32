//! The one place gRPC errors are made: a `DomainError` becomes a `tonic::Status` with the
//! canonical code as `google.rpc.ErrorInfo.reason` in `grpc-status-details-bin`, field
//! violations for INVALID_ARGUMENT and `RetryInfo` for RATE_LIMITED and UNAVAILABLE.

use std::collections::HashMap;

use playground_domain::{DomainError, ErrorCode};
use tonic::{Code, Status};
use tonic_types::{ErrorDetails, StatusExt};

pub const ERROR_DOMAIN: &str = "api-playground";

/// The proto name of a domain field: snake_case, and the page fields as proto calls them.
fn proto_field(field: &str) -> String {
    match field {
        "limit" => "page_size".to_owned(),
        "cursor" => "page_token".to_owned(),
        _ => field.chars().fold(String::new(), |mut out, c| {
            if c.is_ascii_uppercase() {
                out.push('_');
                out.push(c.to_ascii_lowercase());
            } else {
                out.push(c);
            }
            out
        }),
    }
}

pub fn status(error: DomainError) -> Status {
    let code = Code::from_i32(error.grpc_code());
    let DomainError { code: canonical, message, field, retry_after_secs, conflict: _ } = error;
    let mut details = ErrorDetails::with_error_info(canonical.as_str(), ERROR_DOMAIN, HashMap::new());
    if let Some(field) = field {
        details.add_bad_request_violation(proto_field(&field), message.clone());
    }
    if let Some(seconds) = retry_after_secs {
        details.set_retry_info(Some(std::time::Duration::from_secs(seconds)));
    }
    let message =
        if canonical == ErrorCode::Internal { "the server failed; the failure is logged".to_owned() } else { message };
    let mut status = Status::with_error_details(code, message, details);
    if let Some(seconds) = retry_after_secs {
        if let Ok(value) = seconds.to_string().parse() {
            status.metadata_mut().insert("retry-after", value);
        }
    }
    status
}

/// tonic refuses a request message over the bound with OUT_OF_RANGE and no details; gRPC's
/// other implementations say RESOURCE_EXHAUSTED, and the contract wants the canonical reason.
/// Rewrites such a trailers-only answer in place.
pub fn restate_oversized_message(headers: &mut http::HeaderMap) {
    let Some(refused) = Status::from_header_map(headers) else {
        return;
    };
    if refused.code() != Code::OutOfRange || !refused.message().contains("decoded message length too large") {
        return;
    }
    let mut details = ErrorDetails::with_error_info(ErrorCode::InvalidArgument.as_str(), ERROR_DOMAIN, HashMap::new());
    details.add_bad_request_violation("message", refused.message());
    let restated = Status::with_error_details(Code::ResourceExhausted, refused.message(), details);
    if restated.add_header(headers).is_err() {
        tracing::warn!("could not restate an oversized-message status");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_named_as_in_the_proto() {
        assert_eq!(proto_field("limit"), "page_size");
        assert_eq!(proto_field("items.productId"), "items.product_id");
    }

    #[test]
    fn every_error_carries_error_info() {
        for code in ErrorCode::ALL {
            let status = status(DomainError::new(code, "x"));
            let info = status.get_details_error_info().expect("ErrorInfo");
            assert_eq!(info.reason, code.as_str());
            assert_eq!(info.domain, ERROR_DOMAIN);
        }
        let limited = status(DomainError::retry_after(ErrorCode::RateLimited, "slow down", 3));
        assert_eq!(limited.code(), Code::ResourceExhausted);
        assert_eq!(
            limited.get_details_retry_info().and_then(|r| r.retry_delay),
            Some(std::time::Duration::from_secs(3))
        );
    }
}
