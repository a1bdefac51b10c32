//! The one place SOAP faults are made: SOAP 1.1 `faultcode`/`faultstring`/`detail` or SOAP 1.2
//! `Code`/`Reason`/`Detail`, each with `detail/Error/Code` (the canonical code) and
//! `RetryAfter` where it applies, and the HTTP status each version prescribes.

use playground_domain::error::FaultSide;
use playground_domain::{DomainError, ErrorCode};
use poem::http::StatusCode;

use super::envelope::SoapVersion;
use super::xml::{close_envelope, open_envelope, text};
use super::NAMESPACE;

/// Which SOAP fault code: the caller's fault, the server's, or the wrong envelope version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultKind {
    Side(FaultSide),
    VersionMismatch,
}

/// A fault as status and envelope.
pub fn fault(version: SoapVersion, error: DomainError) -> (StatusCode, String) {
    let kind = FaultKind::Side(error.code.fault_side());
    fault_of_kind(version, kind, error)
}

pub fn fault_of_kind(version: SoapVersion, kind: FaultKind, error: DomainError) -> (StatusCode, String) {
    let DomainError { code, message, field, retry_after_secs, conflict: _ } = error;
    let message =
        if code == ErrorCode::Internal { "the server failed; the failure is logged".to_owned() } else { message };
    let mut detail =
        format!("<Error xmlns=\"{NAMESPACE}\"><Code>{}</Code><Message>{}</Message>", code.as_str(), text(&message));
    if let Some(field) = field {
        detail.push_str(&format!("<Field>{}</Field>", text(&field)));
    }
    if let Some(seconds) = retry_after_secs {
        detail.push_str(&format!("<RetryAfter>{seconds}</RetryAfter>"));
    }
    detail.push_str("</Error>");
    let body = match version {
        SoapVersion::V11 => {
            let code = match kind {
                FaultKind::Side(FaultSide::Caller) => "soap:Client",
                FaultKind::Side(FaultSide::Server) => "soap:Server",
                FaultKind::VersionMismatch => "soap:VersionMismatch",
            };
            format!(
                "<soap:Fault><faultcode>{code}</faultcode><faultstring>{}</faultstring><detail>{detail}</detail></soap:Fault>",
                text(&message)
            )
        }
        SoapVersion::V12 => {
            let code = match kind {
                FaultKind::Side(FaultSide::Caller) => "soap:Sender",
                FaultKind::Side(FaultSide::Server) => "soap:Receiver",
                FaultKind::VersionMismatch => "soap:VersionMismatch",
            };
            format!(
                "<soap:Fault><soap:Code><soap:Value>{code}</soap:Value></soap:Code><soap:Reason><soap:Text xml:lang=\"en\">{}</soap:Text></soap:Reason><soap:Detail>{detail}</soap:Detail></soap:Fault>",
                text(&message)
            )
        }
    };
    // SOAP 1.1 answers every fault with 500; SOAP 1.2 tells the sender's fault (400) from the receiver's (500).
    let status = match (version, kind) {
        (SoapVersion::V12, FaultKind::Side(FaultSide::Caller)) => StatusCode::BAD_REQUEST,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    };
    let mut envelope = open_envelope(version);
    envelope.push_str(&body);
    close_envelope(&mut envelope);
    (status, envelope)
}
