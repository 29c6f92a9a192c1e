//! The input queue: a ring of raw input events filled by interrupt handlers, with the
//! bookkeeping for input that arrives while it is full. Dropped input earns exactly one
//! warning per overflow episode; the episode ends when the consumer has drained the queue.

use super::ring::SpscRing;
use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use core::task::Waker;
use futures_util::task::AtomicWaker;

/// One unit of raw input, as an interrupt handler saw it. Decoding waits for the consumer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputEvent {
    /// A byte from the PS/2 keyboard (scancode set 1).
    Scancode(u8),
    /// A byte received on the serial console: already a character.
    Serial(u8),
}

pub struct InputQueue<const N: usize> {
    ring: SpscRing<InputEvent, N>,
    accepted: AtomicU64,
    dropped: AtomicU64,
    /// Set by the producer when it drops input.
    overflowed: AtomicBool,
    /// Set by the consumer once it has warned about the current overflow.
    warned: AtomicBool,
    warnings: AtomicU64,
    /// The task waiting for input, woken by every push. `AtomicWaker` tolerates a wake that
    /// interrupts a registration halfway (the registration then wakes itself).
    waiter: AtomicWaker,
}

/// Counters for diagnostics and tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueueStats {
    pub accepted: u64,
    pub dropped: u64,
    pub warnings: u64,
}

impl<const N: usize> Default for InputQueue<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> InputQueue<N> {
    pub const fn new() -> Self {
        InputQueue {
            ring: SpscRing::new(),
            accepted: AtomicU64::new(0),
            dropped: AtomicU64::new(0),
            overflowed: AtomicBool::new(false),
            warned: AtomicBool::new(false),
            warnings: AtomicU64::new(0),
            waiter: AtomicWaker::new(),
        }
    }

    /// Consumer side: `waker` is woken when the next event arrives.
    pub fn register_waiter(&self, waker: &Waker) {
        self.waiter.register(waker);
    }

    /// Consumer side: forget the registered waker, so an interrupt never drops the last
    /// reference to a finished task's waker (which would free memory in interrupt context).
    pub fn unregister_waiter(&self) {
        drop(self.waiter.take());
    }

    /// Producer side (interrupt handlers): queues `event`, or counts it as dropped.
    pub fn push(&self, event: InputEvent) -> bool {
        match self.ring.push(event) {
            Ok(()) => {
                self.accepted.fetch_add(1, Ordering::Relaxed);
                self.waiter.wake();
                true
            }
            Err(_) => {
                self.dropped.fetch_add(1, Ordering::Relaxed);
                self.overflowed.store(true, Ordering::Release);
                false
            }
        }
    }

    /// Consumer side: the oldest event. The first call after input was dropped calls `warn`
    /// with the number dropped since boot; draining the queue re-arms the warning.
    pub fn pop(&self, warn: impl FnOnce(u64)) -> Option<InputEvent> {
        if self.overflowed.load(Ordering::Acquire) && !self.warned.swap(true, Ordering::AcqRel) {
            self.warnings.fetch_add(1, Ordering::Relaxed);
            warn(self.dropped.load(Ordering::Relaxed));
        }
        let event = self.ring.pop();
        if event.is_none() && self.warned.load(Ordering::Acquire) {
            // Empty: a producer can only be dropping again once the ring refilled completely.
            self.overflowed.store(false, Ordering::Release);
            self.warned.store(false, Ordering::Release);
        }
        event
    }

    pub fn is_empty(&self) -> bool {
        self.ring.is_empty()
    }

    pub fn len(&self) -> usize {
        self.ring.len()
    }

    pub fn capacity(&self) -> usize {
        self.ring.capacity()
    }

    pub fn stats(&self) -> QueueStats {
        QueueStats {
            accepted: self.accepted.load(Ordering::Relaxed),
            dropped: self.dropped.load(Ordering::Relaxed),
            warnings: self.warnings.load(Ordering::Relaxed),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::cell::Cell;

    fn drain<const N: usize>(queue: &InputQueue<N>, warnings: &Cell<u32>) -> usize {
        let mut count = 0;
        while queue.pop(|_| warnings.set(warnings.get() + 1)).is_some() {
            count += 1;
        }
        count
    }

    #[test]
    fn push_wakes_the_registered_waiter_once() {
        extern crate std;
        use std::sync::Arc;
        use std::sync::atomic::AtomicUsize;
        use std::task::Wake;

        struct Count(AtomicUsize);
        impl Wake for Count {
            fn wake(self: Arc<Self>) {
                self.0.fetch_add(1, Ordering::SeqCst);
            }
        }
        let count = Arc::new(Count(AtomicUsize::new(0)));
        let queue = InputQueue::<4>::new();
        queue.push(InputEvent::Serial(b'a')); // nobody waiting yet
        queue.register_waiter(&Waker::from(count.clone()));
        queue.push(InputEvent::Serial(b'b'));
        queue.push(InputEvent::Serial(b'c')); // a waker wakes once per registration
        assert_eq!(count.0.load(Ordering::SeqCst), 1);
        queue.register_waiter(&Waker::from(count.clone()));
        queue.unregister_waiter();
        queue.push(InputEvent::Serial(b'd'));
        assert_eq!(count.0.load(Ordering::SeqCst), 1);
        assert_eq!(
            Arc::strong_count(&count),
            1,
            "the queue still holds a waker"
        );
    }

    #[test]
    fn overflow_drops_with_exactly_one_warning_per_episode() {
        let queue = InputQueue::<8>::new();
        let warnings = Cell::new(0);
        for i in 0..100 {
            queue.push(InputEvent::Scancode(i));
        }
        let stats = queue.stats();
        assert_eq!((stats.accepted, stats.dropped), (8, 92));
        // The oldest input survives; the rest was dropped.
        let mut dropped_seen = 0;
        assert_eq!(
            queue.pop(|dropped| dropped_seen = dropped),
            Some(InputEvent::Scancode(0))
        );
        assert_eq!(dropped_seen, 92);
        assert_eq!(drain(&queue, &warnings), 7);
        assert_eq!(warnings.get(), 0, "warned again within one episode");
        assert_eq!(queue.stats().warnings, 1);

        // Drained: the next overflow is a new episode with its own single warning.
        for i in 0..20 {
            queue.push(InputEvent::Serial(i));
        }
        assert_eq!(drain(&queue, &warnings), 8);
        assert_eq!(warnings.get(), 1);
        assert_eq!(queue.stats().warnings, 2);
    }

    #[test]
    fn no_warning_without_overflow() {
        let queue = InputQueue::<8>::new();
        let warnings = Cell::new(0);
        for round in 0..10 {
            for i in 0..8 {
                assert!(queue.push(InputEvent::Scancode(round * 8 + i)));
            }
            assert_eq!(drain(&queue, &warnings), 8);
        }
        assert_eq!(warnings.get(), 0);
        assert_eq!(queue.stats().dropped, 0);
    }

    #[test]
    fn input_dropped_while_draining_keeps_the_episode_open() {
        let queue = InputQueue::<4>::new();
        let warnings = Cell::new(0);
        for i in 0..6 {
            queue.push(InputEvent::Scancode(i));
        }
        queue.pop(|_| warnings.set(warnings.get() + 1));
        // Refill to full and drop more before the queue ever empties.
        for i in 0..4 {
            queue.push(InputEvent::Scancode(10 + i));
        }
        drain(&queue, &warnings);
        assert_eq!(warnings.get(), 1);
    }
}
