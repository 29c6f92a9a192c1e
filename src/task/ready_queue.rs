//! A bounded multi-producer multi-consumer queue of task ids, lock-free and allocation-free after
//! construction, so wakers may push from interrupt handlers. It is D. Vyukov's bounded MPMC
//! design: each slot carries a sequence number that says whether it is free for the producer at
//! position `pos` (seq == pos) or holds a value for the consumer at `pos` (seq == pos + 1).

use super::TaskId;
use alloc::boxed::Box;
use core::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

struct Slot {
    sequence: AtomicUsize,
    task: AtomicU64,
}

pub struct ReadyQueue {
    slots: Box<[Slot]>,
    mask: usize,
    /// Next position to push to.
    tail: AtomicUsize,
    /// Next position to pop from.
    head: AtomicUsize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueueFull;

impl ReadyQueue {
    /// A queue holding at least `capacity` ids (rounded up to a power of two).
    pub fn with_capacity(capacity: usize) -> Self {
        let capacity = capacity.max(2).next_power_of_two();
        let slots = (0..capacity)
            .map(|i| Slot {
                sequence: AtomicUsize::new(i),
                task: AtomicU64::new(0),
            })
            .collect();
        ReadyQueue {
            slots,
            mask: capacity - 1,
            tail: AtomicUsize::new(0),
            head: AtomicUsize::new(0),
        }
    }

    pub fn capacity(&self) -> usize {
        self.slots.len()
    }

    pub fn push(&self, id: TaskId) -> Result<(), QueueFull> {
        let mut pos = self.tail.load(Ordering::Relaxed);
        loop {
            let slot = &self.slots[pos & self.mask];
            let sequence = slot.sequence.load(Ordering::Acquire);
            match sequence.wrapping_sub(pos) as isize {
                0 => match self.tail.compare_exchange_weak(
                    pos,
                    pos.wrapping_add(1),
                    Ordering::Relaxed,
                    Ordering::Relaxed,
                ) {
                    Ok(_) => {
                        slot.task.store(id.0, Ordering::Relaxed);
                        // Release: the consumer that sees this sequence also sees the id.
                        slot.sequence.store(pos.wrapping_add(1), Ordering::Release);
                        return Ok(());
                    }
                    Err(current) => pos = current,
                },
                // The slot still holds an item from one lap ago: the queue is full.
                lag if lag < 0 => return Err(QueueFull),
                // Another producer claimed this position; catch up.
                _ => pos = self.tail.load(Ordering::Relaxed),
            }
        }
    }

    pub fn pop(&self) -> Option<TaskId> {
        let mut pos = self.head.load(Ordering::Relaxed);
        loop {
            let slot = &self.slots[pos & self.mask];
            let sequence = slot.sequence.load(Ordering::Acquire);
            match sequence.wrapping_sub(pos.wrapping_add(1)) as isize {
                0 => match self.head.compare_exchange_weak(
                    pos,
                    pos.wrapping_add(1),
                    Ordering::Relaxed,
                    Ordering::Relaxed,
                ) {
                    Ok(_) => {
                        let id = TaskId(slot.task.load(Ordering::Relaxed));
                        // Hand the slot to the producer one lap ahead.
                        slot.sequence
                            .store(pos.wrapping_add(self.mask + 1), Ordering::Release);
                        return Some(id);
                    }
                    Err(current) => pos = current,
                },
                // Nothing published at this position yet: empty.
                lag if lag < 0 => return None,
                _ => pos = self.head.load(Ordering::Relaxed),
            }
        }
    }

    /// How many ids are queued: exact when nothing is pushing or popping concurrently.
    pub fn len(&self) -> usize {
        let head = self.head.load(Ordering::Acquire);
        let tail = self.tail.load(Ordering::Acquire);
        tail.wrapping_sub(head).min(self.capacity())
    }

    pub fn is_empty(&self) -> bool {
        let head = self.head.load(Ordering::Acquire);
        let slot = &self.slots[head & self.mask];
        slot.sequence.load(Ordering::Acquire) != head.wrapping_add(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    extern crate std;
    use std::sync::Arc;
    use std::vec::Vec;

    #[test]
    fn fifo_order_and_wraparound() {
        let queue = ReadyQueue::with_capacity(4);
        for round in 0..10u64 {
            for i in 0..4 {
                queue.push(TaskId(round * 10 + i)).unwrap();
            }
            assert_eq!(queue.push(TaskId(99)), Err(QueueFull));
            assert_eq!(queue.len(), 4);
            for i in 0..4 {
                assert_eq!(queue.pop(), Some(TaskId(round * 10 + i)));
            }
            assert_eq!(queue.pop(), None);
            assert!(queue.is_empty());
        }
    }

    #[test]
    fn capacity_rounds_up_to_power_of_two() {
        assert_eq!(ReadyQueue::with_capacity(5).capacity(), 8);
        assert_eq!(ReadyQueue::with_capacity(0).capacity(), 2);
    }

    #[test]
    fn concurrent_producers_lose_nothing() {
        let queue = Arc::new(ReadyQueue::with_capacity(1024));
        let producers: Vec<_> = (0..4u64)
            .map(|p| {
                let queue = queue.clone();
                std::thread::spawn(move || {
                    for i in 0..10_000u64 {
                        while queue.push(TaskId(p * 1_000_000 + i)).is_err() {
                            std::thread::yield_now();
                        }
                    }
                })
            })
            .collect();
        let mut last = [None::<u64>; 4];
        let mut received = 0;
        while received < 40_000 {
            if let Some(TaskId(id)) = queue.pop() {
                let (producer, seq) = ((id / 1_000_000) as usize, id % 1_000_000);
                // Each producer's items arrive in the order it pushed them.
                assert!(last[producer].is_none_or(|prev| prev < seq));
                last[producer] = Some(seq);
                received += 1;
            }
        }
        for producer in producers {
            producer.join().unwrap();
        }
        assert_eq!(queue.pop(), None);
    }
}
