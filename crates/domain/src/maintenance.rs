//! The maintenance switch: while it is on, every operation but the switch itself answers
//! UNAVAILABLE with a retry delay, on every protocol alike, so clients' handling of 503 (and its
//! gRPC, GraphQL, SOAP and JSON-RPC forms) can be tried on demand.

use std::sync::atomic::{AtomicU64, Ordering};

use crate::error::{DomainError, ErrorCode};

/// The delay clients are told to wait when the switch is turned on without one.
pub const DEFAULT_RETRY_AFTER_SECS: u64 = 30;
/// The longest delay the switch accepts: an hour.
pub const MAX_RETRY_AFTER_SECS: u64 = 3600;

/// Off, or on with the seconds clients should wait: one atomic, read on every call.
#[derive(Debug, Default)]
pub struct Maintenance {
    /// 0 is off; otherwise the retry delay in seconds.
    retry_after_secs: AtomicU64,
}

/// What the switch says now, the answer of `setMaintenance` on every protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MaintenanceState {
    pub enabled: bool,
    /// Seconds clients are told to wait (the `Retry-After` value); 0 while off.
    pub retry_after: u64,
}

impl Maintenance {
    /// Turns the switch on (with a delay from 1 s to an hour, 30 s if none is given) or off.
    pub fn set(&self, enabled: bool, retry_after: Option<i64>) -> Result<MaintenanceState, DomainError> {
        let seconds = match (enabled, retry_after) {
            (false, _) => 0,
            (true, None) => DEFAULT_RETRY_AFTER_SECS,
            (true, Some(seconds)) => u64::try_from(seconds)
                .ok()
                .filter(|seconds| (1..=MAX_RETRY_AFTER_SECS).contains(seconds))
                .ok_or_else(|| {
                    DomainError::invalid(
                        "retryAfter",
                        format!("retryAfter must be 1 to {MAX_RETRY_AFTER_SECS} seconds, not {seconds}"),
                    )
                })?,
        };
        self.retry_after_secs.store(seconds, Ordering::Relaxed);
        Ok(self.state())
    }

    pub fn state(&self) -> MaintenanceState {
        let retry_after = self.retry_after_secs.load(Ordering::Relaxed);
        MaintenanceState { enabled: retry_after > 0, retry_after }
    }

    /// UNAVAILABLE with the retry delay while the switch is on.
    pub fn check(&self) -> Result<(), DomainError> {
        match self.retry_after_secs.load(Ordering::Relaxed) {
            0 => Ok(()),
            seconds => Err(DomainError::retry_after(
                ErrorCode::Unavailable,
                format!("the server is in maintenance: retry after {seconds} s"),
                seconds,
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_switch_refuses_calls_while_on_and_bounds_its_delay() -> Result<(), DomainError> {
        let switch = Maintenance::default();
        switch.check()?;
        assert_eq!(switch.set(true, None)?, MaintenanceState { enabled: true, retry_after: 30 });
        let refused = switch.check().err().ok_or_else(|| DomainError::new(ErrorCode::Internal, "not refused"))?;
        assert_eq!((refused.code, refused.retry_after_secs), (ErrorCode::Unavailable, Some(30)));
        assert_eq!(switch.set(true, Some(5))?.retry_after, 5);
        for bad in [0, -1, 3601] {
            assert_eq!(switch.set(true, Some(bad)).map_err(|e| e.field), Err(Some("retryAfter".to_owned())));
        }
        assert_eq!(switch.state().retry_after, 5, "a refused change leaves the switch as it was");
        assert_eq!(switch.set(false, Some(99))?, MaintenanceState { enabled: false, retry_after: 0 });
        switch.check()
    }
}
