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

mod clock;
mod descriptors;
pub mod errno;
mod files;
mod identity;
mod limits;
mod memory;
mod names;
mod paths;
mod poll;
mod process;
mod sessions;
mod signals;
mod statfs;
mod statx;
mod syslog;
mod system;
mod threads;
mod timers;
pub mod uaccess;

use crate::arch::syscall::SyscallFrame;
use crate::process::layout::USER_END;
use crate::sched;
use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use errno::{ENOSYS, Errno};

pub type SysResult = Result<u64, Errno>;

/// Numbers whose `ENOSYS` was logged already (0–511).
static LOGGED: [AtomicU64; 8] = [const { AtomicU64::new(0) }; 8];
/// Whether a number of 512 or more was logged already.
static BEYOND_LOGGED: AtomicBool = AtomicBool::new(false);

#[unsafe(no_mangle)]
extern "C" fn syscall_dispatch(frame: &mut SyscallFrame) {
    let number = frame.number();
    let [a0, a1, a2, a3, a4, a5] = frame.args();
    let result = match number {
        0 => files::read(fd(a0), a1, a2),
        1 => files::write(fd(a0), a1, a2),
        2 => files::openat(files::AT_FDCWD, a0, a1, a2),
        3 => files::close(fd(a0)),
        4 => files::stat(files::AT_FDCWD, a0, a1, true),
        5 => files::fstat(fd(a0), a1),
        6 => files::stat(files::AT_FDCWD, a0, a1, false),
        7 => poll::poll(a0, a1, a2),
        8 => files::lseek(fd(a0), a1 as i64, int(a2) as u64),
        9 => memory::mmap(a0, a1, a2, a3, a4, a5),
        10 => memory::mprotect(a0, a1, a2),
        11 => memory::munmap(a0, a1),
        12 => memory::brk(a0),
        13 => signals::rt_sigaction(a0, a1, a2, a3),
        14 => signals::rt_sigprocmask(a0, a1, a2, a3),
        15 => signals::rt_sigreturn(frame),
        16 => files::ioctl(fd(a0), a1 as u32 as u64, a2),
        17 => files::pread64(fd(a0), a1, a2, a3),
        19 => files::readv(fd(a0), a1, a2),
        20 => files::writev(fd(a0), a1, a2),
        34 => signals::pause(),
        21 => descriptors::access(a0, a1),
        22 => files::pipe2(a0, 0),
        24 => process::sched_yield(),
        25 => memory::mremap(a0, a1, a2, a3, a4),
        28 => memory::madvise(a0, a1, a2),
        32 => descriptors::dup(fd(a0)),
        33 => descriptors::dup2(fd(a0), fd(a1)),
        35 => clock::nanosleep(a0, a1),
        36 => timers::getitimer(int(a0), a1),
        37 => timers::alarm(a0 as u32),
        38 => timers::setitimer(int(a0), a1, a2),
        56 => threads::clone(frame, a0, a1, a2, a3, a4),
        83 => files::mkdirat(files::AT_FDCWD, a0, a1),
        84 => files::unlinkat(files::AT_FDCWD, a0, 0x200),
        87 => files::unlinkat(files::AT_FDCWD, a0, 0),
        39 => process::getpid(),
        40 => files::sendfile(fd(a0), fd(a1), a2, a3),
        72 => descriptors::fcntl(fd(a0), a1 as u32 as u64, a2),
        79 => descriptors::getcwd(a0, a1),
        80 => descriptors::chdir(a0),
        81 => descriptors::fchdir(fd(a0)),
        57 | 58 => process::fork(frame),
        59 => process::execve(a0, a1, a2),
        60 => threads::exit(a0),
        231 => process::exit(a0),
        61 => process::wait4(int(a0), a1, a2 as u32 as u64, a3),
        62 => signals::kill(int(a0), int(a1) as u64),
        109 => sessions::setpgid(int(a0), int(a1)),
        111 => sessions::getpgrp(),
        112 => sessions::setsid(),
        121 => sessions::getpgid(int(a0)),
        124 => sessions::getsid(int(a0)),
        127 => signals::rt_sigpending(a0, a1),
        130 => signals::rt_sigsuspend(a0, a1),
        200 => signals::tkill(int(a0), int(a1) as u64),
        234 => signals::tgkill(int(a0), int(a1), int(a2) as u64),
        247 => process::waitid(a0 as u32 as u64, a1 as u32 as u64, a2, a3 as u32 as u64, a4),
        74 | 75 => files::check_fd(fd(a0)), // fsync, fdatasync: RAM has nothing to flush
        76 => paths::truncate(a0, a1),
        77 => paths::ftruncate(fd(a0), a1),
        82 => paths::rename(a0, a1),
        86 => paths::link(a0, a1),
        88 => paths::symlink(a0, a1),
        89 => paths::readlink(a0, a1, a2),
        90 => paths::chmod(a0, a1),
        91 => paths::fchmod(fd(a0), a1),
        92 => paths::fchownat(files::AT_FDCWD, a0, a1, a2, 0),
        93 => paths::fchown(fd(a0), a1, a2),
        94 => paths::fchownat(files::AT_FDCWD, a0, a1, a2, 0x100),
        95 => paths::umask(a0),
        97 => limits::getrlimit(a0 as u32 as u64, a1),
        102 | 104 | 107 | 108 => Ok(0), // getuid, getgid, geteuid, getegid: root
        105 | 106 => identity::set_ids(&[a0]),
        113 | 114 => identity::set_ids(&[a0, a1]),
        115 => identity::getgroups(a0),
        116 => identity::setgroups(a0, a1),
        117 | 119 => identity::set_ids(&[a0, a1, a2]),
        118 | 120 => identity::getres(a0, a1, a2),
        122 | 123 => Ok(0), // setfsuid, setfsgid: the old id, always 0
        160 => limits::setrlimit(a0 as u32 as u64, a1),
        162 => Ok(0), // sync
        230 => clock::clock_nanosleep(int(a0) as u64, a1 as u32 as u64, a2, a3),
        260 => paths::fchownat(int(a0), a1, a2, a3, a4 as u32 as u64),
        264 => paths::renameat2(int(a0), a1, int(a2), a3, 0),
        265 => paths::linkat(int(a0), a1, int(a2), a3, a4 as u32 as u64),
        266 => paths::symlinkat(a0, int(a1), a2),
        267 => paths::readlinkat(int(a0), a1, a2, a3),
        268 => paths::fchmodat(int(a0), a1, a2),
        280 => paths::utimensat(int(a0), a1, a2, a3 as u32 as u64),
        302 => limits::prlimit64(a0, a1 as u32 as u64, a2, a3),
        332 => statx::statx(int(a0), a1, a2 as u32 as u64, a3 as u32 as u64, a4),
        137 => statfs::statfs(a0, a1),
        138 => statfs::fstatfs(fd(a0), a1),
        316 => paths::renameat2(int(a0), a1, int(a2), a3, a4 as u32 as u64),
        110 => process::getppid(),
        96 => clock::gettimeofday(a0, a1),
        157 => process::prctl(int(a0) as u64, a1),
        158 => process::arch_prctl(a0, a1),
        131 => signals::sigaltstack(a0, a1, frame.user_rsp),
        202 => threads::futex(a0, a1, a2, a3, a4, a5),
        203 => threads::sched_setaffinity(a0, a1, a2),
        204 => threads::sched_getaffinity(a0, a1, a2),
        201 => clock::time(a0),
        186 => threads::gettid(),
        217 => files::getdents64(fd(a0), a1, a2),
        218 => threads::set_tid_address(a0),
        273 => threads::set_robust_list(a0, a1),
        274 => threads::get_robust_list(a0, a1, a2),
        228 => clock::clock_gettime(a0, a1),
        229 => clock::clock_getres(a0, a1),
        257 => files::openat(int(a0), a1, a2 as u32 as u64, a3),
        258 => files::mkdirat(int(a0), a1, a2),
        263 => files::unlinkat(int(a0), a1, a2),
        269 => descriptors::faccessat(int(a0), a1, a2, 0),
        292 => descriptors::dup3(fd(a0), fd(a1), a2),
        262 => files::newfstatat(int(a0), a1, a2, a3),
        293 => files::pipe2(a0, a1),
        271 => poll::ppoll(a0, a1, a2, a3, a4),
        63 => system::uname(a0),
        99 => system::sysinfo(a0),
        103 => syslog::syslog(a0, a1, a2),
        169 => system::reboot(a0, a1, a2, a3),
        318 => system::getrandom(a0, a1, a2),
        439 => descriptors::faccessat(int(a0), a1, a2, a3),
        _ => Err(unknown(number)),
    };
    // `loglevel=trace` traces every call, as strace would (the way to see what a program
    // expects of the kernel).
    log::trace!(
        "pid {} syscall {number}({a0:#x}, {a1:#x}, {a2:#x}, {a3:#x}) = {result:?}",
        sched::current_process().map_or(0, |p| p.pid)
    );
    frame.regs.rax = match result {
        Ok(value) => value,
        Err(errno) => (-i64::from(errno)) as u64,
    };
    // Signals: a handler's frame, a restart of an interrupted call, or the end of the process
    // (also when another thread ended it or execs: `Process::must_leave`).
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

/// An `int` argument (a pid, a `dirfd`, a signal): C passes 32 bits and the upper half of the
/// register is undefined, so `-1` may arrive as `0xffff_ffff`.
fn int(arg: u64) -> i64 {
    i64::from(arg as i32)
}

/// An `unsigned int fd` argument (Linux ignores the upper half of the register).
fn fd(arg: u64) -> u64 {
    u64::from(arg as u32)
}

fn unknown(number: u64) -> Errno {
    let (word, bit) = ((number / 64) as usize, number % 64);
    // Numbers past the table share one bit, so that a flood of them logs once.
    let first = match LOGGED.get(word) {
        Some(logged) => logged.fetch_or(1 << bit, Ordering::Relaxed) & (1 << bit) == 0,
        None => !BEYOND_LOGGED.swap(true, Ordering::Relaxed),
    };
    if first {
        let pid = sched::current_process().map_or(0, |p| p.pid);
        let name = names::name(number).unwrap_or("unknown");
        log::warn!("syscall {number} ({name}) is not implemented (pid {pid}): ENOSYS");
        if number >= 512 {
            log::warn!("(further system calls numbered 512 or more are not logged)");
        }
    }
    ENOSYS
}
