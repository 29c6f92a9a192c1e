//! The time-stamp counter, calibrated against PIT channel 2, so that cycle counts (such as the
//! boot TSC the trampoline sampled) can be turned into time.

use super::pit;
use core::sync::atomic::{AtomicU64, Ordering};
use core::time::Duration;

/// How long the calibration runs: 20 ms of PIT clocks. A one-count error in reading the end
/// is then 1/23864, about 0.004 %.
const CALIBRATION_COUNTS: u16 = (pit::INPUT_HZ / 50) as u16;
/// Give up on a PIT that never answers after this many cycles (seconds at any real clock rate).
const CALIBRATION_CYCLE_LIMIT: u64 = 1 << 34;

/// Measured TSC frequency in kHz; 0 until calibrated.
static FREQUENCY_KHZ: AtomicU64 = AtomicU64::new(0);

pub fn read() -> u64 {
    // SAFETY: every x86_64 CPU has RDTSC, and the kernel leaves CR4.TSD clear.
    unsafe { core::arch::x86_64::_rdtsc() }
}

/// Measures the TSC frequency against the PIT. Call with interrupts off.
pub fn calibrate() -> Option<u64> {
    let cycles = pit::tsc_cycles_over(CALIBRATION_COUNTS, CALIBRATION_CYCLE_LIMIT)?;
    let khz = frequency_khz_from(cycles, CALIBRATION_COUNTS);
    FREQUENCY_KHZ.store(khz, Ordering::SeqCst);
    Some(khz)
}

/// The TSC frequency in kHz, once [`calibrate`] succeeded.
pub fn frequency_khz() -> Option<u64> {
    match FREQUENCY_KHZ.load(Ordering::SeqCst) {
        0 => None,
        khz => Some(khz),
    }
}

/// TSC ticks per microsecond (the frequency in MHz), once calibrated.
pub fn ticks_per_us() -> Option<u64> {
    frequency_khz().map(|khz| khz / 1000)
}

/// How long `cycles` TSC cycles take, once calibrated.
pub fn cycles_to_duration(cycles: u64) -> Option<Duration> {
    frequency_khz().map(|khz| duration_from(cycles, khz))
}

pub const fn frequency_khz_from(cycles: u64, pit_counts: u16) -> u64 {
    (cycles as u128 * pit::INPUT_HZ as u128 / pit_counts as u128 / 1000) as u64
}

pub const fn duration_from(cycles: u64, khz: u64) -> Duration {
    Duration::from_nanos((cycles as u128 * 1_000_000 / khz as u128) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frequency_from_a_measurement() {
        // 60 million cycles in 20 ms (23864 PIT clocks) is a 3 GHz clock.
        let khz = frequency_khz_from(60_000_000, CALIBRATION_COUNTS);
        assert!((2_999_000..=3_001_000).contains(&khz), "{khz}");
    }

    #[test]
    fn cycles_become_durations() {
        assert_eq!(
            duration_from(3_000_000, 3_000_000),
            Duration::from_millis(1)
        );
        assert_eq!(duration_from(0, 1), Duration::ZERO);
        // A day at 5 GHz still fits.
        let day = duration_from(5_000_000_000 * 86_400, 5_000_000);
        assert_eq!(day.as_secs(), 86_400);
    }
}
