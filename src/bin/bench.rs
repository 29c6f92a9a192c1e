//! The benchmark kernel `make bench` boots: runs kestrel::bench and powers off.

#![no_std]
#![no_main]

use kestrel::boot::BootInfo;
use kestrel::power::{ExitCode, exit_emulator};

kestrel::entry_point!(main);

fn main(boot: &'static BootInfo) -> ! {
    kestrel::bench::run_all();
    // Interrupts only now, so that no tick lands in the heap and frame workloads.
    kestrel::devices::start(boot);
    kestrel::platform::interrupt_bench::run();
    exit_emulator(ExitCode::Success)
}
