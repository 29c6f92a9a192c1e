//! A program added through ROOTFS_EXTRA (laid over the initramfs at test time) runs from the shell.

#![no_std]
#![no_main]

#[path = "support/user_shell_kernel.rs"]
mod user_shell_kernel;
