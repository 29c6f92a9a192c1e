//! Signal system calls (sigaction(2), sigprocmask(2), sigpending(2), sigsuspend(2),
//! sigaltstack(2), kill(2), tkill(2)/tgkill(2), rt_sigreturn(2)) over `process::signal`.
//! Arguments are checked in Linux's order, so the errno is the one Linux gives.

use super::SysResult;
use super::errno::*;
use super::uaccess::{copy_from_user, copy_to_user};
use crate::arch::syscall::SyscallFrame;
use crate::process::signal::deliver;
use crate::process::signal::{
    self, ACTION_SIZE, Action, SIGKILL, SIGSTOP, STACK_T_SIZE, SigInfo, StackT, Target, UNBLOCKABLE,
};
use crate::process::{self, Process};
use crate::sched::{self, Wait};
use alloc::sync::Arc;
use alloc::vec::Vec;

/// Linux's `sigset_t` in the kernel ABI: 64 signals, 8 bytes.
const SIGSET_SIZE: u64 = 8;
const SIG_BLOCK: u64 = 0;
const SIG_UNBLOCK: u64 = 1;
const SIG_SETMASK: u64 = 2;

fn current() -> Result<Arc<Process>, Errno> {
    sched::current_process().ok_or(EPERM)
}

fn read_sigset(addr: u64) -> Result<u64, Errno> {
    let mut raw = [0u8; 8];
    copy_from_user(&mut raw, addr)?;
    Ok(u64::from_le_bytes(raw))
}

pub fn rt_sigprocmask(how: u64, set: u64, oldset: u64, sigsetsize: u64) -> SysResult {
    if sigsetsize != SIGSET_SIZE {
        return Err(EINVAL);
    }
    let process = current()?;
    let tid = sched::current();
    let old = process.signals.lock().mask(tid);
    if set != 0 {
        let new = read_sigset(set)? & !UNBLOCKABLE;
        let mask = match how {
            SIG_BLOCK => old | new,
            SIG_UNBLOCK => old & !new,
            SIG_SETMASK => new,
            _ => return Err(EINVAL),
        };
        process.signals.lock().set_mask(tid, mask);
        // Unblocked signals may now be deliverable: the return path must look.
        process.hint_signals();
    }
    if oldset != 0 {
        copy_to_user(oldset, &old.to_le_bytes())?;
    }
    Ok(0)
}

pub fn rt_sigaction(signal: u64, act: u64, oldact: u64, sigsetsize: u64) -> SysResult {
    if sigsetsize != SIGSET_SIZE {
        return Err(EINVAL);
    }
    let new = if act != 0 {
        let mut raw = [0u8; ACTION_SIZE];
        copy_from_user(&mut raw, act)?;
        Some(Action::from_bytes(&raw))
    } else {
        None
    };
    if !signal::valid(signal) {
        return Err(EINVAL);
    }
    let signal = signal as u32;
    if new.is_some() && (signal == SIGKILL || signal == SIGSTOP) {
        return Err(EINVAL);
    }
    let process = current()?;
    let old = {
        let mut signals = process.signals.lock();
        let old = signals.action(signal);
        if let Some(new) = new {
            signals.set_action(signal, new);
        }
        old
    };
    if oldact != 0 {
        copy_to_user(oldact, &old.to_bytes())?;
    }
    Ok(0)
}

pub fn rt_sigpending(set: u64, sigsetsize: u64) -> SysResult {
    if sigsetsize > SIGSET_SIZE {
        return Err(EINVAL);
    }
    let process = current()?;
    let pending = process.signals.lock().pending_blocked(sched::current());
    copy_to_user(set, &pending.to_le_bytes()[..sigsetsize as usize])?;
    Ok(0)
}

/// Blocks until a signal is to be taken (the return path then runs it).
fn wait_for_signal(process: &Process) {
    while !process.kill_pending() {
        sched::block(Wait::Sleep(u64::MAX));
    }
}

pub fn rt_sigsuspend(mask: u64, sigsetsize: u64) -> SysResult {
    if sigsetsize != SIGSET_SIZE {
        return Err(EINVAL);
    }
    let mask = read_sigset(mask)?;
    let process = current()?;
    let tid = sched::current();
    {
        let mut signals = process.signals.lock();
        let thread = signals.thread(tid);
        thread.saved_mask = Some(thread.mask);
        thread.mask = mask & !UNBLOCKABLE;
    }
    process.hint_signals();
    wait_for_signal(&process);
    Err(ERESTARTNOHAND)
}

pub fn pause() -> SysResult {
    wait_for_signal(&*current()?);
    Err(ERESTARTNOHAND)
}

#[inline(never)]
pub fn sigaltstack(ss: u64, old_ss: u64, user_rsp: u64) -> SysResult {
    let new = if ss != 0 {
        let mut raw = [0u8; STACK_T_SIZE];
        copy_from_user(&mut raw, ss)?;
        Some(StackT::from_bytes(&raw))
    } else {
        None
    };
    let process = current()?;
    let old = {
        let mut signals = process.signals.lock();
        let thread = signals.thread(sched::current());
        let old = deliver::altstack_state(&thread.altstack, user_rsp);
        if let Some(new) = new {
            deliver::set_altstack(thread, new, user_rsp)?;
        }
        old
    };
    if old_ss != 0 {
        copy_to_user(old_ss, &old.to_bytes())?;
    }
    Ok(0)
}

/// `rt_sigreturn`: does not return here unless the frame is bad (then SIGSEGV is pending and
/// the return path delivers it). Kept out of line: the dispatcher's fast path stays small.
#[inline(never)]
pub fn rt_sigreturn(frame: &SyscallFrame) -> SysResult {
    deliver::sigreturn(frame);
    Ok(0)
}

fn check_signal(signal: u64) -> Result<u32, Errno> {
    if signal != 0 && !signal::valid(signal) {
        return Err(EINVAL);
    }
    Ok(signal as u32)
}

/// Sends `signal` (0: only checks) to `targets`; `ESRCH` when there are none.
fn send_all(targets: Vec<Arc<Process>>, signal: u32, sender: u32) -> SysResult {
    if targets.is_empty() {
        return Err(ESRCH);
    }
    if signal != 0 {
        for target in &targets {
            deliver::send(target, Target::Process, SigInfo::user(signal, sender));
        }
    }
    Ok(0)
}

/// kill(2): `pid` > 0 that process, 0 the caller's process group, -1 every process but
/// init and the caller, < -1 the group `-pid`.
pub fn kill(pid: i64, signal: u64) -> SysResult {
    let signal = check_signal(signal)?;
    let me = current()?;
    let targets: Vec<Arc<Process>> = match pid {
        0 => process::list()
            .into_iter()
            .filter(|p| p.pgid() == me.pgid())
            .collect(),
        -1 => process::list()
            .into_iter()
            .filter(|p| p.pid != 1 && p.pid != me.pid)
            .collect(),
        i64::MIN => return Err(ESRCH),
        p if p < 0 => {
            let group = u32::try_from(-p).map_err(|_| ESRCH)?;
            process::list()
                .into_iter()
                .filter(|p| p.pgid() == group)
                .collect()
        }
        p => {
            let pid = u32::try_from(p).map_err(|_| ESRCH)?;
            process::get(pid).into_iter().collect()
        }
    };
    send_all(targets, signal, me.pid)
}

/// The thread a user-visible thread id names: its process and scheduler thread. Every
/// process has one thread, whose id is the pid (gettid).
fn thread_of(tid: i64) -> Result<(Arc<Process>, u32), Errno> {
    if tid <= 0 {
        return Err(EINVAL);
    }
    let pid = u32::try_from(tid).map_err(|_| ESRCH)?;
    let process = process::get(pid).ok_or(ESRCH)?;
    let thread = process.tid.load(core::sync::atomic::Ordering::SeqCst);
    Ok((process, thread))
}

fn send_to_thread(process: &Process, thread: u32, signal: u32, sender: u32) {
    if signal != 0 {
        let info = SigInfo {
            code: signal::code::SI_TKILL,
            ..SigInfo::user(signal, sender)
        };
        deliver::send(process, Target::Thread(thread), info);
    }
}

pub fn tkill(tid: i64, signal: u64) -> SysResult {
    let signal = check_signal(signal)?;
    let (process, thread) = thread_of(tid)?;
    send_to_thread(&process, thread, signal, current()?.pid);
    Ok(0)
}

pub fn tgkill(tgid: i64, tid: i64, signal: u64) -> SysResult {
    let signal = check_signal(signal)?;
    if tgid <= 0 {
        return Err(EINVAL);
    }
    let (process, thread) = thread_of(tid)?;
    if i64::from(process.pid) != tgid {
        return Err(ESRCH);
    }
    send_to_thread(&process, thread, signal, current()?.pid);
    Ok(0)
}
