//! Events pushed five ways — WebSocket JSON-RPC notifications, Server-Sent Events, the gRPC
//! stream, the GraphQL subscription — and pulled by long polling: the same changes, in the same
//! order, from one log.

use std::time::{Duration, Instant};

use api_playground::pb;
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

use crate::helpers::{spawn_app, spawn_app_with, Call, Key, Protocol, TestApp};

const PATIENCE: Duration = Duration::from_secs(10);

/// Makes three changes through three protocols: user.created, order.created, order.status_changed.
async fn three_changes(app: &TestApp) {
    static PEOPLE: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = PEOPLE.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let email = format!("pat{n}@example.com");
    let user =
        app.call(Protocol::Rest, Key::Write, &Call::CreateUser { name: "Pat".into(), email }).await.expect("user");
    let user_id = user["id"].as_u64().expect("id");
    let order = app.call(Protocol::Grpc, Key::Write, &Call::CreateOrder { user_id, items: vec![(1, 1)] }).await;
    let id = order.expect("order")["id"].as_u64().expect("id");
    app.call(Protocol::Soap, Key::Write, &Call::UpdateOrderStatus { id, status: "paid" }).await.expect("pay");
}

const EXPECTED: [&str; 3] = ["user.created", "order.created", "order.status_changed"];

async fn websocket_events(app: &TestApp, count: usize) -> Vec<(u64, String)> {
    let mut socket = app.ws_connect(Key::Read).await;
    let subscribe = json!({"jsonrpc": "2.0", "id": 1, "method": "events.subscribe", "params": {"afterSeq": 0}});
    socket.send(Message::text(subscribe.to_string())).await.expect("send");
    let mut events = Vec::new();
    tokio::time::timeout(PATIENCE, async {
        while events.len() < count {
            let frame = socket.next().await.expect("open").expect("frame");
            let message: Value = serde_json::from_str(frame.to_text().expect("text")).expect("json");
            if message["method"] == "event" {
                let event = &message["params"]["event"];
                events.push((event["seq"].as_u64().expect("seq"), event["type"].as_str().expect("type").to_owned()));
            } else {
                assert_eq!(message["result"]["subscription"], 1, "{message}");
            }
        }
    })
    .await
    .expect("WebSocket events in time");
    events
}

async fn sse_events(app: &TestApp, path: &str, last_event_id: Option<&str>, count: usize) -> Vec<(String, String)> {
    let mut request = app.http.get(format!("{}{path}", app.base)).header("x-api-key", "demo-read-key");
    if let Some(id) = last_event_id {
        request = request.header("last-event-id", id);
    }
    let mut response = request.send().await.expect("stream");
    assert_eq!(response.headers()["content-type"], "text/event-stream");
    let mut buffer = String::new();
    let mut events = Vec::new();
    tokio::time::timeout(PATIENCE, async {
        while events.len() < count {
            let chunk = response.chunk().await.expect("bytes").expect("open");
            buffer.push_str(std::str::from_utf8(&chunk).expect("utf-8"));
            while let Some(end) = buffer.find("\n\n") {
                let message: String = buffer.drain(..end + 2).collect();
                let field =
                    |name: &str| message.lines().find_map(|line| line.strip_prefix(name).map(|v| v.trim().to_owned()));
                if let Some(event) = field("event:") {
                    events.push((field("id:").unwrap_or_default(), event));
                }
            }
        }
    })
    .await
    .expect("SSE events in time");
    events
}

async fn grpc_events(app: &TestApp, request: pb::WatchEventsRequest, count: usize) -> Vec<(u64, String)> {
    let channel = tonic::transport::Endpoint::from_shared(app.base.clone()).expect("url").connect().await.expect("h2c");
    let mut client = pb::event_service_client::EventServiceClient::new(channel);
    let mut request = tonic::Request::new(request);
    request.metadata_mut().insert("x-api-key", "demo-read-key".parse().expect("ascii"));
    let mut stream = client.watch_events(request).await.expect("stream").into_inner();
    let mut events = Vec::new();
    tokio::time::timeout(PATIENCE, async {
        while events.len() < count {
            let item = stream.message().await.expect("message").expect("open").item.expect("item");
            let pb::watch_events_response::Item::Event(event) = item else { panic!("unexpected gap") };
            let name = pb::EventType::try_from(event.r#type).expect("type").as_str_name();
            events.push((event.seq, name.trim_start_matches("EVENT_TYPE_").to_lowercase().replacen('_', ".", 1)));
        }
    })
    .await
    .expect("gRPC events in time");
    events
}

async fn graphql_events(app: &TestApp, count: usize) -> Vec<(u64, String)> {
    let mut request = format!("ws://{}/graphql/ws", app.addr).into_client_request().expect("request");
    request.headers_mut().insert("sec-websocket-protocol", "graphql-transport-ws".parse().expect("ascii"));
    let (mut socket, response) = tokio_tungstenite::connect_async(request).await.expect("connect");
    assert_eq!(response.headers()["sec-websocket-protocol"], "graphql-transport-ws");
    let init = json!({"type": "connection_init", "payload": {"X-API-Key": "demo-read-key"}});
    socket.send(Message::text(init.to_string())).await.expect("init");
    let subscribe = json!({"id": "s1", "type": "subscribe", "payload": {
        "query": "subscription { events(afterSeq: \"0\") { seq type gap data } }"
    }});
    let mut events = Vec::new();
    tokio::time::timeout(PATIENCE, async {
        while events.len() < count {
            let frame = socket.next().await.expect("open").expect("frame");
            let message: Value = serde_json::from_str(frame.to_text().expect("text")).expect("json");
            match message["type"].as_str() {
                Some("connection_ack") => socket.send(Message::text(subscribe.to_string())).await.expect("subscribe"),
                Some("next") => {
                    let event = &message["payload"]["data"]["events"];
                    assert_eq!(event["gap"], false, "{message}");
                    let seq = event["seq"].as_str().expect("seq").parse().expect("number");
                    let name = event["type"].as_str().expect("type").to_lowercase();
                    events.push((seq, name.replacen('_', ".", 1)));
                }
                Some("ping") => socket.send(Message::text(json!({"type": "pong"}).to_string())).await.expect("pong"),
                _ => panic!("unexpected {message}"),
            }
        }
    })
    .await
    .expect("GraphQL events in time");
    events
}

#[tokio::test]
async fn every_push_transport_delivers_the_same_events_in_order() {
    let app = spawn_app().await;
    let long_poll = {
        let (http, url) = (app.http.clone(), format!("{}/api/v1/events?after=0&wait=10", app.base));
        tokio::spawn(async move {
            let response = http.get(url).header("x-api-key", "demo-read-key").send().await.expect("poll");
            response.json::<Value>().await.expect("json")
        })
    };
    let (websocket, sse, grpc, graphql, _) = tokio::join!(
        websocket_events(&app, 3),
        sse_events(&app, "/api/v1/events/stream?after=0", None, 3),
        grpc_events(&app, pb::WatchEventsRequest { after_seq: Some(0), types: vec![] }, 3),
        graphql_events(&app, 3),
        async {
            tokio::time::sleep(Duration::from_millis(300)).await;
            three_changes(&app).await;
        },
    );
    let types = |events: &[(u64, String)]| events.iter().map(|(_, t)| t.clone()).collect::<Vec<_>>();
    assert_eq!(types(&websocket), EXPECTED);
    assert_eq!(grpc, websocket, "gRPC stream");
    assert_eq!(graphql, websocket, "GraphQL subscription");
    let sse: Vec<(u64, String)> = sse.into_iter().map(|(id, t)| (id.parse().expect("id is the seq"), t)).collect();
    assert_eq!(sse, websocket, "Server-Sent Events");
    let polled = long_poll.await.expect("long poll");
    let first = &polled["items"][0];
    assert_eq!((first["seq"].as_u64(), first["type"].as_str()), (Some(websocket[0].0), Some("user.created")));
}

#[tokio::test]
async fn long_polls_answer_when_an_event_arrives_or_empty_at_the_deadline() {
    let app = spawn_app().await;
    let started = Instant::now();
    let empty: Value = app
        .http
        .get(format!("{}/api/v1/events?after=0&wait=1", app.base))
        .header("x-api-key", "demo-read-key")
        .send()
        .await
        .expect("poll")
        .json()
        .await
        .expect("json");
    assert!(started.elapsed() >= Duration::from_millis(900), "it waited for the deadline");
    assert_eq!(
        (empty["items"].clone(), empty["nextAfter"].clone(), empty["gap"].clone()),
        (json!([]), json!(0), json!(false))
    );
    let poll = {
        let (http, url) = (app.http.clone(), format!("{}/api/v1/events?after=0&wait=20", app.base));
        tokio::spawn(async move {
            let started = Instant::now();
            let body: Value = http
                .get(url)
                .header("x-api-key", "demo-read-key")
                .send()
                .await
                .expect("poll")
                .json()
                .await
                .expect("json");
            (started.elapsed(), body)
        })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    three_changes(&app).await;
    let (waited, body) = poll.await.expect("poll");
    assert!(waited < Duration::from_secs(20), "answered on the event, not at the deadline");
    assert_eq!(body["items"][0]["type"], "user.created");
    let too_long = app.http.get(format!("{}/api/v1/events?wait=31", app.base)).header("x-api-key", "demo-read-key");
    assert_eq!(too_long.send().await.expect("poll").status(), 400);
}

#[tokio::test]
async fn streams_resume_after_a_seq_and_flag_lost_history() {
    let mut settings = crate::helpers::settings();
    settings.event_history = 2;
    let app = spawn_app_with(settings).await;
    three_changes(&app).await;
    three_changes(&app).await;
    // Six events, two retained (seqs 5 and 6).
    let resumed = sse_events(&app, "/api/v1/events/stream", Some("5"), 1).await;
    assert_eq!(resumed, vec![("6".to_owned(), "order.status_changed".to_owned())]);
    let from_start = sse_events(&app, "/api/v1/events/stream?after=0", None, 3).await;
    assert_eq!(from_start[0].1, "gap");
    assert_eq!(from_start[1..].iter().map(|(id, _)| id.as_str()).collect::<Vec<_>>(), ["5", "6"]);
    let poll: Value = app
        .http
        .get(format!("{}/api/v1/events?after=0", app.base))
        .header("x-api-key", "demo-read-key")
        .send()
        .await
        .expect("poll")
        .json()
        .await
        .expect("json");
    assert_eq!((poll["gap"].clone(), poll["items"].as_array().map(Vec::len)), (json!(true), Some(2)));
    let orders_only = grpc_events(
        &app,
        pb::WatchEventsRequest { after_seq: Some(6), types: vec![pb::EventType::OrderStatusChanged as i32] },
        1,
    );
    let (orders_only, ()) = tokio::join!(orders_only, async {
        tokio::time::sleep(Duration::from_millis(300)).await;
        three_changes(&app).await;
    });
    assert_eq!(orders_only, vec![(9, "order.status_changed".to_owned())], "only the type asked for");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subscriptions_are_bounded_and_slow_readers_are_dropped_alone() {
    let app = spawn_app().await;
    let mut socket = app.ws_connect(Key::Read).await;
    for n in 1..=64 {
        let subscribe =
            json!({"jsonrpc": "2.0", "id": n, "method": "events.subscribe", "params": {"types": ["user.deleted"]}});
        socket.send(Message::text(subscribe.to_string())).await.expect("send");
        let reply: Value =
            serde_json::from_str(socket.next().await.expect("open").expect("frame").to_text().expect("text"))
                .expect("json");
        assert_eq!(reply["result"]["subscription"], n);
    }
    let one_more = json!({"jsonrpc": "2.0", "id": 65, "method": "events.subscribe", "params": {}});
    socket.send(Message::text(one_more.to_string())).await.expect("send");
    let refused: Value =
        serde_json::from_str(socket.next().await.expect("open").expect("frame").to_text().expect("text"))
            .expect("json");
    assert_eq!(refused["error"]["data"]["code"], "INVALID_ARGUMENT", "{refused}");
    let unsubscribe =
        json!({"jsonrpc": "2.0", "id": 66, "method": "events.unsubscribe", "params": {"subscription": 3}});
    socket.send(Message::text(unsubscribe.to_string())).await.expect("send");
    let done: Value = serde_json::from_str(socket.next().await.expect("open").expect("frame").to_text().expect("text"))
        .expect("json");
    assert_eq!(done["result"], true);

    // A reader that never reads (with a small receive buffer, so the kernel cannot hide it),
    // while a writer makes tens of thousands of changes.
    let tcp = tokio::net::TcpSocket::new_v4().expect("socket");
    tcp.set_recv_buffer_size(4096).expect("small buffer");
    let tcp = tcp.connect(app.addr).await.expect("connect");
    let mut request = format!("ws://{}/ws", app.addr).into_client_request().expect("request");
    request.headers_mut().insert("x-api-key", "demo-read-key".parse().expect("ascii"));
    let (mut slow, _) = tokio_tungstenite::client_async(request, tcp).await.expect("upgrade");
    let subscribe = json!({"jsonrpc": "2.0", "id": 1, "method": "events.subscribe", "params": {}});
    slow.send(Message::text(subscribe.to_string())).await.expect("send");
    let mut writer = app.ws_connect(Key::Write).await;
    // Batches of 100 calls, the most one batch may hold.
    for batch in 0..600 {
        let calls: Vec<Value> = (0..100)
            .map(|n| json!({"jsonrpc": "2.0", "method": "users.create", "params": {"name": "Bulk", "email": format!("bulk{batch}x{n}@example.com")}}))
            .collect();
        writer.send(Message::text(Value::Array(calls).to_string())).await.expect("batch");
        // Paced so the subscription keeps up with the log: what backs up is the reader's socket.
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    // The writer's connection is unaffected: it still answers.
    let ping = json!({"jsonrpc": "2.0", "id": "after", "method": "users.get", "params": {"id": 1}});
    writer.send(Message::text(ping.to_string())).await.expect("send");
    let answer: Value =
        serde_json::from_str(writer.next().await.expect("open").expect("frame").to_text().expect("text"))
            .expect("json");
    assert_eq!(answer["id"], "after");
    // The slow reader, once it reads, finds the notifications that fit, then a close 1008.
    let ended = tokio::time::timeout(Duration::from_secs(30), async {
        loop {
            match slow.next().await {
                Some(Ok(Message::Close(Some(frame)))) => {
                    return Some((u16::from(frame.code), frame.reason.to_string()))
                }
                Some(Ok(_)) => continue,
                Some(Err(_)) | None => return None,
            }
        }
    })
    .await
    .expect("the slow reader's connection ends");
    let (code, reason) = ended.expect("a close frame");
    assert_eq!(code, 1008);
    assert!(reason.contains("too slow"), "{reason}");
}

#[tokio::test]
async fn shutdown_closes_websockets_with_1001_and_ends_streams() {
    let mut app = spawn_app().await;
    let mut socket = app.ws_connect(Key::Read).await;
    let stream = app
        .http
        .get(format!("{}/api/v1/events/stream", app.base))
        .header("x-api-key", "demo-read-key")
        .send()
        .await
        .expect("stream");
    let channel = tonic::transport::Endpoint::from_shared(app.base.clone()).expect("url").connect().await.expect("h2c");
    let mut request = tonic::Request::new(pb::WatchEventsRequest { after_seq: None, types: vec![] });
    request.metadata_mut().insert("x-api-key", "demo-read-key".parse().expect("ascii"));
    let mut grpc_stream = pb::event_service_client::EventServiceClient::new(channel)
        .watch_events(request)
        .await
        .expect("stream")
        .into_inner();
    let poll = app.http.get(format!("{}/api/v1/events?wait=30", app.base)).header("x-api-key", "demo-read-key").send();
    let started = Instant::now();
    let (poll, ()) = tokio::join!(poll, async {
        tokio::time::sleep(Duration::from_millis(300)).await;
        let _ = app.shutdown.take().expect("trigger").send(());
    });
    assert_eq!(poll.expect("the long poll answers").status(), 200);
    match tokio::time::timeout(PATIENCE, socket.next()).await.expect("a close in time") {
        Some(Ok(Message::Close(Some(frame)))) => assert_eq!(u16::from(frame.code), 1001),
        other => panic!("expected close 1001, got {other:?}"),
    }
    let grpc_end = tokio::time::timeout(PATIENCE, grpc_stream.message()).await.expect("the gRPC stream ends");
    assert!(matches!(grpc_end, Ok(None)), "cleanly: {grpc_end:?}");
    let rest = tokio::time::timeout(PATIENCE, stream.bytes()).await.expect("the stream ends");
    assert!(rest.is_ok());
    tokio::time::timeout(PATIENCE, app.stopped.take().expect("server")).await.expect("stops").expect("cleanly");
    assert!(started.elapsed() < Duration::from_secs(5), "nothing held the drain up");
}
