//! No VGA card under BIOS (tests/qemu/no_vga.conf): the console is serial only.

#![no_std]
#![no_main]

#[path = "support/no_vga_kernel.rs"]
mod no_vga_kernel;
