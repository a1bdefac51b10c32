//! Who may call, the same on all five protocols: five credentials (none, the read key, the write
//! key, alice's JWT, admin's JWT) × every operation, each answered with one canonical outcome
//! whichever protocol carried it; and the token endpoints themselves.

use playground_client::call::{Call, Credential, Protocol};
use playground_client::compare::{lane, Options};
use playground_client::requests::Target;
use serde_json::{json, Value};

use crate::helpers::{settings, spawn_app, spawn_app_with, TestApp};

async fn login(app: &TestApp, username: &str, password: &str) -> reqwest::Response {
    app.http
        .post(format!("{}/auth/login", app.base))
        .json(&json!({"username": username, "password": password}))
        .send()
        .await
        .expect("login")
}

async fn token(app: &TestApp, username: &str) -> String {
    let answer: Value = login(app, username, &format!("{username}-password")).await.json().await.expect("JSON");
    answer["accessToken"].as_str().expect("accessToken").to_owned()
}

#[tokio::test]
async fn five_credentials_times_every_operation_agree_on_every_protocol() {
    let app = spawn_app().await;
    let target = Target::from_url(&app.base).await.expect("target");
    let credentials = [
        ("none", Credential::None),
        ("read key", Credential::ApiKey("demo-read-key".into())),
        ("write key", Credential::ApiKey("demo-write-key".into())),
        ("alice", Credential::Bearer(token(&app, "alice").await)),
        ("admin", Credential::Bearer(token(&app, "admin").await)),
    ];
    // Arguments that give every protocol the same starting point: `{p}` makes writes unique per
    // lane, ids that do not exist make deletes repeatable. Alice is user 1; order 1 is not hers.
    let operations = [
        ("listUsers", json!({"limit": 2})),
        ("getUser", json!({"id": 42})),
        ("createUser", json!({"name": "Matrix", "email": "{p}-{c}@identity.example"})),
        ("updateUser", json!({"id": 2, "name": "Renamed"})),
        ("deleteUser", json!({"id": 999_999})),
        ("listProducts", json!({"limit": 2})),
        ("getProduct", json!({"id": 1})),
        ("listUserOrders", json!({"userId": 1})),
        ("listUserOrders", json!({"userId": 42})),
        ("getOrder", json!({"id": 1})),
        ("createOrder", json!({"userId": 1, "items": [{"productId": 1, "quantity": 1}]})),
        ("updateOrderStatus", json!({"id": 999_999, "status": "paid"})),
        ("deleteOrder", json!({"id": 999_999})),
        ("setMaintenance", json!({"enabled": false})),
    ];
    let mut outcomes = std::collections::BTreeMap::new();
    for (who, credential) in &credentials {
        for (operation, args) in &operations {
            let mut codes = Vec::new();
            for protocol in Protocol::ALL {
                let text = args.to_string().replace("{p}", protocol.name()).replace("{c}", &who.replace(' ', "-"));
                let call = Call::parse(operation, serde_json::from_str(&text).expect("JSON")).expect("call");
                let lane = lane(protocol, &target, &call, credential, &Options::default()).await;
                assert_eq!(lane.error, None, "{who} {operation} on {}", protocol.name());
                codes.push(lane.code);
            }
            assert!(codes.iter().all(|code| code == &codes[0]), "{who} {operation} {args}: {codes:?}");
            outcomes.insert(format!("{who} {operation} {args}"), codes[0].clone());
        }
    }
    let outcome = |who: &str, operation: &str, args: Value| outcomes[&format!("{who} {operation} {args}")].as_str();
    assert_eq!(outcome("none", "getUser", json!({"id": 42})), "UNAUTHENTICATED");
    assert_eq!(outcome("read key", "updateUser", json!({"id": 2, "name": "Renamed"})), "PERMISSION_DENIED");
    assert_eq!(outcome("write key", "listUserOrders", json!({"userId": 42})), "OK", "a key is bound by scopes only");
    assert_eq!(outcome("alice", "listUserOrders", json!({"userId": 1})), "OK");
    assert_eq!(outcome("alice", "listUserOrders", json!({"userId": 42})), "PERMISSION_DENIED");
    let alices_order = json!({"userId": 1, "items": [{"productId": 1, "quantity": 1}]});
    assert_eq!(outcome("alice", "createOrder", alices_order), "OK");
    assert_eq!(outcome("alice", "setMaintenance", json!({"enabled": false})), "PERMISSION_DENIED");
    assert_eq!(outcome("admin", "listUserOrders", json!({"userId": 42})), "OK");
    assert_eq!(outcome("admin", "setMaintenance", json!({"enabled": false})), "OK");
    assert_eq!(outcome("admin", "deleteOrder", json!({"id": 999_999})), "NOT_FOUND");
}

#[tokio::test]
async fn login_answers_a_token_and_refuses_a_wrong_password() {
    let app = spawn_app().await;
    let answer = login(&app, "alice", "alice-password").await;
    assert_eq!(answer.status(), 200);
    let body: Value = answer.json().await.expect("JSON");
    assert_eq!((body["tokenType"].as_str(), body["expiresIn"].as_u64()), (Some("Bearer"), Some(900)));
    let wrong = login(&app, "alice", "wrong").await;
    assert_eq!(wrong.status(), 401);
    assert!(wrong.headers().contains_key("www-authenticate"));
    let problem: Value = wrong.json().await.expect("problem");
    assert_eq!(problem["code"], "UNAUTHENTICATED");
    let empty = login(&app, "", "x").await;
    assert_eq!(empty.status(), 400);

    let jwks: Value = app
        .http
        .get(format!("{}/.well-known/jwks.json", app.base))
        .send()
        .await
        .expect("jwks")
        .json()
        .await
        .expect("JSON");
    let key = &jwks["keys"][0];
    assert_eq!(
        (key["kty"].as_str(), key["crv"].as_str(), key["alg"].as_str()),
        (Some("EC"), Some("P-256"), Some("ES256"))
    );

    // The token in the query string, as a browser's EventSource or WebSocket has to send it.
    let token = body["accessToken"].as_str().expect("token");
    let mine =
        app.http.get(format!("{}/api/v1/users/1/orders?access_token={token}", app.base)).send().await.expect("GET");
    assert_eq!(mine.status(), 200);
}

#[tokio::test]
async fn an_expired_token_is_refused_on_every_protocol_with_its_reason() {
    let mut short = settings();
    short.access_token_ttl = std::time::Duration::from_secs(1);
    let app = spawn_app_with(short).await;
    let target = Target::from_url(&app.base).await.expect("target");
    let credential = Credential::Bearer(token(&app, "alice").await);
    let call = Call::parse("getUser", json!({"id": 42})).expect("call");
    for protocol in Protocol::ALL {
        assert_eq!(lane(protocol, &target, &call, &credential, &Options::default()).await.code, "OK");
    }
    // One second of life and one of leeway, both counted in whole seconds: at most three.
    tokio::time::sleep(std::time::Duration::from_millis(3_100)).await;
    for protocol in Protocol::ALL {
        let lane = lane(protocol, &target, &call, &credential, &Options::default()).await;
        assert_eq!(lane.code, "UNAUTHENTICATED", "{}", protocol.name());
        if protocol != Protocol::Grpc {
            assert!(lane.response.contains("expired"), "{}: {}", protocol.name(), lane.response);
        }
    }
}

/// Reads until `done` says so, for at most a few seconds past the token's life.
const PATIENCE: std::time::Duration = std::time::Duration::from_secs(8);

#[tokio::test]
async fn long_lived_connections_end_when_their_token_expires() {
    use futures_util::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    use tokio_tungstenite::tungstenite::Message;

    let mut short = settings();
    short.access_token_ttl = std::time::Duration::from_secs(1);
    let app = spawn_app_with(short).await;
    let token = token(&app, "alice").await;
    let bearer = format!("Bearer {token}");

    let websocket = async {
        let mut request = format!("ws://{}/ws", app.addr).into_client_request().expect("request");
        request.headers_mut().insert("authorization", bearer.parse().expect("ascii"));
        let (mut socket, _) = tokio_tungstenite::connect_async(request).await.expect("connect");
        let subscribe = json!({"jsonrpc": "2.0", "id": 1, "method": "events.subscribe", "params": {}});
        socket.send(Message::text(subscribe.to_string())).await.expect("subscribe");
        loop {
            match socket.next().await.expect("open").expect("frame") {
                Message::Close(Some(frame)) => break (u16::from(frame.code), frame.reason.to_string()),
                Message::Text(text) => assert!(text.contains("\"subscription\""), "{text}"),
                _ => {}
            }
        }
    };
    let sse = async {
        let mut response = app
            .http
            .get(format!("{}/api/v1/events/stream", app.base))
            .header("authorization", &bearer)
            .send()
            .await
            .expect("stream");
        let mut text = String::new();
        while let Some(chunk) = response.chunk().await.expect("bytes") {
            text.push_str(&String::from_utf8_lossy(&chunk));
        }
        text
    };
    let grpc = async {
        let channel =
            tonic::transport::Endpoint::from_shared(app.base.clone()).expect("url").connect().await.expect("h2c");
        let mut client = api_playground::pb::event_service_client::EventServiceClient::new(channel);
        let mut request =
            tonic::Request::new(api_playground::pb::WatchEventsRequest { after_seq: None, types: vec![] });
        request.metadata_mut().insert("authorization", bearer.parse().expect("ascii"));
        let mut stream = client.watch_events(request).await.expect("stream").into_inner();
        loop {
            match stream.message().await {
                Ok(Some(_)) => {}
                Ok(None) => panic!("the gRPC stream ended without a status"),
                Err(status) => break status,
            }
        }
    };
    let graphql = async {
        let mut request = format!("ws://{}/graphql/ws", app.addr).into_client_request().expect("request");
        request.headers_mut().insert("sec-websocket-protocol", "graphql-transport-ws".parse().expect("ascii"));
        let (mut socket, _) = tokio_tungstenite::connect_async(request).await.expect("connect");
        let init = json!({"type": "connection_init", "payload": {"Authorization": bearer}});
        socket.send(Message::text(init.to_string())).await.expect("init");
        let subscribe =
            json!({"id": "s1", "type": "subscribe", "payload": {"query": "subscription { events { seq } }"}});
        let mut seen = Vec::new();
        loop {
            let frame = socket.next().await.expect("open").expect("frame");
            let message: Value = serde_json::from_str(frame.to_text().expect("text")).expect("json");
            match message["type"].as_str() {
                Some("connection_ack") => socket.send(Message::text(subscribe.to_string())).await.expect("subscribe"),
                Some("ping") => socket.send(Message::text(json!({"type": "pong"}).to_string())).await.expect("pong"),
                Some("complete") => break seen,
                _ => seen.push(message),
            }
        }
    };
    let ((code, reason), sse, status, graphql) =
        tokio::time::timeout(PATIENCE, async { tokio::join!(websocket, sse, grpc, graphql) }).await.expect("all end");
    assert_eq!(code, 1008, "{reason}");
    assert!(reason.contains("expired"), "{reason}");
    assert!(sse.contains("event: error") && sse.contains("UNAUTHENTICATED") && sse.contains("expired"), "{sse}");
    assert_eq!(status.code(), tonic::Code::Unauthenticated, "{status:?}");
    let error = graphql.iter().find_map(|m| m["payload"]["errors"].get(0).cloned()).expect("an error before complete");
    assert_eq!(error["extensions"]["canonicalCode"], "UNAUTHENTICATED", "{graphql:?}");
}

#[tokio::test]
async fn the_oauth_walkthrough_records_every_step_of_the_code_flow() {
    let app = spawn_app().await;
    let walk = |password: &str| {
        let request = app
            .http
            .post(format!("{}/api/v1/playground/oauth-walkthrough", app.base))
            .json(&json!({"username": "alice", "password": password}));
        async move { request.send().await.expect("walkthrough").json::<Value>().await.expect("JSON") }
    };
    let done = walk("alice-password").await;
    assert_eq!(done["error"], Value::Null, "{done}");
    let steps = done["steps"].as_array().expect("steps");
    let titles: Vec<&str> = steps.iter().filter_map(|s| s["title"].as_str()).collect();
    assert_eq!(titles, ["discovery", "authorization request", "consent", "token exchange", "API call", "refresh"]);
    let statuses: Vec<&str> = steps.iter().filter_map(|s| s["status"].as_str()).collect();
    assert_eq!(statuses, ["200 OK", "200 OK", "302 Found", "200 OK", "200 OK", "200 OK"]);
    assert!(steps[1]["request"].as_str().is_some_and(|r| r.contains("code_challenge_method=S256")));
    assert!(steps[2]["response"]
        .as_str()
        .is_some_and(|r| r.contains("location: http://127.0.0.1:8765/callback?code=")));
    assert!(steps[4]["request"].as_str().is_some_and(|r| r.contains("authorization: Bearer ey")));
    assert!(steps[5]["response"].as_str().is_some_and(|r| r.contains("refresh_token")));

    let refused = walk("wrong").await;
    assert!(refused["error"].as_str().is_some_and(|e| e.contains("401")), "{refused}");
    assert_eq!(refused["steps"].as_array().map(Vec::len), Some(3), "it stops at the consent");
}

#[tokio::test]
async fn signing_keys_from_files_rotate_across_restarts() {
    let dir = std::env::temp_dir().join(format!("playground-keys-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let key = |name: &str| {
        let pair = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).expect("P-256 key");
        let path = dir.join(name);
        std::fs::write(&path, pair.serialize_pem()).expect("write key");
        path
    };
    let (old, new, stranger) = (key("old.pem"), key("new.pem"), key("stranger.pem"));
    let mut rotated = settings();
    rotated.signing_keys = vec![new.clone(), old.clone()];
    let app = spawn_app_with(rotated).await;
    let jwks: Value = app
        .http
        .get(format!("{}/.well-known/jwks.json", app.base))
        .send()
        .await
        .expect("jwks")
        .json()
        .await
        .expect("JSON");
    assert_eq!(jwks["keys"].as_array().map(Vec::len), Some(2), "{jwks}");
    let alice = settings().accounts.into_iter().find(|a| a.username == "alice").expect("alice");
    let signed_by = |file: &std::path::Path| {
        let ttl = std::time::Duration::from_secs(60);
        let tokens = api_playground::tokens::Tokens::with_keys(&app.base, ttl, ttl, &[file.to_owned()]).expect("keys");
        tokens.issue(&alice).map(|(token, _)| token).expect("token")
    };
    let status = |token: String| {
        let request = app.http.get(format!("{}/api/v1/users/1/orders", app.base)).bearer_auth(token);
        async move { request.send().await.expect("GET").status().as_u16() }
    };
    assert_eq!(status(token(&app, "alice").await).await, 200, "the first key signs");
    assert_eq!(status(signed_by(&old)).await, 200, "a token the previous key signed still verifies");
    assert_eq!(status(signed_by(&stranger)).await, 401, "a key the server was not given does not");
    let _ = std::fs::remove_dir_all(&dir);
}
