//! Reading a SOAP envelope safely: no DTD (so no entity expansion, no external entities), only
//! the five predefined entities and character references, at most 32 levels deep, namespaces
//! matched by URI whatever the prefix. The result is a small element tree of the Body's call.

use std::borrow::Cow;

use quick_xml::events::{BytesStart, Event};
use quick_xml::name::ResolveResult;
use quick_xml::NsReader;

pub const SOAP11_NS: &str = "http://schemas.xmlsoap.org/soap/envelope/";
pub const SOAP12_NS: &str = "http://www.w3.org/2003/05/soap-envelope";
pub const MAX_DEPTH: usize = 32;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SoapVersion {
    V11,
    V12,
}

impl SoapVersion {
    pub fn namespace(self) -> &'static str {
        match self {
            SoapVersion::V11 => SOAP11_NS,
            SoapVersion::V12 => SOAP12_NS,
        }
    }
    pub fn content_type(self) -> &'static str {
        match self {
            SoapVersion::V11 => "text/xml; charset=utf-8",
            SoapVersion::V12 => "application/soap+xml; charset=utf-8",
        }
    }
}

/// One XML element, borrowed from the message where it can be: namespace URI, local name, text
/// content and children. Reading a call allocates little more than the list of children.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Element<'a> {
    namespace: Option<Cow<'static, str>>,
    /// The start tag as written: the local name and, when asked for, the attributes.
    start: BytesStart<'a>,
    pub text: Cow<'a, str>,
    pub children: Vec<Element<'a>>,
}

impl<'a> Element<'a> {
    pub fn name(&self) -> &str {
        self.start.local_name().into_inner()
    }
    pub fn namespace(&self) -> Option<&str> {
        self.namespace.as_deref()
    }
    pub fn child(&self, name: &str) -> Option<&Element<'a>> {
        self.children.iter().find(|child| child.name() == name)
    }
    /// An attribute's value by its local name, unescaped (every attribute was checked when read).
    pub fn attribute(&self, name: &str) -> Option<String> {
        let attribute =
            self.start.attributes().flatten().find(|attribute| attribute.key.local_name().into_inner() == name)?;
        attribute.normalized_value(quick_xml::XmlVersion::Implicit1_0).ok().map(Cow::into_owned)
    }
}

/// The namespaces a playground message uses, matched without allocating; any other is copied.
const KNOWN_NAMESPACES: [&str; 4] = [SOAP11_NS, SOAP12_NS, super::NAMESPACE, super::security::WSSE_NS];

/// A new element from its start tag, refusing to go deeper than the bound or a malformed attribute.
fn open_element<'a>(
    start: BytesStart<'a>,
    resolved: ResolveResult<'_>,
    depth: usize,
) -> Result<Element<'a>, EnvelopeError> {
    if depth >= MAX_DEPTH {
        return Err(malformed(format!("the XML is nested deeper than {MAX_DEPTH} levels")));
    }
    // Most elements carry no attributes: their start tag needs no second look.
    if !start.attributes_raw().trim_ascii().is_empty() {
        for attribute in start.attributes() {
            let attribute = attribute.map_err(|e| malformed(format!("malformed attribute: {e}")))?;
            // Only a reference (`&...;`) can make a value unreadable.
            if attribute.value.contains('&') {
                attribute
                    .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                    .map_err(|e| malformed(format!("malformed attribute value: {e}")))?;
            }
        }
    }
    Ok(Element { namespace: namespace_of(resolved)?, start, text: Cow::Borrowed(""), children: Vec::new() })
}

/// Why an envelope could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EnvelopeError {
    /// Malformed, hostile or unexpected XML: the sender's fault.
    Malformed(String),
    /// The envelope's namespace is not the SOAP version the request announced.
    VersionMismatch(String),
}

/// A parsed request: the optional Header (WS-Security lives there) and the Body's call.
#[derive(Debug)]
pub struct Envelope<'a> {
    pub header: Option<Element<'a>>,
    pub call: Element<'a>,
}

fn malformed(message: impl Into<String>) -> EnvelopeError {
    EnvelopeError::Malformed(message.into())
}

fn namespace_of(resolved: ResolveResult<'_>) -> Result<Option<Cow<'static, str>>, EnvelopeError> {
    match resolved {
        ResolveResult::Bound(ns) => {
            let uri = ns.into_inner();
            Ok(Some(match KNOWN_NAMESPACES.iter().find(|known| **known == uri) {
                Some(known) => Cow::Borrowed(known),
                None => Cow::Owned(uri.to_owned()),
            }))
        }
        ResolveResult::Unbound => Ok(None),
        ResolveResult::Unknown(prefix) => Err(malformed(format!("namespace prefix {prefix:?} is not declared"))),
    }
}

/// Appends text to an element's content, borrowing while there is only one piece.
fn append<'a>(content: &mut Cow<'a, str>, piece: Cow<'a, str>) {
    if content.is_empty() {
        *content = piece;
    } else {
        content.to_mut().push_str(&piece);
    }
}

/// Whitespace around values and between elements is layout, not content.
fn trim(content: Cow<'_, str>) -> Cow<'_, str> {
    match content {
        Cow::Borrowed(text) => Cow::Borrowed(text.trim()),
        Cow::Owned(text) if text.trim().len() == text.len() => Cow::Owned(text),
        Cow::Owned(text) => Cow::Owned(text.trim().to_owned()),
    }
}

/// Parses the whole document into an element tree, refusing DTDs and going no deeper than 32.
pub fn parse_tree(xml: &str) -> Result<Element<'_>, EnvelopeError> {
    let mut reader = NsReader::from_str(xml);
    let mut stack: Vec<Element<'_>> = Vec::new();
    let mut root: Option<Element<'_>> = None;
    loop {
        let (resolved, event) = reader.read_resolved_event().map_err(|e| malformed(format!("malformed XML: {e}")))?;
        match event {
            Event::DocType(_) => return Err(malformed("a DTD is not allowed in a SOAP message")),
            Event::Start(_) | Event::Empty(_) if root.is_some() => {
                return Err(malformed("only one root element is allowed"));
            }
            Event::Start(start) => stack.push(open_element(start, resolved, stack.len())?),
            Event::Empty(start) => {
                let element = open_element(start, resolved, stack.len())?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(element),
                    None => root = Some(element),
                }
            }
            Event::End(_) => {
                let Some(mut element) = stack.pop() else {
                    return Err(malformed("unbalanced end tag"));
                };
                element.text = trim(element.text);
                match stack.last_mut() {
                    Some(parent) => parent.children.push(element),
                    None => root = Some(element),
                }
            }
            Event::Text(text) => {
                if let Some(current) = stack.last_mut() {
                    append(&mut current.text, text.xml10_content());
                }
            }
            Event::CData(data) => {
                if let Some(current) = stack.last_mut() {
                    append(&mut current.text, data.into_inner());
                }
            }
            Event::GeneralRef(reference) => {
                let resolved: Cow<'_, str> = match reference.resolve_char_ref() {
                    Ok(Some(c)) => Cow::Owned(c.to_string()),
                    _ => {
                        let name = reference.xml10_content();
                        match quick_xml::escape::resolve_predefined_entity(&name) {
                            Some(text) => Cow::Borrowed(text),
                            None => {
                                return Err(malformed(format!(
                                    "entity &{name}; is not allowed: only the predefined XML entities are"
                                )))
                            }
                        }
                    }
                };
                if let Some(current) = stack.last_mut() {
                    append(&mut current.text, resolved);
                }
            }
            Event::Eof => break,
            Event::Comment(_) | Event::Decl(_) | Event::PI(_) => {}
        }
    }
    if !stack.is_empty() {
        return Err(malformed("the XML ends before its elements are closed"));
    }
    root.ok_or_else(|| malformed("the body holds no XML"))
}

/// Reads a SOAP request of the given version: Envelope, optional Header, Body with one call.
pub fn parse(xml: &str, version: SoapVersion) -> Result<Envelope<'_>, EnvelopeError> {
    let root = parse_tree(xml)?;
    if root.name() != "Envelope" {
        return Err(malformed(format!("the root element is {:?}, expected a SOAP Envelope", root.name())));
    }
    let namespace = root.namespace().unwrap_or("");
    if namespace != version.namespace() {
        return Err(EnvelopeError::VersionMismatch(format!(
            "the envelope namespace {namespace:?} is not {:?}, the one a {} request uses",
            version.namespace(),
            match version {
                SoapVersion::V11 => "SOAP 1.1 (text/xml)",
                SoapVersion::V12 => "SOAP 1.2 (application/soap+xml)",
            }
        )));
    }
    let in_envelope = |element: &Element| element.namespace() == Some(version.namespace());
    let mut header = None;
    let mut body = None;
    for child in root.children {
        match child.name() {
            "Header" if in_envelope(&child) => header = Some(child),
            "Body" if in_envelope(&child) => body = Some(child),
            other => return Err(malformed(format!("unexpected element {other:?} in the Envelope"))),
        }
    }
    let body = body.ok_or_else(|| malformed("the Envelope has no Body"))?;
    let mut calls = body.children.into_iter();
    let call = calls.next().ok_or_else(|| malformed("the Body holds no operation element"))?;
    if calls.next().is_some() {
        return Err(malformed("the Body must hold exactly one operation element"));
    }
    Ok(Envelope { header, call })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn envelope(ns: &str, body: &str) -> String {
        format!(r#"<?xml version="1.0"?><s:Envelope xmlns:s="{ns}"><s:Body>{body}</s:Body></s:Envelope>"#)
    }

    #[test]
    fn reads_the_call_whatever_the_prefixes() {
        let xml =
            envelope(SOAP11_NS, r#"<p:GetUser xmlns:p="urn:x"><p:Id>4&#50;</p:Id><Name>a &amp; b</Name></p:GetUser>"#);
        let parsed = parse(&xml, SoapVersion::V11).expect("valid");
        assert_eq!(parsed.call.name(), "GetUser");
        assert_eq!(parsed.call.child("Id").map(|e| e.text.as_ref()), Some("42"));
        assert_eq!(parsed.call.child("Name").map(|e| e.text.as_ref()), Some("a & b"));
    }

    #[test]
    fn refuses_dtds_entities_depth_and_wrong_versions() {
        let laughs = r#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">]><lolz>&lol;</lolz>"#;
        assert!(matches!(parse(laughs, SoapVersion::V11), Err(EnvelopeError::Malformed(m)) if m.contains("DTD")));
        let entity = envelope(SOAP11_NS, "<GetUser><Id>&xxe;</Id></GetUser>");
        assert!(matches!(parse(&entity, SoapVersion::V11), Err(EnvelopeError::Malformed(_))));
        let deep = envelope(SOAP11_NS, &format!("{}{}", "<a>".repeat(40), "</a>".repeat(40)));
        assert!(matches!(parse(&deep, SoapVersion::V11), Err(EnvelopeError::Malformed(m)) if m.contains("deeper")));
        let v12 = envelope(SOAP12_NS, "<GetUser/>");
        assert!(matches!(parse(&v12, SoapVersion::V11), Err(EnvelopeError::VersionMismatch(_))));
        assert!(parse(&v12, SoapVersion::V12).is_ok());
        assert!(matches!(parse("<a><b></a>", SoapVersion::V11), Err(EnvelopeError::Malformed(_))));
        assert!(matches!(parse("", SoapVersion::V11), Err(EnvelopeError::Malformed(_))));
    }
}
