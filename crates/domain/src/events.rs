//! The event log every push and poll transport reads from: each change gets a strictly
//! increasing seq, the last N events are kept so a client can resume after a seq, and live
//! subscribers get every new event through a broadcast channel.

use std::collections::VecDeque;
use std::sync::Arc;

use parking_lot::Mutex;
use serde::Serialize;
use time::OffsetDateTime;
use tokio::sync::broadcast;

pub const DEFAULT_HISTORY: usize = 1000;
/// How many events a live subscriber may lag behind before it is told it missed some.
const BROADCAST_CAPACITY: usize = 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum EventType {
    #[serde(rename = "user.created")]
    UserCreated,
    #[serde(rename = "user.updated")]
    UserUpdated,
    #[serde(rename = "user.deleted")]
    UserDeleted,
    #[serde(rename = "order.created")]
    OrderCreated,
    #[serde(rename = "order.status_changed")]
    OrderStatusChanged,
    #[serde(rename = "order.deleted")]
    OrderDeleted,
}

impl EventType {
    pub const ALL: [EventType; 6] = [
        EventType::UserCreated,
        EventType::UserUpdated,
        EventType::UserDeleted,
        EventType::OrderCreated,
        EventType::OrderStatusChanged,
        EventType::OrderDeleted,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::UserCreated => "user.created",
            EventType::UserUpdated => "user.updated",
            EventType::UserDeleted => "user.deleted",
            EventType::OrderCreated => "order.created",
            EventType::OrderStatusChanged => "order.status_changed",
            EventType::OrderDeleted => "order.deleted",
        }
    }
    pub fn parse(text: &str) -> Option<EventType> {
        EventType::ALL.into_iter().find(|t| t.as_str() == text)
    }

    /// A subscriber's type filter, refusing names the log does not know.
    pub fn parse_list<'a>(names: impl IntoIterator<Item = &'a str>) -> Result<Vec<EventType>, crate::DomainError> {
        names
            .into_iter()
            .map(|name| {
                EventType::parse(name)
                    .ok_or_else(|| crate::DomainError::invalid("types", format!("unknown event type {name:?}")))
            })
            .collect()
    }
}

/// One change: the entity as it was after the change, as JSON (the REST shape).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Event {
    pub seq: u64,
    #[serde(rename = "type")]
    pub event_type: EventType,
    #[serde(with = "crate::rfc3339")]
    pub occurred_at: OffsetDateTime,
    pub data: serde_json::Value,
}

/// A poll's answer: the events after a seq, where to resume, and whether some were lost.
#[derive(Debug, Clone, PartialEq)]
pub struct EventsPage {
    pub items: Vec<Arc<Event>>,
    /// Pass this as `after` next time.
    pub next_after: u64,
    /// The client asked for history older than what is retained: some events are missing.
    pub gap: bool,
}

struct History {
    events: VecDeque<Arc<Event>>,
    capacity: usize,
    last_seq: u64,
    /// The highest seq evicted from the history: resuming before it leaves a gap.
    evicted_through: u64,
}

pub struct EventLog {
    history: Mutex<History>,
    live: broadcast::Sender<Arc<Event>>,
}

impl EventLog {
    pub fn new(capacity: usize) -> EventLog {
        let (live, _) = broadcast::channel(BROADCAST_CAPACITY);
        EventLog {
            history: Mutex::new(History {
                events: VecDeque::with_capacity(capacity.min(4096)),
                capacity: capacity.max(1),
                last_seq: 0,
                evicted_through: 0,
            }),
            live,
        }
    }

    /// Records a change. Callers hold the state lock, so seq order is the order of changes.
    pub fn append(&self, event_type: EventType, data: serde_json::Value) -> Arc<Event> {
        let mut history = self.history.lock();
        history.last_seq += 1;
        let event = Arc::new(Event { seq: history.last_seq, event_type, occurred_at: OffsetDateTime::now_utc(), data });
        if history.events.len() == history.capacity {
            if let Some(old) = history.events.pop_front() {
                history.evicted_through = old.seq;
            }
        }
        history.events.push_back(event.clone());
        // Sent under the history lock so a subscriber that read the backlog misses nothing.
        let _ = self.live.send(event.clone());
        event
    }

    pub fn last_seq(&self) -> u64 {
        self.history.lock().last_seq
    }

    /// The retained events after `after`, at most `limit` of them.
    pub fn after(&self, after: u64, limit: usize) -> EventsPage {
        let history = self.history.lock();
        Self::page(&history, after, limit)
    }

    /// The retained events after `after` plus a receiver for everything newer, taken atomically:
    /// nothing is missed and nothing is seen twice between the backlog and the live stream.
    pub fn subscribe(&self, after: u64) -> (EventsPage, broadcast::Receiver<Arc<Event>>) {
        let history = self.history.lock();
        let receiver = self.live.subscribe();
        (Self::page(&history, after, usize::MAX), receiver)
    }

    fn page(history: &History, after: u64, limit: usize) -> EventsPage {
        let items: Vec<Arc<Event>> =
            history.events.iter().filter(|event| event.seq > after).take(limit).cloned().collect();
        let next_after = items.last().map_or(after.max(history.evicted_through).min(history.last_seq), |e| e.seq);
        EventsPage { items, next_after, gap: after < history.evicted_through }
    }
}

/// What a subscriber receives next.
#[derive(Debug, Clone, PartialEq)]
pub enum FeedItem {
    /// Events were lost between the last one delivered and the next: the subscriber asked for
    /// history no longer retained, or fell so far behind that it was evicted meanwhile.
    Gap,
    Event(Arc<Event>),
}

/// One subscriber's view of the log: the retained backlog after a seq, then live events, in
/// seq order, never twice. A subscriber that falls behind the live channel is caught up from
/// the retained history rather than buffered without bound.
pub struct EventFeed {
    playground: Arc<crate::Playground>,
    pending: VecDeque<Arc<Event>>,
    live: broadcast::Receiver<Arc<Event>>,
    last_seq: u64,
    types: Option<Vec<EventType>>,
    gap_pending: bool,
}

impl EventFeed {
    pub(crate) fn new(playground: Arc<crate::Playground>, after: u64, types: Option<Vec<EventType>>) -> EventFeed {
        let (backlog, live) = playground.events().subscribe(after);
        EventFeed { playground, pending: backlog.items.into(), live, last_seq: after, types, gap_pending: backlog.gap }
    }

    /// The seq of the last event delivered (or skipped by the type filter).
    pub fn last_seq(&self) -> u64 {
        self.last_seq
    }

    /// The next item; `None` once the log is gone.
    pub async fn next(&mut self) -> Option<FeedItem> {
        loop {
            if std::mem::take(&mut self.gap_pending) {
                return Some(FeedItem::Gap);
            }
            if let Some(event) = self.pending.pop_front() {
                if event.seq <= self.last_seq {
                    continue;
                }
                self.last_seq = event.seq;
                if self.types.as_ref().is_none_or(|types| types.contains(&event.event_type)) {
                    return Some(FeedItem::Event(event));
                }
                continue;
            }
            match self.live.recv().await {
                Ok(event) => self.pending.push_back(event),
                Err(broadcast::error::RecvError::Lagged(_)) => {
                    let caught_up = self.playground.events().after(self.last_seq, usize::MAX);
                    self.gap_pending = caught_up.gap;
                    self.pending.extend(caught_up.items);
                }
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seqs_increase_and_history_is_bounded_with_a_gap_flag() {
        let log = EventLog::new(3);
        for _ in 0..5 {
            log.append(EventType::UserCreated, serde_json::json!({}));
        }
        let page = log.after(0, 100);
        assert_eq!(page.items.iter().map(|e| e.seq).collect::<Vec<_>>(), vec![3, 4, 5]);
        assert!(page.gap);
        assert_eq!(page.next_after, 5);
        let recent = log.after(3, 100);
        assert!(!recent.gap);
        assert_eq!(recent.items.len(), 2);
        let limited = log.after(2, 1);
        assert_eq!(limited.next_after, 3);
        assert_eq!(log.after(5, 100).next_after, 5);
    }

    #[tokio::test]
    async fn a_feed_filters_resumes_and_catches_up_a_lagging_subscriber() {
        let playground = Arc::new(crate::Playground::new(5000));
        let log = playground.events();
        for n in 0..3 {
            log.append(
                if n == 1 { EventType::OrderCreated } else { EventType::UserCreated },
                serde_json::json!({"n": n}),
            );
        }
        let mut orders_only = EventFeed::new(playground.clone(), 0, Some(vec![EventType::OrderCreated]));
        let Some(FeedItem::Event(first)) = orders_only.next().await else { panic!("an event") };
        assert_eq!((first.seq, first.event_type), (2, EventType::OrderCreated));
        let mut slow = EventFeed::new(playground.clone(), 1, None);
        for _ in 0..(BROADCAST_CAPACITY + 10) {
            log.append(EventType::UserUpdated, serde_json::json!({}));
        }
        let mut seqs = Vec::new();
        while seqs.len() < BROADCAST_CAPACITY + 12 {
            match slow.next().await {
                Some(FeedItem::Event(event)) => seqs.push(event.seq),
                other => panic!("unexpected {other:?}"),
            }
        }
        let expected: Vec<u64> = (2..=(BROADCAST_CAPACITY as u64 + 13)).collect();
        assert_eq!(seqs, expected, "every event once, in order, after falling behind the live channel");
        let small = Arc::new(crate::Playground::new(2));
        for _ in 0..4 {
            small.events().append(EventType::UserCreated, serde_json::json!({}));
        }
        let mut stale = EventFeed::new(small, 0, None);
        assert_eq!(stale.next().await, Some(FeedItem::Gap), "history before seq 3 is gone");
        assert!(matches!(stale.next().await, Some(FeedItem::Event(event)) if event.seq == 3));
    }

    #[tokio::test]
    async fn subscribers_get_backlog_then_live_events_in_order() {
        let log = EventLog::new(10);
        log.append(EventType::UserCreated, serde_json::json!({"n": 1}));
        let (backlog, mut live) = log.subscribe(0);
        assert_eq!(backlog.items.len(), 1);
        log.append(EventType::UserUpdated, serde_json::json!({"n": 2}));
        let next = live.recv().await.expect("live event");
        assert_eq!(next.seq, 2);
        assert_eq!(next.event_type, EventType::UserUpdated);
    }
}
