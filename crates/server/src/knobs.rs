//! The teaching knobs (CONTRACT §7), read once for every protocol: per call, `X-Playground-Delay`
//! and `X-Playground-Fail` (HTTP headers, which are also gRPC metadata and SOAP's headers) or
//! `params._playground` on `/ws`; for the whole server, `--simulate-rtt` and `--fault-rate`. A
//! learner adds latency or makes a call fail on purpose and sees the same effect in five forms.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use playground_domain::{DomainError, ErrorCode};
use poem::http::{HeaderMap, HeaderName};

pub const DELAY_HEADER: HeaderName = HeaderName::from_static("x-playground-delay");
pub const FAIL_HEADER: HeaderName = HeaderName::from_static("x-playground-fail");
/// The longest delay a call may ask for.
pub const MAX_DELAY: Duration = Duration::from_secs(30);

/// What one call asked for.
#[derive(Debug, Default)]
pub struct CallKnobs {
    pub delay: Duration,
    /// The error to answer instead of running the call: the asked-for failure, or why a knob
    /// was refused (INVALID_ARGUMENT). Boxed: it is seldom there, and the knobs travel in every
    /// request's future.
    pub forced: Option<Box<DomainError>>,
}

impl CallKnobs {
    /// The knobs of an HTTP request, gRPC call or SOAP call.
    pub fn from_headers(headers: &HeaderMap) -> CallKnobs {
        let delay = headers.get(DELAY_HEADER).map(|value| value.to_str().unwrap_or("\u{fffd}"));
        let fail = headers.get(FAIL_HEADER).map(|value| value.to_str().unwrap_or("\u{fffd}"));
        CallKnobs::parse(delay, fail, "X-Playground-Delay", "X-Playground-Fail")
    }

    /// The knobs of one JSON-RPC call: `params._playground` = `{"delay": "250ms", "fail": 503}`.
    pub fn from_params(knobs: &serde_json::Value) -> CallKnobs {
        let Some(knobs) = knobs.as_object() else {
            return CallKnobs::refused(
                "_playground",
                "_playground must be an object such as {\"delay\": \"250ms\", \"fail\": 503}",
            );
        };
        if let Some(unknown) = knobs.keys().find(|key| !matches!(key.as_str(), "delay" | "fail")) {
            return CallKnobs::refused("_playground", format!("_playground has delay and fail, not {unknown:?}"));
        }
        let text = |value: &serde_json::Value| match value {
            serde_json::Value::String(text) => text.clone(),
            other => other.to_string(),
        };
        let delay = knobs.get("delay").map(text);
        let fail = knobs.get("fail").map(text);
        CallKnobs::parse(delay.as_deref(), fail.as_deref(), "_playground.delay", "_playground.fail")
    }

    fn parse(delay: Option<&str>, fail: Option<&str>, delay_name: &str, fail_name: &str) -> CallKnobs {
        let delay = match delay.map(parse_delay).transpose() {
            Ok(delay) => delay.unwrap_or_default(),
            Err(why) => return CallKnobs::refused(delay_name, format!("{delay_name}: {why}")),
        };
        let forced = match fail.map(|code| ErrorCode::parse(code).ok_or(code)).transpose() {
            Ok(code) => code.map(|code| Box::new(forced_failure(code))),
            Err(code) => {
                let allowed: Vec<String> = ErrorCode::ALL.iter().map(|code| code.http_status().to_string()).collect();
                return CallKnobs::refused(
                    fail_name,
                    format!("{fail_name}: {code:?} is not one of {} (or a canonical code name)", allowed.join(", ")),
                );
            }
        };
        CallKnobs { delay, forced }
    }

    fn refused(field: &str, why: impl Into<String>) -> CallKnobs {
        CallKnobs { delay: Duration::ZERO, forced: Some(Box::new(DomainError::invalid(field, why))) }
    }
}

/// "250ms", "1.5s" or a bare number of milliseconds, up to [`MAX_DELAY`].
fn parse_delay(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let number_end = text.find(|c: char| !c.is_ascii_digit() && c != '.').unwrap_or(text.len());
    let (number, unit) = text.split_at(number_end);
    let number: f64 = number.parse().map_err(|_| format!("{text:?} is not a delay such as 250ms or 1.5s"))?;
    let seconds = match unit.trim() {
        "ms" | "" => number / 1000.0,
        "s" => number,
        other => return Err(format!("unknown unit {other:?} in {text:?}: use ms or s")),
    };
    match Duration::try_from_secs_f64(seconds) {
        Ok(delay) if delay <= MAX_DELAY => Ok(delay),
        _ => Err(format!("{text:?} is over the bound of {} s", MAX_DELAY.as_secs())),
    }
}

/// The canonical error a forced failure answers; 429 and 503 carry a retry delay, as real ones do.
fn forced_failure(code: ErrorCode) -> DomainError {
    let message = format!("failed on purpose: the call asked for {} ({})", code.http_status(), code.as_str());
    match code {
        ErrorCode::RateLimited | ErrorCode::Unavailable => DomainError::retry_after(code, message, 1),
        _ => DomainError::new(code, message),
    }
}

/// `--fault-rate`: a share of domain calls fails with INTERNAL or UNAVAILABLE. Which calls is
/// decided by a seeded sequence over the calls in the order they arrive, so a run from a fresh
/// start with the same seed and the same calls fails the same ones.
#[derive(Debug)]
pub struct Faults {
    /// The share of calls to fail, as a threshold on a 64-bit draw.
    threshold: u64,
    seed: u64,
    calls: AtomicU64,
}

impl Faults {
    pub fn new(rate: f64, seed: u64) -> Faults {
        // Saturating float-to-int conversion: a rate of 1 fails every call.
        let threshold = (rate.clamp(0.0, 1.0) * u64::MAX as f64) as u64;
        Faults { threshold, seed, calls: AtomicU64::new(0) }
    }

    /// The error for this call, if it is one of the share that fails.
    pub fn draw(&self) -> Result<(), DomainError> {
        if self.threshold == 0 {
            return Ok(());
        }
        let draw = splitmix64(self.seed ^ self.calls.fetch_add(1, Ordering::Relaxed));
        if draw >= self.threshold && self.threshold != u64::MAX {
            return Ok(());
        }
        Err(match draw & 1 {
            0 => DomainError::new(ErrorCode::Internal, "an injected fault (--fault-rate): the call failed inside"),
            _ => DomainError::retry_after(
                ErrorCode::Unavailable,
                "an injected fault (--fault-rate): the service is briefly unavailable",
                1,
            ),
        })
    }
}

/// A well-mixed 64-bit value from a counter (Steele, Lea and Flood's SplitMix64 finaliser).
fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_parse_and_are_bounded() {
        assert_eq!(parse_delay("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_delay("1.5s"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse_delay("40"), Ok(Duration::from_millis(40)));
        assert_eq!(parse_delay("30s"), Ok(MAX_DELAY));
        assert!(parse_delay("31s").expect_err("over the bound").contains("bound of 30 s"));
        assert!(parse_delay("-5ms").is_err());
        assert!(parse_delay("soon").is_err());
        assert!(parse_delay("5m").expect_err("minutes").contains("unit"));
    }

    #[test]
    fn a_forced_failure_is_that_codes_error_and_an_unknown_code_is_invalid() {
        let knobs = CallKnobs::parse(None, Some("503"), "d", "f");
        let forced = knobs.forced.expect("a forced failure");
        assert_eq!(forced.code, ErrorCode::Unavailable);
        assert_eq!(forced.retry_after_secs, Some(1));
        let knobs = CallKnobs::parse(None, Some("418"), "d", "f");
        let refused = knobs.forced.expect("a refusal");
        assert_eq!(refused.code, ErrorCode::InvalidArgument);
        assert!(refused.message.contains("400, 401, 403, 404, 409, 429, 500, 503"), "{}", refused.message);
    }

    #[test]
    fn faults_follow_the_seed_and_the_rate() {
        let run = |seed| {
            let faults = Faults::new(0.25, seed);
            (0..4000).map(|_| faults.draw().err().map(|e| e.code)).collect::<Vec<_>>()
        };
        let first = run(7);
        assert_eq!(first, run(7), "the same seed fails the same calls");
        assert_ne!(first, run(8));
        let failed = first.iter().filter(|code| code.is_some()).count();
        assert!((800..1200).contains(&failed), "{failed} of 4000 failed at a rate of 0.25");
        assert!(first.contains(&Some(ErrorCode::Internal)) && first.contains(&Some(ErrorCode::Unavailable)));
        assert!(Faults::new(0.0, 1).draw().is_ok());
        assert!(Faults::new(1.0, 1).draw().is_err());
    }
}
