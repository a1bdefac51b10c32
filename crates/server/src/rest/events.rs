//! `/api/v1/events`: every change, by polling after the last seq seen.

use playground_domain::Operation;
use poem::Request;
use poem_openapi::param::Query;
use poem_openapi::payload::Json;
use poem_openapi::{Object, OpenApi};
use time::OffsetDateTime;

use super::{credentials, Answer, EventsApi};

/// The default and the most events one poll returns.
const DEFAULT_LIMIT: usize = 100;

/// One change: the entity after the change.
#[derive(Debug, Object)]
#[oai(rename_all = "camelCase")]
pub struct Event {
    /// Strictly increasing, never reused (not always consecutive).
    pub seq: u64,
    /// `user.created`, `user.updated`, `user.deleted`, `order.created`, `order.status_changed`, `order.deleted`.
    #[oai(rename = "type")]
    pub event_type: String,
    pub occurred_at: OffsetDateTime,
    /// The entity as REST shows it.
    pub data: serde_json::Value,
}

/// A poll's answer.
#[derive(Debug, Object)]
#[oai(rename_all = "camelCase")]
pub struct EventPage {
    pub items: Vec<Event>,
    /// Pass as `after` next time.
    pub next_after: u64,
    /// True when `after` is older than the retained history: some events are gone.
    pub gap: bool,
}

#[OpenApi(prefix_path = "/events", tag = "super::Tag::Events")]
impl EventsApi {
    /// Events after a seq (getEvents)
    #[oai(path = "/", method = "get")]
    async fn get_events(
        &self,
        request: &Request,
        /// The last seq seen (0 for everything retained).
        after: Query<Option<u64>>,
        /// At most this many, 1 to 1000 (default 100).
        limit: Query<Option<usize>>,
    ) -> Answer<Json<EventPage>> {
        let page = self.gate.call(&credentials(request), Operation::GetEvents, |pg, caller| {
            pg.events_after(caller, after.0.unwrap_or(0), limit.0.unwrap_or(DEFAULT_LIMIT))
        })?;
        Ok(Json(EventPage {
            items: page
                .items
                .iter()
                .map(|event| Event {
                    seq: event.seq,
                    event_type: event.event_type.as_str().to_owned(),
                    occurred_at: event.occurred_at,
                    data: event.data.clone(),
                })
                .collect(),
            next_after: page.next_after,
            gap: page.gap,
        }))
    }
}
