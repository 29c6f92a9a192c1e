//! Orphans: when a process exits, its children get a new parent, as on Linux (exit(2): "any
//! of its children are inherited by init"), so that someone reaps them.
//!
//! - While an `init=` program runs ([`set_init`]), it adopts them: getppid reports its pid,
//!   it gets their SIGCHLD and reaps them with wait4, and those already exited (zombies) are
//!   handed to it with a SIGCHLD each (reaped at once if it ignores SIGCHLD).
//! - Otherwise the kernel adopts them and reaps them itself: getppid reports 0, as it does
//!   for the programs the kernel shell starts, but they are not the shell's children (its
//!   `wait` never sees them); a zombie goes at once, and a running orphan leaves no zombie
//!   when it exits. No zombie is ever left without a parent to reap it.

use super::{KERNEL_PID, PROCESSES, Pid, Process, get, signal};
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU32, Ordering};

/// The parent of an orphan the kernel adopted: no process has this pid.
pub const KERNEL_REAPS: Pid = u32::MAX;

/// The pid of the running `init=` program (0: none).
static INIT: AtomicU32 = AtomicU32::new(0);

/// Names the `init=` program, which adopts orphans while it runs (`None`: the kernel does).
pub fn set_init(pid: Option<Pid>) {
    INIT.store(pid.unwrap_or(KERNEL_PID), Ordering::SeqCst);
}

/// Who adopts the children of `dying`: the init program while it runs, unless it is the one
/// dying.
fn reaper(dying: Pid) -> Option<Arc<Process>> {
    let init = INIT.load(Ordering::SeqCst);
    if init == KERNEL_PID || init == dying {
        return None;
    }
    get(init).filter(|p| p.exit_status().is_none())
}

/// Gives the children of `dying` (its last thread is leaving) to their new parent. Runs with
/// interrupts off, before `dying` becomes a zombie.
pub fn hand_over_children(dying: &Process) {
    let reaper = reaper(dying.pid);
    let adopter = reaper.as_ref().map_or(KERNEL_REAPS, |r| r.pid);
    let mut zombies: Vec<(Arc<Process>, i32)> = Vec::new();
    {
        let table = PROCESSES.lock();
        for child in table.values().filter(|p| p.is_child_of(dying.pid)) {
            child.parent.store(adopter, Ordering::SeqCst);
            if let Some(status) = child.exit_status() {
                zombies.push((child.clone(), status));
            }
        }
    }
    for (zombie, status) in zombies {
        // The new parent hears of it as if it had just exited (Linux: reparent_leader).
        let reap_now = reaper.is_none() || signal::deliver::notify_parent(&zombie, status);
        if reap_now {
            PROCESSES.lock().remove(&zombie.pid);
        }
    }
}
