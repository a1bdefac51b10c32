//! One `Call` written five ways: the REST method and path, the GraphQL document, the gRPC method
//! and protobuf message, the JSON-RPC message, and the SOAP envelope. Credentials go where each
//! protocol carries them (CONTRACT §5).

use bytes::Bytes;
use http::{header, Method, Request};
use playground_proto::pb;
use prost::Message;
use serde_json::{json, Value};

use crate::call::{Call, Credential, PageArgs, Status};

/// The SOAP service's target namespace (and the prefix of every SOAPAction).
pub const SOAP_NAMESPACE: &str = "urn:api-playground:v1";

const USER_AGENT: &str = concat!("api-playground-client/", env!("CARGO_PKG_VERSION"));

/// Where the server is: its socket address, and the authority to name in requests.
#[derive(Debug, Clone)]
pub struct Target {
    pub addr: std::net::SocketAddr,
    pub authority: String,
}

impl Target {
    /// From `http://host:port`; the host must resolve (loopback names do without DNS).
    pub async fn from_url(url: &str) -> anyhow::Result<Target> {
        let authority = url
            .strip_prefix("http://")
            .ok_or_else(|| anyhow::anyhow!("only http:// URLs can be compared (got {url})"))?
            .trim_end_matches('/')
            .to_owned();
        let addr = tokio::net::lookup_host(&authority)
            .await?
            .next()
            .ok_or_else(|| anyhow::anyhow!("{authority} does not resolve"))?;
        Ok(Target { addr, authority })
    }

    pub fn base(&self) -> String {
        format!("http://{}", self.authority)
    }
}

fn with_credential(mut builder: http::request::Builder, credential: &Credential) -> http::request::Builder {
    match credential {
        Credential::None => {}
        Credential::ApiKey(key) => builder = builder.header("x-api-key", key),
        Credential::Bearer(token) => builder = builder.header(header::AUTHORIZATION, format!("Bearer {token}")),
    }
    builder
}

fn page_query(page: &PageArgs) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    if let Some(limit) = page.limit {
        query.append_pair("limit", &limit.to_string());
    }
    if let Some(cursor) = &page.cursor {
        query.append_pair("cursor", cursor);
    }
    let query = query.finish();
    if query.is_empty() {
        query
    } else {
        format!("?{query}")
    }
}

/// REST: the method, the resource path and, for writes, a JSON body.
pub fn rest(call: &Call, target: &Target, credential: &Credential) -> anyhow::Result<Request<Bytes>> {
    let (method, path, body) = match call {
        Call::ListUsers(page) => (Method::GET, format!("/users{}", page_query(page)), None),
        Call::GetUser(args) => (Method::GET, format!("/users/{}", args.id), None),
        Call::CreateUser(args) => (Method::POST, "/users".to_owned(), Some(json!(args))),
        Call::UpdateUser(args) => {
            let mut body = json!(args);
            body.as_object_mut().map(|fields| fields.remove("id"));
            (Method::PATCH, format!("/users/{}", args.id), Some(body))
        }
        Call::DeleteUser(args) => (Method::DELETE, format!("/users/{}", args.id), None),
        Call::ListProducts(page) => (Method::GET, format!("/products{}", page_query(page)), None),
        Call::GetProduct(args) => (Method::GET, format!("/products/{}", args.id), None),
        Call::ListUserOrders(args) => {
            let query = args.status.map(|status| format!("?status={}", status.as_str())).unwrap_or_default();
            (Method::GET, format!("/users/{}/orders{query}", args.user_id), None)
        }
        Call::GetOrder(args) => (Method::GET, format!("/orders/{}", args.id), None),
        Call::CreateOrder(args) => {
            (Method::POST, format!("/users/{}/orders", args.user_id), Some(json!({"items": args.items})))
        }
        Call::UpdateOrderStatus(args) => {
            (Method::PATCH, format!("/orders/{}", args.id), Some(json!({"status": args.status})))
        }
        Call::DeleteOrder(args) => (Method::DELETE, format!("/orders/{}", args.id), None),
        Call::SetMaintenance(args) => (Method::PUT, "/admin/maintenance".to_owned(), Some(json!(args))),
    };
    let mut builder = with_credential(
        Request::builder()
            .method(method)
            .uri(format!("/api/v1{path}"))
            .header(header::HOST, &target.authority)
            .header(header::USER_AGENT, USER_AGENT)
            .header(header::ACCEPT, "application/json"),
        credential,
    );
    let body = match body {
        Some(body) => {
            builder = builder.header(header::CONTENT_TYPE, "application/json");
            Bytes::from(body.to_string())
        }
        None => Bytes::new(),
    };
    Ok(builder.body(body)?)
}

const USER_FIELDS: &str = "id name email createdAt";
const PRODUCT_FIELDS: &str = "id sku name priceCents currency stock";
const ORDER_FIELDS: &str =
    "id user { id } items { product { id } quantity unitPriceCents } totalCents currency status createdAt updatedAt";

/// The GraphQL document and variables of a call.
pub fn graphql_document(call: &Call) -> (String, Value) {
    let page = |field: &str, fields: &str, args: &PageArgs| {
        (
            format!("query($first: Int, $after: String) {{ {field}(first: $first, after: $after) {{ edges {{ node {{ {fields} }} }} pageInfo {{ endCursor hasNextPage }} }} }}"),
            json!({"first": args.limit, "after": args.cursor}),
        )
    };
    let upper = |status: Status| status.as_str().to_uppercase();
    match call {
        Call::ListUsers(args) => page("users", USER_FIELDS, args),
        Call::GetUser(args) => {
            (format!("query($id: ID!) {{ user(id: $id) {{ {USER_FIELDS} }} }}"), json!({"id": args.id.to_string()}))
        }
        Call::CreateUser(args) => (
            format!("mutation($input: CreateUserInput!) {{ createUser(input: $input) {{ {USER_FIELDS} }} }}"),
            json!({"input": {"name": args.name, "email": args.email}}),
        ),
        Call::UpdateUser(args) => (
            format!("mutation($id: ID!, $input: UpdateUserInput!) {{ updateUser(id: $id, input: $input) {{ {USER_FIELDS} }} }}"),
            json!({"id": args.id.to_string(), "input": {"name": args.name, "email": args.email}}),
        ),
        Call::DeleteUser(args) => {
            ("mutation($id: ID!) { deleteUser(id: $id) }".to_owned(), json!({"id": args.id.to_string()}))
        }
        Call::ListProducts(args) => page("products", PRODUCT_FIELDS, args),
        Call::GetProduct(args) => (
            format!("query($id: ID!) {{ product(id: $id) {{ {PRODUCT_FIELDS} }} }}"),
            json!({"id": args.id.to_string()}),
        ),
        Call::ListUserOrders(args) => (
            format!("query($id: ID!, $status: OrderStatus) {{ user(id: $id) {{ orders(status: $status) {{ {ORDER_FIELDS} }} }} }}"),
            json!({"id": args.user_id.to_string(), "status": args.status.map(upper)}),
        ),
        Call::GetOrder(args) => {
            (format!("query($id: ID!) {{ order(id: $id) {{ {ORDER_FIELDS} }} }}"), json!({"id": args.id.to_string()}))
        }
        Call::CreateOrder(args) => (
            format!("mutation($input: CreateOrderInput!) {{ createOrder(input: $input) {{ {ORDER_FIELDS} }} }}"),
            json!({"input": {
                "userId": args.user_id.to_string(),
                "items": args.items.iter().map(|item| json!({"productId": item.product_id.to_string(), "quantity": item.quantity})).collect::<Vec<_>>(),
            }}),
        ),
        Call::UpdateOrderStatus(args) => (
            format!("mutation($id: ID!, $status: OrderStatus!) {{ updateOrderStatus(id: $id, status: $status) {{ {ORDER_FIELDS} }} }}"),
            json!({"id": args.id.to_string(), "status": upper(args.status)}),
        ),
        Call::DeleteOrder(args) => {
            ("mutation($id: ID!) { deleteOrder(id: $id) }".to_owned(), json!({"id": args.id.to_string()}))
        }
        Call::SetMaintenance(args) => (
            "mutation($enabled: Boolean!, $retryAfter: Int) { setMaintenance(enabled: $enabled, retryAfter: $retryAfter) { enabled retryAfter } }".to_owned(),
            json!({"enabled": args.enabled, "retryAfter": args.retry_after}),
        ),
    }
}

/// GraphQL: one endpoint, a POSTed document.
pub fn graphql(call: &Call, target: &Target, credential: &Credential) -> anyhow::Result<Request<Bytes>> {
    let (query, variables) = graphql_document(call);
    let body = json!({"query": query, "variables": variables}).to_string();
    Ok(with_credential(
        Request::builder()
            .method(Method::POST)
            .uri("/graphql")
            .header(header::HOST, &target.authority)
            .header(header::USER_AGENT, USER_AGENT)
            .header(header::CONTENT_TYPE, "application/json"),
        credential,
    )
    .body(Bytes::from(body))?)
}

fn proto_status(status: Status) -> i32 {
    (match status {
        Status::Pending => pb::OrderStatus::Pending,
        Status::Paid => pb::OrderStatus::Paid,
        Status::Shipped => pb::OrderStatus::Shipped,
        Status::Delivered => pb::OrderStatus::Delivered,
        Status::Cancelled => pb::OrderStatus::Cancelled,
    }) as i32
}

/// The gRPC service of a call and its protobuf request message.
pub fn grpc_message(call: &Call) -> (&'static str, Vec<u8>) {
    let page = |args: &PageArgs| (args.limit.map_or(0, |l| l as i32), args.cursor.clone().unwrap_or_default());
    match call {
        Call::ListUsers(args) => {
            let (page_size, page_token) = page(args);
            ("UserService", pb::ListUsersRequest { page_size, page_token }.encode_to_vec())
        }
        Call::GetUser(args) => ("UserService", pb::GetUserRequest { id: args.id }.encode_to_vec()),
        Call::CreateUser(args) => (
            "UserService",
            pb::CreateUserRequest { name: args.name.clone(), email: args.email.clone() }.encode_to_vec(),
        ),
        Call::UpdateUser(args) => {
            let paths = [("name", &args.name), ("email", &args.email)]
                .into_iter()
                .filter(|(_, value)| value.is_some())
                .map(|(path, _)| path.to_owned())
                .collect();
            let user = pb::User {
                id: args.id,
                name: args.name.clone().unwrap_or_default(),
                email: args.email.clone().unwrap_or_default(),
                created_at: None,
            };
            let request =
                pb::UpdateUserRequest { user: Some(user), update_mask: Some(prost_types::FieldMask { paths }) };
            ("UserService", request.encode_to_vec())
        }
        Call::DeleteUser(args) => ("UserService", pb::DeleteUserRequest { id: args.id }.encode_to_vec()),
        Call::ListProducts(args) => {
            let (page_size, page_token) = page(args);
            ("ProductService", pb::ListProductsRequest { page_size, page_token }.encode_to_vec())
        }
        Call::GetProduct(args) => ("ProductService", pb::GetProductRequest { id: args.id }.encode_to_vec()),
        Call::ListUserOrders(args) => {
            let request = pb::ListUserOrdersRequest {
                user_id: args.user_id,
                status: args.status.map_or(0, proto_status),
                page_size: 0,
                page_token: String::new(),
            };
            ("OrderService", request.encode_to_vec())
        }
        Call::GetOrder(args) => ("OrderService", pb::GetOrderRequest { id: args.id }.encode_to_vec()),
        Call::CreateOrder(args) => {
            let items = args
                .items
                .iter()
                .map(|item| pb::NewOrderItem { product_id: item.product_id, quantity: item.quantity })
                .collect();
            ("OrderService", pb::CreateOrderRequest { user_id: args.user_id, items }.encode_to_vec())
        }
        Call::UpdateOrderStatus(args) => (
            "OrderService",
            pb::UpdateOrderStatusRequest { id: args.id, status: proto_status(args.status) }.encode_to_vec(),
        ),
        Call::DeleteOrder(args) => ("OrderService", pb::DeleteOrderRequest { id: args.id }.encode_to_vec()),
        Call::SetMaintenance(args) => (
            "AdminService",
            pb::SetMaintenanceRequest { enabled: args.enabled, retry_after_seconds: args.retry_after }.encode_to_vec(),
        ),
    }
}

/// The gRPC method path of a call, e.g. `/playground.v1.UserService/GetUser`.
pub fn grpc_path(call: &Call) -> String {
    format!("/playground.v1.{}/{}", grpc_message(call).0, call.pascal())
}

/// gRPC: an HTTP/2 POST whose body is one length-prefixed protobuf message.
pub fn grpc(call: &Call, target: &Target, credential: &Credential) -> anyhow::Result<Request<Bytes>> {
    let (_, message) = grpc_message(call);
    let mut body = Vec::with_capacity(5 + message.len());
    body.push(0);
    body.extend_from_slice(&u32::try_from(message.len())?.to_be_bytes());
    body.extend_from_slice(&message);
    Ok(with_credential(
        Request::builder()
            .method(Method::POST)
            .uri(format!("http://{}{}", target.authority, grpc_path(call)))
            .header(header::CONTENT_TYPE, "application/grpc")
            .header(header::TE, "trailers")
            .header(header::USER_AGENT, USER_AGENT),
        credential,
    )
    .body(Bytes::from(body))?)
}

/// The JSON-RPC method of a call on `/ws`.
pub fn jsonrpc_method(call: &Call) -> &'static str {
    match call {
        Call::ListUsers(_) => "users.list",
        Call::GetUser(_) => "users.get",
        Call::CreateUser(_) => "users.create",
        Call::UpdateUser(_) => "users.update",
        Call::DeleteUser(_) => "users.delete",
        Call::ListProducts(_) => "products.list",
        Call::GetProduct(_) => "products.get",
        Call::ListUserOrders(_) => "orders.listByUser",
        Call::GetOrder(_) => "orders.get",
        Call::CreateOrder(_) => "orders.create",
        Call::UpdateOrderStatus(_) => "orders.updateStatus",
        Call::DeleteOrder(_) => "orders.delete",
        Call::SetMaintenance(_) => "admin.setMaintenance",
    }
}

/// The JSON-RPC message of a call.
pub fn jsonrpc_message(call: &Call) -> String {
    json!({"jsonrpc": "2.0", "id": 1, "method": jsonrpc_method(call), "params": call.params()}).to_string()
}

/// WebSocket: the upgrade request (credential in its headers) and the JSON-RPC message.
pub fn websocket(call: &Call, target: &Target, credential: &Credential) -> anyhow::Result<(Request<()>, String)> {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let mut upgrade = format!("ws://{}/ws", target.authority).into_client_request()?;
    let headers = upgrade.headers_mut();
    headers.insert(header::USER_AGENT, http::HeaderValue::from_static(USER_AGENT));
    match credential {
        Credential::None => {}
        Credential::ApiKey(key) => {
            headers.insert("x-api-key", key.parse()?);
        }
        Credential::Bearer(token) => {
            headers.insert(header::AUTHORIZATION, format!("Bearer {token}").parse()?);
        }
    }
    Ok((upgrade, jsonrpc_message(call)))
}

fn element(name: &str, value: impl std::fmt::Display) -> String {
    format!("<p:{name}>{}</p:{name}>", quick_xml::escape::escape(value.to_string()))
}

fn optional(name: &str, value: Option<impl std::fmt::Display>) -> String {
    value.map(|value| element(name, value)).unwrap_or_default()
}

/// The SOAP body element's content of a call, PascalCase as the WSDL declares it.
fn soap_content(call: &Call) -> String {
    match call {
        Call::ListUsers(args) | Call::ListProducts(args) => {
            optional("Limit", args.limit) + &optional("Cursor", args.cursor.as_deref())
        }
        Call::GetUser(args)
        | Call::DeleteUser(args)
        | Call::GetProduct(args)
        | Call::GetOrder(args)
        | Call::DeleteOrder(args) => element("Id", args.id),
        Call::CreateUser(args) => element("Name", &args.name) + &element("Email", &args.email),
        Call::UpdateUser(args) => {
            element("Id", args.id) + &optional("Name", args.name.as_deref()) + &optional("Email", args.email.as_deref())
        }
        Call::ListUserOrders(args) => {
            element("UserId", args.user_id) + &optional("Status", args.status.map(Status::as_str))
        }
        Call::CreateOrder(args) => {
            let items: String = args
                .items
                .iter()
                .map(|item| {
                    format!(
                        "<p:Item>{}{}</p:Item>",
                        element("ProductId", item.product_id),
                        element("Quantity", item.quantity)
                    )
                })
                .collect();
            element("UserId", args.user_id) + &format!("<p:Items>{items}</p:Items>")
        }
        Call::UpdateOrderStatus(args) => element("Id", args.id) + &element("Status", args.status.as_str()),
        Call::SetMaintenance(args) => element("Enabled", args.enabled) + &optional("RetryAfter", args.retry_after),
    }
}

/// The SOAP 1.1 envelope of a call.
pub fn soap_envelope(call: &Call) -> String {
    let operation = call.pascal();
    format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\" xmlns:p=\"{SOAP_NAMESPACE}\">\n  <soap:Body>\n    <p:{operation}>{}</p:{operation}>\n  </soap:Body>\n</soap:Envelope>\n",
        soap_content(call)
    )
}

/// SOAP 1.1: an envelope POSTed to one endpoint, the operation named in `SOAPAction`.
pub fn soap(call: &Call, target: &Target, credential: &Credential) -> anyhow::Result<Request<Bytes>> {
    Ok(with_credential(
        Request::builder()
            .method(Method::POST)
            .uri("/soap")
            .header(header::HOST, &target.authority)
            .header(header::USER_AGENT, USER_AGENT)
            .header(header::CONTENT_TYPE, "text/xml; charset=utf-8")
            .header("soapaction", format!("\"{SOAP_NAMESPACE}/{}\"", call.pascal())),
        credential,
    )
    .body(Bytes::from(soap_envelope(call)))?)
}
