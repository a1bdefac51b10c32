//! Bad input on every protocol gets that protocol's own error, never a panic or a hang, and the
//! server keeps answering afterwards.

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::Message;

use crate::helpers::{spawn_app, xml_to_json, Call, Key, Protocol, TestApp, PROTOCOLS};

const MIB: usize = 1 << 20;

async fn still_serves(app: &TestApp) {
    for protocol in PROTOCOLS {
        assert!(app.call(protocol, Key::Read, &Call::GetUser { id: 42 }).await.is_ok(), "{protocol:?} still answers");
    }
}

#[tokio::test]
async fn rest_answers_problem_json_for_every_kind_of_bad_request() {
    let app = spawn_app().await;
    let url = format!("{}/api/v1/users", app.base);
    let post = |body: Vec<u8>| {
        app.http.post(&url).header("x-api-key", "demo-write-key").header("content-type", "application/json").body(body)
    };
    let read = |url: String| app.http.get(url).header("x-api-key", "demo-read-key");
    let order = |body: &str| {
        app.http
            .post(format!("{url}/42/orders"))
            .header("x-api-key", "demo-write-key")
            .header("content-type", "application/json")
            .body(body.to_owned())
    };
    // Each bad request, its status, and the field the problem names (None: no field).
    let cases = [
        (post(b"{\"name\": \"x\"".to_vec()), 400, Some("body")),
        (post(b"{\"name\": \"x\"}".to_vec()), 400, Some("email")),
        (post(b"{\"name\": {\"first\": \"x\"}, \"email\": \"a@b.co\"}".to_vec()), 400, Some("name")),
        (post(b"[]".to_vec()), 400, Some("body")),
        // serde alone would read a struct from an array by position; the document says object.
        (post(b"[\"Arr\", \"arr@example.com\"]".to_vec()), 400, Some("body")),
        // An optional field may be left out, but the document types it as a string: null is refused.
        (
            app.http
                .patch(format!("{url}/5"))
                .header("x-api-key", "demo-write-key")
                .header("content-type", "application/json")
                .body(r#"{"name": null}"#),
            400,
            Some("name"),
        ),
        (order(r#"{"items": [[1, 1]]}"#), 400, Some("body")),
        (order(r#"{"items": [{"productId": 1, "quantity": -1}]}"#), 400, Some("items[0].quantity")),
        (order(r#"{"items": [{"quantity": 1}]}"#), 400, Some("items[0].productId")),
        (
            app.http.post(&url).header("x-api-key", "demo-write-key").header("content-type", "text/plain").body("x"),
            415,
            None,
        ),
        (post(vec![b' '; MIB + 10]), 413, Some("body")),
        (read(format!("{url}/99999999999999999999999")), 400, Some("id")),
        (read(format!("{url}/-1")), 400, Some("id")),
        (read(format!("{url}?limit=lots")), 400, Some("limit")),
        (read(format!("{url}?limit=0")), 400, Some("limit")),
        (app.http.get(format!("{}/api/v1/nothing-here", app.base)), 404, None),
        (app.http.get(format!("{}/nothing-here", app.base)), 404, None),
        (app.http.put(format!("{url}/1")), 405, None),
    ];
    for (request, status, field) in cases {
        let response = request.send().await.expect("response");
        assert_eq!(response.status(), status);
        assert_eq!(response.headers()["content-type"], "application/problem+json");
        if status == 405 {
            assert_eq!(response.headers()["allow"], "DELETE, GET, PATCH, HEAD, OPTIONS");
        }
        let problem: Value = response.json().await.expect("problem body");
        assert_eq!(problem["status"], status);
        assert!(
            problem["code"].is_string() && problem["detail"].is_string() && problem["title"].is_string(),
            "{problem}"
        );
        if let Some(field) = field {
            assert_eq!(problem["field"], field, "{problem}");
        }
    }
    let options = app.http.request(reqwest::Method::OPTIONS, &url).send().await.expect("response");
    assert_eq!(options.status(), 204);
    assert_eq!(options.headers()["allow"], "GET, POST, HEAD, OPTIONS");
    // HEAD is GET's answer without its body: same status and validators.
    let get = app.http.get(format!("{url}/42")).header("x-api-key", "demo-read-key").send().await.expect("get");
    let head = app.http.head(format!("{url}/42")).header("x-api-key", "demo-read-key").send().await.expect("head");
    assert_eq!((head.status().as_u16(), get.status().as_u16()), (200, 200));
    assert_eq!(head.headers()["etag"], get.headers()["etag"]);
    assert!(head.bytes().await.expect("head body").is_empty());
    let unauthenticated = app.http.get(format!("{url}/42")).send().await.expect("response");
    assert_eq!(unauthenticated.status(), 401);
    assert!(unauthenticated.headers().contains_key("www-authenticate"));
    still_serves(&app).await;
}

#[tokio::test]
async fn graphql_answers_graphql_errors_for_bad_requests() {
    let app = spawn_app().await;
    let url = format!("{}/graphql", app.base);
    let send = |body: Vec<u8>| async {
        let response = app
            .http
            .post(&url)
            .header("x-api-key", "demo-read-key")
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .expect("response");
        (response.status().as_u16(), response.json::<Value>().await.expect("JSON"))
    };
    let (status, body) = send(b"{\"query\": ".to_vec()).await;
    assert_eq!(
        (status, body["errors"][0]["extensions"]["canonicalCode"].as_str()),
        (400, Some("INVALID_ARGUMENT")),
        "{body}"
    );
    let (status, body) = send(json!({"query": "{ user(id: 42) { name "}).to_string().into_bytes()).await;
    assert_eq!((status, body["errors"][0]["extensions"]["code"].as_str()), (200, Some("BAD_USER_INPUT")), "{body}");
    let (_, body) = send(json!({"query": "{ user(id: \"forty-two\") { name } }"}).to_string().into_bytes()).await;
    assert_eq!(body["errors"][0]["extensions"]["canonicalCode"], "INVALID_ARGUMENT", "{body}");
    let cycle = "{ user(id: 42) { ...A } } fragment A on User { ...B } fragment B on User { ...A }";
    for _ in 0..2 {
        let (_, body) = send(json!({"query": cycle}).to_string().into_bytes()).await;
        assert_eq!(body["errors"][0]["extensions"]["canonicalCode"], "INVALID_ARGUMENT", "{body}");
    }
    // A text that ran cleanly is cached; the same text with other variables still gets every check.
    let query = "query($id: ID!) { user(id: $id) { name } }";
    for (id, expected) in [
        (json!("42"), None),
        (json!("42"), None),
        (json!("x"), Some("INVALID_ARGUMENT")),
        (json!(999999), Some("NOT_FOUND")),
        (json!(true), Some("INVALID_ARGUMENT")),
    ] {
        let (_, body) = send(json!({"query": query, "variables": {"id": id}}).to_string().into_bytes()).await;
        assert_eq!(body["errors"][0]["extensions"]["canonicalCode"].as_str(), expected, "{body}");
    }
    let (_, body) = send(json!({"query": "{ nope }"}).to_string().into_bytes()).await;
    assert_eq!(body["errors"][0]["extensions"]["canonicalCode"], "INVALID_ARGUMENT", "{body}");
    let mut huge = json!({"query": "{ user(id: 42) { name } }"}).to_string().into_bytes();
    huge.extend(vec![b' '; MIB]);
    let (status, body) = send(huge).await;
    assert_eq!(status, 413, "{body}");
    let (_, body) =
        send(json!({"query": "{ user(id: 42) { name } gone: user(id: 999999) { name } }"}).to_string().into_bytes())
            .await;
    assert_eq!(body["data"]["user"]["name"], "Oscar Okafor", "partial data: {body}");
    assert_eq!(body["data"].get("gone"), Some(&Value::Null), "a failed nullable field is null, not missing: {body}");
    assert_eq!(body["errors"][0]["path"], json!(["gone"]));
    assert_eq!(body["errors"][0]["extensions"]["code"], "NOT_FOUND");
    still_serves(&app).await;
}

#[tokio::test]
async fn grpc_refuses_garbage_and_oversized_messages_with_a_status() {
    let app = spawn_app().await;
    let h2c = reqwest::Client::builder().http2_prior_knowledge().build().expect("client");
    let mut garbage = vec![0u8, 0, 0, 0, 6];
    garbage.extend([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
    let response = h2c
        .post(format!("{}/playground.v1.UserService/GetUser", app.base))
        .header("content-type", "application/grpc")
        .header("te", "trailers")
        .header("x-api-key", "demo-read-key")
        .body(garbage)
        .send()
        .await
        .expect("response");
    assert_eq!(response.status(), 200);
    let status = response.headers().get("grpc-status").map(|v| v.to_str().expect("ascii").to_owned());
    assert!(status.is_some_and(|s| s != "0"), "malformed protobuf gets a non-OK grpc-status");

    let channel = tonic::transport::Endpoint::from_shared(app.base.clone()).expect("url").connect().await.expect("h2c");
    let mut client = api_playground::pb::user_service_client::UserServiceClient::new(channel);
    let mut request = tonic::Request::new(api_playground::pb::CreateUserRequest {
        name: "x".repeat(MIB + 1),
        email: "big@example.com".into(),
    });
    request.metadata_mut().insert("x-api-key", "demo-write-key".parse().expect("ascii"));
    let status = client.create_user(request).await.expect_err("too large");
    assert_eq!(status.code(), tonic::Code::ResourceExhausted, "{status:?}");
    use tonic_types::StatusExt;
    assert_eq!(status.get_details_error_info().map(|info| info.reason).as_deref(), Some("INVALID_ARGUMENT"));
    still_serves(&app).await;
}

async fn rpc(
    socket: &mut (impl SinkExt<Message, Error = impl std::fmt::Debug>
              + StreamExt<Item = Result<Message, impl std::fmt::Debug>>
              + Unpin),
    text: &str,
) -> Value {
    serde_json::from_str(&rpc_text(socket, text).await).expect("JSON")
}

/// One message sent, and the text of the reply as it came.
async fn rpc_text(
    socket: &mut (impl SinkExt<Message, Error = impl std::fmt::Debug>
              + StreamExt<Item = Result<Message, impl std::fmt::Debug>>
              + Unpin),
    text: &str,
) -> String {
    socket.send(Message::text(text.to_owned())).await.expect("send");
    let reply = socket.next().await.expect("a reply").expect("a frame");
    reply.to_text().expect("text").to_owned()
}

#[tokio::test]
async fn websocket_speaks_json_rpc_errors_batches_and_notifications() {
    let app = spawn_app().await;
    let mut socket = app.ws_connect(Key::Read).await;
    assert_eq!(rpc(&mut socket, "{not json").await["error"]["code"], -32700);
    assert_eq!(rpc(&mut socket, r#"{"jsonrpc":"1.0","id":1,"method":"users.get"}"#).await["error"]["code"], -32600);
    assert_eq!(rpc(&mut socket, "[]").await["error"]["code"], -32600);
    assert_eq!(
        rpc(&mut socket, r#"{"jsonrpc":"2.0","id":"a","method":"users.explode"}"#).await["error"]["code"],
        -32601
    );
    let wrong_type = rpc(&mut socket, r#"{"jsonrpc":"2.0","id":2,"method":"users.get","params":{"id":"42"}}"#).await;
    assert_eq!(
        (wrong_type["error"]["code"].as_i64(), wrong_type["error"]["data"]["code"].as_str()),
        (Some(-32602), Some("INVALID_ARGUMENT"))
    );
    let missing = rpc(&mut socket, r#"{"jsonrpc":"2.0","id":3,"method":"users.get","params":{"id":999999}}"#).await;
    assert_eq!(missing["error"]["code"], -32004);
    // `"id": null` is a request (a notification has no id at all), and the id comes back as sent.
    let null_id = rpc(&mut socket, r#"{"jsonrpc":"2.0","id":null,"method":"users.get","params":{"id":42}}"#).await;
    assert_eq!((null_id["id"].is_null(), null_id["result"]["id"].as_i64()), (true, Some(42)));
    let exact = rpc_text(&mut socket, r#"{"jsonrpc":"2.0","id":1.50,"method":"users.get","params":{"id":42}}"#).await;
    assert!(exact.contains(r#""id":1.50"#), "the id is echoed as written: {exact}");
    for (request, why) in [
        (r#"{"jsonrpc":"2.0","id":{"a":1},"method":"users.get"}"#, "an object id"),
        (r#"{"jsonrpc":"2.0","id":5,"method":7}"#, "a method that is not a string"),
        (r#"{"jsonrpc":"2.0","id":5,"method":"users.get","params":"42"}"#, "params that are a string"),
        (r#"{"jsonrpc":"2.0","id":5,"id":6,"method":"users.get"}"#, "a member named twice"),
        (r#"["jsonrpc","2.0"]"#, "a batch of things that are not requests"),
    ] {
        let answer = rpc(&mut socket, request).await;
        let code = answer.get(0).unwrap_or(&answer)["error"]["code"].as_i64();
        assert_eq!(code, Some(-32600), "{why}: {answer}");
    }
    let positional = rpc(&mut socket, r#"{"jsonrpc":"2.0","id":8,"method":"users.get","params":[42]}"#).await;
    assert_eq!(positional["error"]["code"], -32602, "named params only: {positional}");
    let batch = rpc(
        &mut socket,
        r#"[{"jsonrpc":"2.0","id":"x","method":"users.get","params":{"id":42}},
            {"jsonrpc":"2.0","method":"users.get","params":{"id":1}},
            {"jsonrpc":"2.0","id":9,"method":"users.create","params":{"name":"n","email":"n@example.com"}}]"#,
    )
    .await;
    let replies = batch.as_array().expect("batch reply");
    assert_eq!(replies.len(), 2, "the notification gets no reply: {batch}");
    assert_eq!(replies[0]["id"], "x");
    assert_eq!(replies[0]["result"]["email"], "user42@example.com");
    assert_eq!((replies[1]["id"].as_i64(), replies[1]["error"]["code"].as_i64()), (Some(9), Some(-32003)));
    // A lone notification gets nothing back: the next reply is for the next request.
    socket.send(Message::text(r#"{"jsonrpc":"2.0","method":"users.get","params":{"id":1}}"#)).await.expect("send");
    assert_eq!(rpc(&mut socket, r#"{"jsonrpc":"2.0","id":4,"method":"users.get","params":{"id":1}}"#).await["id"], 4);
    socket.send(Message::text("x".repeat(MIB + 1))).await.expect("send a big message");
    match socket.next().await {
        Some(Ok(Message::Close(Some(frame)))) => assert_eq!(u16::from(frame.code), 1009),
        other => panic!("expected close 1009, got {other:?}"),
    }
    still_serves(&app).await;
}

#[tokio::test]
async fn websocket_pings_and_closes_a_peer_that_never_answers() {
    let mut settings = crate::helpers::settings();
    settings.ws_ping_interval = std::time::Duration::from_millis(200);
    let app = crate::helpers::spawn_app_with(settings).await;
    // A live client reads, so tungstenite answers every ping with a pong: it stays connected.
    let mut live = app.ws_connect(Key::Read).await;
    let pinged = tokio::time::timeout(std::time::Duration::from_millis(700), async {
        let mut pings = 0;
        while let Some(Ok(message)) = live.next().await {
            assert!(message.is_ping(), "only pings arrive: {message:?}");
            pings += 1;
        }
        pings
    })
    .await;
    assert!(pinged.is_err(), "the live connection was not closed");
    let answer = rpc(&mut live, r#"{"jsonrpc":"2.0","id":1,"method":"users.get","params":{"id":42}}"#).await;
    assert_eq!(answer["result"]["id"], 42);
    // A client that never reads never pongs: after one unanswered ping it is closed 1008.
    let mut silent = app.ws_connect(Key::Read).await;
    tokio::time::sleep(std::time::Duration::from_millis(600)).await;
    let mut saw_ping = false;
    loop {
        match silent.next().await {
            Some(Ok(Message::Ping(_))) => saw_ping = true,
            Some(Ok(Message::Close(Some(frame)))) => {
                assert_eq!((u16::from(frame.code), saw_ping), (1008, true), "{frame:?}");
                assert!(frame.reason.contains("no pong"), "{frame:?}");
                break;
            }
            other => panic!("expected pings then close 1008, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn websocket_can_authenticate_with_an_auth_call_and_refuses_bad_handshakes() {
    let app = spawn_app().await;
    let mut socket = app.ws_connect(Key::None).await;
    let denied = rpc(&mut socket, r#"{"jsonrpc":"2.0","id":1,"method":"users.get","params":{"id":42}}"#).await;
    assert_eq!(
        (denied["error"]["code"].as_i64(), denied["error"]["data"]["code"].as_str()),
        (Some(-32001), Some("UNAUTHENTICATED"))
    );
    let bad = rpc(&mut socket, r#"{"jsonrpc":"2.0","id":2,"method":"auth","params":{"apiKey":"nope"}}"#).await;
    assert_eq!(bad["error"]["code"], -32001);
    let auth =
        rpc(&mut socket, r#"{"jsonrpc":"2.0","id":3,"method":"auth","params":{"apiKey":"demo-read-key"}}"#).await;
    assert_eq!(auth["result"]["authenticated"], true);
    let ok = rpc(&mut socket, r#"{"jsonrpc":"2.0","id":4,"method":"users.get","params":{"id":42}}"#).await;
    assert_eq!(ok["result"]["id"], 42);
    let mut refused = app.ws_connect(Key::Wrong).await;
    match refused.next().await {
        Some(Ok(Message::Close(Some(frame)))) => {
            assert_eq!(u16::from(frame.code), 1008);
            assert!(frame.reason.contains("API key"), "{}", frame.reason);
        }
        other => panic!("expected close 1008, got {other:?}"),
    }
}

#[tokio::test]
async fn ws_answers_requests_that_are_no_websocket_handshake_with_problem_json() {
    let app = spawn_app().await;
    let url = format!("{}/ws", app.base);
    let handshake = [
        ("upgrade", "websocket"),
        ("connection", "keep-alive, Upgrade"),
        ("sec-websocket-version", "13"),
        ("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ=="),
    ];
    // A plain GET, an unknown version and a missing key: each names what is missing.
    for (leave_out, version, status, detail) in [
        (Some("upgrade"), "13", 426, "Upgrade: websocket"),
        (None, "8", 426, "version 13"),
        (Some("sec-websocket-key"), "13", 400, "Sec-WebSocket-Key"),
    ] {
        let mut request = app.http.get(&url);
        for (name, value) in handshake.iter().filter(|(name, _)| Some(*name) != leave_out) {
            request = request.header(*name, if *name == "sec-websocket-version" { version } else { value });
        }
        let response = request.send().await.expect("get /ws");
        assert_eq!(response.status().as_u16(), status, "without {leave_out:?}, version {version}");
        assert_eq!(response.headers()["content-type"], "application/problem+json");
        assert_eq!(response.headers()["sec-websocket-version"], "13");
        let problem: Value = response.json().await.expect("problem+json");
        assert_eq!(problem["code"], "INVALID_ARGUMENT");
        assert!(problem["detail"].as_str().is_some_and(|d| d.contains(detail)), "{problem}");
    }
    // The handshake itself is answered with the accept value of RFC 6455's own example.
    let mut raw = tokio::net::TcpStream::connect(app.base.trim_start_matches("http://")).await.expect("connect");
    let head = format!(
        "GET /ws HTTP/1.1\r\nhost: x\r\n{}\r\n",
        handshake.iter().map(|(name, value)| format!("{name}: {value}\r\n")).collect::<String>()
    );
    tokio::io::AsyncWriteExt::write_all(&mut raw, head.as_bytes()).await.expect("write");
    let mut answer = vec![0; 1024];
    let read = tokio::io::AsyncReadExt::read(&mut raw, &mut answer).await.expect("read");
    let answer = String::from_utf8_lossy(&answer[..read]).to_lowercase();
    assert!(answer.starts_with("http/1.1 101"), "{answer}");
    assert!(answer.contains("sec-websocket-accept: s3pplmbitxaq9kygzzhzrbk+xoo="), "{answer}");
}

async fn soap(app: &TestApp, content_type: &str, body: String) -> (u16, Value, String) {
    let response = app
        .http
        .post(format!("{}/soap", app.base))
        .header("content-type", content_type)
        .header("x-api-key", "demo-read-key")
        .body(body)
        .send()
        .await
        .expect("response");
    let status = response.status().as_u16();
    let text = response.text().await.expect("body");
    (status, xml_to_json(&text), text)
}

fn envelope11(body: &str) -> String {
    format!(
        r#"<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>{body}</soap:Body></soap:Envelope>"#
    )
}

#[tokio::test]
async fn soap_answers_faults_for_hostile_and_wrong_xml() {
    let app = spawn_app().await;
    let fault_code =
        |tree: &Value| tree["Envelope"]["Body"]["Fault"]["detail"]["Error"]["Code"].as_str().map(str::to_owned);
    let laughs = r#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><GetUser xmlns="urn:api-playground:v1"><Id>&lol2;</Id></GetUser></soap:Body></soap:Envelope>"#;
    let cases = [
        laughs.to_owned(),
        envelope11(r#"<GetUser xmlns="urn:api-playground:v1"><Id>&xxe;</Id></GetUser>"#),
        envelope11(r#"<GetUser xmlns="urn:api-playground:v1"><Id>42</Id>"#),
        envelope11(r#"<GetUser xmlns="urn:api-playground:v1"><Id>forty-two</Id></GetUser>"#),
        envelope11(r#"<GetUser xmlns="urn:api-playground:v1"></GetUser>"#),
        envelope11(r#"<GetUser xmlns="urn:api-playground:v1"><Id>42</Id><Extra>1</Extra></GetUser>"#),
        envelope11(r#"<Explode xmlns="urn:api-playground:v1"/>"#),
        envelope11(r#"<GetUser xmlns="urn:somebody-else"><Id>42</Id></GetUser>"#),
        envelope11(&format!(
            "<GetUser xmlns=\"urn:api-playground:v1\">{}{}</GetUser>",
            "<a>".repeat(40),
            "</a>".repeat(40)
        )),
        "not xml at all".to_owned(),
    ];
    for body in cases {
        let (status, tree, text) = soap(&app, "text/xml; charset=utf-8", body).await;
        assert_eq!(status, 500, "{text}");
        assert_eq!(tree["Envelope"]["Body"]["Fault"]["faultcode"], "soap:Client", "{text}");
        assert_eq!(fault_code(&tree).as_deref(), Some("INVALID_ARGUMENT"), "{text}");
    }
    let (_, tree, text) =
        soap(&app, "text/xml", envelope11(r#"<GetUser xmlns="urn:api-playground:v1"><Extra>1</Extra></GetUser>"#))
            .await;
    assert!(tree["Envelope"]["Body"]["Fault"]["faultstring"].as_str().is_some_and(|s| s.contains("Extra")), "{text}");
    let (status, _, text) = soap(
        &app,
        "text/xml",
        envelope11(&format!("<GetUser xmlns=\"urn:api-playground:v1\"><Id>{}</Id></GetUser>", " ".repeat(MIB))),
    )
    .await;
    assert_eq!(status, 413, "{text}");
    let (status, _, _) = soap(&app, "application/json", envelope11("")).await;
    assert_eq!(status, 415);
    still_serves(&app).await;
}

#[tokio::test]
async fn soap_12_is_answered_in_soap_12_and_versions_must_match() {
    let app = spawn_app().await;
    let v12 = |body: &str| {
        format!(r#"<e:Envelope xmlns:e="http://www.w3.org/2003/05/soap-envelope"><e:Body>{body}</e:Body></e:Envelope>"#)
    };
    let content_type = "application/soap+xml; charset=utf-8; action=\"urn:api-playground:v1/GetUser\"";
    let (status, tree, text) =
        soap(&app, content_type, v12(r#"<GetUser xmlns="urn:api-playground:v1"><Id>42</Id></GetUser>"#)).await;
    assert_eq!(status, 200, "{text}");
    assert!(text.contains("http://www.w3.org/2003/05/soap-envelope"), "{text}");
    assert_eq!(tree["Envelope"]["Body"]["GetUserResponse"]["User"]["Email"], "user42@example.com");
    let (status, tree, text) =
        soap(&app, content_type, v12(r#"<GetUser xmlns="urn:api-playground:v1"><Id>999999</Id></GetUser>"#)).await;
    assert_eq!(status, 400, "a 1.2 Sender fault is HTTP 400: {text}");
    let fault = &tree["Envelope"]["Body"]["Fault"];
    assert_eq!(fault["Code"]["Value"], "soap:Sender", "{text}");
    assert_eq!(fault["Detail"]["Error"]["Code"], "NOT_FOUND", "{text}");
    assert!(fault["Reason"]["Text"].is_string());
    let (status, tree, text) =
        soap(&app, "text/xml", v12(r#"<GetUser xmlns="urn:api-playground:v1"><Id>42</Id></GetUser>"#)).await;
    assert_eq!(status, 500, "{text}");
    assert_eq!(tree["Envelope"]["Body"]["Fault"]["faultcode"], "soap:VersionMismatch", "{text}");
}

#[tokio::test]
async fn the_wsdl_describes_the_real_address_and_both_bindings() {
    let app = spawn_app().await;
    let wsdl = app.http.get(format!("{}/soap?wsdl", app.base)).send().await.expect("wsdl").text().await.expect("text");
    assert!(wsdl.contains(&format!("location=\"{}/soap\"", app.base)));
    for needle in ["soap:binding", "soap12:binding", "name=\"GetUser\"", "name=\"ListUsersResponse\"", "xs:dateTime"] {
        assert!(wsdl.contains(needle), "{needle} missing from the WSDL");
    }
    let tree = xml_to_json(&wsdl);
    assert!(tree["definitions"]["service"]["port"].is_array());
    let openapi: Value =
        app.http.get(format!("{}/openapi.json", app.base)).send().await.expect("openapi").json().await.expect("json");
    assert!(openapi["paths"]["/api/v1/users/{id}"]["get"].is_object(), "{}", openapi["paths"]);
    let _ = Protocol::Rest;
}

/// GraphQL's and SOAP's one paths are served past the router, by their own endpoints: each still
/// lists its methods for OPTIONS and refuses the others with a 405 problem naming them.
#[tokio::test]
async fn graphql_and_soap_list_their_methods_and_refuse_the_others_with_405() {
    let app = spawn_app().await;
    for path in ["/graphql", "/soap"] {
        let url = format!("{}{path}", app.base);
        let options = app.http.request(reqwest::Method::OPTIONS, &url).send().await.expect("options");
        assert_eq!(options.status(), 204, "{path}");
        assert_eq!(options.headers()["allow"], "GET, POST, HEAD, OPTIONS", "{path}");
        for method in [reqwest::Method::PUT, reqwest::Method::DELETE, reqwest::Method::PATCH] {
            let refused = app.http.request(method.clone(), &url).send().await.expect("refused");
            assert_eq!(refused.status(), 405, "{method} {path}");
            assert_eq!(refused.headers()["allow"], "GET, POST, HEAD, OPTIONS", "{method} {path}");
            assert_eq!(refused.headers()["content-type"], "application/problem+json", "{method} {path}");
            let problem: Value = refused.json().await.expect("problem body");
            assert_eq!(problem["status"], 405, "{problem}");
        }
    }
    let head = app.http.head(format!("{}/soap?wsdl", app.base)).send().await.expect("head");
    assert_eq!(head.status(), 200);
    assert_eq!(head.headers()["content-type"], "text/xml; charset=utf-8");
    let head = app
        .http
        .head(format!("{}/graphql?query=%7B__typename%7D", app.base))
        .header("x-api-key", "demo-read-key")
        .send()
        .await
        .expect("head");
    assert_eq!(head.status(), 200);
    assert_eq!(head.headers()["content-type"], "application/json");
    still_serves(&app).await;
}

#[tokio::test]
async fn graphql_limits_depth_but_not_introspection_and_reads_over_get() {
    let app = spawn_app().await;
    let post = |query: String| {
        let (http, url) = (app.http.clone(), format!("{}/graphql", app.base));
        async move {
            let response = http
                .post(url)
                .header("x-api-key", "demo-read-key")
                .json(&json!({"query": query}))
                .send()
                .await
                .expect("response");
            response.json::<Value>().await.expect("json")
        }
    };
    let introspection = "query IntrospectionQuery { __schema { queryType { name } mutationType { name } subscriptionType { name }
        types { ...FullType } directives { name description locations args { ...InputValue } } } }
      fragment FullType on __Type { kind name description fields(includeDeprecated: true) { name description args { ...InputValue }
        type { ...TypeRef } isDeprecated deprecationReason } inputFields { ...InputValue } interfaces { ...TypeRef }
        enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason } possibleTypes { ...TypeRef } }
      fragment InputValue on __InputValue { name description type { ...TypeRef } defaultValue }
      fragment TypeRef on __Type { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name
        ofType { kind name ofType { kind name ofType { kind name } } } } } } } }";
    let schema = post(introspection.to_owned()).await;
    assert!(schema["errors"].is_null(), "introspection is exempt from the depth limit: {schema}");
    assert_eq!(schema["data"]["__schema"]["queryType"]["name"], "Query");
    // user { orders { user { ... id } } }: each round trip through the cycle is two levels.
    let nested = |round_trips: usize| {
        let mut query = "id".to_owned();
        for _ in 0..round_trips {
            query = format!("orders {{ user {{ {query} }} }}");
        }
        // User 2 has no orders: the limit is about the query's shape, not the data.
        format!("{{ user(id: 2) {{ {query} }} }}")
    };
    let deep = post(nested(5)).await;
    assert_eq!(deep["errors"][0]["extensions"]["canonicalCode"], "INVALID_ARGUMENT", "{deep}");
    assert!(deep["errors"][0]["message"].as_str().is_some_and(|m| m.contains("limit is 10")), "{deep}");
    let fine = post(nested(4)).await;
    assert!(fine["errors"].is_null(), "depth 10 is allowed: {fine}");
    let get = |query: &str| {
        let request = app.http.get(format!("{}/graphql", app.base)).query(&[("query", query)]);
        request.header("x-api-key", "demo-write-key").send()
    };
    let read: Value = get("{ user(id: 42) { email } }").await.expect("GET").json().await.expect("json");
    assert_eq!(read["data"]["user"]["email"], "user42@example.com");
    let write = get("mutation { deleteUser(id: 3) }").await.expect("GET");
    assert_eq!(write.status(), 400);
    let refused: Value = write.json().await.expect("json");
    assert!(refused["errors"][0]["message"].as_str().is_some_and(|m| m.contains("POST")), "{refused}");
}

#[tokio::test]
async fn api_keys_work_in_the_query_string_and_soap_bearer_tokens_meet_the_same_verifier() {
    let app = spawn_app().await;
    let by_query =
        app.http.get(format!("{}/api/v1/users/42?api_key=demo-read-key", app.base)).send().await.expect("get");
    assert_eq!(by_query.status(), 200);
    let token = r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Header>
        <wsse:Security xmlns:wsse="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd">
        <wsse:BinarySecurityToken ValueType="urn:ietf:params:oauth:token-type:jwt">not.a.jwt</wsse:BinarySecurityToken>
        </wsse:Security></s:Header><s:Body><GetUser xmlns="urn:api-playground:v1"><Id>42</Id></GetUser></s:Body></s:Envelope>"#;
    let (status, tree, text) = soap(&app, "text/xml", token.to_owned()).await;
    // The request helper sends X-API-Key, which wins over the header: the call succeeds.
    assert_eq!(status, 200, "{text}");
    let response = app
        .http
        .post(format!("{}/soap", app.base))
        .header("content-type", "text/xml")
        .body(token)
        .send()
        .await
        .expect("soap");
    assert_eq!(response.status(), 500);
    let fault = xml_to_json(&response.text().await.expect("text"));
    let error = &fault["Envelope"]["Body"]["Fault"]["detail"]["Error"];
    assert_eq!(error["Code"], "UNAUTHENTICATED");
    assert!(error["Message"].as_str().is_some_and(|m| m.contains("bearer token")), "{error}");
    assert!(tree["Envelope"]["Body"]["GetUserResponse"].is_object());
}

#[tokio::test]
async fn rpc_discover_describes_every_method_and_each_one_answers() {
    let app = spawn_app().await;
    let mut socket = app.ws_connect(Key::Read).await;
    let discovered = rpc(&mut socket, r#"{"jsonrpc":"2.0","id":1,"method":"rpc.discover"}"#).await["result"].clone();
    let served: Value =
        app.http.get(format!("{}/ws/openrpc.json", app.base)).send().await.expect("get").json().await.expect("json");
    assert_eq!(discovered, served);
    assert_eq!(served["openrpc"], "1.2.6");
    let methods: Vec<String> = served["methods"]
        .as_array()
        .expect("methods")
        .iter()
        .map(|m| m["name"].as_str().expect("name").to_owned())
        .collect();
    for method in playground_domain::Operation::ALL.iter().filter_map(|operation| operation.info().ws_method) {
        assert!(methods.iter().any(|m| m == method), "{method} is not described");
    }
    for (index, method) in methods.iter().enumerate() {
        let call = json!({"jsonrpc": "2.0", "id": index, "method": method, "params": {}});
        let reply = rpc(&mut socket, &call.to_string()).await;
        assert_ne!(reply["error"]["code"], -32601, "{method} is described but not served: {reply}");
    }
}

#[tokio::test]
async fn connections_past_the_bound_get_503_and_a_huge_header_block_gets_431() {
    let mut settings = crate::helpers::settings();
    settings.limits.max_connections = 2;
    let app = crate::helpers::spawn_app_with(settings).await;
    // The test client's pooled connection holds one slot; a raw keep-alive connection the other.
    let mut held = tokio::net::TcpStream::connect(app.addr).await.expect("connect");
    let request = format!("GET /healthz HTTP/1.1\r\nhost: {}\r\n\r\n", app.addr);
    tokio::io::AsyncWriteExt::write_all(&mut held, request.as_bytes()).await.expect("send");
    let mut answer = [0u8; 256];
    let read = tokio::io::AsyncReadExt::read(&mut held, &mut answer).await.expect("read");
    assert!(answer[..read].starts_with(b"HTTP/1.1 200"), "{}", String::from_utf8_lossy(&answer[..read]));

    // A third connection is answered at once: 503, problem+json, Retry-After.
    let fresh = reqwest::Client::new();
    let refused = fresh
        .get(format!("{}/api/v1/users/42", app.base))
        .header("x-api-key", "demo-read-key")
        .send()
        .await
        .expect("answered");
    assert_eq!(refused.status(), 503);
    assert_eq!(refused.headers()["retry-after"], "1");
    assert_eq!(refused.headers()["content-type"], "application/problem+json");
    let problem: Value = refused.json().await.expect("problem");
    assert_eq!(problem["code"], "UNAVAILABLE", "{problem}");
    assert!(problem["detail"].as_str().is_some_and(|d| d.contains("2 connections")), "{problem}");
    // A gRPC client gets a gRPC status: UNAVAILABLE.
    let channel = tonic::transport::Endpoint::from_shared(app.base.clone()).expect("url").connect().await.expect("h2c");
    let status = api_playground::pb::user_service_client::UserServiceClient::new(channel)
        .get_user(api_playground::pb::GetUserRequest { id: 42 })
        .await
        .expect_err("refused");
    assert_eq!(status.code(), tonic::Code::Unavailable, "{status:?}");
    assert!(status.message().contains("2 connections"), "{status:?}");

    // Once the held connection closes, its slot serves the next one.
    drop(held);
    let status_once_freed = || async {
        for _ in 0..100 {
            let response = reqwest::Client::new().get(format!("{}/healthz", app.base)).send().await.expect("answered");
            if response.status() == 200 {
                return response.status();
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        reqwest::StatusCode::SERVICE_UNAVAILABLE
    };
    assert_eq!(status_once_freed().await, 200, "a freed slot is reused");

    // A WebSocket keeps its slot after the upgrade, for as long as it is open. (The connection
    // of the last check closes on its own time: wait for its slot.)
    let mut socket = None;
    for _ in 0..100 {
        if let Ok((opened, _)) =
            tokio_tungstenite::connect_async(format!("ws://{}/ws?api_key=demo-read-key", app.addr)).await
        {
            socket = Some(opened);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let socket = socket.expect("a WebSocket gets a free slot");
    let refused = reqwest::Client::new().get(format!("{}/healthz", app.base)).send().await.expect("answered");
    assert_eq!(refused.status(), 503, "the WebSocket holds the second slot");
    drop(socket);
    assert_eq!(status_once_freed().await, 200, "its slot is free once it closes");

    // The header block is bounded (16 KiB by default): past it, 431 before any handler runs.
    let app = spawn_app().await;
    let get = |header: String| {
        app.http
            .get(format!("{}/api/v1/users/42", app.base))
            .header("x-api-key", "demo-read-key")
            .header("x-padding", header)
            .send()
    };
    assert_eq!(get("a".repeat(12 << 10)).await.expect("answered").status(), 200);
    let refused = get("a".repeat(20 << 10)).await.expect("answered");
    assert_eq!(refused.status(), 431);
    assert_eq!(refused.headers()["content-type"], "application/problem+json");
    let problem: serde_json::Value = refused.json().await.expect("problem+json");
    assert_eq!(problem["code"], "INVALID_ARGUMENT", "{problem}");
    assert!(problem["detail"].as_str().unwrap_or("").contains("16384 byte bound"), "{problem}");
    // gRPC clients get the same refusal as a status.
    let channel = tonic::transport::Endpoint::from_shared(app.base.clone()).expect("url").connect().await.expect("h2c");
    let mut grpc = api_playground::pb::user_service_client::UserServiceClient::new(channel);
    let mut request = tonic::Request::new(api_playground::pb::GetUserRequest { id: 42 });
    request.metadata_mut().insert("x-api-key", "demo-read-key".parse().expect("key"));
    request.metadata_mut().insert("x-padding", "a".repeat(20 << 10).parse().expect("padding"));
    let status = grpc.get_user(request).await.expect_err("refused");
    assert_eq!(status.code(), tonic::Code::InvalidArgument, "{status:?}");
    still_serves(&app).await;
}

#[tokio::test]
async fn a_json_rpc_batch_over_the_bound_is_one_invalid_request_error() {
    use futures_util::{SinkExt, StreamExt};
    let app = crate::helpers::spawn_app().await;
    let mut socket = app.ws_connect(crate::helpers::Key::Read).await;
    let call = |id: usize| serde_json::json!({"jsonrpc": "2.0", "id": id, "method": "users.get", "params": {"id": 42}});
    for (size, expected_replies) in [(100, 100), (101, 1)] {
        let batch: Vec<_> = (0..size).map(call).collect();
        let text = serde_json::Value::from(batch).to_string();
        socket.send(tokio_tungstenite::tungstenite::Message::text(text)).await.expect("send");
        let reply = socket.next().await.expect("open").expect("frame");
        let reply: serde_json::Value = serde_json::from_str(reply.to_text().expect("text")).expect("JSON");
        match reply.as_array() {
            Some(replies) => assert_eq!(replies.len(), expected_replies, "a batch of {size}"),
            None => {
                assert_eq!((size, reply["error"]["code"].as_i64()), (101, Some(-32600)), "{reply}");
                let message = reply["error"]["message"].as_str().expect("message");
                assert!(message.contains("at most 100") && message.contains("101"), "{message}");
            }
        }
    }
}

/// A client gets a bounded time (10 s) to send a request head: one that sends part of a head and
/// stalls (slowloris) is cut off, while a connection that is between requests is answered as
/// soon as its next head arrives.
#[tokio::test]
async fn a_request_head_that_stalls_is_cut_off_at_its_bound() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = spawn_app().await;
    let mut stalled = tokio::net::TcpStream::connect(app.addr).await.expect("connect");
    let mut kept_alive = tokio::net::TcpStream::connect(app.addr).await.expect("connect");
    let request = format!("GET /healthz HTTP/1.1\r\nhost: {}\r\n\r\n", app.addr);
    stalled.write_all(b"GET /healthz HTTP/1.1\r\nhost: ").await.expect("send part of a head");
    let started = std::time::Instant::now();

    let mut answer = [0u8; 256];
    for _ in 0..2 {
        kept_alive.write_all(request.as_bytes()).await.expect("send");
        let read = kept_alive.read(&mut answer).await.expect("read");
        assert!(answer[..read].starts_with(b"HTTP/1.1 200"), "{}", String::from_utf8_lossy(&answer[..read]));
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    }

    let mut rest = Vec::new();
    let ended = tokio::time::timeout(std::time::Duration::from_secs(15), stalled.read_to_end(&mut rest)).await;
    let waited = started.elapsed();
    assert!(ended.is_ok(), "the stalled connection was still open after 15 s");
    assert!(waited >= std::time::Duration::from_secs(9), "cut off after {waited:?}, before its bound");
    assert!(!rest.starts_with(b"HTTP/1.1 200"), "{}", String::from_utf8_lossy(&rest));
    still_serves(&app).await;
}
