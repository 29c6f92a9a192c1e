//! Interval timers and orphans through static musl programs from user/c/: c-timers (alarm,
//! setitimer, getitimer: signals that end blocking calls, periodic rates, CPU-time timers,
//! fork and execve, errnos) and c-orphans (a dead child's children re-parented: to the kernel,
//! which reaps them, and to the init process, which gets their SIGCHLD and reaps them). Exit
//! statuses are checked here, output lines by tests/qemu/timers_orphans.conf; afterwards no
//! process, timer, frame or heap byte may be left over.

#![no_std]
#![no_main]

extern crate alloc;

use alloc::vec::Vec;
use kestrel::boot::BootInfo;
use kestrel::memory::frames;
use kestrel::process::{self, KERNEL_PID, itimer, orphans, tty};
use kestrel::serial_println;

#[path = "support/user_programs.rs"]
mod user_programs;
use user_programs::run;

kestrel::entry_point!(main);

fn main(boot: &'static BootInfo) -> ! {
    kestrel::testing::exit_on_panic(env!("CARGO_CRATE_NAME"));
    user_programs::start(boot);
    kestrel::run_tests!(
        c_timers_passes_every_check,
        orphans_of_a_plain_process_are_reaped_by_the_kernel,
        orphans_go_to_the_init_process,
        timers_and_orphans_leave_nothing_behind,
    );
}

fn c_timers_passes_every_check() {
    assert_eq!(run(&["/bin/c-timers"]), 0, "c-timers reported failures");
    assert_eq!(
        itimer::armed_real_timers(),
        0,
        "a timer outlived its process"
    );
}

fn orphans_of_a_plain_process_are_reaped_by_the_kernel() {
    let before = process::list().len();
    assert_eq!(run(&["/bin/c-orphans"]), 0, "c-orphans reported failures");
    // The zombie and the grandchild were nobody's children: the kernel reaped both.
    assert_eq!(
        process::list().len(),
        before,
        "an orphan was left in the table"
    );
}

/// Runs `words` as the init process (the one `init=` names), which adopts orphans.
fn run_as_init(words: &[&str]) -> i32 {
    let argv: Vec<Vec<u8>> = words.iter().map(|w| w.as_bytes().to_vec()).collect();
    serial_println!();
    // Named init before its first instruction runs.
    let pid = kestrel::arch::interrupts::without_interrupts(|| {
        let pid = process::spawn_on_console(words[0].as_bytes(), argv, None, KERNEL_PID)
            .unwrap_or_else(|e| panic!("spawn {}: {e}", words[0]));
        orphans::set_init(Some(pid));
        pid
    });
    let reaped = kestrel::arch::interrupts::without_interrupts(|| {
        process::wait(KERNEL_PID, i64::from(pid), false)
    })
    .expect("wait for the init process");
    orphans::set_init(None);
    tty::set_foreground(None);
    reaped.status
}

fn orphans_go_to_the_init_process() {
    let before = process::list().len();
    assert_eq!(run_as_init(&["/bin/c-orphans", "reaper"]), 0);
    assert_eq!(process::list().len(), before);
    // An init that ignores SIGCHLD has its adopted zombie reaped at once.
    assert_eq!(run_as_init(&["/bin/c-orphans", "reaper-ignore"]), 0);
    assert_eq!(process::list().len(), before);
}

fn timers_and_orphans_leave_nothing_behind() {
    let frames_before = frames::stats().free;
    let heap_before = kestrel::memory::heap::stats().in_use;
    let processes_before = process::list().len();
    for _ in 0..2 {
        assert_eq!(run(&["/bin/c-timers"]), 0);
        assert_eq!(run(&["/bin/c-orphans"]), 0);
        assert_eq!(run_as_init(&["/bin/c-orphans", "reaper"]), 0);
        assert_eq!(run_as_init(&["/bin/c-orphans", "reaper-ignore"]), 0);
    }
    let frames_after = frames::stats().free;
    let heap_after = kestrel::memory::heap::stats().in_use;
    serial_println!(
        "timers and orphans: frames free {frames_before} before, {frames_after} after; heap in use {heap_before} before, {heap_after} after"
    );
    assert_eq!(
        process::list().len(),
        processes_before,
        "processes left over"
    );
    assert_eq!(itimer::armed_real_timers(), 0, "timers left over");
    assert_eq!(frames_before, frames_after, "frames leaked");
    assert_eq!(heap_before, heap_after, "heap leaked");
}
