//! One way to start the server (port 0, in-process), and the playground's own five clients
//! (`playground-client`, as `compare` and the page use them) behind the same `call`, so tests can
//! iterate operations × protocols and compare answers in a common form.

use std::net::SocketAddr;

use api_playground::config::{ApiKey, ServeArgs, Settings};
use api_playground::pb;
use playground_client as client;
use playground_client::exchange::{Answer, Prepared};
use quick_xml::events::Event;
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tonic_types::StatusExt;

pub struct TestApp {
    pub addr: SocketAddr,
    pub base: String,
    pub http: reqwest::Client,
    /// Starts the server's graceful shutdown when sent to (or dropped).
    pub shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    /// Finishes when the server has stopped.
    pub stopped: Option<tokio::task::JoinHandle<()>>,
}

pub fn settings() -> Settings {
    let mut settings = Settings::load(&ServeArgs::on_free_port()).expect("default settings");
    // An application key with the admin scope, for the maintenance switch.
    settings.api_keys.push(ApiKey {
        key: ADMIN_KEY.into(),
        scopes: playground_domain::Scopes::parse(["admin"]).expect("scope"),
        tier: "default".into(),
    });
    // Most tests make many calls; rate limiting has its own tests with its own budget.
    settings.default_tier.burst = 1_000_000;
    settings.default_tier.per_second = 1_000_000;
    settings
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(settings()).await
}

pub async fn spawn_app_with(settings: Settings) -> TestApp {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind port 0");
    let addr = listener.local_addr().expect("local addr");
    let (shutdown, signal) = tokio::sync::oneshot::channel::<()>();
    let stopped = tokio::spawn(async move {
        let signal = Box::pin(async move {
            let _ = signal.await;
        });
        api_playground::app::serve(settings, listener, api_playground::app::Announce::Quiet, signal)
            .await
            .expect("server runs");
    });
    let app = TestApp {
        addr,
        base: format!("http://{addr}"),
        http: reqwest::Client::new(),
        shutdown: Some(shutdown),
        stopped: Some(stopped),
    };
    for _ in 0..100 {
        if app.http.get(format!("{}/healthz", app.base)).send().await.is_ok() {
            return app;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("the server did not come up on {addr}");
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    Rest,
    GraphQl,
    Grpc,
    WebSocket,
    Soap,
}

pub const PROTOCOLS: [Protocol; 5] =
    [Protocol::Rest, Protocol::GraphQl, Protocol::Grpc, Protocol::WebSocket, Protocol::Soap];

/// Which credential a call carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    Read,
    Write,
    Admin,
    None,
    Wrong,
}

pub const ADMIN_KEY: &str = "test-admin-key";

impl Key {
    fn value(self) -> Option<&'static str> {
        match self {
            Key::Read => Some("demo-read-key"),
            Key::Write => Some("demo-write-key"),
            Key::Admin => Some(ADMIN_KEY),
            Key::None => None,
            Key::Wrong => Some("not-a-key"),
        }
    }
}

/// The user operations, with their arguments.
#[derive(Debug, Clone)]
pub enum Call {
    ListUsers {
        limit: Option<u32>,
        cursor: Option<String>,
    },
    GetUser {
        id: u64,
    },
    CreateUser {
        name: String,
        email: String,
    },
    UpdateUser {
        id: u64,
        name: Option<String>,
        email: Option<String>,
    },
    DeleteUser {
        id: u64,
    },
    ListProducts {
        limit: Option<u32>,
        cursor: Option<String>,
    },
    GetProduct {
        id: u64,
    },
    /// Lists every order of the user (the tests keep to users with under 20 orders, since
    /// GraphQL's `User.orders` is not paginated).
    ListUserOrders {
        user_id: u64,
        status: Option<&'static str>,
    },
    GetOrder {
        id: u64,
    },
    CreateOrder {
        user_id: u64,
        items: Vec<(u64, u32)>,
    },
    UpdateOrderStatus {
        id: u64,
        status: &'static str,
    },
    DeleteOrder {
        id: u64,
    },
    SetMaintenance {
        enabled: bool,
        retry_after: Option<i64>,
    },
}

/// What came back, in one form for every protocol: users as REST JSON, lists as
/// `{items, nextCursor}`, deletes as null; errors as the canonical code.
pub type Outcome = Result<Value, String>;

impl Call {
    /// The same call as the playground's own clients take it.
    fn to_client(&self) -> client::Call {
        use client::call::{
            IdArgs, ItemArgs, MaintenanceArgs, NewOrderArgs, NewUserArgs, PageArgs, Status, StatusChangeArgs,
            UserChangeArgs, UserOrdersArgs,
        };
        let page = |limit: &Option<u32>, cursor: &Option<String>| PageArgs { limit: *limit, cursor: cursor.clone() };
        let status = |status: &str| serde_json::from_value::<Status>(json!(status)).expect("a known status");
        match self {
            Call::ListUsers { limit, cursor } => client::Call::ListUsers(page(limit, cursor)),
            Call::GetUser { id } => client::Call::GetUser(IdArgs { id: *id }),
            Call::CreateUser { name, email } => {
                client::Call::CreateUser(NewUserArgs { name: name.clone(), email: email.clone() })
            }
            Call::UpdateUser { id, name, email } => {
                client::Call::UpdateUser(UserChangeArgs { id: *id, name: name.clone(), email: email.clone() })
            }
            Call::DeleteUser { id } => client::Call::DeleteUser(IdArgs { id: *id }),
            Call::ListProducts { limit, cursor } => client::Call::ListProducts(page(limit, cursor)),
            Call::GetProduct { id } => client::Call::GetProduct(IdArgs { id: *id }),
            Call::ListUserOrders { user_id, status: wanted } => {
                client::Call::ListUserOrders(UserOrdersArgs { user_id: *user_id, status: wanted.map(status) })
            }
            Call::GetOrder { id } => client::Call::GetOrder(IdArgs { id: *id }),
            Call::CreateOrder { user_id, items } => client::Call::CreateOrder(NewOrderArgs {
                user_id: *user_id,
                items: items
                    .iter()
                    .map(|(product_id, quantity)| ItemArgs { product_id: *product_id, quantity: *quantity })
                    .collect(),
            }),
            Call::UpdateOrderStatus { id, status: wanted } => {
                client::Call::UpdateOrderStatus(StatusChangeArgs { id: *id, status: status(wanted) })
            }
            Call::DeleteOrder { id } => client::Call::DeleteOrder(IdArgs { id: *id }),
            Call::SetMaintenance { enabled, retry_after } => {
                client::Call::SetMaintenance(MaintenanceArgs { enabled: *enabled, retry_after: *retry_after })
            }
        }
    }
}

impl TestApp {
    /// One call through the playground's own client for `protocol`, on a new connection, read
    /// back into the common form, checking on the way that each error has its protocol's shape.
    pub async fn call(&self, protocol: Protocol, key: Key, call: &Call) -> Outcome {
        let target = client::requests::Target { addr: self.addr, authority: self.addr.to_string() };
        let credential = key.value().map_or(client::Credential::None, |k| client::Credential::ApiKey(k.to_owned()));
        let client_protocol = match protocol {
            Protocol::Rest => client::Protocol::Rest,
            Protocol::GraphQl => client::Protocol::Graphql,
            Protocol::Grpc => client::Protocol::Grpc,
            Protocol::WebSocket => client::Protocol::Websocket,
            Protocol::Soap => client::Protocol::Soap,
        };
        let prepared = Prepared::new(client_protocol, &target, &call.to_client(), &credential).expect("a request");
        let exchange = prepared.send(self.addr, false, std::time::Duration::ZERO).await.expect("an answer");
        match (protocol, exchange.answer) {
            (Protocol::WebSocket, Answer::WebSocket { reply, close }) => websocket(reply, close),
            (Protocol::Rest, Answer::Http { status, headers, body, .. }) => rest(status, &headers, &body),
            (Protocol::GraphQl, Answer::Http { body, .. }) => graphql(call, &body),
            (Protocol::Grpc, Answer::Http { headers, body, trailers, .. }) => grpc(call, headers, trailers, &body),
            (Protocol::Soap, Answer::Http { status, body, .. }) => soap(call, status, &body),
            (protocol, answer) => panic!("{protocol:?} answered {answer:?}"),
        }
    }

    pub async fn ws_connect(
        &self,
        key: Key,
    ) -> tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>> {
        let mut request = format!("ws://{}/ws", self.addr).into_client_request().expect("ws request");
        if let Some(value) = key.value() {
            request.headers_mut().insert("x-api-key", value.parse().expect("ascii"));
        }
        tokio_tungstenite::connect_async(request).await.expect("ws connect").0
    }
}

fn rest(status: http::StatusCode, headers: &http::HeaderMap, body: &[u8]) -> Outcome {
    let header = |name: &str| headers.get(name).map(|v| v.to_str().unwrap_or("").to_owned());
    if status == http::StatusCode::NO_CONTENT {
        return Ok(Value::Null);
    }
    let body: Value = serde_json::from_slice(body).expect("REST JSON body");
    if status.is_success() {
        return Ok(body);
    }
    assert_eq!(header("content-type").as_deref(), Some("application/problem+json"), "{body}");
    assert_eq!(body["status"], status.as_u16(), "{body}");
    if status == http::StatusCode::SERVICE_UNAVAILABLE {
        assert_eq!(header("retry-after").as_deref(), body["retryAfter"].as_u64().map(|s| s.to_string()).as_deref());
    }
    Err(body["code"].as_str().expect("problem code").to_owned())
}

fn graphql(call: &Call, body: &[u8]) -> Outcome {
    let body: Value = serde_json::from_slice(body).expect("GraphQL JSON");
    if let Some(error) = body["errors"].get(0) {
        assert!(error["extensions"]["code"].is_string(), "{body}");
        if error["extensions"]["code"] == "SERVICE_UNAVAILABLE" {
            assert!(error["extensions"]["retryAfter"].as_u64().is_some_and(|s| s > 0), "{body}");
        }
        return Err(error["extensions"]["canonicalCode"].as_str().expect("canonicalCode").to_owned());
    }
    let field = match call {
        Call::ListUsers { .. } => "users",
        Call::GetUser { .. } | Call::ListUserOrders { .. } => "user",
        Call::CreateUser { .. } => "createUser",
        Call::UpdateUser { .. } => "updateUser",
        Call::DeleteUser { .. } => "deleteUser",
        Call::ListProducts { .. } => "products",
        Call::GetProduct { .. } => "product",
        Call::GetOrder { .. } => "order",
        Call::CreateOrder { .. } => "createOrder",
        Call::UpdateOrderStatus { .. } => "updateOrderStatus",
        Call::DeleteOrder { .. } => "deleteOrder",
        Call::SetMaintenance { .. } => "setMaintenance",
    };
    Ok(graphql_data(call, &body["data"][field]))
}

fn graphql_data(call: &Call, data: &Value) -> Value {
    let data = data.clone();
    match call {
        Call::ListUsers { .. } => json!({
            "items": data["edges"].as_array().expect("edges").iter().map(|edge| graphql_user(&edge["node"])).collect::<Vec<_>>(),
            "nextCursor": if data["pageInfo"]["hasNextPage"] == json!(true) { data["pageInfo"]["endCursor"].clone() } else { Value::Null },
        }),
        Call::DeleteUser { .. } | Call::DeleteOrder { .. } => {
            assert_eq!(data, json!(true));
            Value::Null
        }
        Call::ListProducts { .. } => json!({
            "items": data["edges"].as_array().expect("edges").iter().map(|edge| graphql_product(&edge["node"])).collect::<Vec<_>>(),
            "nextCursor": if data["pageInfo"]["hasNextPage"] == json!(true) { data["pageInfo"]["endCursor"].clone() } else { Value::Null },
        }),
        Call::GetProduct { .. } => graphql_product(&data),
        Call::ListUserOrders { .. } => json!({
            "items": data["orders"].as_array().expect("orders").iter().map(graphql_order).collect::<Vec<_>>(),
            "nextCursor": Value::Null,
        }),
        Call::GetOrder { .. } | Call::CreateOrder { .. } | Call::UpdateOrderStatus { .. } => graphql_order(&data),
        Call::GetUser { .. } | Call::CreateUser { .. } | Call::UpdateUser { .. } => graphql_user(&data),
        Call::SetMaintenance { .. } => data,
    }
}

fn grpc(call: &Call, mut headers: http::HeaderMap, trailers: Option<http::HeaderMap>, body: &[u8]) -> Outcome {
    // A trailers-only answer carries its status in the headers.
    headers.extend(trailers.unwrap_or_default());
    let code = headers.get("grpc-status").and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<i32>().ok());
    if code != Some(0) {
        let status = tonic::Status::from_header_map(&headers).unwrap_or_else(|| panic!("a gRPC status in {headers:?}"));
        let info = status.get_details_error_info().unwrap_or_else(|| panic!("ErrorInfo in {status:?}"));
        assert_eq!(info.domain, "api-playground");
        if status.code() == tonic::Code::Unavailable {
            assert!(status.get_details_retry_info().is_some_and(|r| r.retry_delay.is_some()), "{status:?}");
        }
        return Err(info.reason);
    }
    assert!(body.len() >= 5 && body[0] == 0, "one uncompressed length-prefixed message");
    let message = &body[5..];
    fn decoded<M: prost::Message + Default>(message: &[u8]) -> M {
        M::decode(message).expect("the method's protobuf answer")
    }
    Ok(match call {
        Call::ListUsers { .. } => {
            let r: pb::ListUsersResponse = decoded(message);
            page(r.users.iter().map(grpc_user).collect(), &r.next_page_token)
        }
        Call::GetUser { .. } => grpc_user(decoded::<pb::GetUserResponse>(message).user.as_ref().expect("user")),
        Call::CreateUser { .. } => grpc_user(decoded::<pb::CreateUserResponse>(message).user.as_ref().expect("user")),
        Call::UpdateUser { .. } => grpc_user(decoded::<pb::UpdateUserResponse>(message).user.as_ref().expect("user")),
        Call::DeleteUser { .. } | Call::DeleteOrder { .. } => Value::Null,
        Call::ListProducts { .. } => {
            let r: pb::ListProductsResponse = decoded(message);
            page(r.products.iter().map(grpc_product).collect(), &r.next_page_token)
        }
        Call::GetProduct { .. } => {
            grpc_product(decoded::<pb::GetProductResponse>(message).product.as_ref().expect("product"))
        }
        Call::ListUserOrders { .. } => {
            let r: pb::ListUserOrdersResponse = decoded(message);
            page(r.orders.iter().map(grpc_order).collect(), &r.next_page_token)
        }
        Call::GetOrder { .. } => grpc_order(decoded::<pb::GetOrderResponse>(message).order.as_ref().expect("order")),
        Call::CreateOrder { .. } => {
            grpc_order(decoded::<pb::CreateOrderResponse>(message).order.as_ref().expect("order"))
        }
        Call::UpdateOrderStatus { .. } => {
            grpc_order(decoded::<pb::UpdateOrderStatusResponse>(message).order.as_ref().expect("order"))
        }
        Call::SetMaintenance { .. } => {
            let r: pb::SetMaintenanceResponse = decoded(message);
            json!({"enabled": r.enabled, "retryAfter": r.retry_after_seconds})
        }
    })
}

fn websocket(reply: Option<String>, close: Option<(u16, String)>) -> Outcome {
    match close {
        Some((1008, _)) => return Err("UNAUTHENTICATED".into()),
        // Maintenance refuses the whole connection: 1013, try again later.
        Some((1013, reason)) => {
            assert!(reason.contains("retry after"), "{reason}");
            return Err("UNAVAILABLE".into());
        }
        Some(other) => panic!("unexpected WebSocket close {other:?}"),
        None => {}
    }
    let reply: Value = serde_json::from_str(&reply.expect("a reply")).expect("JSON-RPC reply");
    assert_eq!(reply["jsonrpc"], "2.0");
    assert_eq!(reply["id"], 1);
    match reply.get("error") {
        Some(error) => {
            assert!(error["code"].is_i64(), "{reply}");
            Err(error["data"]["code"].as_str().expect("error.data.code").to_owned())
        }
        None => Ok(reply["result"].clone()),
    }
}

fn soap(call: &Call, status: http::StatusCode, body: &[u8]) -> Outcome {
    let tree = xml_to_json(std::str::from_utf8(body).expect("UTF-8 envelope"));
    let body = &tree["Envelope"]["Body"];
    if let Some(fault) = body.get("Fault") {
        assert_eq!(status, http::StatusCode::INTERNAL_SERVER_ERROR, "SOAP 1.1 faults are HTTP 500");
        assert!(fault["faultcode"].is_string() && fault["faultstring"].is_string(), "{fault}");
        let code = fault["detail"]["Error"]["Code"].as_str().expect("detail/Error/Code").to_owned();
        if code == "UNAVAILABLE" {
            assert!(fault["detail"]["Error"]["RetryAfter"].is_string(), "{fault}");
        }
        return Err(code);
    }
    let operation = call.to_client().pascal();
    let answer = &body[&format!("{operation}Response")];
    Ok(match call {
        Call::ListUsers { .. } => json!({
            "items": soap_list(&answer["Users"]["User"]).iter().map(soap_user).collect::<Vec<_>>(),
            "nextCursor": answer.get("NextCursor").cloned().unwrap_or(Value::Null),
        }),
        Call::DeleteUser { .. } | Call::DeleteOrder { .. } => Value::Null,
        Call::ListProducts { .. } => json!({
            "items": soap_list(&answer["Products"]["Product"]).iter().map(soap_product).collect::<Vec<_>>(),
            "nextCursor": answer.get("NextCursor").cloned().unwrap_or(Value::Null),
        }),
        Call::GetProduct { .. } => soap_product(&answer["Product"]),
        Call::ListUserOrders { .. } => json!({
            "items": soap_list(&answer["Orders"]["Order"]).iter().map(soap_order).collect::<Vec<_>>(),
            "nextCursor": answer.get("NextCursor").cloned().unwrap_or(Value::Null),
        }),
        Call::GetOrder { .. } | Call::CreateOrder { .. } | Call::UpdateOrderStatus { .. } => {
            soap_order(&answer["Order"])
        }
        Call::GetUser { .. } | Call::CreateUser { .. } | Call::UpdateUser { .. } => soap_user(&answer["User"]),
        Call::SetMaintenance { .. } => json!({
            "enabled": answer["Enabled"] == "true",
            "retryAfter": number(&answer["RetryAfter"]),
        }),
    })
}

/// A list page in the common form; an empty token means the last page.
fn page(items: Vec<Value>, next_page_token: &str) -> Value {
    json!({"items": items, "nextCursor": if next_page_token.is_empty() { Value::Null } else { json!(next_page_token) }})
}

/// A repeated XML element: none, one (an object) or many (an array).
pub fn soap_list(value: &Value) -> Vec<Value> {
    match value {
        Value::Array(items) => items.clone(),
        Value::Null => vec![],
        one => vec![one.clone()],
    }
}

fn number(value: &Value) -> Value {
    let text = value.as_str().unwrap_or_else(|| panic!("a number as text, got {value}"));
    text.parse::<i64>().map(Value::from).unwrap_or_else(|_| panic!("{text:?} is not a number"))
}

fn graphql_product(node: &Value) -> Value {
    json!({
        "id": number(&node["id"]), "sku": node["sku"], "name": node["name"], "priceCents": node["priceCents"],
        "currency": node["currency"], "stock": node["stock"],
    })
}

fn graphql_order(node: &Value) -> Value {
    json!({
        "id": number(&node["id"]), "userId": number(&node["user"]["id"]),
        "items": node["items"].as_array().expect("items").iter().map(|item| json!({
            "productId": number(&item["product"]["id"]), "quantity": item["quantity"], "unitPriceCents": item["unitPriceCents"],
        })).collect::<Vec<_>>(),
        "totalCents": node["totalCents"], "currency": node["currency"],
        "status": node["status"].as_str().expect("status").to_lowercase(),
        "createdAt": node["createdAt"], "updatedAt": node["updatedAt"],
    })
}

fn rfc3339(at: &Option<prost_types::Timestamp>) -> String {
    let at = at.as_ref().expect("a timestamp");
    let at = time::OffsetDateTime::from_unix_timestamp(at.seconds).expect("timestamp");
    at.format(&time::format_description::well_known::Rfc3339).expect("rfc3339")
}

fn grpc_product(product: &pb::Product) -> Value {
    json!({
        "id": product.id, "sku": product.sku, "name": product.name, "priceCents": product.price_cents,
        "currency": product.currency, "stock": product.stock,
    })
}

fn grpc_order(order: &pb::Order) -> Value {
    let status = pb::OrderStatus::try_from(order.status).expect("a known status").as_str_name();
    json!({
        "id": order.id, "userId": order.user_id,
        "items": order.items.iter().map(|item| json!({
            "productId": item.product_id, "quantity": item.quantity, "unitPriceCents": item.unit_price_cents,
        })).collect::<Vec<_>>(),
        "totalCents": order.total_cents, "currency": order.currency,
        "status": status.trim_start_matches("ORDER_STATUS_").to_lowercase(),
        "createdAt": rfc3339(&order.created_at), "updatedAt": rfc3339(&order.updated_at),
    })
}

fn soap_product(product: &Value) -> Value {
    json!({
        "id": number(&product["Id"]), "sku": product["Sku"], "name": product["Name"], "priceCents": number(&product["PriceCents"]),
        "currency": product["Currency"], "stock": number(&product["Stock"]),
    })
}

fn soap_order(order: &Value) -> Value {
    json!({
        "id": number(&order["Id"]), "userId": number(&order["UserId"]),
        "items": soap_list(&order["Items"]["Item"]).iter().map(|item| json!({
            "productId": number(&item["ProductId"]), "quantity": number(&item["Quantity"]), "unitPriceCents": number(&item["UnitPriceCents"]),
        })).collect::<Vec<_>>(),
        "totalCents": number(&order["TotalCents"]), "currency": order["Currency"], "status": order["Status"],
        "createdAt": order["CreatedAt"], "updatedAt": order["UpdatedAt"],
    })
}

fn graphql_user(node: &Value) -> Value {
    json!({
        "id": node["id"].as_str().and_then(|id| id.parse::<u64>().ok()).expect("decimal ID"),
        "name": node["name"], "email": node["email"], "createdAt": node["createdAt"],
    })
}

fn grpc_user(user: &pb::User) -> Value {
    let created = user.created_at.as_ref().expect("created_at");
    let at = time::OffsetDateTime::from_unix_timestamp(created.seconds).expect("timestamp");
    json!({
        "id": user.id, "name": user.name, "email": user.email,
        "createdAt": at.format(&time::format_description::well_known::Rfc3339).expect("rfc3339"),
    })
}

fn soap_user(user: &Value) -> Value {
    json!({
        "id": user["Id"].as_str().and_then(|id| id.parse::<u64>().ok()).expect("Id"),
        "name": user["Name"], "email": user["Email"], "createdAt": user["CreatedAt"],
    })
}

/// A namespace-blind XML → JSON view: elements by local name, repeated ones as arrays.
pub fn xml_to_json(xml: &str) -> Value {
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut stack: Vec<(String, serde_json::Map<String, Value>, String)> =
        vec![("".into(), Default::default(), String::new())];
    loop {
        match reader.read_event().expect("well-formed XML") {
            Event::Start(start) => {
                let name = <_ as AsRef<str>>::as_ref(&start.local_name()).to_owned();
                stack.push((name, Default::default(), String::new()));
            }
            Event::Empty(start) => {
                let name = <_ as AsRef<str>>::as_ref(&start.local_name()).to_owned();
                insert(&mut stack.last_mut().expect("parent").1, name, json!({}));
            }
            Event::Text(text) => stack.last_mut().expect("element").2.push_str(&text.xml10_content()),
            Event::GeneralRef(reference) => {
                let name = reference.xml10_content();
                let resolved = quick_xml::escape::resolve_predefined_entity(&name).expect("predefined entity");
                stack.last_mut().expect("element").2.push_str(resolved);
            }
            Event::End(_) => {
                let (name, children, text) = stack.pop().expect("open element");
                let text = text.trim();
                let value = if children.is_empty() {
                    if text.is_empty() {
                        json!({})
                    } else {
                        json!(text)
                    }
                } else {
                    Value::Object(children)
                };
                insert(&mut stack.last_mut().expect("parent").1, name, value);
            }
            Event::Eof => break,
            _ => {}
        }
    }
    Value::Object(stack.pop().expect("root").1)
}

fn insert(map: &mut serde_json::Map<String, Value>, name: String, value: Value) {
    match map.get_mut(&name) {
        Some(Value::Array(items)) => items.push(value),
        Some(existing) => *existing = json!([existing.take(), value]),
        None => {
            map.insert(name, value);
        }
    }
}
