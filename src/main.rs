//! The Kestrel kernel binary: starts the devices, then echoes typed keys, halting in between.

#![no_std]
#![no_main]

use kestrel::boot::BootInfo;
use kestrel::input::{self, DecodedKey};
use kestrel::{devices, print, println};

kestrel::entry_point!(kernel_main);

fn kernel_main(boot: &'static BootInfo) -> ! {
    devices::start(boot);
    println!("kestrel: ready for input");
    loop {
        // Halts (interrupts on) until the keyboard or serial console delivers a key.
        match input::wait_for_key() {
            // Erase on a terminal as well as on screen: back, blank, back.
            DecodedKey::Unicode('\u{8}') => print!("\u{8} \u{8}"),
            DecodedKey::Unicode(c) => print!("{c}"),
            DecodedKey::RawKey(_) => {}
        }
    }
}
