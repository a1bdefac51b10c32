//! `bench --suite push`: how long one change takes to reach every subscriber, on each push
//! transport. Many subscribers listen for `user.created` (WebSocket JSON-RPC, a GraphQL
//! subscription, gRPC `WatchEvents`, Server-Sent Events); one REST `createUser` at a time is
//! sent, and each subscriber notes when that user arrives. Reports, per transport, the latency of
//! each delivery and of the last subscriber to get it (the fan-out).

use std::collections::HashSet;
use std::time::{Duration, Instant};

use anyhow::Context;
use futures_util::{SinkExt, StreamExt};
use hdrhistogram::Histogram;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

use super::BenchArgs;
use playground_proto::pb;

#[derive(Debug, Clone, Copy)]
enum Transport {
    WebSocket,
    GraphQl,
    Grpc,
    ServerSentEvents,
}

const TRANSPORTS: [Transport; 4] =
    [Transport::WebSocket, Transport::GraphQl, Transport::Grpc, Transport::ServerSentEvents];

impl Transport {
    fn name(self) -> &'static str {
        match self {
            Transport::WebSocket => "WebSocket events.subscribe",
            Transport::GraphQl => "GraphQL subscription",
            Transport::Grpc => "gRPC WatchEvents",
            Transport::ServerSentEvents => "SSE /events/stream",
        }
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
        eprintln!("measuring {} with {} subscribers, {} writes ...", transport.name(), args.subscribers, args.writes);
        let (row, next_write) = measure(transport, base, args, run, first_write).await?;
        first_write = next_write;
        rows.push(row);
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&rows)?);
        return Ok(());
    }
    println!("REST createUser to {} subscribers on {base}, {} writes one at a time", args.subscribers, args.writes);
    println!(
        "{:<28} {:>10} {:>7} {:>9} {:>9} {:>12} {:>12}",
        "", "deliveries", "missed", "p50 ms", "p99 ms", "all p50 ms", "all p99 ms"
    );
    for row in &rows {
        println!(
            "{:<28} {:>10} {:>7} {:>9.3} {:>9.3} {:>12.3} {:>12.3}",
            row.transport, row.deliveries, row.missed, row.p50_ms, row.p99_ms, row.all_p50_ms, row.all_p99_ms
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
    let mut subscribers = Vec::new();
    for subscriber in 0..args.subscribers {
        let deliveries = deliveries.clone();
        subscribers.push(
            subscribe(transport, base, &args.api_key, subscriber, run, deliveries)
                .await
                .with_context(|| format!("subscribing over {}", transport.name()))?,
        );
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
    while live.len() < args.subscribers && Instant::now() < warm_up_until {
        create(write).await?.error_for_status()?;
        write += 1;
        let window = tokio::time::sleep(Duration::from_millis(100));
        tokio::pin!(window);
        loop {
            tokio::select! {
                Some(delivery) = received.recv() => { live.insert(delivery.subscriber); }
                () = &mut window => break,
            }
        }
    }
    anyhow::ensure!(
        live.len() == args.subscribers,
        "only {} of {} subscribers went live",
        live.len(),
        args.subscribers
    );
    let mut each = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3)?;
    let mut all = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3)?;
    let mut missed = 0;
    for _ in 0..args.writes {
        let this = write;
        write += 1;
        let sent = Instant::now();
        create(this).await?.error_for_status()?;
        let mut seen = 0;
        let mut last = sent;
        let deadline = tokio::time::sleep(DELIVERY_TIMEOUT);
        tokio::pin!(deadline);
        while seen < args.subscribers {
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
        missed += (args.subscribers - seen) as u64;
        all.record(last.saturating_duration_since(sent).as_micros().max(1) as u64)?;
    }
    for subscriber in subscribers {
        subscriber.abort();
    }
    let ms = |histogram: &Histogram<u64>, quantile| histogram.value_at_quantile(quantile) as f64 / 1000.0;
    let row = Row {
        transport: transport.name(),
        subscribers: args.subscribers,
        writes: args.writes,
        deliveries: each.len(),
        missed,
        p50_ms: ms(&each, 0.5),
        p99_ms: ms(&each, 0.99),
        all_p50_ms: ms(&all, 0.5),
        all_p99_ms: ms(&all, 0.99),
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
) -> anyhow::Result<tokio::task::JoinHandle<()>> {
    let report = move |text: &str| {
        if let Some(write) = write_in(text, run) {
            let _ = deliveries.send(Delivery { subscriber, write, at: Instant::now() });
        }
    };
    let ws_base = base.replacen("http", "ws", 1);
    Ok(match transport {
        Transport::WebSocket => {
            let (mut socket, _) = tokio_tungstenite::connect_async(format!("{ws_base}/ws?api_key={api_key}")).await?;
            let subscribe =
                r#"{"jsonrpc":"2.0","id":1,"method":"events.subscribe","params":{"types":["user.created"]}}"#;
            socket.send(Message::text(subscribe)).await?;
            tokio::spawn(async move {
                while let Some(Ok(Message::Text(text))) = socket.next().await {
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
            tokio::spawn(async move {
                while let Some(Ok(Message::Text(text))) = socket.next().await {
                    if text.contains("\"ping\"") && socket.send(Message::text(r#"{"type":"pong"}"#)).await.is_err() {
                        return;
                    }
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
                    pending.push_str(&String::from_utf8_lossy(&chunk));
                    while let Some(end) = pending.find("\n\n") {
                        report(&pending[..end]);
                        pending.drain(..end + 2);
                    }
                }
            })
        }
    })
}
