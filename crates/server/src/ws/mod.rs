//! WebSocket at `/ws`: JSON-RPC 2.0 over one long-lived connection. Credentials come from the
//! handshake (headers or `api_key` query) or a first `auth` call; a bad handshake credential is
//! accepted then closed with 1008 and the reason, because browsers cannot read a refused upgrade.

mod error;
mod orders;
mod products;
mod rpc;
mod users;

use std::sync::Arc;

use futures_util::{FutureExt, SinkExt, StreamExt};
use poem::web::websocket::{CloseCode, Message, WebSocket, WebSocketConfig, WebSocketStream};
use poem::web::Data;
use poem::{handler, IntoResponse, Request};

use crate::credentials::Credentials;
use crate::gate::Gate;

/// Frame and message bound, the same as the HTTP body bound.
#[derive(Clone, Copy)]
pub struct MaxMessageBytes(pub usize);

/// The WebSocket library cuts the connection off at this multiple of the bound; below it an
/// oversized message is read whole and answered with a clean close 1009 that the client sees.
const HARD_LIMIT_FACTOR: usize = 16;

/// How long to wait for the client's answer to our close frame.
const CLOSE_HANDSHAKE: std::time::Duration = std::time::Duration::from_secs(2);

#[handler]
pub fn endpoint(
    ws: WebSocket,
    request: &Request,
    gate: Data<&Arc<Gate>>,
    limit: Data<&MaxMessageBytes>,
) -> impl IntoResponse {
    let credentials = Credentials::from_http(request.headers(), request.uri().query(), crate::peer_ip(request));
    let gate = gate.0.clone();
    let limit = limit.0 .0;
    let hard_limit = limit.saturating_mul(HARD_LIMIT_FACTOR);
    let config = WebSocketConfig::default().max_message_size(Some(hard_limit)).max_frame_size(Some(hard_limit));
    ws.config(config).on_upgrade(move |socket| serve_connection(gate, credentials, limit, socket))
}

/// Sends a close frame and waits briefly for the client's, so the client reads the reason
/// instead of seeing the connection reset.
async fn close(mut socket: WebSocketStream, code: CloseCode, reason: String) {
    if socket.send(Message::close_with(code, reason)).await.is_ok() {
        let _ = tokio::time::timeout(CLOSE_HANDSHAKE, async { while let Some(Ok(_)) = socket.next().await {} }).await;
    }
}

/// What to do after one incoming message.
enum Step {
    Reply(String),
    Nothing,
    Close(CloseCode, String),
    Stop,
}

fn handle(connection: &mut rpc::Connection, message: std::io::Result<Message>, limit: usize) -> Step {
    let text = match message {
        Ok(Message::Text(text)) => text,
        Ok(Message::Binary(bytes)) => String::from_utf8_lossy(&bytes).into_owned(),
        Ok(Message::Ping(_) | Message::Pong(_)) => return Step::Nothing,
        Ok(Message::Close(_)) | Err(_) => return Step::Stop,
    };
    if text.len() > limit {
        return Step::Close(CloseCode::Size, format!("message of {} bytes is over the {limit} byte bound", text.len()));
    }
    rpc::handle_message(connection, &text).map_or(Step::Nothing, Step::Reply)
}

async fn serve_connection(gate: Arc<Gate>, credentials: Credentials, limit: usize, mut socket: WebSocketStream) {
    let session = gate.session(&credentials);
    if let (false, Err(why)) = (credentials.is_empty(), &session) {
        close(socket, CloseCode::Policy, why.message.clone()).await;
        return;
    }
    let mut connection = rpc::Connection { gate, session, peer: credentials.peer };
    while let Some(message) = socket.next().await {
        let mut step = handle(&mut connection, message, limit);
        // Answer everything that has already arrived before flushing once: with many calls in
        // flight, one write carries many replies instead of one write per reply.
        loop {
            match step {
                Step::Reply(reply) => {
                    if socket.feed(Message::Text(reply)).await.is_err() {
                        return;
                    }
                }
                Step::Nothing => {}
                Step::Close(code, reason) => {
                    close(socket, code, reason).await;
                    return;
                }
                Step::Stop => return,
            }
            match socket.next().now_or_never() {
                Some(Some(message)) => step = handle(&mut connection, message, limit),
                Some(None) => return,
                None => break,
            }
        }
        if socket.flush().await.is_err() {
            return;
        }
    }
}
