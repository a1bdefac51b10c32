//! One operation with its arguments, as a client names it (CONTRACT §3): parsed once from the
//! JSON-RPC-style `{operation, args}` that `compare`, the page and the tests share, then written
//! in each protocol's own form by the clients.

use serde::{Deserialize, Serialize};

/// The five protocols, in the order every table and page shows them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Enum), oai(rename_all = "lowercase"))]
pub enum Protocol {
    Rest,
    Graphql,
    Grpc,
    Websocket,
    Soap,
}

impl Protocol {
    pub const ALL: [Protocol; 5] =
        [Protocol::Rest, Protocol::Graphql, Protocol::Grpc, Protocol::Websocket, Protocol::Soap];

    /// The name in lanes, JSON and the page's `data-lane`.
    pub fn name(self) -> &'static str {
        match self {
            Protocol::Rest => "rest",
            Protocol::Graphql => "graphql",
            Protocol::Grpc => "grpc",
            Protocol::Websocket => "websocket",
            Protocol::Soap => "soap",
        }
    }
}

/// Who a call claims to be: nothing, an API key, or a bearer token.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Credential {
    #[default]
    None,
    ApiKey(String),
    Bearer(String),
}

/// The teaching knobs a call may carry (CONTRACT §7): `X-Playground-Delay` and
/// `X-Playground-Fail` on HTTP and gRPC, `params._playground` on `/ws`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Knobs {
    /// Such as `250ms` or `1.5s`, at most 30 s.
    pub delay: Option<String>,
    /// An HTTP status of the error table (400 401 403 404 409 429 500 503).
    pub fail: Option<u16>,
    /// A network round trip to play on loopback, in milliseconds: the client waits one after
    /// connecting (the handshake), and asks the server to hold each request and message one more.
    pub rtt_ms: Option<u32>,
}

impl Knobs {
    pub fn is_empty(&self) -> bool {
        self.delay.is_none() && self.fail.is_none() && self.rtt_ms.is_none()
    }

    /// What each request or message asks the server to wait: its delay and the round trip.
    pub(crate) fn request_wait(&self) -> Option<String> {
        let delay = self.delay.clone();
        match (delay, self.rtt_ms) {
            (Some(delay), None) => Some(delay),
            (None, Some(rtt)) => Some(format!("{rtt}ms")),
            (None, None) => None,
            // A delay in another unit is left as it is: the server refuses it by name if it is bad.
            (Some(delay), Some(rtt)) => Some(match delay.strip_suffix("ms").and_then(|ms| ms.parse::<f64>().ok()) {
                Some(ms) => format!("{}ms", ms + f64::from(rtt)),
                None => delay,
            }),
        }
    }
}

/// An order's status, as REST, JSON-RPC and SOAP spell it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Pending,
    Paid,
    Shipped,
    Delivered,
    Cancelled,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Paid => "paid",
            Status::Shipped => "shipped",
            Status::Delivered => "delivered",
            Status::Cancelled => "cancelled",
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PageArgs {
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IdArgs {
    pub id: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewUserArgs {
    pub name: String,
    pub email: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserChangeArgs {
    pub id: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct UserOrdersArgs {
    pub user_id: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<Status>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ItemArgs {
    pub product_id: u64,
    pub quantity: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct NewOrderArgs {
    pub user_id: u64,
    pub items: Vec<ItemArgs>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatusChangeArgs {
    pub id: u64,
    pub status: Status,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct MaintenanceArgs {
    pub enabled: bool,
    /// Any number, as the REST body takes it: the server, not the client, says what is allowed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<i64>,
}

/// Every operation that runs the same on all five protocols. Events are not here: they are
/// received, not called, and the page's events panel shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "operation", content = "args", rename_all = "camelCase")]
pub enum Call {
    ListUsers(PageArgs),
    GetUser(IdArgs),
    CreateUser(NewUserArgs),
    UpdateUser(UserChangeArgs),
    DeleteUser(IdArgs),
    ListProducts(PageArgs),
    GetProduct(IdArgs),
    ListUserOrders(UserOrdersArgs),
    GetOrder(IdArgs),
    CreateOrder(NewOrderArgs),
    UpdateOrderStatus(StatusChangeArgs),
    DeleteOrder(IdArgs),
    SetMaintenance(MaintenanceArgs),
}

/// The operation names `Call` accepts, in the contract's order.
pub const OPERATIONS: [&str; 13] = [
    "listUsers",
    "getUser",
    "createUser",
    "updateUser",
    "deleteUser",
    "listProducts",
    "getProduct",
    "listUserOrders",
    "getOrder",
    "createOrder",
    "updateOrderStatus",
    "deleteOrder",
    "setMaintenance",
];

/// Why an operation and its arguments were refused; the message names what is allowed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct BadCall(pub String);

/// The longest argument object a call may carry (an order's items are the only list).
const MAX_ITEMS: usize = 50;

impl Call {
    /// `operation` with `args` (a JSON object with the JSON-RPC parameter names).
    pub fn parse(operation: &str, args: serde_json::Value) -> Result<Call, BadCall> {
        if !OPERATIONS.contains(&operation) {
            return Err(BadCall(format!("unknown operation `{operation}`: expected one of {}", OPERATIONS.join(", "))));
        }
        let args = match args {
            serde_json::Value::Null => serde_json::Value::Object(Default::default()),
            object @ serde_json::Value::Object(_) => object,
            other => return Err(BadCall(format!("args must be a JSON object, not {other}"))),
        };
        let call: Call = serde_json::from_value(serde_json::json!({"operation": operation, "args": args}))
            .map_err(|error| BadCall(format!("{operation}: {error}")))?;
        if let Call::CreateOrder(order) = &call {
            if order.items.is_empty() || order.items.len() > MAX_ITEMS {
                return Err(BadCall(format!("createOrder: items must hold 1 to {MAX_ITEMS} entries")));
            }
        }
        Ok(call)
    }

    /// A call named on the command line, as `compare` and `bench` take it: `--id N` is the
    /// argument `id`, each `--arg KEY=VALUE` one more (a value that parses as JSON is taken as
    /// JSON, anything else as a string), over `defaults` (an object, or null for none).
    pub fn from_flags(
        operation: &str,
        defaults: serde_json::Value,
        id: Option<u64>,
        pairs: &[String],
    ) -> Result<Call, BadCall> {
        let mut args = match defaults {
            serde_json::Value::Object(defaults) => defaults,
            _ => serde_json::Map::new(),
        };
        if let Some(id) = id {
            args.insert("id".into(), id.into());
        }
        for pair in pairs {
            let (key, value) =
                pair.split_once('=').ok_or_else(|| BadCall(format!("--arg takes KEY=VALUE, not `{pair}`")))?;
            let value = serde_json::from_str(value).unwrap_or_else(|_| serde_json::Value::String(value.to_owned()));
            args.insert(key.to_owned(), value);
        }
        Call::parse(operation, serde_json::Value::Object(args))
    }

    /// The contract's operation name, e.g. `getUser`.
    pub fn operation(&self) -> &'static str {
        match self {
            Call::ListUsers(_) => "listUsers",
            Call::GetUser(_) => "getUser",
            Call::CreateUser(_) => "createUser",
            Call::UpdateUser(_) => "updateUser",
            Call::DeleteUser(_) => "deleteUser",
            Call::ListProducts(_) => "listProducts",
            Call::GetProduct(_) => "getProduct",
            Call::ListUserOrders(_) => "listUserOrders",
            Call::GetOrder(_) => "getOrder",
            Call::CreateOrder(_) => "createOrder",
            Call::UpdateOrderStatus(_) => "updateOrderStatus",
            Call::DeleteOrder(_) => "deleteOrder",
            Call::SetMaintenance(_) => "setMaintenance",
        }
    }

    /// The SOAP operation and gRPC method name, e.g. `GetUser`.
    pub fn pascal(&self) -> String {
        let name = self.operation();
        name[..1].to_uppercase() + &name[1..]
    }

    /// The JSON-RPC params: the arguments exactly as parsed.
    pub fn params(&self) -> serde_json::Value {
        serde_json::to_value(self).map(|mut tagged| tagged["args"].take()).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_every_operation_and_names_what_is_allowed() -> Result<(), BadCall> {
        assert_eq!(Call::parse("getUser", json!({"id": 42}))?, Call::GetUser(IdArgs { id: 42 }));
        assert_eq!(Call::parse("listUsers", json!(null))?, Call::ListUsers(PageArgs::default()));
        let order = Call::parse("createOrder", json!({"userId": 3, "items": [{"productId": 1, "quantity": 2}]}))?;
        assert_eq!(order.params(), json!({"userId": 3, "items": [{"productId": 1, "quantity": 2}]}));
        assert_eq!(order.pascal(), "CreateOrder");
        for name in OPERATIONS {
            assert!(Call::parse(name, json!({"nope": 1})).is_err(), "{name} refuses an unknown argument");
        }
        let unknown = Call::parse("getUsers", json!({})).expect_err("unknown operation");
        assert!(unknown.0.contains("getUser, createUser"), "{unknown}");
        let status = Call::parse("updateOrderStatus", json!({"id": 1, "status": "lost"})).expect_err("bad status");
        assert!(status.0.contains("pending"), "{status}");
        let missing = Call::parse("getUser", json!({})).expect_err("missing id");
        assert!(missing.0.contains("`id`"), "{missing}");
        assert!(Call::parse("createOrder", json!({"userId": 3, "items": []})).is_err());
        Ok(())
    }

    #[test]
    fn flags_become_arguments_over_the_defaults() -> Result<(), BadCall> {
        let flags = |pairs: &[&str]| pairs.iter().map(|pair| (*pair).to_owned()).collect::<Vec<_>>();
        assert_eq!(Call::from_flags("getUser", json!(null), Some(7), &[])?, Call::GetUser(IdArgs { id: 7 }));
        assert_eq!(Call::from_flags("getUser", json!({"id": 42}), None, &[])?, Call::GetUser(IdArgs { id: 42 }));
        assert_eq!(Call::from_flags("getUser", json!({"id": 42}), Some(3), &[])?, Call::GetUser(IdArgs { id: 3 }));
        let orders = Call::from_flags("listUserOrders", json!({"userId": 42}), None, &flags(&["status=paid"]))?;
        assert_eq!(orders.params(), json!({"userId": 42, "status": "paid"}));
        let page = Call::from_flags("listProducts", json!(null), None, &flags(&["limit=3", "cursor=abc"]))?;
        assert_eq!(page, Call::ListProducts(PageArgs { limit: Some(3), cursor: Some("abc".into()) }));
        let bad = Call::from_flags("getUser", json!(null), None, &flags(&["idonly"])).expect_err("no =");
        assert!(bad.0.contains("KEY=VALUE"), "{bad}");
        Ok(())
    }
}
