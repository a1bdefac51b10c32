//! SOAP at `/soap`: document/literal over HTTP POST, SOAP 1.1 (`text/xml` + `SOAPAction`) and
//! SOAP 1.2 (`application/soap+xml`) on the same endpoint, each answered in its own envelope
//! version, with the WSDL at `GET /soap?wsdl`.

mod admin;
pub mod envelope;
mod events;
mod fault;
mod orders;
mod products;
mod security;
mod users;
mod webhooks;
mod wsdl;
mod xml;

use std::future::Future;
use std::sync::Arc;

use bytes::Bytes;
use futures_util::future::Either;
use playground_domain::{Caller, DomainError, Operation, Playground};
use poem::http::header::CONTENT_TYPE;
use poem::http::{HeaderValue, Method, StatusCode};
use poem::{Body, Endpoint, Request, Response};
use time::OffsetDateTime;

use wsdl::wsdl;

use crate::body::{read_limited, BodyError};
use crate::credentials::Credentials;
use crate::gate::Gate;
use crate::rest::AllowedMethods;
use envelope::{Element, EnvelopeError, SoapVersion};
use fault::{fault, fault_of_kind, FaultKind};

/// Where SOAP is served: calls and, with `?wsdl`, the description.
pub const PATH: &str = "/soap";

/// The target namespace of every playground element and of the WSDL.
pub const NAMESPACE: &str = "urn:api-playground:v1";

/// One call's way into the gate.
#[derive(Clone, Copy)]
pub struct Call<'a> {
    gate: &'a Gate,
    credentials: &'a Credentials,
}

impl Call<'_> {
    fn run<T>(
        self,
        operation: Operation,
        run: impl FnOnce(&Playground, &Caller) -> Result<T, DomainError>,
    ) -> Result<T, DomainError> {
        self.gate.call(self.credentials, operation, run)
    }
}

fn xs_date_time(at: OffsetDateTime) -> String {
    playground_domain::rfc3339::format(at).unwrap_or_default()
}

/// Refuses any child element the operation does not define, naming it.
fn only_children(request: &Element, allowed: &[&str]) -> Result<(), DomainError> {
    match request.children.iter().find(|child| !allowed.contains(&child.name())) {
        Some(unknown) => Err(DomainError::invalid(
            unknown.name(),
            format!("unknown element {:?} in {}: expected {}", unknown.name(), request.name(), allowed.join(", ")),
        )),
        None => Ok(()),
    }
}

fn optional_text<'a>(request: &'a Element, name: &str) -> Option<&'a str> {
    request.child(name).map(|element| element.text.as_ref())
}

fn required_text<'a>(request: &'a Element, name: &str) -> Result<&'a str, DomainError> {
    optional_text(request, name)
        .ok_or_else(|| DomainError::invalid(name, format!("element {name} is missing from {}", request.name())))
}

fn number<T: std::str::FromStr>(name: &str, text: &str) -> Result<T, DomainError> {
    text.trim()
        .parse()
        .map_err(|_| DomainError::invalid(name, format!("{name} must be an unsigned integer, got {text:?}")))
}

fn required_number<T: std::str::FromStr>(request: &Element, name: &str) -> Result<T, DomainError> {
    number(name, required_text(request, name)?)
}

fn optional_number<T: std::str::FromStr>(request: &Element, name: &str) -> Result<Option<T>, DomainError> {
    optional_text(request, name).map(|text| number(name, text)).transpose()
}

/// A SOAP operation: reads its request element, calls the gate, writes its response element.
type SoapOperation = fn(Call<'_>, &Element, &mut String) -> Result<(), DomainError>;

/// The operations, by element name, with the child elements each accepts.
fn dispatch(call: Call<'_>, request: &Element, out: &mut String) -> Result<(), DomainError> {
    if request.namespace() != Some(NAMESPACE) {
        return Err(DomainError::invalid(
            request.name(),
            format!("element {} must be in namespace {NAMESPACE}", request.name()),
        ));
    }
    let (allowed, run): (&[&str], SoapOperation) = match request.name() {
        "ListUsers" => (&["Limit", "Cursor"], users::list),
        "GetUser" => (&["Id"], users::get),
        "CreateUser" => (&["Name", "Email"], users::create),
        "UpdateUser" => (&["Id", "Name", "Email"], users::update),
        "DeleteUser" => (&["Id"], users::delete),
        "ListProducts" => (&["Limit", "Cursor"], products::list),
        "GetProduct" => (&["Id"], products::get),
        "ListUserOrders" => (&["UserId", "Status", "Limit", "Cursor"], orders::list_by_user),
        "GetOrder" => (&["Id"], orders::get),
        "CreateOrder" => (&["UserId", "Items"], orders::create),
        "UpdateOrderStatus" => (&["Id", "Status"], orders::update_status),
        "DeleteOrder" => (&["Id"], orders::delete),
        "GetEvents" => (&["After", "Limit"], events::get),
        "CreateWebhook" => (&["Url", "Types"], webhooks::create),
        "ListWebhooks" => (&[], webhooks::list),
        "DeleteWebhook" => (&["Id"], webhooks::delete),
        "ListWebhookDeliveries" => (&["Id"], webhooks::deliveries),
        "SetMaintenance" => (&["Enabled", "RetryAfter"], admin::set_maintenance),
        other => {
            return Err(DomainError::invalid(
                other,
                format!("unknown operation {other:?}; the WSDL at /soap?wsdl lists them"),
            ))
        }
    };
    only_children(request, allowed)?;
    run(call, request, out)
}

fn respond(version: SoapVersion, status: StatusCode, envelope: String) -> Response {
    Response::builder()
        .status(status)
        .header(CONTENT_TYPE, HeaderValue::from_static(version.content_type()))
        .body(envelope)
}

fn fault_response(version: SoapVersion, error: DomainError) -> Response {
    let (status, envelope) = fault(version, error);
    respond(version, status, envelope)
}

/// `/soap`: GET (and HEAD) answer the WSDL, POST makes one call, OPTIONS lists the methods and
/// any other is refused with 405. The gate and the bounds are held here, not looked up in each
/// request's extensions.
pub struct SoapEndpoint {
    gate: Arc<Gate>,
    max_body_bytes: usize,
    /// Written once at start; each GET shares it rather than copying it.
    wsdl: Bytes,
    allowed: AllowedMethods,
}

impl SoapEndpoint {
    pub fn new(gate: Arc<Gate>, max_body_bytes: usize, base_url: &str) -> anyhow::Result<Self> {
        let allowed = AllowedMethods::of_routes(&[(PATH, &[Method::GET, Method::POST])])?;
        Ok(SoapEndpoint { gate, max_body_bytes, wsdl: Bytes::from(wsdl(&format!("{base_url}{PATH}"))), allowed })
    }
}

impl Endpoint for SoapEndpoint {
    type Output = Response;

    // Not an `async fn`: what a call needs is read from the request first, so the future holds
    // the body and the credentials, not the whole request, and stays small as it is moved.
    fn call(&self, mut request: Request) -> impl Future<Output = poem::Result<Response>> + Send {
        let answered = |response: Response| Either::Left(std::future::ready(Ok(response)));
        if let Some(options) = self.allowed.answer_options(&request) {
            return answered(options);
        }
        match *request.method() {
            Method::GET | Method::HEAD => {
                answered(Response::builder().content_type("text/xml; charset=utf-8").body(self.wsdl.clone()))
            }
            Method::POST => match version_of(&request) {
                Some(version) => {
                    let credentials =
                        Credentials::from_http(request.headers(), request.uri().query(), crate::peer_ip(&request));
                    let body = request.take_body();
                    Either::Right(call_endpoint(version, body, credentials, &self.gate, self.max_body_bytes))
                }
                None => answered(not_soap(&request)),
            },
            _ => answered(self.allowed.refuse_method(PATH)),
        }
    }
}

/// The SOAP version a call's `Content-Type` announces, if it is a SOAP media type.
fn version_of(request: &Request) -> Option<SoapVersion> {
    let content_type = request.content_type().unwrap_or_default();
    // Media types are case-insensitive: compare the prefix without making a lower-case copy.
    let is =
        |media_type: &str| content_type.get(..media_type.len()).is_some_and(|p| p.eq_ignore_ascii_case(media_type));
    if is("application/soap+xml") {
        Some(SoapVersion::V12)
    } else if is("text/xml") {
        Some(SoapVersion::V11)
    } else {
        None
    }
}

/// The 415 Fault for a call whose `Content-Type` is not SOAP's, naming the two that are.
fn not_soap(request: &Request) -> Response {
    let content_type = request.content_type().unwrap_or_default();
    let error = DomainError::invalid(
        "Content-Type",
        format!(
            "content type {content_type:?} is not SOAP: use text/xml (SOAP 1.1) or application/soap+xml (SOAP 1.2)"
        ),
    );
    let (_, envelope) = fault(SoapVersion::V11, error);
    respond(SoapVersion::V11, StatusCode::UNSUPPORTED_MEDIA_TYPE, envelope)
}

/// `POST /soap`: one SOAP call.
async fn call_endpoint(
    version: SoapVersion,
    body: Body,
    mut credentials: Credentials,
    gate: &Gate,
    max_body_bytes: usize,
) -> poem::Result<Response> {
    let bytes = match read_limited(body, max_body_bytes).await {
        Ok(bytes) => bytes,
        Err(BodyError::TooLarge(limit)) => {
            let (_, envelope) =
                fault(version, DomainError::invalid("Body", format!("the message is larger than {limit} bytes")));
            return Ok(respond(version, StatusCode::PAYLOAD_TOO_LARGE, envelope));
        }
        Err(BodyError::Unreadable(why)) => return Ok(fault_response(version, DomainError::invalid("Body", why))),
    };
    Ok(answer(version, &bytes, &mut credentials, gate))
}

/// The answer to a call whose message has been read: its response, or its Fault.
fn answer(version: SoapVersion, message: &[u8], credentials: &mut Credentials, gate: &Gate) -> Response {
    let Ok(xml) = std::str::from_utf8(message) else {
        return fault_response(version, DomainError::invalid("Body", "the message is not UTF-8"));
    };
    let parsed = match envelope::parse(xml, version) {
        Ok(parsed) => parsed,
        Err(EnvelopeError::Malformed(why)) => return fault_response(version, DomainError::invalid("Envelope", why)),
        Err(EnvelopeError::VersionMismatch(why)) => {
            let (status, envelope) =
                fault_of_kind(version, FaultKind::VersionMismatch, DomainError::invalid("Envelope", why));
            return respond(version, status, envelope);
        }
    };
    if let Err(error) = security::read(parsed.header.as_ref(), credentials) {
        return fault_response(version, error);
    }
    let mut out = xml::open_envelope(version);
    match dispatch(Call { gate, credentials }, &parsed.call, &mut out) {
        Ok(()) => {
            xml::close_envelope(&mut out);
            respond(version, StatusCode::OK, out)
        }
        Err(error) => fault_response(version, error),
    }
}
