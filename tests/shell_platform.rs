//! The shell's platform commands on q35 (tests/qemu/shell_platform.conf): `acpi` lists the
//! tables, `interrupts` the controller and the vectors that fired, `cpus` the processors; then
//! `shutdown` powers QEMU off through ACPI S5 (no debug-exit device).

#![no_std]
#![no_main]

#[path = "support/shell_kernel.rs"]
mod shell_kernel;
