//! Clocks (clock_gettime(2), clock_getres, clock_nanosleep, nanosleep): `CLOCK_REALTIME` is
//! the wall clock of `time::wall` (the CMOS clock carried on by the TSC), the monotonic
//! clocks are the uptime, the CPU-time clocks count the scheduler's ticks.

use super::SysResult;
use super::errno::*;
use super::uaccess;
use crate::sched;
use crate::time;

const CLOCK_REALTIME: u64 = 0;
const CLOCK_MONOTONIC: u64 = 1;
const CLOCK_PROCESS_CPUTIME_ID: u64 = 2;
const CLOCK_THREAD_CPUTIME_ID: u64 = 3;
const CLOCK_MONOTONIC_RAW: u64 = 4;
const CLOCK_REALTIME_COARSE: u64 = 5;
const CLOCK_MONOTONIC_COARSE: u64 = 6;
const CLOCK_BOOTTIME: u64 = 7;
const CLOCK_REALTIME_ALARM: u64 = 8;
const CLOCK_BOOTTIME_ALARM: u64 = 9;
const CLOCK_TAI: u64 = 11;
const TIMER_ABSTIME: u64 = 1;

pub use crate::time::wall::realtime_nanos;

fn tick_nanos() -> u64 {
    time::TICK_PERIOD.as_nanos() as u64
}

/// CPU time of the running thread, or of every thread of its process.
fn cpu_nanos(whole_process: bool) -> u64 {
    let me = sched::current();
    let pid = sched::current_process().map(|p| p.pid);
    let ticks: u64 = sched::threads()
        .iter()
        .filter(|t| {
            if whole_process {
                t.pid.is_some() && t.pid == pid
            } else {
                t.tid == me
            }
        })
        .map(|t| t.ticks)
        .sum();
    ticks * tick_nanos()
}

/// The clock's reading in nanoseconds, or `EINVAL` for an unknown clock.
fn now(clock: u64) -> Result<u64, Errno> {
    let uptime = time::uptime().as_nanos() as u64;
    match clock {
        CLOCK_REALTIME | CLOCK_REALTIME_COARSE | CLOCK_REALTIME_ALARM | CLOCK_TAI => {
            Ok(realtime_nanos())
        }
        CLOCK_MONOTONIC
        | CLOCK_MONOTONIC_RAW
        | CLOCK_MONOTONIC_COARSE
        | CLOCK_BOOTTIME
        | CLOCK_BOOTTIME_ALARM => Ok(uptime),
        CLOCK_PROCESS_CPUTIME_ID => Ok(cpu_nanos(true)),
        CLOCK_THREAD_CPUTIME_ID => Ok(cpu_nanos(false)),
        _ => Err(EINVAL),
    }
}

pub(super) fn read_timespec(addr: u64) -> Result<u64, Errno> {
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

/// The clock tick (`time::clock_ticks`) by which at least `nanos` will have passed: the
/// current tick is partly gone already, so one more is waited for.
pub(super) fn deadline_after(nanos: u64) -> u64 {
    time::clock_ticks() + nanos.div_ceil(tick_nanos()) + 1
}

pub fn clock_gettime(clock: u64, tp: u64) -> SysResult {
    write_timespec(tp, now(clock)?)?;
    Ok(0)
}

pub fn clock_getres(clock: u64, res: u64) -> SysResult {
    now(clock)?;
    let resolution = match clock {
        // The coarse clocks and CPU time move by ticks; the rest by TSC cycles (about 1 ns).
        CLOCK_REALTIME_COARSE | CLOCK_MONOTONIC_COARSE => tick_nanos(),
        CLOCK_PROCESS_CPUTIME_ID | CLOCK_THREAD_CPUTIME_ID => tick_nanos(),
        _ => 1,
    };
    if res != 0 {
        write_timespec(res, resolution)?;
    }
    Ok(0)
}

/// Sleeps until the tick `until`; `EINTR` when the process is killed meanwhile.
fn sleep_until_tick(until: u64) -> SysResult {
    while time::clock_ticks() < until {
        sched::block(sched::Wait::Sleep(until));
        if sched::current_process().is_some_and(|p| p.kill_pending()) {
            return Err(EINTR);
        }
    }
    Ok(0)
}

pub fn nanosleep(request: u64, remaining: u64) -> SysResult {
    let nanos = read_timespec(request)?;
    // `remaining` is written only when a signal cuts the sleep short, so a bad pointer is
    // EFAULT only then, as on Linux.
    let until = deadline_after(nanos);
    let result = sleep_until_tick(until);
    if result == Err(EINTR) && remaining != 0 {
        // A handler is about to run: nanosleep(2) fails with EINTR and the time left, and is
        // never restarted (signal(7)).
        let left = until.saturating_sub(time::clock_ticks()) * tick_nanos();
        write_timespec(remaining, left)?;
    }
    result
}

pub fn clock_nanosleep(clock: u64, flags: u64, request: u64, remaining: u64) -> SysResult {
    match clock {
        CLOCK_REALTIME | CLOCK_MONOTONIC | CLOCK_BOOTTIME | CLOCK_TAI => {}
        CLOCK_PROCESS_CPUTIME_ID | CLOCK_THREAD_CPUTIME_ID => return Err(EINVAL),
        _ => return Err(EINVAL),
    }
    let nanos = read_timespec(request)?;
    let relative = if flags & TIMER_ABSTIME != 0 {
        nanos.saturating_sub(now(clock)?)
    } else {
        if remaining != 0 {
            uaccess::check_writable(remaining, 16)?;
        }
        nanos
    };
    if relative == 0 {
        return Ok(0);
    }
    sleep_until_tick(deadline_after(relative))
}

/// `time(tloc)`: seconds on CLOCK_REALTIME, also stored at `tloc` when it is not NULL.
pub fn time(tloc: u64) -> SysResult {
    let secs = realtime_nanos() / 1_000_000_000;
    if tloc != 0 {
        uaccess::write_u64(tloc, secs)?;
    }
    Ok(secs)
}

/// `gettimeofday(tv, tz)`: CLOCK_REALTIME in seconds and microseconds; `tz` reads as UTC.
pub fn gettimeofday(tv: u64, tz: u64) -> SysResult {
    let now = realtime_nanos();
    if tv != 0 {
        let mut raw = [0u8; 16];
        raw[..8].copy_from_slice(&(now / 1_000_000_000).to_le_bytes());
        raw[8..].copy_from_slice(&((now % 1_000_000_000) / 1000).to_le_bytes());
        uaccess::copy_to_user(tv, &raw)?;
    }
    if tz != 0 {
        uaccess::copy_to_user(tz, &[0u8; 8])?;
    }
    Ok(0)
}
