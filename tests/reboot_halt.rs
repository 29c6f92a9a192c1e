//! reboot(LINUX_REBOOT_CMD_HALT) from a user program typed into the shell
//! (tests/qemu/reboot_halt.conf).

#![no_std]
#![no_main]

#[path = "support/user_shell_kernel.rs"]
mod user_shell_kernel;
