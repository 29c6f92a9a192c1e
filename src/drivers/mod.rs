//! Device drivers: each knows one device's registers or memory and nothing of the console or
//! the shell above it.

pub mod display;
pub mod framebuffer;
pub mod ps2_keyboard;
pub mod serial;
pub mod vga_text;
