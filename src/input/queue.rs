//! The input queue: a ring of raw input events filled by interrupt handlers, with the
//! bookkeeping for input that arrives while it is full. Dropped input earns exactly one
//! warning per overflow episode, given when the consumer has drained the queue and saying
//! exactly how much that episode dropped; and a [`InputEvent::Lost`] marker goes into the
//! queue where input went missing, so that decoders resynchronise there (a dropped key release
//! must not leave Shift held).

use super::ring::SpscRing;
use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use core::task::Waker;
use futures_util::task::AtomicWaker;

/// One unit of raw input, as an interrupt handler saw it. Decoding waits for the consumer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputEvent {
    /// A byte from the PS/2 keyboard (scancode set 1).
    Scancode(u8),
    /// A byte received on the serial console. `after_pause`: it came
    /// [`super::escape::ESCAPE_TIMEOUT`] or longer after the previous one, so it cannot
    /// continue an escape sequence.
    Serial { byte: u8, after_pause: bool },
    /// Input from this source was dropped here (the queue was full).
    Lost(Source),
}

/// Where input comes from: each source has a queue and a decoder of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Keyboard,
    Serial,
}

impl InputEvent {
    /// A serial byte that arrived close behind the one before it.
    pub const fn serial(byte: u8) -> Self {
        InputEvent::Serial {
            byte,
            after_pause: false,
        }
    }
}

pub struct InputQueue<const N: usize> {
    ring: SpscRing<InputEvent, N>,
    source: Source,
    accepted: AtomicU64,
    dropped: AtomicU64,
    /// Producer side: input was dropped and no [`InputEvent::Lost`] marks the place yet.
    lost_unmarked: AtomicBool,
    /// Consumer side: `dropped` as of the last warning.
    reported: AtomicU64,
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

impl<const N: usize> InputQueue<N> {
    /// An empty queue for input from `source`.
    pub const fn new(source: Source) -> Self {
        InputQueue {
            ring: SpscRing::new(),
            source,
            accepted: AtomicU64::new(0),
            dropped: AtomicU64::new(0),
            lost_unmarked: AtomicBool::new(false),
            reported: AtomicU64::new(0),
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
        if self.lost_unmarked.load(Ordering::Relaxed) {
            if self.ring.push(InputEvent::Lost(self.source)).is_err() {
                return self.drop_event();
            }
            self.lost_unmarked.store(false, Ordering::Relaxed);
        }
        match self.ring.push(event) {
            Ok(()) => {
                self.accepted.fetch_add(1, Ordering::Relaxed);
                self.waiter.wake();
                true
            }
            Err(_) => self.drop_event(),
        }
    }

    fn drop_event(&self) -> bool {
        self.dropped.fetch_add(1, Ordering::Relaxed);
        self.lost_unmarked.store(true, Ordering::Relaxed);
        self.waiter.wake();
        false
    }

    /// Consumer side: the oldest event. When the queue is found empty after input was dropped,
    /// `warn` gets the number of events dropped since the last warning: one warning per
    /// overflow episode, with its exact count.
    pub fn pop(&self, warn: impl FnOnce(u64)) -> Option<InputEvent> {
        let event = self.ring.pop();
        if event.is_none() {
            // Empty, so no push can be failing now: every drop so far belongs to the episode
            // that just ended.
            let dropped = self.dropped.load(Ordering::Acquire);
            let reported = self.reported.swap(dropped, Ordering::AcqRel);
            if dropped > reported {
                self.warnings.fetch_add(1, Ordering::Relaxed);
                warn(dropped - reported);
            }
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
    use alloc::vec::Vec;
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
        let queue = InputQueue::<4>::new(Source::Serial);
        queue.push(InputEvent::serial(b'a')); // nobody waiting yet
        queue.register_waiter(&Waker::from(count.clone()));
        queue.push(InputEvent::serial(b'b'));
        queue.push(InputEvent::serial(b'c')); // a waker wakes once per registration
        assert_eq!(count.0.load(Ordering::SeqCst), 1);
        queue.register_waiter(&Waker::from(count.clone()));
        queue.unregister_waiter();
        queue.push(InputEvent::serial(b'd'));
        assert_eq!(count.0.load(Ordering::SeqCst), 1);
        assert_eq!(
            Arc::strong_count(&count),
            1,
            "the queue still holds a waker"
        );
    }

    #[test]
    fn overflow_drops_with_exactly_one_warning_per_episode() {
        let queue = InputQueue::<8>::new(Source::Serial);
        let warnings = Cell::new(0);
        for i in 0..100 {
            queue.push(InputEvent::Scancode(i));
        }
        let stats = queue.stats();
        assert_eq!((stats.accepted, stats.dropped), (8, 92));
        // The oldest input survives; the rest was dropped.
        let mut reported = Vec::new();
        let mut popped = Vec::new();
        while let Some(event) = queue.pop(|dropped| reported.push(dropped)) {
            popped.push(event);
        }
        let expected: Vec<_> = (0..8).map(InputEvent::Scancode).collect();
        assert_eq!(popped, expected);
        assert_eq!(
            reported,
            [92],
            "one warning with the exact count, once drained"
        );
        assert_eq!(queue.stats().warnings, 1);
        // The place of the loss is marked as soon as there is room.
        queue.push(InputEvent::serial(1));
        assert_eq!(queue.pop(|_| {}), Some(InputEvent::Lost(Source::Serial)));
        assert_eq!(queue.pop(|_| {}), Some(InputEvent::serial(1)));

        // Drained: the next overflow is a new episode with its own single warning.
        for i in 0..20 {
            queue.push(InputEvent::serial(i));
        }
        assert_eq!(drain(&queue, &warnings), 8);
        assert_eq!(warnings.get(), 1);
        assert_eq!(queue.stats().warnings, 2);
    }

    #[test]
    fn no_warning_without_overflow() {
        let queue = InputQueue::<8>::new(Source::Serial);
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
    fn input_dropped_while_draining_counts_in_the_same_episode() {
        let queue = InputQueue::<4>::new(Source::Serial);
        let mut reported = Vec::new();
        for i in 0..6 {
            queue.push(InputEvent::Scancode(i));
        }
        queue.pop(|dropped| reported.push(dropped));
        // Room for one: the loss marker takes it, and the three pushed after are dropped.
        for i in 0..3 {
            queue.push(InputEvent::Scancode(10 + i));
        }
        while queue.pop(|dropped| reported.push(dropped)).is_some() {}
        assert_eq!(
            reported,
            [5],
            "2 dropped at first, 3 while draining: one warning"
        );
        assert_eq!(queue.stats().dropped, 5);
    }
}
