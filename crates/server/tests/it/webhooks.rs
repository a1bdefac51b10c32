//! Webhooks: the registry answers alike on all five protocols; deliveries are signed, in order
//! per hook, retried until a receiver takes them, and never hold up the write that made the
//! event; targets outside the allowed addresses are refused.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use futures_util::{SinkExt, StreamExt};
use parking_lot::Mutex;
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::Message;

use api_playground::pb;
use api_playground::pb::webhook_service_client::WebhookServiceClient;

use crate::helpers::{soap_list, spawn_app, xml_to_json, Key, TestApp, ADMIN_KEY};

const WRITE: &str = "demo-write-key";
const READ: &str = "demo-read-key";

/// One registry call, on one protocol: Ok(result as REST shapes it) or Err(canonical code).
#[derive(Debug, Clone, Copy, PartialEq)]
enum Face {
    Rest,
    Graphql,
    Grpc,
    JsonRpc,
    Soap,
}

const FACES: [Face; 5] = [Face::Rest, Face::Graphql, Face::Grpc, Face::JsonRpc, Face::Soap];

async fn grpc(app: &TestApp) -> WebhookServiceClient<tonic::transport::Channel> {
    let channel = tonic::transport::Endpoint::from_shared(app.base.clone()).expect("url").connect().await.expect("h2c");
    WebhookServiceClient::new(channel)
}

/// A gRPC request carrying the key as metadata.
fn keyed<T>(key: &str, message: T) -> tonic::Request<T> {
    let mut request = tonic::Request::new(message);
    request.metadata_mut().insert("x-api-key", key.parse().expect("ascii"));
    request
}

fn grpc_code(status: tonic::Status) -> String {
    match status.code() {
        tonic::Code::InvalidArgument => "INVALID_ARGUMENT",
        tonic::Code::Unauthenticated => "UNAUTHENTICATED",
        tonic::Code::PermissionDenied => "PERMISSION_DENIED",
        tonic::Code::NotFound => "NOT_FOUND",
        other => panic!("unexpected gRPC status {other:?}: {status:?}"),
    }
    .to_owned()
}

/// One SOAP 1.1 call: Ok(the response element as JSON) or Err(the fault's canonical code).
async fn soap(app: &TestApp, key: &str, operation: &str, content: &str) -> Result<Value, String> {
    let envelope = format!(
        r#"<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><{operation} xmlns="urn:api-playground:v1">{content}</{operation}></soap:Body></soap:Envelope>"#
    );
    let answer = app
        .http
        .post(format!("{}/soap", app.base))
        .header("x-api-key", key)
        .header("content-type", "text/xml; charset=utf-8")
        .header("soapaction", format!("\"urn:api-playground:v1/{operation}\""))
        .body(envelope)
        .send()
        .await
        .expect("soap")
        .text()
        .await
        .expect("body");
    let tree = xml_to_json(&answer);
    let body = &tree["Envelope"]["Body"];
    match body.get("Fault") {
        Some(fault) => Err(fault["detail"]["Error"]["Code"].as_str().expect("code").to_owned()),
        None => Ok(body[format!("{operation}Response")].clone()),
    }
}

async fn rest(
    app: &TestApp,
    key: &str,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> Result<Value, String> {
    let mut request = app.http.request(method, format!("{}/api/v1/webhooks{path}", app.base)).header("x-api-key", key);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let answer = request.send().await.expect("rest");
    let status = answer.status();
    let text = answer.text().await.expect("body");
    if status.is_success() {
        return Ok(if text.is_empty() { Value::Null } else { serde_json::from_str(&text).expect("json") });
    }
    let problem: Value = serde_json::from_str(&text).expect("problem");
    Err(problem["code"].as_str().expect("code").to_owned())
}

async fn graphql(app: &TestApp, key: &str, query: &str) -> Result<Value, String> {
    let answer: Value = app
        .http
        .post(format!("{}/graphql", app.base))
        .header("x-api-key", key)
        .json(&json!({"query": query}))
        .send()
        .await
        .expect("graphql")
        .json()
        .await
        .expect("json");
    match answer["errors"].get(0) {
        Some(error) => Err(error["extensions"]["canonicalCode"].as_str().expect("canonicalCode").to_owned()),
        None => Ok(answer["data"].clone()),
    }
}

async fn jsonrpc(app: &TestApp, key: &str, method: &str, params: Value) -> Result<Value, String> {
    let key = match key {
        WRITE => Key::Write,
        READ => Key::Read,
        ADMIN_KEY => Key::Admin,
        _ => Key::Wrong,
    };
    let mut socket = app.ws_connect(key).await;
    let message = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
    socket.send(Message::text(message.to_string())).await.expect("send");
    let reply = match socket.next().await {
        Some(Ok(Message::Text(reply))) => reply,
        // A refused credential: the upgrade is accepted, then closed 1008 with the reason.
        Some(Ok(Message::Close(Some(frame)))) if u16::from(frame.code) == 1008 => return Err("UNAUTHENTICATED".into()),
        other => panic!("no reply: {other:?}"),
    };
    let reply: Value = serde_json::from_str(&reply).expect("json");
    match reply.get("error") {
        Some(error) => Err(error["data"]["code"].as_str().expect("code").to_owned()),
        None => Ok(reply["result"].clone()),
    }
}

/// The hooks a caller sees, as ids, on one face.
async fn list(app: &TestApp, face: Face, key: &str) -> Vec<u64> {
    let ids = |items: &Value, field: &str| -> Vec<u64> {
        items
            .as_array()
            .expect("list")
            .iter()
            .map(|h| h[field].as_str().map_or_else(|| h[field].as_u64().expect("id"), |s| s.parse().expect("id")))
            .collect()
    };
    match face {
        Face::Rest => ids(&rest(app, key, reqwest::Method::GET, "", None).await.expect("list")["items"], "id"),
        Face::Graphql => ids(&graphql(app, key, "{ webhooks { id } }").await.expect("list")["webhooks"], "id"),
        Face::JsonRpc => ids(&jsonrpc(app, key, "webhooks.list", json!({})).await.expect("list")["items"], "id"),
        Face::Grpc => {
            let listed = grpc(app).await.list_webhooks(keyed(key, pb::ListWebhooksRequest {})).await.expect("list");
            listed.into_inner().webhooks.iter().map(|hook| hook.id).collect()
        }
        Face::Soap => {
            let listed = soap(app, key, "ListWebhooks", "").await.expect("list");
            ids(&Value::Array(soap_list(&listed["Webhooks"]["Webhook"])), "Id")
        }
    }
}

async fn create(app: &TestApp, face: Face, key: &str, url: &str) -> Result<(u64, String), String> {
    let (id, secret) = match face {
        Face::Rest => {
            let hook =
                rest(app, key, reqwest::Method::POST, "", Some(json!({"url": url, "types": ["user.updated"]}))).await?;
            (hook["id"].as_u64(), hook["secret"].clone())
        }
        Face::Graphql => {
            let query = format!("mutation {{ createWebhook(input: {{url: {url:?}, types: [USER_UPDATED]}}) {{ secret webhook {{ id types }} }} }}");
            let created = graphql(app, key, &query).await?;
            let created = &created["createWebhook"];
            assert_eq!(created["webhook"]["types"], json!(["USER_UPDATED"]));
            (created["webhook"]["id"].as_str().and_then(|id| id.parse().ok()), created["secret"].clone())
        }
        Face::JsonRpc => {
            let hook = jsonrpc(app, key, "webhooks.create", json!({"url": url, "types": ["user.updated"]})).await?;
            (hook["id"].as_u64(), hook["secret"].clone())
        }
        Face::Grpc => {
            let request =
                pb::CreateWebhookRequest { url: url.to_owned(), types: vec![pb::EventType::UserUpdated as i32] };
            let created = grpc(app).await.create_webhook(keyed(key, request)).await.map_err(grpc_code)?.into_inner();
            let hook = created.webhook.expect("the hook");
            assert_eq!(hook.types, [pb::EventType::UserUpdated as i32]);
            (Some(hook.id), Value::from(created.secret))
        }
        Face::Soap => {
            let content = format!("<Url>{url}</Url><Types><Type>user.updated</Type></Types>");
            let created = soap(app, key, "CreateWebhook", &content).await?;
            assert_eq!(created["Webhook"]["Types"]["Type"], "user.updated");
            (created["Webhook"]["Id"].as_str().and_then(|id| id.parse().ok()), created["Secret"].clone())
        }
    };
    Ok((id.expect("an id"), secret.as_str().expect("a secret").to_owned()))
}

async fn delete(app: &TestApp, face: Face, key: &str, id: u64) -> Result<Value, String> {
    match face {
        Face::Rest => rest(app, key, reqwest::Method::DELETE, &format!("/{id}"), None).await,
        Face::Graphql => graphql(app, key, &format!("mutation {{ deleteWebhook(id: \"{id}\") }}")).await,
        Face::JsonRpc => jsonrpc(app, key, "webhooks.delete", json!({"id": id})).await,
        Face::Grpc => {
            grpc(app).await.delete_webhook(keyed(key, pb::DeleteWebhookRequest { id })).await.map_err(grpc_code)?;
            Ok(Value::Null)
        }
        Face::Soap => soap(app, key, "DeleteWebhook", &format!("<Id>{id}</Id>")).await,
    }
}

async fn deliveries(app: &TestApp, face: Face, key: &str, id: u64) -> Result<Vec<Value>, String> {
    let items = match face {
        Face::Rest => rest(app, key, reqwest::Method::GET, &format!("/{id}/deliveries"), None).await?["items"].clone(),
        Face::Graphql => {
            let query = format!(
                "{{ webhookDeliveries(id: \"{id}\") {{ eventSeq messageId attempt status latencyMs error }} }}"
            );
            graphql(app, key, &query).await?["webhookDeliveries"].clone()
        }
        Face::JsonRpc => jsonrpc(app, key, "webhooks.deliveries", json!({"id": id})).await?["items"].clone(),
        Face::Grpc => {
            let request = pb::ListWebhookDeliveriesRequest { id };
            let log =
                grpc(app).await.list_webhook_deliveries(keyed(key, request)).await.map_err(grpc_code)?.into_inner();
            log.deliveries.iter().map(|d| json!({"status": d.status, "attempt": d.attempt})).collect()
        }
        Face::Soap => {
            let log = soap(app, key, "ListWebhookDeliveries", &format!("<Id>{id}</Id>")).await?;
            let statuses = soap_list(&log["Deliveries"]["Delivery"]);
            statuses
                .iter()
                .map(|d| json!({"status": d["Status"].as_str().and_then(|s| s.parse::<u64>().ok()), "attempt": d["Attempt"]}))
                .collect()
        }
    };
    Ok(items.as_array().expect("items").clone())
}

async fn write(app: &TestApp, user: u64, name: &str) {
    let answer = app
        .http
        .patch(format!("{}/api/v1/users/{user}", app.base))
        .header("x-api-key", WRITE)
        .json(&json!({"name": name}))
        .send()
        .await
        .expect("patch");
    assert_eq!(answer.status(), 200);
}

async fn eventually<F: std::future::Future<Output = bool>>(mut check: impl FnMut() -> F) {
    for _ in 0..200 {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the condition did not hold within 10 s");
}

#[tokio::test]
async fn the_registry_answers_alike_on_every_protocol() {
    let app = spawn_app().await;
    let inbox = format!("{}/api/v1/webhooks/inbox/registry", app.base);
    for face in FACES {
        let (id, secret) = create(&app, face, WRITE, &inbox).await.expect("created");
        assert!(secret.starts_with("whsec_") && STANDARD.decode(&secret[6..]).is_ok(), "{face:?}: {secret}");
        assert!(list(&app, face, WRITE).await.contains(&id), "{face:?}");
        // Another caller neither sees it nor can touch it: NOT_FOUND, not PERMISSION_DENIED.
        assert!(!list(&app, face, READ).await.contains(&id), "{face:?}");
        assert_eq!(delete(&app, face, READ, id).await.map(|_| ()), Err("NOT_FOUND".into()), "{face:?}");
        assert_eq!(deliveries(&app, face, READ, id).await.map(|_| ()), Err("NOT_FOUND".into()), "{face:?}");
        assert!(list(&app, face, ADMIN_KEY).await.contains(&id), "{face:?}: admin sees every hook");
        // Outside loopback and [webhooks] allow: refused at registration.
        assert_eq!(create(&app, face, WRITE, "http://10.9.9.9/hook").await.map(|_| ()), Err("INVALID_ARGUMENT".into()));
        assert_eq!(
            create(&app, face, WRITE, "http://example.com/hook").await.map(|_| ()),
            Err("INVALID_ARGUMENT".into())
        );
        assert_eq!(create(&app, face, "no-such-key", &inbox).await.map(|_| ()), Err("UNAUTHENTICATED".into()));
        write(&app, 2, &format!("Registry {face:?}")).await;
        eventually(|| async { deliveries(&app, face, WRITE, id).await.is_ok_and(|log| !log.is_empty()) }).await;
        let log = deliveries(&app, face, WRITE, id).await.expect("log");
        assert_eq!(log[0]["status"], 204, "{face:?}: the built-in receiver took it: {log:?}");
        delete(&app, face, WRITE, id).await.expect("deleted");
        assert!(!list(&app, face, WRITE).await.contains(&id));
        assert_eq!(delete(&app, face, WRITE, id).await.map(|_| ()), Err("NOT_FOUND".into()));
    }
}

/// What a receiver saw of each request: webhook-id, webhook-timestamp, webhook-signature, body.
type Seen = Arc<Mutex<Vec<(String, String, String, Vec<u8>)>>>;

/// A receiver on a port of its own: fails each message `failures` times (500), then takes it
/// (204), holding each answer `hold` first; records every request.
struct Receiver {
    url: String,
    seen: Seen,
    answered: Arc<AtomicUsize>,
    release: Arc<AtomicBool>,
}

async fn receiver(failures: usize, hold_until_released: bool) -> Receiver {
    use poem::{handler, Body, EndpointExt, Request, Response, Route};
    let seen: Seen = Arc::default();
    let answered = Arc::new(AtomicUsize::new(0));
    let release = Arc::new(AtomicBool::new(!hold_until_released));
    #[handler]
    async fn take(request: &Request, body: Body, state: poem::web::Data<&ReceiverState>) -> Response {
        let header = |name: &str| request.header(name).unwrap_or("").to_owned();
        let id = header("webhook-id");
        let bytes = body.into_vec().await.unwrap_or_default();
        state.seen.lock().push((id.clone(), header("webhook-timestamp"), header("webhook-signature"), bytes));
        while !state.release.load(Ordering::SeqCst) {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let attempts = state.seen.lock().iter().filter(|(seen, ..)| *seen == id).count();
        state.answered.fetch_add(1, Ordering::SeqCst);
        let status = if attempts <= state.failures { 500 } else { 204 };
        Response::builder().status(poem::http::StatusCode::from_u16(status).expect("status")).finish()
    }
    #[derive(Clone)]
    struct ReceiverState {
        seen: Seen,
        answered: Arc<AtomicUsize>,
        release: Arc<AtomicBool>,
        failures: usize,
    }
    let state = ReceiverState { seen: seen.clone(), answered: answered.clone(), release: release.clone(), failures };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let app = Route::new().at("/hook", poem::post(take)).data(state);
    tokio::spawn(async move {
        let _ = poem::Server::new_with_acceptor(poem::listener::TcpAcceptor::from_tokio(listener).expect("acceptor"))
            .run(app)
            .await;
    });
    Receiver { url: format!("http://{addr}/hook"), seen, answered, release }
}

/// The Standard Webhooks signature, computed here independently.
fn signature(secret: &str, id: &str, timestamp: &str, body: &[u8]) -> String {
    let key = STANDARD.decode(secret.trim_start_matches("whsec_")).expect("base64 secret");
    let key = aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, &key);
    let mut signed = format!("{id}.{timestamp}.").into_bytes();
    signed.extend_from_slice(body);
    format!("v1,{}", STANDARD.encode(aws_lc_rs::hmac::sign(&key, &signed).as_ref()))
}

#[tokio::test]
async fn a_receiver_that_fails_twice_gets_each_event_on_the_third_attempt_in_order() {
    let app = spawn_app().await;
    let receiver = receiver(2, false).await;
    let (id, secret) = create(&app, Face::Rest, WRITE, &receiver.url).await.expect("created");
    for name in ["One", "Two", "Three"] {
        write(&app, 4, name).await;
    }
    eventually(|| async { receiver.answered.load(Ordering::SeqCst) >= 9 }).await;
    let seen = receiver.seen.lock().clone();
    assert_eq!(seen.len(), 9, "three attempts for each of three events");
    let mut names = Vec::new();
    for (message_id, timestamp, sig, body) in &seen {
        assert_eq!(*sig, signature(&secret, message_id, timestamp, body), "every attempt is signed anew");
        let body: Value = serde_json::from_slice(body).expect("json");
        names.push(body["data"]["data"]["name"].as_str().expect("name").to_owned());
    }
    assert_eq!(names, ["One", "One", "One", "Two", "Two", "Two", "Three", "Three", "Three"], "in order, per hook");
    let log = deliveries(&app, Face::Rest, WRITE, id).await.expect("log");
    let statuses: Vec<u64> = log.iter().map(|a| a["status"].as_u64().expect("status")).collect();
    assert_eq!(statuses, [500, 500, 204, 500, 500, 204, 500, 500, 204]);
    let attempts: Vec<u64> = log.iter().map(|a| a["attempt"].as_u64().expect("attempt")).collect();
    assert_eq!(attempts, [1, 2, 3, 1, 2, 3, 1, 2, 3]);
    assert!(log[0]["error"].as_str().is_some_and(|e| e.contains("500")), "{:?}", log[0]);
    let hook = &rest(&app, WRITE, reqwest::Method::GET, "", None).await.expect("list")["items"][0];
    assert_eq!((hook["state"].as_str(), hook["delivered"].as_u64()), (Some("active"), Some(3)));
}

#[tokio::test]
async fn a_slow_receiver_does_not_slow_the_write() {
    let app = spawn_app().await;
    let receiver = receiver(0, true).await;
    create(&app, Face::Rest, WRITE, &receiver.url).await.expect("created");
    write(&app, 5, "Slowly").await;
    eventually(|| async { !receiver.seen.lock().is_empty() }).await;
    // The delivery is held at the receiver, yet the next write answers at once.
    write(&app, 5, "Meanwhile").await;
    assert_eq!(receiver.answered.load(Ordering::SeqCst), 0, "the receiver has not answered yet");
    receiver.release.store(true, Ordering::SeqCst);
    eventually(|| async { receiver.answered.load(Ordering::SeqCst) == 2 }).await;
}

#[tokio::test]
async fn a_dead_target_is_tried_five_times_then_the_hook_is_failing() {
    let app = spawn_app().await;
    // A port nobody listens on.
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind").local_addr().expect("addr");
    let (id, _) = create(&app, Face::Rest, WRITE, &format!("http://{closed}/hook")).await.expect("created");
    write(&app, 6, "Nobody").await;
    eventually(|| async {
        rest(&app, WRITE, reqwest::Method::GET, "", None).await.expect("list")["items"][0]["state"] == "failing"
    })
    .await;
    let log = deliveries(&app, Face::Rest, WRITE, id).await.expect("log");
    assert_eq!(log.len(), 5);
    assert!(
        log.iter()
            .all(|a| a["status"].is_null() && a["error"].as_str().is_some_and(|e| e.contains("could not deliver"))),
        "{log:?}"
    );
}
