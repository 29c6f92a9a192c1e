//! The HPET's main counter (IA-PC HPET specification 1.0a §2.3): a free-running up-counter
//! whose period in femtoseconds the capabilities register states. Only the counter is used,
//! as a reference clock for calibration; no comparator is programmed.

use core::sync::atomic::{AtomicU64, Ordering};

const CAPABILITIES: u64 = 0x00;
const CONFIGURATION: u64 = 0x10;
const MAIN_COUNTER: u64 = 0xF0;
const ENABLE_CNF: u64 = 1 << 0;
/// Capabilities bit 13: the main counter is 64 bits wide.
const COUNT_SIZE_CAP: u64 = 1 << 13;
/// The register block's size.
pub const WINDOW_LEN: u64 = 0x400;
/// The specification's upper bound for the period: 100 ns.
const MAX_PERIOD_FS: u64 = 100_000_000;

static MMIO: AtomicU64 = AtomicU64::new(0);

fn read(offset: u64) -> u64 {
    let base = MMIO.load(Ordering::Relaxed);
    // SAFETY: `attach` was handed an uncached mapping of the HPET's register block.
    unsafe { core::ptr::read_volatile((base + offset) as *const u64) }
}

fn write(offset: u64, value: u64) {
    let base = MMIO.load(Ordering::Relaxed);
    // SAFETY: as in `read`; the kernel only sets the counter's enable bit.
    unsafe { core::ptr::write_volatile((base + offset) as *mut u64, value) }
}

/// The counter as a reference clock: its period and width, once started.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Counter {
    pub period_fs: u64,
    pub bits: u32,
}

/// Starts the main counter of the HPET mapped at `mmio` (legacy replacement stays off, so
/// the PIT and RTC keep their IRQs). `None` if the capabilities make no sense (no HPET there).
///
/// # Safety
/// `mmio` must be an uncached mapping of an HPET's register block ([`WINDOW_LEN`] bytes) that
/// stays mapped, and nothing else may program that HPET.
pub unsafe fn start(mmio: u64) -> Option<Counter> {
    MMIO.store(mmio, Ordering::SeqCst);
    let capabilities = read(CAPABILITIES);
    let period_fs = capabilities >> 32;
    if period_fs == 0 || period_fs > MAX_PERIOD_FS {
        MMIO.store(0, Ordering::SeqCst);
        return None;
    }
    write(CONFIGURATION, read(CONFIGURATION) | ENABLE_CNF);
    let bits = if capabilities & COUNT_SIZE_CAP != 0 {
        64
    } else {
        32
    };
    Some(Counter { period_fs, bits })
}

/// The main counter (read as 64 bits; a 32-bit counter's upper half reads 0).
pub fn counter() -> u64 {
    read(MAIN_COUNTER)
}
