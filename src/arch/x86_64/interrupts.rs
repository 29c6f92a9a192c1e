//! Interrupt control: RFLAGS.IF (enable, disable, `without_interrupts`) and `sti; hlt`. What
//! happens when an interrupt arrives is `crate::trap`'s.

pub use super::irq_chip::{mask as mask_irq, unmask as unmask_irq};

use x86_64::instructions::interrupts as x86;

/// Whether maskable interrupts are enabled (RFLAGS.IF).
pub fn are_enabled() -> bool {
    x86::are_enabled()
}

pub fn enable() {
    x86::enable();
}

pub fn disable() {
    x86::disable();
}

/// Runs `f` with interrupts disabled, restoring the previous state afterwards.
#[inline(always)]
pub fn without_interrupts<R>(f: impl FnOnce() -> R) -> R {
    x86::without_interrupts(f)
}

/// `sti; hlt`: enables interrupts and halts until the next one, with no window in between in
/// which an interrupt could arrive and be slept through (STI takes effect after the next
/// instruction).
pub fn enable_and_hlt() {
    x86::enable_and_hlt();
}
