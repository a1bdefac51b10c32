//! The one gate every protocol's call goes through, in this order: a failure the call asked for
//! (`X-Playground-Fail`) → maintenance switch → credential → `Caller` → scope → rate budget →
//! injected faults (`--fault-rate`) → domain. Adapters only say where the credential sits and how
//! errors look; the rules themselves are written here once, so they are the same on all five.

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::Arc;

use governor::clock::{Clock, DefaultClock};
use governor::middleware::StateInformationMiddleware;
use governor::state::InMemoryState;
use governor::{Quota, RateLimiter};
use playground_domain::events::{EventFeed, FeedItem};
use playground_domain::{Caller, DomainError, ErrorCode, EventType, Operation, Playground};
use poem::http::HeaderValue;

use crate::call_scope;
use crate::config::{RateTier, Settings};
use crate::credentials::{Credentials, Session, Verifier};
use crate::knobs::Faults;
use crate::metrics::{GaugeGuard, Metrics};
use crate::rate_fields::BudgetLeft;
use crate::tokens::Tokens;

/// The buckets, by caller. Hashed with foldhash (seeded per process) rather than SipHash: the
/// bucket is looked up on every call of every protocol, and the key is short.
type Buckets = dashmap::DashMap<String, InMemoryState, foldhash::fast::RandomState>;
type KeyedLimiter = RateLimiter<String, Buckets, DefaultClock, StateInformationMiddleware>;

/// One token bucket per caller per tier, shared by all five protocols.
struct RateLimits {
    tiers: HashMap<String, Tier, foldhash::fast::RandomState>,
    clock: DefaultClock,
}

struct Tier {
    name: Arc<str>,
    rate: RateTier,
    limiter: KeyedLimiter,
    /// The `RateLimit-Policy` field of this tier, made once.
    policy: HeaderValue,
}

impl RateLimits {
    fn new(settings: &Settings) -> RateLimits {
        let tier = |name: &str, rate: RateTier| {
            let per_second = NonZeroU32::new(rate.per_second).unwrap_or(NonZeroU32::MIN);
            let burst = NonZeroU32::new(rate.burst).unwrap_or(NonZeroU32::MIN);
            let quota = Quota::per_second(per_second).allow_burst(burst);
            let limiter: KeyedLimiter = RateLimiter::new(quota, Buckets::default(), DefaultClock::default());
            let window = rate.burst.div_ceil(per_second.get());
            let policy = HeaderValue::from_str(&format!("\"{name}\";q={burst};w={window}"))
                .unwrap_or(HeaderValue::from_static("\"default\""));
            (name.to_owned(), Tier { name: name.into(), rate, limiter, policy })
        };
        let mut tiers: HashMap<_, _, _> = settings.tiers.iter().map(|(name, rate)| tier(name, *rate)).collect();
        let (name, default) = tier(crate::config::DEFAULT_TIER, settings.default_tier);
        tiers.insert(name, default);
        RateLimits { tiers, clock: DefaultClock::default() }
    }

    /// Spends one call of the caller's bucket, and reports what is left for the `RateLimit` fields.
    fn spend(&self, session: &Session, metrics: &Metrics) -> Result<(), DomainError> {
        let Some(Tier { name, rate, limiter, policy }) =
            self.tiers.get(&session.tier).or_else(|| self.tiers.get(crate::config::DEFAULT_TIER))
        else {
            return Err(DomainError::new(ErrorCode::Internal, "no rate-limit tier configured"));
        };
        let left = |remaining: u32, reset_secs: u64| BudgetLeft {
            policy: policy.clone(),
            tier: name.clone(),
            remaining,
            reset_secs,
        };
        match limiter.check_key(&session.rate_key) {
            Ok(snapshot) => {
                let remaining = snapshot.remaining_burst_capacity();
                let refill = rate.burst.saturating_sub(remaining).div_ceil(rate.per_second.max(1));
                call_scope::report_budget(left(remaining, u64::from(refill)));
                Ok(())
            }
            Err(not_until) => {
                let wait = not_until.wait_time_from(self.clock.now());
                let seconds = (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1);
                call_scope::report_budget(left(0, seconds));
                metrics.rate_limited(name);
                Err(DomainError::retry_after(
                    ErrorCode::RateLimited,
                    format!(
                        "rate limit of {} calls per second (burst {}) exceeded: retry after {seconds} s",
                        rate.per_second, rate.burst
                    ),
                    seconds,
                ))
            }
        }
    }
}

pub struct Gate {
    playground: Arc<Playground>,
    verifier: Verifier,
    rate_limits: RateLimits,
    shutdown: Shutdown,
    metrics: Arc<Metrics>,
    faults: Faults,
}

impl Gate {
    pub fn new(settings: &Settings, playground: Arc<Playground>, shutdown: Shutdown, tokens: Arc<Tokens>) -> Gate {
        Gate {
            playground,
            verifier: Verifier::new(settings, tokens),
            rate_limits: RateLimits::new(settings),
            shutdown,
            metrics: Arc::new(Metrics::default()),
            faults: Faults::new(settings.knobs.fault_rate, settings.knobs.fault_seed),
        }
    }

    /// What `/metrics` serves.
    pub fn metrics(&self) -> &Arc<Metrics> {
        &self.metrics
    }

    /// The server-wide shutdown signal, for answers that last.
    pub fn shutdown(&self) -> &Shutdown {
        &self.shutdown
    }

    /// Waits, without holding any lock, until the log has an event after `after`, `timeout`
    /// passes, or the server shuts down: the waiting half of a long poll.
    pub async fn wait_for_events(&self, after: u64, timeout: std::time::Duration) {
        let (backlog, mut live) = self.playground.events().subscribe(after);
        if !backlog.items.is_empty() {
            return;
        }
        tokio::select! {
            _ = live.recv() => {}
            () = tokio::time::sleep(timeout) => {}
            () = self.shutdown.begun() => {}
        }
    }

    /// Opens a push subscription: one call of the budget, however many events follow.
    /// `transport` names the push style in `/metrics` (`sse`, `grpc-stream`, `graphql-ws`, `websocket`).
    pub fn watch(
        &self,
        session: &Session,
        after: Option<u64>,
        types: Option<Vec<EventType>>,
        transport: &'static str,
    ) -> Result<Watch, DomainError> {
        let result = self.open_for(Operation::WatchEvents).and_then(|()| {
            self.run_as(session, Operation::WatchEvents, |_, _| Ok(()))?;
            Ok(self.playground.watch_events(&session.caller, after, types))
        });
        self.finish(Operation::WatchEvents, Some(&session.label), result).map(|feed| Watch {
            feed,
            expires_at: session.expires_at,
            expired: false,
            metrics: self.metrics.clone(),
            transport,
            _open: self.metrics.subscriber(transport),
        })
    }

    pub fn playground(&self) -> &Playground {
        &self.playground
    }

    /// The playground itself, for work that outlives a call (webhook delivery).
    pub fn playground_arc(&self) -> Arc<Playground> {
        self.playground.clone()
    }

    /// Verifies a credential once, for transports that keep a session (a WebSocket connection).
    pub fn session(&self, credentials: &Credentials) -> Result<Arc<Session>, DomainError> {
        self.verifier.verify(credentials)
    }

    /// A username and password traded for an access token and its lifetime in seconds.
    pub fn login(&self, username: &str, password: &str) -> Result<(String, u64), DomainError> {
        self.verifier.login(username, password)
    }

    /// The account a username and password belong to.
    pub fn verifier_account(&self, username: &str, password: &str) -> Result<crate::config::Account, DomainError> {
        self.verifier.account(username, password)
    }

    /// The token signer and verifier, for the OAuth endpoints.
    pub fn tokens(&self) -> &Tokens {
        &self.verifier.tokens
    }

    /// The public keys that verify access tokens, as a JWK Set.
    pub fn jwks(&self) -> crate::tokens::JwkSet {
        self.verifier.tokens.jwks()
    }

    /// Runs one operation for a request carrying `credentials`.
    pub fn call<T>(
        &self,
        credentials: &Credentials,
        operation: Operation,
        run: impl FnOnce(&Playground, &Caller) -> Result<T, DomainError>,
    ) -> Result<T, DomainError> {
        let mut session = None;
        let result = self.open_for(operation).and_then(|()| {
            let verified = session.insert(self.session(credentials)?);
            self.run_as(verified, operation, run)
        });
        self.finish(operation, session.as_ref().map(|s| &s.label), result)
    }

    /// A failure the call asked for; else UNAVAILABLE while the maintenance switch is on, for
    /// every operation but the switch.
    pub fn open_for(&self, operation: Operation) -> Result<(), DomainError> {
        if let Some(forced) = call_scope::forced() {
            return Err(forced);
        }
        match operation {
            Operation::SetMaintenance => Ok(()),
            _ => self.playground.maintenance().check(),
        }
    }

    /// Counts the call and tells its scope how it ended.
    fn finish<T>(
        &self,
        operation: Operation,
        caller: Option<&Arc<str>>,
        result: Result<T, DomainError>,
    ) -> Result<T, DomainError> {
        self.metrics.record(call_scope::protocol(), operation, &result);
        call_scope::report_outcome(operation, caller, result.as_ref().err().map(|error| error.code));
        result
    }

    /// Runs one operation for an already verified session: scope, then rate budget, then the domain.
    pub fn call_as<T>(
        &self,
        session: &Session,
        operation: Operation,
        run: impl FnOnce(&Playground, &Caller) -> Result<T, DomainError>,
    ) -> Result<T, DomainError> {
        let result = self.open_for(operation).and_then(|()| self.run_as(session, operation, run));
        self.finish(operation, Some(&session.label), result)
    }

    /// A call refused before it reached the gate (a `/ws` connection without a valid
    /// credential): counted like any other, and a failure the call asked for still comes first.
    pub fn refuse<T>(&self, operation: Operation, why: DomainError) -> Result<T, DomainError> {
        let result = self.open_for(operation).and(Err(why));
        self.finish(operation, None, result)
    }

    /// Scope, rate budget, faults, domain: what every entry runs once the switch and credential passed.
    fn run_as<T>(
        &self,
        session: &Session,
        operation: Operation,
        run: impl FnOnce(&Playground, &Caller) -> Result<T, DomainError>,
    ) -> Result<T, DomainError> {
        session.caller.require(operation.scope())?;
        self.rate_limits.spend(session, &self.metrics)?;
        self.faults.draw()?;
        run(&self.playground, &session.caller)
    }

    /// Runs one of several operations that one request on the wire asks for (the fields of a
    /// GraphQL query): each checks its scope, but the request spends one call of the budget.
    pub fn call_within<T>(
        &self,
        request: &RequestBudget,
        credentials: &Credentials,
        operation: Operation,
        run: impl FnOnce(&Playground, &Caller) -> Result<T, DomainError>,
    ) -> Result<T, DomainError> {
        let mut session = None;
        let result = self.open_for(operation).and_then(|()| {
            let session = session.insert(self.session(credentials)?);
            session.caller.require(operation.scope())?;
            if !request.spent.swap(true, std::sync::atomic::Ordering::Relaxed) {
                self.rate_limits.spend(session, &self.metrics)?;
            }
            self.faults.draw()?;
            run(&self.playground, &session.caller)
        });
        self.finish(operation, session.as_ref().map(|s| &s.label), result)
    }
}

/// Tells long-lived answers (long polls, event streams, WebSocket connections) that the server
/// is shutting down, so they end cleanly instead of holding the drain up.
#[derive(Clone)]
pub struct Shutdown(tokio::sync::watch::Receiver<bool>);

impl Shutdown {
    /// The signal and the switch that fires it.
    pub fn new() -> (tokio::sync::watch::Sender<bool>, Shutdown) {
        let (trigger, signal) = tokio::sync::watch::channel(false);
        (trigger, Shutdown(signal))
    }

    /// Resolves once shutdown has begun.
    pub async fn begun(&self) {
        let mut signal = self.0.clone();
        let _ = signal.wait_for(|begun| *begun).await;
    }
}

/// Whether one request has spent its call of the rate budget yet.
#[derive(Debug, Default)]
pub struct RequestBudget {
    spent: std::sync::atomic::AtomicBool,
}

/// A push subscription as every transport reads it: the events, and then, if the credential
/// that opened it expires, one UNAUTHENTICATED and the end. Written once, so a token cannot
/// outlive its `exp` on any protocol's stream.
pub struct Watch {
    feed: EventFeed,
    expires_at: Option<time::OffsetDateTime>,
    expired: bool,
    metrics: Arc<Metrics>,
    transport: &'static str,
    /// Counts the subscription in `/metrics` while it is open.
    _open: GaugeGuard,
}

impl Watch {
    pub async fn next(&mut self) -> Option<Result<FeedItem, DomainError>> {
        if self.expired {
            return None;
        }
        tokio::select! {
            item = self.feed.next() => {
                if item == Some(FeedItem::Gap) {
                    self.metrics.event_gap(self.transport);
                }
                item.map(Ok)
            }
            () = Session::expired(self.expires_at) => {
                self.expired = true;
                Some(Err(DomainError::unauthenticated("the access token expired: log in again and subscribe anew")))
            }
        }
    }

    pub fn last_seq(&self) -> u64 {
        self.feed.last_seq()
    }
}
