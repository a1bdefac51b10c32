//! `events.subscribe` / `events.unsubscribe`: push over the connection. Each subscription is a
//! task reading its own feed into the connection's one bounded outgoing queue; a reader too slow
//! to drain that queue is disconnected (close 1008) instead of growing server memory.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use playground_domain::events::FeedItem;
use playground_domain::{DomainError, EventType};
use serde::Deserialize;
use serde_json::json;
use tokio::sync::{mpsc, Notify};

use super::rpc::{params, to_json, Connection, Params, RpcResult};

/// The most subscriptions one connection may hold.
pub const MAX_SUBSCRIPTIONS: usize = 64;
/// Notifications waiting to be written before a reader counts as too slow.
pub const OUTGOING_QUEUE: usize = 1024;

/// A connection's push side: its subscriptions and the queue they all write into.
pub struct Subscriptions {
    tasks: HashMap<u64, tokio::task::JoinHandle<()>>,
    next_id: u64,
    outgoing: mpsc::Sender<String>,
    /// Set, and notified, when a notification found the queue full.
    pub overflowed: Arc<(AtomicBool, Notify)>,
}

impl Subscriptions {
    pub fn new(outgoing: mpsc::Sender<String>) -> Subscriptions {
        Subscriptions { tasks: HashMap::new(), next_id: 1, outgoing, overflowed: Default::default() }
    }
}

impl Drop for Subscriptions {
    fn drop(&mut self) {
        for task in self.tasks.values() {
            task.abort();
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct SubscribeParams {
    types: Option<Vec<String>>,
    after_seq: Option<u64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UnsubscribeParams {
    subscription: u64,
}

pub fn subscribe(connection: &mut Connection, raw: Params<'_>) -> RpcResult {
    let SubscribeParams { types, after_seq } = params(raw)?;
    let types = types.map(|names| EventType::parse_list(names.iter().map(String::as_str))).transpose()?;
    connection.subscriptions.tasks.retain(|_, task| !task.is_finished());
    if connection.subscriptions.tasks.len() >= MAX_SUBSCRIPTIONS {
        return Err(DomainError::invalid(
            "subscription",
            format!("a connection holds at most {MAX_SUBSCRIPTIONS} subscriptions: unsubscribe one first"),
        ));
    }
    let session = connection.session.clone()?;
    let mut feed = connection.gate.watch(&session, after_seq, types, "websocket")?;
    let after = feed.last_seq();
    let id = connection.subscriptions.next_id;
    connection.subscriptions.next_id += 1;
    let outgoing = connection.subscriptions.outgoing.clone();
    let overflowed = connection.subscriptions.overflowed.clone();
    let task = tokio::spawn(async move {
        // An expired token ends the feed; the connection itself is closed 1008 at the same moment.
        while let Some(Ok(item)) = feed.next().await {
            let notification = match item {
                FeedItem::Gap => {
                    json!({"jsonrpc": "2.0", "method": "gap", "params": {"subscription": id, "afterSeq": feed.last_seq()}})
                }
                FeedItem::Event(event) => {
                    json!({"jsonrpc": "2.0", "method": "event", "params": {"subscription": id, "event": event.as_ref()}})
                }
            };
            match outgoing.try_send(notification.to_string()) {
                Ok(()) => {}
                Err(mpsc::error::TrySendError::Full(_)) => {
                    overflowed.0.store(true, Ordering::Relaxed);
                    overflowed.1.notify_one();
                    return;
                }
                Err(mpsc::error::TrySendError::Closed(_)) => return,
            }
        }
    });
    connection.subscriptions.tasks.insert(id, task);
    Ok(to_json(json!({"subscription": id, "afterSeq": after})))
}

pub fn unsubscribe(connection: &mut Connection, raw: Params<'_>) -> RpcResult {
    let UnsubscribeParams { subscription } = params(raw)?;
    match connection.subscriptions.tasks.remove(&subscription) {
        Some(task) => {
            task.abort();
            Ok(to_json(true))
        }
        None => Err(DomainError::new(
            playground_domain::ErrorCode::NotFound,
            format!("subscription {subscription} does not exist on this connection"),
        )),
    }
}
