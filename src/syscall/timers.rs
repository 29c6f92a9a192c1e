//! Interval timers (getitimer(2), setitimer(2), alarm(2)) over `process::itimer`. Arguments
//! are checked in Linux's order: setitimer reads and checks the new value before `which`,
//! and writes the old value after the timer changed (a bad pointer there is `EFAULT` with
//! the new setting in force, as on Linux).

use super::SysResult;
use super::errno::*;
use super::uaccess::{copy_from_user, copy_to_user};
use crate::process::Process;
use crate::process::itimer::{self, ITIMERVAL_SIZE, Setting, Which};
use crate::sched;
use alloc::sync::Arc;

fn current() -> Result<Arc<Process>, Errno> {
    sched::current_process().ok_or(EPERM)
}

pub fn getitimer(which: i64, curr: u64) -> SysResult {
    let which = Which::from_raw(which).ok_or(EINVAL)?;
    let setting = itimer::get(&*current()?, which);
    copy_to_user(curr, &setting.to_bytes())?;
    Ok(0)
}

pub fn setitimer(which: i64, new: u64, old: u64) -> SysResult {
    // A NULL new value disarms (a misfeature Linux keeps, with a warning).
    let setting = if new == 0 {
        Setting::default()
    } else {
        let mut raw = [0u8; ITIMERVAL_SIZE];
        copy_from_user(&mut raw, new)?;
        Setting::from_bytes(&raw).map_err(|_| EINVAL)?
    };
    let which = Which::from_raw(which).ok_or(EINVAL)?;
    let previous = itimer::set(&*current()?, which, setting)?;
    if old != 0 {
        copy_to_user(old, &previous.to_bytes())?;
    }
    Ok(0)
}

/// `alarm(seconds)`: `ITIMER_REAL` once after that many seconds (0 disarms); returns the
/// seconds the previous alarm had left, rounded.
pub fn alarm(seconds: u32) -> SysResult {
    let previous = itimer::set(&*current()?, Which::Real, Setting::alarm(seconds))?;
    Ok(itimer::alarm_seconds(previous.value))
}
