//! The shell's `reboot` command resets the machine (tests/qemu/shell_reboot.conf).

#![no_std]
#![no_main]

#[path = "support/shell_kernel.rs"]
mod shell_kernel;
