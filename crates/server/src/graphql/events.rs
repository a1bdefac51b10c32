//! The subscription `events(types, afterSeq)`: every change as it happens, over `/graphql/ws`
//! (graphql-transport-ws). Credentials come from the upgrade's headers or the
//! `connection_init` payload; one subscribe is one call of the rate budget.

use std::sync::Arc;

use async_graphql::{Context, Enum, Json, Result, SimpleObject, Subscription, ID};
use futures_util::Stream;
use playground_domain::events::FeedItem;

use crate::credentials::Credentials;
use crate::gate::Gate;

/// What changed.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum EventType {
    UserCreated,
    UserUpdated,
    UserDeleted,
    OrderCreated,
    OrderStatusChanged,
    OrderDeleted,
}

impl From<EventType> for playground_domain::EventType {
    fn from(event_type: EventType) -> Self {
        match event_type {
            EventType::UserCreated => playground_domain::EventType::UserCreated,
            EventType::UserUpdated => playground_domain::EventType::UserUpdated,
            EventType::UserDeleted => playground_domain::EventType::UserDeleted,
            EventType::OrderCreated => playground_domain::EventType::OrderCreated,
            EventType::OrderStatusChanged => playground_domain::EventType::OrderStatusChanged,
            EventType::OrderDeleted => playground_domain::EventType::OrderDeleted,
        }
    }
}

impl From<playground_domain::EventType> for EventType {
    fn from(event_type: playground_domain::EventType) -> Self {
        match event_type {
            playground_domain::EventType::UserCreated => EventType::UserCreated,
            playground_domain::EventType::UserUpdated => EventType::UserUpdated,
            playground_domain::EventType::UserDeleted => EventType::UserDeleted,
            playground_domain::EventType::OrderCreated => EventType::OrderCreated,
            playground_domain::EventType::OrderStatusChanged => EventType::OrderStatusChanged,
            playground_domain::EventType::OrderDeleted => EventType::OrderDeleted,
        }
    }
}

/// One change, or a gap: events older than the retained history were lost before the next one.
#[derive(SimpleObject)]
pub struct Event {
    /// Strictly increasing (a decimal string: seqs outgrow GraphQL's 32-bit Int). For a gap,
    /// the last seq delivered before it.
    pub seq: ID,
    /// True for a gap notice, which has no type, time or data.
    pub gap: bool,
    #[graphql(name = "type")]
    pub event_type: Option<EventType>,
    /// RFC 3339.
    pub occurred_at: Option<String>,
    /// The entity after the change, as REST shows it.
    pub data: Option<Json<serde_json::Value>>,
}

#[derive(Default)]
pub struct EventSubscription;

#[Subscription]
impl EventSubscription {
    /// Every change after `afterSeq` (or from now on), of the given types (or all).
    async fn events(
        &self,
        ctx: &Context<'_>,
        types: Option<Vec<EventType>>,
        after_seq: Option<ID>,
    ) -> Result<impl Stream<Item = Result<Event>>> {
        let gate = ctx.data_unchecked::<Arc<Gate>>().clone();
        let credentials = &super::loaders(ctx).request().credentials;
        let after = after_seq.as_ref().map(super::parse_id).transpose().map_err(super::error::graphql_error)?;
        let session = gate.session(credentials).map_err(super::error::graphql_error)?;
        let types = types.map(|types| types.into_iter().map(Into::into).collect());
        let feed = gate.watch(&session, after, types, "graphql-ws").map_err(super::error::graphql_error)?;
        let shutdown = gate.shutdown().clone();
        Ok(futures_util::stream::unfold((feed, shutdown), |(mut feed, shutdown)| async move {
            let item = tokio::select! {
                item = feed.next() => item?,
                () = shutdown.begun() => return None,
            };
            let event = match item {
                Err(expired) => return Some((Err(super::error::graphql_error(expired)), (feed, shutdown))),
                Ok(FeedItem::Gap) => Event {
                    seq: ID(feed.last_seq().to_string()),
                    gap: true,
                    event_type: None,
                    occurred_at: None,
                    data: None,
                },
                Ok(FeedItem::Event(event)) => Event {
                    seq: ID(event.seq.to_string()),
                    gap: false,
                    event_type: Some(event.event_type.into()),
                    occurred_at: Some(super::rfc3339(event.occurred_at)),
                    data: Some(Json(event.data.clone())),
                },
            };
            Some((Ok(event), (feed, shutdown)))
        }))
    }
}

/// Credentials from a `connection_init` payload: `{"X-API-Key": ...}` or `{"Authorization": "Bearer ..."}`,
/// names in any case.
pub fn credentials_from_payload(payload: &serde_json::Value, fallback: Credentials) -> Credentials {
    let Some(fields) = payload.as_object() else {
        return fallback;
    };
    let field = |name: &str| {
        fields
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .and_then(|(_, value)| value.as_str())
            .map(str::to_owned)
    };
    let api_key = field("x-api-key").or_else(|| field("apiKey"));
    let bearer = field("authorization").as_deref().and_then(crate::credentials::bearer_token);
    if api_key.is_none() && bearer.is_none() {
        return fallback;
    }
    Credentials { api_key, bearer, password: None, peer: fallback.peer }
}
