//! WebSocket at `/ws`: JSON-RPC 2.0 over one long-lived connection. Credentials come from the
//! handshake (headers or `api_key` query) or a first `auth` call; a bad handshake credential is
//! accepted then closed with 1008 and the reason, because browsers cannot read a refused upgrade.

mod admin;
mod discover;
mod error;
mod events;
mod handshake;
mod orders;
mod products;
mod rpc;
mod users;
mod webhooks;

use std::sync::Arc;

use futures_util::{FutureExt, SinkExt, StreamExt};
use poem::web::Data;
use poem::{handler, Request, Response};
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::{CloseFrame, WebSocketConfig};
use tokio_tungstenite::tungstenite::{Bytes, Message};

use playground_domain::Scope;

use crate::credentials::{Credentials, Session};
use crate::gate::Gate;
use crate::observe::Observe;
use handshake::Socket;

/// The bounds of one connection.
#[derive(Clone, Copy)]
pub struct ConnectionLimits {
    /// Frame and message bound, the same as the HTTP body bound.
    pub max_message_bytes: usize,
    /// How often the server pings, and how long a client has to answer with a pong.
    pub ping_interval: std::time::Duration,
    /// The most calls one JSON-RPC batch may hold.
    pub max_batch: usize,
}

/// The OpenRPC document of `/ws`, built once with the server's address.
#[derive(Clone)]
pub struct OpenRpc(pub Arc<serde_json::Value>);

impl OpenRpc {
    pub fn new(ws_url: &str) -> OpenRpc {
        OpenRpc(Arc::new(discover::openrpc(ws_url)))
    }
}

/// `GET /ws/openrpc.json`: what `rpc.discover` answers.
#[handler]
pub fn openrpc_document(document: Data<&OpenRpc>) -> poem::web::Json<serde_json::Value> {
    poem::web::Json(document.0 .0.as_ref().clone())
}

/// The WebSocket library cuts the connection off at this multiple of the bound; below it an
/// oversized message is read whole and answered with a clean close 1009 that the client sees.
const HARD_LIMIT_FACTOR: usize = 16;

/// The read buffer a connection starts with; it grows for larger messages, up to the bound.
/// (The write buffer is allocated only once something is written.)
pub const IDLE_READ_BUFFER: usize = 4 << 10;

/// How long to wait for the client's answer to our close frame.
const CLOSE_HANDSHAKE: std::time::Duration = std::time::Duration::from_secs(2);

#[handler]
pub fn endpoint(
    request: &Request,
    gate: Data<&Arc<Gate>>,
    limits: Data<&ConnectionLimits>,
    openrpc: Data<&OpenRpc>,
    observe: Data<&Arc<Observe>>,
) -> Response {
    let credentials = Credentials::from_http(request.headers(), request.uri().query(), crate::peer_ip(request));
    let gate = gate.0.clone();
    let limits = *limits.0;
    let hard_limit = limits.max_message_bytes.saturating_mul(HARD_LIMIT_FACTOR);
    // tungstenite reserves its read buffer up front, 128 KiB by default: for 10,000 idle
    // connections that is 1.3 GB. A small buffer grows as a large message needs it.
    let config = WebSocketConfig::default()
        .max_message_size(Some(hard_limit))
        .max_frame_size(Some(hard_limit))
        .read_buffer_size(IDLE_READ_BUFFER);
    let openrpc = openrpc.0 .0.clone();
    let observe = observe.0.clone();
    handshake::upgrade(request, config, move |socket| {
        serve_connection(gate, credentials, limits, openrpc, observe, socket)
    })
}

/// Sends a close frame and waits briefly for the client's, so the client reads the reason
/// instead of seeing the connection reset.
async fn close(mut socket: Socket, code: CloseCode, reason: String) {
    let frame = CloseFrame { code, reason: reason.into() };
    // A reader that stopped reading may never take the close frame: give up after a while.
    let sent = tokio::time::timeout(CLOSE_HANDSHAKE, socket.send(Message::Close(Some(frame)))).await;
    if matches!(sent, Ok(Ok(()))) {
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

async fn handle(
    connection: &mut rpc::Connection,
    message: Result<Message, tokio_tungstenite::tungstenite::Error>,
    limit: usize,
    arrived: std::time::Instant,
) -> Step {
    let text = match &message {
        Ok(Message::Text(text)) => std::borrow::Cow::Borrowed(text.as_str()),
        Ok(Message::Binary(bytes)) => String::from_utf8_lossy(bytes),
        Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_)) => return Step::Nothing,
        Ok(Message::Close(_)) | Err(_) => return Step::Stop,
    };
    if text.len() > limit {
        return Step::Close(CloseCode::Size, format!("message of {} bytes is over the {limit} byte bound", text.len()));
    }
    rpc::handle_message(connection, &text, arrived).await.map_or(Step::Nothing, Step::Reply)
}

/// Queued notifications written per flush, so a busy feed cannot starve requests.
const NOTIFICATIONS_PER_FLUSH: usize = 64;

async fn serve_connection(
    gate: Arc<Gate>,
    credentials: Credentials,
    limits: ConnectionLimits,
    openrpc: Arc<serde_json::Value>,
    observe: Arc<Observe>,
    mut socket: Socket,
) {
    let (limit, ping_interval) = (limits.max_message_bytes, limits.ping_interval);
    let session = gate.session(&credentials);
    // Maintenance refuses the whole connection with 1013 "try again later" and the delay, except
    // an admin's, who may need it to turn the switch off.
    let admin = session.as_ref().is_ok_and(|session| session.caller.require(Scope::Admin).is_ok());
    if let (Err(unavailable), false) = (gate.playground().maintenance().check(), admin) {
        close(socket, CloseCode::Again, unavailable.message).await;
        return;
    }
    if let (false, Err(why)) = (credentials.is_empty(), &session) {
        close(socket, CloseCode::Policy, why.message.clone()).await;
        return;
    }
    let shutdown = gate.shutdown().clone();
    let (outgoing, mut notifications) = tokio::sync::mpsc::channel(events::OUTGOING_QUEUE);
    let subscriptions = events::Subscriptions::new(outgoing);
    let overflowed = subscriptions.overflowed.clone();
    let max_batch = limits.max_batch;
    let _open = observe.metrics().connection("websocket");
    let mut connection =
        rpc::Connection { gate, session, peer: credentials.peer, subscriptions, openrpc, max_batch, observe };
    let mut ping = tokio::time::interval_at(tokio::time::Instant::now() + ping_interval, ping_interval);
    let mut awaiting_pong = false;
    loop {
        // Read each turn: an `auth` call may have changed the connection's credential.
        let expires_at = connection.session.as_ref().ok().and_then(|session| session.expires_at);
        tokio::select! {
            message = socket.next() => {
                let Some(message) = message else { return };
                if matches!(message, Ok(Message::Pong(_))) {
                    awaiting_pong = false;
                    continue;
                }
                // Messages that had already arrived when this one was read count from the same
                // moment, so a pipelined burst waits one simulated round trip, not one each.
                let arrived = std::time::Instant::now();
                let mut step = handle(&mut connection, message, limit, arrived).await;
                // Answer everything that has already arrived before flushing once: with many
                // calls in flight, one write carries many replies instead of one write each.
                loop {
                    match step {
                        Step::Reply(reply) => {
                            if socket.feed(Message::Text(reply.into())).await.is_err() {
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
                        Some(Some(message)) => step = handle(&mut connection, message, limit, arrived).await,
                        Some(None) => return,
                        None => break,
                    }
                }
                if socket.flush().await.is_err() {
                    return;
                }
            }
            Some(notification) = notifications.recv() => {
                let mut batch = vec![notification];
                while batch.len() < NOTIFICATIONS_PER_FLUSH {
                    match notifications.try_recv() {
                        Ok(more) => batch.push(more),
                        Err(_) => break,
                    }
                }
                for notification in batch {
                    if socket.feed(Message::Text(notification.into())).await.is_err() {
                        return;
                    }
                }
                if socket.flush().await.is_err() {
                    return;
                }
            }
            () = overflowed.1.notified() => {
                let reason = format!("too slow: more than {} notifications waiting to be read", events::OUTGOING_QUEUE);
                connection.observe.metrics().event_gap("websocket");
                close(socket, CloseCode::Policy, reason).await;
                return;
            }
            () = shutdown.begun() => {
                close(socket, CloseCode::Away, "the server is shutting down".to_owned()).await;
                return;
            }
            () = Session::expired(expires_at) => {
                close(socket, CloseCode::Policy, "the access token expired: log in again".to_owned()).await;
                return;
            }
            _ = ping.tick() => {
                if awaiting_pong {
                    close(socket, CloseCode::Policy, format!("no pong within {} ms", ping_interval.as_millis())).await;
                    return;
                }
                awaiting_pong = true;
                if socket.send(Message::Ping(Bytes::new())).await.is_err() {
                    return;
                }
            }
        }
    }
}
