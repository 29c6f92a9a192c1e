//! Cycle counts for the benchmark programs.

/// The time-stamp counter. User mode may read it unless the kernel sets CR4.TSD, which neither
/// Kestrel nor Linux does by default.
pub fn rdtsc() -> u64 {
    // SAFETY: `rdtsc` only reads the counter.
    unsafe { core::arch::x86_64::_rdtsc() }
}
