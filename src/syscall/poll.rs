//! poll(2) and ppoll(2) on pipes, the console and regular files. Files and directories are
//! always ready; a pipe is readable with bytes or no writer left (`POLLHUP` then) and
//! writable with room or no reader left (`POLLERR`); the console is always writable and
//! readable once a line (or end of file) is there. A wait rechecks every tick, so a pipe or
//! the console is seen within a millisecond of becoming ready. ppoll's signal mask is not
//! applied (no signal is delivered to a handler while it waits).

use super::SysResult;
use super::clock::{deadline_after, read_timespec};
use super::errno::*;
use super::uaccess;
use crate::process::files::{File, MAX_FILES};
use crate::process::tty;
use crate::sched;
use alloc::vec::Vec;

const POLLIN: u16 = 0x1;
const POLLOUT: u16 = 0x4;
const POLLERR: u16 = 0x8;
const POLLHUP: u16 = 0x10;
const POLLNVAL: u16 = 0x20;
const POLLRDNORM: u16 = 0x40;
const POLLWRNORM: u16 = 0x100;
/// `struct pollfd`: int fd, short events, short revents.
const POLLFD_SIZE: u64 = 8;

/// What `file` is ready for, for `process`.
fn readiness(file: &File, process: &crate::process::Process) -> u16 {
    let readable = POLLIN | POLLRDNORM;
    let writable = POLLOUT | POLLWRNORM;
    match file {
        File::Node(_) => readable | writable,
        File::Console => {
            if tty::readable(process) {
                readable | writable
            } else {
                writable
            }
        }
        File::PipeRead(pipe) => match pipe.poll(false) {
            (true, true) => readable | POLLHUP,
            (true, false) => readable,
            (false, _) => 0,
        },
        File::PipeWrite(pipe) => match pipe.poll(true) {
            (_, true) => writable | POLLERR,
            (true, false) => writable,
            (false, false) => 0,
        },
    }
}

/// Fills in `revents` of every entry; returns how many have some.
fn scan(entries: &mut [(i32, u16, u16)]) -> Result<u64, Errno> {
    let process = sched::current_process().ok_or(EPERM)?;
    let mut ready = 0;
    for (fd, events, revents) in entries.iter_mut() {
        *revents = if *fd < 0 {
            0
        } else {
            match process.files.lock().get(*fd as u64) {
                None => POLLNVAL,
                // Errors and hang-ups are reported whether asked for or not.
                Some(file) => readiness(file, &process) & (*events | POLLERR | POLLHUP),
            }
        };
        if *revents != 0 {
            ready += 1;
        }
    }
    Ok(ready)
}

/// The common part: `deadline` in clock ticks, `None` to wait without end.
fn poll_until(fds: u64, nfds: u64, deadline: Option<u64>) -> SysResult {
    if nfds > MAX_FILES as u64 {
        return Err(EINVAL);
    }
    let len = nfds * POLLFD_SIZE;
    let mut raw = alloc::vec![0u8; len as usize];
    uaccess::copy_from_user(&mut raw, fds)?;
    uaccess::check_writable(fds, len)?;
    let mut entries: Vec<(i32, u16, u16)> = raw
        .chunks_exact(POLLFD_SIZE as usize)
        .map(|c| {
            let fd = i32::from_le_bytes(c[..4].try_into().expect("4 bytes"));
            let events = u16::from_le_bytes(c[4..6].try_into().expect("2 bytes"));
            (fd, events, 0)
        })
        .collect();
    let ready = loop {
        let ready = scan(&mut entries)?;
        if ready > 0 {
            break ready;
        }
        let now = crate::time::clock_ticks();
        if deadline.is_some_and(|d| now >= d) {
            break 0;
        }
        sched::block(sched::Wait::Sleep(now + 1));
        if sched::current_process().is_some_and(|p| p.kill_pending()) {
            return Err(EINTR);
        }
    };
    for (chunk, (_, _, revents)) in raw.chunks_exact_mut(POLLFD_SIZE as usize).zip(&entries) {
        chunk[6..8].copy_from_slice(&revents.to_le_bytes());
    }
    uaccess::copy_to_user(fds, &raw)?;
    Ok(ready)
}

pub fn poll(fds: u64, nfds: u64, timeout_ms: u64) -> SysResult {
    let timeout = timeout_ms as i32;
    let deadline = match timeout {
        t if t < 0 => None,
        0 => Some(0),
        t => Some(deadline_after(t as u64 * 1_000_000)),
    };
    poll_until(fds, nfds, deadline)
}

pub fn ppoll(fds: u64, nfds: u64, timeout: u64, sigmask: u64, sigsetsize: u64) -> SysResult {
    if sigmask != 0 && sigsetsize != 8 {
        return Err(EINVAL);
    }
    let deadline = if timeout == 0 {
        None
    } else {
        match read_timespec(timeout)? {
            0 => Some(0),
            nanos => Some(deadline_after(nanos)),
        }
    };
    poll_until(fds, nfds, deadline)
}
