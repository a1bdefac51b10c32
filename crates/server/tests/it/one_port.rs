//! One listener answers every protocol: HTTP/1.1, h2c prior knowledge, gRPC and WebSocket.

use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::Message;

use crate::helpers::{spawn_app, Call, Key, Protocol};

#[tokio::test]
async fn rest_grpc_websocket_and_h2c_share_one_port() {
    let app = spawn_app().await;
    let h1 = app.http.get(format!("{}/healthz", app.base)).send().await.expect("HTTP/1.1");
    assert_eq!(h1.version(), reqwest::Version::HTTP_11);
    assert_eq!(h1.status(), 200);
    let h2c = reqwest::Client::builder().http2_prior_knowledge().build().expect("client");
    let rest_over_h2 = h2c
        .get(format!("{}/api/v1/users/42", app.base))
        .header("x-api-key", "demo-read-key")
        .send()
        .await
        .expect("h2c");
    assert_eq!(rest_over_h2.version(), reqwest::Version::HTTP_2);
    assert_eq!(rest_over_h2.status(), 200);
    assert!(app.call(Protocol::Grpc, Key::Read, &Call::GetUser { id: 42 }).await.is_ok());
    let mut socket = app.ws_connect(Key::Read).await;
    socket
        .send(Message::text(r#"{"jsonrpc":"2.0","id":1,"method":"users.get","params":{"id":42}}"#))
        .await
        .expect("send");
    let reply = socket.next().await.expect("reply").expect("frame");
    assert!(reply.to_text().expect("text").contains("user42@example.com"));
}

#[tokio::test]
async fn grpc_reflection_lists_the_services() {
    use tonic_reflection::pb::v1::server_reflection_client::ServerReflectionClient;
    use tonic_reflection::pb::v1::server_reflection_request::MessageRequest;
    use tonic_reflection::pb::v1::server_reflection_response::MessageResponse;
    use tonic_reflection::pb::v1::ServerReflectionRequest;
    let app = spawn_app().await;
    let channel = tonic::transport::Endpoint::from_shared(app.base.clone()).expect("url").connect().await.expect("h2c");
    let mut client = ServerReflectionClient::new(channel);
    let request = ServerReflectionRequest {
        host: String::new(),
        message_request: Some(MessageRequest::ListServices(String::new())),
    };
    let mut stream =
        client.server_reflection_info(futures_util::stream::iter([request])).await.expect("reflection").into_inner();
    let response = stream.message().await.expect("message").expect("a response");
    let Some(MessageResponse::ListServicesResponse(list)) = response.message_response else {
        panic!("unexpected reflection answer");
    };
    let names: Vec<String> = list.service.into_iter().map(|s| s.name).collect();
    assert!(names.contains(&"playground.v1.UserService".to_owned()), "{names:?}");
    assert!(names.contains(&"playground.v1.WebhookService".to_owned()), "{names:?}");
    assert!(names.contains(&"grpc.health.v1.Health".to_owned()), "{names:?}");
}

/// gRPC itself over HTTP/1.1 (most clients could not read its trailers there) gets a clear
/// INVALID_ARGUMENT in the status headers, naming what works instead.
#[tokio::test]
async fn plain_grpc_over_http1_is_refused_with_what_works() {
    let app = spawn_app().await;
    let response = app
        .http
        .post(format!("{}/playground.v1.UserService/GetUser", app.base))
        .header("content-type", "application/grpc")
        .header("x-api-key", "demo-read-key")
        .body(vec![0u8, 0, 0, 0, 2, 0x08, 42])
        .send()
        .await
        .expect("an answer");
    assert_eq!(response.version(), reqwest::Version::HTTP_11);
    assert_eq!(response.headers()["grpc-status"], "3", "INVALID_ARGUMENT: {:?}", response.headers());
    let message = response.headers()["grpc-message"].to_str().expect("ascii").to_owned();
    assert!(message.contains("HTTP%2F2") || message.contains("HTTP/2"), "{message}");
}

/// A gRPC-Web unary call over plain HTTP/1.1, as a browser makes it: the frame in the body and
/// the status in a trailer frame at the end of the body.
#[tokio::test]
async fn grpc_web_works_over_http1_from_another_origin() {
    use base64::Engine;
    use prost::Message as _;
    let app = spawn_app().await;
    let message = api_playground::pb::GetUserRequest { id: 42 }.encode_to_vec();
    let mut frame = vec![0u8];
    frame.extend((message.len() as u32).to_be_bytes());
    frame.extend(&message);
    let url = format!("{}/playground.v1.UserService/GetUser", app.base);
    let preflight = app
        .http
        .request(reqwest::Method::OPTIONS, &url)
        .header("origin", "http://example.test")
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "content-type,x-grpc-web,x-api-key")
        .send()
        .await
        .expect("preflight");
    assert!(preflight.status().is_success(), "{}", preflight.status());
    assert!(preflight.headers().contains_key("access-control-allow-origin"));
    for (content_type, body) in [
        ("application/grpc-web+proto", frame.clone()),
        ("application/grpc-web-text", base64::engine::general_purpose::STANDARD.encode(&frame).into_bytes()),
    ] {
        let response = app
            .http
            .post(&url)
            .header("content-type", content_type)
            .header("accept", content_type)
            .header("x-grpc-web", "1")
            .header("x-api-key", "demo-read-key")
            .header("origin", "http://example.test")
            .body(body)
            .send()
            .await
            .expect("grpc-web");
        assert_eq!(response.version(), reqwest::Version::HTTP_11);
        assert!(response.headers()["content-type"].to_str().expect("ascii").starts_with(content_type));
        assert!(response.headers()["access-control-expose-headers"].to_str().expect("ascii").contains("grpc-status"));
        let raw = response.bytes().await.expect("body");
        let bytes = if content_type.ends_with("text") {
            base64::engine::general_purpose::STANDARD
                .decode(raw.iter().copied().filter(|b| !b.is_ascii_whitespace()).collect::<Vec<u8>>())
                .expect("base64")
        } else {
            raw.to_vec()
        };
        assert_eq!(bytes[0], 0, "a data frame first");
        let length = u32::from_be_bytes([bytes[1], bytes[2], bytes[3], bytes[4]]) as usize;
        let answer = api_playground::pb::GetUserResponse::decode(&bytes[5..5 + length]).expect("protobuf");
        assert_eq!(answer.user.expect("user").email, "user42@example.com");
        let trailers = &bytes[5 + length..];
        assert_eq!(trailers[0], 0x80, "then the trailer frame");
        assert!(String::from_utf8_lossy(&trailers[5..]).contains("grpc-status:0"));
    }
}

#[tokio::test]
async fn grpc_honours_deadlines_and_gzip() {
    use api_playground::pb;
    use tonic::codec::CompressionEncoding;
    let app = spawn_app().await;
    let channel = tonic::transport::Endpoint::from_shared(app.base.clone()).expect("url").connect().await.expect("h2c");
    let mut users = pb::user_service_client::UserServiceClient::new(channel.clone())
        .send_compressed(CompressionEncoding::Gzip)
        .accept_compressed(CompressionEncoding::Gzip);
    let mut request = tonic::Request::new(pb::GetUserRequest { id: 42 });
    request.metadata_mut().insert("x-api-key", "demo-read-key".parse().expect("ascii"));
    let answer = users.get_user(request).await.expect("a gzip round trip");
    assert_eq!(answer.metadata().get("grpc-encoding").map(|v| v.to_str().expect("ascii")), Some("gzip"));
    assert_eq!(answer.into_inner().user.expect("user").id, 42);

    let mut events = pb::event_service_client::EventServiceClient::new(channel);
    let mut request = tonic::Request::new(pb::WatchEventsRequest { after_seq: None, types: vec![] });
    request.metadata_mut().insert("x-api-key", "demo-read-key".parse().expect("ascii"));
    request.set_timeout(std::time::Duration::from_millis(300));
    let mut stream = events.watch_events(request).await.expect("stream").into_inner();
    let ended = tokio::time::timeout(std::time::Duration::from_secs(10), stream.message()).await.expect("in time");
    assert_eq!(ended.expect_err("the deadline ends the stream").code(), tonic::Code::DeadlineExceeded);
}

#[tokio::test]
async fn health_check_and_watch_report_every_service_serving() {
    use tonic_health::pb::health_check_response::ServingStatus;
    use tonic_health::pb::health_client::HealthClient;
    use tonic_health::pb::HealthCheckRequest;
    let app = spawn_app().await;
    let channel = tonic::transport::Endpoint::from_shared(app.base.clone()).expect("url").connect().await.expect("h2c");
    let mut health = HealthClient::new(channel);
    for service in [
        "",
        "playground.v1.UserService",
        "playground.v1.ProductService",
        "playground.v1.OrderService",
        "playground.v1.EventService",
        "playground.v1.WebhookService",
    ] {
        let check = health.check(HealthCheckRequest { service: service.into() }).await.expect("check").into_inner();
        assert_eq!(check.status, ServingStatus::Serving as i32, "{service}");
    }
    let mut watch = health
        .watch(HealthCheckRequest { service: "playground.v1.OrderService".into() })
        .await
        .expect("watch")
        .into_inner();
    let first = watch.message().await.expect("message").expect("a status");
    assert_eq!(first.status, ServingStatus::Serving as i32);
    let unknown = health.check(HealthCheckRequest { service: "nope.Service".into() }).await;
    assert_eq!(unknown.expect_err("unknown service").code(), tonic::Code::NotFound);
}
