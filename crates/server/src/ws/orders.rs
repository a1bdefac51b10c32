//! `orders.*`: orders as JSON-RPC methods, with the same params and results as REST bodies.

use playground_domain::{NewOrder, NewOrderItem, Operation, OrderStatus, PageRequest};
use serde::Deserialize;

use super::rpc::{params, to_json, Call, IdParams, Listed, Params, RpcResult};

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct ListByUserParams {
    user_id: u64,
    status: Option<String>,
    limit: Option<u32>,
    cursor: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct ItemParams {
    product_id: u64,
    quantity: u32,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct CreateParams {
    user_id: u64,
    items: Vec<ItemParams>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UpdateStatusParams {
    id: u64,
    status: String,
}

pub fn list_by_user(call: Call<'_>, raw: Params<'_>) -> RpcResult {
    let ListByUserParams { user_id, status, limit, cursor } = params(raw)?;
    let page = call.run(Operation::ListUserOrders, |pg, caller| {
        let status = status.as_deref().map(OrderStatus::parse).transpose()?;
        pg.list_user_orders(caller, user_id, status, PageRequest::parse(limit, cursor.as_deref())?)
    })?;
    Ok(to_json(Listed { items: &page.items, next_cursor: &page.next_cursor }))
}

pub fn get(call: Call<'_>, raw: Params<'_>) -> RpcResult {
    let IdParams { id } = params(raw)?;
    call.run(Operation::GetOrder, |pg, caller| pg.get_order(caller, id)).map(to_json)
}

pub fn create(call: Call<'_>, raw: Params<'_>) -> RpcResult {
    let CreateParams { user_id, items } = params(raw)?;
    call.run(Operation::CreateOrder, |pg, caller| {
        let items = items
            .into_iter()
            .map(|ItemParams { product_id, quantity }| NewOrderItem { product_id, quantity })
            .collect();
        pg.create_order(caller, user_id, NewOrder::parse(items)?)
    })
    .map(to_json)
}

pub fn update_status(call: Call<'_>, raw: Params<'_>) -> RpcResult {
    let UpdateStatusParams { id, status } = params(raw)?;
    call.run(Operation::UpdateOrderStatus, |pg, caller| {
        pg.update_order_status(caller, id, OrderStatus::parse(&status)?)
    })
    .map(to_json)
}

pub fn delete(call: Call<'_>, raw: Params<'_>) -> RpcResult {
    let IdParams { id } = params(raw)?;
    call.run(Operation::DeleteOrder, |pg, caller| pg.delete_order(caller, id))?;
    Ok(to_json(()))
}
