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
    assert!(names.contains(&"grpc.health.v1.Health".to_owned()), "{names:?}");
}
