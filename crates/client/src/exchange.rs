//! One request and its answer over a fresh, recorded TCP connection, made by the ordinary
//! client libraries: hyper for HTTP/1.1 and HTTP/2 (gRPC is HTTP/2 with a framed body), and
//! tungstenite for WebSocket. Each exchange returns the answer, the tape and its timings.

use std::net::SocketAddr;
use std::time::Duration;

use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use http::{HeaderMap, Request, StatusCode};
use http_body_util::{BodyExt, Full, Limited};
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::Message;

use crate::call::{Call, Credential, Knobs, Protocol};
use crate::capture::{Recorder, Tape};
use crate::requests::{self, Target};

/// The largest answer body a lane reads; a bigger one is cut off as an error.
const MAX_ANSWER_BYTES: usize = 4 << 20;

/// How the wire was used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    Http1,
    Http2,
    WebSocket,
}

impl Transport {
    pub fn label(self) -> &'static str {
        match self {
            Transport::Http1 => "HTTP/1.1",
            Transport::Http2 => "HTTP/2 (h2c)",
            Transport::WebSocket => "WebSocket",
        }
    }
}

/// What came back.
#[derive(Debug)]
pub enum Answer {
    Http {
        status: StatusCode,
        headers: HeaderMap,
        body: Bytes,
        trailers: Option<HeaderMap>,
    },
    /// The reply text to the call, or the close frame that came instead.
    WebSocket {
        reply: Option<String>,
        close: Option<(u16, String)>,
    },
}

/// One finished exchange.
#[derive(Debug)]
pub struct Exchange {
    pub answer: Answer,
    pub tape: Tape,
    pub connect: Duration,
    /// Until the answer's head (HTTP) or the reply message (WebSocket) was in hand.
    pub first_answer: Duration,
    pub total: Duration,
}

/// A call written for one protocol, ready to send.
pub enum Prepared {
    Http { http2: bool, request: Request<Bytes> },
    WebSocket { upgrade: Request<()>, message: String },
}

impl Prepared {
    pub fn new(protocol: Protocol, target: &Target, call: &Call, credential: &Credential) -> anyhow::Result<Prepared> {
        let http = |request, http2| Prepared::Http { http2, request };
        Ok(match protocol {
            Protocol::Rest => http(requests::rest(call, target, credential)?, false),
            Protocol::Graphql => http(requests::graphql(call, target, credential)?, false),
            Protocol::Soap => http(requests::soap(call, target, credential)?, false),
            Protocol::Grpc => http(requests::grpc(call, target, credential)?, true),
            Protocol::Websocket => {
                let (upgrade, message) = requests::websocket(call, target, credential)?;
                Prepared::WebSocket { upgrade, message }
            }
        })
    }

    /// The same call carrying `knobs`: as headers on HTTP (gRPC metadata included), as
    /// `params._playground` in the JSON-RPC message.
    pub fn with_knobs(mut self, knobs: &Knobs) -> anyhow::Result<Prepared> {
        if knobs.is_empty() {
            return Ok(self);
        }
        match &mut self {
            Prepared::Http { request, .. } => {
                let headers = request.headers_mut();
                if let Some(wait) = knobs.request_wait() {
                    headers.insert("x-playground-delay", wait.parse()?);
                }
                if let Some(fail) = knobs.fail {
                    headers.insert("x-playground-fail", fail.into());
                }
            }
            Prepared::WebSocket { upgrade, message } => {
                // The upgrade is a request of its own: it pays the round trip too.
                if let Some(rtt) = knobs.rtt_ms {
                    upgrade.headers_mut().insert("x-playground-delay", format!("{rtt}ms").parse()?);
                }
                let mut parsed: serde_json::Value = serde_json::from_str(message)?;
                let mut playground = serde_json::Map::new();
                if let Some(wait) = knobs.request_wait() {
                    playground.insert("delay".into(), wait.into());
                }
                if let Some(fail) = knobs.fail {
                    playground.insert("fail".into(), fail.into());
                }
                if let Some(params) = parsed.get_mut("params").and_then(serde_json::Value::as_object_mut) {
                    params.insert("_playground".into(), playground.into());
                }
                *message = parsed.to_string();
            }
        }
        Ok(self)
    }

    /// The message alone: the HTTP body (gRPC: prefix and protobuf), the WebSocket text.
    pub fn payload(&self) -> u64 {
        match self {
            Prepared::Http { request, .. } => request.body().len() as u64,
            Prepared::WebSocket { message, .. } => message.len() as u64,
        }
    }

    /// Sends it on a new connection; `keep_bytes` keeps the tape's bytes, not only their count.
    /// `handshake` is waited once connected, as a network's TCP handshake would take.
    pub async fn send(self, addr: SocketAddr, keep_bytes: bool, handshake: Duration) -> anyhow::Result<Exchange> {
        match self {
            Prepared::Http { http2, request } => http(addr, http2, request, keep_bytes, handshake).await,
            Prepared::WebSocket { upgrade, message } => websocket(addr, upgrade, message, keep_bytes, handshake).await,
        }
    }
}

async fn connect(addr: SocketAddr, recorder: &Recorder, handshake: Duration) -> anyhow::Result<(TcpStream, Duration)> {
    let socket = TcpStream::connect(addr).await?;
    if !handshake.is_zero() {
        tokio::time::sleep(handshake).await;
    }
    socket.set_nodelay(true)?;
    Ok((socket, recorder.started.elapsed()))
}

fn finish(recorder: &Recorder, answer: Answer, connect: Duration, first_answer: Duration) -> Exchange {
    let total = recorder.started.elapsed();
    let tape = std::mem::take(&mut *recorder.tape.lock());
    Exchange { answer, tape, connect, first_answer, total }
}

/// An HTTP request over HTTP/1.1 or HTTP/2 with prior knowledge (h2c), on a new connection.
pub async fn http(
    addr: SocketAddr,
    http2: bool,
    request: Request<Bytes>,
    keep_bytes: bool,
    handshake: Duration,
) -> anyhow::Result<Exchange> {
    let recorder = Recorder::new(keep_bytes);
    let (socket, connected) = connect(addr, &recorder, handshake).await?;
    let io = TokioIo::new(recorder.wrap(socket));
    let request = request.map(Full::new);
    // The tape is taken as soon as the answer is read, before the connection is dropped, so
    // every lane's bytes are the exchange itself and never a goodbye racing the snapshot.
    if http2 {
        let (mut sender, connection) = hyper::client::conn::http2::handshake(TokioExecutor::new(), io).await?;
        let driver = tokio::spawn(connection);
        let response = sender.send_request(request).await;
        answered(&recorder, connected, response, driver).await
    } else {
        let (mut sender, connection) = hyper::client::conn::http1::handshake(io).await?;
        let driver = tokio::spawn(connection);
        let response = sender.send_request(request).await;
        answered(&recorder, connected, response, driver).await
    }
}

/// Reads the answer whose head just arrived, takes the tape, and stops the connection's driver.
async fn answered(
    recorder: &Recorder,
    connected: Duration,
    response: hyper::Result<http::Response<hyper::body::Incoming>>,
    driver: tokio::task::JoinHandle<hyper::Result<()>>,
) -> anyhow::Result<Exchange> {
    let first = recorder.started.elapsed();
    let answer = read_http(response?).await;
    let exchange = answer.map(|answer| finish(recorder, answer, connected, first));
    driver.abort();
    exchange
}

async fn read_http(response: http::Response<hyper::body::Incoming>) -> anyhow::Result<Answer> {
    let (head, body) = response.into_parts();
    let collected = Limited::new(body, MAX_ANSWER_BYTES)
        .collect()
        .await
        .map_err(|error| anyhow::anyhow!("reading the answer: {error}"))?;
    let trailers = collected.trailers().cloned();
    Ok(Answer::Http { status: head.status, headers: head.headers, body: collected.to_bytes(), trailers })
}

/// A WebSocket upgrade, one text message, and the reply with the same JSON-RPC id; then a
/// clean close, so the tape shows the whole life of the connection.
pub async fn websocket(
    addr: SocketAddr,
    upgrade: Request<()>,
    message: String,
    keep_bytes: bool,
    handshake: Duration,
) -> anyhow::Result<Exchange> {
    let recorder = Recorder::new(keep_bytes);
    let (socket, connected) = connect(addr, &recorder, handshake).await?;
    let (mut socket, _) = tokio_tungstenite::client_async(upgrade, recorder.wrap(socket)).await?;
    socket.send(Message::text(message)).await?;
    let mut answer = Answer::WebSocket { reply: None, close: None };
    while let Some(frame) = socket.next().await {
        match frame? {
            // Event notifications carry no id; the reply to the call does.
            Message::Text(text) if text.contains("\"id\"") => {
                answer = Answer::WebSocket { reply: Some(text.to_string()), close: None };
                break;
            }
            Message::Close(frame) => {
                let close = frame.map(|f| (u16::from(f.code), f.reason.to_string())).unwrap_or((1005, String::new()));
                answer = Answer::WebSocket { reply: None, close: Some(close) };
                break;
            }
            _ => {}
        }
    }
    let first = recorder.started.elapsed();
    if matches!(answer, Answer::WebSocket { close: None, .. }) {
        let goodbye = socket.close(Some(tokio_tungstenite::tungstenite::protocol::CloseFrame {
            code: CloseCode::Normal,
            reason: "done".into(),
        }));
        if goodbye.await.is_ok() {
            let _ =
                tokio::time::timeout(Duration::from_secs(1), async { while socket.next().await.is_some() {} }).await;
        }
    }
    // The call ends with its reply; the close handshake after it is on the tape, not the clock.
    let mut exchange = finish(&recorder, answer, connected, first);
    exchange.total = first;
    Ok(exchange)
}
