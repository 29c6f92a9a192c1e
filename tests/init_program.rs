//! `init=/bin/c-init`: the program runs first, as PID 1, on the console with the init
//! environment; when it exits the kernel says how and the kernel shell takes over
//! (tests/qemu/init_program.conf).

#![no_std]
#![no_main]

#[path = "support/user_shell_kernel.rs"]
mod user_shell_kernel;
