//! Process groups and sessions (setpgid(2), getpgid(2), getpgrp(2), setsid(2), getsid(2)),
//! with Linux's rules: a process may move itself or a child that has not called execve yet
//! (Kestrel does not track that: any child), only within its session, into its own new group
//! or an existing group of that session; a session leader cannot move. Groups and sessions are
//! inherited by fork; the kernel shell starts each program as the leader of its own group in
//! session 0, the console's session.

use super::SysResult;
use super::errno::*;
use crate::process::{self, Pid, Process};
use crate::sched;
use alloc::sync::Arc;
use core::sync::atomic::Ordering;

fn current() -> Result<Arc<Process>, Errno> {
    sched::current_process().ok_or(EPERM)
}

/// The process `pid` names for these calls: 0 is the caller; others must exist (zombies
/// included, as on Linux).
fn target(me: &Arc<Process>, pid: i64) -> Result<Arc<Process>, Errno> {
    match pid {
        0 => Ok(me.clone()),
        p if p < 0 => Err(ESRCH),
        p => process::get(Pid::try_from(p).map_err(|_| ESRCH)?).ok_or(ESRCH),
    }
}

pub fn setpgid(pid: i64, pgid: i64) -> SysResult {
    if pgid < 0 {
        return Err(EINVAL);
    }
    let me = current()?;
    let who = target(&me, pid)?;
    if who.pid != me.pid && !who.is_child_of(me.pid) {
        return Err(ESRCH);
    }
    if who.is_child_of(me.pid) && who.sid() != me.sid() {
        return Err(EPERM);
    }
    // A session leader's group is its session's: it cannot leave it.
    if who.sid() == who.pid {
        return Err(EPERM);
    }
    let pgid = if pgid == 0 {
        who.pid
    } else {
        Pid::try_from(pgid).map_err(|_| EPERM)?
    };
    if pgid != who.pid {
        // Joining a group: it must exist in the same session.
        let exists = process::list()
            .iter()
            .any(|p| p.pgid() == pgid && p.sid() == who.sid() && p.exit_status().is_none());
        if !exists {
            return Err(EPERM);
        }
    }
    who.pgid.store(pgid, Ordering::SeqCst);
    Ok(0)
}

pub fn getpgid(pid: i64) -> SysResult {
    let me = current()?;
    Ok(u64::from(target(&me, pid)?.pgid()))
}

pub fn getpgrp() -> SysResult {
    Ok(u64::from(current()?.pgid()))
}

/// A new session and group led by the caller, without a controlling terminal; `EPERM` for a
/// process group leader (its group would straddle two sessions).
pub fn setsid() -> SysResult {
    let me = current()?;
    let leads_a_group = process::list()
        .iter()
        .any(|p| p.pgid() == me.pid && p.exit_status().is_none());
    if leads_a_group {
        return Err(EPERM);
    }
    me.sid.store(me.pid, Ordering::SeqCst);
    me.pgid.store(me.pid, Ordering::SeqCst);
    Ok(u64::from(me.pid))
}

pub fn getsid(pid: i64) -> SysResult {
    let me = current()?;
    Ok(u64::from(target(&me, pid)?.sid()))
}
