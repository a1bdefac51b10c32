//! Reading a SOAP envelope safely: no DTD (so no entity expansion, no external entities), only
//! the five predefined entities and character references, at most 32 levels deep, namespaces
//! matched by URI whatever the prefix. The result is a small element tree of the Body's call.

use std::borrow::Cow;

use quick_xml::events::attributes::Attributes;
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::PrefixDeclaration;
use quick_xml::Reader;

pub const SOAP11_NS: &str = "http://schemas.xmlsoap.org/soap/envelope/";
pub const SOAP12_NS: &str = "http://www.w3.org/2003/05/soap-envelope";
pub const MAX_DEPTH: usize = 32;
/// Every element's name is looked up among the declarations in force, so they are bounded too.
pub const MAX_NAMESPACE_DECLARATIONS: usize = 64;
/// The namespace the `xml` prefix has without being declared; no other prefix may take it.
const XML_NS: &str = "http://www.w3.org/XML/1998/namespace";
/// The namespace of `xmlns` itself, which no prefix may be bound to.
const XMLNS_NS: &str = "http://www.w3.org/2000/xmlns/";

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
/// content and children. Reading a call allocates little more than the lists of children.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Element<'a> {
    namespace: Option<Cow<'a, str>>,
    /// The start tag as written between `<` and `>`: the qualified name, then the attributes.
    tag: &'a str,
    /// Where the qualified name ends in `tag`.
    name_end: usize,
    /// The name without its prefix.
    local_name: &'a str,
    pub text: Cow<'a, str>,
    pub children: Vec<Element<'a>>,
}

impl<'a> Element<'a> {
    pub fn name(&self) -> &'a str {
        self.local_name
    }
    pub fn namespace(&self) -> Option<&str> {
        self.namespace.as_deref()
    }
    pub fn child(&self, name: &str) -> Option<&Element<'a>> {
        self.children.iter().find(|child| child.name() == name)
    }
    /// An attribute's value by its local name, unescaped (every attribute was checked when read).
    pub fn attribute(&self, name: &str) -> Option<Cow<'a, str>> {
        let attribute = Attributes::new(self.tag, self.name_end)
            .flatten()
            .find(|attribute| attribute.key.local_name().into_inner() == name)?;
        attribute.normalized_value(quick_xml::XmlVersion::Implicit1_0).ok()
    }
}

/// `xmlns:prefix="uri"`, or `xmlns="uri"` for the default namespace (an empty prefix), declared
/// by the element at `depth` and in force until that element closes.
struct Declaration<'a> {
    prefix: &'a str,
    uri: Cow<'a, str>,
    depth: usize,
}

/// The namespace declarations in force while reading, the innermost last.
#[derive(Default)]
struct Scope<'a> {
    declarations: Vec<Declaration<'a>>,
}

impl<'a> Scope<'a> {
    fn declare(&mut self, prefix: PrefixDeclaration<'a>, uri: Cow<'a, str>, depth: usize) -> Result<(), EnvelopeError> {
        let prefix = match prefix {
            PrefixDeclaration::Default => "",
            PrefixDeclaration::Named("xml") if uri == XML_NS => return Ok(()),
            PrefixDeclaration::Named(reserved @ ("xml" | "xmlns")) => {
                return Err(malformed(format!("the prefix {reserved:?} is reserved and cannot be declared")))
            }
            PrefixDeclaration::Named("") => return Err(malformed("xmlns: declares no prefix")),
            PrefixDeclaration::Named(prefix) if uri.is_empty() => {
                return Err(malformed(format!("the prefix {prefix:?} cannot be bound to an empty namespace")))
            }
            PrefixDeclaration::Named(prefix) => prefix,
        };
        if uri == XML_NS || uri == XMLNS_NS {
            return Err(malformed(format!("the namespace {uri:?} is reserved and cannot be declared")));
        }
        if self.declarations.len() >= MAX_NAMESPACE_DECLARATIONS {
            return Err(malformed(format!(
                "more than {MAX_NAMESPACE_DECLARATIONS} namespace declarations are in force"
            )));
        }
        self.declarations.push(Declaration { prefix, uri, depth });
        Ok(())
    }

    /// The namespace of an element's name: its prefix's, or the default one when it has none
    /// (no namespace when there is no default, or `xmlns=""` undid it).
    fn resolve(&self, prefix: Option<&str>) -> Result<Option<Cow<'a, str>>, EnvelopeError> {
        if prefix == Some("xml") {
            return Ok(Some(Cow::Borrowed(XML_NS)));
        }
        let wanted = prefix.unwrap_or("");
        match self.declarations.iter().rev().find(|declaration| declaration.prefix == wanted) {
            Some(declaration) if !declaration.uri.is_empty() => Ok(Some(declaration.uri.clone())),
            _ if prefix.is_none() => Ok(None),
            _ => Err(malformed(format!("namespace prefix {wanted:?} is not declared"))),
        }
    }

    /// Ends the declarations made at `depth` or deeper: their element has closed.
    fn close(&mut self, depth: usize) {
        while self.declarations.last().is_some_and(|declaration| declaration.depth >= depth) {
            self.declarations.pop();
        }
    }
}

/// The reader lends each start tag straight out of the message; this finds that same text as a
/// slice of the message, so the element can keep it for as long as the message lives.
fn in_message<'a>(xml: &'a str, lent: &str) -> Result<&'a str, EnvelopeError> {
    let offset = (lent.as_ptr() as usize).wrapping_sub(xml.as_ptr() as usize);
    xml.get(offset..offset.saturating_add(lent.len()))
        .filter(|found| std::ptr::eq(found.as_ptr(), lent.as_ptr()))
        .ok_or_else(|| malformed("a start tag was not read from the message"))
}

/// Reads a start tag's attributes once: each must be well formed and readable, and the namespace
/// declarations among them go into the scope.
fn read_attributes<'a>(
    tag: &'a str,
    name_end: usize,
    scope: &mut Scope<'a>,
    depth: usize,
) -> Result<(), EnvelopeError> {
    // quick-xml's check for a repeated attribute keeps a list of the names it has seen, so it is
    // asked for only where there is a second attribute to repeat the first.
    let mut attributes = Attributes::new(tag, name_end);
    attributes.with_checks(false);
    let mut count = 0;
    for attribute in attributes {
        count += 1;
        let attribute = attribute.map_err(|e| malformed(format!("malformed attribute: {e}")))?;
        // Only a reference, a tab or a line break makes a value differ from what is written.
        let value = match attribute.value.contains(['&', '\t', '\n', '\r']) {
            true => attribute
                .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .map_err(|e| malformed(format!("malformed attribute value: {e}")))?,
            false => attribute.value,
        };
        if let Some(prefix) = attribute.key.as_namespace_binding() {
            scope.declare(prefix, value, depth)?;
        }
    }
    if count > 1 {
        for attribute in Attributes::new(tag, name_end) {
            attribute.map_err(|e| malformed(format!("malformed attribute: {e}")))?;
        }
    }
    Ok(())
}

/// A new element from its start tag at `depth`: the bound on depth checked, its attributes read
/// once (namespace declarations taken into the scope), its name resolved to a namespace.
fn open_element<'a>(
    xml: &'a str,
    start: &BytesStart<'_>,
    scope: &mut Scope<'a>,
    depth: usize,
) -> Result<Element<'a>, EnvelopeError> {
    if depth >= MAX_DEPTH {
        return Err(malformed(format!("the XML is nested deeper than {MAX_DEPTH} levels")));
    }
    let tag = in_message(xml, start)?;
    let name_end = start.name().into_inner().len();
    // Most tags have no attributes: nothing follows their name.
    if tag.len() > name_end {
        read_attributes(tag, name_end, scope, depth)?;
    }
    let qualified_name = &tag[..name_end];
    let (prefix, local_name) = match qualified_name.split_once(':') {
        Some((prefix, local_name)) => (Some(prefix), local_name),
        None => (None, qualified_name),
    };
    Ok(Element {
        namespace: scope.resolve(prefix)?,
        tag,
        name_end,
        local_name,
        text: Cow::Borrowed(""),
        children: Vec::new(),
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
pub struct Envelope<'a> {
    pub header: Option<Element<'a>>,
    pub call: Element<'a>,
}

fn malformed(message: impl Into<String>) -> EnvelopeError {
    EnvelopeError::Malformed(message.into())
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
    let mut reader = Reader::from_str(xml);
    let mut scope = Scope::default();
    let mut stack: Vec<Element<'_>> = Vec::new();
    let mut root: Option<Element<'_>> = None;
    loop {
        let event = reader.read_event().map_err(|e| malformed(format!("malformed XML: {e}")))?;
        match event {
            Event::DocType(_) => return Err(malformed("a DTD is not allowed in a SOAP message")),
            Event::Start(_) | Event::Empty(_) if root.is_some() => {
                return Err(malformed("only one root element is allowed"));
            }
            Event::Start(start) => stack.push(open_element(xml, &start, &mut scope, stack.len())?),
            Event::Empty(start) => {
                let element = open_element(xml, &start, &mut scope, stack.len())?;
                scope.close(stack.len());
                match stack.last_mut() {
                    Some(parent) => parent.children.push(element),
                    None => root = Some(element),
                }
            }
            Event::End(_) => {
                let Some(mut element) = stack.pop() else {
                    return Err(malformed("unbalanced end tag"));
                };
                scope.close(stack.len());
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

    #[test]
    fn namespaces_are_scoped_to_the_element_that_declares_them() {
        let xml = format!(
            r#"<e:Envelope xmlns:e="{SOAP11_NS}"><e:Body><Call xmlns="urn:a"><p:In xmlns:p="urn:p"/><Plain xmlns=""/><Same/></Call></e:Body></e:Envelope>"#
        );
        let call = parse(&xml, SoapVersion::V11).expect("valid").call;
        assert_eq!(call.namespace(), Some("urn:a"));
        let namespaces: Vec<_> = call.children.iter().map(|child| (child.name(), child.namespace())).collect();
        assert_eq!(namespaces, [("In", Some("urn:p")), ("Plain", None), ("Same", Some("urn:a"))]);
        let leaked = envelope(SOAP11_NS, r#"<Call><p:In xmlns:p="urn:p"/><p:Out/></Call>"#);
        assert!(
            matches!(parse(&leaked, SoapVersion::V11), Err(EnvelopeError::Malformed(m)) if m.contains("\"p\" is not declared"))
        );
        let escaped = envelope(SOAP11_NS, r#"<Call xmlns="urn:a?b=1&amp;c=2" Type="x &lt; y"/>"#);
        let call = parse(&escaped, SoapVersion::V11).expect("valid").call;
        assert_eq!(call.namespace(), Some("urn:a?b=1&c=2"));
        assert_eq!(call.attribute("Type").as_deref(), Some("x < y"));
    }

    #[test]
    fn refuses_reserved_empty_and_too_many_declarations() {
        for declaration in [
            r#"xmlns:xmlns="urn:x""#,
            r#"xmlns:xml="urn:x""#,
            r#"xmlns:p="""#,
            r#"xmlns:p="http://www.w3.org/2000/xmlns/""#,
        ] {
            let xml = envelope(SOAP11_NS, &format!("<Call {declaration}/>"));
            assert!(matches!(parse(&xml, SoapVersion::V11), Err(EnvelopeError::Malformed(_))), "{declaration}");
        }
        let xml_prefix =
            envelope(SOAP11_NS, r#"<Call xmlns:xml="http://www.w3.org/XML/1998/namespace" xml:lang="en"/>"#);
        assert!(parse(&xml_prefix, SoapVersion::V11).is_ok());
        let many: String = (0..MAX_NAMESPACE_DECLARATIONS).map(|i| format!(r#" xmlns:p{i}="urn:{i}""#)).collect();
        let xml = envelope(SOAP11_NS, &format!("<Call{many}/>"));
        assert!(
            matches!(parse(&xml, SoapVersion::V11), Err(EnvelopeError::Malformed(m)) if m.contains("namespace declarations"))
        );
        let duplicate = envelope(SOAP11_NS, r#"<Call a="1" a="2"/>"#);
        assert!(matches!(parse(&duplicate, SoapVersion::V11), Err(EnvelopeError::Malformed(_))));
    }
}
