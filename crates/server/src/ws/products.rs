//! `products.*`: the catalogue as JSON-RPC methods.

use playground_domain::{Operation, PageRequest};

use super::rpc::{params, to_json, Call, IdParams, ListParams, Listed, Params, RpcResult};

pub fn list(call: Call<'_>, raw: Params<'_>) -> RpcResult {
    let ListParams { limit, cursor } = params(raw)?;
    let page = call.run(Operation::ListProducts, |pg, caller| {
        Ok(pg.list_products(caller, PageRequest::parse(limit, cursor.as_deref())?))
    })?;
    Ok(to_json(Listed { items: &page.items, next_cursor: &page.next_cursor }))
}

pub fn get(call: Call<'_>, raw: Params<'_>) -> RpcResult {
    let IdParams { id } = params(raw)?;
    call.run(Operation::GetProduct, |pg, caller| pg.get_product(caller, id)).map(to_json)
}
