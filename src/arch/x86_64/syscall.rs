//! The `syscall` instruction's MSRs and the frame `syscall_entry` (asm/threads.asm) builds.
//!
//! - IA32_EFER.SCE enables `syscall`/`sysret`;
//! - IA32_STAR holds the selector bases (see [`super::gdt::Selectors`] for the order);
//! - IA32_LSTAR is the entry point;
//! - IA32_FMASK clears IF, DF, TF, AC and NT on entry, so the entry stub runs with interrupts
//!   off until it is on the kernel stack, and the kernel sees the flags the ABI promises.
//!
//! Registers follow Linux's x86_64 convention: number in RAX, arguments in RDI, RSI, RDX, R10,
//! R8, R9, result in RAX; RCX and R11 are clobbered (they carry RIP and RFLAGS).

use super::gdt;
use super::interrupt_frame::GeneralRegisters;
use x86_64::VirtAddr;
use x86_64::registers::model_specific::{Efer, EferFlags, LStar, SFMask, Star};
use x86_64::registers::rflags::RFlags;

unsafe extern "C" {
    fn syscall_entry();
    fn return_from_syscall(frame: *const SyscallFrame) -> !;
}

/// Leaves for ring 3 as a system call returning with `frame`'s registers would: how a forked
/// child starts.
///
/// # Safety
/// Interrupts must be off; `frame.regs.rcx` and `frame.user_rsp` must be mapped user addresses
/// of the current space, `frame.regs.r11` a user RFLAGS image, and this thread's kernel stack
/// the one the per-CPU block names. `frame` must lie on this thread's kernel stack.
pub unsafe fn return_to_user(frame: &SyscallFrame) -> ! {
    // SAFETY: forwarded from the caller.
    unsafe { return_from_syscall(frame) }
}

/// The user registers as `syscall_entry` saved them, lowest address first: the general
/// registers in the order every trap saves them (asm/registers.inc), where `rcx` holds the
/// user's RIP after the `syscall` instruction and `r11` the user's RFLAGS (SDM vol. 2B,
/// SYSCALL), then the user's stack pointer, pushed first.
#[derive(Debug, Clone, Copy, Default)]
#[repr(C)]
pub struct SyscallFrame {
    pub regs: GeneralRegisters,
    pub user_rsp: u64,
}

const _: () = assert!(size_of::<SyscallFrame>() == 16 * 8);

impl SyscallFrame {
    pub fn number(&self) -> u64 {
        self.regs.rax
    }

    /// The six arguments, in Linux's order.
    pub fn args(&self) -> [u64; 6] {
        let r = &self.regs;
        [r.rdi, r.rsi, r.rdx, r.r10, r.r8, r.r9]
    }
}

/// Enables `syscall` and points it at `syscall_entry`. Needs [`gdt::init`] and
/// [`super::percpu::init`].
pub fn init() {
    let selectors = gdt::selectors();
    Star::write(
        selectors.user_code,
        selectors.user_data,
        selectors.kernel_code,
        selectors.kernel_data,
    )
    .expect("the GDT's segment order is the one sysret needs");
    LStar::write(VirtAddr::new(syscall_entry as *const () as u64));
    SFMask::write(
        RFlags::INTERRUPT_FLAG
            | RFlags::DIRECTION_FLAG
            | RFlags::TRAP_FLAG
            | RFlags::ALIGNMENT_CHECK
            | RFlags::NESTED_TASK,
    );
    // SAFETY: setting SCE only makes `syscall`, whose entry point was just set, usable.
    unsafe { Efer::update(|flags| flags.insert(EferFlags::SYSTEM_CALL_EXTENSIONS)) };
}
