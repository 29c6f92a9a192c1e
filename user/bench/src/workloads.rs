//! The workloads. Each warms up first (the first calls fault in code and data), then times a
//! fixed number of operations; the counts are chosen so that a run takes seconds under TCG.

use core::ffi::CStr;
use rt::Errno;
use rt::sys::{self, Fd};
use rt::time::rdtsc;

fn timed(ops: u64, mut op: impl FnMut() -> Result<(), Errno>) -> Result<(u64, u64), Errno> {
    for _ in 0..ops.div_ceil(10) {
        op()?;
    }
    let start = rdtsc();
    for _ in 0..ops {
        op()?;
    }
    Ok((rdtsc() - start, ops))
}

/// The null system call round trip.
pub fn getpid() -> Result<(u64, u64), Errno> {
    timed(100_000, || {
        core::hint::black_box(sys::getpid());
        Ok(())
    })
}

/// First touch of fresh anonymous memory, per 4 KiB page.
pub fn page_fault() -> Result<(u64, u64), Errno> {
    const PAGES: usize = 1024;
    let len = PAGES * 4096;
    let base = sys::mmap_anonymous(len)?;
    let start = rdtsc();
    for page in 0..PAGES {
        // SAFETY: the mapping is `len` bytes long, readable and writable, and only this loop
        // uses it.
        unsafe { base.add(page * 4096).write_volatile(1) };
    }
    let cycles = rdtsc() - start;
    // SAFETY: nothing refers to the mapping any more.
    unsafe { sys::munmap(base, len)? };
    Ok((cycles, PAGES as u64))
}

/// Switching between two processes that only yield: cycles per yield, i.e. per switch.
pub fn yield_pingpong() -> Result<(u64, u64), Errno> {
    const ROUNDS: u64 = 10_000;
    let child = sys::fork()?;
    if child == 0 {
        for _ in 0..ROUNDS {
            sys::sched_yield();
        }
        sys::exit_group(0);
    }
    let start = rdtsc();
    for _ in 0..ROUNDS {
        sys::sched_yield();
    }
    let cycles = rdtsc() - start;
    sys::wait4(child as i32)?;
    Ok((cycles, ROUNDS * 2))
}

pub fn fork_exit_wait() -> Result<(u64, u64), Errno> {
    timed(100, || {
        let child = sys::fork()?;
        if child == 0 {
            sys::exit_group(0);
        }
        sys::wait4(child as i32).map(drop)
    })
}

const TRUE_PATH: &CStr = c"/bin/true";

/// Spawning a small static program: fork, execve of /bin/true, exit, wait.
pub fn fork_execve_wait() -> Result<(u64, u64), Errno> {
    timed(50, || {
        let child = sys::fork()?;
        if child == 0 {
            let argv = [TRUE_PATH.as_ptr().cast(), core::ptr::null()];
            let envp = [core::ptr::null()];
            let err = sys::execve(TRUE_PATH, &argv, &envp);
            sys::exit_group(100 + err.0);
        }
        let (_, status) = sys::wait4(child as i32)?;
        // A child that could not exec exits with 100 + errno (WEXITSTATUS in bits 8-15).
        match (status >> 8) & 0xff {
            0 => Ok(()),
            code => Err(Errno(code - 100)),
        }
    })
}

/// One byte there and back between two processes over two pipes.
pub fn pipe_pingpong() -> Result<(u64, u64), Errno> {
    const ROUNDS: u64 = 2_000;
    let [to_child_read, to_child_write] = sys::pipe()?;
    let [to_parent_read, to_parent_write] = sys::pipe()?;
    let child = sys::fork()?;
    if child == 0 {
        let mut byte = [0u8];
        for _ in 0..ROUNDS + ROUNDS / 10 {
            if sys::read(to_child_read, &mut byte) != Ok(1) {
                break;
            }
            let _ = sys::write(to_parent_write, &byte);
        }
        sys::exit_group(0);
    }
    let round = || -> Result<(), Errno> {
        let mut byte = [7u8];
        sys::write(to_child_write, &byte)?;
        match sys::read(to_parent_read, &mut byte)? {
            1 => Ok(()),
            _ => Err(rt::errno::EINVAL),
        }
    };
    let result = timed(ROUNDS, round);
    for fd in [
        to_child_read,
        to_child_write,
        to_parent_read,
        to_parent_write,
    ] {
        let _ = sys::close(fd);
    }
    sys::wait4(child as i32)?;
    result
}

/// An 8 KiB `pread` of a file in /tmp (RAM-backed on both kernels).
pub fn tmpfs_read_8k() -> Result<(u64, u64), Errno> {
    let path = c"/tmp/bench-8k";
    let fd: Fd = sys::open(path, sys::O_WRONLY | sys::O_CREAT | sys::O_TRUNC, 0o644)?;
    let block = [0x5au8; 8192];
    sys::write_all(fd, &block)?;
    sys::close(fd)?;
    let fd = sys::open(path, sys::O_RDONLY, 0)?;
    let mut buf = [0u8; 8192];
    let result = timed(2_000, || match sys::pread(fd, &mut buf, 0)? {
        8192 => Ok(()),
        _ => Err(rt::errno::EINVAL),
    });
    let _ = sys::close(fd);
    result
}
