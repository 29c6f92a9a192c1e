//! Checks shared by the platform test kernels (tests/platform_apic.rs on the I/O APIC path,
//! tests/platform_pic.rs on the 8259 path): typed and serial input arrive through the
//! controller in use, and the timer ticks at the rate the TSC says.

use core::sync::atomic::{AtomicU64, Ordering};
use core::time::Duration;
use kestrel::arch::irq_chip;
use kestrel::input::{self, Key};
use kestrel::time::{self, tsc};
use kestrel::trap;
use kestrel::{println, serial_println};

const KEY_TIMEOUT: Duration = Duration::from_secs(15);

fn expect_typed(prompt: &str, expected: &str) {
    println!("{prompt}");
    for (index, want) in expected.chars().enumerate() {
        let got = loop {
            match input::wait_for_key_timeout(KEY_TIMEOUT) {
                Some(Key::Char(c)) => break c,
                Some(Key::Enter) => break '\n',
                Some(_) => continue,
                None => panic!("timed out waiting for {want:?}, character {index} of {expected:?}"),
            }
        };
        assert_eq!(got, want, "character {index} of {expected:?}");
    }
}

/// The keyboard's IRQ 1 and COM1's IRQ 4 arrive on their vectors (33 and 36) through the
/// controller in use; the runner types `ok` + Enter, then sends `hi` + CR on serial.
pub fn keyboard_and_serial_input_arrive() {
    let keyboard = trap::vector_count(irq_chip::vector_for_line(1));
    expect_typed("kestrel: ready for input", "ok\n");
    assert!(
        trap::vector_count(irq_chip::vector_for_line(1)) > keyboard,
        "keys arrived, but not on IRQ 1's vector"
    );
    let serial = trap::vector_count(irq_chip::vector_for_line(4));
    expect_typed("kestrel: type on serial", "hi\n");
    assert!(
        trap::vector_count(irq_chip::vector_for_line(4)) > serial,
        "serial bytes arrived, but not on IRQ 4's vector"
    );
}

/// How far the timer's rate may stray from the TSC's count over [`MEASURE`].
const TOLERANCE_PERCENT: u64 = 2;
const MEASURE: Duration = Duration::from_millis(500);

/// What the tick hook records: the TSC at the first and the last tick, the periods between ticks (each gap
/// rounded to whole periods), the gaps, and the gaps of exactly one period.
static PERIOD_CYCLES: AtomicU64 = AtomicU64::new(0);
static FIRST_TICK_TSC: AtomicU64 = AtomicU64::new(0);
static LAST_TICK_TSC: AtomicU64 = AtomicU64::new(0);
static PERIODS: AtomicU64 = AtomicU64::new(0);
static GAPS: AtomicU64 = AtomicU64::new(0);
static SINGLE_GAPS: AtomicU64 = AtomicU64::new(0);

fn record_tick(_tick: u64) {
    let now = tsc::read();
    let last = LAST_TICK_TSC.swap(now, Ordering::Relaxed);
    if last == 0 {
        FIRST_TICK_TSC.store(now, Ordering::Relaxed);
        return;
    }
    let period = PERIOD_CYCLES.load(Ordering::Relaxed);
    let periods = (now - last + period / 2) / period;
    PERIODS.fetch_add(periods, Ordering::Relaxed);
    GAPS.fetch_add(1, Ordering::Relaxed);
    if periods == 1 {
        SINGLE_GAPS.fetch_add(1, Ordering::Relaxed);
    }
}

/// The timer interrupts at the rate the TSC says. Under TCG on a busy host QEMU merges ticks
/// that fall due while its thread waits for a host CPU, so the raw count runs a few percent
/// short; the hook sees each merge as a gap of two periods or more by the TSC and counts the
/// periods it spans. A wrong rate still fails: a timer 5 % slow makes every gap 1.05 periods,
/// which rounds to one, so the periods fall 5 % short; one at half the rate makes every gap two
/// periods, which the share of one-period gaps catches. The hook's sums cover the span from the first tick
/// it saw to the last, which the TSC measures independently of the timer.
pub fn timer_ticks_within_two_percent_of_the_tsc() {
    let period = tsc::ticks_per_us().expect("TSC not calibrated")
        * time::tick_period().as_nanos() as u64
        / 1000;
    PERIOD_CYCLES.store(period, Ordering::Relaxed);
    for counter in [
        &FIRST_TICK_TSC,
        &LAST_TICK_TSC,
        &PERIODS,
        &GAPS,
        &SINGLE_GAPS,
    ] {
        counter.store(0, Ordering::Relaxed);
    }
    time::set_tick_hook(Some(record_tick));
    let ticks_start = time::ticks();
    time::sleep(MEASURE);
    time::set_tick_hook(None);
    let counted = time::ticks() - ticks_start;
    let (periods, gaps, single) = (
        PERIODS.load(Ordering::Relaxed),
        GAPS.load(Ordering::Relaxed),
        SINGLE_GAPS.load(Ordering::Relaxed),
    );
    // Periods the TSC says passed between the first tick seen and the last.
    let span = LAST_TICK_TSC.load(Ordering::Relaxed) - FIRST_TICK_TSC.load(Ordering::Relaxed);
    let expected = (span + period / 2) / period;
    serial_println!(
        "\n  {counted} ticks; {periods} periods by the TSC in {gaps} gaps ({single} of one \
         period), {expected} expected ({:?})",
        time::tick_source()
    );
    let slack = expected * TOLERANCE_PERCENT / 100;
    assert!(
        periods.abs_diff(expected) <= slack,
        "{periods} periods by the TSC, {expected} +- {slack} expected"
    );
    assert!(
        counted <= expected + slack,
        "{counted} ticks counted, at most {} expected",
        expected + slack
    );
    assert!(
        single * 4 >= gaps * 3,
        "only {single} of {gaps} gaps between ticks were one period"
    );
}

/// The TSC's calibrated rate agrees with the reference clock over 500 ms (0.5 %).
pub fn tsc_agrees_with_the_reference() {
    let reference = time::reference().expect("no reference clock counted");
    let (ns, t0, t1) = reference
        .measure(500_000_000, tsc::read)
        .expect("the reference stopped");
    let by_tsc = tsc::cycles_to_duration(t1 - t0).unwrap().as_nanos() as u64;
    serial_println!("\n  {} says {ns} ns, the TSC {by_tsc} ns", reference.name());
    assert!(
        by_tsc.abs_diff(ns) * 200 <= ns,
        "{by_tsc} ns by the TSC, {ns} by the reference"
    );
}
