//! Webhooks: who asked to be told of which events, at which URL, and every attempt to tell them.
//! Callers see and remove only their own hooks (admin sees all); someone else's is NOT_FOUND, so
//! its existence is not revealed. Delivery itself is the server's: it learns of each new hook
//! here, reads the event log from the hook's starting seq, and records each attempt back.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;

use parking_lot::Mutex;
use serde::Serialize;
use time::OffsetDateTime;
use tokio::sync::{broadcast, Notify};

use crate::access::{Caller, Identity, Scope};
use crate::error::DomainError;
use crate::events::EventType;

/// The most hooks one caller may hold, and the most in all.
pub const MAX_HOOKS_PER_CALLER: usize = 10;
pub const MAX_HOOKS: usize = 1000;
/// Attempts kept per hook for `deliveries`; older ones are forgotten.
pub const DELIVERY_LOG: usize = 100;
/// The longest URL a hook may have.
pub const MAX_URL_BYTES: usize = 2048;

/// Whether a hook's last delivery got through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum HookState {
    Active,
    /// Its last event could not be delivered in all its attempts.
    Failing,
}

impl HookState {
    pub fn as_str(self) -> &'static str {
        match self {
            HookState::Active => "active",
            HookState::Failing => "failing",
        }
    }
}

/// One attempt to deliver one event.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Delivery {
    pub event_seq: u64,
    /// The `webhook-id` the attempt carried: the same for every attempt of one event.
    pub message_id: String,
    /// 1 for the first attempt.
    pub attempt: u32,
    #[serde(with = "crate::rfc3339")]
    pub attempted_at: OffsetDateTime,
    /// The receiver's HTTP status, when it answered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    pub latency_ms: f64,
    /// Why the attempt failed, when it did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// A hook as its owner sees it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WebhookView {
    pub id: u64,
    pub url: String,
    /// The event types delivered; empty means every type.
    pub types: Vec<EventType>,
    #[serde(with = "crate::rfc3339")]
    pub created_at: OffsetDateTime,
    pub state: HookState,
    /// Events lost to this hook because its receiver fell too far behind the retained history.
    pub dropped: u64,
    /// Deliveries that got a 2xx answer.
    pub delivered: u64,
}

/// A hook: what the server's deliverer needs to deliver to it.
#[derive(Debug)]
pub struct Webhook {
    pub id: u64,
    pub owner: Identity,
    pub url: String,
    pub types: Vec<EventType>,
    /// `whsec_` and the base64 of the signing key.
    pub secret: String,
    /// Deliveries start after this seq: the log's last seq when the hook was made.
    pub after_seq: u64,
    pub created_at: OffsetDateTime,
    /// Wakes the deliverer when the hook is removed.
    pub removed: Notify,
    record: Mutex<Record>,
}

#[derive(Debug)]
struct Record {
    state: HookState,
    dropped: u64,
    delivered: u64,
    log: VecDeque<Delivery>,
    removed: bool,
}

impl Webhook {
    pub fn view(&self) -> WebhookView {
        let record = self.record.lock();
        WebhookView {
            id: self.id,
            url: self.url.clone(),
            types: self.types.clone(),
            created_at: self.created_at,
            state: record.state,
            dropped: record.dropped,
            delivered: record.delivered,
        }
    }

    /// Records one attempt; the log keeps the last [`DELIVERY_LOG`].
    pub fn record(&self, delivery: Delivery) {
        let mut record = self.record.lock();
        if delivery.error.is_none() {
            record.delivered += 1;
        }
        if record.log.len() == DELIVERY_LOG {
            record.log.pop_front();
        }
        record.log.push_back(delivery);
    }

    pub fn set_state(&self, state: HookState) {
        self.record.lock().state = state;
    }

    pub fn add_dropped(&self, events: u64) {
        let mut record = self.record.lock();
        record.dropped = record.dropped.saturating_add(events);
    }

    pub fn is_removed(&self) -> bool {
        self.record.lock().removed
    }

    /// Whether `types` lets this event type through.
    pub fn wants(&self, event_type: EventType) -> bool {
        self.types.is_empty() || self.types.contains(&event_type)
    }
}

/// Checks a target URL against the server's rules (scheme, allowed addresses); answers the URL
/// as it will be called. Given by the server, which knows its configuration.
pub type TargetCheck = Box<dyn Fn(&str) -> Result<String, String> + Send + Sync>;

/// The registry.
pub struct Webhooks {
    hooks: Mutex<BTreeMap<u64, Arc<Webhook>>>,
    next_id: Mutex<u64>,
    check: TargetCheck,
    created: broadcast::Sender<Arc<Webhook>>,
}

/// What a caller may see: its own hooks, or all of them with `admin`.
fn visible(caller: &Caller, hook: &Webhook) -> bool {
    caller.scopes.contains(Scope::Admin) || hook.owner == caller.identity
}

impl Webhooks {
    /// Until the server gives its own rules, no target is allowed.
    pub fn new() -> Webhooks {
        Webhooks::with_check(Box::new(|_| Err("webhook delivery is not configured".to_owned())))
    }

    pub fn with_check(check: TargetCheck) -> Webhooks {
        let (created, _) = broadcast::channel(64);
        Webhooks { hooks: Mutex::new(BTreeMap::new()), next_id: Mutex::new(1), check, created }
    }

    /// Tells of every hook made from now on: the deliverer starts one worker per hook.
    pub fn subscribe_created(&self) -> broadcast::Receiver<Arc<Webhook>> {
        self.created.subscribe()
    }

    /// Registers a hook; `secret` is made by the caller of this (the server's random source).
    pub fn create(
        &self,
        caller: &Caller,
        url: &str,
        types: Vec<EventType>,
        secret: String,
        after_seq: u64,
    ) -> Result<(Arc<Webhook>, WebhookView), DomainError> {
        if url.len() > MAX_URL_BYTES {
            return Err(DomainError::invalid("url", format!("url is longer than {MAX_URL_BYTES} bytes")));
        }
        let url = (self.check)(url).map_err(|why| DomainError::invalid("url", why))?;
        let mut hooks = self.hooks.lock();
        if hooks.len() >= MAX_HOOKS {
            return Err(DomainError::conflict(format!("the server holds its bound of {MAX_HOOKS} webhooks")));
        }
        if hooks.values().filter(|hook| hook.owner == caller.identity).count() >= MAX_HOOKS_PER_CALLER {
            return Err(DomainError::conflict(format!(
                "a caller may hold at most {MAX_HOOKS_PER_CALLER} webhooks: remove one first"
            )));
        }
        let id = {
            let mut next = self.next_id.lock();
            let id = *next;
            *next += 1;
            id
        };
        let mut types = types;
        types.sort_by_key(|t| *t as u8);
        types.dedup();
        let hook = Arc::new(Webhook {
            id,
            owner: caller.identity.clone(),
            url,
            types,
            secret,
            after_seq,
            created_at: crate::playground::now(),
            removed: Notify::new(),
            record: Mutex::new(Record {
                state: HookState::Active,
                dropped: 0,
                delivered: 0,
                log: VecDeque::new(),
                removed: false,
            }),
        });
        hooks.insert(id, hook.clone());
        drop(hooks);
        let _ = self.created.send(hook.clone());
        let view = hook.view();
        Ok((hook, view))
    }

    pub fn list(&self, caller: &Caller) -> Vec<WebhookView> {
        self.hooks.lock().values().filter(|hook| visible(caller, hook)).map(|hook| hook.view()).collect()
    }

    /// One hook the caller may see, else NOT_FOUND.
    pub fn get(&self, caller: &Caller, id: u64) -> Result<Arc<Webhook>, DomainError> {
        self.hooks
            .lock()
            .get(&id)
            .filter(|hook| visible(caller, hook))
            .cloned()
            .ok_or_else(|| DomainError::not_found("webhook", id))
    }

    pub fn delete(&self, caller: &Caller, id: u64) -> Result<(), DomainError> {
        let mut hooks = self.hooks.lock();
        match hooks.get(&id) {
            Some(hook) if visible(caller, hook) => {
                hook.record.lock().removed = true;
                hook.removed.notify_one();
                hooks.remove(&id);
                Ok(())
            }
            _ => Err(DomainError::not_found("webhook", id)),
        }
    }

    /// Every attempt logged for one hook, oldest first.
    pub fn deliveries(&self, caller: &Caller, id: u64) -> Result<Vec<Delivery>, DomainError> {
        let hook = self.get(caller, id)?;
        let log = hook.record.lock().log.iter().cloned().collect();
        Ok(log)
    }

    /// The secrets of the hooks whose URL ends in `path`: the built-in receiver checks a
    /// delivery against them.
    pub fn secrets_for_path(&self, path: &str) -> Vec<String> {
        self.hooks.lock().values().filter(|hook| hook.url.ends_with(path)).map(|hook| hook.secret.clone()).collect()
    }
}

impl Default for Webhooks {
    fn default() -> Self {
        Webhooks::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::Scopes;
    use crate::error::ErrorCode;

    fn caller(name: &str, scopes: &[&str]) -> Caller {
        Caller {
            identity: Identity::ApiKey { name: name.into() },
            scopes: Scopes::parse(scopes.iter().copied()).expect("scopes"),
        }
    }

    fn registry() -> Webhooks {
        Webhooks::with_check(Box::new(|url: &str| match url.starts_with("http://127.0.0.1") {
            true => Ok(url.to_owned()),
            false => Err("only loopback".to_owned()),
        }))
    }

    #[test]
    fn callers_see_and_remove_only_their_own_hooks_and_admin_sees_all() {
        let hooks = registry();
        let (alice, bob, admin) =
            (caller("a", &["orders:read"]), caller("b", &["orders:read"]), caller("root", &["admin"]));
        let (hook, _) = hooks.create(&alice, "http://127.0.0.1:9/a", vec![], "whsec_x".into(), 0).expect("made");
        assert_eq!(hooks.list(&alice).len(), 1);
        assert!(hooks.list(&bob).is_empty());
        assert_eq!(hooks.list(&admin).len(), 1);
        assert_eq!(hooks.get(&bob, hook.id).map(|_| ()).map_err(|e| e.code), Err(ErrorCode::NotFound));
        assert_eq!(hooks.delete(&bob, hook.id).map_err(|e| e.code), Err(ErrorCode::NotFound));
        assert_eq!(hooks.deliveries(&bob, hook.id).map_err(|e| e.code), Err(ErrorCode::NotFound));
        hooks.delete(&alice, hook.id).expect("removed");
        assert!(hook.is_removed());
        assert_eq!(hooks.delete(&alice, hook.id).map_err(|e| e.code), Err(ErrorCode::NotFound));
    }

    #[test]
    fn targets_are_checked_and_hooks_are_bounded() {
        let hooks = registry();
        let alice = caller("a", &["orders:read"]);
        let refused = hooks.create(&alice, "http://10.0.0.1/", vec![], "s".into(), 0).map(|_| ());
        assert_eq!(refused.map_err(|e| e.code), Err(ErrorCode::InvalidArgument));
        for n in 0..MAX_HOOKS_PER_CALLER {
            hooks.create(&alice, &format!("http://127.0.0.1:9/{n}"), vec![], "s".into(), 0).expect("made");
        }
        let over = hooks.create(&alice, "http://127.0.0.1:9/x", vec![], "s".into(), 0).map(|_| ());
        assert_eq!(over.map_err(|e| e.code), Err(ErrorCode::Conflict));
    }

    #[test]
    fn the_log_keeps_the_last_attempts_and_counts_deliveries() {
        let hooks = registry();
        let alice = caller("a", &["orders:read"]);
        let (hook, _) = hooks.create(&alice, "http://127.0.0.1:9/", vec![], "s".into(), 0).expect("made");
        for attempt in 0..(DELIVERY_LOG as u32 + 5) {
            hook.record(Delivery {
                event_seq: 1,
                message_id: "msg".into(),
                attempt,
                attempted_at: OffsetDateTime::UNIX_EPOCH,
                status: Some(200),
                latency_ms: 1.0,
                error: None,
            });
        }
        let log = hooks.deliveries(&alice, hook.id).expect("log");
        assert_eq!(log.len(), DELIVERY_LOG);
        assert_eq!(log[0].attempt, 5);
        assert_eq!(hook.view().delivered, DELIVERY_LOG as u64 + 5);
    }
}
