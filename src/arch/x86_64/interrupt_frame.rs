//! The frame every interrupt stub in asm/interrupts.asm builds on the stack before it calls the
//! dispatcher. The field order here is the push order there (asm/registers.inc), reversed;
//! keep the two in step. The system-call frame (`syscall::SyscallFrame`) saves the same
//! registers with the same macro.

/// The general registers of the interrupted code, as the stub saved them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[repr(C)]
pub struct GeneralRegisters {
    pub r15: u64,
    pub r14: u64,
    pub r13: u64,
    pub r12: u64,
    pub r11: u64,
    pub r10: u64,
    pub r9: u64,
    pub r8: u64,
    pub rbp: u64,
    pub rdi: u64,
    pub rsi: u64,
    pub rdx: u64,
    pub rcx: u64,
    pub rbx: u64,
    pub rax: u64,
}

/// Everything the stub and the CPU saved. The dispatcher may change fields (for instance `rip`
/// to resume elsewhere); `iretq` restores what is here.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[repr(C)]
pub struct InterruptFrame {
    pub regs: GeneralRegisters,
    pub vector: u64,
    /// The CPU's error code for the exceptions that push one, else 0.
    pub error_code: u64,
    // The CPU's interrupt frame (Intel SDM vol. 3A §6.14.1, figure 6-9).
    pub rip: u64,
    pub cs: u64,
    pub rflags: u64,
    pub rsp: u64,
    pub ss: u64,
}

/// 15 registers, vector, error code and the CPU's 5 quadwords: an even number of quadwords,
/// which the stub relies on to keep the stack 16-byte aligned at the call.
const _: () = assert!(size_of::<InterruptFrame>() == 22 * 8);
