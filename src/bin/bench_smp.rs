//! The SMP benchmark kernel `make bench` boots with `-smp 2` and `-smp 4` under icount:
//! starts every CPU and prints `smp::bench`'s lines, then powers off.

#![no_std]
#![no_main]

use kestrel::boot::BootInfo;
use kestrel::power::{ExitCode, exit_emulator};

kestrel::entry_point!(main);

fn main(boot: &'static BootInfo) -> ! {
    kestrel::devices::start(boot);
    kestrel::sched::init();
    kestrel::smp::start(boot);
    kestrel::smp::bench::run();
    exit_emulator(ExitCode::Success)
}
