//! Writing SOAP XML: escaping and the envelope around a response body.

use std::borrow::Cow;

use super::envelope::SoapVersion;

/// Text content, escaped.
pub fn text(value: &str) -> Cow<'_, str> {
    quick_xml::escape::escape(value)
}

/// `<Name>escaped value</Name>`
pub fn element(out: &mut String, name: &str, value: &str) {
    out.push('<');
    out.push_str(name);
    out.push('>');
    out.push_str(&text(value));
    out.push_str("</");
    out.push_str(name);
    out.push('>');
}

/// A response envelope's start, in a buffer the operation's element is then written into, so
/// the answer is built in one piece rather than wrapped in a copy.
pub fn open_envelope(version: SoapVersion) -> String {
    let mut out = String::with_capacity(512);
    for part in [
        "<?xml version=\"1.0\" encoding=\"utf-8\"?><soap:Envelope xmlns:soap=\"",
        version.namespace(),
        "\"><soap:Body>",
    ] {
        out.push_str(part);
    }
    out
}

pub fn close_envelope(out: &mut String) {
    out.push_str("</soap:Body></soap:Envelope>");
}

/// `<{operation}Response xmlns="urn:api-playground:v1">`
pub fn open_response(out: &mut String, operation: &str) {
    for part in ["<", operation, "Response xmlns=\"", super::NAMESPACE, "\">"] {
        out.push_str(part);
    }
}

/// `</{operation}Response>`
pub fn close_response(out: &mut String, operation: &str) {
    for part in ["</", operation, "Response>"] {
        out.push_str(part);
    }
}

/// `<{operation}Response xmlns="urn:api-playground:v1"/>`, for an operation that answers nothing.
pub fn empty_response(out: &mut String, operation: &str) {
    for part in ["<", operation, "Response xmlns=\"", super::NAMESPACE, "\"/>"] {
        out.push_str(part);
    }
}
