//! WebSocket at `/ws`: JSON-RPC 2.0 over one long-lived connection. Credentials come from the
//! handshake (headers or `api_key` query) or a first `auth` call; a bad handshake credential is
//! accepted then closed with 1008 and the reason, because browsers cannot read a refused upgrade.

mod error;
mod rpc;
mod users;

use std::sync::Arc;

use futures_util::{SinkExt, StreamExt};
use poem::web::websocket::{CloseCode, Message, WebSocket, WebSocketConfig, WebSocketStream};
use poem::web::Data;
use poem::{handler, IntoResponse, Request};
use tokio_tungstenite::tungstenite;

use crate::credentials::Credentials;
use crate::gate::Gate;

/// Frame and message bound, the same as the HTTP body bound.
#[derive(Clone, Copy)]
pub struct MaxMessageBytes(pub usize);

#[handler]
pub fn endpoint(ws: WebSocket, request: &Request, gate: Data<&Arc<Gate>>, limit: Data<&MaxMessageBytes>) -> impl IntoResponse {
    let credentials = Credentials::from_http(request.headers(), request.uri().query(), crate::peer_ip(request));
    let gate = gate.0.clone();
    let config = WebSocketConfig::default().max_message_size(Some(limit.0 .0)).max_frame_size(Some(limit.0 .0));
    ws.config(config).on_upgrade(move |socket| serve_connection(gate, credentials, socket))
}

/// Was this read error a frame or message over the bound?
fn is_too_big(error: &std::io::Error) -> bool {
    error
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<tungstenite::Error>())
        .is_some_and(|e| matches!(e, tungstenite::Error::Capacity(_)))
}

async fn serve_connection(gate: Arc<Gate>, credentials: Credentials, socket: WebSocketStream) {
    let (mut sink, mut stream) = socket.split();
    let session = gate.session(&credentials);
    if let (false, Err(why)) = (credentials.is_empty(), &session) {
        let _ = sink.send(Message::close_with(CloseCode::Policy, why.message.clone())).await;
        return;
    }
    let mut connection = rpc::Connection { gate, session, peer: credentials.peer };
    while let Some(message) = stream.next().await {
        let text = match message {
            Ok(Message::Text(text)) => text,
            Ok(Message::Binary(bytes)) => String::from_utf8_lossy(&bytes).into_owned(),
            Ok(Message::Close(_)) => break,
            Ok(Message::Ping(_) | Message::Pong(_)) => continue,
            Err(error) => {
                if is_too_big(&error) {
                    let _ = sink.send(Message::close_with(CloseCode::Size, "message larger than the 1 MiB bound")).await;
                }
                break;
            }
        };
        if let Some(reply) = rpc::handle_message(&mut connection, &text) {
            if sink.send(Message::Text(reply)).await.is_err() {
                break;
            }
        }
    }
}
