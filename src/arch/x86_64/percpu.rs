//! The per-CPU block that GS points at while the CPU runs kernel code: `syscall_entry`
//! (asm/threads.asm) finds the running thread's kernel stack there, before it has any stack of
//! its own to work on. In user mode the block's address waits in IA32_KERNEL_GS_BASE, and
//! `swapgs` on every ring change swaps it in and out (Intel SDM vol. 2B, SWAPGS).
//!
//! Kestrel runs on one CPU so far: there is one block. With SMP each CPU gets its own and the
//! same offsets keep working.

use core::sync::atomic::{AtomicU64, Ordering};
use x86_64::VirtAddr;
use x86_64::registers::model_specific::{GsBase, KernelGsBase};

/// Field offsets are fixed by asm/threads.asm (`PERCPU_KERNEL_RSP`, `PERCPU_USER_RSP`).
#[repr(C)]
pub struct PerCpu {
    /// The top of the running thread's kernel stack: where `syscall_entry` switches to.
    kernel_rsp: AtomicU64,
    /// Scratch: the user RSP while `syscall_entry` saves it on the kernel stack.
    user_rsp: AtomicU64,
}

static BOOT_CPU: PerCpu = PerCpu {
    kernel_rsp: AtomicU64::new(0),
    user_rsp: AtomicU64::new(0),
};

const _: () = assert!(core::mem::offset_of!(PerCpu, kernel_rsp) == 0);
const _: () = assert!(core::mem::offset_of!(PerCpu, user_rsp) == 8);

/// Points GS at the boot CPU's block (kernel mode) and clears the user GS base.
pub fn init() {
    GsBase::write(VirtAddr::from_ptr(&BOOT_CPU));
    KernelGsBase::write(VirtAddr::zero());
}

/// Records the running thread's kernel stack top for `syscall_entry` and the TSS (interrupts
/// from ring 3). Call with interrupts off, on every switch to a thread.
pub fn set_kernel_stack(top: u64) {
    BOOT_CPU.kernel_rsp.store(top, Ordering::Relaxed);
    super::gdt::set_ring0_stack(top);
}
