//! QEMU `-machine pc,acpi=off` (tests/qemu/platform_pic.conf): no ACPI tables, so the kernel
//! keeps the 8259 pair and the PIT, calibrates against PIT channel 2, and takes input.

#![no_std]
#![no_main]

#[path = "support/platform_checks.rs"]
mod checks;

use kestrel::arch::irq_chip;
use kestrel::boot::BootInfo;
use kestrel::time::{self, TickSource};

kestrel::entry_point!(main);

fn main(boot: &'static BootInfo) -> ! {
    kestrel::devices::start(boot);
    kestrel::run_tests!(
        the_8259s_deliver_interrupts,
        checks::keyboard_and_serial_input_arrive,
        checks::timer_ticks_within_two_percent_of_the_tsc,
        checks::tsc_agrees_with_the_reference,
    );
}

fn the_8259s_deliver_interrupts() {
    assert!(
        kestrel::platform::get().is_none(),
        "ACPI tables with acpi=off"
    );
    assert!(!irq_chip::is_apic());
    assert_eq!(time::tick_source(), TickSource::Pit);
    assert_eq!(time::reference().map(|r| r.name()), Some("PIT channel 2"));
}
