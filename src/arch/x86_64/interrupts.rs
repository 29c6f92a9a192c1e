//! Interrupt control (RFLAGS.IF: enable, disable, `sti; hlt`) and the hooks drivers and tests
//! attach to the interrupt dispatcher ([`super::dispatch`]): the handler of each IRQ line and a
//! test kernel's fault hook.

pub use super::dispatch::{breakpoint_count, spurious_irq_count};
pub use super::exception::ExceptionReport;

use super::pic;
use crate::hook::Hook;
use x86_64::instructions::interrupts as x86;

/// Whether maskable interrupts are enabled (RFLAGS.IF).
pub fn are_enabled() -> bool {
    x86::are_enabled()
}

pub fn enable() {
    x86::enable();
}

pub fn disable() {
    x86::disable();
}

/// Runs `f` with interrupts disabled, restoring the previous state afterwards.
pub fn without_interrupts<R>(f: impl FnOnce() -> R) -> R {
    x86::without_interrupts(f)
}

/// `sti; hlt`: enables interrupts and halts until the next one, with no window in between in
/// which an interrupt could arrive and be slept through (STI takes effect after the next
/// instruction).
pub fn enable_and_hlt() {
    x86::enable_and_hlt();
}

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
pub type FrameHook = fn(&mut super::interrupt_frame::InterruptFrame);

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

/// Handlers for IRQ 0–15.
static IRQ_HANDLERS: [Hook<fn()>; pic::IRQ_COUNT as usize] =
    [const { Hook::new() }; pic::IRQ_COUNT as usize];

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
