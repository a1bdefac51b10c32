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

pub fn wrap_envelope(version: SoapVersion, body: &str) -> String {
    [
        "<?xml version=\"1.0\" encoding=\"utf-8\"?><soap:Envelope xmlns:soap=\"",
        version.namespace(),
        "\"><soap:Body>",
        body,
        "</soap:Body></soap:Envelope>",
    ]
    .concat()
}
