//! Everything that names an x86_64 register, instruction, MSR or legacy chip. The rest of the
//! kernel calls the small functions here (see [`cpu`]) instead of touching the machine.
//!
//! [`init`] runs early in `boot::start`, so that from then on every exception anywhere in any
//! kernel gets a report.

pub mod context_switch;
pub mod cpu;
pub mod cpuid;
mod dispatch;
pub mod exception;
pub mod gdt;
pub mod idt;
pub mod interrupt_frame;
pub mod interrupts;
pub mod pat;
pub mod percpu;
pub mod pic;
pub mod pit;
pub mod power;
pub mod stacks;
pub mod syscall;
pub mod tsc;
pub mod user_mode;
pub mod vectors;

/// Loads the GDT, TSS and IDT. Interrupts stay disabled; `devices::start` enables them.
pub fn init() {
    gdt::init();
    idt::init();
    percpu::init();
    syscall::init();
}
