//! `users.*`: the five user operations as JSON-RPC methods with named params.

use playground_domain::{NewUser, Operation, PageRequest, UserPatch};
use serde::Deserialize;

use super::rpc::{params, to_json, Call, IdParams, ListParams, Listed, Params, RpcResult};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateParams {
    name: String,
    email: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UpdateParams {
    id: u64,
    name: Option<String>,
    email: Option<String>,
}

pub fn list(call: Call<'_>, raw: Params<'_>) -> RpcResult {
    let ListParams { limit, cursor } = params(raw)?;
    let page = call.run(Operation::ListUsers, |pg, caller| {
        Ok(pg.list_users(caller, PageRequest::parse(limit, cursor.as_deref())?))
    })?;
    Ok(to_json(Listed { items: &page.items, next_cursor: &page.next_cursor }))
}

pub fn get(call: Call<'_>, raw: Params<'_>) -> RpcResult {
    let IdParams { id } = params(raw)?;
    call.run(Operation::GetUser, |pg, caller| pg.get_user(caller, id)).map(to_json)
}

pub fn create(call: Call<'_>, raw: Params<'_>) -> RpcResult {
    let CreateParams { name, email } = params(raw)?;
    call.run(Operation::CreateUser, |pg, caller| pg.create_user(caller, NewUser::parse(&name, &email)?)).map(to_json)
}

pub fn update(call: Call<'_>, raw: Params<'_>) -> RpcResult {
    let UpdateParams { id, name, email } = params(raw)?;
    call.run(Operation::UpdateUser, |pg, caller| {
        pg.update_user(caller, id, UserPatch::parse(name.as_deref(), email.as_deref())?)
    })
    .map(to_json)
}

pub fn delete(call: Call<'_>, raw: Params<'_>) -> RpcResult {
    let IdParams { id } = params(raw)?;
    call.run(Operation::DeleteUser, |pg, caller| pg.delete_user(caller, id))?;
    Ok(to_json(()))
}
