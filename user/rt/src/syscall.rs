//! The `syscall` instruction with Linux's x86_64 register convention: the number in RAX,
//! arguments in RDI, RSI, RDX, R10, R8, R9; the result in RAX, `-errno` on failure; RCX and R11
//! are clobbered (they carry the return RIP and RFLAGS).

use core::arch::asm;

/// # Safety
/// The call must not break the program's memory safety: pointers it passes must be valid for
/// what the kernel does with them, and calls that unmap or remap memory must not pull memory
/// out from under live references.
pub unsafe fn syscall6(nr: usize, a: [usize; 6]) -> isize {
    let ret: isize;
    // SAFETY: per the caller; the asm follows the kernel's convention and clobbers only what
    // `syscall` clobbers.
    unsafe {
        asm!(
            "syscall",
            inlateout("rax") nr as isize => ret,
            in("rdi") a[0],
            in("rsi") a[1],
            in("rdx") a[2],
            in("r10") a[3],
            in("r8") a[4],
            in("r9") a[5],
            lateout("rcx") _,
            lateout("r11") _,
            options(nostack),
        );
    }
    ret
}
