//! The one place REST errors are made: every `DomainError`, and every error poem itself raises
//! (unknown route, bad JSON, wrong method), becomes RFC 9457 `application/problem+json` with the
//! canonical `code`, so no default error page ever leaks through.

use playground_domain::{DomainError, ErrorCode};
use poem::http::{header, HeaderValue, StatusCode};
use poem::{IntoResponse, Response};
use serde::Serialize;

pub const PROBLEM_JSON: &str = "application/problem+json";

/// An RFC 9457 problem document, plus the contract's members.
#[derive(Debug, Serialize, poem_openapi::Object)]
#[serde(rename_all = "camelCase")]
#[oai(rename_all = "camelCase", example)]
pub struct ProblemBody {
    /// `about:blank`: the HTTP status says what kind of problem it is.
    #[serde(rename = "type")]
    #[oai(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// The canonical error code, the same string on every protocol.
    pub code: String,
    /// The input field at fault, for INVALID_ARGUMENT.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[oai(skip_serializing_if_is_none)]
    pub field: Option<String>,
    /// Seconds to wait before retrying, for RATE_LIMITED and UNAVAILABLE.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[oai(skip_serializing_if_is_none)]
    pub retry_after: Option<u64>,
}

/// A domain error on its way to the client as problem+json.
#[derive(Debug)]
pub struct Problem(pub DomainError);

impl From<DomainError> for Problem {
    fn from(error: DomainError) -> Self {
        Problem(error)
    }
}

/// The field a failed `If-Match` names: HTTP's own 412, with the canonical code CONFLICT.
pub const IF_MATCH: &str = "If-Match";

impl Problem {
    fn status(&self) -> StatusCode {
        if self.0.field.as_deref() == Some(IF_MATCH) {
            return StatusCode::PRECONDITION_FAILED;
        }
        StatusCode::from_u16(self.0.code.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        problem_response(self.status(), self.0)
    }
}

/// Builds the response for a status and error: the body, `WWW-Authenticate` on 401,
/// `Retry-After` on 429 and 503.
pub fn problem_response(status: StatusCode, error: DomainError) -> Response {
    let DomainError { code, message, field, retry_after_secs, conflict: _ } = error;
    let body = ProblemBody {
        kind: "about:blank".into(),
        title: status.canonical_reason().unwrap_or("Error").into(),
        status: status.as_u16(),
        detail: message,
        code: code.as_str().into(),
        field,
        retry_after: retry_after_secs,
    };
    let json = serde_json::to_vec(&body).unwrap_or_default();
    let mut response = Response::builder().status(status).content_type(PROBLEM_JSON).body(json);
    let headers = response.headers_mut();
    if code == ErrorCode::Unauthenticated {
        headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("ApiKey header=\"X-API-Key\", Bearer"));
    }
    if let Some(seconds) = retry_after_secs {
        headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    }
    response
}

/// The canonical code for a status poem or poem-openapi chose on its own (parse errors, routing).
fn code_for_status(status: StatusCode) -> ErrorCode {
    match status.as_u16() {
        401 => ErrorCode::Unauthenticated,
        403 => ErrorCode::PermissionDenied,
        404 => ErrorCode::NotFound,
        409 | 412 => ErrorCode::Conflict,
        429 => ErrorCode::RateLimited,
        503 => ErrorCode::Unavailable,
        400..=499 => ErrorCode::InvalidArgument,
        _ => ErrorCode::Internal,
    }
}

/// Turns any error poem raised into problem+json, for `catch_all_error`.
pub async fn catch_all(error: poem::Error) -> Response {
    problem_of(error)
}

/// Turns any error poem raised into problem+json; responses that already are problems pass.
pub fn problem_of(error: poem::Error) -> Response {
    let status = error.status();
    // A query, path or header parameter that did not parse: name it, as a body field is named.
    if let Some(param) = error.downcast_ref::<poem_openapi::error::ParseParamError>() {
        let error = DomainError::invalid(param.name, format!("parameter `{}`: {}", param.name, param.reason));
        return problem_response(status, error);
    }
    // poem-openapi names path parameters by position; every path here has one, `{id}`.
    if let Some(path) = error.downcast_ref::<poem_openapi::error::ParsePathError>() {
        let error = DomainError::invalid("id", format!("`id` must be a positive decimal id: {}", path.reason));
        return problem_response(status, error);
    }
    let message = error.to_string();
    let response = error.into_response();
    let is_problem = response.content_type().is_some_and(|ct| ct.starts_with(PROBLEM_JSON));
    if is_problem {
        return response;
    }
    let code = code_for_status(status);
    let detail = match code {
        ErrorCode::Internal => "the server failed to answer; the failure is logged".to_owned(),
        ErrorCode::NotFound if message.is_empty() || message == "not found" => "no such resource".to_owned(),
        _ => message,
    };
    if code == ErrorCode::Internal {
        tracing::error!(%status, "request failed: {detail}");
    }
    problem_response(status, DomainError::new(code, detail))
}

impl From<Problem> for poem::Error {
    fn from(problem: Problem) -> Self {
        poem::Error::from_response(problem.into_response())
    }
}

/// Documents every error status an operation may answer, each with the problem schema.
impl poem_openapi::ApiResponse for Problem {
    fn meta() -> poem_openapi::registry::MetaResponses {
        use poem_openapi::registry::{MetaHeader, MetaMediaType, MetaResponse, MetaResponses};
        use poem_openapi::types::Type;
        let retry_after = || MetaHeader {
            name: "Retry-After".into(),
            description: Some("Whole seconds to wait before retrying".into()),
            required: true,
            deprecated: false,
            schema: <u64 as Type>::schema_ref(),
        };
        let precondition_failed = MetaResponse {
            description:
                "CONFLICT: the If-Match ETag is stale (412 Precondition Failed, HTTP's optimistic concurrency)",
            status: Some(412),
            status_range: None,
            content: vec![MetaMediaType { content_type: PROBLEM_JSON, schema: <ProblemBody as Type>::schema_ref() }],
            headers: vec![],
        };
        let http_only = |status: u16, description: &'static str| MetaResponse {
            description,
            status: Some(status),
            status_range: None,
            content: vec![MetaMediaType { content_type: PROBLEM_JSON, schema: <ProblemBody as Type>::schema_ref() }],
            headers: vec![],
        };
        let responses = ErrorCode::ALL
            .into_iter()
            .map(|code| MetaResponse {
                description: match code {
                    ErrorCode::InvalidArgument => {
                        "INVALID_ARGUMENT: malformed or invalid input (the `field` member names it)"
                    }
                    ErrorCode::Unauthenticated => "UNAUTHENTICATED: missing or invalid credential",
                    ErrorCode::PermissionDenied => "PERMISSION_DENIED: the credential lacks the scope or ownership",
                    ErrorCode::NotFound => "NOT_FOUND: no such resource",
                    ErrorCode::Conflict => "CONFLICT: a uniqueness, state or stock rule refused the change",
                    ErrorCode::RateLimited => "RATE_LIMITED: the caller's budget is spent",
                    ErrorCode::Internal => "INTERNAL: the server failed",
                    ErrorCode::Unavailable => "UNAVAILABLE: maintenance or overload",
                },
                status: Some(code.http_status()),
                status_range: None,
                content: vec![MetaMediaType {
                    content_type: PROBLEM_JSON,
                    schema: <ProblemBody as Type>::schema_ref(),
                }],
                headers: match code {
                    ErrorCode::RateLimited | ErrorCode::Unavailable => vec![retry_after()],
                    _ => vec![],
                },
            })
            .chain([
                precondition_failed,
                http_only(413, "INVALID_ARGUMENT: the body is larger than the bound (413 Content Too Large)"),
                http_only(415, "INVALID_ARGUMENT: the body is not application/json (415 Unsupported Media Type)"),
            ])
            .collect();
        MetaResponses { responses }
    }

    fn register(registry: &mut poem_openapi::registry::Registry) {
        <ProblemBody as poem_openapi::types::Type>::register(registry);
    }
}
