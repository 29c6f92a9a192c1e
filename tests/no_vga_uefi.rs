//! No display adapter under UEFI, so no GOP and no framebuffer (tests/qemu/no_vga_uefi.conf):
//! the console is serial only.

#![no_std]
#![no_main]

#[path = "support/no_vga_kernel.rs"]
mod no_vga_kernel;
