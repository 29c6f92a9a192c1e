//! The armed `ITIMER_REAL` timers of every process, in deadline order, in a fixed array: the
//! timer tick reads the earliest deadline only, and neither the tick nor arming allocates
//! (interrupt handlers must not touch the heap: `memory::heap`).
//!
//! The array is kept sorted latest-first, so the earliest timer is the last element: popping
//! it is O(1), and arming or cancelling (system calls, at most one timer per process) shifts
//! at most `N` entries.

use crate::process::Pid;

/// One armed timer: its process, when it fires (nanoseconds of uptime) and the period it
/// re-arms with (0: once).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timer {
    pub pid: Pid,
    pub deadline: u64,
    pub interval: u64,
}

impl Timer {
    const EMPTY: Timer = Timer {
        pid: 0,
        deadline: 0,
        interval: 0,
    };

    /// The same timer one or more periods later, past `now`: a timer that fell behind (ticks
    /// held off) keeps its phase and fires once, as Linux's `hrtimer_forward` does.
    pub fn next_after(&self, now: u64) -> Option<Timer> {
        if self.interval == 0 {
            return None;
        }
        let behind = now.saturating_sub(self.deadline);
        let periods = behind / self.interval + 1;
        let deadline = self
            .deadline
            .saturating_add(periods.saturating_mul(self.interval));
        Some(Timer { deadline, ..*self })
    }
}

/// The queue is full (more armed timers than processes can exist).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Full;

pub struct DeadlineQueue<const N: usize> {
    /// `timers[..len]`, sorted by deadline, latest first.
    timers: [Timer; N],
    len: usize,
}

impl<const N: usize> Default for DeadlineQueue<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> DeadlineQueue<N> {
    pub const fn new() -> Self {
        DeadlineQueue {
            timers: [Timer::EMPTY; N],
            len: 0,
        }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The deadline the tick waits for (`u64::MAX` when nothing is armed).
    pub fn earliest(&self) -> u64 {
        self.len
            .checked_sub(1)
            .map_or(u64::MAX, |last| self.timers[last].deadline)
    }

    /// `pid`'s timer, if armed.
    pub fn find(&self, pid: Pid) -> Option<Timer> {
        self.timers[..self.len]
            .iter()
            .find(|t| t.pid == pid)
            .copied()
    }

    /// Disarms `pid`'s timer; returns it.
    pub fn remove(&mut self, pid: Pid) -> Option<Timer> {
        let index = self.timers[..self.len].iter().position(|t| t.pid == pid)?;
        let timer = self.timers[index];
        self.timers.copy_within(index + 1..self.len, index);
        self.len -= 1;
        Some(timer)
    }

    /// Arms `timer` (the caller removed the process's previous one). Among equal deadlines
    /// the one armed first fires first.
    pub fn insert(&mut self, timer: Timer) -> Result<(), Full> {
        if self.len == N {
            return Err(Full);
        }
        let at = self.timers[..self.len].partition_point(|t| t.deadline > timer.deadline);
        self.timers.copy_within(at..self.len, at + 1);
        self.timers[at] = timer;
        self.len += 1;
        Ok(())
    }

    /// Takes the earliest timer if it is due at `now`.
    pub fn pop_due(&mut self, now: u64) -> Option<Timer> {
        let last = self.len.checked_sub(1)?;
        let timer = self.timers[last];
        if timer.deadline > now {
            return None;
        }
        self.len = last;
        Some(timer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn timer(pid: Pid, deadline: u64) -> Timer {
        Timer {
            pid,
            deadline,
            interval: 0,
        }
    }

    #[test]
    fn timers_come_out_in_deadline_order_and_never_early() {
        let mut q = DeadlineQueue::<8>::new();
        assert_eq!(q.earliest(), u64::MAX);
        for (pid, deadline) in [(1, 50), (2, 10), (3, 30), (4, 10), (5, 70)] {
            q.insert(timer(pid, deadline)).unwrap();
        }
        assert_eq!(q.earliest(), 10);
        assert_eq!(q.pop_due(9), None, "nothing fires before its deadline");
        // Equal deadlines: the first armed fires first.
        assert_eq!(q.pop_due(10).map(|t| t.pid), Some(2));
        assert_eq!(q.pop_due(10).map(|t| t.pid), Some(4));
        assert_eq!(q.pop_due(10), None);
        assert_eq!(q.pop_due(100).map(|t| t.pid), Some(3));
        assert_eq!(q.pop_due(100).map(|t| t.pid), Some(1));
        assert_eq!(q.pop_due(100).map(|t| t.pid), Some(5));
        assert!(q.is_empty());
    }

    #[test]
    fn cancelling_and_rearming_keep_the_order() {
        let mut q = DeadlineQueue::<4>::new();
        q.insert(timer(1, 40)).unwrap();
        q.insert(timer(2, 20)).unwrap();
        q.insert(timer(3, 30)).unwrap();
        assert_eq!(q.find(3), Some(timer(3, 30)));
        assert_eq!(q.remove(2), Some(timer(2, 20)));
        assert_eq!(q.remove(2), None);
        assert_eq!(q.earliest(), 30);
        q.insert(timer(2, 35)).unwrap();
        q.insert(timer(4, 5)).unwrap();
        assert_eq!(q.insert(timer(5, 1)), Err(Full));
        let order: Vec<Pid> = core::iter::from_fn(|| q.pop_due(u64::MAX).map(|t| t.pid)).collect();
        assert_eq!(order, [4, 3, 2, 1]);
    }

    #[test]
    fn a_periodic_timer_keeps_its_phase_when_late() {
        let t = Timer {
            pid: 1,
            deadline: 100,
            interval: 30,
        };
        assert_eq!(t.next_after(100).unwrap().deadline, 130);
        assert_eq!(t.next_after(129).unwrap().deadline, 130);
        // Four periods missed: one expiry, the next on the original grid.
        assert_eq!(t.next_after(220).unwrap().deadline, 250);
        assert_eq!(timer(1, 100).next_after(100), None);
        let huge = Timer {
            pid: 1,
            deadline: u64::MAX - 5,
            interval: 10,
        };
        assert_eq!(huge.next_after(u64::MAX).unwrap().deadline, u64::MAX);
    }
}
