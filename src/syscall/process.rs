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

/// `struct rusage`: two timevals and 14 longs.
const RUSAGE_SIZE: usize = 144;

pub fn wait4(pid: i64, status: u64, options: u64, rusage: u64) -> SysResult {
    let process = current()?;
    if options & !(WNOHANG | WAIT_ACCEPTED) != 0 {
        return Err(EINVAL);
    }
    if status != 0 {
        uaccess::check_writable(status, 4)?;
    }
    if rusage != 0 {
        uaccess::check_writable(rusage, RUSAGE_SIZE as u64)?;
    }
    // Process groups come with the Linux-ABI work: 0 and < -1 mean "any child" for now.
    let pid = if pid < -1 || pid == 0 { -1 } else { pid };
    match proc::wait(process.pid, pid, options & WNOHANG != 0) {
        Ok(reaped) => {
            if status != 0 {
                uaccess::write_i32(status, reaped.status)?;
            }
            if rusage != 0 {
                // Known gap: no usage is accounted per child yet; every field reads 0.
                uaccess::copy_to_user(rusage, &[0; RUSAGE_SIZE])?;
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
    if remaining != 0 {
        uaccess::check_writable(remaining, 16)?;
    }
    let period = time::tick_period().as_nanos() as u64;
    sched::sleep_ticks(nanos.div_ceil(period));
    if current()?.kill_pending() {
        return Err(EINTR);
    }
    Ok(0)
}

/// `clock_nanosleep(clock, flags, request, remain)`: as nanosleep, or with `TIMER_ABSTIME`
/// until the clock reads `request` (every clock counts from boot, so they agree).
pub fn clock_nanosleep(clock: u64, flags: u64, request: u64, remaining: u64) -> SysResult {
    const TIMER_ABSTIME: u64 = 1;
    // CLOCK_REALTIME, MONOTONIC, BOOTTIME, REALTIME_ALARM, BOOTTIME_ALARM; the CPU-time
    // clocks cannot be slept on (Linux: EINVAL for the thread's, ENOTSUP for others).
    if !matches!(clock, 0 | 1 | 7 | 8 | 9) || flags & !TIMER_ABSTIME != 0 {
        return Err(EINVAL);
    }
    if flags & TIMER_ABSTIME == 0 {
        return nanosleep(request, remaining);
    }
    let until = read_timespec(request)?;
    let now = time::uptime().as_nanos() as u64;
    let period = time::tick_period().as_nanos() as u64;
    if until > now {
        sched::sleep_ticks((until - now).div_ceil(period));
    }
    if current()?.kill_pending() {
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

/// `time(tloc)`: seconds on CLOCK_REALTIME (which counts from boot: there is no wall clock
/// yet), also stored at `tloc` when it is not NULL.
pub fn time(tloc: u64) -> SysResult {
    let secs = time::uptime().as_secs();
    if tloc != 0 {
        uaccess::write_u64(tloc, secs)?;
    }
    Ok(secs)
}

/// `gettimeofday(tv, tz)`: CLOCK_REALTIME in seconds and microseconds; `tz` reads as UTC.
pub fn gettimeofday(tv: u64, tz: u64) -> SysResult {
    let now = time::uptime();
    if tv != 0 {
        let mut raw = [0u8; 16];
        raw[..8].copy_from_slice(&now.as_secs().to_le_bytes());
        raw[8..].copy_from_slice(&u64::from(now.subsec_micros()).to_le_bytes());
        uaccess::copy_to_user(tv, &raw)?;
    }
    if tz != 0 {
        uaccess::copy_to_user(tz, &[0u8; 8])?;
    }
    Ok(0)
}

const PR_SET_NAME: u64 = 15;
const PR_GET_NAME: u64 = 16;
/// `comm`'s size on Linux (`TASK_COMM_LEN`), the terminating NUL included.
const COMM_LEN: usize = 16;

/// `prctl(option, arg2, ...)`: PR_SET_NAME and PR_GET_NAME (the name `ps` shows, at most 15
/// bytes); other options are `EINVAL`, as for an option Linux does not know.
pub fn prctl(option: u64, arg2: u64) -> SysResult {
    let process = current()?;
    match option {
        PR_SET_NAME => {
            let mut name = [0u8; COMM_LEN];
            // The name need not be terminated within 16 bytes: Linux takes the first 15.
            for (i, byte) in name.iter_mut().take(COMM_LEN - 1).enumerate() {
                let mut one = [0u8];
                uaccess::copy_from_user(&mut one, arg2 + i as u64)?;
                if one[0] == 0 {
                    break;
                }
                *byte = one[0];
            }
            let len = name.iter().position(|&b| b == 0).unwrap_or(COMM_LEN - 1);
            let name = alloc::string::String::from_utf8_lossy(&name[..len]).into_owned();
            sched::set_current_name(&name);
            proc::rename(&process, name);
            Ok(0)
        }
        PR_GET_NAME => {
            let mut out = [0u8; COMM_LEN];
            let name = process.name();
            let len = name.len().min(COMM_LEN - 1);
            out[..len].copy_from_slice(&name.as_bytes()[..len]);
            uaccess::copy_to_user(arg2, &out)?;
            Ok(0)
        }
        _ => Err(EINVAL),
    }
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

const CSIGNAL: u64 = 0xff;
const SIGCHLD: u64 = 17;
const CLONE_PARENT_SETTID: u64 = 0x0010_0000;
const CLONE_CHILD_CLEARTID: u64 = 0x0020_0000;
const CLONE_CHILD_SETTID: u64 = 0x0100_0000;

/// `clone(flags, stack, parent_tid, child_tid, tls)` in the shape of `fork`: glibc's fork
/// (busybox's ash forks so) is `clone(CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID | SIGCHLD)`.
/// The child gets a copy of the memory and returns 0 on the stack given, if one is. Known
/// gaps: `CLONE_CHILD_CLEARTID` is accepted and does nothing (it matters only for memory
/// that outlives the child, which a copy does not); every other flag (threads: CLONE_VM,
/// CLONE_THREAD, ...) is `ENOSYS` until clone threads exist, as is an exit signal other than
/// SIGCHLD.
pub fn clone(
    frame: &crate::arch::syscall::SyscallFrame,
    flags: u64,
    stack: u64,
    parent_tid: u64,
    child_tid: u64,
) -> SysResult {
    let known = CSIGNAL | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID | CLONE_CHILD_SETTID;
    if flags & !known != 0 || flags & CSIGNAL != SIGCHLD {
        static WARNED: core::sync::atomic::AtomicBool = core::sync::atomic::AtomicBool::new(false);
        if !WARNED.swap(true, core::sync::atomic::Ordering::Relaxed) {
            log::warn!("clone: flags {flags:#x} need threads, which Kestrel lacks yet: ENOSYS");
        }
        return Err(ENOSYS);
    }
    let mut child_frame = *frame;
    if stack != 0 {
        child_frame.user_rsp = stack;
    }
    let settid = (flags & CLONE_CHILD_SETTID != 0).then_some(child_tid);
    let pid = proc::fork_with(&child_frame, settid).map_err(|err| err.errno())?;
    if flags & CLONE_PARENT_SETTID != 0 {
        // Linux ignores a bad address here too: the child exists either way.
        let _ = uaccess::write_i32(parent_tid, pid as i32);
    }
    Ok(u64::from(pid))
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
