//! [`IrqMutex`]: a spin lock taken with interrupts disabled, for data that interrupt handlers
//! (the timer tick, the scheduler's IRQ exit) touch too. With interrupts off while it is held,
//! an interrupt can never spin on a lock its own CPU holds, and the holder cannot be preempted.

use crate::arch::interrupts;
use core::ops::{Deref, DerefMut};
use spin::{Mutex, MutexGuard};

pub struct IrqMutex<T> {
    inner: Mutex<T>,
}

pub struct IrqMutexGuard<'a, T> {
    guard: Option<MutexGuard<'a, T>>,
    restore: bool,
}

impl<T> IrqMutex<T> {
    pub const fn new(value: T) -> Self {
        IrqMutex {
            inner: Mutex::new(value),
        }
    }

    pub fn lock(&self) -> IrqMutexGuard<'_, T> {
        let restore = interrupts::are_enabled();
        interrupts::disable();
        IrqMutexGuard {
            guard: Some(self.inner.lock()),
            restore,
        }
    }
}

impl<T> Deref for IrqMutexGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        self.guard.as_ref().expect("guard is held until drop")
    }
}

impl<T> DerefMut for IrqMutexGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        self.guard.as_mut().expect("guard is held until drop")
    }
}

impl<T> Drop for IrqMutexGuard<'_, T> {
    fn drop(&mut self) {
        // Unlock first, then let interrupts in.
        drop(self.guard.take());
        if self.restore {
            interrupts::enable();
        }
    }
}
