//! One way to start the server (port 0, in-process) and one client per protocol behind the same
//! `call`, so tests can iterate operations × protocols and compare answers in a common form.

use std::net::SocketAddr;

use api_playground::config::{ApiKey, ServeArgs, Settings};
use api_playground::pb;
use api_playground::pb::admin_service_client::AdminServiceClient;
use api_playground::pb::order_service_client::OrderServiceClient;
use api_playground::pb::product_service_client::ProductServiceClient;
use api_playground::pb::user_service_client::UserServiceClient;
use futures_util::{SinkExt, StreamExt};
use quick_xml::events::Event;
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;
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
        let signal = async move {
            let _ = signal.await;
        };
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

impl TestApp {
    pub async fn call(&self, protocol: Protocol, key: Key, call: &Call) -> Outcome {
        match protocol {
            Protocol::Rest => self.rest(key, call).await,
            Protocol::GraphQl => self.graphql(key, call).await,
            Protocol::Grpc => self.grpc(key, call).await,
            Protocol::WebSocket => self.websocket(key, call).await,
            Protocol::Soap => self.soap(key, call).await,
        }
    }

    async fn rest(&self, key: Key, call: &Call) -> Outcome {
        let url = |path: &str| format!("{}/api/v1{path}", self.base);
        let request = match call {
            Call::ListUsers { limit, cursor } => {
                let mut query = vec![];
                if let Some(limit) = limit {
                    query.push(("limit", limit.to_string()));
                }
                if let Some(cursor) = cursor {
                    query.push(("cursor", cursor.clone()));
                }
                self.http.get(url("/users")).query(&query)
            }
            Call::GetUser { id } => self.http.get(url(&format!("/users/{id}"))),
            Call::CreateUser { name, email } => {
                self.http.post(url("/users")).json(&json!({"name": name, "email": email}))
            }
            Call::UpdateUser { id, name, email } => {
                let mut body = json!({});
                if let Some(name) = name {
                    body["name"] = json!(name);
                }
                if let Some(email) = email {
                    body["email"] = json!(email);
                }
                self.http.patch(url(&format!("/users/{id}"))).json(&body)
            }
            Call::DeleteUser { id } => self.http.delete(url(&format!("/users/{id}"))),
            Call::ListProducts { limit, cursor } => {
                let mut query = vec![];
                if let Some(limit) = limit {
                    query.push(("limit", limit.to_string()));
                }
                if let Some(cursor) = cursor {
                    query.push(("cursor", cursor.clone()));
                }
                self.http.get(url("/products")).query(&query)
            }
            Call::GetProduct { id } => self.http.get(url(&format!("/products/{id}"))),
            Call::ListUserOrders { user_id, status } => {
                let mut query = vec![("limit", "100".to_owned())];
                if let Some(status) = status {
                    query.push(("status", (*status).to_owned()));
                }
                self.http.get(url(&format!("/users/{user_id}/orders"))).query(&query)
            }
            Call::GetOrder { id } => self.http.get(url(&format!("/orders/{id}"))),
            Call::CreateOrder { user_id, items } => self.http.post(url(&format!("/users/{user_id}/orders"))).json(&json!({
                "items": items.iter().map(|(product_id, quantity)| json!({"productId": product_id, "quantity": quantity})).collect::<Vec<_>>()
            })),
            Call::UpdateOrderStatus { id, status } => {
                self.http.patch(url(&format!("/orders/{id}"))).json(&json!({"status": status}))
            }
            Call::DeleteOrder { id } => self.http.delete(url(&format!("/orders/{id}"))),
            Call::SetMaintenance { enabled, retry_after } => {
                // REST leaves an optional field out; the document does not allow it to be null.
                let mut body = json!({"enabled": enabled});
                if let Some(seconds) = retry_after {
                    body["retryAfter"] = json!(seconds);
                }
                self.http.put(url("/admin/maintenance")).json(&body)
            }
        };
        let request = match key.value() {
            Some(value) => request.header("x-api-key", value),
            None => request,
        };
        let response = request.send().await.expect("REST request");
        let status = response.status();
        let content_type = response.headers().get("content-type").map(|v| v.to_str().unwrap_or("").to_owned());
        let retry_after = response.headers().get("retry-after").map(|v| v.to_str().unwrap_or("").to_owned());
        if status == reqwest::StatusCode::NO_CONTENT {
            return Ok(Value::Null);
        }
        let body: Value = response.json().await.expect("REST JSON body");
        if status.is_success() {
            Ok(body)
        } else {
            assert_eq!(content_type.as_deref(), Some("application/problem+json"), "{body}");
            assert_eq!(body["status"], status.as_u16(), "{body}");
            if status == reqwest::StatusCode::SERVICE_UNAVAILABLE {
                assert_eq!(retry_after.as_deref(), body["retryAfter"].as_u64().map(|s| s.to_string()).as_deref());
            }
            Err(body["code"].as_str().expect("problem code").to_owned())
        }
    }

    async fn graphql(&self, key: Key, call: &Call) -> Outcome {
        const USER: &str = "id name email createdAt";
        const PRODUCT: &str = "id sku name priceCents currency stock";
        const ORDER: &str = "id user { id } items { product { id } quantity unitPriceCents } totalCents currency status createdAt updatedAt";
        let (query, variables, field) = match call {
            Call::ListUsers { limit, cursor } => (
                format!("query($first: Int, $after: String) {{ users(first: $first, after: $after) {{ edges {{ node {{ {USER} }} }} pageInfo {{ endCursor hasNextPage }} }} }}"),
                json!({"first": limit, "after": cursor}),
                "users",
            ),
            Call::GetUser { id } => (format!("query($id: ID!) {{ user(id: $id) {{ {USER} }} }}"), json!({"id": id.to_string()}), "user"),
            Call::CreateUser { name, email } => (
                format!("mutation($input: CreateUserInput!) {{ createUser(input: $input) {{ {USER} }} }}"),
                json!({"input": {"name": name, "email": email}}),
                "createUser",
            ),
            Call::UpdateUser { id, name, email } => (
                format!("mutation($id: ID!, $input: UpdateUserInput!) {{ updateUser(id: $id, input: $input) {{ {USER} }} }}"),
                json!({"id": id.to_string(), "input": {"name": name, "email": email}}),
                "updateUser",
            ),
            Call::DeleteUser { id } => ("mutation($id: ID!) { deleteUser(id: $id) }".to_owned(), json!({"id": id.to_string()}), "deleteUser"),
            Call::ListProducts { limit, cursor } => (
                format!("query($first: Int, $after: String) {{ products(first: $first, after: $after) {{ edges {{ node {{ {PRODUCT} }} }} pageInfo {{ endCursor hasNextPage }} }} }}"),
                json!({"first": limit, "after": cursor}),
                "products",
            ),
            Call::GetProduct { id } => (format!("query($id: ID!) {{ product(id: $id) {{ {PRODUCT} }} }}"), json!({"id": id.to_string()}), "product"),
            Call::ListUserOrders { user_id, status } => (
                format!("query($id: ID!, $status: OrderStatus) {{ user(id: $id) {{ orders(status: $status) {{ {ORDER} }} }} }}"),
                json!({"id": user_id.to_string(), "status": status.map(str::to_uppercase)}),
                "user",
            ),
            Call::GetOrder { id } => (format!("query($id: ID!) {{ order(id: $id) {{ {ORDER} }} }}"), json!({"id": id.to_string()}), "order"),
            Call::CreateOrder { user_id, items } => (
                format!("mutation($input: CreateOrderInput!) {{ createOrder(input: $input) {{ {ORDER} }} }}"),
                json!({"input": {"userId": user_id.to_string(), "items": items.iter().map(|(p, q)| json!({"productId": p.to_string(), "quantity": q})).collect::<Vec<_>>()}}),
                "createOrder",
            ),
            Call::UpdateOrderStatus { id, status } => (
                format!("mutation($id: ID!, $status: OrderStatus!) {{ updateOrderStatus(id: $id, status: $status) {{ {ORDER} }} }}"),
                json!({"id": id.to_string(), "status": status.to_uppercase()}),
                "updateOrderStatus",
            ),
            Call::DeleteOrder { id } => ("mutation($id: ID!) { deleteOrder(id: $id) }".to_owned(), json!({"id": id.to_string()}), "deleteOrder"),
            Call::SetMaintenance { enabled, retry_after } => (
                "mutation($enabled: Boolean!, $retryAfter: Int) { setMaintenance(enabled: $enabled, retryAfter: $retryAfter) { enabled retryAfter } }".to_owned(),
                json!({"enabled": enabled, "retryAfter": retry_after}),
                "setMaintenance",
            ),
        };
        let mut request =
            self.http.post(format!("{}/graphql", self.base)).json(&json!({"query": query, "variables": variables}));
        if let Some(value) = key.value() {
            request = request.header("x-api-key", value);
        }
        let body: Value = request.send().await.expect("GraphQL request").json().await.expect("GraphQL JSON");
        if let Some(error) = body["errors"].get(0) {
            assert!(error["extensions"]["code"].is_string(), "{body}");
            if error["extensions"]["code"] == "SERVICE_UNAVAILABLE" {
                assert!(error["extensions"]["retryAfter"].as_u64().is_some_and(|s| s > 0), "{body}");
            }
            return Err(error["extensions"]["canonicalCode"].as_str().expect("canonicalCode").to_owned());
        }
        let data = body["data"][field].clone();
        Ok(match call {
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
        })
    }

    async fn grpc(&self, key: Key, call: &Call) -> Outcome {
        let channel =
            tonic::transport::Endpoint::from_shared(self.base.clone()).expect("url").connect().await.expect("h2c");
        let mut client = UserServiceClient::new(channel.clone());
        let mut products = ProductServiceClient::new(channel.clone());
        let mut orders = OrderServiceClient::new(channel.clone());
        let mut admin = AdminServiceClient::new(channel);
        fn request<T>(key: Key, message: T) -> tonic::Request<T> {
            let mut request = tonic::Request::new(message);
            if let Some(value) = key.value() {
                request.metadata_mut().insert("x-api-key", value.parse().expect("ascii"));
            }
            request
        }
        let result = match call {
            Call::ListUsers { limit, cursor } => client
                .list_users(request(
                    key,
                    pb::ListUsersRequest {
                        page_size: limit.map_or(0, |l| l as i32),
                        page_token: cursor.clone().unwrap_or_default(),
                    },
                ))
                .await
                .map(|r| {
                    let r = r.into_inner();
                    page(r.users.iter().map(grpc_user).collect(), &r.next_page_token)
                }),
            Call::GetUser { id } => client
                .get_user(request(key, pb::GetUserRequest { id: *id }))
                .await
                .map(|r| grpc_user(r.get_ref().user.as_ref().expect("user"))),
            Call::CreateUser { name, email } => client
                .create_user(request(key, pb::CreateUserRequest { name: name.clone(), email: email.clone() }))
                .await
                .map(|r| grpc_user(r.get_ref().user.as_ref().expect("user"))),
            Call::UpdateUser { id, name, email } => {
                let mut paths = vec![];
                if name.is_some() {
                    paths.push("name".to_owned());
                }
                if email.is_some() {
                    paths.push("email".to_owned());
                }
                let user = pb::User {
                    id: *id,
                    name: name.clone().unwrap_or_default(),
                    email: email.clone().unwrap_or_default(),
                    created_at: None,
                };
                client
                    .update_user(request(
                        key,
                        pb::UpdateUserRequest { user: Some(user), update_mask: Some(prost_types::FieldMask { paths }) },
                    ))
                    .await
                    .map(|r| grpc_user(r.get_ref().user.as_ref().expect("user")))
            }
            Call::DeleteUser { id } => {
                client.delete_user(request(key, pb::DeleteUserRequest { id: *id })).await.map(|_| Value::Null)
            }
            Call::ListProducts { limit, cursor } => products
                .list_products(request(
                    key,
                    pb::ListProductsRequest {
                        page_size: limit.map_or(0, |l| l as i32),
                        page_token: cursor.clone().unwrap_or_default(),
                    },
                ))
                .await
                .map(|r| {
                    let r = r.into_inner();
                    page(r.products.iter().map(grpc_product).collect(), &r.next_page_token)
                }),
            Call::GetProduct { id } => products
                .get_product(request(key, pb::GetProductRequest { id: *id }))
                .await
                .map(|r| grpc_product(r.get_ref().product.as_ref().expect("product"))),
            Call::ListUserOrders { user_id, status } => orders
                .list_user_orders(request(
                    key,
                    pb::ListUserOrdersRequest {
                        user_id: *user_id,
                        status: status.map_or(0, proto_status),
                        page_size: 100,
                        page_token: String::new(),
                    },
                ))
                .await
                .map(|r| {
                    let r = r.into_inner();
                    page(r.orders.iter().map(grpc_order).collect(), &r.next_page_token)
                }),
            Call::GetOrder { id } => orders
                .get_order(request(key, pb::GetOrderRequest { id: *id }))
                .await
                .map(|r| grpc_order(r.get_ref().order.as_ref().expect("order"))),
            Call::CreateOrder { user_id, items } => orders
                .create_order(request(
                    key,
                    pb::CreateOrderRequest {
                        user_id: *user_id,
                        items: items
                            .iter()
                            .map(|(product_id, quantity)| pb::NewOrderItem {
                                product_id: *product_id,
                                quantity: *quantity,
                            })
                            .collect(),
                    },
                ))
                .await
                .map(|r| grpc_order(r.get_ref().order.as_ref().expect("order"))),
            Call::UpdateOrderStatus { id, status } => orders
                .update_order_status(request(
                    key,
                    pb::UpdateOrderStatusRequest { id: *id, status: proto_status(status) },
                ))
                .await
                .map(|r| grpc_order(r.get_ref().order.as_ref().expect("order"))),
            Call::DeleteOrder { id } => {
                orders.delete_order(request(key, pb::DeleteOrderRequest { id: *id })).await.map(|_| Value::Null)
            }
            Call::SetMaintenance { enabled, retry_after } => admin
                .set_maintenance(request(
                    key,
                    pb::SetMaintenanceRequest { enabled: *enabled, retry_after_seconds: *retry_after },
                ))
                .await
                .map(|r| json!({"enabled": r.get_ref().enabled, "retryAfter": r.get_ref().retry_after_seconds})),
        };
        result.map_err(|status| {
            let info = status.get_details_error_info().unwrap_or_else(|| panic!("ErrorInfo in {status:?}"));
            assert_eq!(info.domain, "api-playground");
            if status.code() == tonic::Code::Unavailable {
                assert!(status.get_details_retry_info().is_some_and(|r| r.retry_delay.is_some()), "{status:?}");
            }
            info.reason
        })
    }

    async fn websocket(&self, key: Key, call: &Call) -> Outcome {
        let (method, params) = match call {
            Call::ListUsers { limit, cursor } => ("users.list", json!({"limit": limit, "cursor": cursor})),
            Call::GetUser { id } => ("users.get", json!({"id": id})),
            Call::CreateUser { name, email } => ("users.create", json!({"name": name, "email": email})),
            Call::UpdateUser { id, name, email } => {
                let mut params = json!({"id": id});
                if let Some(name) = name {
                    params["name"] = json!(name);
                }
                if let Some(email) = email {
                    params["email"] = json!(email);
                }
                ("users.update", params)
            }
            Call::DeleteUser { id } => ("users.delete", json!({"id": id})),
            Call::ListProducts { limit, cursor } => ("products.list", json!({"limit": limit, "cursor": cursor})),
            Call::GetProduct { id } => ("products.get", json!({"id": id})),
            Call::ListUserOrders { user_id, status } => {
                ("orders.listByUser", json!({"userId": user_id, "status": status, "limit": 100}))
            }
            Call::GetOrder { id } => ("orders.get", json!({"id": id})),
            Call::CreateOrder { user_id, items } => (
                "orders.create",
                json!({"userId": user_id, "items": items.iter().map(|(p, q)| json!({"productId": p, "quantity": q})).collect::<Vec<_>>()}),
            ),
            Call::UpdateOrderStatus { id, status } => ("orders.updateStatus", json!({"id": id, "status": status})),
            Call::DeleteOrder { id } => ("orders.delete", json!({"id": id})),
            Call::SetMaintenance { enabled, retry_after } => {
                ("admin.setMaintenance", json!({"enabled": enabled, "retryAfter": retry_after}))
            }
        };
        let mut socket = self.ws_connect(key).await;
        let request = json!({"jsonrpc": "2.0", "id": 7, "method": method, "params": params});
        socket.send(Message::text(request.to_string())).await.expect("send");
        let reply = match socket.next().await {
            Some(Ok(Message::Text(text))) => serde_json::from_str::<Value>(&text).expect("JSON-RPC reply"),
            Some(Ok(Message::Close(Some(frame)))) if frame.code == 1008u16.into() => {
                return Err("UNAUTHENTICATED".into())
            }
            // Maintenance refuses the whole connection: 1013, try again later.
            Some(Ok(Message::Close(Some(frame)))) if frame.code == 1013u16.into() => {
                assert!(frame.reason.contains("retry after"), "{frame:?}");
                return Err("UNAVAILABLE".into());
            }
            other => panic!("unexpected WebSocket answer {other:?}"),
        };
        assert_eq!(reply["jsonrpc"], "2.0");
        assert_eq!(reply["id"], 7);
        match reply.get("error") {
            Some(error) => {
                assert!(error["code"].is_i64(), "{reply}");
                Err(error["data"]["code"].as_str().expect("error.data.code").to_owned())
            }
            None => Ok(reply["result"].clone()),
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

    async fn soap(&self, key: Key, call: &Call) -> Outcome {
        let element = |name: &str, value: &str| format!("<{name}>{value}</{name}>");
        let (operation, content) = match call {
            Call::ListUsers { limit, cursor } => (
                "ListUsers",
                format!(
                    "{}{}",
                    limit.map(|l| element("Limit", &l.to_string())).unwrap_or_default(),
                    cursor.as_deref().map(|c| element("Cursor", c)).unwrap_or_default()
                ),
            ),
            Call::GetUser { id } => ("GetUser", element("Id", &id.to_string())),
            Call::CreateUser { name, email } => {
                ("CreateUser", format!("{}{}", element("Name", name), element("Email", email)))
            }
            Call::UpdateUser { id, name, email } => (
                "UpdateUser",
                format!(
                    "{}{}{}",
                    element("Id", &id.to_string()),
                    name.as_deref().map(|n| element("Name", n)).unwrap_or_default(),
                    email.as_deref().map(|e| element("Email", e)).unwrap_or_default()
                ),
            ),
            Call::DeleteUser { id } => ("DeleteUser", element("Id", &id.to_string())),
            Call::ListProducts { limit, cursor } => (
                "ListProducts",
                format!(
                    "{}{}",
                    limit.map(|l| element("Limit", &l.to_string())).unwrap_or_default(),
                    cursor.as_deref().map(|c| element("Cursor", c)).unwrap_or_default()
                ),
            ),
            Call::GetProduct { id } => ("GetProduct", element("Id", &id.to_string())),
            Call::ListUserOrders { user_id, status } => (
                "ListUserOrders",
                format!(
                    "{}{}{}",
                    element("UserId", &user_id.to_string()),
                    status.map(|s| element("Status", s)).unwrap_or_default(),
                    element("Limit", "100")
                ),
            ),
            Call::GetOrder { id } => ("GetOrder", element("Id", &id.to_string())),
            Call::CreateOrder { user_id, items } => (
                "CreateOrder",
                format!(
                    "{}{}",
                    element("UserId", &user_id.to_string()),
                    element(
                        "Items",
                        &items
                            .iter()
                            .map(|(p, q)| element(
                                "Item",
                                &format!(
                                    "{}{}",
                                    element("ProductId", &p.to_string()),
                                    element("Quantity", &q.to_string())
                                )
                            ))
                            .collect::<String>()
                    )
                ),
            ),
            Call::UpdateOrderStatus { id, status } => {
                ("UpdateOrderStatus", format!("{}{}", element("Id", &id.to_string()), element("Status", status)))
            }
            Call::DeleteOrder { id } => ("DeleteOrder", element("Id", &id.to_string())),
            Call::SetMaintenance { enabled, retry_after } => (
                "SetMaintenance",
                format!(
                    "{}{}",
                    element("Enabled", &enabled.to_string()),
                    retry_after.map(|r| element("RetryAfter", &r.to_string())).unwrap_or_default()
                ),
            ),
        };
        let envelope = format!(
            r#"<?xml version="1.0"?><env:Envelope xmlns:env="http://schemas.xmlsoap.org/soap/envelope/"><env:Body><p:{operation} xmlns:p="urn:api-playground:v1">{}</p:{operation}></env:Body></env:Envelope>"#,
            content.replace('<', "<p:").replace("<p:/", "</p:")
        );
        let mut request = self
            .http
            .post(format!("{}/soap", self.base))
            .header("content-type", "text/xml; charset=utf-8")
            .header("soapaction", format!("\"urn:api-playground:v1/{operation}\""))
            .body(envelope);
        if let Some(value) = key.value() {
            request = request.header("x-api-key", value);
        }
        let response = request.send().await.expect("SOAP request");
        let status = response.status();
        let tree = xml_to_json(&response.text().await.expect("SOAP body"));
        let body = &tree["Envelope"]["Body"];
        if let Some(fault) = body.get("Fault") {
            assert_eq!(status, reqwest::StatusCode::INTERNAL_SERVER_ERROR, "SOAP 1.1 faults are HTTP 500");
            assert!(fault["faultcode"].is_string() && fault["faultstring"].is_string(), "{fault}");
            let code = fault["detail"]["Error"]["Code"].as_str().expect("detail/Error/Code").to_owned();
            if code == "UNAVAILABLE" {
                assert!(fault["detail"]["Error"]["RetryAfter"].is_string(), "{fault}");
            }
            return Err(code);
        }
        let answer = &body[&format!("{operation}Response")];
        Ok(match call {
            Call::ListUsers { .. } => {
                let users = match &answer["Users"]["User"] {
                    Value::Array(users) => users.iter().map(soap_user).collect(),
                    Value::Null => vec![],
                    one => vec![soap_user(one)],
                };
                json!({"items": users, "nextCursor": answer.get("NextCursor").cloned().unwrap_or(Value::Null)})
            }
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
}

/// A list page in the common form; an empty token means the last page.
fn page(items: Vec<Value>, next_page_token: &str) -> Value {
    json!({"items": items, "nextCursor": if next_page_token.is_empty() { Value::Null } else { json!(next_page_token) }})
}

/// A repeated XML element: none, one (an object) or many (an array).
fn soap_list(value: &Value) -> Vec<Value> {
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

fn proto_status(status: &str) -> i32 {
    pb::OrderStatus::from_str_name(&format!("ORDER_STATUS_{}", status.to_uppercase())).expect("a status") as i32
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
