//! Checks shared by the platform test kernels (tests/platform_apic.rs on the I/O APIC path,
//! tests/platform_pic.rs on the 8259 path): typed and serial input arrive through the
//! controller in use, and the timer ticks at the rate the TSC says.

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

/// How far the counted ticks may stray from the TSC's count over [`MEASURE`].
const TOLERANCE_PERCENT: u64 = 2;
const MEASURE: Duration = Duration::from_millis(500);

pub fn timer_ticks_within_two_percent_of_the_tsc() {
    // Start right after a tick, so the interval holds whole periods.
    let first = time::ticks();
    while time::ticks() == first {
        core::hint::spin_loop();
    }
    let (ticks_start, tsc_start) = (time::ticks(), tsc::read());
    time::sleep(MEASURE);
    let (ticks_end, tsc_end) = (time::ticks(), tsc::read());
    let counted = ticks_end - ticks_start;
    let elapsed = tsc::cycles_to_duration(tsc_end - tsc_start).expect("TSC not calibrated");
    let expected = (elapsed.as_nanos() / time::tick_period().as_nanos()) as u64;
    serial_println!(
        "\n  {counted} ticks in {elapsed:?} by the TSC, {expected} expected ({:?})",
        time::tick_source()
    );
    let slack = expected * TOLERANCE_PERCENT / 100;
    assert!(
        counted.abs_diff(expected) <= slack,
        "{counted} ticks counted, {expected} +- {slack} expected"
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
