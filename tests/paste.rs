//! A terminal paste: 400 command lines sent to the shell over serial at the pace of a
//! 115200-baud line (tests/qemu/paste.conf) must all run, each intact and none merged with
//! another, and nothing may be dropped.

#![no_std]
#![no_main]

#[path = "support/shell_kernel.rs"]
mod shell_kernel;
