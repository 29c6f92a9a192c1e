//! Measuring a clock against a reference counter, as pure logic over closures (host-tested
//! with fake counters).
//!
//! The reference is *counted*, not ticked: its value is read, so interrupts that arrive late
//! or not at all (slow console output with interrupts off) cannot skew the measurement, as
//! they did when the TSC was calibrated over the first hundred timer ticks.

/// Polls `reference`, an up-counter `mask` wide (it wraps at `mask + 1`), until `span` counts
/// have passed, and calls `probe` right after the first and the last read. Returns the counts
/// that passed and the two probes, or `None` if the counter stood still for `stall_limit`
/// reads in a row (no such device, or a broken one): a dead reference must not hang the boot.
pub fn measure<T>(
    mut reference: impl FnMut() -> u64,
    mask: u64,
    span: u64,
    stall_limit: u32,
    mut probe: impl FnMut() -> T,
) -> Option<(u64, T, T)> {
    // Start on an edge of the reference, so its resolution does not shorten the span.
    let mut previous = reference() & mask;
    let mut stalled = 0;
    let start = loop {
        let now = reference() & mask;
        if now != previous {
            break now;
        }
        stalled += 1;
        if stalled >= stall_limit {
            return None;
        }
    };
    let first = probe();
    previous = start;
    let mut elapsed = 0u64;
    stalled = 0;
    loop {
        let now = reference() & mask;
        let step = now.wrapping_sub(previous) & mask;
        if step == 0 {
            stalled += 1;
            if stalled >= stall_limit {
                return None;
            }
            continue;
        }
        stalled = 0;
        elapsed += step;
        previous = now;
        if elapsed >= span {
            return Some((elapsed, first, probe()));
        }
    }
}

/// The rate in Hz of a clock that advanced `cycles` while `elapsed_ns` passed.
pub fn rate_hz(cycles: u64, elapsed_ns: u64) -> u64 {
    if elapsed_ns == 0 {
        return 0;
    }
    (u128::from(cycles) * 1_000_000_000 / u128::from(elapsed_ns)) as u64
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::cell::Cell;

    #[test]
    fn measures_across_a_wrap() {
        // A 16-bit counter that starts near its top and advances 7 per read.
        let counter = Cell::new(0xFFF0u64);
        let clock = Cell::new(0u64);
        let read = || {
            counter.set(counter.get() + 7);
            clock.set(clock.get() + 100);
            counter.get()
        };
        let (elapsed, first, last) = measure(read, 0xFFFF, 1000, 10, || clock.get()).unwrap();
        assert!((1000..1007).contains(&elapsed), "{elapsed}");
        // 100 clock units per 7 counts.
        assert_eq!((last - first) / 100 * 7, elapsed);
    }

    #[test]
    fn a_stuck_reference_gives_up() {
        assert!(measure(|| 42, u64::MAX, 1000, 50, || ()).is_none());
        // Moves once, then sticks.
        let calls = Cell::new(0u64);
        let read = || {
            calls.set(calls.get() + 1);
            if calls.get() < 3 { calls.get() } else { 3 }
        };
        assert!(measure(read, u64::MAX, 1000, 50, || ()).is_none());
    }

    #[test]
    fn rates() {
        // 2.6 million cycles in 1 ms: 2.6 GHz.
        assert_eq!(rate_hz(2_600_000, 1_000_000), 2_600_000_000);
        assert_eq!(rate_hz(1, 0), 0);
        // No overflow for a minute at 5 GHz.
        assert_eq!(rate_hz(300_000_000_000, 60_000_000_000), 5_000_000_000);
    }
}
