//! The Kestrel kernel binary.

#![no_std]
#![no_main]

use kestrel::boot::BootInfo;
use kestrel::power::halt_forever;

kestrel::entry_point!(kernel_main);

fn kernel_main(_boot: &'static BootInfo) -> ! {
    log::info!("nothing left to do: halting");
    halt_forever()
}
