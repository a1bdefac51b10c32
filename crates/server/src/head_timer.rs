//! The clock behind HTTP/1.1's header-read bound (slowloris): hyper starts a timer for every
//! request head it waits for and drops it once the head is in, so on a keep-alive connection
//! that is one timer per request. tokio's timers are exact, and each one is registered in the
//! runtime's timer wheel and removed again (about 775 instructions a request). The bound needs no
//! such precision: a head that is late is found by a sweep four times a second, and a head that
//! arrives in time costs one entry in a list, added and removed (about 275). The time it is read
//! against is the sweep's too, so a request reads no clock for it.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Weak};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use hyper::rt::{Sleep, Timer};
use parking_lot::Mutex;
use slab::Slab;

/// How often late heads are looked for, and how far behind the clock the timer keeps may be: a
/// head is refused within this long of its bound.
const SWEEP_EVERY: Duration = Duration::from_millis(250);

/// What the timer and its sleeps share: the heads being waited for (when each is due, and the
/// connection task to wake then), and the time as of the last sweep.
struct Shared {
    waiting: Mutex<Slab<(Instant, Waker)>>,
    started: Instant,
    /// Microseconds from `started` to the last sweep.
    swept_at: AtomicU64,
}

impl Shared {
    /// The time as of the last sweep, at most [`SWEEP_EVERY`] (and the sweep's own delay) behind.
    fn now(&self) -> Instant {
        self.started + Duration::from_micros(self.swept_at.load(Ordering::Relaxed))
    }
}

/// A hyper `Timer` whose sleeps are woken by one sweeping task rather than each by a timer of
/// its own. Made inside the runtime, which runs the sweep until the timer is dropped.
#[derive(Clone)]
pub struct HeadTimer {
    shared: Arc<Shared>,
}

impl HeadTimer {
    pub fn new() -> HeadTimer {
        let shared =
            Arc::new(Shared { waiting: Mutex::default(), started: Instant::now(), swept_at: AtomicU64::new(0) });
        tokio::spawn(sweep(Arc::downgrade(&shared)));
        HeadTimer { shared }
    }
}

/// Moves the timer's clock on and wakes every sleep that is due, until the timer and its sleeps
/// are gone.
async fn sweep(shared: Weak<Shared>) {
    let mut ticks = tokio::time::interval(SWEEP_EVERY);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        let Some(shared) = shared.upgrade() else { return };
        let now = Instant::now();
        let since_start = u64::try_from(now.duration_since(shared.started).as_micros()).unwrap_or(u64::MAX);
        shared.swept_at.store(since_start, Ordering::Relaxed);
        for (_, (due, waker)) in shared.waiting.lock().iter() {
            if *due <= now {
                waker.wake_by_ref();
            }
        }
    }
}

impl Timer for HeadTimer {
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn Sleep>> {
        self.sleep_until(self.shared.now() + duration)
    }

    fn sleep_until(&self, deadline: Instant) -> Pin<Box<dyn Sleep>> {
        Box::pin(HeadSleep { deadline, shared: self.shared.clone(), entry: None })
    }

    /// hyper reads this to set each head's deadline.
    fn now(&self) -> Instant {
        self.shared.now()
    }
}

/// One wait for a head: listed while it is pending, unlisted when it ends.
struct HeadSleep {
    deadline: Instant,
    shared: Arc<Shared>,
    entry: Option<usize>,
}

impl Future for HeadSleep {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let sleep = self.get_mut();
        if sleep.shared.now() >= sleep.deadline {
            return Poll::Ready(());
        }
        let mut waiting = sleep.shared.waiting.lock();
        match sleep.entry.and_then(|entry| waiting.get_mut(entry)) {
            Some((_, waker)) => waker.clone_from(cx.waker()),
            None => sleep.entry = Some(waiting.insert((sleep.deadline, cx.waker().clone()))),
        }
        Poll::Pending
    }
}

impl Drop for HeadSleep {
    fn drop(&mut self) {
        if let Some(entry) = self.entry {
            self.shared.waiting.lock().try_remove(entry);
        }
    }
}

impl Sleep for HeadSleep {}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_sleep_ends_at_its_deadline_and_leaves_the_list() {
        let timer = HeadTimer::new();
        let started = Instant::now();
        timer.sleep(Duration::from_millis(300)).await;
        let waited = started.elapsed();
        // The timer's clock may be up to one sweep behind when the sleep starts.
        assert!(waited >= Duration::from_millis(300) - SWEEP_EVERY, "{waited:?}");
        assert!(waited < Duration::from_millis(300) + 4 * SWEEP_EVERY, "{waited:?}");
        assert!(timer.shared.waiting.lock().is_empty());
    }

    #[tokio::test]
    async fn a_sleep_dropped_before_its_deadline_leaves_the_list() {
        let timer = HeadTimer::new();
        let mut sleep = timer.sleep(Duration::from_secs(60));
        let waker = futures_util::task::noop_waker();
        assert!(sleep.as_mut().poll(&mut Context::from_waker(&waker)).is_pending());
        assert_eq!(timer.shared.waiting.lock().len(), 1);
        drop(sleep);
        assert!(timer.shared.waiting.lock().is_empty());
    }
}
