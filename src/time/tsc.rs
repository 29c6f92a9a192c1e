//! The time-stamp counter, calibrated against the PIT's ticks (see `time::init`), so that cycle
//! counts (such as the boot TSC the trampoline sampled) can be turned into time.

use core::sync::atomic::{AtomicU64, Ordering};
use core::time::Duration;

/// Measured TSC frequency in kHz; 0 until calibrated.
static FREQUENCY_KHZ: AtomicU64 = AtomicU64::new(0);

pub use crate::arch::tsc::read;

/// Records the TSC frequency from `cycles` counted over `elapsed` of PIT time.
pub fn calibrate_from(cycles: u64, elapsed: Duration) -> u64 {
    let khz = frequency_khz_from(cycles, elapsed);
    FREQUENCY_KHZ.store(khz, Ordering::SeqCst);
    khz
}

/// The middle value of `values` (which it sorts in place; insertion sort, as it runs in an
/// interrupt handler on a hundred values); 0 for none.
pub fn median(values: &mut [u64]) -> u64 {
    for i in 1..values.len() {
        let mut j = i;
        while j > 0 && values[j - 1] > values[j] {
            values.swap(j - 1, j);
            j -= 1;
        }
    }
    values.get(values.len() / 2).copied().unwrap_or(0)
}

/// Which measurement to calibrate from: the whole `span` over all the ticks in `gaps`, or, when
/// its average gap is more than 5 % off the median gap (ticks were lost or merged), the median
/// gap over one tick. Returns (cycles, ticks); sorts `gaps`.
pub fn calibration_sample(span: u64, gaps: &mut [u64]) -> (u64, u32) {
    let ticks = gaps.len() as u32;
    let median = median(gaps);
    let average = span / u64::from(ticks.max(1));
    if average.abs_diff(median) * 20 > median {
        (median, 1)
    } else {
        (span, ticks)
    }
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
    fn lost_ticks_do_not_move_the_median_gap() {
        // 2.6 GHz: 2.6M cycles per 1 ms tick; three ticks lost (double gaps), one late tick
        // followed by an early one.
        let mut gaps = [2_600_000u64; 100];
        gaps[10] = 5_200_000;
        gaps[40] = 5_200_000;
        gaps[41] = 7_800_000;
        gaps[70] = 2_700_000;
        gaps[71] = 2_500_000;
        let gap = median(&mut gaps);
        assert_eq!(gap, 2_600_000);
        assert_eq!(frequency_khz_from(gap, Duration::from_millis(1)), 2_600_000);
        assert_eq!(median(&mut []), 0);
        assert_eq!(median(&mut [3, 1, 2]), 2);
    }

    #[test]
    fn calibration_uses_the_span_unless_ticks_were_lost() {
        // Jittery but complete: the span over all 100 ticks is the better measure.
        let mut gaps: [u64; 100] = core::array::from_fn(|i| 2_600_000 + (i as u64 % 3) * 100);
        let span = gaps.iter().sum();
        assert_eq!(calibration_sample(span, &mut gaps), (span, 100));
        // Ten ticks lost: the span is 10 % long, so one median gap serves instead.
        let mut gaps = [2_600_000u64; 100];
        for gap in gaps.iter_mut().step_by(10) {
            *gap *= 2;
        }
        let span = gaps.iter().sum();
        assert_eq!(calibration_sample(span, &mut gaps), (2_600_000, 1));
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
