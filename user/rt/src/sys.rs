//! Typed wrappers over the Linux x86_64 system calls the user programs use
//! (numbers from arch/x86/entry/syscalls/syscall_64.tbl; semantics from the man pages).

use crate::errno::Errno;
use crate::syscall::syscall6;

pub const SYS_READ: usize = 0;
pub const SYS_WRITE: usize = 1;
pub const SYS_CLOSE: usize = 3;
pub const SYS_PREAD64: usize = 17;
pub const SYS_MMAP: usize = 9;
pub const SYS_MUNMAP: usize = 11;
pub const SYS_SCHED_YIELD: usize = 24;
pub const SYS_NANOSLEEP: usize = 35;
pub const SYS_GETPID: usize = 39;
pub const SYS_FORK: usize = 57;
pub const SYS_EXECVE: usize = 59;
pub const SYS_EXIT: usize = 60;
pub const SYS_WAIT4: usize = 61;
pub const SYS_GETDENTS64: usize = 217;
pub const SYS_CLOCK_GETTIME: usize = 228;
pub const SYS_EXIT_GROUP: usize = 231;
pub const SYS_OPENAT: usize = 257;
pub const SYS_PIPE2: usize = 293;
pub const SYS_REBOOT: usize = 169;

pub const AT_FDCWD: isize = -100;
pub const O_RDONLY: usize = 0;
pub const O_WRONLY: usize = 1;
pub const O_CREAT: usize = 0o100;
pub const O_TRUNC: usize = 0o1000;
pub const O_DIRECTORY: usize = 0o200000;
pub const O_CLOEXEC: usize = 0o2000000;

pub const PROT_READ: usize = 1;
pub const PROT_WRITE: usize = 2;
pub const MAP_PRIVATE: usize = 0x02;
pub const MAP_ANONYMOUS: usize = 0x20;

pub type Fd = i32;
pub const STDIN: Fd = 0;
pub const STDOUT: Fd = 1;
pub const STDERR: Fd = 2;

fn call(nr: usize, args: [usize; 6]) -> Result<usize, Errno> {
    // SAFETY: every wrapper below passes only pointers to memory it borrows for the call's
    // length (slices, or NUL-terminated strings it checked), so the kernel may read or write
    // them; none of them unmaps memory the program still uses (munmap is `unsafe`).
    Errno::from_result(unsafe { syscall6(nr, args) })
}

pub fn read(fd: Fd, buf: &mut [u8]) -> Result<usize, Errno> {
    call(
        SYS_READ,
        [fd as usize, buf.as_mut_ptr() as usize, buf.len(), 0, 0, 0],
    )
}

pub fn write(fd: Fd, buf: &[u8]) -> Result<usize, Errno> {
    call(
        SYS_WRITE,
        [fd as usize, buf.as_ptr() as usize, buf.len(), 0, 0, 0],
    )
}

/// Writes all of `buf`, retrying short writes.
pub fn write_all(fd: Fd, mut buf: &[u8]) -> Result<(), Errno> {
    while !buf.is_empty() {
        let written = write(fd, buf)?;
        if written == 0 {
            return Err(crate::errno::EAGAIN);
        }
        buf = &buf[written..];
    }
    Ok(())
}

/// Opens a path given as a NUL-terminated byte string (what argv holds).
pub fn open(path: &core::ffi::CStr, flags: usize, mode: usize) -> Result<Fd, Errno> {
    call(
        SYS_OPENAT,
        [AT_FDCWD as usize, path.as_ptr() as usize, flags, mode, 0, 0],
    )
    .map(|fd| fd as Fd)
}

/// Reads at `offset` without moving the file position.
pub fn pread(fd: Fd, buf: &mut [u8], offset: u64) -> Result<usize, Errno> {
    call(
        SYS_PREAD64,
        [
            fd as usize,
            buf.as_mut_ptr() as usize,
            buf.len(),
            offset as usize,
            0,
            0,
        ],
    )
}

pub fn close(fd: Fd) -> Result<(), Errno> {
    call(SYS_CLOSE, [fd as usize, 0, 0, 0, 0, 0]).map(drop)
}

/// Reads directory entries (`struct linux_dirent64`) into `buf`; 0 at the end.
pub fn getdents64(fd: Fd, buf: &mut [u8]) -> Result<usize, Errno> {
    call(
        SYS_GETDENTS64,
        [fd as usize, buf.as_mut_ptr() as usize, buf.len(), 0, 0, 0],
    )
}

pub fn getpid() -> u32 {
    call(SYS_GETPID, [0; 6]).unwrap_or(0) as u32
}

pub fn sched_yield() {
    let _ = call(SYS_SCHED_YIELD, [0; 6]);
}

/// Fresh zero-filled private memory, `len` bytes.
pub fn mmap_anonymous(len: usize) -> Result<*mut u8, Errno> {
    call(
        SYS_MMAP,
        [
            0,
            len,
            PROT_READ | PROT_WRITE,
            MAP_PRIVATE | MAP_ANONYMOUS,
            usize::MAX, // fd -1
            0,
        ],
    )
    .map(|addr| addr as *mut u8)
}

/// # Safety
/// Nothing may use the range afterwards.
pub unsafe fn munmap(addr: *mut u8, len: usize) -> Result<(), Errno> {
    // SAFETY: per the caller, nothing refers to the range any more.
    Errno::from_result(unsafe { syscall6(SYS_MUNMAP, [addr as usize, len, 0, 0, 0, 0]) }).map(drop)
}

/// `fork(2)`: 0 in the child, the child's pid in the parent.
pub fn fork() -> Result<u32, Errno> {
    call(SYS_FORK, [0; 6]).map(|pid| pid as u32)
}

/// `execve(2)` with NULL-terminated arrays of NUL-terminated strings. Returns only on failure.
pub fn execve(path: &core::ffi::CStr, argv: &[*const u8], envp: &[*const u8]) -> Errno {
    if argv.last() != Some(&core::ptr::null()) || envp.last() != Some(&core::ptr::null()) {
        return crate::errno::EINVAL;
    }
    match call(
        SYS_EXECVE,
        [
            path.as_ptr() as usize,
            argv.as_ptr() as usize,
            envp.as_ptr() as usize,
            0,
            0,
            0,
        ],
    ) {
        Ok(_) => crate::errno::EINVAL,
        Err(errno) => errno,
    }
}

/// Waits for a child; returns its pid and the raw wait status.
pub fn wait4(pid: i32) -> Result<(u32, i32), Errno> {
    let mut status: i32 = 0;
    call(
        SYS_WAIT4,
        [pid as usize, &mut status as *mut i32 as usize, 0, 0, 0, 0],
    )
    .map(|child| (child as u32, status))
}

/// `pipe2(2)`: the read end, then the write end.
pub fn pipe() -> Result<[Fd; 2], Errno> {
    let mut fds = [0i32; 2];
    call(SYS_PIPE2, [fds.as_mut_ptr() as usize, 0, 0, 0, 0, 0]).map(|_| fds)
}

#[repr(C)]
#[derive(Clone, Copy, Default)]
pub struct Timespec {
    pub sec: i64,
    pub nsec: i64,
}

pub const CLOCK_MONOTONIC: usize = 1;

pub fn clock_gettime(clock: usize) -> Result<Timespec, Errno> {
    let mut ts = Timespec::default();
    call(
        SYS_CLOCK_GETTIME,
        [clock, &mut ts as *mut Timespec as usize, 0, 0, 0, 0],
    )
    .map(|_| ts)
}

pub fn nanosleep(duration: Timespec) -> Result<(), Errno> {
    call(
        SYS_NANOSLEEP,
        [&duration as *const Timespec as usize, 0, 0, 0, 0, 0],
    )
    .map(drop)
}

/// `reboot(2)` with LINUX_REBOOT_CMD_POWER_OFF (needs the magic numbers; a PID 1 on Linux uses
/// it to end a benchmark boot).
pub fn power_off() -> Errno {
    const MAGIC1: usize = 0xfee1_dead;
    const MAGIC2: usize = 672_274_793;
    const CMD_POWER_OFF: usize = 0x4321_fedc;
    match call(SYS_REBOOT, [MAGIC1, MAGIC2, CMD_POWER_OFF, 0, 0, 0]) {
        Ok(_) => crate::errno::EINVAL,
        Err(errno) => errno,
    }
}

pub fn exit(status: i32) -> ! {
    let _ = call(SYS_EXIT, [status as usize, 0, 0, 0, 0, 0]);
    unreachable_exit()
}

pub fn exit_group(status: i32) -> ! {
    let _ = call(SYS_EXIT_GROUP, [status as usize, 0, 0, 0, 0, 0]);
    // A kernel without exit_group still has exit.
    exit(status)
}

fn unreachable_exit() -> ! {
    // exit cannot return; should a broken kernel let it, fault rather than run on.
    loop {
        // SAFETY: ud2 only raises #UD, which ends the process.
        unsafe { core::arch::asm!("ud2", options(nomem, nostack)) };
    }
}
