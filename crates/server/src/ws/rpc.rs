//! JSON-RPC 2.0 envelopes: single calls, batches and notifications, each call dispatched by
//! method name to one small function, the way a command table is.

use playground_domain::{Caller, DomainError, Playground};
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;
use serde_json::{json, Map, Value};
use std::borrow::Cow;

use super::error::{envelope_error, rpc_error, INVALID_REQUEST, METHOD_NOT_FOUND, PARSE_ERROR};
use super::{orders, products, users};
use std::time::Instant;

use crate::credentials::{Credentials, Session};
use crate::gate::Gate;
use crate::knobs::CallKnobs;

/// What one connection knows: the gate, and who it is (or why it is nobody yet).
pub struct Connection {
    pub gate: std::sync::Arc<Gate>,
    pub session: Result<std::sync::Arc<Session>, DomainError>,
    pub peer: Option<std::net::IpAddr>,
    pub subscriptions: super::events::Subscriptions,
    /// What `rpc.discover` answers.
    pub openrpc: std::sync::Arc<Value>,
    /// The most calls one batch may hold (`[limits] jsonrpc_max_batch`).
    pub max_batch: usize,
    /// Each call's knobs, metrics and access-log line.
    pub observe: std::sync::Arc<crate::observe::Observe>,
}

/// One call's way into the gate, with the connection's session.
#[derive(Clone, Copy)]
pub struct Call<'a> {
    connection: &'a Connection,
}

impl Call<'_> {
    pub fn run<T>(
        self,
        operation: playground_domain::Operation,
        run: impl FnOnce(&Playground, &Caller) -> Result<T, DomainError>,
    ) -> Result<T, DomainError> {
        match &self.connection.session {
            Ok(session) => self.connection.gate.call_as(session, operation, run),
            Err(why) => self.connection.gate.refuse(operation, why.clone()),
        }
    }
}

/// A method's result, already serialized: written into the reply as it is, with no JSON tree
/// built in between.
pub type RpcResult = Result<Json, DomainError>;

/// JSON text made by [`to_json`], so always well-formed.
pub struct Json(String);

/// A result as the same camelCase JSON REST answers with.
pub fn to_json<T: serde::Serialize>(value: T) -> Json {
    Json(serde_json::to_string(&value).unwrap_or_else(|_| "null".to_owned()))
}

/// `{limit?, cursor?}`: the params of every paginated list.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListParams {
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

/// `{id}`: the params of every call on one entity.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IdParams {
    pub id: u64,
}

/// A page of a list, as REST answers it: `{items, nextCursor}`.
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Listed<'a, T> {
    pub items: &'a [T],
    pub next_cursor: &'a Option<String>,
}

/// A call's params as they arrived, not yet parsed (`None` when absent or null): each method
/// reads them once, straight into its own type, with no JSON tree built in between.
pub struct Params<'a>(Option<Cow<'a, RawValue>>);

/// Decodes named params (absent params are an empty object), naming what is wrong.
pub fn params<T: DeserializeOwned>(raw: Params<'_>) -> Result<T, DomainError> {
    let text = raw.0.as_deref().map_or("{}", RawValue::get);
    if !text.starts_with('{') {
        return Err(DomainError::invalid("params", "params must be an object of named parameters"));
    }
    serde_json::from_str(text).map_err(|e| {
        // serde_json places the error by line and column within the params alone, which would
        // mislead about the message as sent: only what is wrong is kept.
        let message = e.to_string();
        let what = message.rsplit_once(" at line ").map_or(message.as_str(), |(what, _)| what);
        DomainError::invalid("params", format!("invalid params: {what}"))
    })
}

/// A request object's members, each kept as written until it is needed.
#[derive(serde::Deserialize)]
struct Envelope<'a> {
    #[serde(borrow, default, deserialize_with = "present")]
    jsonrpc: Option<&'a RawValue>,
    #[serde(borrow, default, deserialize_with = "present")]
    method: Option<&'a RawValue>,
    #[serde(borrow, default, deserialize_with = "present")]
    id: Option<&'a RawValue>,
    #[serde(borrow, default, deserialize_with = "present")]
    params: Option<&'a RawValue>,
}

/// A member that is present, even as `null` (`"id": null` asks for a reply; no id does not).
fn present<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Option<&'de RawValue>, D::Error> {
    <&RawValue as serde::Deserialize>::deserialize(deserializer).map(Some)
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct AuthParams {
    api_key: Option<String>,
    token: Option<String>,
}

/// `auth {apiKey | token}`: (re)authenticates the connection.
fn auth(connection: &mut Connection, raw: Params<'_>) -> RpcResult {
    let AuthParams { api_key, token } = params(raw)?;
    if api_key.is_none() && token.is_none() {
        return Err(DomainError::invalid("params", "auth needs apiKey or token"));
    }
    let session =
        connection.gate.session(&Credentials { api_key, bearer: token, password: None, peer: connection.peer })?;
    let scopes = session.caller.scopes.to_string();
    connection.session = Ok(session);
    Ok(to_json(json!({"authenticated": true, "scopes": scopes})))
}

fn dispatch(connection: &mut Connection, method: &str, raw: Params<'_>) -> Result<Json, Value> {
    match method {
        "auth" => return auth(connection, raw).map_err(rpc_error),
        "events.subscribe" => return super::events::subscribe(connection, raw).map_err(rpc_error),
        "events.unsubscribe" => return super::events::unsubscribe(connection, raw).map_err(rpc_error),
        "rpc.discover" => return Ok(to_json(connection.openrpc.as_ref())),
        _ => {}
    }
    let call = Call { connection };
    let result = match method {
        "users.list" => users::list(call, raw),
        "users.get" => users::get(call, raw),
        "users.create" => users::create(call, raw),
        "users.update" => users::update(call, raw),
        "users.delete" => users::delete(call, raw),
        "products.list" => products::list(call, raw),
        "products.get" => products::get(call, raw),
        "orders.listByUser" => orders::list_by_user(call, raw),
        "orders.get" => orders::get(call, raw),
        "orders.create" => orders::create(call, raw),
        "orders.updateStatus" => orders::update_status(call, raw),
        "orders.delete" => orders::delete(call, raw),
        "webhooks.create" => super::webhooks::create(call, raw),
        "webhooks.list" => super::webhooks::list(call, raw),
        "webhooks.delete" => super::webhooks::delete(call, raw),
        "webhooks.deliveries" => super::webhooks::deliveries(call, raw),
        "admin.setMaintenance" => super::admin::set_maintenance(call, raw),
        _ => return Err(envelope_error(METHOD_NOT_FOUND, format!("method {method:?} not found"))),
    };
    result.map_err(rpc_error)
}

/// One JSON-RPC reply object, written out directly: the id echoed exactly as the request wrote
/// it, then the result as its method serialized it, or the error.
fn reply(id: &RawValue, outcome: Result<Json, Value>) -> String {
    let (member, value) = match outcome {
        Ok(Json(result)) => ("result", result),
        Err(error) => ("error", error.to_string()),
    };
    let mut reply = String::with_capacity(40 + id.get().len() + value.len());
    for part in [r#"{"jsonrpc":"2.0","id":"#, id.get(), ",\"", member, "\":", &value, "}"] {
        reply.push_str(part);
    }
    reply
}

/// The reply to a message the envelope itself refuses: no call ran, so the id is null.
fn refusal(code: i64, message: impl Into<String>) -> String {
    reply(RawValue::NULL, Err(envelope_error(code, message)))
}

/// The reply to a message that is not JSON.
fn parse_error(error: &serde_json::Error) -> String {
    refusal(PARSE_ERROR, format!("parse error: {error}"))
}

/// The first character of a JSON value (serde_json's raw values start at the value itself).
fn opens_with(raw: &RawValue, first: &[u8]) -> bool {
    raw.get().as_bytes().first().is_some_and(|byte| first.contains(byte))
}

/// The text of a JSON string member, `None` for any other value. One with no escapes is the text
/// between its quotes as written (serde_json has already checked it); one with escapes is decoded.
fn string_of(raw: &RawValue) -> Option<Cow<'_, str>> {
    let written = raw.get();
    match written.strip_prefix('"').and_then(|inner| inner.strip_suffix('"')) {
        Some(inner) if !inner.contains('\\') => Some(Cow::Borrowed(inner)),
        _ => serde_json::from_str(written).ok(),
    }
}

/// Params with the call's knobs taken out of them: `params._playground`, which is read only
/// when the params mention it, so an ordinary call's params are never parsed here.
fn knobs_of(params: Option<&RawValue>) -> (CallKnobs, Params<'_>) {
    let params = params.filter(|raw| raw.get() != "null");
    let Some(raw) = params.filter(|raw| raw.get().contains("\"_playground\"")) else {
        return (CallKnobs::default(), Params(params.map(Cow::Borrowed)));
    };
    let Ok(mut members) = serde_json::from_str::<Map<String, Value>>(raw.get()) else {
        return (CallKnobs::default(), Params(Some(Cow::Borrowed(raw))));
    };
    let knobs = members.remove("_playground").map_or_else(CallKnobs::default, |knobs| CallKnobs::from_params(&knobs));
    (knobs, Params(serde_json::value::to_raw_value(&members).ok().map(Cow::Owned)))
}

/// One request object; `None` for a notification, which gets no reply. `arrived` is when its
/// message was read: the call's wait (its delay knob, the simulated round trip) counts from then.
async fn handle_one(connection: &mut Connection, request: &str, arrived: Instant) -> Option<String> {
    // Read straight into the envelope: the JSON is checked as it is read, once. What fails is
    // either not JSON (a parse error) or JSON that is no request object (an invalid request).
    let envelope = match request.trim_start().starts_with('{') {
        true => serde_json::from_str::<Envelope<'_>>(request).map(Some),
        false => serde_json::from_str::<serde::de::IgnoredAny>(request).map(|_| None),
    };
    let Envelope { jsonrpc, method, id, params } = match envelope {
        Ok(Some(envelope)) => envelope,
        Err(e) if e.is_syntax() || e.is_eof() => return Some(parse_error(&e)),
        _ => return Some(refusal(INVALID_REQUEST, "a request must be a JSON object, each member named once")),
    };
    let valid_id = id.is_none_or(|id| opens_with(id, b"\"-0123456789n"));
    let method = method.and_then(string_of);
    let version_ok = jsonrpc.and_then(string_of).is_some_and(|version| version == "2.0");
    let params_ok = params.is_none_or(|params| opens_with(params, b"{[n"));
    let (Some(method), true, true, true) = (method, version_ok, valid_id, params_ok) else {
        let id = id.filter(|_| valid_id).unwrap_or(RawValue::NULL);
        let why = "a request needs \"jsonrpc\": \"2.0\", a string method, and an id that is a string or number";
        return Some(reply(id, Err(envelope_error(INVALID_REQUEST, why))));
    };
    let (knobs, params) = knobs_of(params);
    let observe = connection.observe.clone();
    let outcome = observe.ws_call(knobs, arrived, || dispatch(connection, &method, params)).await;
    id.map(|id| reply(id, outcome))
}

/// One text message: a request or a batch. Returns the text to send back, if any.
pub async fn handle_message(connection: &mut Connection, text: &str, arrived: Instant) -> Option<String> {
    if !text.trim_start().starts_with('[') {
        return handle_one(connection, text, arrived).await;
    }
    let batch = match serde_json::from_str::<Vec<&RawValue>>(text) {
        Ok(batch) => batch,
        Err(e) => return Some(parse_error(&e)),
    };
    if batch.is_empty() {
        return Some(refusal(INVALID_REQUEST, "an empty batch is not a request"));
    }
    if batch.len() > connection.max_batch {
        let message = format!("a batch holds at most {} calls; this one has {}", connection.max_batch, batch.len());
        return Some(refusal(INVALID_REQUEST, message));
    }
    let mut replies = Vec::with_capacity(batch.len());
    for request in batch {
        replies.extend(handle_one(connection, request.get(), arrived).await);
    }
    (!replies.is_empty()).then(|| format!("[{}]", replies.join(",")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string_members_are_read_as_written_or_decoded() {
        fn raw(text: &str) -> &RawValue {
            serde_json::from_str(text).expect("json")
        }
        assert_eq!(string_of(raw(r#""users.get""#)).as_deref(), Some("users.get"));
        assert_eq!(string_of(raw(r#""users\u002eget""#)).as_deref(), Some("users.get"));
        assert_eq!(string_of(raw(r#""say \"hi\"""#)).as_deref(), Some(r#"say "hi""#));
        assert_eq!(string_of(raw("2.0")), None);
        assert_eq!(string_of(raw("null")), None);
    }
}
