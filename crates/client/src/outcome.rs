//! Reading an answer the way each protocol's clients do: the status in that protocol's own terms,
//! and the canonical code (CONTRACT §4) it carries, so five answers can be set side by side.

use http::HeaderMap;
use serde_json::Value;
use tonic_types::StatusExt;

use crate::call::Protocol;
use crate::exchange::Answer;

/// A protocol's verdict on one call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// In the protocol's own terms, e.g. `404 Not Found`, `grpc-status 5 NOT_FOUND`.
    pub status: String,
    /// `OK`, or the canonical code the error carried.
    pub code: String,
    /// The answer's payload bytes: an HTTP body, gRPC's framed messages, a WebSocket message.
    pub payload: u64,
}

/// The names of gRPC's status codes, by number.
const GRPC_CODES: [&str; 17] = [
    "OK",
    "CANCELLED",
    "UNKNOWN",
    "INVALID_ARGUMENT",
    "DEADLINE_EXCEEDED",
    "NOT_FOUND",
    "ALREADY_EXISTS",
    "PERMISSION_DENIED",
    "RESOURCE_EXHAUSTED",
    "FAILED_PRECONDITION",
    "ABORTED",
    "OUT_OF_RANGE",
    "UNIMPLEMENTED",
    "INTERNAL",
    "UNAVAILABLE",
    "DATA_LOSS",
    "UNAUTHENTICATED",
];

pub fn grpc_code_name(code: u32) -> &'static str {
    GRPC_CODES.get(code as usize).copied().unwrap_or("UNKNOWN")
}

fn http_status(status: http::StatusCode) -> String {
    format!("{} {}", status.as_u16(), status.canonical_reason().unwrap_or(""))
}

pub fn read(protocol: Protocol, answer: &Answer) -> Verdict {
    match (protocol, answer) {
        (_, Answer::WebSocket { reply, close }) => websocket(reply.as_deref(), close.as_ref()),
        (Protocol::Grpc, Answer::Http { status, headers, body, trailers }) => {
            grpc(*status, headers, trailers.as_ref(), body.len() as u64)
        }
        (Protocol::Graphql, Answer::Http { status, body, .. }) => graphql(*status, body),
        (Protocol::Soap, Answer::Http { status, body, .. }) => soap(*status, body),
        (_, Answer::Http { status, body, .. }) => rest(*status, body),
    }
}

fn rest(status: http::StatusCode, body: &[u8]) -> Verdict {
    let code = if status.is_success() || status == http::StatusCode::NOT_MODIFIED {
        "OK".to_owned()
    } else {
        serde_json::from_slice::<Value>(body)
            .ok()
            .and_then(|problem| problem["code"].as_str().map(str::to_owned))
            .unwrap_or_else(|| format!("HTTP {}", status.as_u16()))
    };
    Verdict { status: http_status(status), code, payload: body.len() as u64 }
}

fn graphql(status: http::StatusCode, body: &[u8]) -> Verdict {
    let document: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let (status, code) = match document["errors"].get(0) {
        Some(error) => (
            format!(
                "{}, errors[0].extensions.code {}",
                http_status(status),
                error["extensions"]["code"].as_str().unwrap_or("?")
            ),
            error["extensions"]["canonicalCode"].as_str().unwrap_or("INTERNAL").to_owned(),
        ),
        None if document["data"].is_object() => (format!("{}, data", http_status(status)), "OK".to_owned()),
        None => (http_status(status), format!("HTTP {}", status.as_u16())),
    };
    Verdict { status, code, payload: body.len() as u64 }
}

fn grpc(status: http::StatusCode, headers: &HeaderMap, trailers: Option<&HeaderMap>, payload: u64) -> Verdict {
    // A trailers-only answer carries grpc-status in its headers.
    let mut merged = headers.clone();
    if let Some(trailers) = trailers {
        merged.extend(trailers.clone());
    }
    let number = merged.get("grpc-status").and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u32>().ok());
    let Some(number) = number else {
        return Verdict { status: format!("{}, no grpc-status", http_status(status)), code: "UNKNOWN".into(), payload };
    };
    let code = if number == 0 {
        "OK".to_owned()
    } else {
        tonic::Status::from_header_map(&merged)
            .and_then(|status| status.get_details_error_info())
            .map(|info| info.reason)
            .unwrap_or_else(|| grpc_code_name(number).to_owned())
    };
    Verdict { status: format!("grpc-status {number} {}", grpc_code_name(number)), code, payload }
}

fn websocket(reply: Option<&str>, close: Option<&(u16, String)>) -> Verdict {
    if let Some((code, reason)) = close {
        let canonical = match code {
            1008 => "UNAUTHENTICATED",
            1013 => "UNAVAILABLE",
            1009 => "INVALID_ARGUMENT",
            _ => "UNKNOWN",
        };
        return Verdict { status: format!("close {code} {reason}"), code: canonical.into(), payload: 0 };
    }
    let text = reply.unwrap_or_default();
    let message: Value = serde_json::from_str(text).unwrap_or(Value::Null);
    let (status, code) = match message.get("error") {
        Some(error) => (
            format!("JSON-RPC error {}", error["code"]),
            error["data"]["code"].as_str().unwrap_or("UNKNOWN").to_owned(),
        ),
        None if message.get("result").is_some() => ("JSON-RPC result".to_owned(), "OK".to_owned()),
        None => ("no reply".to_owned(), "UNKNOWN".to_owned()),
    };
    Verdict { status, code, payload: text.len() as u64 }
}

fn soap(status: http::StatusCode, body: &[u8]) -> Verdict {
    let (fault_code, error_code) = fault(body);
    let (status, code) = match fault_code {
        Some(fault) => {
            (format!("{}, {fault} fault", http_status(status)), error_code.unwrap_or_else(|| "UNKNOWN".to_owned()))
        }
        None if status.is_success() => (http_status(status), "OK".to_owned()),
        None => (http_status(status), format!("HTTP {}", status.as_u16())),
    };
    Verdict { status, code, payload: body.len() as u64 }
}

/// A SOAP fault's `faultcode` and its `detail/Error/Code`, if the body is a fault.
fn fault(body: &[u8]) -> (Option<String>, Option<String>) {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_reader(body);
    let (mut path, mut fault_code, mut error_code) = (Vec::<String>::new(), None, None);
    let mut buffer = Vec::new();
    loop {
        match reader.read_event_into(&mut buffer) {
            Ok(Event::Start(start)) => path.push(<_ as AsRef<str>>::as_ref(&start.local_name()).to_owned()),
            Ok(Event::End(_)) => {
                path.pop();
            }
            Ok(Event::Text(text)) => {
                let text = text.xml10_content().into_owned();
                match path.last().map(String::as_str) {
                    Some("faultcode") => fault_code = Some(text),
                    Some("Code") if path.iter().any(|p| p == "Error") => error_code = Some(text),
                    _ => {}
                }
            }
            Ok(Event::Eof) | Err(_) => break,
            Ok(_) => {}
        }
        buffer.clear();
    }
    (fault_code, error_code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_each_protocols_error_form() {
        let problem = br#"{"type":"about:blank","status":404,"code":"NOT_FOUND"}"#;
        assert_eq!(rest(http::StatusCode::NOT_FOUND, problem).code, "NOT_FOUND");
        let errors =
            br#"{"data":null,"errors":[{"extensions":{"code":"FORBIDDEN","canonicalCode":"PERMISSION_DENIED"}}]}"#;
        assert_eq!(graphql(http::StatusCode::OK, errors).code, "PERMISSION_DENIED");
        let fault = br#"<s:Envelope xmlns:s="x"><s:Body><s:Fault><faultcode>s:Client</faultcode><detail><Error><Code>NOT_FOUND</Code></Error></detail></s:Fault></s:Body></s:Envelope>"#;
        let verdict = soap(http::StatusCode::INTERNAL_SERVER_ERROR, fault);
        assert_eq!((verdict.code.as_str(), verdict.status.contains("s:Client")), ("NOT_FOUND", true));
        let error = r#"{"jsonrpc":"2.0","id":1,"error":{"code":-32004,"message":"no","data":{"code":"NOT_FOUND"}}}"#;
        assert_eq!(websocket(Some(error), None).code, "NOT_FOUND");
        assert_eq!(websocket(None, Some(&(1008, "bad key".into()))).code, "UNAUTHENTICATED");
        let mut trailers = HeaderMap::new();
        trailers.insert("grpc-status", http::HeaderValue::from_static("16"));
        assert_eq!(grpc(http::StatusCode::OK, &HeaderMap::new(), Some(&trailers), 0).code, "UNAUTHENTICATED");
    }
}
