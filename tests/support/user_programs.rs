//! What the kernels under test that run user programs share: the start-up (devices, the
//! scheduler, the root file system) and running one program to its end.

use alloc::vec::Vec;
use kestrel::boot::BootInfo;
use kestrel::process::{self, KERNEL_PID, tty};
use kestrel::{devices, rootfs, sched, serial_println};

/// Brings up what a user program needs: devices and interrupts, threads, the initramfs.
pub fn start(boot: &'static BootInfo) {
    devices::start(boot);
    sched::init();
    rootfs::mount(boot);
}

/// Runs a program in the foreground (it owns the console from its first instruction) to its
/// end; returns its wait status.
pub fn run(words: &[&str]) -> i32 {
    let argv: Vec<Vec<u8>> = words.iter().map(|w| w.as_bytes().to_vec()).collect();
    // The program's output starts on a line of its own (the confs check whole lines).
    serial_println!();
    let pid = process::spawn_on_console(words[0].as_bytes(), argv, None, KERNEL_PID)
        .unwrap_or_else(|e| panic!("spawn {}: {e}", words[0]));
    let reaped = kestrel::arch::interrupts::without_interrupts(|| {
        process::wait(KERNEL_PID, i64::from(pid), false)
    })
    .expect("wait for the child");
    tty::set_foreground(None);
    assert_eq!(reaped.pid, pid);
    reaped.status
}
