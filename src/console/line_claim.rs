//! Whole lines across CPUs. Each `print!` is written whole (both consoles under their locks,
//! and a log line is one call, `console::print_with_colored`); a line built from several
//! `print!` calls is kept whole too: the CPU that printed part of a line holds the console
//! until it prints the newline, so another CPU's output cannot land inside the line.
//!
//! The claim is a lease, not a lock: it lapses [`LEASE`] after the holder's last output, so a
//! line that is never finished (the shell's prompt, waiting for typing) or a holder that died
//! delays the others by at most that much. The holder's own interrupt handlers print through
//! its claim, as they did on one CPU.

use crate::arch::{percpu, tsc};
use core::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use core::time::Duration;

/// How long a claim outlives its holder's last output.
pub const LEASE: Duration = Duration::from_millis(50);

/// The holder's CPU number + 1; 0 when the last output ended a line.
static HOLDER: AtomicU32 = AtomicU32::new(0);
/// The TSC at the holder's last output.
static LAST_OUTPUT: AtomicU64 = AtomicU64::new(0);

fn lease_cycles() -> u64 {
    // Before calibration: a guess of a few GHz.
    let khz = crate::time::tsc::frequency_khz().unwrap_or(3_000_000);
    khz * LEASE.as_micros() as u64 / 1000
}

/// Waits until this CPU may print: nobody is inside a line, this CPU is, or the holder's
/// lease has lapsed.
pub fn claim() {
    let me = percpu::cpu_id() + 1;
    loop {
        let holder = HOLDER.load(Ordering::Acquire);
        let free = holder == 0
            || holder == me
            || tsc::read().wrapping_sub(LAST_OUTPUT.load(Ordering::Relaxed)) > lease_cycles();
        if free
            && HOLDER
                .compare_exchange(holder, me, Ordering::AcqRel, Ordering::Relaxed)
                .is_ok()
        {
            return;
        }
        core::hint::spin_loop();
    }
}

/// After printing: keeps the claim while the output stopped inside a line, releases it at a
/// line's end.
pub fn finish(ended_line: bool) {
    LAST_OUTPUT.store(tsc::read(), Ordering::Relaxed);
    if ended_line {
        let me = percpu::cpu_id() + 1;
        let _ = HOLDER.compare_exchange(me, 0, Ordering::AcqRel, Ordering::Relaxed);
    }
}
