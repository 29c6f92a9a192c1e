//! The shell as a user meets it: the runner types commands through the QEMU monitor and the
//! serial port (tests/qemu/shell.conf) while a background task sleeps and prints on the timer,
//! and checks the output lines; `halt` ends the run.

#![no_std]
#![no_main]

#[path = "support/shell_kernel.rs"]
mod shell_kernel;
