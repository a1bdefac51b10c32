//! Reading a SOAP envelope safely: no DTD (so no entity expansion, no external entities), only
//! the five predefined entities and character references, at most 32 levels deep, namespaces
//! matched by URI whatever the prefix. The result is a small element tree of the Body's call.

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

/// One XML element: namespace URI, local name, text content and children.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Element {
    pub namespace: Option<String>,
    pub name: String,
    pub text: String,
    /// Attributes by local name, values unescaped.
    pub attributes: Vec<(String, String)>,
    pub children: Vec<Element>,
}

impl Element {
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|child| child.name == name)
    }
    pub fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes.iter().find(|(key, _)| key == name).map(|(_, value)| value.as_str())
    }
}

/// A new element from its start tag, refusing to go deeper than the bound.
fn open_element(start: &BytesStart<'_>, resolved: ResolveResult<'_>, depth: usize) -> Result<Element, EnvelopeError> {
    if depth >= MAX_DEPTH {
        return Err(malformed(format!("the XML is nested deeper than {MAX_DEPTH} levels")));
    }
    let mut attributes = Vec::new();
    for attribute in start.attributes() {
        let attribute = attribute.map_err(|e| malformed(format!("malformed attribute: {e}")))?;
        let value = attribute
            .normalized_value(quick_xml::XmlVersion::Implicit1_0)
            .map_err(|e| malformed(format!("malformed attribute value: {e}")))?;
        attributes.push((<_ as AsRef<str>>::as_ref(&attribute.key.local_name()).to_owned(), value.into_owned()));
    }
    Ok(Element {
        namespace: namespace_of(resolved)?,
        name: <_ as AsRef<str>>::as_ref(&start.local_name()).to_owned(),
        attributes,
        ..Element::default()
    })
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
pub struct Envelope {
    pub header: Option<Element>,
    pub call: Element,
}

fn malformed(message: impl Into<String>) -> EnvelopeError {
    EnvelopeError::Malformed(message.into())
}

fn namespace_of(resolved: ResolveResult<'_>) -> Result<Option<String>, EnvelopeError> {
    match resolved {
        ResolveResult::Bound(ns) => Ok(Some(<_ as AsRef<str>>::as_ref(&ns).to_owned())),
        ResolveResult::Unbound => Ok(None),
        ResolveResult::Unknown(prefix) => Err(malformed(format!("namespace prefix {prefix:?} is not declared"))),
    }
}

/// Parses the whole document into an element tree, refusing DTDs and going no deeper than 32.
pub fn parse_tree(xml: &str) -> Result<Element, EnvelopeError> {
    let mut reader = NsReader::from_str(xml);
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    loop {
        let (resolved, event) = reader.read_resolved_event().map_err(|e| malformed(format!("malformed XML: {e}")))?;
        match event {
            Event::DocType(_) => return Err(malformed("a DTD is not allowed in a SOAP message")),
            Event::Start(_) | Event::Empty(_) if root.is_some() => {
                return Err(malformed("only one root element is allowed"));
            }
            Event::Start(start) => stack.push(open_element(&start, resolved, stack.len())?),
            Event::Empty(start) => {
                let element = open_element(&start, resolved, stack.len())?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(element),
                    None => root = Some(element),
                }
            }
            Event::End(_) => {
                let Some(mut element) = stack.pop() else {
                    return Err(malformed("unbalanced end tag"));
                };
                // Whitespace around values and between elements is layout, not content.
                let trimmed = element.text.trim();
                if trimmed.len() != element.text.len() {
                    element.text = trimmed.to_owned();
                }
                match stack.last_mut() {
                    Some(parent) => parent.children.push(element),
                    None => root = Some(element),
                }
            }
            Event::Text(text) => {
                if let Some(current) = stack.last_mut() {
                    current.text.push_str(&text.xml10_content());
                }
            }
            Event::CData(data) => {
                if let Some(current) = stack.last_mut() {
                    current.text.push_str(&data);
                }
            }
            Event::GeneralRef(reference) => {
                let resolved = match reference.resolve_char_ref() {
                    Ok(Some(c)) => c.to_string(),
                    _ => {
                        let name = reference.xml10_content();
                        match quick_xml::escape::resolve_predefined_entity(&name) {
                            Some(text) => text.to_owned(),
                            None => {
                                return Err(malformed(format!(
                                    "entity &{name}; is not allowed: only the predefined XML entities are"
                                )))
                            }
                        }
                    }
                };
                if let Some(current) = stack.last_mut() {
                    current.text.push_str(&resolved);
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
pub fn parse(xml: &str, version: SoapVersion) -> Result<Envelope, EnvelopeError> {
    let root = parse_tree(xml)?;
    if root.name != "Envelope" {
        return Err(malformed(format!("the root element is {:?}, expected a SOAP Envelope", root.name)));
    }
    let namespace = root.namespace.as_deref().unwrap_or("");
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
    let in_envelope = |element: &Element| element.namespace.as_deref() == Some(version.namespace());
    let mut header = None;
    let mut body = None;
    for child in root.children {
        match child.name.as_str() {
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
        assert_eq!(parsed.call.name, "GetUser");
        assert_eq!(parsed.call.child("Id").map(|e| e.text.as_str()), Some("42"));
        assert_eq!(parsed.call.child("Name").map(|e| e.text.as_str()), Some("a & b"));
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
