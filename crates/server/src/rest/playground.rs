//! `POST /api/v1/playground/compare`: the page's one call. The server runs the operation on all
//! five protocols with its own clients (`playground-client`) against its own listener, because a
//! browser can neither see the headers it sends nor speak native gRPC, and answers the captures.
//! It only ever calls this server: the target is fixed at start, never taken from the request.

use std::sync::Arc;
use std::time::Duration;

use playground_client::call::{Call, Credential, Knobs};
use playground_client::compare::{compare, Comparison, Options};
use playground_client::requests::Target;
use playground_client::walkthrough::{authorization_code, Walkthrough};
use playground_domain::{DomainError, ErrorCode};
use poem_openapi::{Enum, Object, OpenApi};
use tokio::sync::Semaphore;

use super::json::JsonBody;
use super::{Answer, PlaygroundApi};

/// The operations a comparison can run: every one that exists on all five protocols.
#[derive(Debug, Clone, Copy, Enum, serde::Deserialize)]
#[oai(rename_all = "camelCase")]
#[serde(rename_all = "camelCase")]
pub enum CompareOperation {
    ListUsers,
    GetUser,
    CreateUser,
    UpdateUser,
    DeleteUser,
    ListProducts,
    GetProduct,
    ListUserOrders,
    GetOrder,
    CreateOrder,
    UpdateOrderStatus,
    DeleteOrder,
    SetMaintenance,
}

/// One operation to run on all five protocols, with the credential every lane sends.
#[derive(Debug, Object, serde::Deserialize)]
#[oai(rename_all = "camelCase", example)]
#[serde(rename_all = "camelCase")]
pub struct CompareRequest {
    pub operation: CompareOperation,
    /// The arguments, named as the JSON-RPC params (`id`, `userId`, `items`, ...); at most 16 KiB.
    #[serde(default)]
    pub args: Option<serde_json::Value>,
    /// An API key every lane sends (`X-API-Key`, gRPC `x-api-key`, ...); leave out for none.
    #[serde(default, deserialize_with = "super::json::present")]
    pub api_key: Option<String>,
    /// A bearer token every lane sends instead of an API key.
    #[serde(default, deserialize_with = "super::json::present")]
    pub token: Option<String>,
    /// Every lane's call asks to be delayed this many milliseconds (`X-Playground-Delay`, or
    /// `params._playground.delay` on `/ws`); at most 2,000, as five lanes run one after another.
    #[oai(validator(maximum(value = "2000")))]
    #[serde(default, deserialize_with = "super::json::present")]
    pub delay_ms: Option<u32>,
    /// Every lane's call asks to fail with the canonical error of this HTTP status
    /// (`X-Playground-Fail`, or `params._playground.fail` on `/ws`).
    #[serde(default, deserialize_with = "super::json::present")]
    pub fail: Option<FailStatus>,
    /// A network round trip to play, in milliseconds, at most 500: each lane waits one after
    /// connecting (the handshake) and has the server hold each request and message one more.
    #[oai(validator(maximum(value = "500")))]
    #[serde(default, deserialize_with = "super::json::present")]
    pub rtt_ms: Option<u32>,
}

/// The HTTP statuses of the error table, which the fail knob takes.
#[derive(Debug, Clone, Copy, Enum, serde::Deserialize)]
pub enum FailStatus {
    #[oai(rename = "400")]
    #[serde(rename = "400")]
    BadRequest,
    #[oai(rename = "401")]
    #[serde(rename = "401")]
    Unauthorized,
    #[oai(rename = "403")]
    #[serde(rename = "403")]
    Forbidden,
    #[oai(rename = "404")]
    #[serde(rename = "404")]
    NotFound,
    #[oai(rename = "409")]
    #[serde(rename = "409")]
    Conflict,
    #[oai(rename = "429")]
    #[serde(rename = "429")]
    TooManyRequests,
    #[oai(rename = "500")]
    #[serde(rename = "500")]
    InternalServerError,
    #[oai(rename = "503")]
    #[serde(rename = "503")]
    ServiceUnavailable,
}

impl FailStatus {
    fn status(self) -> u16 {
        match self {
            FailStatus::BadRequest => 400,
            FailStatus::Unauthorized => 401,
            FailStatus::Forbidden => 403,
            FailStatus::NotFound => 404,
            FailStatus::Conflict => 409,
            FailStatus::TooManyRequests => 429,
            FailStatus::InternalServerError => 500,
            FailStatus::ServiceUnavailable => 503,
        }
    }
}

/// The longest delay a comparison asks of each lane.
const MAX_COMPARE_DELAY_MS: u32 = 2000;
/// The longest round trip a comparison plays: a WebSocket lane pays three.
const MAX_COMPARE_RTT_MS: u32 = 500;

impl poem_openapi::types::Example for CompareRequest {
    fn example() -> Self {
        CompareRequest {
            operation: CompareOperation::GetUser,
            args: Some(serde_json::json!({"id": 42})),
            api_key: Some("demo-read-key".into()),
            token: None,
            delay_ms: None,
            fail: None,
            rtt_ms: None,
        }
    }
}

/// The largest argument object a comparison takes, as JSON text.
const MAX_ARGS_BYTES: usize = 16 << 10;

/// How long one lane may take before it is reported as timed out.
const LANE_TIMEOUT: Duration = Duration::from_secs(5);

/// What the compare endpoint needs: this server's own address, and the bound on runs at once.
#[derive(Clone)]
pub struct Comparisons {
    /// `None` when the port speaks TLS: the lanes speak plain HTTP and h2c.
    pub target: Option<Target>,
    pub runs: Arc<Semaphore>,
}

fn operation_name(operation: CompareOperation) -> &'static str {
    use CompareOperation::*;
    match operation {
        ListUsers => "listUsers",
        GetUser => "getUser",
        CreateUser => "createUser",
        UpdateUser => "updateUser",
        DeleteUser => "deleteUser",
        ListProducts => "listProducts",
        GetProduct => "getProduct",
        ListUserOrders => "listUserOrders",
        GetOrder => "getOrder",
        CreateOrder => "createOrder",
        UpdateOrderStatus => "updateOrderStatus",
        DeleteOrder => "deleteOrder",
        SetMaintenance => "setMaintenance",
    }
}

/// The user who approves at the consent page of an OAuth walkthrough.
#[derive(Debug, Object, serde::Deserialize)]
#[oai(example)]
pub struct WalkthroughRequest {
    #[oai(validator(min_length = 1, max_length = 200))]
    pub username: String,
    #[oai(validator(max_length = 200))]
    pub password: String,
}

impl poem_openapi::types::Example for WalkthroughRequest {
    fn example() -> Self {
        WalkthroughRequest { username: "alice".into(), password: "alice-password".into() }
    }
}

impl PlaygroundApi {
    /// A place in the bounded pool of runs, and this server's own address.
    fn admit(&self) -> Result<(&Target, tokio::sync::OwnedSemaphorePermit), DomainError> {
        let Some(target) = &self.comparisons.target else {
            let message = "comparisons run over plain HTTP; this server speaks TLS";
            return Err(DomainError::new(ErrorCode::Unavailable, message));
        };
        let Ok(run) = self.comparisons.runs.clone().try_acquire_owned() else {
            let message = "as many comparisons as the server runs at once are running; retry in a moment";
            return Err(DomainError::retry_after(ErrorCode::Unavailable, message, 1));
        };
        Ok((target, run))
    }
}

#[OpenApi(prefix_path = "/api/v1/playground", tag = "super::Tag::Playground")]
impl PlaygroundApi {
    /// Run one operation on REST, GraphQL, gRPC, WebSocket and SOAP, and answer what crossed the wire
    ///
    /// The five calls are made by the server's own clients, one after the other, each on a new
    /// connection to this server; each lane spends one call of the credential's rate budget.
    /// Public: the lanes carry the credential. At most a few comparisons run at once (503 beyond).
    #[oai(path = "/compare", method = "post")]
    async fn compare(&self, body: JsonBody<CompareRequest>) -> Answer<JsonBody<Comparison>> {
        let JsonBody(CompareRequest { operation, args, api_key, token, delay_ms, fail, rtt_ms }) = body;
        if delay_ms.is_some_and(|delay| delay > MAX_COMPARE_DELAY_MS) {
            let message = format!("delayMs is at most {MAX_COMPARE_DELAY_MS}: five lanes run one after another");
            return Err(DomainError::invalid("delayMs", message).into());
        }
        if rtt_ms.is_some_and(|rtt| rtt > MAX_COMPARE_RTT_MS) {
            return Err(DomainError::invalid("rttMs", format!("rttMs is at most {MAX_COMPARE_RTT_MS}")).into());
        }
        let knobs =
            Knobs { delay: delay_ms.map(|delay| format!("{delay}ms")), fail: fail.map(FailStatus::status), rtt_ms };
        let args = args.unwrap_or(serde_json::Value::Null);
        if serde_json::to_string(&args).map_or(0, |text| text.len()) > MAX_ARGS_BYTES {
            return Err(DomainError::invalid("args", format!("args are larger than {MAX_ARGS_BYTES} bytes")).into());
        }
        let call = Call::parse(operation_name(operation), args).map_err(|bad| DomainError::invalid("args", bad.0))?;
        let credential = match (api_key, token) {
            (None, None) => Credential::None,
            (Some(key), None) => Credential::ApiKey(key),
            (None, Some(token)) => Credential::Bearer(token),
            (Some(_), Some(_)) => return Err(DomainError::invalid("token", "send apiKey or token, not both").into()),
        };
        let (target, _run) = self.admit()?;
        let options = Options { capture: true, knobs, lane_timeout: LANE_TIMEOUT };
        Ok(JsonBody(compare(target, &call, &credential, options).await))
    }

    /// Walk through the OAuth 2.0 authorization code flow with PKCE, every exchange recorded
    ///
    /// The server's own client plays the public client `demo-spa` and, at the consent page, the
    /// user named here: discovery, the authorization request, consent and the redirect with the
    /// code, the token exchange, an API call with the access token, and a refresh. A step that
    /// does not answer as the flow needs ends it, with the reason in `error`.
    #[oai(path = "/oauth-walkthrough", method = "post")]
    async fn oauth_walkthrough(&self, body: JsonBody<WalkthroughRequest>) -> Answer<JsonBody<Walkthrough>> {
        let JsonBody(WalkthroughRequest { username, password }) = body;
        let (target, _run) = self.admit()?;
        let walk = tokio::time::timeout(LANE_TIMEOUT * 2, authorization_code(target, &username, &password)).await;
        walk.map(JsonBody).map_err(|_| DomainError::new(ErrorCode::Unavailable, "the walkthrough took too long").into())
    }
}
