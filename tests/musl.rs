//! Unmodified static musl C programs (user/c/, `musl-gcc -static`) run on Kestrel: stdio
//! hello world, file I/O on /tmp and the initramfs, fork/execve/waitpid, signals, process
//! groups and the terminal, job control (c-jobctl), and the name and attribute calls busybox needs (c-paths). Their exit statuses
//! are checked here; their output lines by tests/qemu/musl.conf.

#![no_std]
#![no_main]

extern crate alloc;

use kestrel::boot::BootInfo;
use kestrel::memory::frames;
use kestrel::serial_println;

#[path = "support/user_programs.rs"]
mod user_programs;
use user_programs::run;

kestrel::entry_point!(main);

fn main(boot: &'static BootInfo) -> ! {
    kestrel::testing::exit_on_panic(env!("CARGO_CRATE_NAME"));
    user_programs::start(boot);
    kestrel::run_tests!(
        c_hello_prints_and_exits_zero,
        c_fileio_round_trips_a_file,
        c_forkexec_runs_a_child,
        c_signals_passes_every_check,
        c_paths_gets_linux_answers,
        c_jobctl_passes_every_check,
        c_programs_return_every_frame,
    );
}

fn c_hello_prints_and_exits_zero() {
    assert_eq!(run(&["/bin/c-hello"]), 0);
}

fn c_fileio_round_trips_a_file() {
    assert_eq!(run(&["/bin/c-fileio"]), 0);
}

fn c_forkexec_runs_a_child() {
    assert_eq!(run(&["/bin/c-forkexec"]), 0);
}

/// Handlers, frames, masks, kill, SIGCHLD, SIGPIPE, default actions, groups, termios: the
/// program counts its failed checks in its exit status (musl.conf rejects "FAILED" lines).
fn c_signals_passes_every_check() {
    assert_eq!(run(&["/bin/c-signals"]), 0);
}

fn c_paths_gets_linux_answers() {
    assert_eq!(run(&["/bin/c-paths"]), 0);
}

/// Stopped and continued children, wait reports, SIGCHLD codes, terminal job control: the
/// program counts its failed checks in its exit status (musl.conf rejects "FAILED" lines).
fn c_jobctl_passes_every_check() {
    assert_eq!(run(&["/bin/c-jobctl"]), 0);
}

fn c_programs_return_every_frame() {
    let before = frames::stats().free;
    for program in [
        "/bin/c-hello",
        "/bin/c-fileio",
        "/bin/c-forkexec",
        "/bin/c-signals",
        "/bin/c-paths",
        "/bin/c-jobctl",
    ] {
        assert_eq!(run(&[program]), 0, "{program}");
    }
    let after = frames::stats().free;
    serial_println!("frames free: {before} before, {after} after the C programs");
    assert_eq!(before, after);
}
