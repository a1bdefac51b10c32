//! The one gate every protocol's call goes through, in this order: maintenance switch →
//! credential → `Caller` → scope → rate budget → domain. Adapters only say where the credential sits and how errors
//! look; the rules themselves are written here once, so they are the same on all five.

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::Arc;

use governor::clock::{Clock, DefaultClock};
use governor::middleware::StateInformationMiddleware;
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};
use playground_domain::events::{EventFeed, FeedItem};
use playground_domain::{Caller, DomainError, ErrorCode, EventType, Operation, Playground};
use poem::http::HeaderValue;

use crate::config::{RateTier, Settings};
use crate::credentials::{Credentials, Session, Verifier};
use crate::metrics::Metrics;
use crate::rate_fields::{self, BudgetLeft};
use crate::tokens::Tokens;

type KeyedLimiter = RateLimiter<String, DefaultKeyedStateStore<String>, DefaultClock, StateInformationMiddleware>;

/// One token bucket per caller per tier, shared by all five protocols.
struct RateLimits {
    tiers: HashMap<String, Tier>,
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
            let limiter = RateLimiter::keyed(Quota::per_second(per_second).allow_burst(burst)).with_middleware();
            let window = rate.burst.div_ceil(per_second.get());
            let policy = HeaderValue::from_str(&format!("\"{name}\";q={burst};w={window}"))
                .unwrap_or(HeaderValue::from_static("\"default\""));
            (name.to_owned(), Tier { name: name.into(), rate, limiter, policy })
        };
        let mut tiers: HashMap<String, Tier> = settings.tiers.iter().map(|(name, rate)| tier(name, *rate)).collect();
        let (name, default) = tier(crate::config::DEFAULT_TIER, settings.default_tier);
        tiers.insert(name, default);
        RateLimits { tiers, clock: DefaultClock::default() }
    }

    /// Spends one call of the caller's bucket, and reports what is left for the `RateLimit` fields.
    fn spend(&self, session: &Session) -> Result<(), DomainError> {
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
                rate_fields::report(left(remaining, u64::from(refill)));
                Ok(())
            }
            Err(not_until) => {
                let wait = not_until.wait_time_from(self.clock.now());
                let seconds = (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1);
                rate_fields::report(left(0, seconds));
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
    metrics: Metrics,
}

impl Gate {
    pub fn new(settings: &Settings, playground: Arc<Playground>, shutdown: Shutdown, tokens: Arc<Tokens>) -> Gate {
        Gate {
            playground,
            verifier: Verifier::new(settings, tokens),
            rate_limits: RateLimits::new(settings),
            shutdown,
            metrics: Metrics::default(),
        }
    }

    /// The call counters served at `/metrics`.
    pub fn metrics(&self) -> &Metrics {
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
    pub fn watch(
        &self,
        session: &Session,
        after: Option<u64>,
        types: Option<Vec<EventType>>,
    ) -> Result<Watch, DomainError> {
        let result = self.open_for(Operation::WatchEvents).and_then(|()| {
            session.caller.require(Operation::WatchEvents.scope())?;
            self.rate_limits.spend(session)?;
            let feed = self.playground.watch_events(&session.caller, after, types);
            Ok(Watch { feed, expires_at: session.expires_at, expired: false })
        });
        self.metrics.record(Operation::WatchEvents, &result);
        result
    }

    pub fn playground(&self) -> &Playground {
        &self.playground
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
        let result = self.open_for(operation).and_then(|()| {
            let session = self.session(credentials)?;
            self.run_as(&session, operation, run)
        });
        self.metrics.record(operation, &result);
        result
    }

    /// UNAVAILABLE while the maintenance switch is on, for every operation but the switch.
    pub fn open_for(&self, operation: Operation) -> Result<(), DomainError> {
        match operation {
            Operation::SetMaintenance => Ok(()),
            _ => self.playground.maintenance().check(),
        }
    }

    /// Runs one operation for an already verified session: scope, then rate budget, then the domain.
    pub fn call_as<T>(
        &self,
        session: &Session,
        operation: Operation,
        run: impl FnOnce(&Playground, &Caller) -> Result<T, DomainError>,
    ) -> Result<T, DomainError> {
        let result = self.open_for(operation).and_then(|()| self.run_as(session, operation, run));
        self.metrics.record(operation, &result);
        result
    }

    /// Scope, rate budget, domain: what every entry runs once the switch and credential passed.
    fn run_as<T>(
        &self,
        session: &Session,
        operation: Operation,
        run: impl FnOnce(&Playground, &Caller) -> Result<T, DomainError>,
    ) -> Result<T, DomainError> {
        session.caller.require(operation.scope())?;
        self.rate_limits.spend(session)?;
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
        let result = self.open_for(operation).and_then(|()| {
            let session = self.session(credentials)?;
            session.caller.require(operation.scope())?;
            if !request.spent.swap(true, std::sync::atomic::Ordering::Relaxed) {
                self.rate_limits.spend(&session)?;
            }
            run(&self.playground, &session.caller)
        });
        self.metrics.record(operation, &result);
        result
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
}

impl Watch {
    pub async fn next(&mut self) -> Option<Result<FeedItem, DomainError>> {
        if self.expired {
            return None;
        }
        tokio::select! {
            item = self.feed.next() => item.map(Ok),
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
