//! What the kernel does with each interrupt and exception: the dispatcher every entry stub
//! calls ([`dispatch`]), the handler of each IRQ line, and a test kernel's fault hook. The
//! machine side (IDT, stubs, frame, PIC, exception decoding) is `arch`'s; this is the policy,
//! and it depends on `arch`, never the other way round (xv6 calls it trap.c).

mod dispatch;

pub use crate::arch::exception::ExceptionReport;
pub use dispatch::{apic_error_count, breakpoint_count, spurious_irq_count, vector_count};

use crate::arch::irq_chip::LINE_COUNT;
use crate::hook::Hook;

/// What the dispatcher does after a test hook has looked at an exception.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultAction {
    /// What happens without a hook: a breakpoint logs and resumes, anything else is fatal.
    Default,
    /// Resume the interrupted code at this instruction address (the expected fault was seen).
    ResumeAt(u64),
}

pub type FaultHook = fn(&ExceptionReport) -> FaultAction;

crate::fn_pointer!(FaultHook);

static FAULT_HOOK: Hook<FaultHook> = Hook::new();

/// Lets a test kernel see every exception before the kernel acts on it, to check the decoded
/// fields of a fault it provoked. The hook runs in the exception handler with interrupts off;
/// it may panic (failing the test) or end the run with `testing::pass_and_exit`.
pub fn set_test_fault_hook(hook: Option<FaultHook>) {
    FAULT_HOOK.set(hook);
}

pub(super) fn fault_hook() -> Option<FaultHook> {
    FAULT_HOOK.get()
}

/// What the scheduler attaches to the dispatcher: every exception raised in ring 3 goes to
/// the user-fault hook instead of the kernel's report (demand paging resolves it, or the
/// process dies), and after every IRQ's EOI the IRQ-exit hook may switch threads.
pub type FrameHook = fn(&mut crate::arch::interrupt_frame::InterruptFrame);

crate::fn_pointer!(FrameHook);

static USER_FAULT_HOOK: Hook<FrameHook> = Hook::new();
static IRQ_EXIT_HOOK: Hook<FrameHook> = Hook::new();

pub fn set_user_fault_hook(hook: Option<FrameHook>) {
    USER_FAULT_HOOK.set(hook);
}

pub fn set_irq_exit_hook(hook: Option<FrameHook>) {
    IRQ_EXIT_HOOK.set(hook);
}

pub(super) fn user_fault_hook() -> Option<FrameHook> {
    USER_FAULT_HOOK.get()
}

pub(super) fn irq_exit_hook() -> Option<FrameHook> {
    IRQ_EXIT_HOOK.get()
}

/// Handlers for IRQ lines 0–15 (ISA) and 16 (the local APIC timer); see `arch::irq_chip`.
static IRQ_HANDLERS: [Hook<fn()>; LINE_COUNT as usize] =
    [const { Hook::new() }; LINE_COUNT as usize];

/// Installs the handler for an IRQ line; the dispatcher sends the EOI after it returns. The
/// handler runs with interrupts off and must be short: read the device, queue, return.
pub fn set_irq_handler(irq: u8, handler: fn()) {
    IRQ_HANDLERS[usize::from(irq)].set(Some(handler));
}

pub(super) fn irq_handler(irq: u8) -> Option<fn()> {
    IRQ_HANDLERS[usize::from(irq)].get()
}

/// Prints the full report of an exception through the lock-free emergency writer.
pub fn print_report(report: &ExceptionReport) {
    crate::console::emergency_write(format_args!("\n{report}"));
}
