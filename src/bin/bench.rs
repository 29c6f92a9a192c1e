//! The benchmark kernel `make bench` boots: runs kestrel::bench and powers off.

#![no_std]
#![no_main]

use kestrel::boot::BootInfo;
use kestrel::power::{ExitCode, exit_emulator};

kestrel::entry_point!(main);

fn main(_boot: &'static BootInfo) -> ! {
    kestrel::bench::run_all();
    exit_emulator(ExitCode::Success)
}
