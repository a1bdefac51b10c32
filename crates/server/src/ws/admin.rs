//! `admin.setMaintenance`: the maintenance switch as a JSON-RPC method (`admin` scope).

use playground_domain::Operation;

use super::rpc::{params, to_json, Call, Params, RpcResult};

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct SetMaintenanceParams {
    enabled: bool,
    retry_after: Option<i64>,
}

pub fn set_maintenance(call: Call<'_>, raw: Params<'_>) -> RpcResult {
    let SetMaintenanceParams { enabled, retry_after } = params(raw)?;
    call.run(Operation::SetMaintenance, |pg, _| pg.set_maintenance(enabled, retry_after)).map(to_json)
}
