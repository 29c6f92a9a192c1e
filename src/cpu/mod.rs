//! Per-CPU tables: the GDT with its TSS, and the IDT. [`init`] runs early in `boot::start`, so
//! that from then on every exception anywhere in any kernel gets a report.

pub mod gdt;

/// Loads the GDT, TSS and IDT. Interrupts stay disabled; `devices::start` enables them.
pub fn init() {
    gdt::init();
    crate::interrupts::idt::init();
}
