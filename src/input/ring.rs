//! A bounded single-producer single-consumer ring buffer that never allocates and never blocks:
//! interrupt handlers push, the main loop pops.

use core::cell::UnsafeCell;
use core::mem::MaybeUninit;
use core::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

pub struct SpscRing<T: Copy, const N: usize> {
    slots: [UnsafeCell<MaybeUninit<T>>; N],
    /// Index of the next slot to read; only the consumer advances it.
    head: AtomicUsize,
    /// Index of the next slot to write; only the producer advances it. Both indices run freely
    /// and wrap; `tail - head` is the fill level.
    tail: AtomicUsize,
    /// Held for the duration of a push or pop. They make a second producer (or consumer) that
    /// races the first fail harmlessly instead of corrupting a slot, which keeps the API safe.
    pushing: AtomicBool,
    popping: AtomicBool,
}

// SAFETY: a slot is written only by the one push that holds `pushing` and owns it (between
// tail and head + N), and read only by the one pop that holds `popping` and owns it (between
// head and tail); the Release/Acquire pairs on head and tail hand each slot over.
unsafe impl<T: Copy + Send, const N: usize> Sync for SpscRing<T, N> {}

impl<T: Copy, const N: usize> Default for SpscRing<T, N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Copy, const N: usize> SpscRing<T, N> {
    pub const fn new() -> Self {
        assert!(
            N > 0 && N.is_power_of_two(),
            "ring capacity must be a power of two"
        );
        SpscRing {
            slots: [const { UnsafeCell::new(MaybeUninit::uninit()) }; N],
            head: AtomicUsize::new(0),
            tail: AtomicUsize::new(0),
            pushing: AtomicBool::new(false),
            popping: AtomicBool::new(false),
        }
    }

    pub const fn capacity(&self) -> usize {
        N
    }

    /// Appends `item`, or hands it back when the ring is full (or another push is under way).
    pub fn push(&self, item: T) -> Result<(), T> {
        if self.pushing.swap(true, Ordering::Acquire) {
            return Err(item);
        }
        let tail = self.tail.load(Ordering::Relaxed);
        let head = self.head.load(Ordering::Acquire);
        let result = if tail.wrapping_sub(head) >= N {
            Err(item)
        } else {
            // SAFETY: the slot lies outside head..tail, so the consumer is not reading it, and
            // `pushing` excludes other producers.
            unsafe { (*self.slots[tail % N].get()).write(item) };
            self.tail.store(tail.wrapping_add(1), Ordering::Release);
            Ok(())
        };
        self.pushing.store(false, Ordering::Release);
        result
    }

    /// Takes the oldest item, or `None` when the ring is empty (or another pop is under way).
    pub fn pop(&self) -> Option<T> {
        if self.popping.swap(true, Ordering::Acquire) {
            return None;
        }
        let head = self.head.load(Ordering::Relaxed);
        let tail = self.tail.load(Ordering::Acquire);
        let item = if head == tail {
            None
        } else {
            // SAFETY: the slot lies in head..tail, so a push completed it (Acquire on tail) and
            // no producer writes it until head moves past it.
            let item = unsafe { (*self.slots[head % N].get()).assume_init() };
            self.head.store(head.wrapping_add(1), Ordering::Release);
            Some(item)
        };
        self.popping.store(false, Ordering::Release);
        item
    }

    pub fn len(&self) -> usize {
        let tail = self.tail.load(Ordering::Acquire);
        let head = self.head.load(Ordering::Acquire);
        tail.wrapping_sub(head).min(N)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    extern crate std;
    use std::sync::Arc;
    use std::thread;
    use std::vec::Vec;

    #[test]
    fn fifo_order_and_capacity() {
        let ring = SpscRing::<u32, 4>::new();
        assert!(ring.is_empty());
        for i in 0..4 {
            ring.push(i).unwrap();
        }
        assert_eq!(ring.len(), 4);
        assert_eq!(ring.push(99), Err(99));
        assert_eq!(ring.pop(), Some(0));
        ring.push(4).unwrap();
        let rest: Vec<u32> = core::iter::from_fn(|| ring.pop()).collect();
        assert_eq!(rest, [1, 2, 3, 4]);
        assert_eq!(ring.pop(), None);
    }

    #[test]
    fn indices_wrap_around() {
        let ring = SpscRing::<usize, 8>::new();
        ring.head.store(usize::MAX - 2, Ordering::Relaxed);
        ring.tail.store(usize::MAX - 2, Ordering::Relaxed);
        for i in 0..8 {
            ring.push(i).unwrap();
        }
        assert!(ring.push(8).is_err());
        assert_eq!(ring.len(), 8);
        for i in 0..8 {
            assert_eq!(ring.pop(), Some(i));
        }
        assert!(ring.is_empty());
    }

    #[test]
    fn a_racing_second_producer_is_refused_not_corrupting() {
        let ring = SpscRing::<u8, 4>::new();
        ring.pushing.store(true, Ordering::Relaxed);
        assert_eq!(ring.push(1), Err(1));
        ring.pushing.store(false, Ordering::Relaxed);
        ring.push(2).unwrap();
        ring.popping.store(true, Ordering::Relaxed);
        assert_eq!(ring.pop(), None);
        ring.popping.store(false, Ordering::Relaxed);
        assert_eq!(ring.pop(), Some(2));
    }

    #[test]
    fn threads_transfer_every_item_in_order() {
        const COUNT: u64 = 200_000;
        let ring = Arc::new(SpscRing::<u64, 64>::new());
        let producer = {
            let ring = Arc::clone(&ring);
            thread::spawn(move || {
                for i in 0..COUNT {
                    while ring.push(i).is_err() {
                        thread::yield_now();
                    }
                }
            })
        };
        let mut expected = 0;
        while expected < COUNT {
            match ring.pop() {
                Some(item) => {
                    assert_eq!(item, expected);
                    expected += 1;
                }
                None => thread::yield_now(),
            }
        }
        producer.join().unwrap();
        assert!(ring.is_empty());
    }
}
