//! Moving a user thread's registers between the trap frames and a [`UserContext`], the form
//! signal delivery works on, and leaving for ring 3 with every register of a context (what
//! `rt_sigreturn` needs: `sysret` cannot restore RCX and R11).

use super::gdt;
use super::interrupt_frame::InterruptFrame;
use super::signal_frame::UserContext;
use super::syscall::SyscallFrame;

unsafe extern "C" {
    fn iret_to_user(frame: *const InterruptFrame) -> !;
}

/// The always-one RFLAGS bit 1 and IF: what every return to ring 3 must carry.
const RFLAGS_REQUIRED: u64 = 0x202;

/// At a system call, RCX holds the user RIP and R11 the user RFLAGS (SDM vol. 2B, SYSCALL);
/// `sysret` puts them back, so the program sees RCX and R11 as those values afterwards.
pub fn from_syscall(frame: &SyscallFrame) -> UserContext {
    UserContext {
        regs: frame.regs,
        rip: frame.regs.rcx,
        rsp: frame.user_rsp,
        rflags: frame.regs.r11,
    }
}

/// Makes `sysret` return to `context` (its RCX and R11 become RIP and RFLAGS).
pub fn to_syscall(context: &UserContext, frame: &mut SyscallFrame) {
    frame.regs = context.regs;
    frame.regs.rcx = context.rip;
    frame.regs.r11 = context.rflags | RFLAGS_REQUIRED;
    frame.user_rsp = context.rsp;
}

pub fn from_interrupt(frame: &InterruptFrame) -> UserContext {
    UserContext {
        regs: frame.regs,
        rip: frame.rip,
        rsp: frame.rsp,
        rflags: frame.rflags,
    }
}

/// Makes `iretq` return to `context` in ring 3.
pub fn to_interrupt(context: &UserContext, frame: &mut InterruptFrame) {
    let selectors = gdt::selectors();
    frame.regs = context.regs;
    frame.rip = context.rip;
    frame.rsp = context.rsp;
    frame.rflags = context.rflags | RFLAGS_REQUIRED;
    frame.cs = u64::from(selectors.user_code.0);
    frame.ss = u64::from(selectors.user_data.0);
}

/// The user code and stack selectors, as a signal frame records them.
pub fn user_selectors() -> (u16, u16) {
    let selectors = gdt::selectors();
    (selectors.user_code.0, selectors.user_data.0)
}

/// Leaves for ring 3 with every register of `context`, through `iretq`.
///
/// # Safety
/// Interrupts must be off; `context.rip` must be a canonical user address (below the kernel
/// half: `iretq` to a non-canonical RIP faults in ring 0); `context.rflags` must hold no
/// privileged bit the caller did not mean (IOPL, VM: see `signal_frame::parse`); this
/// thread's kernel stack must be the one the per-CPU block names.
pub unsafe fn return_to(context: &UserContext) -> ! {
    let mut frame = InterruptFrame::default();
    to_interrupt(context, &mut frame);
    // SAFETY: forwarded from the caller; the frame lies on this thread's kernel stack, which
    // the next entry from ring 3 starts afresh from its top.
    unsafe { iret_to_user(&frame) }
}
