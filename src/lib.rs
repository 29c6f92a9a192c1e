//! Kestrel: an x86_64 kernel booted by GRUB through Multiboot2.
//!
//! The crate is `no_std` on the bare-metal target; on the host it builds with `std` so the
//! pure-logic modules run as ordinary unit tests (`make unit-test`).

#![cfg_attr(not(test), no_std)]

extern crate alloc;

pub mod acpi;
pub mod arch;
pub mod bench;
pub mod boot;
pub mod console;
pub mod debug;
pub mod devices;
pub mod drivers;
pub mod hook;
pub mod input;
pub mod logger;
pub mod memory;
#[cfg(not(test))]
mod panic;
pub mod platform;
pub mod power;
pub mod process;
pub mod procfs;
pub mod random;
pub mod rootfs;
pub mod sched;
pub mod shell;
pub mod smp;
pub mod sync;
pub mod syscall;
pub mod task;
pub mod testing;
pub mod time;
pub mod trap;
pub mod vfs;
