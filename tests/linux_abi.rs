//! The Linux ABI's system-level parts, driven by static musl C programs from user/c/: the
//! device files, getrandom, uname and sysinfo (c-devices); /proc and readlink (c-proc); shared open file descriptions (c-fdshare); every implemented call with hostile arguments
//! (c-robust), after which free frames and heap use are back at their starting figures. Their exit statuses are checked
//! here, their output lines by tests/qemu/linux_abi.conf; memory must return to its starting
//! figures afterwards.

#![no_std]
#![no_main]

extern crate alloc;

use kestrel::boot::BootInfo;
use kestrel::memory::frames;
use kestrel::{random, serial_println};

#[path = "support/user_programs.rs"]
mod user_programs;
use user_programs::run;

kestrel::entry_point!(main);

fn main(boot: &'static BootInfo) -> ! {
    kestrel::testing::exit_on_panic(env!("CARGO_CRATE_NAME"));
    user_programs::start(boot);
    kestrel::run_tests!(
        random_source_gives_distinct_bytes,
        device_files_getrandom_uname_sysinfo,
        proc_shows_processes,
        duplicates_share_one_open_file_description,
        hostile_arguments_get_errnos_and_leak_nothing,
    );
}

fn random_source_gives_distinct_bytes() {
    serial_println!(
        "random: rdrand={} rdseed={} source: {}",
        kestrel::arch::rng::has_rdrand(),
        kestrel::arch::rng::has_rdseed(),
        random::source().name()
    );
    let (mut a, mut b) = ([0u8; 64], [0u8; 64]);
    random::fill(&mut a);
    random::fill(&mut b);
    assert_ne!(a, b);
    assert!(a.iter().any(|&x| x != 0));
    // The path of CPUs without RDRAND: two generators seeded from TSC jitter differ.
    let (mut g1, mut g2) = (random::fallback_generator(), random::fallback_generator());
    g1.fill(&mut a);
    g2.fill(&mut b);
    assert_ne!(a, b, "two fallback seeds gave the same stream");
    if kestrel::arch::rng::has_rdrand() {
        assert!(kestrel::arch::rng::rdrand64().is_some());
    }
    if kestrel::arch::rng::has_rdseed() {
        assert!(kestrel::arch::rng::rdseed64().is_some());
    }
}

fn device_files_getrandom_uname_sysinfo() {
    let before = frames::stats().free;
    assert_eq!(run(&["/bin/c-devices"]), 0);
    assert_eq!(run(&["/bin/c-devices"]), 0);
    let after = frames::stats().free;
    serial_println!("frames free: {before} before, {after} after c-devices");
}

fn proc_shows_processes() {
    assert_eq!(run(&["/bin/c-proc", "arg1"]), 0);
}

fn duplicates_share_one_open_file_description() {
    assert_eq!(run(&["/bin/c-fdshare"]), 0);
}

fn hostile_arguments_get_errnos_and_leak_nothing() {
    // One run first, so that what is made once (logged-ENOSYS bits, heap growth, kernel
    // tables for stacks) exists before the figures are taken.
    assert_eq!(run(&["/bin/c-robust"]), 0, "c-robust reported failures");
    let frames_before = frames::stats().free;
    let heap_before = kestrel::memory::heap::stats().in_use;
    for _ in 0..3 {
        assert_eq!(run(&["/bin/c-robust"]), 0, "c-robust reported failures");
    }
    let frames_after = frames::stats().free;
    let heap_after = kestrel::memory::heap::stats().in_use;
    serial_println!(
        "robust: frames free {frames_before} before, {frames_after} after; heap in use {heap_before} before, {heap_after} after"
    );
    assert_eq!(frames_before, frames_after, "frames leaked");
    assert_eq!(heap_before, heap_after, "heap leaked");
}
