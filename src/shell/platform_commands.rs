//! The shell's views of the platform: `acpi` (the tables), `interrupts` (the controller and
//! the count of each vector delivered), `cpus` (the processors the MADT lists).

use crate::arch::irq_chip;
use crate::trap;
use crate::{platform, println, time};

pub fn acpi() {
    let Some(p) = platform::get() else {
        println!("no ACPI tables (the firmware passed no RSDP, or it was unusable)");
        return;
    };
    let (root_phys, root) = p.tables.root();
    println!(
        "RSDP at {:#x} ({}), revision {}, OEM {}",
        p.rsdp_phys,
        p.rsdp_origin.describe(),
        p.tables.rsdp.revision,
        platform::Oem(&p.tables.rsdp.oem_id)
    );
    println!("  sig   physical address     length  OEM     check");
    println!(
        "  {}  {root_phys:#018x}  {:>7}  {}  ok",
        root.signature(),
        root.header.length,
        platform::Oem(&root.header.oem_id)
    );
    for info in p.tables.listing() {
        println!("  {info}");
    }
}

pub fn interrupts() {
    let controller = irq_chip::describe();
    let tick = match time::tick_source() {
        time::TickSource::Pit => "PIT",
        time::TickSource::ApicPeriodic => "local APIC timer, periodic",
        time::TickSource::ApicTscDeadline => "local APIC timer, TSC-deadline",
    };
    if irq_chip::is_apic() {
        println!(
            "controller: {controller} with the local APIC ({}, id {}); tick: {tick}",
            crate::arch::apic::local::mode_name(),
            crate::arch::apic::local::id()
        );
    } else {
        println!("controller: {controller}; tick: {tick}");
    }
    println!("  vector  source                     count");
    for vector in 0..=255u8 {
        let count = trap::vector_count(vector);
        if count == 0 {
            continue;
        }
        println!("  {vector:>6}  {:<24} {count:>8}", source(vector));
    }
    println!(
        "spurious: {}, APIC errors: {}",
        trap::spurious_irq_count(),
        trap::apic_error_count()
    );
}

fn source(vector: u8) -> alloc::string::String {
    use alloc::format;
    match irq_chip::line_for_vector(vector) {
        Some(irq_chip::LOCAL_TIMER_LINE) => "local APIC timer".into(),
        Some(line) => {
            let name = match line {
                0 => "PIT",
                1 => "PS/2 keyboard",
                4 => "COM1",
                7 | 15 => "spurious 8259",
                _ => "ISA",
            };
            match irq_chip::route(line).filter(|_| irq_chip::is_apic()) {
                Some((index, pin)) => format!("IRQ {line} {name} (I/O APIC {index} pin {pin})"),
                None => format!("IRQ {line} {name}"),
            }
        }
        None if vector < 32 => format!("exception {vector}"),
        None if vector == irq_chip::SPURIOUS_VECTOR => "APIC spurious".into(),
        None if vector == irq_chip::ERROR_VECTOR => "APIC error".into(),
        None => "software".into(),
    }
}

pub fn cpus() {
    let Some(madt) = platform::get().and_then(|p| p.madt.as_ref()) else {
        println!("one processor (no MADT lists them)");
        return;
    };
    let me = crate::smp::cpu_id();
    println!("  cpu  uid  APIC id  state                ticks  tasks polled");
    for processor in madt.processors() {
        let kind = if processor.x2apic { " x2APIC" } else { "" };
        let started = crate::smp::cpus().find(|c| c.apic_id == processor.apic_id);
        match started {
            Some(cpu) => {
                let state = if cpu.id == me {
                    "online (this CPU)"
                } else {
                    cpu.state.name()
                };
                println!(
                    "  {:>3}  {:>3}  {:>7}  {state:<17}  {:>8}  {:>12}{kind}",
                    cpu.id, processor.processor_uid, processor.apic_id, cpu.ticks, cpu.tasks_polled
                );
            }
            None => {
                let state = if processor.enabled {
                    "offline (enabled)"
                } else if processor.online_capable {
                    "offline (can be brought online)"
                } else {
                    "disabled"
                };
                println!(
                    "    -  {:>3}  {:>7}  {state}{kind}",
                    processor.processor_uid, processor.apic_id
                );
            }
        }
    }
    println!("{} online", crate::smp::online_count());
}
