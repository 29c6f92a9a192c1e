//! Async time: `sleep` futures and `interval` streams over a tick clock.
//!
//! Sleepers register `(deadline, id) -> waker` in an ordered map. Nothing here runs in interrupt
//! context: the timer interrupt only advances the tick count (and, by interrupting `hlt`, wakes
//! the executor loop), and the loop calls [`Timers::fire_expired`], which wakes every sleeper
//! whose deadline has passed, earliest first. So the map's spin lock is never contended by an
//! interrupt handler and no waker is cloned or dropped in one.

use alloc::collections::BTreeMap;
use core::future::Future;
use core::pin::Pin;
use core::sync::atomic::{AtomicU64, Ordering};
use core::task::{Context, Poll, Waker};
use core::time::Duration;
use futures_util::Stream;
use spin::Mutex;

pub struct Timers {
    sleepers: Mutex<BTreeMap<(u64, u64), Waker>>,
    next_id: AtomicU64,
    now: fn() -> u64,
    tick_nanos: u64,
}

impl Timers {
    /// Timers over a clock `now` (monotonic ticks) whose ticks are `tick` apart.
    pub const fn new(now: fn() -> u64, tick: Duration) -> Self {
        Timers {
            sleepers: Mutex::new(BTreeMap::new()),
            next_id: AtomicU64::new(0),
            now,
            tick_nanos: tick.as_nanos() as u64,
        }
    }

    pub fn now(&self) -> u64 {
        (self.now)()
    }

    /// Ticks in `duration`, rounded up so a sleep never ends early.
    pub fn ticks_for(&self, duration: Duration) -> u64 {
        let ticks = duration.as_nanos().div_ceil(self.tick_nanos as u128);
        ticks.min(u64::MAX as u128) as u64
    }

    /// A future that completes once at least `duration` has passed. The current tick is
    /// already partly over, so the sleep waits one tick more than `duration` spans.
    pub fn sleep(&self, duration: Duration) -> Sleep<'_> {
        let ticks = match self.ticks_for(duration) {
            0 => 0,
            ticks => ticks.saturating_add(1),
        };
        self.sleep_until(self.now().saturating_add(ticks))
    }

    pub fn sleep_until(&self, deadline: u64) -> Sleep<'_> {
        Sleep {
            timers: self,
            deadline,
            id: self.next_id.fetch_add(1, Ordering::Relaxed),
            registered: false,
        }
    }

    /// A stream that yields once every `period`, starting one period from now. A consumer that
    /// falls behind gets the missed ticks back to back rather than losing them.
    pub fn interval(&self, period: Duration) -> Interval<'_> {
        let period = self.ticks_for(period).max(1);
        Interval {
            sleep: self.sleep_until(self.now().saturating_add(period)),
            period,
        }
    }

    /// Wakes every sleeper whose deadline has passed, in deadline order; returns how many.
    pub fn fire_expired(&self) -> usize {
        let now = self.now();
        let mut fired = 0;
        loop {
            // Take one waker at a time and wake it outside the lock: waking may run arbitrary
            // code, which must be free to register another sleeper.
            let waker = {
                let mut sleepers = self.sleepers.lock();
                match sleepers.first_key_value() {
                    Some((&(deadline, _), _)) if deadline <= now => sleepers.pop_first(),
                    _ => None,
                }
            };
            let Some((_, waker)) = waker else { break };
            waker.wake();
            fired += 1;
        }
        fired
    }

    /// The earliest registered deadline, if any.
    pub fn next_deadline(&self) -> Option<u64> {
        self.sleepers
            .lock()
            .first_key_value()
            .map(|(&(deadline, _), _)| deadline)
    }

    /// Whether [`Timers::fire_expired`] would wake anything now.
    pub fn has_expired(&self) -> bool {
        self.next_deadline()
            .is_some_and(|deadline| deadline <= self.now())
    }

    pub fn sleeper_count(&self) -> usize {
        self.sleepers.lock().len()
    }
}

pub struct Sleep<'a> {
    timers: &'a Timers,
    deadline: u64,
    id: u64,
    registered: bool,
}

impl Sleep<'_> {
    pub fn deadline(&self) -> u64 {
        self.deadline
    }
}

impl Future for Sleep<'_> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.timers.now() >= self.deadline {
            if self.registered {
                self.timers
                    .sleepers
                    .lock()
                    .remove(&(self.deadline, self.id));
                self.registered = false;
            }
            return Poll::Ready(());
        }
        // Re-registering replaces the waker in place: a sleeper polled many times still has
        // exactly one entry.
        let key = (self.deadline, self.id);
        self.timers.sleepers.lock().insert(key, cx.waker().clone());
        self.registered = true;
        Poll::Pending
    }
}

impl Drop for Sleep<'_> {
    fn drop(&mut self) {
        if self.registered {
            self.timers
                .sleepers
                .lock()
                .remove(&(self.deadline, self.id));
        }
    }
}

pub struct Interval<'a> {
    sleep: Sleep<'a>,
    period: u64,
}

impl Stream for Interval<'_> {
    /// The tick at which this interval fired.
    type Item = u64;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<u64>> {
        match Pin::new(&mut self.sleep).poll(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(()) => {
                let fired_at = self.sleep.deadline;
                let timers = self.sleep.timers;
                self.sleep = timers.sleep_until(fired_at.saturating_add(self.period));
                Poll::Ready(Some(fired_at))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::task::executor::Executor;
    extern crate std;
    use alloc::sync::Arc;
    use futures_util::StreamExt;
    use std::sync::Mutex as StdMutex;
    use std::vec::Vec;

    // Each test gets its own clock: tests run on parallel threads.
    macro_rules! test_timers {
        ($clock:ident, $timers:ident) => {
            static $clock: AtomicU64 = AtomicU64::new(0);
            static $timers: Timers =
                Timers::new(|| $clock.load(Ordering::SeqCst), Duration::from_millis(1));
        };
    }

    fn advance(clock: &AtomicU64, ticks: u64) {
        clock.fetch_add(ticks, Ordering::SeqCst);
    }

    #[test]
    fn ticks_use_the_exact_period() {
        static PIT_TIMERS: Timers = Timers::new(|| 0, Duration::from_nanos(999_847));
        // 1000 ticks of 999.847 µs fall 153 µs short of a second: it takes 1001.
        assert_eq!(PIT_TIMERS.ticks_for(Duration::from_secs(1)), 1001);
    }

    #[test]
    fn duration_rounds_up_to_whole_ticks() {
        test_timers!(CLOCK, TIMERS);
        assert_eq!(TIMERS.ticks_for(Duration::from_millis(5)), 5);
        assert_eq!(TIMERS.ticks_for(Duration::from_micros(1)), 1);
        assert_eq!(TIMERS.ticks_for(Duration::ZERO), 0);
        assert_eq!(TIMERS.ticks_for(Duration::MAX), u64::MAX);
    }

    #[test]
    fn sleepers_wake_in_deadline_order() {
        test_timers!(CLOCK, TIMERS);
        let order = Arc::new(StdMutex::new(Vec::new()));
        let mut executor = Executor::new(16);
        for ms in [30u64, 10, 20, 10, 50] {
            let order = order.clone();
            executor
                .spawn("sleeper", async move {
                    TIMERS.sleep(Duration::from_millis(ms)).await;
                    order
                        .lock()
                        .unwrap()
                        .push((ms, CLOCK.load(Ordering::SeqCst)));
                })
                .unwrap();
        }
        executor.run_ready();
        assert_eq!(TIMERS.sleeper_count(), 5);
        // 10 ms from the middle of tick 0 ends, at the earliest, on tick 11.
        assert_eq!(TIMERS.next_deadline(), Some(11));
        for _ in 0..60 {
            advance(&CLOCK, 1);
            TIMERS.fire_expired();
            executor.run_ready();
        }
        let order = order.lock().unwrap();
        assert_eq!(
            order.iter().map(|&(ms, _)| ms).collect::<Vec<_>>(),
            [10, 10, 20, 30, 50]
        );
        // Each woke on the very tick its deadline passed: one tick past the duration.
        assert!(order.iter().all(|&(ms, woke)| woke == ms + 1));
        assert_eq!(TIMERS.sleeper_count(), 0);
    }

    #[test]
    fn nothing_fires_early_and_zero_sleep_is_immediate() {
        test_timers!(CLOCK, TIMERS);
        let done = Arc::new(StdMutex::new(0));
        let mut executor = Executor::new(4);
        let d = done.clone();
        executor
            .spawn("zero", async move {
                TIMERS.sleep(Duration::ZERO).await;
                *d.lock().unwrap() += 1;
            })
            .unwrap();
        let d = done.clone();
        executor
            .spawn("five", async move {
                TIMERS.sleep(Duration::from_millis(5)).await;
                *d.lock().unwrap() += 10;
            })
            .unwrap();
        executor.run_ready();
        assert_eq!(*done.lock().unwrap(), 1);
        advance(&CLOCK, 5);
        assert_eq!(
            TIMERS.fire_expired(),
            0,
            "5 ms from mid-tick is not over at tick 5"
        );
        assert!(!TIMERS.has_expired());
        advance(&CLOCK, 1);
        assert!(TIMERS.has_expired());
        assert_eq!(TIMERS.fire_expired(), 1);
        executor.run_ready();
        assert_eq!(*done.lock().unwrap(), 11);
    }

    #[test]
    fn dropped_sleep_unregisters() {
        test_timers!(CLOCK, TIMERS);
        let mut sleep = TIMERS.sleep(Duration::from_millis(3));
        let waker = futures_util::task::noop_waker();
        let mut cx = Context::from_waker(&waker);
        assert!(Pin::new(&mut sleep).poll(&mut cx).is_pending());
        assert!(Pin::new(&mut sleep).poll(&mut cx).is_pending());
        assert_eq!(
            TIMERS.sleeper_count(),
            1,
            "re-polling must not duplicate the entry"
        );
        drop(sleep);
        assert_eq!(TIMERS.sleeper_count(), 0);
        advance(&CLOCK, 10);
        assert_eq!(TIMERS.fire_expired(), 0);
    }

    #[test]
    fn interval_yields_every_period_without_drift() {
        test_timers!(CLOCK, TIMERS);
        let ticks = Arc::new(StdMutex::new(Vec::new()));
        let mut executor = Executor::new(4);
        let t = ticks.clone();
        executor
            .spawn("interval", async move {
                let mut interval = TIMERS.interval(Duration::from_millis(10));
                for _ in 0..4 {
                    let fired = interval.next().await.unwrap();
                    t.lock().unwrap().push(fired);
                }
            })
            .unwrap();
        executor.run_ready();
        // The consumer is late once (25 ticks in one step): missed ticks come back to back.
        for step in [7, 3, 25, 5, 10] {
            advance(&CLOCK, step);
            TIMERS.fire_expired();
            while executor.has_ready() {
                executor.run_ready();
            }
        }
        assert_eq!(*ticks.lock().unwrap(), [10, 20, 30, 40]);
        assert_eq!(executor.task_count(), 0);
    }
}
