//! The kernel the shell tests boot: the shell, the status line and a ticker task that sleeps
//! and prints all the time, on the real executor loop. What is typed into it, and what must
//! come out, is in each test's tests/qemu/<name>.conf.

use core::time::Duration;
use kestrel::boot::BootInfo;
use kestrel::task::runtime;
use kestrel::{devices, serial_println, shell};

kestrel::entry_point!(main);

fn main(boot: &'static BootInfo) -> ! {
    kestrel::testing::exit_on_panic(env!("CARGO_CRATE_NAME"));
    devices::start(boot);
    // With `-smp N` in the conf the other CPUs join the executor (one CPU otherwise).
    kestrel::smp::start(boot);
    let executor = runtime::new_executor(32);
    let spawner = executor.spawner();
    executor
        .spawn("shell", shell::run(spawner.clone(), || {}))
        .unwrap();
    executor
        .spawn("status", shell::status::run(spawner))
        .unwrap();
    executor.spawn("ticker", ticker()).unwrap();
    runtime::run(executor)
}

/// Sleeps and prints (to serial, between the shell's lines) all the time the runner types.
async fn ticker() {
    for round in 0.. {
        runtime::sleep(Duration::from_millis(7)).await;
        if round % 50 == 0 {
            serial_println!("ticker: round {round}");
        }
    }
}
