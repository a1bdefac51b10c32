//! `api-playground bench`: one read operation on every protocol, over keep-alive connections,
//! against a running server (`--url`) or one started in-process with the rate limit lifted (and,
//! with `--simulate-rtt`, loopback made as slow as a network). Prints requests/s, p50/p99 latency
//! and bytes per call, as a table or `--json`.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use bytes::Bytes;
use clap::Args;
use futures_util::{SinkExt, StreamExt};
use hdrhistogram::Histogram;
use http_body_util::{BodyExt, Full};
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio_tungstenite::tungstenite::Message;

use crate::call::{BadCall, Call, Credential, IdArgs};
use crate::requests::{self, Target};

mod push;

#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Server to measure; without it one is started in-process (rate limit lifted).
    #[arg(long)]
    pub url: Option<String>,
    /// What to compare: `protocols` (the operation on all five); `http` (getProduct over a new
    /// connection per request, keep-alive, HTTP/2 multiplexing, and with If-None-Match);
    /// `graphql` (one field vs REST, and a nested query with and without batching); `push`
    /// (latency from a REST write to many subscribers on each push transport); `compare` (what
    /// recording and decoding the wire costs a `compare` lane: capture on against off).
    #[arg(long, value_enum, default_value = "protocols")]
    pub suite: Suite,
    /// The read operation the `protocols` and `compare` suites repeat: listUsers, getUser,
    /// listProducts, getProduct, listUserOrders or getOrder.
    #[arg(long, default_value = "getUser")]
    pub operation: String,
    /// Shorthand for `--arg id=N`; without it getUser gets user 42, getProduct and getOrder id 1
    /// (and the `graphql` suite user 42).
    #[arg(long)]
    pub id: Option<u64>,
    /// An argument of the operation, named as in the JSON-RPC params (`userId=3`, `status=paid`,
    /// `limit=5`); values that parse as JSON are taken as JSON. listUserOrders gets userId 42
    /// without it.
    #[arg(long = "arg", value_name = "KEY=VALUE")]
    pub args: Vec<String>,
    /// Id of the product to get (the `http` suite).
    #[arg(long, default_value_t = 1)]
    pub product_id: u64,
    /// Seconds per protocol.
    #[arg(long, default_value_t = 3.0)]
    pub duration: f64,
    /// Concurrent keep-alive connections per protocol.
    #[arg(long, default_value_t = 8)]
    pub connections: usize,
    #[arg(long, default_value = "demo-read-key")]
    pub api_key: String,
    /// A bearer token (from `/auth/login` or `/oauth/token`) to send instead of the API key,
    /// to measure what verifying a JWT costs against looking up a key.
    #[arg(long)]
    pub token: Option<String>,
    /// Key for the writes of the `push` suite.
    #[arg(long, default_value = "demo-write-key")]
    pub write_api_key: String,
    /// Subscribers per transport (the `push` suite).
    #[arg(long, default_value_t = 100)]
    pub subscribers: usize,
    /// Writes measured per transport (the `push` suite).
    #[arg(long, default_value_t = 100)]
    pub writes: usize,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// The operations `bench` repeats: reads, so every call finds the same data.
pub const READ_OPERATIONS: [&str; 6] =
    ["listUsers", "getUser", "listProducts", "getProduct", "listUserOrders", "getOrder"];

/// The user the `graphql` suite reads when `--id` is not given.
const DEFAULT_USER: u64 = 42;

impl BenchArgs {
    /// The call `--operation`, `--id` and `--arg` name, or a message naming what is allowed.
    pub fn call(&self) -> Result<Call, BadCall> {
        let operation = self.operation.as_str();
        let defaults = match operation {
            "getUser" => serde_json::json!({ "id": DEFAULT_USER }),
            "getProduct" | "getOrder" => serde_json::json!({ "id": 1 }),
            "listUserOrders" => serde_json::json!({ "userId": DEFAULT_USER }),
            "listUsers" | "listProducts" => serde_json::Value::Null,
            _ => {
                return Err(BadCall(format!(
                    "bench repeats read operations only, so every call finds the same data: {} (not `{operation}`)",
                    READ_OPERATIONS.join(", ")
                )))
            }
        };
        Call::from_flags(operation, defaults, self.id, &self.args)
    }

    fn credential(&self) -> Credential {
        match &self.token {
            Some(token) => Credential::Bearer(token.clone()),
            None => Credential::ApiKey(self.api_key.clone()),
        }
    }

    /// The header that carries the credential, and its value.
    fn credential_header(&self) -> (&'static str, String) {
        match &self.token {
            Some(token) => ("authorization", format!("Bearer {token}")),
            None => ("x-api-key", self.api_key.clone()),
        }
    }

    fn user_id(&self) -> u64 {
        self.id.unwrap_or(DEFAULT_USER)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Suite {
    Protocols,
    Http,
    Graphql,
    Push,
    Compare,
}

/// One row of a table: a way of making the call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scenario {
    Rest,
    GraphQl,
    Grpc,
    WebSocket,
    Soap,
    /// getProduct, a new TCP connection (and handshake) for every request.
    NewConnection,
    /// getProduct over HTTP/1.1 keep-alive: one request at a time per connection.
    KeepAlive,
    /// getProduct over one HTTP/2 connection, every worker a stream on it.
    Multiplexed,
    /// getProduct with `If-None-Match`: 304 and no body.
    NotModified,
    /// `{ user(id: 42) { name } }`: one field, against REST's whole resource.
    GraphQlOneField,
    /// Twenty users, their orders, their items' products: batched, one domain call per level.
    GraphQlNested,
    /// The same with `X-Playground-Batching: off`: one domain call per parent (N+1).
    GraphQlNestedUnbatched,
}

const NESTED_QUERY: &str = "{ users(first: 20) { edges { node { orders { items { product { name } } } } } } }";

impl Suite {
    fn scenarios(self) -> &'static [Scenario] {
        match self {
            Suite::Protocols => {
                &[Scenario::Rest, Scenario::GraphQl, Scenario::Grpc, Scenario::WebSocket, Scenario::Soap]
            }
            Suite::Http => {
                &[Scenario::NewConnection, Scenario::KeepAlive, Scenario::Multiplexed, Scenario::NotModified]
            }
            Suite::Graphql => {
                &[Scenario::Rest, Scenario::GraphQlOneField, Scenario::GraphQlNested, Scenario::GraphQlNestedUnbatched]
            }
            // Push is measured per event, and compare per lane: see `push` and `compare_cost`.
            Suite::Push | Suite::Compare => &[],
        }
    }

    /// The call the suite's protocol rows make: the chosen operation, getProduct for `http`,
    /// getUser for `graphql` (its other rows are GraphQL documents of their own).
    fn call(self, args: &BenchArgs, chosen: &Call) -> Call {
        match self {
            Suite::Http => Call::GetProduct(IdArgs { id: args.product_id }),
            Suite::Graphql => Call::GetUser(IdArgs { id: args.user_id() }),
            Suite::Protocols | Suite::Push | Suite::Compare => chosen.clone(),
        }
    }

    fn title(self, call: &Call) -> String {
        match self {
            Suite::Protocols => format!("{} on every protocol", describe(call)),
            Suite::Http => format!("{} over HTTP", describe(call)),
            Suite::Graphql => format!("GraphQL against REST {}", describe(call)),
            Suite::Push => "push latency".to_owned(),
            Suite::Compare => format!("compare {}: capture on against off", describe(call)),
        }
    }
}

/// `getUser {"id":42}`: the operation and the arguments it was given.
fn describe(call: &Call) -> String {
    let mut args = match call.params() {
        serde_json::Value::Object(args) => args,
        _ => serde_json::Map::new(),
    };
    args.retain(|_, value| !value.is_null());
    match args.is_empty() {
        true => call.operation().to_owned(),
        false => format!("{} {}", call.operation(), serde_json::Value::Object(args)),
    }
}

impl Scenario {
    fn name(self) -> &'static str {
        match self {
            Scenario::Rest => "REST (HTTP/1.1)",
            Scenario::GraphQl => "GraphQL (HTTP/1.1)",
            Scenario::Grpc => "gRPC (h2c)",
            Scenario::WebSocket => "WebSocket JSON-RPC",
            Scenario::Soap => "SOAP 1.1 (HTTP/1.1)",
            Scenario::NewConnection => "HTTP/1.1 new conn",
            Scenario::KeepAlive => "HTTP/1.1 keep-alive",
            Scenario::Multiplexed => "HTTP/2 multiplexed",
            Scenario::NotModified => "keep-alive + 304",
            Scenario::GraphQlOneField => "GraphQL user { name }",
            Scenario::GraphQlNested => "GraphQL nested batched",
            Scenario::GraphQlNestedUnbatched => "GraphQL nested N+1",
        }
    }

    /// Whether the row makes the suite's call (and not a GraphQL document of its own).
    fn makes_the_call(self) -> bool {
        !matches!(self, Scenario::GraphQlOneField | Scenario::GraphQlNested | Scenario::GraphQlNestedUnbatched)
    }
}

/// One protocol's result.
#[derive(Debug, serde::Serialize)]
struct Row {
    scenario: &'static str,
    /// The operation the row repeats; absent for a GraphQL document of the suite's own.
    #[serde(skip_serializing_if = "Option::is_none")]
    operation: Option<&'static str>,
    calls: u64,
    errors: u64,
    requests_per_second: f64,
    p50_ms: f64,
    p99_ms: f64,
    /// p50 in round trips of the in-process server's `--simulate-rtt`, when one is simulated.
    #[serde(skip_serializing_if = "Option::is_none")]
    p50_rtt: Option<f64>,
    /// Payload bytes of one request and one response (HTTP bodies, protobuf frames, WebSocket
    /// messages): what each style costs on the wire, without the transport's own headers.
    request_bytes_per_call: u64,
    response_bytes_per_call: u64,
}

/// Where and as whom the suite calls, and what.
struct Setup<'a> {
    base: &'a str,
    target: Target,
    credential: Credential,
    args: &'a BenchArgs,
    call: Call,
}

type WebSocket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A client for one connection that makes one call and says how many bytes came back.
enum Client {
    Http {
        client: reqwest::Client,
        request: reqwest::Request,
    },
    /// gRPC on a kept HTTP/2 connection: the framed request of `requests::grpc`, sent again and
    /// again as a stream of its own.
    Grpc {
        sender: hyper::client::conn::http2::SendRequest<Full<Bytes>>,
        uri: http::Uri,
        headers: http::HeaderMap,
        body: Bytes,
    },
    WebSocket(Box<WebSocket>, String),
}

/// A request of `requests` (a path and a Host header) sent by reqwest to `base`; an empty body is
/// no body, as a GET has none.
fn reqwest_request(request: http::Request<Bytes>, base: &str) -> anyhow::Result<reqwest::Request> {
    let (mut parts, body) = request.into_parts();
    let path = parts.uri.path_and_query().map_or("/", |path| path.as_str());
    parts.uri = format!("{base}{path}").parse()?;
    let mut request = reqwest::Request::try_from(http::Request::from_parts(parts, body.clone()))?;
    if body.is_empty() {
        *request.body_mut() = None;
    }
    Ok(request)
}

impl Client {
    /// `shared_h2` is the one HTTP/2 connection every multiplexed worker uses.
    async fn connect(scenario: Scenario, setup: &Setup<'_>, shared_h2: &reqwest::Client) -> anyhow::Result<Client> {
        let (base, call, credential) = (setup.base, &setup.call, &setup.credential);
        let http = || reqwest::Client::builder().http1_only().pool_max_idle_per_host(1).build();
        let built = |client: reqwest::Client, request: http::Request<Bytes>| -> anyhow::Result<Client> {
            Ok(Client::Http { request: reqwest_request(request, base)?, client })
        };
        let rest = || requests::rest(call, &setup.target, credential);
        Ok(match scenario {
            Scenario::NewConnection => {
                built(reqwest::Client::builder().http1_only().pool_max_idle_per_host(0).build()?, rest()?)?
            }
            Scenario::KeepAlive | Scenario::Rest => built(http()?, rest()?)?,
            Scenario::Multiplexed => built(shared_h2.clone(), rest()?)?,
            Scenario::NotModified => {
                let client = http()?;
                let first = client.execute(reqwest_request(rest()?, base)?).await?;
                let etag = first.headers().get("etag").cloned().context("getProduct sends an ETag")?;
                let mut request = reqwest_request(rest()?, base)?;
                request.headers_mut().insert("if-none-match", etag);
                Client::Http { client, request }
            }
            Scenario::GraphQl => built(http()?, requests::graphql(call, &setup.target, credential)?)?,
            Scenario::Soap => built(http()?, requests::soap(call, &setup.target, credential)?)?,
            Scenario::GraphQlOneField | Scenario::GraphQlNested | Scenario::GraphQlNestedUnbatched => {
                let client = http()?;
                let query = match scenario {
                    Scenario::GraphQlOneField => format!("{{ user(id: {}) {{ name }} }}", setup.args.user_id()),
                    _ => NESTED_QUERY.to_owned(),
                };
                let batching = if scenario == Scenario::GraphQlNestedUnbatched { "off" } else { "on" };
                let (name, value) = setup.args.credential_header();
                let request = client
                    .post(format!("{base}/graphql"))
                    .header(name, value)
                    .header("x-playground-batching", batching)
                    .json(&serde_json::json!({ "query": query }))
                    .build()?;
                Client::Http { client, request }
            }
            Scenario::Grpc => {
                let socket = tokio::net::TcpStream::connect(setup.target.addr).await?;
                socket.set_nodelay(true)?;
                let (sender, connection) =
                    hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(socket)).await?;
                // Ends by itself once the sender is dropped.
                tokio::spawn(connection);
                let (parts, body) = requests::grpc(call, &setup.target, credential)?.into_parts();
                Client::Grpc { sender, uri: parts.uri, headers: parts.headers, body }
            }
            Scenario::WebSocket => {
                let (upgrade, message) = requests::websocket(call, &setup.target, credential)?;
                let (socket, _) = tokio_tungstenite::connect_async(upgrade).await?;
                Client::WebSocket(Box::new(socket), message)
            }
        })
    }

    /// The payload bytes of one request.
    fn request_bytes(&self) -> u64 {
        match self {
            Client::Http { request, .. } => {
                request.body().and_then(|body| body.as_bytes()).map_or(0, |b| b.len() as u64)
            }
            // The 5-byte gRPC frame prefix plus the protobuf message.
            Client::Grpc { body, .. } => body.len() as u64,
            Client::WebSocket(_, message) => message.len() as u64,
        }
    }

    /// One call: Ok(bytes received) when it succeeded.
    async fn call(&mut self) -> anyhow::Result<u64> {
        match self {
            Client::Http { client, request } => {
                let request = request.try_clone().context("request body is not cloneable")?;
                let response = client.execute(request).await?;
                let ok = response.status().is_success() || response.status() == reqwest::StatusCode::NOT_MODIFIED;
                let bytes = response.bytes().await?;
                anyhow::ensure!(ok && !bytes.windows(9).any(|w| w == b"\"errors\":"), "error answer");
                Ok(bytes.len() as u64)
            }
            Client::Grpc { sender, uri, headers, body } => {
                let mut request = http::Request::new(Full::new(body.clone()));
                *request.method_mut() = http::Method::POST;
                *request.uri_mut() = uri.clone();
                *request.headers_mut() = headers.clone();
                let response = sender.send_request(request).await?;
                let (head, body) = response.into_parts();
                let collected = body.collect().await?;
                // A trailers-only answer (an error) carries grpc-status in its headers.
                let status = collected
                    .trailers()
                    .and_then(|trailers| trailers.get("grpc-status"))
                    .or_else(|| head.headers.get("grpc-status"))
                    .map(|status| status.as_bytes().to_vec());
                anyhow::ensure!(head.status.is_success() && status.as_deref() == Some(b"0"), "grpc-status {status:?}");
                Ok(collected.to_bytes().len() as u64)
            }
            Client::WebSocket(socket, message) => {
                socket.send(Message::text(message.clone())).await?;
                match socket.next().await {
                    Some(Ok(Message::Text(text))) => {
                        anyhow::ensure!(!text.contains("\"error\":"), "error answer");
                        Ok(text.len() as u64)
                    }
                    other => anyhow::bail!("unexpected WebSocket answer: {other:?}"),
                }
            }
        }
    }
}

/// A progress bar on a terminal while one scenario runs; elsewhere one line saying what runs.
struct Progress {
    bar: Option<indicatif::ProgressBar>,
    ticker: Option<tokio::task::JoinHandle<()>>,
}

impl Progress {
    /// `calls` counts what the workers have done so far, for the bar's message.
    fn start(label: &str, detail: &str, duration: f64, calls: Arc<AtomicU64>) -> Progress {
        if !std::io::stderr().is_terminal() {
            eprintln!("measuring {label} {detail} ...");
            return Progress { bar: None, ticker: None };
        }
        let total = Duration::from_secs_f64(duration);
        let bar = indicatif::ProgressBar::new(total.as_millis().max(1) as u64);
        bar.set_style(
            indicatif::ProgressStyle::with_template("{prefix:<24} [{bar:30}] {msg}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
                .progress_chars("=> "),
        );
        bar.set_prefix(label.to_owned());
        let ticking = bar.clone();
        let started = Instant::now();
        let ticker = tokio::spawn(async move {
            let mut every = tokio::time::interval(Duration::from_millis(100));
            loop {
                every.tick().await;
                let elapsed = started.elapsed();
                ticking.set_position(elapsed.as_millis() as u64);
                let done = calls.load(Ordering::Relaxed);
                ticking.set_message(format!(
                    "{:.1}/{:.1} s, {done} calls",
                    elapsed.min(total).as_secs_f64(),
                    total.as_secs_f64()
                ));
            }
        });
        Progress { bar: Some(bar), ticker: Some(ticker) }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        if let Some(ticker) = self.ticker.take() {
            ticker.abort();
        }
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}

async fn measure(scenario: Scenario, setup: &Setup<'_>, rtt: Option<Duration>) -> anyhow::Result<Row> {
    let args = setup.args;
    let calls_so_far = Arc::new(AtomicU64::new(0));
    let detail = format!("for {} s on {} workers", args.duration, args.connections);
    let progress = Progress::start(scenario.name(), &detail, args.duration, calls_so_far.clone());
    let deadline = Instant::now() + Duration::from_secs_f64(args.duration);
    let mut workers = Vec::new();
    let mut request_bytes = 0;
    let shared_h2 = reqwest::Client::builder().http2_prior_knowledge().build()?;
    for _ in 0..args.connections.max(1) {
        let mut client = Client::connect(scenario, setup, &shared_h2)
            .await
            .with_context(|| format!("connecting {}", scenario.name()))?;
        request_bytes = client.request_bytes();
        let calls_so_far = calls_so_far.clone();
        workers.push(tokio::spawn(async move {
            let mut histogram = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3).ok();
            let (mut errors, mut bytes) = (0u64, 0u64);
            while Instant::now() < deadline {
                let started = Instant::now();
                match client.call().await {
                    Ok(n) => {
                        bytes += n;
                        if let Some(h) = histogram.as_mut() {
                            let _ = h.record(started.elapsed().as_micros().max(1) as u64);
                        }
                    }
                    Err(_) => errors += 1,
                }
                calls_so_far.fetch_add(1, Ordering::Relaxed);
            }
            (histogram, errors, bytes)
        }));
    }
    let started = Instant::now();
    let mut merged = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3)?;
    let (mut errors, mut bytes) = (0, 0);
    for worker in workers {
        let (histogram, e, b) = worker.await?;
        if let Some(h) = histogram {
            merged.add(h)?;
        }
        errors += e;
        bytes += b;
    }
    drop(progress);
    let elapsed = started.elapsed().as_secs_f64().max(args.duration);
    let calls = merged.len();
    let p50_ms = merged.value_at_quantile(0.5) as f64 / 1000.0;
    Ok(Row {
        scenario: scenario.name(),
        operation: scenario.makes_the_call().then(|| setup.call.operation()),
        calls,
        errors,
        requests_per_second: calls as f64 / elapsed,
        p50_ms,
        p99_ms: merged.value_at_quantile(0.99) as f64 / 1000.0,
        p50_rtt: rtt
            .filter(|rtt| !rtt.is_zero())
            .map(|rtt| (p50_ms / (rtt.as_secs_f64() * 1000.0) * 100.0).round() / 100.0),
        request_bytes_per_call: request_bytes,
        response_bytes_per_call: bytes.checked_div(calls).unwrap_or(0),
    })
}

/// Runs the suite against the server at `base` (`http://host:port`) with `call` (see
/// [`BenchArgs::call`]); `rtt` is the round trip the in-process server simulates, if any, to
/// show each p50 in round trips.
pub async fn run(args: BenchArgs, call: &Call, base: &str, rtt: Option<Duration>) -> anyhow::Result<()> {
    let base = base.trim_end_matches('/').to_owned();
    match args.suite {
        Suite::Push => return push::run(&base, &args).await,
        Suite::Compare => return compare_cost(&base, &args, call).await,
        _ => {}
    }
    let setup = Setup {
        base: &base,
        target: Target::from_url(&base).await?,
        credential: args.credential(),
        args: &args,
        call: args.suite.call(&args, call),
    };
    let mut rows = Vec::new();
    for &scenario in args.suite.scenarios() {
        rows.push(measure(scenario, &setup, rtt).await?);
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&rows)?);
        return Ok(());
    }
    let rtt_note =
        rtt.map(|rtt| format!(", simulated round trip {} ms", rtt.as_secs_f64() * 1000.0)).unwrap_or_default();
    println!(
        "{} on {base}, {} concurrent callers, {} s each{rtt_note}",
        args.suite.title(&setup.call),
        args.connections,
        args.duration
    );
    let rtt_column = |text: String| if rtt.is_some() { text } else { String::new() };
    println!(
        "{:<22} {:>10} {:>8} {:>12} {:>9}{} {:>9} {:>9} {:>9}",
        "",
        "calls",
        "errors",
        "req/s",
        "p50 ms",
        rtt_column(format!(" {:>8}", "p50/rtt")),
        "p99 ms",
        "req B",
        "resp B"
    );
    for row in &rows {
        println!(
            "{:<22} {:>10} {:>8} {:>12.0} {:>9.3}{} {:>9.3} {:>9} {:>9}",
            row.scenario,
            row.calls,
            row.errors,
            row.requests_per_second,
            row.p50_ms,
            rtt_column(format!(" {:>8}", row.p50_rtt.map(|n| format!("{n:.2}")).unwrap_or_default())),
            row.p99_ms,
            row.request_bytes_per_call,
            row.response_bytes_per_call
        );
    }
    Ok(())
}

/// One lane's time with the wire recorded and decoded, against only counted.
#[derive(Debug, serde::Serialize)]
struct CompareCost {
    protocol: &'static str,
    operation: &'static str,
    capture: bool,
    lanes: u64,
    p50_ms: f64,
    p99_ms: f64,
}

/// `--suite compare`: `compare` runs the operation on all five protocols, over and over, first
/// with every byte kept and decoded, then with the bytes only counted, for `duration` seconds each.
async fn compare_cost(base: &str, args: &BenchArgs, call: &Call) -> anyhow::Result<()> {
    use crate::call::Protocol;
    use crate::compare::{lane, Options};
    let target = Target::from_url(base).await?;
    let credential = args.credential();
    let mut rows = Vec::new();
    for capture in [true, false] {
        let lanes_so_far = Arc::new(AtomicU64::new(0));
        let label = format!("compare, capture {}", if capture { "on" } else { "off" });
        let progress =
            Progress::start(&label, &format!("for {} s", args.duration), args.duration, lanes_so_far.clone());
        let options = Options { capture, ..Options::default() };
        let mut histograms: Vec<Histogram<u64>> =
            Protocol::ALL.iter().map(|_| Histogram::new_with_bounds(1, 60_000_000, 3)).collect::<Result<_, _>>()?;
        let deadline = Instant::now() + Duration::from_secs_f64(args.duration);
        while Instant::now() < deadline {
            for (protocol, histogram) in Protocol::ALL.into_iter().zip(&mut histograms) {
                // The whole lane as `compare` pays it: the call, and the decoding after it.
                let started = Instant::now();
                let lane = lane(protocol, &target, call, &credential, &options).await;
                anyhow::ensure!(lane.code == "OK", "{} answered {}", protocol.name(), lane.code);
                let _ = histogram.record(started.elapsed().as_micros().max(1) as u64);
                lanes_so_far.fetch_add(1, Ordering::Relaxed);
            }
        }
        drop(progress);
        for (protocol, histogram) in Protocol::ALL.iter().zip(&histograms) {
            rows.push(CompareCost {
                protocol: protocol.name(),
                operation: call.operation(),
                capture,
                lanes: histogram.len(),
                p50_ms: histogram.value_at_quantile(0.5) as f64 / 1000.0,
                p99_ms: histogram.value_at_quantile(0.99) as f64 / 1000.0,
            });
        }
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&rows)?);
        return Ok(());
    }
    println!("{} on {base}", args.suite.title(call));
    println!("{:<10} {:>8} {:>8} {:>9} {:>9}", "", "capture", "lanes", "p50 ms", "p99 ms");
    for row in &rows {
        let capture = if row.capture { "on" } else { "off" };
        println!("{:<10} {:>8} {:>8} {:>9.3} {:>9.3}", row.protocol, capture, row.lanes, row.p50_ms, row.p99_ms);
    }
    Ok(())
}
