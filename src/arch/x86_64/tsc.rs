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

/// The TSC frequency the CPU states (Intel SDM vol. 3B §18.7.3): CPUID leaf 0x15 gives the
/// TSC's ratio to the core crystal clock and, where known, the crystal's frequency; else leaf
/// 0x16 gives the processor's base frequency in MHz, which the invariant TSC runs at. `None`
/// when neither leaf says (QEMU's TCG CPUs, AMD CPUs): then the TSC is calibrated.
pub fn cpuid_frequency_khz() -> Option<u64> {
    use core::arch::x86_64::__cpuid;
    let max_leaf = __cpuid(0).eax;
    if max_leaf >= 0x15 {
        let leaf = __cpuid(0x15);
        let (denominator, numerator, crystal_hz) = (leaf.eax, leaf.ebx, leaf.ecx);
        if denominator != 0 && numerator != 0 && crystal_hz != 0 {
            return Some(
                u64::from(crystal_hz) * u64::from(numerator) / u64::from(denominator) / 1000,
            );
        }
    }
    if max_leaf >= 0x16 {
        let base_mhz = __cpuid(0x16).eax & 0xFFFF;
        if base_mhz != 0 {
            return Some(u64::from(base_mhz) * 1000);
        }
    }
    None
}
