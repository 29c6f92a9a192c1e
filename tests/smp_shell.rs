//! The shell on four CPUs (tests/qemu/smp_shell.conf): `cpus` lists every CPU online with its
//! ticks and polls, `parallel` runs its job on one CPU and on all and prints the speedup, and
//! the shell keeps working around them.

#![no_std]
#![no_main]

#[path = "support/shell_kernel.rs"]
mod shell_kernel;
