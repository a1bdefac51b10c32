//! JSON-RPC 2.0 envelopes: single calls, batches and notifications, each call dispatched by
//! method name to one small function, the way a command table is.

use playground_domain::{Caller, DomainError, Playground};
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;
use serde_json::{json, Map, Value};

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
pub type RpcResult = Result<Box<RawValue>, DomainError>;

/// A result as the same camelCase JSON REST answers with.
pub fn to_json<T: serde::Serialize>(value: T) -> Box<RawValue> {
    serde_json::value::to_raw_value(&value).unwrap_or_default()
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

/// One JSON-RPC reply object.
#[derive(serde::Serialize)]
#[serde(untagged)]
enum Reply {
    Success { jsonrpc: &'static str, id: Value, result: Box<RawValue> },
    Failure { jsonrpc: &'static str, id: Value, error: Value },
}

/// Decodes named params (absent params are an empty object), naming what is wrong.
pub fn params<T: DeserializeOwned>(raw: Value) -> Result<T, DomainError> {
    let raw = if raw.is_null() { Value::Object(Map::new()) } else { raw };
    if !raw.is_object() {
        return Err(DomainError::invalid("params", "params must be an object of named parameters"));
    }
    serde_json::from_value(raw).map_err(|e| DomainError::invalid("params", format!("invalid params: {e}")))
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct AuthParams {
    api_key: Option<String>,
    token: Option<String>,
}

/// `auth {apiKey | token}`: (re)authenticates the connection.
fn auth(connection: &mut Connection, raw: Value) -> RpcResult {
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

fn dispatch(connection: &mut Connection, method: &str, raw: Value) -> Result<Box<RawValue>, Value> {
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

fn reply(id: Value, outcome: Result<Box<RawValue>, Value>) -> Reply {
    match outcome {
        Ok(result) => Reply::Success { jsonrpc: "2.0", id, result },
        Err(error) => Reply::Failure { jsonrpc: "2.0", id, error },
    }
}

/// One request object; `None` for a notification, which gets no reply. `arrived` is when its
/// message was read: the call's wait (its delay knob, the simulated round trip) counts from then.
async fn handle_one(connection: &mut Connection, request: Value, arrived: Instant) -> Option<Reply> {
    let Value::Object(mut request) = request else {
        return Some(reply(Value::Null, Err(envelope_error(INVALID_REQUEST, "a request must be a JSON object"))));
    };
    let id = request.remove("id");
    let valid_id = match &id {
        None | Some(Value::String(_)) | Some(Value::Number(_)) | Some(Value::Null) => true,
        Some(_) => false,
    };
    let method = match request.remove("method") {
        Some(Value::String(method)) => Some(method),
        _ => None,
    };
    let mut params = request.remove("params").unwrap_or(Value::Null);
    let version_ok = request.remove("jsonrpc") == Some(Value::String("2.0".into()));
    let (Some(method), true, true, true) =
        (method, version_ok, valid_id, params.is_object() || params.is_null() || params.is_array())
    else {
        let id = if valid_id { id.unwrap_or(Value::Null) } else { Value::Null };
        return Some(reply(
            id,
            Err(envelope_error(
                INVALID_REQUEST,
                "a request needs \"jsonrpc\": \"2.0\", a string method, and an id that is a string or number",
            )),
        ));
    };
    let knobs = match params.as_object_mut().and_then(|params| params.remove("_playground")) {
        Some(knobs) => CallKnobs::from_params(&knobs),
        None => CallKnobs::default(),
    };
    let observe = connection.observe.clone();
    let outcome = observe.ws_call(knobs, arrived, || dispatch(connection, &method, params)).await;
    id.map(|id| reply(id, outcome))
}

/// One text message: a request or a batch. Returns the text to send back, if any.
pub async fn handle_message(connection: &mut Connection, text: &str, arrived: Instant) -> Option<String> {
    let single = |reply: Reply| serde_json::to_string(&reply).ok();
    match serde_json::from_str::<Value>(text) {
        Err(e) => single(reply(Value::Null, Err(envelope_error(PARSE_ERROR, format!("parse error: {e}"))))),
        Ok(Value::Array(batch)) if batch.is_empty() => {
            single(reply(Value::Null, Err(envelope_error(INVALID_REQUEST, "an empty batch is not a request"))))
        }
        Ok(Value::Array(batch)) if batch.len() > connection.max_batch => {
            let message = format!("a batch holds at most {} calls; this one has {}", connection.max_batch, batch.len());
            single(reply(Value::Null, Err(envelope_error(INVALID_REQUEST, message))))
        }
        Ok(Value::Array(batch)) => {
            let mut replies = Vec::with_capacity(batch.len());
            for request in batch {
                replies.extend(handle_one(connection, request, arrived).await);
            }
            if replies.is_empty() {
                None
            } else {
                serde_json::to_string(&replies).ok()
            }
        }
        Ok(request) => handle_one(connection, request, arrived).await.and_then(single),
    }
}
