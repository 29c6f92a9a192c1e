//! Futex wait queues (futex(2)): a thread sleeps on a user word until another wakes that
//! word. The syscall layer compares the word with the expected value and calls [`wait`] with
//! interrupts off, so no wake can slip in between the check and the sleep (one CPU runs every
//! user thread). A waiter is keyed by its process and virtual address, or, in a `MAP_SHARED`
//! area, by the physical address, so that processes sharing the page meet there.

use crate::sched::irq_mutex::IrqMutex;
use crate::sched::{self, Tid, Wait};
use alloc::vec::Vec;

/// Where a futex lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FutexKey {
    /// A private mapping: this process's address.
    Private { pid: super::Pid, addr: u64 },
    /// A shared mapping: the physical address of the word.
    Shared { phys: u64 },
}

struct Waiter {
    key: FutexKey,
    tid: Tid,
    bitset: u32,
    woken: bool,
}

static WAITERS: IrqMutex<Vec<Waiter>> = IrqMutex::new(Vec::new());

/// How a wait ended without a wake.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WaitEnd {
    /// The deadline passed (`ETIMEDOUT`).
    TimedOut,
    /// The process is being killed or is exiting (`EINTR`).
    Interrupted,
}

/// Sleeps the running thread on `key` until a wake whose bitset meets `bitset`, or until the
/// clock-tick `deadline` ([`crate::time::clock_ticks`]). Interrupts must be off.
pub fn wait(key: FutexKey, bitset: u32, deadline: Option<u64>) -> Result<(), WaitEnd> {
    let tid = sched::current();
    WAITERS.lock().push(Waiter {
        key,
        tid,
        bitset,
        woken: false,
    });
    let end = loop {
        let woken = WAITERS.lock().iter().any(|w| w.tid == tid && w.woken);
        if woken {
            break Ok(());
        }
        if sched::current_process().is_some_and(|p| p.kill_pending()) {
            break Err(WaitEnd::Interrupted);
        }
        match deadline {
            Some(until) if crate::time::clock_ticks() >= until => break Err(WaitEnd::TimedOut),
            Some(until) => sched::block(Wait::Sleep(until)),
            None => sched::block(Wait::Futex),
        }
    };
    WAITERS.lock().retain(|w| w.tid != tid);
    end
}

/// Wakes up to `count` waiters on `key` whose bitset meets `bitset`; returns how many.
pub fn wake(key: FutexKey, count: u32, bitset: u32) -> u32 {
    let mut woken = 0;
    let mut waiters = WAITERS.lock();
    for waiter in waiters.iter_mut() {
        if woken >= count {
            break;
        }
        if waiter.key == key && !waiter.woken && waiter.bitset & bitset != 0 {
            waiter.woken = true;
            sched::wake(waiter.tid);
            woken += 1;
        }
    }
    woken
}

/// `FUTEX_REQUEUE`: wakes up to `count` waiters on `from` and moves up to `moved` more to
/// `to`; returns how many were woken plus moved.
pub fn requeue(from: FutexKey, to: FutexKey, count: u32, moved: u32) -> u32 {
    let woken = wake(from, count, u32::MAX);
    let mut requeued = 0;
    for waiter in WAITERS.lock().iter_mut() {
        if requeued >= moved {
            break;
        }
        if waiter.key == from && !waiter.woken {
            waiter.key = to;
            requeued += 1;
        }
    }
    woken + requeued
}

/// How many threads wait on futexes (the tests check none is left behind).
pub fn waiter_count() -> usize {
    WAITERS.lock().len()
}
