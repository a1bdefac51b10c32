//! Webhook delivery: the push that comes to you. Each hook gets a worker that reads the event log
//! from the hook's starting seq and POSTs each event it wants, signed the Standard Webhooks way,
//! one at a time so they arrive in order; failures are retried with exponential backoff and
//! full jitter. The write that made an event never waits for any of this. Targets are checked
//! once at registration: loopback or `[webhooks] allow` only, named by address, so a hosted
//! playground cannot be turned into a port scanner.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use parking_lot::Mutex;
use playground_domain::events::FeedItem;
use playground_domain::webhooks::{Delivery, HookState, TargetCheck, Webhook, WebhookView, Webhooks};
use playground_domain::{Caller, DomainError, Event, EventType, Playground, Scopes};
use serde::Serialize;
use tokio::sync::Semaphore;

use crate::gate::Shutdown;
use crate::metrics::Metrics;

/// A receiver has this long to answer one delivery.
const DELIVERY_TIMEOUT: Duration = Duration::from_secs(5);
/// Attempts per event before the hook is marked failing and the next event is tried.
pub const MAX_ATTEMPTS: usize = 5;
/// The backoff before the second attempt, doubling up to the cap (each wait is drawn at random
/// below it: full jitter, so many failing hooks do not retry in step).
const FIRST_BACKOFF: Duration = Duration::from_millis(250);
const MAX_BACKOFF: Duration = Duration::from_secs(30);
/// Deliveries in flight at once, over all hooks: the worker pool's size.
const POOL: usize = 16;
/// Events one hook may fall behind the log before the oldest are dropped (and counted).
pub const MAX_QUEUE: u64 = 100;

/// The registry's target rule: an `http://` URL whose host is an address (or `localhost`) that is
/// loopback or inside one of `allow`. A host name is refused: it could resolve anywhere later.
pub fn target_check(allow: Vec<ipnet::IpNet>) -> TargetCheck {
    Box::new(move |url: &str| {
        let parsed = reqwest::Url::parse(url).map_err(|e| format!("{url:?} is not a URL: {e}"))?;
        if parsed.scheme() != "http" {
            return Err(format!("{url:?}: targets are http:// (the deliverer speaks plain HTTP/1.1)"));
        }
        if !parsed.username().is_empty() || parsed.password().is_some() {
            return Err("a target URL carries no user name or password: sign, do not log in".to_owned());
        }
        let host = parsed.host_str().unwrap_or("").trim_start_matches('[').trim_end_matches(']');
        if host == "localhost" {
            return Ok(parsed.to_string());
        }
        let Ok(address) = host.parse::<IpAddr>() else {
            return Err(format!(
                "{url:?}: name the target by address (127.0.0.1, or one [webhooks] allow lists), not by host name"
            ));
        };
        match address.is_loopback() || allow.iter().any(|net| net.contains(&address)) {
            true => Ok(parsed.to_string()),
            false => Err(format!(
                "{address} is not loopback and not in [webhooks] allow: a playground does not call arbitrary addresses"
            )),
        }
    })
}

/// createWebhook as every protocol runs it inside the gate: the types by name, a new secret, and
/// deliveries starting after the log's last seq. Answers the hook and its secret.
pub fn create(
    playground: &Playground,
    caller: &Caller,
    url: &str,
    types: &[String],
) -> Result<(WebhookView, String), DomainError> {
    let types = EventType::parse_list(types.iter().map(String::as_str))?;
    let secret = new_secret();
    let (_, view) = playground.webhooks().create(caller, url, types, secret.clone(), playground.events().last_seq())?;
    Ok((view, secret))
}

/// `whsec_` and 24 random bytes in base64: shown once, when the hook is made.
pub fn new_secret() -> String {
    let mut key = [0u8; 24];
    let _ = aws_lc_rs::rand::fill(&mut key);
    format!("whsec_{}", STANDARD.encode(key))
}

/// The Standard Webhooks signature of one message: `v1,` and the base64 of
/// HMAC-SHA256(key, "{id}.{timestamp}.{body}"), the key being the secret's base64 part.
pub fn sign(secret: &str, message_id: &str, timestamp: i64, body: &[u8]) -> Option<String> {
    let key = STANDARD.decode(secret.strip_prefix("whsec_").unwrap_or(secret)).ok()?;
    let key = aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, &key);
    let mut context = aws_lc_rs::hmac::Context::with_key(&key);
    context.update(format!("{message_id}.{timestamp}.").as_bytes());
    context.update(body);
    Some(format!("v1,{}", STANDARD.encode(context.sign().as_ref())))
}

/// Whether any `v1,` signature in `header` is `secret`'s for this message, compared in
/// constant time.
pub fn verify(secret: &str, message_id: &str, timestamp: i64, body: &[u8], header: &str) -> bool {
    let Some(expected) = sign(secret, message_id, timestamp, body) else {
        return false;
    };
    header.split(' ').any(|candidate| {
        aws_lc_rs::constant_time::verify_slices_are_equal(candidate.as_bytes(), expected.as_bytes()).is_ok()
    })
}

/// The body of one delivery, as Standard Webhooks lays it out: the type, when, and the event.
#[derive(Serialize)]
struct Payload<'a> {
    #[serde(rename = "type")]
    event_type: &'static str,
    timestamp: String,
    data: &'a Event,
}

/// Starts the deliverer: a worker for every hook made from now on.
pub fn start(playground: Arc<Playground>, metrics: Arc<Metrics>, shutdown: Shutdown) {
    let client = reqwest::Client::builder()
        .timeout(DELIVERY_TIMEOUT)
        // A redirect could point anywhere: the checked address is the only one called.
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("api-playground-webhooks/", env!("CARGO_PKG_VERSION")))
        .build();
    let Ok(client) = client else {
        tracing::error!("webhook delivery is off: no HTTP client");
        return;
    };
    let deliverer = Arc::new(Deliverer { client, pool: Semaphore::new(POOL), metrics, playground, shutdown });
    let mut created = deliverer.playground.webhooks().subscribe_created();
    tokio::spawn(async move {
        loop {
            tokio::select! {
                hook = created.recv() => match hook {
                    Ok(hook) => {
                        tokio::spawn(deliverer.clone().work(hook));
                    }
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
                },
                () = deliverer.shutdown.begun() => return,
            }
        }
    });
}

struct Deliverer {
    client: reqwest::Client,
    pool: Semaphore,
    metrics: Arc<Metrics>,
    playground: Arc<Playground>,
    shutdown: Shutdown,
}

impl Deliverer {
    /// One hook's worker: its events in order, until the hook is removed or the server stops.
    async fn work(self: Arc<Self>, hook: Arc<Webhook>) {
        let _subscribed = self.metrics.subscriber("webhook");
        let reader = Caller { identity: hook.owner.clone(), scopes: Scopes::NONE };
        let mut feed = self.playground.watch_events(&reader, Some(hook.after_seq), None);
        let mut last_seq = hook.after_seq;
        let mut gap = false;
        loop {
            let item = tokio::select! {
                item = feed.next() => item,
                () = hook.removed.notified() => return,
                () = self.shutdown.begun() => return,
            };
            match item {
                None => return,
                Some(FeedItem::Gap) => gap = true,
                Some(FeedItem::Event(event)) => {
                    let skipped = event.seq.saturating_sub(last_seq + 1);
                    last_seq = event.seq;
                    if std::mem::take(&mut gap) {
                        hook.add_dropped(skipped.max(1));
                        self.metrics.event_gap("webhook");
                    }
                    if !hook.wants(event.event_type) {
                        continue;
                    }
                    // Behind by more than the queue holds: this, the oldest, is dropped.
                    if self.playground.events().last_seq().saturating_sub(event.seq) >= MAX_QUEUE {
                        hook.add_dropped(1);
                        self.metrics.event_gap("webhook");
                        continue;
                    }
                    self.deliver(&hook, &event).await;
                    if hook.is_removed() {
                        return;
                    }
                }
            }
        }
    }

    /// Every attempt at one event, until one gets a 2xx or the attempts run out.
    async fn deliver(&self, hook: &Webhook, event: &Event) {
        let body = serde_json::to_vec(&Payload {
            event_type: event.event_type.as_str(),
            timestamp: playground_domain::rfc3339::format(event.occurred_at).unwrap_or_default(),
            data: event,
        })
        .unwrap_or_default();
        let message_id = format!("msg_{}_{}", hook.id, event.seq);
        let mut backoffs = backon::BackoffBuilder::build(
            backon::ExponentialBuilder::default()
                .with_min_delay(FIRST_BACKOFF)
                .with_max_delay(MAX_BACKOFF)
                .with_max_times(MAX_ATTEMPTS - 1),
        );
        for attempt in 1.. {
            let delivery = self.attempt(hook, &message_id, event.seq, attempt, &body).await;
            let delivered = delivery.error.is_none();
            hook.record(delivery);
            if delivered {
                hook.set_state(HookState::Active);
                return;
            }
            let Some(backoff) = backoffs.next() else {
                hook.set_state(HookState::Failing);
                return;
            };
            tokio::select! {
                () = tokio::time::sleep(full_jitter(backoff)) => {}
                () = hook.removed.notified() => return,
                () = self.shutdown.begun() => return,
            }
        }
    }

    async fn attempt(&self, hook: &Webhook, message_id: &str, seq: u64, attempt: u32, body: &[u8]) -> Delivery {
        let _slot = self.pool.acquire().await;
        let timestamp = time::OffsetDateTime::now_utc().unix_timestamp();
        let attempted_at = time::OffsetDateTime::now_utc();
        let started = Instant::now();
        let signature = sign(&hook.secret, message_id, timestamp, body).unwrap_or_default();
        let answer = self
            .client
            .post(&hook.url)
            .header("content-type", "application/json")
            .header("webhook-id", message_id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signature)
            .body(body.to_vec())
            .send()
            .await;
        let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
        let (status, error) = match answer {
            Ok(response) if response.status().is_success() => (Some(response.status().as_u16()), None),
            Ok(response) => (Some(response.status().as_u16()), Some(format!("answered {}", response.status()))),
            Err(e) if e.is_timeout() => (None, Some(format!("no answer within {} s", DELIVERY_TIMEOUT.as_secs()))),
            Err(e) => (None, Some(format!("could not deliver: {e}"))),
        };
        Delivery { event_seq: seq, message_id: message_id.to_owned(), attempt, attempted_at, status, latency_ms, error }
    }
}

/// A wait drawn at random between zero and `backoff`.
fn full_jitter(backoff: Duration) -> Duration {
    let mut draw = [0u8; 8];
    let _ = aws_lc_rs::rand::fill(&mut draw);
    backoff.mul_f64(u64::from_le_bytes(draw) as f64 / u64::MAX as f64)
}

/// The built-in receiver: `POST /api/v1/webhooks/inbox/{name}` keeps the last deliveries of
/// each inbox, checked against the secrets of the hooks that point at it.
#[derive(Default)]
pub struct Inboxes {
    inboxes: Mutex<InboxMap>,
}

#[derive(Default)]
struct InboxMap {
    by_name: HashMap<String, VecDeque<Received>>,
    /// Names in the order they were first used, to forget the oldest inbox past the bound.
    order: VecDeque<String>,
}

/// Deliveries kept per inbox, and inboxes kept in all.
pub const INBOX_KEEPS: usize = 100;
pub const MAX_INBOXES: usize = 20;
/// The largest delivery an inbox takes: events are a few hundred bytes.
pub const MAX_INBOX_BODY: usize = 16 << 10;
/// Inbox names: 1 to 64 of these characters.
pub fn valid_inbox_name(name: &str) -> bool {
    (1..=64).contains(&name.len()) && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}
/// A delivery's timestamp may be this far from the receiver's clock (replayed messages are refused).
const TIMESTAMP_TOLERANCE_SECS: i64 = 300;

/// One delivery as the receiver saw it.
#[derive(Debug, Clone, Serialize, poem_openapi::Object)]
#[oai(rename_all = "camelCase")]
#[serde(rename_all = "camelCase")]
pub struct Received {
    #[serde(with = "playground_domain::rfc3339")]
    pub received_at: time::OffsetDateTime,
    /// The signature matched the secret of a hook pointing here, within 5 minutes of its timestamp.
    pub verified: bool,
    pub webhook_id: String,
    pub webhook_timestamp: String,
    pub webhook_signature: String,
    /// The event's seq, read from the body.
    #[oai(skip_serializing_if_is_none)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seq: Option<u64>,
    /// The delivery's body: `{type, timestamp, data: EVENT}`.
    pub body: serde_json::Value,
}

impl Inboxes {
    /// Takes one delivery for `name`; answers whether its signature verified.
    pub fn receive(&self, name: &str, headers: &poem::http::HeaderMap, body: &[u8], webhooks: &Webhooks) -> bool {
        let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
        let (id, timestamp, signature) =
            (header("webhook-id"), header("webhook-timestamp"), header("webhook-signature"));
        let now = time::OffsetDateTime::now_utc();
        let in_time =
            timestamp.parse::<i64>().is_ok_and(|ts| (now.unix_timestamp() - ts).abs() <= TIMESTAMP_TOLERANCE_SECS);
        let path = format!("/api/v1/webhooks/inbox/{name}");
        let verified = in_time
            && webhooks
                .secrets_for_path(&path)
                .iter()
                .any(|secret| timestamp.parse().is_ok_and(|ts| verify(secret, &id, ts, body, &signature)));
        let body: serde_json::Value =
            serde_json::from_slice(body).unwrap_or_else(|_| String::from_utf8_lossy(body).into_owned().into());
        let received = Received {
            received_at: now,
            verified,
            webhook_id: id,
            webhook_timestamp: timestamp,
            webhook_signature: signature,
            seq: body["data"]["seq"].as_u64(),
            body,
        };
        let mut inboxes = self.inboxes.lock();
        if !inboxes.by_name.contains_key(name) {
            if inboxes.order.len() == MAX_INBOXES {
                if let Some(oldest) = inboxes.order.pop_front() {
                    inboxes.by_name.remove(&oldest);
                }
            }
            inboxes.order.push_back(name.to_owned());
        }
        let inbox = inboxes.by_name.entry(name.to_owned()).or_default();
        if inbox.len() == INBOX_KEEPS {
            inbox.pop_front();
        }
        inbox.push_back(received);
        verified
    }

    /// What `name` received, oldest first.
    pub fn read(&self, name: &str) -> Vec<Received> {
        self.inboxes.lock().by_name.get(name).map(|inbox| inbox.iter().cloned().collect()).unwrap_or_default()
    }
}
