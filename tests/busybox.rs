//! Debian's static busybox (`busybox-static` 1.35) from the kernel shell: `/bin/sh -c` one-liners,
//! then ash as an interactive shell on the serial console, and `exit` back to the kernel shell
//! (tests/qemu/busybox.conf types the script and checks the output).

#![no_std]
#![no_main]

#[path = "support/user_shell_kernel.rs"]
mod user_shell_kernel;
