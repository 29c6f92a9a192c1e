//! `init=` naming a program that does not exist: a clear message, then the kernel shell
//! (tests/qemu/init_missing.conf).

#![no_std]
#![no_main]

#[path = "support/user_shell_kernel.rs"]
mod user_shell_kernel;
