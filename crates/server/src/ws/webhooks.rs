//! `webhooks.*`: register, list and remove hooks, and read their delivery attempts, as JSON-RPC
//! methods; results are the REST bodies.

use playground_domain::Operation;

use super::rpc::{params, to_json, Call, IdParams, Params, RpcResult};

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateParams {
    url: String,
    #[serde(default)]
    types: Vec<String>,
}

/// The hook, with its secret: shown this once.
#[derive(serde::Serialize)]
struct Created {
    #[serde(flatten)]
    hook: playground_domain::webhooks::WebhookView,
    secret: String,
}

pub fn create(call: Call<'_>, raw: Params<'_>) -> RpcResult {
    let CreateParams { url, types } = params(raw)?;
    let (hook, secret) =
        call.run(Operation::CreateWebhook, |pg, caller| crate::webhooks::create(pg, caller, &url, &types))?;
    Ok(to_json(Created { hook, secret }))
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct NoParams {}

pub fn list(call: Call<'_>, raw: Params<'_>) -> RpcResult {
    let NoParams {} = params(raw)?;
    let hooks = call.run(Operation::ListWebhooks, |pg, caller| Ok(pg.webhooks().list(caller)))?;
    Ok(to_json(serde_json::json!({ "items": hooks })))
}

pub fn delete(call: Call<'_>, raw: Params<'_>) -> RpcResult {
    let IdParams { id } = params(raw)?;
    call.run(Operation::DeleteWebhook, |pg, caller| pg.webhooks().delete(caller, id))?;
    Ok(to_json(serde_json::Value::Null))
}

pub fn deliveries(call: Call<'_>, raw: Params<'_>) -> RpcResult {
    let IdParams { id } = params(raw)?;
    let log = call.run(Operation::ListWebhookDeliveries, |pg, caller| pg.webhooks().deliveries(caller, id))?;
    Ok(to_json(serde_json::json!({ "items": log })))
}
