//! QEMU without an HPET (tests/qemu/platform_pm_timer.conf): the TSC and the local APIC timer
//! are calibrated against the ACPI PM timer instead, and the tick keeps its rate.

#![no_std]
#![no_main]

#[path = "support/platform_checks.rs"]
mod checks;

use kestrel::arch::irq_chip;
use kestrel::boot::BootInfo;
use kestrel::time;

kestrel::entry_point!(main);

fn main(boot: &'static BootInfo) -> ! {
    kestrel::devices::start(boot);
    kestrel::run_tests!(
        the_pm_timer_is_the_reference,
        checks::keyboard_and_serial_input_arrive,
        checks::timer_ticks_within_two_percent_of_the_tsc,
        checks::tsc_agrees_with_the_reference,
    );
}

fn the_pm_timer_is_the_reference() {
    assert!(irq_chip::is_apic());
    assert!(
        kestrel::platform::get().and_then(|p| p.hpet).is_none(),
        "an HPET with hpet=off"
    );
    assert_eq!(time::reference().map(|r| r.name()), Some("ACPI PM timer"));
}
