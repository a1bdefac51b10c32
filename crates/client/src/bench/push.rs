//! `bench --suite push`: how long one change takes to reach every subscriber, and what hearing
//! about it costs, for each of the seven ways. Many subscribers listen for `user.created`
//! (WebSocket JSON-RPC, a GraphQL subscription, gRPC `WatchEvents`, Server-Sent Events, a webhook
//! to a receiver of the bench's own, long polling, and polling every second); one REST
//! `createUser` at a time is sent, and each subscriber notes when that user arrives. Reports, per
//! style, the latency of each delivery and of the last subscriber to get it (the fan-out), and
//! the requests and bytes each delivered event cost: the primer's "polling wastes requests",
//! measured.

use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use futures_util::{SinkExt, StreamExt};
use hdrhistogram::Histogram;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

use super::BenchArgs;
use playground_proto::pb;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Transport {
    WebSocket,
    GraphQl,
    Grpc,
    ServerSentEvents,
    Webhook,
    LongPolling,
    Polling,
}

const TRANSPORTS: [Transport; 7] = [
    Transport::WebSocket,
    Transport::GraphQl,
    Transport::Grpc,
    Transport::ServerSentEvents,
    Transport::Webhook,
    Transport::LongPolling,
    Transport::Polling,
];

/// A caller holds at most this many webhooks (the server's bound).
const MAX_HOOKS: usize = 10;
/// Polling every second makes each write wait up to a second, and writes to it come after a
/// quiet while: fewer writes are measured.
const MAX_POLLED_WRITES: usize = 10;
const POLL_EVERY: Duration = Duration::from_secs(1);

impl Transport {
    fn name(self) -> &'static str {
        match self {
            Transport::WebSocket => "WebSocket events.subscribe",
            Transport::GraphQl => "GraphQL subscription",
            Transport::Grpc => "gRPC WatchEvents",
            Transport::ServerSentEvents => "SSE /events/stream",
            Transport::Webhook => "webhook POST",
            Transport::LongPolling => "long polling (wait=30)",
            Transport::Polling => "polling every 1 s",
        }
    }

    fn subscribers(self, asked: usize) -> usize {
        match self {
            Transport::Webhook => asked.min(MAX_HOOKS),
            _ => asked,
        }
    }

    fn writes(self, asked: usize) -> usize {
        match self {
            Transport::Polling => asked.min(MAX_POLLED_WRITES),
            _ => asked,
        }
    }
}

/// What the subscribers of one style have paid so far: requests (HTTP requests, connections,
/// subscribe messages, webhook POSTs) and the bytes of every message they received.
#[derive(Default)]
struct Cost {
    requests: AtomicU64,
    bytes: AtomicU64,
}

impl Cost {
    fn request(&self) {
        self.requests.fetch_add(1, Ordering::Relaxed);
    }
    fn received(&self, bytes: usize) {
        self.bytes.fetch_add(bytes as u64, Ordering::Relaxed);
    }
    fn now(&self) -> (u64, u64) {
        (self.requests.load(Ordering::Relaxed), self.bytes.load(Ordering::Relaxed))
    }
}

/// One subscriber saw the user of one write.
struct Delivery {
    subscriber: usize,
    write: usize,
    at: Instant,
}

/// How long to wait for every subscriber to see one write before counting the rest as missed.
const DELIVERY_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Debug, serde::Serialize)]
struct Row {
    transport: &'static str,
    subscribers: usize,
    writes: usize,
    deliveries: u64,
    missed: u64,
    p50_ms: f64,
    p99_ms: f64,
    /// When the last subscriber had it: the whole fan-out.
    all_p50_ms: f64,
    all_p99_ms: f64,
    /// Requests (or connections, subscribe messages, webhook POSTs) per event delivered.
    requests_per_event: f64,
    /// Bytes received per event delivered (message payloads).
    bytes_per_event: f64,
}

/// The email that identifies write `write` of this run, so subscribers can tell whose user it is.
fn email(run: u128, write: usize) -> String {
    format!("bench-push-{run}-{write}@example.com")
}

/// The write index in a message that carries one of this run's users.
fn write_in(text: &str, run: u128) -> Option<usize> {
    let marker = format!("bench-push-{run}-");
    let start = text.find(&marker)? + marker.len();
    let digits: String = text[start..].chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

pub async fn run(base: &str, args: &BenchArgs) -> anyhow::Result<()> {
    let run = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_nanos();
    let mut rows = Vec::new();
    let mut first_write = 0;
    for transport in TRANSPORTS {
        eprintln!(
            "measuring {} with {} subscribers, {} writes ...",
            transport.name(),
            transport.subscribers(args.subscribers),
            transport.writes(args.writes)
        );
        let (row, next_write) = measure(transport, base, args, run, first_write).await?;
        first_write = next_write;
        rows.push(row);
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&rows)?);
        return Ok(());
    }
    println!("REST createUser to many subscribers on {base}, one write at a time");
    println!(
        "{:<28} {:>5} {:>6} {:>10} {:>7} {:>9} {:>9} {:>11} {:>11} {:>9} {:>9}",
        "",
        "subs",
        "writes",
        "deliveries",
        "missed",
        "p50 ms",
        "p99 ms",
        "all p50 ms",
        "all p99 ms",
        "req/event",
        "B/event"
    );
    for row in &rows {
        println!(
            "{:<28} {:>5} {:>6} {:>10} {:>7} {:>9.3} {:>9.3} {:>11.3} {:>11.3} {:>9.2} {:>9.0}",
            row.transport,
            row.subscribers,
            row.writes,
            row.deliveries,
            row.missed,
            row.p50_ms,
            row.p99_ms,
            row.all_p50_ms,
            row.all_p99_ms,
            row.requests_per_event,
            row.bytes_per_event
        );
    }
    Ok(())
}

/// Subscribes, warms up until every subscriber has seen a write, then measures `args.writes`
/// writes. Returns the row and the next unused write index.
async fn measure(
    transport: Transport,
    base: &str,
    args: &BenchArgs,
    run: u128,
    mut write: usize,
) -> anyhow::Result<(Row, usize)> {
    let (deliveries, mut received) = mpsc::unbounded_channel();
    let cost = Arc::new(Cost::default());
    let count = transport.subscribers(args.subscribers);
    let writes = transport.writes(args.writes);
    let mut subscribers = Vec::new();
    let mut hooks = Vec::new();
    let webhook_receiver = match transport {
        Transport::Webhook => Some(receive_webhooks(run, deliveries.clone(), cost.clone()).await?),
        _ => None,
    };
    for subscriber in 0..count {
        match &webhook_receiver {
            Some((url, _)) => hooks.push(register_hook(base, &args.api_key, &format!("{url}/{subscriber}")).await?),
            None => subscribers.push(
                subscribe(transport, base, &args.api_key, subscriber, run, deliveries.clone(), cost.clone())
                    .await
                    .with_context(|| format!("subscribing over {}", transport.name()))?,
            ),
        }
    }
    let writer = reqwest::Client::new();
    let create = |write: usize| {
        writer
            .post(format!("{base}/api/v1/users"))
            .header("x-api-key", &args.write_api_key)
            .json(&serde_json::json!({"name": "Bench Push", "email": email(run, write)}))
            .send()
    };
    // Warm-up: until every subscription is live (a GraphQL subscribe has no acknowledgement).
    let mut live = HashSet::new();
    let warm_up_until = Instant::now() + DELIVERY_TIMEOUT;
    while live.len() < count && Instant::now() < warm_up_until {
        create(write).await?.error_for_status()?;
        write += 1;
        let window = tokio::time::sleep(match transport {
            Transport::Polling => POLL_EVERY + Duration::from_millis(200),
            _ => Duration::from_millis(100),
        });
        tokio::pin!(window);
        loop {
            tokio::select! {
                Some(delivery) = received.recv() => { live.insert(delivery.subscriber); }
                () = &mut window => break,
            }
        }
    }
    anyhow::ensure!(live.len() == count, "only {} of {count} subscribers went live", live.len());
    // Whatever was paid until every subscriber was live is not the measured part.
    let (requests_before, bytes_before) = cost.now();
    let mut each = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3)?;
    let mut all = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3)?;
    let mut missed = 0;
    for _ in 0..writes {
        let this = write;
        write += 1;
        // Events a poller cannot time: each write comes 0 to 2 s after the last one was seen,
        // so polling pays for the quiet seconds as it would in use.
        if transport == Transport::Polling {
            tokio::time::sleep(Duration::from_millis((this as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 53)).await;
        }
        let sent = Instant::now();
        create(this).await?.error_for_status()?;
        let mut seen = 0;
        let mut last = sent;
        let deadline = tokio::time::sleep(DELIVERY_TIMEOUT);
        tokio::pin!(deadline);
        while seen < count {
            tokio::select! {
                Some(delivery) = received.recv() => {
                    if delivery.write == this {
                        seen += 1;
                        let latency = delivery.at.saturating_duration_since(sent);
                        each.record(latency.as_micros().max(1) as u64)?;
                        last = last.max(delivery.at);
                    }
                }
                () = &mut deadline => break,
            }
        }
        missed += (count - seen) as u64;
        all.record(last.saturating_duration_since(sent).as_micros().max(1) as u64)?;
    }
    let (requests_after, bytes_after) = cost.now();
    for subscriber in subscribers {
        subscriber.abort();
    }
    for hook in hooks {
        reqwest::Client::new()
            .delete(format!("{base}/api/v1/webhooks/{hook}"))
            .header("x-api-key", &args.api_key)
            .send()
            .await?;
    }
    if let Some((_, receiver)) = webhook_receiver {
        receiver.abort();
    }
    let per_event = |total: u64| total as f64 / each.len().max(1) as f64;
    let ms = |histogram: &Histogram<u64>, quantile| histogram.value_at_quantile(quantile) as f64 / 1000.0;
    let row = Row {
        transport: transport.name(),
        subscribers: count,
        writes,
        deliveries: each.len(),
        missed,
        p50_ms: ms(&each, 0.5),
        p99_ms: ms(&each, 0.99),
        all_p50_ms: ms(&all, 0.5),
        all_p99_ms: ms(&all, 0.99),
        requests_per_event: per_event(requests_after - requests_before),
        bytes_per_event: per_event(bytes_after - bytes_before),
    };
    Ok((row, write))
}

/// One subscriber: connects, subscribes to `user.created`, and reports every user of this run
/// it receives until aborted.
async fn subscribe(
    transport: Transport,
    base: &str,
    api_key: &str,
    subscriber: usize,
    run: u128,
    deliveries: mpsc::UnboundedSender<Delivery>,
    cost: Arc<Cost>,
) -> anyhow::Result<tokio::task::JoinHandle<()>> {
    let report = move |text: &str| {
        if let Some(write) = write_in(text, run) {
            let _ = deliveries.send(Delivery { subscriber, write, at: Instant::now() });
        }
    };
    // Every style pays at least one request to start listening.
    cost.request();
    let ws_base = base.replacen("http", "ws", 1);
    Ok(match transport {
        Transport::WebSocket => {
            let (mut socket, _) = tokio_tungstenite::connect_async(format!("{ws_base}/ws?api_key={api_key}")).await?;
            let subscribe =
                r#"{"jsonrpc":"2.0","id":1,"method":"events.subscribe","params":{"types":["user.created"]}}"#;
            socket.send(Message::text(subscribe)).await?;
            cost.request();
            tokio::spawn(async move {
                while let Some(Ok(Message::Text(text))) = socket.next().await {
                    cost.received(text.len());
                    report(&text);
                }
            })
        }
        Transport::GraphQl => {
            let mut request = format!("{ws_base}/graphql/ws").into_client_request()?;
            request.headers_mut().insert("sec-websocket-protocol", "graphql-transport-ws".parse()?);
            let (mut socket, _) = tokio_tungstenite::connect_async(request).await?;
            let init = serde_json::json!({"type": "connection_init", "payload": {"X-API-Key": api_key}});
            socket.send(Message::text(init.to_string())).await?;
            match socket.next().await {
                Some(Ok(Message::Text(text))) if text.contains("connection_ack") => {}
                other => anyhow::bail!("no connection_ack: {other:?}"),
            }
            let subscribe = serde_json::json!({"id": "1", "type": "subscribe", "payload": {
                "query": "subscription { events(types: [USER_CREATED]) { seq data } }"
            }});
            socket.send(Message::text(subscribe.to_string())).await?;
            cost.request();
            tokio::spawn(async move {
                while let Some(Ok(Message::Text(text))) = socket.next().await {
                    if text.contains("\"ping\"") && socket.send(Message::text(r#"{"type":"pong"}"#)).await.is_err() {
                        return;
                    }
                    cost.received(text.len());
                    report(&text);
                }
            })
        }
        Transport::Grpc => {
            let channel = tonic::transport::Endpoint::from_shared(base.to_owned())?.connect().await?;
            let mut client = pb::event_service_client::EventServiceClient::new(channel);
            let mut request = tonic::Request::new(pb::WatchEventsRequest {
                after_seq: None,
                types: vec![pb::EventType::UserCreated as i32],
            });
            request.metadata_mut().insert("x-api-key", api_key.parse()?);
            let mut stream = client.watch_events(request).await?.into_inner();
            tokio::spawn(async move {
                while let Ok(Some(message)) = stream.message().await {
                    cost.received(prost::Message::encoded_len(&message));
                    if let Some(pb::watch_events_response::Item::Event(event)) = message.item {
                        if let Some(pb::event::Data::User(user)) = event.data {
                            report(&user.email);
                        }
                    }
                }
            })
        }
        Transport::ServerSentEvents => {
            let mut response = reqwest::Client::new()
                .get(format!("{base}/api/v1/events/stream?types=user.created"))
                .header("x-api-key", api_key)
                .send()
                .await?
                .error_for_status()?;
            tokio::spawn(async move {
                // Messages end with a blank line; a chunk may end mid-message.
                let mut pending = String::new();
                while let Ok(Some(chunk)) = response.chunk().await {
                    cost.received(chunk.len());
                    pending.push_str(&String::from_utf8_lossy(&chunk));
                    while let Some(end) = pending.find("\n\n") {
                        report(&pending[..end]);
                        pending.drain(..end + 2);
                    }
                }
            })
        }
        Transport::LongPolling | Transport::Polling => {
            let client = reqwest::Client::new();
            let base = base.to_owned();
            let api_key = api_key.to_owned();
            // From the log's end: only what happens from now on.
            let first: serde_json::Value = client
                .get(format!("{base}/api/v1/events?after=0&limit=1"))
                .header("x-api-key", &api_key)
                .send()
                .await?
                .error_for_status()?
                .json()
                .await?;
            let mut after = first["nextAfter"].as_u64().unwrap_or(0);
            let long = transport == Transport::LongPolling;
            tokio::spawn(async move {
                loop {
                    let wait = if long { "&wait=30" } else { "" };
                    let answer = client
                        .get(format!("{base}/api/v1/events?after={after}&limit=1000{wait}"))
                        .header("x-api-key", &api_key)
                        .send()
                        .await;
                    cost.request();
                    let Ok(answer) = answer else { return };
                    let Ok(body) = answer.bytes().await else { return };
                    cost.received(body.len());
                    let Ok(page) = serde_json::from_slice::<serde_json::Value>(&body) else { return };
                    for event in page["items"].as_array().into_iter().flatten() {
                        report(&event.to_string());
                    }
                    after = page["nextAfter"].as_u64().unwrap_or(after);
                    if !long {
                        tokio::time::sleep(POLL_EVERY).await;
                    }
                }
            })
        }
        Transport::Webhook => anyhow::bail!("webhooks are registered, not subscribed"),
    })
}

/// A receiver of the bench's own for the webhook style: every POST to `/hook/{subscriber}` is
/// one delivery. Answers its base URL and the task serving it.
async fn receive_webhooks(
    run: u128,
    deliveries: mpsc::UnboundedSender<Delivery>,
    cost: Arc<Cost>,
) -> anyhow::Result<(String, tokio::task::JoinHandle<()>)> {
    use http_body_util::BodyExt;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/hook", listener.local_addr()?);
    let server = tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let (deliveries, cost) = (deliveries.clone(), cost.clone());
            let service = hyper::service::service_fn(move |request: http::Request<hyper::body::Incoming>| {
                let (deliveries, cost) = (deliveries.clone(), cost.clone());
                async move {
                    let subscriber = request.uri().path().rsplit('/').next().and_then(|s| s.parse().ok());
                    let body = request.into_body().collect().await.map(|b| b.to_bytes()).unwrap_or_default();
                    let at = Instant::now();
                    cost.request();
                    cost.received(body.len());
                    if let (Some(subscriber), Some(write)) =
                        (subscriber, write_in(&String::from_utf8_lossy(&body), run))
                    {
                        let _ = deliveries.send(Delivery { subscriber, write, at });
                    }
                    http::Response::builder().status(204).body(http_body_util::Empty::<bytes::Bytes>::new())
                }
            });
            tokio::spawn(
                hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(socket), service),
            );
        }
    });
    Ok((url, server))
}

/// Registers one hook for `user.created` at `url`; answers its id.
async fn register_hook(base: &str, api_key: &str, url: &str) -> anyhow::Result<u64> {
    let hook: serde_json::Value = reqwest::Client::new()
        .post(format!("{base}/api/v1/webhooks"))
        .header("x-api-key", api_key)
        .json(&serde_json::json!({"url": url, "types": ["user.created"]}))
        .send()
        .await?
        .error_for_status()
        .context("registering a webhook (at most 10 per caller)")?
        .json()
        .await?;
    hook["id"].as_u64().context("the hook's id")
}
