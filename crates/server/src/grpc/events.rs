//! `playground.v1.EventService.WatchEvents`: the event log as a server stream. It ends when the
//! client cancels (the stream is dropped) or the server shuts down; HTTP/2 flow control holds a
//! slow reader back, and the feed catches it up from the retained history instead of buffering.

use std::pin::Pin;
use std::sync::Arc;

use futures_util::Stream;
use playground_domain::events::FeedItem;
use playground_domain::{DomainError, EventType};
use tonic::{Request, Response, Status};

use super::pb::event_service_server::EventService;
use super::pb::{self, watch_events_response, WatchEventsRequest, WatchEventsResponse};
use super::{credentials, error::status, timestamp, ToProto};
use crate::gate::Gate;

pub struct EventApi {
    pub gate: Arc<Gate>,
}

pub(super) fn type_to_proto(event_type: EventType) -> pb::EventType {
    match event_type {
        EventType::UserCreated => pb::EventType::UserCreated,
        EventType::UserUpdated => pb::EventType::UserUpdated,
        EventType::UserDeleted => pb::EventType::UserDeleted,
        EventType::OrderCreated => pb::EventType::OrderCreated,
        EventType::OrderStatusChanged => pb::EventType::OrderStatusChanged,
        EventType::OrderDeleted => pb::EventType::OrderDeleted,
    }
}

pub(super) fn type_from_proto(value: i32) -> Result<EventType, DomainError> {
    match pb::EventType::try_from(value) {
        Ok(pb::EventType::UserCreated) => Ok(EventType::UserCreated),
        Ok(pb::EventType::UserUpdated) => Ok(EventType::UserUpdated),
        Ok(pb::EventType::UserDeleted) => Ok(EventType::UserDeleted),
        Ok(pb::EventType::OrderCreated) => Ok(EventType::OrderCreated),
        Ok(pb::EventType::OrderStatusChanged) => Ok(EventType::OrderStatusChanged),
        Ok(pb::EventType::OrderDeleted) => Ok(EventType::OrderDeleted),
        Ok(pb::EventType::Unspecified) | Err(_) => {
            Err(DomainError::invalid("types", format!("{value} is not an event type")))
        }
    }
}

fn event_to_proto(event: &playground_domain::Event) -> pb::Event {
    use pb::event::Data;
    let data = match event.event_type {
        EventType::UserCreated | EventType::UserUpdated | EventType::UserDeleted => {
            serde_json::from_value::<playground_domain::User>(event.data.clone())
                .ok()
                .map(|user| Data::User(user.to_proto()))
        }
        EventType::OrderCreated | EventType::OrderStatusChanged | EventType::OrderDeleted => {
            serde_json::from_value::<playground_domain::Order>(event.data.clone())
                .ok()
                .map(|order| Data::Order(order.to_proto()))
        }
    };
    pb::Event {
        seq: event.seq,
        r#type: type_to_proto(event.event_type).into(),
        occurred_at: Some(timestamp(event.occurred_at)),
        data,
    }
}

type EventStream = Pin<Box<dyn Stream<Item = Result<WatchEventsResponse, Status>> + Send>>;

#[tonic::async_trait]
impl EventService for EventApi {
    type WatchEventsStream = EventStream;

    async fn watch_events(&self, request: Request<WatchEventsRequest>) -> Result<Response<EventStream>, Status> {
        let credentials = credentials(&request);
        let deadline = super::deadline(request.metadata());
        let WatchEventsRequest { after_seq, types } = request.into_inner();
        let session = self.gate.session(&credentials).map_err(status)?;
        let types = if types.is_empty() {
            None
        } else {
            Some(types.into_iter().map(type_from_proto).collect::<Result<Vec<_>, _>>().map_err(status)?)
        };
        let feed = self.gate.watch(&session, after_seq, types, "grpc-stream").map_err(status)?;
        let shutdown = self.gate.shutdown().clone();
        // A stream with a deadline ends with DEADLINE_EXCEEDED when it passes.
        let expiry = async move {
            match deadline {
                Some(deadline) => tokio::time::sleep_until(deadline).await,
                None => std::future::pending().await,
            }
        };
        let state = (Some(feed), shutdown, Box::pin(expiry));
        let stream = futures_util::stream::unfold(state, |(feed, shutdown, mut expiry)| async move {
            let mut feed = feed?;
            let item = tokio::select! {
                item = feed.next() => item?,
                () = shutdown.begun() => return None,
                () = &mut expiry => {
                    let expired = Status::deadline_exceeded("the deadline (grpc-timeout) passed");
                    return Some((Err(expired), (None, shutdown, expiry)));
                }
            };
            let item = match item {
                Ok(FeedItem::Gap) => watch_events_response::Item::Gap(pb::Gap { after_seq: feed.last_seq() }),
                Ok(FeedItem::Event(event)) => watch_events_response::Item::Event(event_to_proto(&event)),
                Err(expired) => return Some((Err(status(expired)), (None, shutdown, expiry))),
            };
            Some((Ok(WatchEventsResponse { item: Some(item) }), (Some(feed), shutdown, expiry)))
        });
        Ok(Response::new(Box::pin(stream)))
    }
}
