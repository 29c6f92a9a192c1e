//! The kernel `make bench-user` boots under icount: runs the user benchmark program
//! (`/bin/bench` from the initramfs) and the thread figures of `/bin/std-demo bench`, times spawn + exit + wait of `/bin/true` and of `busybox true` from the kernel,
//! prints `bench user` lines and powers off. tools/bench-user.sh
//! puts the figures next to Linux's.

#![no_std]
#![no_main]

extern crate alloc;

use alloc::vec::Vec;
use kestrel::arch::{interrupts, tsc};
use kestrel::boot::BootInfo;
use kestrel::power::{ExitCode, exit_emulator};
use kestrel::process::{self, KERNEL_PID};
use kestrel::{devices, println, rootfs, sched};

kestrel::entry_point!(main);

fn spawn(words: &[&str]) -> u32 {
    let argv: Vec<Vec<u8>> = words.iter().map(|w| w.as_bytes().to_vec()).collect();
    process::spawn(words[0].as_bytes(), argv, KERNEL_PID)
        .unwrap_or_else(|err| panic!("bench-user: {}: {err}", words[0]))
}

fn wait(pid: u32) {
    interrupts::without_interrupts(|| process::wait(KERNEL_PID, i64::from(pid), false))
        .expect("wait for the benchmark program");
}

fn main(boot: &'static BootInfo) -> ! {
    devices::start(boot);
    sched::init();
    rootfs::mount(boot);
    // Every workload; those needing calls Kestrel lacks print `skipped=`.
    wait(spawn(&["/bin/bench"]));
    // Threads: spawn+join and a futex round trip, from the Rust std program.
    wait(spawn(&["/bin/std-demo", "bench"]));
    const SPAWNS: u64 = 100;
    for _ in 0..5 {
        wait(spawn(&["/bin/true"]));
    }
    let start = tsc::read();
    for _ in 0..SPAWNS {
        wait(spawn(&["/bin/true"]));
    }
    let cycles = tsc::read() - start;
    println!(
        "bench user workload=spawn_exit_wait cycles_per_op={}",
        cycles / SPAWNS
    );
    // Busybox (1.9 MiB) as ash runs it for every command: its pages come in on first touch.
    const BUSYBOX_SPAWNS: u64 = 10;
    let start = tsc::read();
    for _ in 0..BUSYBOX_SPAWNS {
        wait(spawn(&["/bin/busybox", "true"]));
    }
    let cycles = tsc::read() - start;
    println!(
        "bench user workload=spawn_busybox_true cycles_per_op={}",
        cycles / BUSYBOX_SPAWNS
    );
    println!("bench user done");
    exit_emulator(ExitCode::Success)
}
