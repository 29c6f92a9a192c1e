//! Choosing and starting the interrupt controllers: the I/O APIC path when the MADT names an
//! I/O APIC and the CPU has a local APIC, else the 8259 pair (QEMU `-machine pc,acpi=off`, or
//! a MADT that cannot be used).
//!
//! The ISA IRQs Kestrel uses (the timer, the keyboard, COM1) are routed through the MADT's
//! interrupt source overrides (ACPI 6.5 §5.2.12.5): on QEMU the PIT's IRQ 0 arrives on GSI 2.
//! Every route is resolved before any controller is touched, so a MADT that fails half-way
//! leaves the 8259s as they were.

use super::Platform;
use crate::acpi::madt::{Polarity, TriggerMode};
use crate::acpi::{IsaRoute, Madt};
use crate::arch::apic::io::PinConfig;
use crate::arch::apic::local;
use crate::arch::irq_chip::{self, ERROR_VECTOR, IO_APICS, MAX_IO_APICS, SPURIOUS_VECTOR};
use crate::arch::pat::CacheType;
use crate::arch::pic;
use crate::memory::device::map_device;
use core::fmt::Write;

/// The ISA IRQs the kernel's drivers use: the PIT, the PS/2 keyboard, COM1.
pub const ISA_IRQS: [u8; 3] = [0, 1, 4];
const IO_APIC_WINDOW: u64 = 0x20;
const LOCAL_APIC_WINDOW: u64 = 0x1000;

/// Starts the controller the platform calls for; every line stays masked until its driver
/// unmasks it. Interrupts must be off.
pub fn init(platform: Option<&Platform>) {
    // Remapped even when the APICs take over: a spurious IRQ the pair may still raise must not
    // land on an exception vector.
    pic::init();
    let madt = platform.and_then(|p| p.madt.as_ref());
    match madt.ok_or("no MADT").and_then(start_apics) {
        Ok(summary) => log::info!("interrupts: I/O APIC {summary}"),
        Err(reason) => log::info!("interrupts: 8259 PIC ({reason})"),
    }
}

fn start_apics(madt: &Madt<'static>) -> Result<alloc::string::String, &'static str> {
    if !local::present() {
        return Err("the CPU has no local APIC");
    }
    let mut attached = 0;
    for (index, io_apic) in madt.io_apics().enumerate() {
        if index >= MAX_IO_APICS {
            log::warn!("interrupts: more than {MAX_IO_APICS} I/O APICs; the rest are ignored");
            break;
        }
        let mmio = map_device(io_apic.address.into(), IO_APIC_WINDOW, CacheType::Uncached)
            .map_err(|_| "cannot map the I/O APIC")?;
        // SAFETY: the window maps this I/O APIC's registers, uncached, for good; only this
        // kernel programs it, and only through IO_APICS[index].
        unsafe { IO_APICS[index].attach(mmio.as_u64()) };
        attached += 1;
    }
    if attached == 0 {
        return Err("the MADT names no I/O APIC");
    }
    let inputs =
        |io: &crate::acpi::madt::IoApic| index_of(madt, io).map_or(0, |i| IO_APICS[i].inputs());
    let mut routes = [None; ISA_IRQS.len()];
    for (slot, &irq) in routes.iter_mut().zip(&ISA_IRQS) {
        match madt.resolve_isa_irq(irq, inputs) {
            Ok(route) => *slot = Some(route),
            Err(e) => {
                log::warn!("interrupts: IRQ {irq}: {e}");
                return Err("an ISA IRQ has no usable I/O APIC input");
            }
        }
    }
    let lapic_mmio = if local::has_x2apic() {
        None
    } else {
        let phys = madt.local_apic_address();
        Some(
            map_device(phys, LOCAL_APIC_WINDOW, CacheType::Uncached)
                .map_err(|_| "cannot map the local APIC")?
                .as_u64(),
        )
    };
    // From here on the APICs take over.
    for io_apic in IO_APICS.iter().filter(|io| io.is_attached()) {
        io_apic.mask_all();
    }
    let mode =
        local::init(lapic_mmio, SPURIOUS_VECTOR, ERROR_VECTOR).ok_or("no local APIC mode")?;
    let apic_id = local::id();
    let mut summary = alloc::string::String::new();
    let _ = write!(
        summary,
        "({}, local APIC id {apic_id}, {mode:?});",
        describe_io(madt)
    );
    for route in routes.iter().flatten() {
        program(madt, route, apic_id as u8);
        let _ = write!(summary, " IRQ {} -> GSI {}", route.irq, route.gsi);
        if route.polarity == Polarity::ActiveLow {
            let _ = write!(summary, " active-low");
        }
        if route.trigger == TriggerMode::Level {
            let _ = write!(summary, " level");
        }
        summary.push(',');
    }
    summary.pop();
    pic::mask_all();
    irq_chip::use_apic();
    Ok(summary)
}

fn index_of(madt: &Madt<'_>, io: &crate::acpi::madt::IoApic) -> Option<usize> {
    madt.io_apics()
        .take(MAX_IO_APICS)
        .position(|candidate| candidate == *io)
}

fn program(madt: &Madt<'_>, route: &IsaRoute, apic_id: u8) {
    let Some(index) = index_of(madt, &route.io_apic) else {
        return;
    };
    let config = PinConfig {
        active_low: route.polarity == Polarity::ActiveLow,
        level_triggered: route.trigger == TriggerMode::Level,
    };
    IO_APICS[index].route(
        route.pin,
        irq_chip::vector_for_line(route.irq),
        config,
        apic_id,
    );
    irq_chip::set_route(route.irq, index, route.pin);
}

fn describe_io(madt: &Madt<'_>) -> alloc::string::String {
    let mut text = alloc::string::String::new();
    for (index, io) in madt.io_apics().take(MAX_IO_APICS).enumerate() {
        let sep = if index == 0 { "" } else { ", " };
        let inputs = IO_APICS[index].inputs();
        let _ = write!(
            text,
            "{sep}id {} at {:#x}, GSI {}-{}",
            io.id,
            io.address,
            io.gsi_base,
            io.gsi_base + inputs.saturating_sub(1)
        );
    }
    text
}
