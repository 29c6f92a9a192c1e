//! Everything that names an x86_64 register, instruction, MSR or legacy chip. The rest of the
//! kernel calls the small functions here (see [`cpu`]) instead of touching the machine. Nothing
//! here depends on the portable kernel: `crate::trap` decides what an interrupt means.
//!
//! [`init`] runs early in `boot::start`, so that from then on every exception anywhere in any
//! kernel gets a report.

pub mod ap_boot;
pub mod apic;
pub mod context_switch;
pub mod cpu;
pub mod cpuid;
pub mod exception;
pub mod fpu;
pub mod frame_pointer;
pub mod gdt;
pub mod hpet;
pub mod idt;
pub mod int_bench;
pub mod interrupt_frame;
pub mod interrupts;
pub mod irq_chip;
pub mod pat;
pub mod percpu;
pub mod pic;
pub mod pit;
pub mod pit_counter;
pub mod pm_timer;
pub mod port_io;
pub mod power;
pub mod rng;
pub mod rtc;
pub mod signal_frame;
pub mod stacks;
pub mod syscall;
pub mod tsc;
pub mod user_context;
pub mod user_mode;
pub mod vectors;

/// Loads the GDT, TSS and IDT. Interrupts stay disabled; `devices::start` enables them.
pub fn init() {
    percpu::init();
    gdt::init();
    idt::init();
    syscall::init();
    fpu::init();
}
