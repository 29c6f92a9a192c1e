//! The frame pointer (RBP) of the running code, where a backtrace of it starts.

/// RBP of the caller: inlined, so the value is the caller's own frame record (every kernel is
/// built with frame pointers, see `debug::backtrace`).
#[inline(always)]
pub fn current() -> u64 {
    let rbp: u64;
    // SAFETY: copies a register; touches no memory, the stack or the flags.
    unsafe {
        core::arch::asm!("mov {}, rbp", out(reg) rbp, options(nomem, nostack, preserves_flags))
    };
    rbp
}
