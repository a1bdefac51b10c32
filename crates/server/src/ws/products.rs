//! `products.*`: the catalogue as JSON-RPC methods.

use playground_domain::{DomainError, Operation, PageRequest};
use serde::Deserialize;
use serde_json::{json, Value};

use super::rpc::{params, to_json, Call};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ListParams {
    limit: Option<u32>,
    cursor: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct IdParams {
    id: u64,
}

pub fn list(call: Call<'_>, raw: Value) -> Result<Value, DomainError> {
    let ListParams { limit, cursor } = params(raw)?;
    let page = call.run(Operation::ListProducts, |pg, caller| {
        Ok(pg.list_products(caller, PageRequest::parse(limit, cursor.as_deref())?))
    })?;
    Ok(json!({"items": page.items, "nextCursor": page.next_cursor}))
}

pub fn get(call: Call<'_>, raw: Value) -> Result<Value, DomainError> {
    let IdParams { id } = params(raw)?;
    call.run(Operation::GetProduct, |pg, caller| pg.get_product(caller, id)).map(to_json)
}
