//! [`CpuMutex`]: a spin lock that records the CPU holding it, for the heap and the frame
//! allocator, whose locks do not disable interrupts (a `Box::new` stays a few dozen cycles).
//!
//! Another CPU holding the lock is ordinary contention: wait for it. This CPU holding it can
//! only mean an interrupt or fault handler re-entered the code it interrupted; waiting would
//! hang for ever, so [`CpuMutex::lock`] calls the caller's `reentered` function (which panics
//! with a message) instead.

use crate::arch::percpu;
use core::ops::{Deref, DerefMut};
use core::sync::atomic::{AtomicU32, Ordering};
use spin::{Mutex, MutexGuard};

pub struct CpuMutex<T> {
    inner: Mutex<T>,
    /// The holder's CPU number + 1; 0 while free.
    owner: AtomicU32,
}

pub struct CpuMutexGuard<'a, T> {
    guard: MutexGuard<'a, T>,
    owner: &'a AtomicU32,
}

impl<T> CpuMutex<T> {
    pub const fn new(value: T) -> Self {
        CpuMutex {
            inner: Mutex::new(value),
            owner: AtomicU32::new(0),
        }
    }

    /// Takes the lock, waiting while another CPU holds it; calls `reentered` (which must not
    /// return normally) when this CPU already does.
    #[inline(always)]
    pub fn lock(&self, reentered: fn() -> !) -> CpuMutexGuard<'_, T> {
        let me = percpu::cpu_id() + 1;
        let guard = match self.inner.try_lock() {
            Some(guard) => guard,
            None => self.lock_contended(me, reentered),
        };
        self.owner.store(me, Ordering::Relaxed);
        CpuMutexGuard {
            guard,
            owner: &self.owner,
        }
    }

    #[cold]
    fn lock_contended(&self, me: u32, reentered: fn() -> !) -> MutexGuard<'_, T> {
        loop {
            // Only this CPU ever writes its own number here, and it clears it before
            // unlocking, so seeing it means this CPU holds the lock.
            if self.owner.load(Ordering::Relaxed) == me {
                reentered();
            }
            if let Some(guard) = self.inner.try_lock() {
                return guard;
            }
            core::hint::spin_loop();
        }
    }

    /// The lock if nobody holds it (for reports that must not wait).
    pub fn try_lock(&self) -> Option<CpuMutexGuard<'_, T>> {
        let guard = self.inner.try_lock()?;
        self.owner.store(percpu::cpu_id() + 1, Ordering::Relaxed);
        Some(CpuMutexGuard {
            guard,
            owner: &self.owner,
        })
    }

    /// Whether the running CPU holds the lock (so that code it runs next must not take it).
    pub fn is_held_here(&self) -> bool {
        self.owner.load(Ordering::Relaxed) == percpu::cpu_id() + 1
    }

    /// Whether any CPU holds the lock.
    pub fn is_locked(&self) -> bool {
        self.inner.is_locked()
    }
}

impl<T> Deref for CpuMutexGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.guard
    }
}

impl<T> DerefMut for CpuMutexGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.guard
    }
}

impl<T> Drop for CpuMutexGuard<'_, T> {
    fn drop(&mut self) {
        // Before the inner guard unlocks (fields drop after this body).
        self.owner.store(0, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reentered() -> ! {
        panic!("re-entered")
    }

    #[test]
    fn guards_release_and_report_the_holder() {
        let lock = CpuMutex::new(5);
        {
            let mut guard = lock.lock(reentered);
            *guard += 1;
            assert!(lock.is_held_here());
            assert!(lock.try_lock().is_none());
        }
        assert!(!lock.is_held_here());
        assert!(!lock.is_locked());
        assert_eq!(*lock.lock(reentered), 6);
    }

    #[test]
    #[should_panic(expected = "re-entered")]
    fn taking_it_twice_on_one_cpu_is_reported() {
        let lock = CpuMutex::new(());
        let _first = lock.lock(reentered);
        let _second = lock.lock(reentered);
    }
}
