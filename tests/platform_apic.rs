//! On QEMU `pc` and `q35`, under SeaBIOS and OVMF (tests/qemu/platform_apic.conf): the kernel
//! takes the I/O APIC path, keyboard and serial input arrive through it, the PIT's IRQ 0 follows
//! its override to GSI 2, the local APIC timer ticks within 2 % of the TSC, and the TSC agrees
//! with the reference clock.

#![no_std]
#![no_main]

#[path = "support/platform_checks.rs"]
mod checks;

use core::sync::atomic::{AtomicU64, Ordering};
use core::time::Duration;
use kestrel::arch::interrupts;
use kestrel::arch::irq_chip;
use kestrel::boot::BootInfo;
use kestrel::serial_println;
use kestrel::time::{self, TickSource};
use kestrel::trap;

kestrel::entry_point!(main);

fn main(boot: &'static BootInfo) -> ! {
    kestrel::devices::start(boot);
    kestrel::run_tests!(
        the_apics_deliver_interrupts,
        checks::keyboard_and_serial_input_arrive,
        pit_irq0_arrives_through_its_override,
        checks::timer_ticks_within_two_percent_of_the_tsc,
        checks::tsc_agrees_with_the_reference,
    );
}

fn the_apics_deliver_interrupts() {
    assert!(irq_chip::is_apic(), "the 8259 path was taken");
    assert_ne!(
        time::tick_source(),
        TickSource::Pit,
        "the local APIC timer should tick"
    );
    let platform = kestrel::platform::get().expect("ACPI tables");
    assert!(platform.madt.is_some() && platform.fadt.is_some() && platform.hpet.is_some());
    assert_eq!(time::reference().map(|r| r.name()), Some("HPET"));
}

static PIT_TICKS: AtomicU64 = AtomicU64::new(0);

fn count_pit_tick() {
    PIT_TICKS.fetch_add(1, Ordering::Relaxed);
}

/// On the APIC path the PIT is not the tick, but its IRQ 0 is routed (on QEMU to GSI 2, by an
/// interrupt source override): started at 1000 Hz, it must arrive at about that rate.
pub fn pit_irq0_arrives_through_its_override() {
    assert!(irq_chip::is_apic());
    let (_, pin) = irq_chip::route(0).expect("IRQ 0 has no I/O APIC route");
    assert_eq!(pin, 2, "QEMU wires the PIT to GSI 2");
    trap::set_irq_handler(0, count_pit_tick);
    kestrel::arch::pit::start_periodic(kestrel::arch::pit::divisor_for(1000));
    interrupts::unmask_irq(0);
    time::sleep(Duration::from_millis(200));
    interrupts::mask_irq(0);
    let ticks = PIT_TICKS.load(Ordering::Relaxed);
    serial_println!("\n  {ticks} PIT interrupts in 200 ms");
    // TCG may merge a few when the host is busy; a wrong route gives none.
    assert!(
        (120..=220).contains(&ticks),
        "{ticks} PIT interrupts in 200 ms"
    );
}
