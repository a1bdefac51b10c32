//! `/api/v1/admin`: the maintenance switch, for credentials with the `admin` scope.

use playground_domain::Operation;
use poem::Request;
use poem_openapi::{Object, OpenApi};

use super::json::JsonBody;
use super::{credentials, AdminApi, Answer};

/// Turn maintenance on (every other operation answers 503 with `Retry-After`) or off.
#[derive(Debug, Object, serde::Deserialize)]
#[oai(rename_all = "camelCase", example)]
#[serde(rename_all = "camelCase")]
pub struct SetMaintenance {
    pub enabled: bool,
    /// Seconds clients are told to wait, 1 to 3600 (default 30).
    #[oai(validator(minimum(value = "1"), maximum(value = "3600")))]
    #[serde(default, deserialize_with = "super::json::present")]
    pub retry_after: Option<i64>,
}

/// The switch as it now stands.
#[derive(Debug, Object, serde::Serialize)]
#[oai(rename_all = "camelCase", example)]
#[serde(rename_all = "camelCase")]
pub struct Maintenance {
    pub enabled: bool,
    /// The `Retry-After` clients get; 0 while off.
    pub retry_after: u64,
}

#[OpenApi(prefix_path = "/api/v1/admin", tag = "super::Tag::Admin")]
impl AdminApi {
    /// Turn the maintenance switch on or off (setMaintenance)
    #[oai(path = "/maintenance", method = "put")]
    async fn set_maintenance(
        &self,
        request: &Request,
        body: JsonBody<SetMaintenance>,
    ) -> Answer<JsonBody<Maintenance>> {
        let JsonBody(SetMaintenance { enabled, retry_after }) = body;
        let state = self
            .gate
            .call(&credentials(request), Operation::SetMaintenance, |pg, _| pg.set_maintenance(enabled, retry_after))?;
        Ok(JsonBody(Maintenance { enabled: state.enabled, retry_after: state.retry_after }))
    }
}
