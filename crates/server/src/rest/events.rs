//! `/api/v1/events`: every change, by polling after the last seq seen.

use futures_util::stream::BoxStream;
use futures_util::StreamExt;
use playground_domain::events::FeedItem;
use playground_domain::{DomainError, EventType, Operation};
use poem::Request;
use poem_openapi::param::Query;
use poem_openapi::payload::{EventStream, Payload};
use poem_openapi::registry::{MetaMediaType, MetaResponse, MetaResponses, MetaSchemaRef, Registry};
use poem_openapi::types::Type;
use poem_openapi::{ApiResponse, Object, OpenApi};
use time::OffsetDateTime;

use super::json::JsonBody;
use super::{credentials, Answer, EventsApi};

/// The default number of events one poll returns.
const DEFAULT_LIMIT: usize = 100;
/// The longest a long poll waits, in seconds.
const MAX_WAIT_SECONDS: u64 = 30;
/// How often a quiet event stream sends a comment, so proxies keep it open.
const KEEP_ALIVE: std::time::Duration = std::time::Duration::from_secs(15);

/// One change: the entity after the change.
#[derive(Debug, Object, serde::Serialize)]
#[oai(rename_all = "camelCase", example)]
#[serde(rename_all = "camelCase")]
pub struct Event {
    /// Strictly increasing, never reused (not always consecutive).
    pub seq: u64,
    /// `user.created`, `user.updated`, `user.deleted`, `order.created`, `order.status_changed`, `order.deleted`.
    #[oai(rename = "type")]
    #[serde(rename = "type")]
    pub event_type: String,
    #[serde(with = "playground_domain::rfc3339")]
    pub occurred_at: OffsetDateTime,
    /// The entity as REST shows it.
    pub data: serde_json::Value,
}

/// A poll's answer.
#[derive(Debug, Object, serde::Serialize)]
#[oai(rename_all = "camelCase", example)]
#[serde(rename_all = "camelCase")]
pub struct EventPage {
    pub items: Vec<Event>,
    /// Pass as `after` next time.
    pub next_after: u64,
    /// True when `after` is older than the retained history: some events are gone.
    pub gap: bool,
}

#[OpenApi(prefix_path = "/api/v1/events", tag = "super::Tag::Events")]
impl EventsApi {
    /// Events after a seq; with `wait`, a long poll that answers as soon as one arrives (getEvents)
    #[oai(path = "/", method = "get")]
    async fn get_events(
        &self,
        request: &Request,
        /// The last seq seen (0 for everything retained).
        after: Query<Option<u64>>,
        /// At most this many, 1 to 1000 (default 100).
        #[oai(validator(minimum(value = "1"), maximum(value = "1000")))]
        limit: Query<Option<usize>>,
        /// Seconds to wait for an event when there is none yet (0 to 30): long polling.
        #[oai(validator(maximum(value = "30")))]
        wait: Query<Option<u64>>,
    ) -> Answer<JsonBody<EventPage>> {
        let session = self.gate.session(&credentials(request))?;
        let (after, limit) = (after.0.unwrap_or(0), limit.0.unwrap_or(DEFAULT_LIMIT));
        let mut page =
            self.gate.call_as(&session, Operation::GetEvents, |pg, caller| pg.events_after(caller, after, limit))?;
        let wait = wait.0.unwrap_or(0);
        if wait > MAX_WAIT_SECONDS {
            return Err(DomainError::invalid("wait", format!("wait is at most {MAX_WAIT_SECONDS} seconds")).into());
        }
        if page.items.is_empty() && wait > 0 {
            self.gate.wait_for_events(after, std::time::Duration::from_secs(wait)).await;
            // The same request, already admitted: it reads again without a second call of the budget.
            page = self.gate.playground().events_after(&session.caller, after, limit)?;
        }
        Ok(JsonBody(EventPage {
            items: page.items.iter().map(|event| Event::from(event.as_ref())).collect(),
            next_after: page.next_after,
            gap: page.gap,
        }))
    }

    /// Every event as it happens, as Server-Sent Events: `id:` is the seq, `event:` the type,
    /// `data:` the event JSON. Resume with `Last-Event-ID`; a first `event: gap` says events
    /// older than the retained history were lost; an `event: error` (UNAUTHENTICATED) ends the
    /// stream when the access token that opened it expires (watchEvents)
    #[oai(path = "/stream", method = "get")]
    async fn stream_events(
        &self,
        request: &Request,
        /// The last seq seen (the `Last-Event-ID` header wins when both are sent).
        after: Query<Option<u64>>,
        /// Only these types, comma-separated (e.g. `order.created,order.status_changed`).
        types: Query<Option<String>>,
        /// The last seq seen, in decimal (what the previous stream's `id:` lines said).
        #[oai(name = "Last-Event-ID", validator(pattern = r"^\s*[0-9]{1,19}\s*$"))]
        last_event_id: poem_openapi::param::Header<Option<String>>,
    ) -> Answer<ServerSentEvents> {
        let session = self.gate.session(&credentials(request))?;
        let after = match last_event_id.0 {
            Some(id) => {
                id.trim().parse().map_err(|_| DomainError::invalid("Last-Event-ID", "Last-Event-ID must be a seq"))?
            }
            None => after.0.unwrap_or(0),
        };
        let types = types.0.as_deref().map(|list| EventType::parse_list(list.split(',').map(str::trim))).transpose()?;
        let feed = self.gate.watch(&session, Some(after), types, "sse")?;
        let shutdown = self.gate.shutdown().clone();
        let events = futures_util::stream::unfold((feed, shutdown), |(mut feed, shutdown)| async move {
            let item = tokio::select! {
                item = feed.next() => item?,
                () = shutdown.begun() => return None,
            };
            let value = match item {
                Ok(FeedItem::Gap) => serde_json::json!({"gap": true, "after": feed.last_seq()}),
                Ok(FeedItem::Event(event)) => serde_json::to_value(event.as_ref()).unwrap_or_default(),
                // The stream's last message: why it ends, as a problem with the canonical code.
                Err(expired) => serde_json::json!({"code": expired.code.as_str(), "detail": expired.message}),
            };
            Some((value, (feed, shutdown)))
        });
        Ok(ServerSentEvents(EventStream::new(events.boxed()).keep_alive(KEEP_ALIVE).to_event(|value| {
            let message = poem::web::sse::Event::message(value.to_string());
            if value["gap"] == serde_json::Value::Bool(true) {
                message.event_type("gap")
            } else if value["code"].is_string() {
                message.event_type("error")
            } else {
                message.id(value["seq"].to_string()).event_type(value["type"].as_str().unwrap_or("event"))
            }
        })))
    }
}

/// One Server-Sent Events message as an SSE client reads it: the document describes the stream
/// message by message.
#[derive(Debug, Object)]
struct SseMessage {
    /// The event's seq, for `Last-Event-ID` (absent on a `gap` message).
    id: Option<String>,
    /// The event type (`user.created`, ...), `gap`, or `error` (the stream's last message, with
    /// `code` and `detail`: the access token that opened it expired).
    event: String,
    /// The event as JSON, as `GET /api/v1/events` lists it.
    data: String,
}

/// A `text/event-stream` answer whose schema is one message.
pub struct ServerSentEvents(EventStream<BoxStream<'static, serde_json::Value>>);

impl Payload for ServerSentEvents {
    const CONTENT_TYPE: &'static str = "text/event-stream";

    fn schema_ref() -> MetaSchemaRef {
        SseMessage::schema_ref()
    }

    fn register(registry: &mut Registry) {
        SseMessage::register(registry);
    }
}

impl poem::IntoResponse for ServerSentEvents {
    fn into_response(self) -> poem::Response {
        self.0.into_response()
    }
}

impl ApiResponse for ServerSentEvents {
    fn meta() -> MetaResponses {
        MetaResponses {
            responses: vec![MetaResponse {
                description: "One message per event",
                status: Some(200),
                status_range: None,
                content: vec![MetaMediaType { content_type: Self::CONTENT_TYPE, schema: Self::schema_ref() }],
                headers: vec![],
            }],
        }
    }

    fn register(registry: &mut Registry) {
        SseMessage::register(registry);
    }
}

impl From<&playground_domain::Event> for Event {
    fn from(event: &playground_domain::Event) -> Self {
        Event {
            seq: event.seq,
            event_type: event.event_type.as_str().to_owned(),
            occurred_at: event.occurred_at,
            data: event.data.clone(),
        }
    }
}
