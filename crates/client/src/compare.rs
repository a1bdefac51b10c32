//! `compare`: one call on all five protocols, each over its own recorded connection, and what
//! each lane saw: status in its own terms, the canonical code, latency, bytes on the wire and the
//! exchange decoded for reading. The terminal command and the page's endpoint both run this.

use std::io::{IsTerminal, Write};
use std::time::Duration;

use clap::builder::TypedValueParser;
use clap::Args;
use serde::Serialize;

use crate::call::{Call, Credential, Knobs, Protocol};
use crate::capture::{Direction, Tape};
use crate::copy_as::{copy_as, CopyAs};
use crate::exchange::{Exchange, Prepared, Transport};
use crate::requests::{self, Target};
use crate::{decode, outcome};

/// How a comparison runs.
#[derive(Debug, Clone)]
pub struct Options {
    /// Keep every byte for display; off, the bytes are only counted (to measure capture's cost).
    pub capture: bool,
    /// The teaching knobs every lane's call carries.
    pub knobs: Knobs,
    /// How long one lane may take before it is reported as timed out.
    pub lane_timeout: Duration,
}

impl Default for Options {
    fn default() -> Self {
        Options { capture: true, knobs: Knobs::default(), lane_timeout: Duration::from_secs(10) }
    }
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object), oai(rename_all = "camelCase"))]
pub struct Latency {
    /// Until the TCP connection was open.
    pub connect_ms: f64,
    /// Until the answer's head (HTTP) or reply message (WebSocket) arrived.
    pub first_byte_ms: f64,
    /// Until the whole answer was read.
    pub total_ms: f64,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object), oai(rename_all = "camelCase"))]
pub struct WireBytes {
    /// Everything written and read: headers, framing and bodies.
    pub sent: u64,
    pub received: u64,
    /// The message alone: an HTTP body, gRPC's framed messages, a WebSocket message.
    pub sent_payload: u64,
    pub received_payload: u64,
}

/// One read or write, for a timeline.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object), oai(rename_all = "camelCase"))]
pub struct Step {
    /// Milliseconds since the lane started.
    pub at_ms: f64,
    pub direction: Direction,
    pub bytes: u64,
    /// The first line of text, or what kind of frames the bytes hold.
    pub summary: String,
}

/// One protocol's run of the call.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object), oai(rename_all = "camelCase"))]
pub struct Lane {
    pub protocol: Protocol,
    /// `HTTP/1.1`, `HTTP/2 (h2c)` or `WebSocket`.
    pub transport: String,
    /// The answer in the protocol's own terms: `404 Not Found`, `grpc-status 5 NOT_FOUND`,
    /// `JSON-RPC error -32004`, a SOAP fault code.
    pub status: String,
    /// `OK`, or the canonical error code the answer carried (the same on every protocol).
    pub code: String,
    pub latency: Latency,
    pub bytes: WireBytes,
    /// What was written, decoded for reading: HTTP/1.1 text, HTTP/2 frames with their headers
    /// and protobuf fields, the WebSocket upgrade and frames.
    pub request: String,
    /// What was read, decoded the same way.
    pub response: String,
    /// Every write and read on the socket, in order, with its time.
    pub exchange: Vec<Step>,
    /// Why the lane has no answer (refused connection, time-out), if it has none.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", oai(skip_serializing_if_is_none))]
    pub error: Option<String>,
    /// The same call as a command and as Python.
    pub copy_as: CopyAs,
}

/// The call on all five protocols.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(poem_openapi::Object))]
pub struct Comparison {
    /// The operation, as the contract names it.
    pub operation: String,
    /// REST, GraphQL, gRPC, WebSocket and SOAP, in that order.
    pub lanes: Vec<Lane>,
}

fn ms(duration: Duration) -> f64 {
    (duration.as_secs_f64() * 1_000_000.0).round() / 1000.0
}

fn transport(protocol: Protocol) -> Transport {
    match protocol {
        Protocol::Grpc => Transport::Http2,
        Protocol::Websocket => Transport::WebSocket,
        Protocol::Rest | Protocol::Graphql | Protocol::Soap => Transport::Http1,
    }
}

/// Runs the call on every protocol, one after the other, so no lane's timing is another's load
/// and a write lands in a known order.
pub async fn compare(target: &Target, call: &Call, credential: &Credential, options: Options) -> Comparison {
    let mut lanes = Vec::with_capacity(Protocol::ALL.len());
    for protocol in Protocol::ALL {
        lanes.push(lane(protocol, target, call, credential, &options).await);
    }
    Comparison { operation: call.operation().to_owned(), lanes }
}

/// One protocol's run of the call.
pub async fn lane(
    protocol: Protocol,
    target: &Target,
    call: &Call,
    credential: &Credential,
    options: &Options,
) -> Lane {
    let transport = transport(protocol);
    let copy_as = copy_as(protocol, call, target, credential);
    let mut sent_payload = 0;
    let run = async {
        let prepared = Prepared::new(protocol, target, call, credential)?.with_knobs(&options.knobs)?;
        sent_payload = prepared.payload();
        let handshake = Duration::from_millis(options.knobs.rtt_ms.map_or(0, u64::from));
        prepared.send(target.addr, options.capture, handshake).await
    };
    let result = match tokio::time::timeout(options.lane_timeout, run).await {
        Ok(result) => result,
        Err(_) => Err(anyhow::anyhow!("no answer within {} s", options.lane_timeout.as_secs_f64())),
    };
    match result {
        Ok(exchange) => described(protocol, transport, call, exchange, sent_payload, copy_as),
        Err(error) => Lane {
            protocol,
            transport: transport.label().to_owned(),
            status: "no answer".to_owned(),
            code: "UNAVAILABLE".to_owned(),
            latency: Latency { connect_ms: 0.0, first_byte_ms: 0.0, total_ms: 0.0 },
            bytes: WireBytes { sent: 0, received: 0, sent_payload, received_payload: 0 },
            request: String::new(),
            response: String::new(),
            exchange: vec![],
            error: Some(format!("{error:#}")),
            copy_as,
        },
    }
}

fn described(
    protocol: Protocol,
    transport: Transport,
    call: &Call,
    exchange: Exchange,
    sent_payload: u64,
    copy_as: CopyAs,
) -> Lane {
    let verdict = outcome::read(protocol, &exchange.answer);
    let tape = &exchange.tape;
    let (request, response) = decoded(protocol, call, tape);
    Lane {
        protocol,
        transport: transport.label().to_owned(),
        status: verdict.status,
        code: verdict.code,
        latency: Latency {
            connect_ms: ms(exchange.connect),
            first_byte_ms: ms(exchange.first_answer),
            total_ms: ms(exchange.total),
        },
        bytes: WireBytes { sent: tape.sent, received: tape.received, sent_payload, received_payload: verdict.payload },
        request,
        response,
        exchange: steps(protocol, tape),
        error: None,
        copy_as,
    }
}

fn decoded(protocol: Protocol, call: &Call, tape: &Tape) -> (String, String) {
    let (sent, received) = (tape.joined(Direction::Sent), tape.joined(Direction::Received));
    match protocol {
        Protocol::Grpc => {
            let messages = decode::grpc_messages(&requests::grpc_path(call));
            (
                decode::http2(&sent, messages.as_ref().map(|(input, _)| input)),
                decode::http2(&received, messages.as_ref().map(|(_, output)| output)),
            )
        }
        Protocol::Websocket => (decode::websocket(&sent), decode::websocket(&received)),
        Protocol::Rest | Protocol::Graphql | Protocol::Soap => (decode::http1(&sent), decode::http1(&received)),
    }
}

fn steps(protocol: Protocol, tape: &Tape) -> Vec<Step> {
    tape.chunks
        .iter()
        .map(|chunk| {
            let text = std::str::from_utf8(&chunk.bytes).ok().filter(|text| {
                // WebSocket frames after the upgrade are binary, even when they happen to be UTF-8.
                protocol != Protocol::Websocket || text.starts_with("GET ") || text.starts_with("HTTP/")
            });
            let line = text.and_then(|text| text.lines().next()).filter(|line| !line.is_empty());
            let summary = match (protocol, line) {
                (Protocol::Grpc, _) => format!("{} bytes of HTTP/2 frames", chunk.bytes.len()),
                (Protocol::Websocket, None) => format!("{} bytes of WebSocket frames", chunk.bytes.len()),
                (_, Some(line)) => line.chars().take(80).collect(),
                (_, None) => format!("{} bytes", chunk.bytes.len()),
            };
            Step { at_ms: ms(chunk.at), direction: chunk.direction, bytes: chunk.bytes.len() as u64, summary }
        })
        .collect()
}

/// `api-playground compare`.
#[derive(Debug, Args)]
pub struct CompareArgs {
    /// The operation, as the contract names it.
    #[arg(value_parser = clap::builder::PossibleValuesParser::new(crate::call::OPERATIONS))]
    pub operation: String,
    /// Shorthand for `--arg id=N`.
    #[arg(long)]
    pub id: Option<u64>,
    /// An argument, named as in the JSON-RPC params (`userId=3`, `status=paid`,
    /// `items=[{"productId":1,"quantity":2}]`); values that parse as JSON are taken as JSON.
    #[arg(long = "arg", value_name = "KEY=VALUE")]
    pub args: Vec<String>,
    /// Server to call; without it one is started in-process.
    #[arg(long)]
    pub url: Option<String>,
    /// API key to send.
    #[arg(long, default_value = "demo-read-key", conflicts_with_all = ["token", "anonymous"])]
    pub api_key: String,
    /// Bearer token to send instead of an API key.
    #[arg(long)]
    pub token: Option<String>,
    /// Send no credential at all.
    #[arg(long)]
    pub anonymous: bool,
    /// Print each exchange as it crossed the wire.
    #[arg(long)]
    pub wire: bool,
    /// Print the captures as JSON.
    #[arg(long)]
    pub json: bool,
    /// Ask every call to be delayed, such as `250ms` (`X-Playground-Delay`; at most 30 s).
    #[arg(long)]
    pub delay: Option<String>,
    /// Ask every call to fail with this HTTP status's canonical error (`X-Playground-Fail`).
    #[arg(long, value_parser = clap::builder::PossibleValuesParser::new(["400", "401", "403", "404", "409", "429", "500", "503"]).map(|code| code.parse::<u16>().unwrap_or(500)))]
    pub fail: Option<u16>,
    /// Play a network round trip of this many milliseconds: each lane waits one after
    /// connecting and has the server hold each request and message one more.
    #[arg(long, value_name = "MS", value_parser = clap::value_parser!(u32).range(0..=5000))]
    pub rtt: Option<u32>,
}

impl CompareArgs {
    /// The call these arguments name, or a message naming what is allowed.
    pub fn call(&self) -> Result<Call, crate::call::BadCall> {
        Call::from_flags(&self.operation, serde_json::Value::Null, self.id, &self.args)
    }

    pub fn credential(&self) -> Credential {
        match (&self.token, self.anonymous) {
            (_, true) => Credential::None,
            (Some(token), false) => Credential::Bearer(token.clone()),
            (None, false) => Credential::ApiKey(self.api_key.clone()),
        }
    }
}

/// Runs `compare` against `url` and prints rows, the wire, or JSON. A server started a moment
/// ago is first warmed up with a read on every protocol, so no lane pays for lazy set-up.
pub async fn run(args: &CompareArgs, call: &Call, url: &str, fresh_server: bool) -> anyhow::Result<()> {
    let target = Target::from_url(url).await?;
    if fresh_server {
        let read = Call::GetUser(crate::call::IdArgs { id: 1 });
        compare(&target, &read, &args.credential(), Options { capture: false, ..Options::default() }).await;
    }
    let knobs = Knobs { delay: args.delay.clone(), fail: args.fail, rtt_ms: args.rtt };
    let comparison = compare(&target, call, &args.credential(), Options { knobs, ..Options::default() }).await;
    let mut out = std::io::stdout().lock();
    if args.json {
        serde_json::to_writer_pretty(&mut out, &comparison)?;
        writeln!(out)?;
        return Ok(());
    }
    let colour = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let paint = |ok: bool, text: &str| match (colour, ok) {
        (false, _) => text.to_owned(),
        (true, true) => format!("\x1b[32m{text}\x1b[0m"),
        (true, false) => format!("\x1b[31m{text}\x1b[0m"),
    };
    writeln!(out, "{} on {}", call.operation(), target.base())?;
    writeln!(
        out,
        "{:<10} {:<13} {:<18} {:<44} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9}",
        "protocol", "transport", "code", "status", "connect", "1st byte", "total ms", "sent B", "recv B", "payload B"
    )?;
    for lane in &comparison.lanes {
        let code = format!("{:<18}", lane.code);
        writeln!(
            out,
            "{:<10} {:<13} {} {:<44} {:>9.3} {:>9.3} {:>9.3} {:>9} {:>9} {:>9}",
            lane.protocol.name(),
            lane.transport,
            paint(lane.code == "OK", &code),
            lane.error.as_deref().unwrap_or(&lane.status).chars().take(44).collect::<String>(),
            lane.latency.connect_ms,
            lane.latency.first_byte_ms,
            lane.latency.total_ms,
            lane.bytes.sent,
            lane.bytes.received,
            format!("{}/{}", lane.bytes.sent_payload, lane.bytes.received_payload),
        )?;
    }
    if args.wire {
        for lane in &comparison.lanes {
            writeln!(out, "\n=== {} ({}) sent {} bytes", lane.protocol.name(), lane.transport, lane.bytes.sent)?;
            writeln!(out, "{}", lane.request.trim_end())?;
            writeln!(out, "--- received {} bytes", lane.bytes.received)?;
            writeln!(out, "{}", lane.response.trim_end())?;
        }
    }
    Ok(())
}
