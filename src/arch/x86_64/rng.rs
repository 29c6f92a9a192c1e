//! The CPU's random-number instructions (Intel SDM vol. 1 §7.3.17, "Random Number Generator
//! Instructions"; vol. 2B RDRAND, RDSEED): RDRAND returns the output of a DRBG the CPU reseeds
//! itself, RDSEED the conditioned entropy that seeds it. Either may fail transiently (CF clear)
//! when its source is drained; Intel's guidance is to retry RDRAND up to ten times, and RDSEED
//! more patiently, with a pause in between.

use core::arch::x86_64::{__cpuid, __cpuid_count};

/// CPUID.1:ECX bit 30.
pub fn has_rdrand() -> bool {
    __cpuid(1).ecx & (1 << 30) != 0
}

/// CPUID.(EAX=7,ECX=0):EBX bit 18.
pub fn has_rdseed() -> bool {
    __cpuid(0).eax >= 7 && __cpuid_count(7, 0).ebx & (1 << 18) != 0
}

const RDRAND_RETRIES: u32 = 10;
const RDSEED_RETRIES: u32 = 100;

/// One RDRAND word, or `None` after ten failures in a row. Call only when [`has_rdrand`].
pub fn rdrand64() -> Option<u64> {
    for _ in 0..RDRAND_RETRIES {
        let value: u64;
        let ok: u8;
        // SAFETY: the caller checked CPUID for RDRAND; it only writes the named registers and
        // the flags.
        unsafe {
            core::arch::asm!("rdrand {v}", "setc {ok}", v = out(reg) value, ok = out(reg_byte) ok,
                options(nomem, nostack));
        }
        if ok != 0 {
            return Some(value);
        }
    }
    None
}

/// One RDSEED word, or `None` when the entropy source stays drained. Call only when
/// [`has_rdseed`].
pub fn rdseed64() -> Option<u64> {
    for _ in 0..RDSEED_RETRIES {
        let value: u64;
        let ok: u8;
        // SAFETY: the caller checked CPUID for RDSEED; it only writes the named registers and
        // the flags.
        unsafe {
            core::arch::asm!("rdseed {v}", "setc {ok}", v = out(reg) value, ok = out(reg_byte) ok,
                options(nomem, nostack));
        }
        if ok != 0 {
            return Some(value);
        }
        core::hint::spin_loop();
    }
    None
}
