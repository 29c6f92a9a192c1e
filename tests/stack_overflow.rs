//! A kernel stack overflow runs into the guard page and ends in a double fault handled on the
//! double-fault stack (IST), with a report that says "kernel stack overflow", instead of a
//! triple fault and a reset.

#![no_std]
#![no_main]

use core::hint::black_box;
use kestrel::arch::stacks;
use kestrel::boot::BootInfo;
use kestrel::trap::{self, ExceptionReport, FaultAction};
use x86_64::VirtAddr;

kestrel::entry_point!(main);

fn main(_boot: &'static BootInfo) -> ! {
    kestrel::run_tests!(
        guard_page_is_unmapped,
        overflow_is_caught_on_the_double_fault_stack
    );
}

fn expect_guard_page_fault(report: &ExceptionReport) -> FaultAction {
    let guard = stacks::kernel_stack().guard.as_u64();
    assert_eq!(report.vector, 14, "expected a page fault, got {report}");
    assert_eq!(report.cr2, guard);
    // Any touch of a guard page is taken for an overflow of that stack.
    assert_eq!(report.overflowed_stack, Some("kernel_stack"));
    FaultAction::ResumeAt(report.frame.regs.rdx)
}

/// The overflow test below only means something if the guard page really faults.
fn guard_page_is_unmapped() {
    trap::set_test_fault_hook(Some(expect_guard_page_fault));
    let guard = stacks::kernel_stack().guard.as_u64();
    // SAFETY: reading the guard page faults; the hook resumes at label 3.
    unsafe {
        core::arch::asm!("lea rdx, [rip + 3f]", "mov rax, [{0}]", "3:",
                         in(reg) guard, out("rdx") _, out("rax") _)
    };
    trap::set_test_fault_hook(None);
}

fn expect_stack_overflow(report: &ExceptionReport) -> FaultAction {
    let kernel_stack = stacks::kernel_stack();
    let handler_stack = stacks::double_fault_stack();
    let here = VirtAddr::from_ptr(&raw const *report);
    assert_eq!(report.vector, 8, "expected a double fault, got {report}");
    assert_eq!(report.frame.error_code, 0, "#DF always pushes 0");
    assert_eq!(report.overflowed_stack, Some("kernel_stack"));
    assert!(
        kernel_stack.guard_contains(VirtAddr::new(report.cr2)),
        "CR2 {:#x} is not in the kernel stack's guard page",
        report.cr2
    );
    assert!(
        here >= handler_stack.bottom && here < handler_stack.top,
        "the handler runs at {here:?}, not on the double-fault stack"
    );
    trap::print_report(report);
    // The overflowed stack cannot be returned to: the test ends here.
    kestrel::testing::pass_and_exit()
}

fn overflow_is_caught_on_the_double_fault_stack() {
    trap::set_test_fault_hook(Some(expect_stack_overflow));
    black_box(recurse(0));
    panic!("recursed without end and returned");
}

/// Eats 512 bytes of stack per level until the guard page stops it.
#[inline(never)]
fn recurse(depth: u64) -> u64 {
    let frame = black_box([depth; 64]);
    if depth == u64::MAX {
        return 0;
    }
    recurse(depth + 1) + black_box(frame[7])
}
