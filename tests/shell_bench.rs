//! The shell's `bench` on a machine too small for its workloads declines in words and the
//! shell carries on (tests/qemu/shell_bench.conf); it used to exhaust the heap and panic.

#![no_std]
#![no_main]

#[path = "support/shell_kernel.rs"]
mod shell_kernel;
