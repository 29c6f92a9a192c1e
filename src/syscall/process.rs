//! Process and time calls: identity, exit, wait, kill, yield, sleep, clocks, TLS.

use super::SysResult;
use super::errno::*;
use super::uaccess;
use crate::arch::user_mode;
use crate::process::layout::USER_END;
use crate::process::{self as proc, WaitError};
use crate::sched;
use crate::time;

fn current() -> Result<alloc::sync::Arc<proc::Process>, Errno> {
    sched::current_process().ok_or(EPERM)
}

pub fn getpid() -> SysResult {
    sched::with_current_process(|p| p.map(|p| u64::from(p.pid)).ok_or(EPERM))
}

pub fn getppid() -> SysResult {
    Ok(u64::from(current()?.parent))
}

pub fn exit(code: u64) -> SysResult {
    proc::exit_current(((code & 0xff) as i32) << 8)
}

const WNOHANG: u64 = 1;
/// Options wait4 accepts and needs no work for: WUNTRACED (2) and WCONTINUED (8) report
/// stopped and continued children, and no child is ever stopped yet; __WNOTHREAD, __WALL and
/// __WCLONE choose among threads, and every process has one.
const WAIT_ACCEPTED: u64 = 2 | 8 | 0x2000_0000 | 0x4000_0000 | 0x8000_0000;

pub fn wait4(pid: i64, status: u64, options: u64, _rusage: u64) -> SysResult {
    let process = current()?;
    if options & !(WNOHANG | WAIT_ACCEPTED) != 0 {
        return Err(EINVAL);
    }
    if status != 0 {
        uaccess::check_writable(status, 4)?;
    }
    // Process groups come with the Linux-ABI work: 0 and < -1 mean "any child" for now.
    let pid = if pid < -1 || pid == 0 { -1 } else { pid };
    match proc::wait(process.pid, pid, options & WNOHANG != 0) {
        Ok(reaped) => {
            if status != 0 {
                uaccess::write_i32(status, reaped.status)?;
            }
            Ok(u64::from(reaped.pid))
        }
        Err(WaitError::NoChild) => Err(ECHILD),
        Err(WaitError::WouldBlock) => Ok(0),
        Err(WaitError::Interrupted) => Err(EINTR),
    }
}

pub fn kill(pid: i64, signal: u64) -> SysResult {
    if signal > 64 {
        return Err(EINVAL);
    }
    let pid = u32::try_from(pid).map_err(|_| ESRCH)?;
    if signal == 0 {
        return proc::get(pid)
            .filter(|p| p.exit_status().is_none())
            .map(|_| 0)
            .ok_or(ESRCH);
    }
    if proc::kill(pid, signal as i32) {
        Ok(0)
    } else {
        Err(ESRCH)
    }
}

pub fn sched_yield() -> SysResult {
    sched::yield_now();
    Ok(0)
}

fn read_timespec(addr: u64) -> Result<u64, Errno> {
    let mut raw = [0u8; 16];
    uaccess::copy_from_user(&mut raw, addr)?;
    let secs = i64::from_le_bytes(raw[..8].try_into().expect("8 bytes"));
    let nanos = i64::from_le_bytes(raw[8..].try_into().expect("8 bytes"));
    if secs < 0 || !(0..1_000_000_000).contains(&nanos) {
        return Err(EINVAL);
    }
    Ok((secs as u64)
        .saturating_mul(1_000_000_000)
        .saturating_add(nanos as u64))
}

fn write_timespec(addr: u64, nanos: u64) -> Result<(), Errno> {
    let mut raw = [0u8; 16];
    raw[..8].copy_from_slice(&(nanos / 1_000_000_000).to_le_bytes());
    raw[8..].copy_from_slice(&(nanos % 1_000_000_000).to_le_bytes());
    uaccess::copy_to_user(addr, &raw)
}

pub fn nanosleep(request: u64, remaining: u64) -> SysResult {
    let nanos = read_timespec(request)?;
    let period = time::tick_period().as_nanos() as u64;
    sched::sleep_ticks(nanos.div_ceil(period));
    if current()?.kill_pending() {
        // Only an interrupted sleep writes the time left (none is tracked yet: 0), so a bad
        // `remaining` pointer is EFAULT only then, as on Linux.
        if remaining != 0 {
            write_timespec(remaining, 0)?;
        }
        return Err(EINTR);
    }
    Ok(0)
}

pub fn clock_gettime(clock: u64, tp: u64) -> SysResult {
    // CLOCK_REALTIME, MONOTONIC, PROCESS/THREAD_CPUTIME, MONOTONIC_RAW, *_COARSE, BOOTTIME.
    if clock > 7 {
        return Err(EINVAL);
    }
    write_timespec(tp, time::uptime().as_nanos() as u64)?;
    Ok(0)
}

const ARCH_SET_FS: u64 = 0x1002;
const ARCH_GET_FS: u64 = 0x1003;

pub fn arch_prctl(code: u64, addr: u64) -> SysResult {
    match code {
        ARCH_SET_FS => {
            if addr >= USER_END {
                return Err(EPERM);
            }
            user_mode::set_fs_base(addr);
            Ok(0)
        }
        ARCH_GET_FS => {
            uaccess::write_u64(addr, user_mode::fs_base())?;
            Ok(0)
        }
        _ => Err(EINVAL),
    }
}

pub fn fork(frame: &crate::arch::syscall::SyscallFrame) -> SysResult {
    proc::fork(frame).map(u64::from).map_err(|err| err.errno())
}

/// The most arguments plus environment strings `execve` takes, and their total size.
const MAX_STRINGS: usize = 4096;
const MAX_STRING_BYTES: u64 = 128 * 1024;

fn read_string_array(addr: u64) -> Result<alloc::vec::Vec<alloc::vec::Vec<u8>>, Errno> {
    let mut out = alloc::vec::Vec::new();
    if addr == 0 {
        return Ok(out);
    }
    for i in 0..MAX_STRINGS as u64 {
        let pointer = uaccess::read_u64(addr + i * 8)?;
        if pointer == 0 {
            return Ok(out);
        }
        out.push(uaccess::read_user_string(pointer, MAX_STRING_BYTES)?);
    }
    Err(E2BIG)
}

pub fn execve(path: u64, argv: u64, envp: u64) -> SysResult {
    let path = uaccess::read_user_string(path, 4096)?;
    let argv = read_string_array(argv)?;
    let envp = read_string_array(envp)?;
    Err(proc::execve::exec(path, argv, envp).errno())
}
