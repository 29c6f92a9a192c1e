//! Reading the time-stamp counter. Turning cycles into time (calibration) is portable logic in
//! `time::tsc`.

pub fn read() -> u64 {
    // SAFETY: every x86_64 CPU has RDTSC, and the kernel leaves CR4.TSD clear.
    unsafe { core::arch::x86_64::_rdtsc() }
}

/// The TSC, read after earlier instructions finished (LFENCE orders RDTSC after them), for
/// timing a region of code.
#[inline(always)]
pub fn read_ordered() -> u64 {
    // SAFETY: LFENCE and RDTSC only wait and read the time-stamp counter.
    unsafe {
        core::arch::asm!("lfence", options(nostack, preserves_flags));
        core::arch::x86_64::_rdtsc()
    }
}
