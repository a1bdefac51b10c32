//! The clock behind HTTP/1.1's header-read bound (slowloris): hyper starts a timer for every
//! request head it waits for and drops it once the head is in, so on a keep-alive connection
//! that is one timer per request. tokio's timers are exact, and each one is registered in the
//! runtime's timer wheel and removed again (about 775 instructions a request). The bound needs no
//! such precision: a head that is late is found by a sweep four times a second, and a head that
//! arrives in time costs one entry in a list, added and removed (about 275).

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Weak};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use hyper::rt::{Sleep, Timer};
use parking_lot::Mutex;
use slab::Slab;

/// How often late heads are looked for: a late head is refused at most this long after its bound.
const SWEEP_EVERY: Duration = Duration::from_millis(250);

/// The heads being waited for: when each is due, and the connection task to wake then.
type Waiting = Mutex<Slab<(Instant, Waker)>>;

/// A hyper `Timer` whose sleeps are woken by one sweeping task rather than each by a timer of
/// its own. Made inside the runtime, which runs the sweep until the timer is dropped.
#[derive(Clone)]
pub struct HeadTimer {
    waiting: Arc<Waiting>,
}

impl HeadTimer {
    pub fn new() -> HeadTimer {
        let waiting = Arc::new(Waiting::default());
        tokio::spawn(sweep(Arc::downgrade(&waiting)));
        HeadTimer { waiting }
    }
}

/// Wakes every sleep that is due, until the timer and its sleeps are gone.
async fn sweep(waiting: Weak<Waiting>) {
    let mut ticks = tokio::time::interval(SWEEP_EVERY);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        let Some(waiting) = waiting.upgrade() else { return };
        let now = Instant::now();
        for (_, (due, waker)) in waiting.lock().iter() {
            if *due <= now {
                waker.wake_by_ref();
            }
        }
    }
}

impl Timer for HeadTimer {
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn Sleep>> {
        self.sleep_until(Instant::now() + duration)
    }

    fn sleep_until(&self, deadline: Instant) -> Pin<Box<dyn Sleep>> {
        Box::pin(HeadSleep { deadline, waiting: self.waiting.clone(), entry: None })
    }
}

/// One wait for a head: listed while it is pending, unlisted when it ends.
struct HeadSleep {
    deadline: Instant,
    waiting: Arc<Waiting>,
    entry: Option<usize>,
}

impl Future for HeadSleep {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let sleep = self.get_mut();
        if Instant::now() >= sleep.deadline {
            return Poll::Ready(());
        }
        let mut waiting = sleep.waiting.lock();
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
            self.waiting.lock().try_remove(entry);
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
        assert!(waited >= Duration::from_millis(300), "{waited:?}");
        assert!(waited < Duration::from_millis(300) + 4 * SWEEP_EVERY, "{waited:?}");
        assert!(timer.waiting.lock().is_empty());
    }

    #[tokio::test]
    async fn a_sleep_dropped_before_its_deadline_leaves_the_list() {
        let timer = HeadTimer::new();
        let mut sleep = timer.sleep(Duration::from_secs(60));
        let waker = futures_util::task::noop_waker();
        assert!(sleep.as_mut().poll(&mut Context::from_waker(&waker)).is_pending());
        assert_eq!(timer.waiting.lock().len(), 1);
        drop(sleep);
        assert!(timer.waiting.lock().is_empty());
    }
}
