//! A malformed initramfs archive gets a logged error, and the kernel shell still starts.

#![no_std]
#![no_main]

#[path = "support/user_shell_kernel.rs"]
mod user_shell_kernel;
