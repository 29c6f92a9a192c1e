//! The shell's fault commands: `breakpoint` counts the breakpoints so far, and `pagefault` ends
//! in a fault report with a symbolized backtrace (tests/qemu/shell_faults.conf).

#![no_std]
#![no_main]

#[path = "support/shell_kernel.rs"]
mod shell_kernel;
