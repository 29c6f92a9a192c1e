//! `syslog(2)` (glibc's `klogctl`, busybox `dmesg`): the kernel log of [`crate::logger::kmsg`]
//! in Linux's text, `<level>[seconds.micros] message\n` per record, with Linux's checks
//! (`kernel/printk/printk.c`, `do_syslog`). Every process is root, so nothing is refused.
//!
//! `READ` blocks until there is something unread; the kernel log wakes nobody (a writer may be
//! an interrupt handler holding any lock), so the wait looks again every [`READ_POLL_TICKS`].

use super::SysResult;
use super::errno::*;
use super::uaccess::copy_to_user;
use crate::logger::{self, kmsg};
use crate::process::usercopy;
use crate::sched;
use alloc::vec::Vec;

/// How often a blocked `SYSLOG_ACTION_READ` looks for new records.
const READ_POLL_TICKS: u64 = 20;

/// What a `syslog` call asks for, once its arguments pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// `CLOSE` (0), `OPEN` (1): nothing to do.
    Nothing,
    /// `READ` (2): consume unread records, waiting for one.
    Read(usize),
    /// `READ_ALL` (3) and `READ_CLEAR` (4).
    ReadAll {
        len: usize,
        clear: bool,
    },
    /// A read with `len` 0: returns 0 at once, as on Linux.
    Empty,
    /// `CLEAR` (5).
    Clear,
    /// `CONSOLE_OFF` (6), `CONSOLE_ON` (7), `CONSOLE_LEVEL` (8).
    ConsoleOff,
    ConsoleOn,
    ConsoleLevel(u8),
    /// `SIZE_UNREAD` (9), `SIZE_BUFFER` (10).
    SizeUnread,
    SizeBuffer,
}

/// Checks the arguments as `do_syslog` does: `EINVAL` for an unknown type, and for a read with
/// a NULL buffer or a negative length; `EFAULT` for a buffer outside the user half. `kind` and
/// `len` are C `int`s.
pub fn action(kind: i32, buf: u64, len: i32) -> Result<Action, Errno> {
    let read = |make: fn(usize) -> Action| {
        if buf == 0 || len < 0 {
            return Err(EINVAL);
        }
        if len == 0 {
            return Ok(Action::Empty);
        }
        usercopy::check_range(buf, len as u64).map_err(|_| EFAULT)?;
        Ok(make(len as usize))
    };
    match kind {
        0 | 1 => Ok(Action::Nothing),
        2 => read(Action::Read),
        3 => read(|len| Action::ReadAll { len, clear: false }),
        4 => read(|len| Action::ReadAll { len, clear: true }),
        5 => Ok(Action::Clear),
        6 => Ok(Action::ConsoleOff),
        7 => Ok(Action::ConsoleOn),
        8 if (1..=8).contains(&len) => Ok(Action::ConsoleLevel(len as u8)),
        8 => Err(EINVAL),
        9 => Ok(Action::SizeUnread),
        10 => Ok(Action::SizeBuffer),
        _ => Err(EINVAL),
    }
}

fn snapshot() -> Result<kmsg::Snapshot, Errno> {
    kmsg::snapshot().map_err(|err| match err {
        kmsg::SnapshotError::NoMemory => ENOMEM,
        kmsg::SnapshotError::Busy => EAGAIN,
    })
}

/// A kernel buffer for up to `len` bytes of text, or `ENOMEM`.
fn text_buffer(len: usize) -> Result<Vec<u8>, Errno> {
    let mut out = Vec::new();
    out.try_reserve_exact(len).map_err(|_| ENOMEM)?;
    Ok(out)
}

pub fn syslog(kind: u64, buf: u64, len: u64) -> SysResult {
    match action(kind as i32, buf, len as i32)? {
        Action::Nothing | Action::Empty => Ok(0),
        Action::ReadAll { len, clear } => {
            let snap = snapshot()?;
            let view = snap.view();
            let mut out = text_buffer(len.min(view.all_len()))?;
            view.read_all(len, &mut out);
            copy_to_user(buf, &out)?;
            if clear {
                kmsg::clear(Some(view.cursors().head));
            }
            Ok(out.len() as u64)
        }
        Action::Read(len) => {
            while !kmsg::has_unread() {
                sched::block(sched::Wait::Sleep(
                    crate::time::clock_ticks() + READ_POLL_TICKS,
                ));
                if sched::current_process().is_some_and(|p| p.kill_pending()) {
                    return Err(ERESTARTSYS);
                }
            }
            let snap = snapshot()?;
            let view = snap.view();
            let mut out = text_buffer(len.min(view.unread_len()))?;
            let (read, partial) = view.read(len, &mut out);
            copy_to_user(buf, &out)?;
            kmsg::consume(read, partial);
            Ok(out.len() as u64)
        }
        Action::Clear => {
            kmsg::clear(None);
            Ok(0)
        }
        Action::ConsoleOff => {
            logger::console_off();
            Ok(0)
        }
        Action::ConsoleOn => {
            logger::console_on();
            Ok(0)
        }
        Action::ConsoleLevel(level) => {
            logger::set_console_level(level);
            Ok(0)
        }
        Action::SizeUnread => Ok(snapshot()?.view().unread_len() as u64),
        Action::SizeBuffer => Ok(kmsg::KMSG_BYTES as u64),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BUF: u64 = 0x10_0000;

    #[test]
    fn types_and_lengths_are_checked_as_linux_does() {
        assert_eq!(action(0, 0, 0), Ok(Action::Nothing));
        assert_eq!(action(1, 0, 0), Ok(Action::Nothing));
        for kind in [-1, 11, 100, i32::MIN] {
            assert_eq!(action(kind, BUF, 10), Err(EINVAL), "{kind}");
        }
        for kind in [2, 3, 4] {
            assert_eq!(action(kind, 0, 10), Err(EINVAL), "NULL buffer, type {kind}");
            assert_eq!(
                action(kind, BUF, -1),
                Err(EINVAL),
                "negative length, type {kind}"
            );
            assert_eq!(action(kind, BUF, 0), Ok(Action::Empty));
            assert_eq!(action(kind, 0xffff_ffff_8010_0000, 10), Err(EFAULT));
            assert_eq!(action(kind, 0x0000_8000_0000_0000, 10), Err(EFAULT));
            assert_eq!(action(kind, u64::MAX, 10), Err(EFAULT));
        }
        assert_eq!(action(2, BUF, 100), Ok(Action::Read(100)));
        assert_eq!(
            action(4, BUF, 100),
            Ok(Action::ReadAll {
                len: 100,
                clear: true
            })
        );
        assert_eq!(action(8, 0, 0), Err(EINVAL));
        assert_eq!(action(8, 0, 9), Err(EINVAL));
        assert_eq!(action(8, 0, 1), Ok(Action::ConsoleLevel(1)));
        assert_eq!(action(8, 0, 8), Ok(Action::ConsoleLevel(8)));
        // The size actions look at neither pointer nor length.
        assert_eq!(action(9, u64::MAX, -5), Ok(Action::SizeUnread));
        assert_eq!(action(10, u64::MAX, -5), Ok(Action::SizeBuffer));
        assert_eq!(action(5, u64::MAX, -5), Ok(Action::Clear));
    }

    #[test]
    fn the_length_is_an_int() {
        // 2^32 arrives as 0: an empty read, as on Linux.
        assert_eq!(action(3, BUF, (1u64 << 32) as i32), Ok(Action::Empty));
    }
}
