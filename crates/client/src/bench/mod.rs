//! `api-playground bench`: the same operation on every protocol, over keep-alive connections,
//! against a running server (`--url`) or one started in-process with the rate limit lifted.
//! Prints requests/s, p50/p99 latency and bytes per call, as a table or `--json`.

use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Args;
use futures_util::{SinkExt, StreamExt};
use hdrhistogram::Histogram;
use tokio_tungstenite::tungstenite::Message;

mod push;

use playground_proto::pb::user_service_client::UserServiceClient;
use playground_proto::pb::GetUserRequest;

#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Server to measure; without it one is started in-process (rate limit lifted).
    #[arg(long)]
    pub url: Option<String>,
    /// What to compare: `protocols` (getUser on all five); `http` (getProduct over a new
    /// connection per request, keep-alive, HTTP/2 multiplexing, and with If-None-Match);
    /// `graphql` (one field vs REST, and a nested query with and without batching); `push`
    /// (latency from a REST write to many subscribers on each push transport); `compare` (what
    /// recording and decoding the wire costs a `compare` lane: capture on against off).
    #[arg(long, value_enum, default_value = "protocols")]
    pub suite: Suite,
    /// Id of the user to get.
    #[arg(long, default_value_t = 42)]
    pub id: u64,
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

impl BenchArgs {
    /// The header (and gRPC metadata) that carries the credential, and its value.
    fn credential(&self) -> (&'static str, String) {
        match &self.token {
            Some(token) => ("authorization", format!("Bearer {token}")),
            None => ("x-api-key", self.api_key.clone()),
        }
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

    fn title(self, args: &BenchArgs) -> String {
        match self {
            Suite::Protocols => format!("getUser {} on every protocol", args.id),
            Suite::Http => format!("getProduct {} over HTTP", args.product_id),
            Suite::Graphql => format!("GraphQL against REST getUser {}", args.id),
            Suite::Push => "push latency".to_owned(),
            Suite::Compare => format!("compare getUser {}: capture on against off", args.id),
        }
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
}

/// One protocol's result.
#[derive(Debug, serde::Serialize)]
struct Row {
    scenario: &'static str,
    calls: u64,
    errors: u64,
    requests_per_second: f64,
    p50_ms: f64,
    p99_ms: f64,
    /// Payload bytes of one request and one response (HTTP bodies, protobuf frames, WebSocket
    /// messages): what each style costs on the wire, without the transport's own headers.
    request_bytes_per_call: u64,
    response_bytes_per_call: u64,
}

/// A client for one connection that makes one call and says how many bytes came back.
enum Client {
    Http {
        client: reqwest::Client,
        request: reqwest::Request,
    },
    Grpc(UserServiceClient<tonic::transport::Channel>, u64, (&'static str, String)),
    WebSocket(
        Box<tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>>,
        String,
    ),
}

impl Client {
    /// `shared_h2` is the one HTTP/2 connection every multiplexed worker uses.
    async fn connect(
        scenario: Scenario,
        base: &str,
        args: &BenchArgs,
        shared_h2: &reqwest::Client,
    ) -> anyhow::Result<Client> {
        let http = || reqwest::Client::builder().http1_only().pool_max_idle_per_host(1).build();
        let id = args.id;
        let product = |client: reqwest::Client| {
            let request = client
                .get(format!("{base}/api/v1/products/{}", args.product_id))
                .header(args.credential().0, args.credential().1);
            (client, request)
        };
        Ok(match scenario {
            Scenario::NewConnection => {
                let (client, request) =
                    product(reqwest::Client::builder().http1_only().pool_max_idle_per_host(0).build()?);
                Client::Http { request: request.build()?, client }
            }
            Scenario::KeepAlive => {
                let (client, request) = product(http()?);
                Client::Http { request: request.build()?, client }
            }
            Scenario::Multiplexed => {
                let (client, request) = product(shared_h2.clone());
                Client::Http { request: request.build()?, client }
            }
            Scenario::NotModified => {
                let (client, request) = product(http()?);
                let first = client.execute(request.try_clone().context("cloneable")?.build()?).await?;
                let etag = first.headers().get("etag").cloned().context("getProduct sends an ETag")?;
                Client::Http { request: request.header("if-none-match", etag).build()?, client }
            }
            Scenario::Rest => {
                let client = http()?;
                let request = client
                    .get(format!("{base}/api/v1/users/{id}"))
                    .header(args.credential().0, args.credential().1)
                    .build()?;
                Client::Http { client, request }
            }
            Scenario::GraphQlOneField | Scenario::GraphQlNested | Scenario::GraphQlNestedUnbatched => {
                let client = http()?;
                let query = match scenario {
                    Scenario::GraphQlOneField => format!("{{ user(id: {id}) {{ name }} }}"),
                    _ => NESTED_QUERY.to_owned(),
                };
                let batching = if scenario == Scenario::GraphQlNestedUnbatched { "off" } else { "on" };
                let request = client
                    .post(format!("{base}/graphql"))
                    .header(args.credential().0, args.credential().1)
                    .header("x-playground-batching", batching)
                    .json(&serde_json::json!({ "query": query }))
                    .build()?;
                Client::Http { client, request }
            }
            Scenario::GraphQl => {
                let client = http()?;
                let query = format!("{{\"query\":\"{{ user(id: \\\"{id}\\\") {{ id name email }} }}\"}}");
                let request = client
                    .post(format!("{base}/graphql"))
                    .header(args.credential().0, args.credential().1)
                    .header("content-type", "application/json")
                    .body(query)
                    .build()?;
                Client::Http { client, request }
            }
            Scenario::Soap => {
                let client = http()?;
                let envelope = format!(
                    "<?xml version=\"1.0\"?><soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\"><soap:Body><GetUser xmlns=\"{}\"><Id>{id}</Id></GetUser></soap:Body></soap:Envelope>",
                    crate::requests::SOAP_NAMESPACE
                );
                let request = client
                    .post(format!("{base}/soap"))
                    .header(args.credential().0, args.credential().1)
                    .header("content-type", "text/xml; charset=utf-8")
                    .header("soapaction", format!("\"{}/GetUser\"", crate::requests::SOAP_NAMESPACE))
                    .body(envelope)
                    .build()?;
                Client::Http { client, request }
            }
            Scenario::Grpc => {
                let channel = tonic::transport::Endpoint::from_shared(base.to_owned())?.connect().await?;
                Client::Grpc(UserServiceClient::new(channel), id, args.credential())
            }
            Scenario::WebSocket => {
                let query = match &args.token {
                    Some(token) => format!("access_token={token}"),
                    None => format!("api_key={}", args.api_key),
                };
                let ws_url = format!("{}/ws?{query}", base.replacen("http", "ws", 1));
                let (socket, _) = tokio_tungstenite::connect_async(ws_url).await?;
                let call =
                    format!("{{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"users.get\",\"params\":{{\"id\":{id}}}}}");
                Client::WebSocket(Box::new(socket), call)
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
            Client::Grpc(_, id, _) => 5 + prost::Message::encoded_len(&GetUserRequest { id: *id }) as u64,
            Client::WebSocket(_, call) => call.len() as u64,
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
                anyhow::ensure!(ok && !bytes.windows(7).any(|w| w == b"\"errors"), "error answer");
                Ok(bytes.len() as u64)
            }
            Client::Grpc(client, id, (name, value)) => {
                let mut request = tonic::Request::new(GetUserRequest { id: *id });
                request.metadata_mut().insert(*name, value.parse()?);
                let response = client.get_user(request).await?;
                Ok(prost::Message::encoded_len(response.get_ref()) as u64)
            }
            Client::WebSocket(socket, call) => {
                socket.send(Message::text(call.clone())).await?;
                match socket.next().await {
                    Some(Ok(Message::Text(text))) => {
                        anyhow::ensure!(!text.contains("\"error\""), "error answer");
                        Ok(text.len() as u64)
                    }
                    other => anyhow::bail!("unexpected WebSocket answer: {other:?}"),
                }
            }
        }
    }
}

async fn measure(scenario: Scenario, base: &str, args: &BenchArgs) -> anyhow::Result<Row> {
    let deadline = Instant::now() + Duration::from_secs_f64(args.duration);
    let mut workers = Vec::new();
    let mut request_bytes = 0;
    let shared_h2 = reqwest::Client::builder().http2_prior_knowledge().build()?;
    for _ in 0..args.connections.max(1) {
        let mut client = Client::connect(scenario, base, args, &shared_h2)
            .await
            .with_context(|| format!("connecting {}", scenario.name()))?;
        request_bytes = client.request_bytes();
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
    let elapsed = started.elapsed().as_secs_f64().max(args.duration);
    let calls = merged.len();
    Ok(Row {
        scenario: scenario.name(),
        calls,
        errors,
        requests_per_second: calls as f64 / elapsed,
        p50_ms: merged.value_at_quantile(0.5) as f64 / 1000.0,
        p99_ms: merged.value_at_quantile(0.99) as f64 / 1000.0,
        request_bytes_per_call: request_bytes,
        response_bytes_per_call: bytes.checked_div(calls).unwrap_or(0),
    })
}

/// Runs the suite against the server at `base` (`http://host:port`).
pub async fn run(args: BenchArgs, base: &str) -> anyhow::Result<()> {
    let base = base.trim_end_matches('/').to_owned();
    match args.suite {
        Suite::Push => return push::run(&base, &args).await,
        Suite::Compare => return compare_cost(&base, &args).await,
        _ => {}
    }
    let mut rows = Vec::new();
    for &scenario in args.suite.scenarios() {
        eprintln!("measuring {} for {} s on {} workers ...", scenario.name(), args.duration, args.connections);
        rows.push(measure(scenario, &base, &args).await?);
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&rows)?);
    } else {
        println!(
            "{} on {base}, {} concurrent callers, {} s each",
            args.suite.title(&args),
            args.connections,
            args.duration
        );
        println!(
            "{:<22} {:>10} {:>8} {:>12} {:>9} {:>9} {:>9} {:>9}",
            "", "calls", "errors", "req/s", "p50 ms", "p99 ms", "req B", "resp B"
        );
        for row in &rows {
            println!(
                "{:<22} {:>10} {:>8} {:>12.0} {:>9.3} {:>9.3} {:>9} {:>9}",
                row.scenario,
                row.calls,
                row.errors,
                row.requests_per_second,
                row.p50_ms,
                row.p99_ms,
                row.request_bytes_per_call,
                row.response_bytes_per_call
            );
        }
    }
    Ok(())
}

/// One lane's time with the wire recorded and decoded, against only counted.
#[derive(Debug, serde::Serialize)]
struct CompareCost {
    protocol: &'static str,
    capture: bool,
    lanes: u64,
    p50_ms: f64,
    p99_ms: f64,
}

/// `--suite compare`: `compare` runs getUser on all five protocols, over and over, first with
/// every byte kept and decoded, then with the bytes only counted, for `duration` seconds each.
async fn compare_cost(base: &str, args: &BenchArgs) -> anyhow::Result<()> {
    use crate::call::{Call, Credential, IdArgs, Protocol};
    use crate::compare::{lane, Options};
    let target = crate::requests::Target::from_url(base).await?;
    let call = Call::GetUser(IdArgs { id: args.id });
    let credential = match &args.token {
        Some(token) => Credential::Bearer(token.clone()),
        None => Credential::ApiKey(args.api_key.clone()),
    };
    let mut rows = Vec::new();
    for capture in [true, false] {
        eprintln!("measuring compare with capture {} for {} s ...", if capture { "on" } else { "off" }, args.duration);
        let options = Options { capture, ..Options::default() };
        let mut histograms: Vec<Histogram<u64>> =
            Protocol::ALL.iter().map(|_| Histogram::new_with_bounds(1, 60_000_000, 3)).collect::<Result<_, _>>()?;
        let deadline = Instant::now() + Duration::from_secs_f64(args.duration);
        while Instant::now() < deadline {
            for (protocol, histogram) in Protocol::ALL.into_iter().zip(&mut histograms) {
                // The whole lane as `compare` pays it: the call, and the decoding after it.
                let started = Instant::now();
                let lane = lane(protocol, &target, &call, &credential, &options).await;
                anyhow::ensure!(lane.code == "OK", "{} answered {}", protocol.name(), lane.code);
                let _ = histogram.record(started.elapsed().as_micros().max(1) as u64);
            }
        }
        for (protocol, histogram) in Protocol::ALL.iter().zip(&histograms) {
            rows.push(CompareCost {
                protocol: protocol.name(),
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
    println!("{} on {base}", args.suite.title(args));
    println!("{:<10} {:>8} {:>8} {:>9} {:>9}", "", "capture", "lanes", "p50 ms", "p99 ms");
    for row in &rows {
        let capture = if row.capture { "on" } else { "off" };
        println!("{:<10} {:>8} {:>8} {:>9.3} {:>9.3}", row.protocol, capture, row.lanes, row.p50_ms, row.p99_ms);
    }
    Ok(())
}
