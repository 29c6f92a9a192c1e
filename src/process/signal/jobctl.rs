//! Job control's stopped state (signal(7) "Stop" and "Cont", wait(2) `WUNTRACED` and
//! `WCONTINUED`, credentials(7) "orphaned process group").
//!
//! - A stop signal with the default action stops the *whole* process (a group stop): it is
//!   acted on when it is generated, unless blocked (then when it is delivered). The process
//!   is marked stopped, its parent gets SIGCHLD with `CLD_STOPPED` (unless `SA_NOCLDSTOP`)
//!   and a report for `wait`, and the signal hint is set, so that every thread parks
//!   ([`park`]) at its next return to user mode: after a system call, an interrupt taken in
//!   ring 3 (the tick) or a fault. A thread asleep in the kernel (nanosleep, a pipe read, a
//!   futex) is not woken for it: it sleeps on, and parks when its call returns, so its call
//!   is neither cut short nor restarted.
//! - SIGCONT, whatever its disposition and mask, continues a stopped process when it is
//!   generated ([`resume`]): pending stop signals go, the parked threads are woken, and the
//!   parent gets `CLD_CONTINUED` and a `WCONTINUED` report. A stop signal drops a pending
//!   SIGCONT. SIGKILL wakes the parked threads, which then end.
//! - SIGTSTP, SIGTTIN and SIGTTOU with the default action are discarded for a process whose
//!   group is orphaned (POSIX): no process of the group has a parent in another group of the
//!   same session, so no shell is there to continue it. Processes the kernel shell starts
//!   have no parent process (their parent is the kernel): their groups count as orphaned, so
//!   Ctrl-Z does not leave a program stopped under a shell that cannot resume it. A group
//!   that becomes orphaned with a stopped member gets SIGHUP and SIGCONT ([`exited`]).
//!
//! Kestrel runs user threads on one CPU, so when a stop is generated no thread of the target
//! runs user code until it has passed a return to user mode and parked: the parent is told
//! at once, without counting threads as Linux's group stop does.

use super::{
    SA_NOCLDSTOP, SIGCHLD, SIGCONT, SIGSTOP, STOP_SIGNALS, SigInfo, Signal, Target, bit, code,
    deliver,
};
use crate::process::{KERNEL_PID, Pid, Process};
use crate::sched::{self, Wait};
use core::sync::atomic::{AtomicU32, Ordering};

/// The wait status of a continued child (`WIFCONTINUED`).
pub const CONTINUED_STATUS: i32 = 0xffff;
/// `report`'s value for a continue not reported yet.
const CONTINUED: u32 = 0xffff;

/// A process's stopped state and what `wait` has not reported of it yet.
#[derive(Debug, Default)]
pub struct JobState {
    /// The signal that stopped the process, 0 while it runs.
    stopped: AtomicU32,
    /// 0: nothing to report; a stop signal: stopped and not reported; [`CONTINUED`].
    report: AtomicU32,
}

impl JobState {
    pub const fn new() -> Self {
        JobState {
            stopped: AtomicU32::new(0),
            report: AtomicU32::new(0),
        }
    }

    pub fn is_stopped(&self) -> bool {
        self.stopped.load(Ordering::SeqCst) != 0
    }
}

/// What `wait` reports about a child that did not exit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Report {
    Stopped(Signal),
    Continued,
}

impl Report {
    /// The wait status: `0x7f | signal << 8` for a stop, `0xffff` for a continue (wait(2)).
    pub fn status(self) -> i32 {
        match self {
            Report::Stopped(signal) => 0x7f | ((signal as i32) << 8),
            Report::Continued => CONTINUED_STATUS,
        }
    }
}

/// A report `wait` may give about `child`: a stop when `stopped` (`WUNTRACED`, `WSTOPPED`),
/// a continue when `continued` (`WCONTINUED`). Each is given once: `consume` (all but
/// `WNOWAIT`) takes it.
pub fn take_report(
    child: &Process,
    stopped: bool,
    continued: bool,
    consume: bool,
) -> Option<Report> {
    let job = &child.job;
    let report = job.report.load(Ordering::SeqCst);
    let found = match report {
        0 => return None,
        CONTINUED if continued => Report::Continued,
        CONTINUED => return None,
        signal if stopped && job.is_stopped() => Report::Stopped(signal),
        _ => return None,
    };
    if consume
        && job
            .report
            .compare_exchange(report, 0, Ordering::SeqCst, Ordering::SeqCst)
            .is_err()
    {
        // The state changed meanwhile: the caller looks again.
        return None;
    }
    Some(found)
}

/// Whether process group `pgid` is orphaned: no live member has a live parent in another
/// group of its session (POSIX "orphaned process group"). A group without members is too.
pub fn orphaned(pgid: Pid) -> bool {
    let processes = crate::process::list();
    let anchored = processes.iter().any(|member| {
        member.pgid() == pgid
            && member.exit_status().is_none()
            && member.parent() != KERNEL_PID
            && processes.iter().any(|parent| {
                parent.pid == member.parent()
                    && parent.exit_status().is_none()
                    && parent.pgid() != pgid
                    && parent.sid() == member.sid()
            })
    });
    !anchored
}

/// Stops `process` for `signal` (its default action; the caller holds no signal lock).
/// A terminal stop signal to an orphaned group is dropped; a process already stopped stays
/// as it is.
pub fn stop(process: &Process, signal: Signal) {
    if process.exit_status().is_some() || process.exiting().is_some() {
        return;
    }
    if signal != SIGSTOP && orphaned(process.pgid()) {
        return;
    }
    if process
        .job
        .stopped
        .compare_exchange(0, signal, Ordering::SeqCst, Ordering::SeqCst)
        .is_err()
    {
        return;
    }
    process.job.report.store(signal, Ordering::SeqCst);
    process.signals.lock().discard_set(bit(SIGCONT));
    // Every thread looks at its signal state on its way back to user mode, and parks.
    process.hint_signals();
    notify_parent(process, code::CLD_STOPPED, signal as i32);
}

/// SIGCONT was generated for `process`: pending stop signals go, and a stopped process runs
/// again.
pub fn resume(process: &Process) {
    process.signals.lock().discard_set(STOP_SIGNALS);
    let was = process.job.stopped.swap(0, Ordering::SeqCst);
    if was == 0 {
        return;
    }
    process.job.report.store(CONTINUED, Ordering::SeqCst);
    sched::wake_all(Wait::Stopped);
    notify_parent(process, code::CLD_CONTINUED, SIGCONT as i32);
}

/// The running thread of `process` is about to return to user mode: while the process is
/// stopped it waits (other signals stay pending) until SIGCONT, SIGKILL or the end of the
/// process. Returns the status to end with when the process is ending (or another thread
/// execs).
pub fn park(process: &Process) -> Option<i32> {
    let tid = sched::current();
    while process.job.is_stopped() && process.must_leave().is_none() {
        if process.signals.lock().kill_pending(tid) {
            return None;
        }
        sched::block(Wait::Stopped);
    }
    process.must_leave()
}

/// `process` has exited (its status is set): a process group that it kept from being
/// orphaned and that has a stopped member gets SIGHUP, then SIGCONT, so that its jobs do not
/// stay stopped with no shell to continue them (POSIX `_exit`; Linux `kill_orphaned_pgrp`).
/// It kept its own group so when its parent is in another group of its session, and each of
/// its children's groups when that group is not its own and is in its session.
pub fn exited(process: &Process) {
    let processes = crate::process::list();
    let sid = process.sid();
    let own = process.pgid();
    let mut groups = alloc::vec::Vec::new();
    let parent_outside = processes.iter().any(|parent| {
        parent.pid == process.parent()
            && process.parent() != KERNEL_PID
            && parent.exit_status().is_none()
            && parent.pgid() != own
            && parent.sid() == sid
    });
    if parent_outside {
        groups.push(own);
    }
    for child in processes.iter() {
        let group = child.pgid();
        if child.parent() == process.pid
            && child.exit_status().is_none()
            && group != own
            && child.sid() == sid
            && !groups.contains(&group)
        {
            groups.push(group);
        }
    }
    drop(processes);
    for group in groups {
        let members = crate::process::list();
        let stopped = members
            .iter()
            .any(|p| p.pgid() == group && p.exit_status().is_none() && p.job.is_stopped());
        if !stopped || !orphaned(group) {
            continue;
        }
        for signal in [super::SIGHUP, SIGCONT] {
            for member in members.iter().filter(|p| p.pgid() == group) {
                deliver::send(member, Target::Process, SigInfo::kernel(signal));
            }
        }
    }
}

/// A stopped or continued child's SIGCHLD (unless the parent set `SA_NOCLDSTOP`), and a
/// wake-up for a parent blocked in `wait`.
fn notify_parent(child: &Process, code: i32, status: i32) {
    if let Some(parent) = crate::process::get(child.parent()) {
        let action = parent.signals.lock().action(SIGCHLD);
        if action.flags & SA_NOCLDSTOP == 0 {
            deliver::send(
                &parent,
                Target::Process,
                SigInfo::child(code, child.pid, status),
            );
        }
    }
    sched::wake_all(Wait::Child);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wait_statuses_follow_wait_2() {
        assert_eq!(Report::Stopped(19).status(), 0x137f);
        assert_eq!(Report::Stopped(20).status() & 0xff, 0x7f);
        assert_eq!(Report::Continued.status(), 0xffff);
    }
}
