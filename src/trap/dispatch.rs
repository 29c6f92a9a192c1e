//! `interrupt_dispatch`, which every stub in asm/interrupts.asm calls: exceptions get reported
//! (or handed to a test hook), IRQs go to their drivers and get their EOI.

use super::{FaultAction, fault_hook, irq_exit_hook, irq_handler, print_report, user_fault_hook};
use crate::arch::exception::{ExceptionReport, NestedFaultReport};
use crate::arch::interrupt_frame::InterruptFrame;
use crate::arch::irq_chip;
use crate::arch::pic::Acknowledge;
use crate::arch::vectors::{BREAKPOINT, EXCEPTION_COUNT, NMI};
use crate::arch::{apic, cpu, int_bench, percpu};
use crate::console;
use crate::drivers::serial::com1_unlocked;
use crate::power::{ExitCode, exit_emulator, halt_forever};
use crate::testing::{self, PanicExpectation};
use core::fmt::Write;
use core::sync::atomic::{AtomicU64, Ordering};

static BREAKPOINTS: AtomicU64 = AtomicU64::new(0);
static SPURIOUS_IRQS: AtomicU64 = AtomicU64::new(0);
static APIC_ERRORS: AtomicU64 = AtomicU64::new(0);
/// Deliveries of each vector since boot, for the `interrupts` command.
static VECTOR_COUNTS: [AtomicU64; 256] = [const { AtomicU64::new(0) }; 256];

/// Breakpoints (`int3`) handled since boot.
pub fn breakpoint_count() -> u64 {
    BREAKPOINTS.load(Ordering::SeqCst)
}

/// Spurious deliveries ignored since boot (8259 IRQ 7 and 15, the local APIC's spurious
/// vector).
pub fn spurious_irq_count() -> u64 {
    SPURIOUS_IRQS.load(Ordering::SeqCst)
}

/// Local APIC error interrupts since boot.
pub fn apic_error_count() -> u64 {
    APIC_ERRORS.load(Ordering::SeqCst)
}

/// How often `vector` was delivered since boot.
pub fn vector_count(vector: u8) -> u64 {
    VECTOR_COUNTS[usize::from(vector)].load(Ordering::Relaxed)
}

/// Called by `interrupt_common` with interrupts off (every gate is an interrupt gate).
#[unsafe(no_mangle)]
extern "C" fn interrupt_dispatch(frame: &mut InterruptFrame) {
    let vector = frame.vector as u8;
    VECTOR_COUNTS[usize::from(vector)].fetch_add(1, Ordering::Relaxed);
    let from_user = frame.cs & 3 == 3;
    if vector == NMI {
        nmi(frame);
    } else if vector < EXCEPTION_COUNT {
        match user_fault_hook() {
            // A user program's fault is the process's business, not a kernel error.
            Some(hook) if from_user => hook(frame),
            _ => exception(frame),
        }
    } else if let Some(line) = irq_chip::line_for_vector(vector) {
        hardware_irq(line);
        // After the EOI: the scheduler may switch threads here. It runs user threads on the
        // boot CPU alone (docs/smp.md), so the other CPUs never switch.
        if percpu::cpu_id() == 0
            && let Some(hook) = irq_exit_hook()
        {
            hook(frame);
        }
    } else if vector == irq_chip::CALL_FUNCTION_VECTOR {
        let _no_allocation = crate::memory::heap::ForbidAllocation::enter();
        crate::smp::ipi::handle_call_function();
        apic::local::end_of_interrupt();
    } else if vector == irq_chip::WAKE_VECTOR {
        // Only ends a `hlt`: the woken CPU looks for work itself.
        apic::local::end_of_interrupt();
    } else if vector == int_bench::DISPATCH_VECTOR {
        // The benchmark's software interrupt: the dispatcher's own cost, nothing more.
    } else if vector == irq_chip::SPURIOUS_VECTOR && irq_chip::is_apic() {
        // The local APIC withdrew an interrupt; it wants no EOI (SDM vol. 3A §11.9).
        SPURIOUS_IRQS.fetch_add(1, Ordering::Relaxed);
    } else if vector == irq_chip::ERROR_VECTOR && irq_chip::is_apic() {
        APIC_ERRORS.fetch_add(1, Ordering::Relaxed);
        let _ = apic::local::take_error_status();
        apic::local::end_of_interrupt();
    } else {
        // Only a stray `int n` reaches the vectors nothing is wired to: a kernel bug.
        exception(frame);
    }
}

fn hardware_irq(irq: u8) {
    // IRQ handlers never allocate (see memory::heap): debug builds catch one that does.
    let _no_allocation = crate::memory::heap::ForbidAllocation::enter();
    let ack = irq_chip::classify(irq);
    if ack == Acknowledge::Handle {
        if let Some(handler) = irq_handler(irq) {
            handler();
        }
    } else {
        SPURIOUS_IRQS.fetch_add(1, Ordering::Relaxed);
    }
    irq_chip::end_of_interrupt(irq, ack);
}

fn exception(frame: &mut InterruptFrame) {
    let nesting = &percpu::this().exception_depth;
    let depth = nesting.fetch_add(1, Ordering::SeqCst);
    if depth > 0 {
        nested_fault(frame, depth);
    }
    let report = ExceptionReport::new(frame, cpu::page_fault_address(), &percpu::stacks());
    let action = fault_hook().map_or(FaultAction::Default, |hook| hook(&report));
    match action {
        FaultAction::ResumeAt(rip) => frame.rip = rip,
        FaultAction::Default if report.vector == BREAKPOINT => breakpoint(&report),
        FaultAction::Default => fatal(&report),
    }
    nesting.fetch_sub(1, Ordering::SeqCst);
}

fn breakpoint(report: &ExceptionReport) {
    BREAKPOINTS.fetch_add(1, Ordering::SeqCst);
    // An int3 inside code that holds a console lock must not wait for that lock, nor force it:
    // the interrupted writer resumes afterwards, so its screen state must stay untouched.
    if console::is_idle() {
        log::info!("breakpoint: resuming at RIP {:#x}", report.frame.rip);
    } else {
        console::emergency_write_serial(format_args!(
            "breakpoint: resuming at RIP {:#x}\n",
            report.frame.rip
        ));
    }
}

/// On a PC an NMI reports a hardware error (memory parity, I/O channel check) or comes from a
/// watchdog or debugger. It is logged and survived; it may interrupt any code, even with
/// interrupts off and a console lock held: then the line goes to serial alone, without locks,
/// leaving the screen to the writer that resumes after the NMI.
fn nmi(frame: &InterruptFrame) {
    // A panic or fatal exception on another CPU stops this one before printing its report.
    crate::smp::nmi_halt_if_requested();
    let status = cpu::nmi_status();
    let line = format_args!(
        "kestrel: NMI at RIP {:#x} (system control port B {status:#04x}), continuing\n",
        frame.rip
    );
    if console::is_idle() {
        crate::print!("{line}");
    } else {
        console::emergency_write_serial(line);
    }
}

fn fatal(report: &ExceptionReport) -> ! {
    if crate::smp::halted_by_other() {
        // Another CPU is already reporting a panic or fatal exception and stops this one.
        halt_forever();
    }
    // The other CPUs stop before anything is printed, so the report comes out in one block.
    crate::smp::halt_others();
    console::flush_before_report();
    if testing::expectation() != PanicExpectation::NotTesting {
        console::emergency_write(format_args!("[failed]\n"));
    }
    print_report(report);
    crate::debug::print_backtrace(Some(report.frame.rip), report.frame.regs.rbp);
    console::emergency_write(format_args!("kestrel: fatal exception (system halted)\n"));
    stop()
}

/// A fault while handling a fault. The first nesting level still formats one line; deeper
/// ones write a fixed string straight to the UART, as formatting or the screen may be what
/// keeps faulting.
fn nested_fault(frame: &InterruptFrame, depth: u32) -> ! {
    if depth == 1 {
        console::emergency_write(format_args!(
            "{}",
            NestedFaultReport {
                vector: frame.vector as u8,
                rip: frame.rip,
            }
        ));
        // Formatting symbols may be what faulted: raw addresses only.
        crate::debug::print_raw_backtrace(Some(frame.rip), frame.regs.rbp);
    } else {
        let mut serial = com1_unlocked();
        let _ = serial.write_str("\nkestrel: repeated nested faults (system halted)\n");
    }
    stop()
}

fn stop() -> ! {
    if testing::is_test_kernel() {
        exit_emulator(ExitCode::Failed);
    }
    halt_forever()
}
