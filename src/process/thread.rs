//! Threads of one process (clone(2) with `CLONE_THREAD`): every thread of a [`Process`] runs
//! on its address space, its descriptor table and its working directory, each on a kernel
//! thread of the scheduler of its own, with its own user-visible thread id (from the pid
//! counter: the first thread's id is the pid, as on Linux), its own FS base (TLS) and stack.
//!
//! - `set_tid_address` and `CLONE_CHILD_CLEARTID` name a word that is zeroed and futex-woken
//!   when the thread exits: how `pthread_join` and musl's thread-list lock learn of it.
//! - `set_robust_list` names the head of its robust futex list, released at exit just before
//!   that word ([`super::robust`]).
//! - `exit` ends one thread ([`exit_thread`]); the last one to leave ends the process.
//!   `exit_group`, a fatal fault or a kill ends them all: [`super::exit_current`] records the
//!   status, wakes every thread, and each one leaves at its next return towards user mode.

use super::futex::{self, FutexKey};
use super::{Pid, Process, SpawnError};
use crate::arch::syscall::SyscallFrame;
use crate::sched::{self, Tid};
use alloc::sync::Arc;
use core::sync::atomic::Ordering;

/// What the kernel keeps per thread of a process.
#[derive(Debug, Clone, Copy)]
pub struct UserThread {
    /// The id `gettid` returns.
    pub tid: Pid,
    /// The scheduler's thread.
    pub sched_tid: Tid,
    /// Zeroed and futex-woken at exit (0: none).
    pub clear_child_tid: u64,
    /// set_robust_list's head, walked at exit before the clear-child-tid word (0: none).
    pub robust_list: u64,
}

impl UserThread {
    pub fn new(tid: Pid, sched_tid: Tid) -> Self {
        UserThread {
            tid,
            sched_tid,
            clear_child_tid: 0,
            robust_list: 0,
        }
    }
}

/// Runs `f` on the running thread's record, if the running thread belongs to a process.
pub fn with_current<R>(f: impl FnOnce(&mut UserThread) -> R) -> Option<R> {
    let process = sched::current_process()?;
    let me = sched::current();
    let mut threads = process.threads.lock();
    threads.iter_mut().find(|t| t.sched_tid == me).map(f)
}

/// The running thread's id (`gettid`).
pub fn current_tid() -> Option<Pid> {
    with_current(|t| t.tid)
}

/// The futex key of word `addr` of the running process (see [`futex`]).
pub fn futex_key(process: &Process, addr: u64) -> FutexKey {
    let shared = process.memory.lock().find(addr).is_some_and(|v| v.shared);
    if shared && let Some(phys) = crate::memory::paging::translate_addr(x86_64::VirtAddr::new(addr))
    {
        return FutexKey::Shared {
            phys: phys.as_u64(),
        };
    }
    FutexKey::Private {
        pid: process.pid,
        addr,
    }
}

/// What `clone` asks of a new thread.
#[derive(Debug, Clone, Copy)]
pub struct NewThread {
    /// The user stack pointer it starts with (0: the caller's).
    pub stack: u64,
    /// `CLONE_SETTLS`: its FS base.
    pub tls: Option<u64>,
    /// `CLONE_CHILD_CLEARTID`: the word zeroed and woken at its exit.
    pub clear_child_tid: u64,
}

/// Starts a thread in the running process that returns 0 from the same system call, on
/// `request.stack`; returns its thread id, known before it runs (`CLONE_PARENT_SETTID`).
pub fn spawn(frame: &SyscallFrame, request: NewThread) -> Result<Pid, SpawnError> {
    let process = sched::current_process().expect("clone from a process");
    let tid = super::NEXT_PID.fetch_add(1, Ordering::SeqCst);
    let mut child_frame = *frame;
    child_frame.regs.rax = 0;
    if request.stack != 0 {
        child_frame.user_rsp = request.stack;
    }
    let fs_base = request.tls.unwrap_or_else(crate::arch::user_mode::fs_base);
    // The caller's x87/SSE registers are live (the kernel never touches them).
    let fpu = crate::arch::fpu::FpuState::capture();
    let root = crate::arch::cpu::page_table_root().0;
    // Counted before it can run, so that an exit_group meanwhile waits for it to leave.
    process.live_threads.fetch_add(1, Ordering::SeqCst);
    let body_process = process.clone();
    let body = move || {
        let process = body_process;
        let mut thread = UserThread::new(tid, sched::current());
        thread.clear_child_tid = request.clear_child_tid;
        process.threads.lock().push(thread);
        let dying = process.must_leave();
        drop(process);
        if let Some(status) = dying {
            super::exit_current(status);
        }
        crate::arch::user_mode::set_fs_base(fs_base);
        fpu.restore();
        let frame = child_frame;
        // SAFETY: interrupts are off (a new thread starts so); the frame is the caller's at
        // its `syscall` with the stack it asked for, in the same address space; it lies on
        // this thread's kernel stack.
        unsafe { crate::arch::syscall::return_to_user(&frame) }
    };
    // The new thread starts with its creator's signal mask (clone(2)); it cannot run before
    // this (interrupts are off in a system call).
    let mask = process.signals.lock().mask(sched::current());
    match sched::spawn(&process.name(), root, Some(process.clone()), body) {
        Ok(sched_tid) => {
            process.signals.lock().set_mask(sched_tid, mask);
            Ok(tid)
        }
        Err(err) => {
            process.live_threads.fetch_sub(1, Ordering::SeqCst);
            Err(match err {
                sched::SpawnError::OutOfMemory => SpawnError::OutOfMemory,
                sched::SpawnError::TooManyThreads => SpawnError::TooManyThreads,
            })
        }
    }
}

/// At an execve, the running thread's robust futex list is released ([`super::robust`]) and
/// forgotten (Linux's exec_mm_release). At an exit, [`leave_shared`] and [`leave_last`] do it
/// on the record they take anyway, so an exit without a list costs nothing more.
pub(super) fn release_robust_list(process: &Arc<Process>) {
    let me = sched::current();
    let found = {
        let mut threads = process.threads.lock();
        threads
            .iter_mut()
            .find(|t| t.sched_tid == me)
            .map(|t| (core::mem::take(&mut t.robust_list), t.tid))
    };
    if let Some((head, tid)) = found
        && head != 0
    {
        super::robust::release_current(process, head, tid);
    }
}

/// `exit(2)`: ends the running thread with `code`; the process ends when it was the last.
pub fn exit_thread(code: u64) -> ! {
    crate::arch::interrupts::disable();
    let process = sched::current_process().expect("exit from a process thread");
    super::leave(process, ((code & 0xff) as i32) << 8)
}

/// The last thread of `process` leaves: every record goes, and its robust list is released
/// while the address space is still there.
pub(super) fn leave_last(process: &Arc<Process>) {
    let me = sched::current();
    let threads = core::mem::take(&mut *process.threads.lock());
    if let Some(thread) = threads.iter().find(|t| t.sched_tid == me)
        && thread.robust_list != 0
    {
        super::robust::release_current(process, thread.robust_list, thread.tid);
    }
}

/// The running thread leaves `process`, which other threads still run: its record goes, its
/// robust list is released, then its clear-child-tid word is zeroed and woken (Linux's
/// mm_release order; the address space is still there).
pub(super) fn leave_shared(process: &Arc<Process>) {
    let me = sched::current();
    process.signals.lock().thread_exited(me);
    let record = {
        let mut threads = process.threads.lock();
        threads
            .iter()
            .position(|t| t.sched_tid == me)
            .map(|i| threads.swap_remove(i))
    };
    let Some(thread) = record else {
        return;
    };
    if thread.robust_list != 0 {
        super::robust::release_current(process, thread.robust_list, thread.tid);
    }
    if thread.clear_child_tid != 0
        && crate::syscall::uaccess::copy_to_user(thread.clear_child_tid, &0u32.to_le_bytes())
            .is_ok()
    {
        futex::wake(futex_key(process, thread.clear_child_tid), 1, u32::MAX);
    }
}
