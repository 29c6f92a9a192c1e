//! An unmodified Rust std program (user/std-demo, built for x86_64-unknown-linux-musl) runs on
//! Kestrel: arguments and environment, std::fs on the initramfs and /tmp, std::time, threads
//! (clone with CLONE_THREAD, futexes, an Arc<Mutex> counter, mpsc channels, a panicking
//! thread), and a clean panic in main (exit status 101); user/c/vm.c checks the memory and
//! thread calls beneath, errno by errno; user/c/robust_futex.c robust mutexes whose owner
//! dies (a thread, a killed process) and hostile robust lists. The exit statuses, the frame count and the futex
//! table are checked here; the programs' lines by tests/qemu/std.conf.

#![no_std]
#![no_main]

extern crate alloc;

use kestrel::boot::BootInfo;
use kestrel::memory::frames;
use kestrel::process::{self};
use kestrel::serial_println;

#[path = "support/user_programs.rs"]
mod user_programs;
use user_programs::run;

kestrel::entry_point!(main);

fn main(boot: &'static BootInfo) -> ! {
    kestrel::testing::exit_on_panic(env!("CARGO_CRATE_NAME"));
    user_programs::start(boot);
    kestrel::run_tests!(
        std_demo_runs_every_part,
        std_demo_panics_with_status_101,
        c_vm_checks_memory_and_thread_semantics,
        c_robust_futex_hands_dead_owners_locks_on,
        std_demo_returns_every_frame,
    );
}

fn std_demo_runs_every_part() {
    assert_eq!(run(&["/bin/std-demo", "all", "first", "x=y"]), 0);
    assert_eq!(
        process::futex::waiter_count(),
        0,
        "futex waiters left behind"
    );
}

fn std_demo_panics_with_status_101() {
    // exit(101): wait status 101 << 8.
    assert_eq!(run(&["/bin/std-demo", "panic"]), 101 << 8);
}

fn c_vm_checks_memory_and_thread_semantics() {
    // The exit status is the number of failed checks.
    assert_eq!(run(&["/bin/c-vm"]), 0);
    assert_eq!(
        process::futex::waiter_count(),
        0,
        "futex waiters left behind"
    );
}

fn c_robust_futex_hands_dead_owners_locks_on() {
    // The exit status is the number of failed checks; every wait ends with EOWNERDEAD.
    assert_eq!(run(&["/bin/c-robust_futex"]), 0);
    assert_eq!(
        process::futex::waiter_count(),
        0,
        "futex waiters left behind"
    );
}

fn std_demo_returns_every_frame() {
    // A first run warms the kernel heap (thread stacks, tables), which keeps its frames.
    assert_eq!(run(&["/bin/std-demo", "threads"]), 0);
    run(&["/bin/c-vm"]);
    run(&["/bin/c-robust_futex"]);
    let before = frames::stats().free;
    let heap_before = kestrel::memory::heap::stats().in_use;
    for mode in ["all", "threads", "panic"] {
        run(&["/bin/std-demo", mode]);
    }
    run(&["/bin/c-vm"]);
    run(&["/bin/c-robust_futex"]);
    let after = frames::stats().free;
    let heap_after = kestrel::memory::heap::stats().in_use;
    serial_println!(
        "frames free: {before} before, {after} after std-demo, c-vm and c-robust_futex"
    );
    serial_println!("heap in use: {heap_before} before, {heap_after} after");
    assert_eq!(before, after);
    assert_eq!(heap_before, heap_after, "kernel heap leaked");
}
