//! The time-stamp counter's frequency (see `time::init`), so that cycle counts (such as the
//! boot TSC the trampoline sampled) can be turned into time.

use core::sync::atomic::{AtomicU64, Ordering};
use core::time::Duration;

/// Measured TSC frequency in kHz; 0 until calibrated.
static FREQUENCY_KHZ: AtomicU64 = AtomicU64::new(0);

pub use crate::arch::tsc::{read, read_ordered};

/// Records the TSC frequency (from CPUID or a calibration, see `time::init`).
pub fn set_frequency_khz(khz: u64) {
    FREQUENCY_KHZ.store(khz, Ordering::SeqCst);
}

/// The TSC frequency in kHz, once calibrated.
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

pub const fn frequency_khz_from(cycles: u64, elapsed: Duration) -> u64 {
    (cycles as u128 * 1_000_000 / elapsed.as_nanos()) as u64
}

pub const fn duration_from(cycles: u64, khz: u64) -> Duration {
    Duration::from_nanos((cycles as u128 * 1_000_000 / khz as u128) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frequency_from_a_measurement() {
        // 300 million cycles in 100 ms is a 3 GHz clock.
        let khz = frequency_khz_from(300_000_000, Duration::from_millis(100));
        assert_eq!(khz, 3_000_000);
        // 100 ticks of the 1000.15 Hz PIT.
        let ticks = crate::arch::pit::ticks_to_duration(100, 1193);
        let khz = frequency_khz_from(259_600_000, ticks);
        assert!((2_596_000..2_596_500).contains(&khz), "{khz}");
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
