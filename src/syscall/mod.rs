//! System calls with Linux's x86_64 numbers, registers and semantics (see
//! `arch/x86/entry/syscalls/syscall_64.tbl` and the man pages), so that the Linux-ABI work only
//! adds calls. `syscall_entry` (asm/threads.asm) saves the user registers in a
//! [`SyscallFrame`] on the thread's kernel stack and calls [`syscall_dispatch`], which runs the
//! call with interrupts off (SFMASK) and puts the result, or `-errno`, in RAX.
//!
//! An unknown number returns `-ENOSYS` and is logged once per number. Every user pointer goes
//! through [`uaccess`]. Before returning, a pending kill ends the process, and a user RIP that
//! `sysret` could not return to (non-canonical: it would fault in ring 0 on Intel CPUs) ends it
//! too.

mod descriptors;
pub mod errno;
mod files;
mod memory;
mod process;
mod sessions;
mod signals;
pub mod uaccess;

use crate::arch::syscall::SyscallFrame;
use crate::process::layout::USER_END;
use crate::sched;
use core::sync::atomic::{AtomicU64, Ordering};
use errno::{ENOSYS, Errno};

pub type SysResult = Result<u64, Errno>;

/// Numbers whose `ENOSYS` was logged already (0–511).
static LOGGED: [AtomicU64; 8] = [const { AtomicU64::new(0) }; 8];

#[unsafe(no_mangle)]
extern "C" fn syscall_dispatch(frame: &mut SyscallFrame) {
    let number = frame.number();
    let [a0, a1, a2, a3, a4, a5] = frame.args();
    let _ = (a4, a5);
    let result = match number {
        0 => files::read(a0, a1, a2),
        1 => files::write(a0, a1, a2),
        2 => files::openat(files::AT_FDCWD, a0, a1, a2),
        3 => files::close(a0),
        4 => files::stat(files::AT_FDCWD, a0, a1, true),
        5 => files::fstat(a0, a1),
        6 => files::stat(files::AT_FDCWD, a0, a1, false),
        8 => files::lseek(a0, a1 as i64, a2),
        9 => memory::mmap(a0, a1, a2, a3, a4),
        11 => memory::munmap(a0, a1),
        12 => memory::brk(a0),
        13 => signals::rt_sigaction(a0, a1, a2, a3),
        14 => signals::rt_sigprocmask(a0, a1, a2, a3),
        15 => signals::rt_sigreturn(frame),
        34 => signals::pause(),
        16 => files::ioctl(a0, a1, a2),
        17 => files::pread64(a0, a1, a2, a3),
        19 => files::readv(a0, a1, a2),
        20 => files::writev(a0, a1, a2),
        21 => descriptors::access(a0, a1),
        22 => files::pipe2(a0, 0),
        24 => process::sched_yield(),
        32 => descriptors::dup(a0),
        33 => descriptors::dup2(a0, a1),
        35 => process::nanosleep(a0, a1),
        83 => files::mkdirat(files::AT_FDCWD, a0, a1),
        84 => files::unlinkat(files::AT_FDCWD, a0, 0x200),
        87 => files::unlinkat(files::AT_FDCWD, a0, 0),
        39 => process::getpid(),
        72 => descriptors::fcntl(a0, a1, a2),
        79 => descriptors::getcwd(a0, a1),
        80 => descriptors::chdir(a0),
        57 | 58 => process::fork(frame),
        59 => process::execve(a0, a1, a2),
        60 | 231 => process::exit(a0),
        61 => process::wait4(a0 as i64, a1, a2, a3),
        62 => signals::kill(a0 as i64, a1),
        109 => sessions::setpgid(a0 as i64, a1 as i64),
        111 => sessions::getpgrp(),
        112 => sessions::setsid(),
        121 => sessions::getpgid(a0 as i64),
        124 => sessions::getsid(a0 as i64),
        127 => signals::rt_sigpending(a0, a1),
        130 => signals::rt_sigsuspend(a0, a1),
        131 => signals::sigaltstack(a0, a1, frame.user_rsp),
        200 => signals::tkill(a0 as i64, a1),
        234 => signals::tgkill(a0 as i64, a1 as i64, a2),
        102 | 104 | 107 | 108 => Ok(0), // getuid, getgid, geteuid, getegid: root
        110 => process::getppid(),
        158 => process::arch_prctl(a0, a1),
        186 => process::getpid(),
        217 => files::getdents64(a0, a1, a2),
        218 => process::getpid(),
        228 => process::clock_gettime(a0, a1),
        257 => files::openat(a0 as i64, a1, a2, a3),
        258 => files::mkdirat(a0 as i64, a1, a2),
        263 => files::unlinkat(a0 as i64, a1, a2),
        269 => descriptors::faccessat(a0 as i64, a1, a2, 0),
        292 => descriptors::dup3(a0, a1, a2),
        262 => files::newfstatat(a0 as i64, a1, a2, a3),
        293 => files::pipe2(a0, a1),
        439 => descriptors::faccessat(a0 as i64, a1, a2, a3),
        _ => Err(unknown(number)),
    };
    frame.regs.rax = match result {
        Ok(value) => value,
        Err(errno) => (-i64::from(errno)) as u64,
    };
    // Signals: a handler's frame, a restart of an interrupted call, or the end of the process.
    crate::process::signal::deliver::on_syscall_exit(frame, number);
    // `sysret` to a non-canonical RCX faults in ring 0 with the user's stack (Intel). Signal
    // delivery checks handler addresses, so this is a last guard.
    if frame.regs.rcx >= USER_END {
        log::error!(
            "return address {:#x} is not a user address; killed",
            frame.regs.rcx
        );
        crate::process::exit_current(crate::process::fault::SIGSEGV);
    }
}

fn unknown(number: u64) -> Errno {
    let (word, bit) = ((number / 64) as usize, number % 64);
    let first = match LOGGED.get(word) {
        Some(logged) => logged.fetch_or(1 << bit, Ordering::Relaxed) & (1 << bit) == 0,
        None => true,
    };
    if first {
        let pid = sched::current_process().map_or(0, |p| p.pid);
        log::warn!("syscall {number} is not implemented (pid {pid}): ENOSYS");
    }
    ENOSYS
}
