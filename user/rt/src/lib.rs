//! The runtime every Kestrel user program links: the `_start` entry point, the program's
//! arguments and environment, Linux x86_64 system calls, printing and a panic handler.
//!
//! Programs use the Linux system-call numbers and semantics, so each binary runs unchanged on
//! Kestrel and on Linux. A program names its main function with [`entry!`].

#![no_std]

pub mod args;
pub mod errno;
pub mod io;
pub mod sys;
mod syscall;
pub mod time;

pub use args::Args;
pub use errno::Errno;

/// Defines the program's entry: `$main(Args) -> i32`, whose result is the exit status.
#[macro_export]
macro_rules! entry {
    ($main:path) => {
        #[unsafe(no_mangle)]
        extern "C" fn __kestrel_user_main(args: $crate::Args) -> i32 {
            let main: fn($crate::Args) -> i32 = $main;
            main(args)
        }
    };
}

unsafe extern "C" {
    fn __kestrel_user_main(args: Args) -> i32;
}

// System V AMD64 ABI §3.4.1: at the entry point RSP points at argc, followed by the argv
// pointers, a null, the envp pointers, a null and the auxiliary vector. RBP is cleared so that
// a frame-pointer walk ends here; the stack is 16-byte aligned before the call, as the ABI wants
// at every call.
core::arch::global_asm!(
    ".globl _start",
    ".type _start, @function",
    "_start:",
    "xor ebp, ebp",
    "mov rdi, rsp",
    "and rsp, -16",
    "call {start}",
    "ud2",
    start = sym start,
);

/// Reads the initial stack, runs the program and exits with its status.
///
/// # Safety
/// Only `_start` calls this, with the stack pointer the kernel started the program with.
unsafe extern "C" fn start(stack: *const usize) -> ! {
    // SAFETY: the kernel (or Linux) laid out argc, argv and envp at `stack` (ABI §3.4.1).
    let args = unsafe { Args::from_initial_stack(stack) };
    // SAFETY: the program defines this through `entry!`.
    let status = unsafe { __kestrel_user_main(args) };
    sys::exit_group(status)
}

#[panic_handler]
fn panic(info: &core::panic::PanicInfo) -> ! {
    eprintln!("panic: {}", info);
    sys::exit_group(101)
}
