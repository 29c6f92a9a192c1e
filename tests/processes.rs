//! Processes from the initramfs, driven from thread 0 with blocking waits: programs run and
//! exit with their status, user faults kill only the faulting process, bad pointers get EFAULT,
//! two CPU hogs are preempted, a bad ELF or a missing path is refused with an error, and 100
//! spawn/exit/wait cycles give back every frame they took; one event wakes all 40 threads that
//! wait for it.

#![no_std]
#![no_main]

extern crate alloc;

use alloc::vec::Vec;
use kestrel::boot::BootInfo;
use kestrel::memory::frames;
use kestrel::process::fault::{SIGFPE, SIGILL, SIGINT, SIGSEGV, SIGTRAP};
use kestrel::process::{self, KERNEL_PID, SpawnError};
use kestrel::vfs::FsError;
use kestrel::{sched, serial_println, time};

#[path = "support/user_programs.rs"]
mod user_programs;
use user_programs::run;

kestrel::entry_point!(main);

fn main(boot: &'static BootInfo) -> ! {
    kestrel::testing::exit_on_panic(env!("CARGO_CRATE_NAME"));
    user_programs::start(boot);
    kestrel::run_tests!(
        hello_runs_and_exits_zero,
        arguments_reach_the_program,
        crashes_kill_only_the_process,
        bad_pointers_get_efault,
        bad_programs_are_refused,
        spinners_are_preempted_and_killed,
        frames_return_after_100_spawns,
        fork_execve_and_pipes_return_every_frame,
        kernel_threads_are_preempted_too,
        one_event_wakes_every_waiter,
    );
}

fn argv(words: &[&str]) -> Vec<Vec<u8>> {
    words.iter().map(|w| w.as_bytes().to_vec()).collect()
}

fn hello_runs_and_exits_zero() {
    assert_eq!(run(&["/bin/hello"]), 0);
    assert_eq!(run(&["/bin/true"]), 0);
}

fn arguments_reach_the_program() {
    // crash without a known kind prints its usage and exits with 2.
    assert_eq!(run(&["/bin/crash", "no-such-kind"]), 2 << 8);
    assert_eq!(run(&["/bin/cat", "/etc/motd"]), 0);
}

fn crashes_kill_only_the_process() {
    for (kind, signal) in [
        ("pagefault", SIGSEGV),
        ("write-text", SIGSEGV),
        ("kernel-read", SIGSEGV),
        ("gp", SIGSEGV),
        ("ud", SIGILL),
        ("div", SIGFPE),
        ("breakpoint", SIGTRAP),
    ] {
        // Each of these signals' default action dumps core, but no core file is written, so
        // the wait status is the bare signal, as on Linux with a core limit of 0.
        assert_eq!(run(&["/bin/crash", kind]), signal, "crash {kind}");
    }
    // The kernel carries on: the next program runs normally.
    assert_eq!(run(&["/bin/hello"]), 0);
}

fn bad_pointers_get_efault() {
    assert_eq!(run(&["/bin/efault"]), 0, "efault reported failures");
}

fn bad_programs_are_refused() {
    assert!(matches!(
        process::spawn(b"/etc/motd", argv(&["/etc/motd"]), KERNEL_PID),
        Err(SpawnError::Elf(_))
    ));
    assert!(matches!(
        process::spawn(b"/bin/nothing", argv(&["/bin/nothing"]), KERNEL_PID),
        Err(SpawnError::Fs(FsError::NotFound))
    ));
    assert!(matches!(
        process::spawn(b"/bin", argv(&["/bin"]), KERNEL_PID),
        Err(SpawnError::NotAFile)
    ));
}

fn spinners_are_preempted_and_killed() {
    let a = process::spawn(b"/bin/spin", argv(&["/bin/spin"]), KERNEL_PID).unwrap();
    let b = process::spawn(b"/bin/spin", argv(&["/bin/spin"]), KERNEL_PID).unwrap();
    // Thread 0 sleeps 200 ms of ticks while both spin: it gets the CPU back, and so does
    // each spinner (both accumulate CPU time).
    let start = time::ticks();
    kestrel::arch::interrupts::without_interrupts(|| sched::sleep_ticks(200));
    let waited = time::ticks() - start;
    assert!(
        waited < 260,
        "thread 0 woke {waited} ticks after a 200-tick sleep"
    );
    let cpu = |pid| {
        sched::threads()
            .into_iter()
            .find(|t| t.pid == Some(pid))
            .map_or(0, |t| t.ticks)
    };
    let (cpu_a, cpu_b) = (cpu(a), cpu(b));
    serial_println!("spinners: {cpu_a} and {cpu_b} ticks in {waited}");
    assert!(cpu_a >= 40 && cpu_b >= 40, "{cpu_a} {cpu_b}");
    assert!(process::kill(a, SIGINT));
    assert!(process::kill(b, SIGINT));
    for pid in [a, b] {
        let reaped = kestrel::arch::interrupts::without_interrupts(|| {
            process::wait(KERNEL_PID, i64::from(pid), false)
        })
        .unwrap();
        assert_eq!(reaped.status, SIGINT);
    }
}

fn frames_return_after_100_spawns() {
    // One round first, so that lazily made kernel tables (stack slots, heap growth) exist.
    assert_eq!(run(&["/bin/true"]), 0);
    let before = frames::stats().free;
    for _ in 0..100 {
        assert_eq!(run(&["/bin/true"]), 0);
    }
    let after = frames::stats().free;
    serial_println!("frames free: {before} before, {after} after 100 spawn/exit cycles");
    assert_eq!(before, after);
}

fn fork_execve_and_pipes_return_every_frame() {
    // The bench program forks 110 children that exit, 110 that execve /bin/true, and one
    // that answers over two pipes; then it writes and reads a file on /tmp.
    assert_eq!(run(&["/bin/bench", "fork_exit_wait"]), 0);
    let before = frames::stats().free;
    // Parent and child never see each other's writes (copy-on-write).
    assert_eq!(run(&["/bin/cow"]), 0);
    assert_eq!(run(&["/bin/bench", "fork_exit_wait"]), 0);
    assert_eq!(run(&["/bin/bench", "fork_execve_wait"]), 0);
    assert_eq!(run(&["/bin/bench", "pipe_pingpong"]), 0);
    assert_eq!(run(&["/bin/bench", "tmpfs_read_8k"]), 0);
    let after = frames::stats().free;
    serial_println!("frames free: {before} before, {after} after fork and execve cycles");
    assert_eq!(before, after);
}

fn kernel_threads_are_preempted_too() {
    use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};
    static STOP: AtomicBool = AtomicBool::new(false);
    static SPINS: AtomicU64 = AtomicU64::new(0);
    let before = frames::stats().free;
    // A kernel thread that never yields: only the tick can take the CPU from it.
    let tid = sched::spawn_kernel("kspin", || {
        while !STOP.load(Ordering::SeqCst) {
            SPINS.fetch_add(1, Ordering::Relaxed);
        }
    })
    .unwrap();
    let start = time::ticks();
    kestrel::arch::interrupts::without_interrupts(|| sched::sleep_ticks(50));
    let waited = time::ticks() - start;
    assert!(
        waited < 80,
        "thread 0 woke {waited} ticks after a 50-tick sleep"
    );
    assert!(
        SPINS.load(Ordering::Relaxed) > 0,
        "the kernel thread never ran"
    );
    STOP.store(true, Ordering::SeqCst);
    // Let it finish; its stack is freed by the next thread to run after it.
    while sched::threads().iter().any(|t| t.tid == tid) {
        sched::yield_now();
        kestrel::arch::interrupts::enable_and_hlt();
    }
    assert_eq!(frames::stats().free, before);
}

/// `wake_all` gathers waiters 32 at a time without allocating; all 40 here must wake on one
/// event, or those left blocked would wait for another that may never come. The second round
/// must give back every frame (the first may grow the heap for the thread table).
fn one_event_wakes_every_waiter() {
    wake_40_waiters_at_once();
    let before = frames::stats().free;
    wake_40_waiters_at_once();
    assert_eq!(frames::stats().free, before);
}

fn wake_40_waiters_at_once() {
    use core::sync::atomic::{AtomicU64, Ordering};
    use kestrel::arch::interrupts::{enable_and_hlt, without_interrupts};
    use sched::{State, Wait};
    const WAITERS: u64 = 40;
    static WOKEN: AtomicU64 = AtomicU64::new(0);
    WOKEN.store(0, Ordering::SeqCst);
    for _ in 0..WAITERS {
        sched::spawn_kernel("waiter", || {
            without_interrupts(|| sched::block(Wait::Pipe));
            WOKEN.fetch_add(1, Ordering::SeqCst);
        })
        .unwrap();
    }
    let blocked = || {
        sched::threads()
            .iter()
            .filter(|t| t.name == "waiter" && t.state == State::Blocked(Wait::Pipe))
            .count() as u64
    };
    let deadline = time::clock_ticks() + 1000;
    while blocked() < WAITERS && time::clock_ticks() < deadline {
        sched::yield_now();
    }
    assert_eq!(blocked(), WAITERS, "the waiters did not all block");
    without_interrupts(|| sched::wake_all(Wait::Pipe));
    let deadline = time::clock_ticks() + 1000;
    while sched::threads().iter().any(|t| t.name == "waiter") && time::clock_ticks() < deadline {
        sched::yield_now();
        enable_and_hlt();
    }
    assert_eq!(
        WOKEN.load(Ordering::SeqCst),
        WAITERS,
        "waiters left blocked"
    );
    // The last one's stack is freed by the next switch.
    sched::yield_now();
}
