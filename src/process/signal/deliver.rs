//! The kernel side of signals: sending them to processes and threads, and running them at
//! every return to user mode, from a system call ([`on_syscall_exit`]), an interrupt
//! ([`on_interrupt_exit`]) or a fault ([`on_fault`]); `rt_sigreturn` ([`sigreturn`]).
//!
//! Delivering a signal with a handler writes Linux's frame (`arch::signal_frame`) below the
//! user stack pointer (or on the alternate stack), saves the FPU registers there, adds the
//! action's mask (and the signal itself unless `SA_NODEFER`) to the thread's mask, and points
//! the return at the handler. Several pending signals nest frames, one per handler, as on
//! Linux. A frame that cannot be written (no `SA_RESTORER`, a bad stack) forces SIGSEGV.
//!
//! A system call that a signal interrupts returns one of Linux's internal restart codes
//! (`ERESTARTSYS` and friends); the return path turns it into `EINTR` when a handler runs
//! without `SA_RESTART`, and otherwise rewinds RIP over the `syscall` instruction (2 bytes)
//! with RAX the call number again, so the call runs anew (signal(7), "Interruption of system
//! calls and library functions by signal handlers").

use super::*;
use crate::arch::fpu::FpuState;
use crate::arch::interrupt_frame::InterruptFrame;
use crate::arch::signal_frame::{
    self, FaultDetails, FrameContents, Placement, RED_ZONE, UCONTEXT_SIZE, UserContext,
};
use crate::arch::syscall::SyscallFrame;
use crate::arch::user_context;
use crate::process::Process;
use crate::process::layout::USER_END;
use crate::sched;
use crate::syscall::errno::*;
use crate::syscall::uaccess;
use alloc::sync::Arc;
use core::sync::atomic::Ordering;

/// Generates `info` for `process` (or one of its threads), and wakes the thread that may take
/// it, so that a blocking call returns. Safe with interrupts on or off.
pub fn send(process: &Process, target: Target, info: SigInfo) {
    if process.exit_status().is_some() {
        return;
    }
    let main = process.tid.load(Ordering::SeqCst);
    if info.signal == SIGCONT {
        // Continues the process whatever SIGCONT's disposition and mask (signal(7)).
        jobctl::resume(process);
    }
    let mut wake = [0u32; 8];
    let count;
    {
        let mut signals = process.signals.lock();
        if bit(info.signal) & STOP_SIGNALS != 0 {
            signals.discard_set(bit(SIGCONT));
            if signals.stops_now(target, main, info.signal) {
                drop(signals);
                jobctl::stop(process, info.signal);
                return;
            }
        }
        if !signals.post(target, main, info) {
            return;
        }
        if info.signal == SIGKILL && process.job.is_stopped() {
            // Parked threads wake to end (send wakes only those known to the signal state).
            drop(signals);
            process.hint_signals();
            process.wake_threads();
            return;
        }
        process.signal_hint.store(true, Ordering::SeqCst);
        match target {
            Target::Thread(tid) => {
                wake[0] = tid;
                count = 1;
            }
            Target::Process => {
                wake[0] = main;
                let mut n = 1;
                for (&tid, thread) in signals.threads.iter() {
                    if tid != main && thread.mask & bit(info.signal) == 0 && n < wake.len() {
                        wake[n] = tid;
                        n += 1;
                    }
                }
                count = n;
            }
        }
    }
    for &tid in &wake[..count] {
        sched::wake(tid);
    }
}

/// A thread-directed signal the thread cannot refuse (see [`Signals::force`]).
pub fn force(process: &Process, tid: u32, info: SigInfo) {
    process.signals.lock().force(tid, info);
    process.signal_hint.store(true, Ordering::SeqCst);
}

/// Tells `child`'s parent that it ended with wait status `status` (SIGCHLD, with
/// `CLD_EXITED`, `CLD_KILLED` or `CLD_DUMPED`). Returns true when the parent asked for its
/// children to be reaped at once (SIGCHLD ignored, or `SA_NOCLDWAIT`): then no zombie stays.
pub fn notify_parent(child: &Process, status: i32) -> bool {
    let Some(parent) = crate::process::get(child.parent()) else {
        return false;
    };
    let action = parent.signals.lock().action(SIGCHLD);
    let (code, value) = match (status & 0x7f, status & 0x80) {
        (0, _) => (code::CLD_EXITED, (status >> 8) & 0xff),
        (signal, 0) => (code::CLD_KILLED, signal),
        (signal, _) => (code::CLD_DUMPED, signal),
    };
    send(
        &parent,
        Target::Process,
        SigInfo::child(code, child.pid, value),
    );
    action.handler == SIG_IGN || action.flags & SA_NOCLDWAIT != 0
}

/// Whether the running thread has a signal to take: what ends its blocking waits.
pub fn interrupted(process: &Process) -> bool {
    process.signal_hint.load(Ordering::SeqCst)
        && process.signals.lock().deliverable(sched::current())
}

/// The return from a system call numbered `number`, whose result is in `frame`'s RAX. Runs
/// after every system call: the common case (nothing pending, no restart code) is a load and
/// two compares, inlined into the dispatcher.
#[inline(always)]
pub fn on_syscall_exit(frame: &mut SyscallFrame, number: u64) {
    let pending =
        sched::with_current_process(|p| p.is_some_and(|p| p.signal_hint.load(Ordering::Relaxed)));
    // -ERESTART_RESTARTBLOCK ..= -ERESTARTSYS, as one unsigned range check.
    let restart = (frame.regs.rax as i64).wrapping_add(i64::from(ERESTART_RESTARTBLOCK)) as u64
        <= u64::from((ERESTART_RESTARTBLOCK - ERESTARTSYS) as u32);
    if pending || restart {
        syscall_exit_slow(frame, number, pending);
    }
}

#[cold]
#[inline(never)]
fn syscall_exit_slow(frame: &mut SyscallFrame, number: u64, pending: bool) {
    let process = if pending {
        sched::current_process()
    } else {
        None
    };
    if let Some(status) = process.as_ref().and_then(|p| p.must_leave()) {
        // Another thread ended the process (exit_group, a fatal signal) or execs: this one
        // goes. No reference may stay in this frame: exit_current never returns.
        drop(process);
        crate::process::exit_current(status);
    }
    let mut context = user_context::from_syscall(frame);
    match process {
        Some(process) => {
            let fatal = run(
                &process,
                &mut context,
                FaultDetails::default(),
                Some(number),
            );
            end_if_fatal(process, fatal);
        }
        // A restart code without a signal (it went away meanwhile): run the call again.
        None => restart(&mut context, number, None),
    }
    user_context::to_syscall(&context, frame);
}

/// The return from an interrupt taken in ring 3.
pub fn on_interrupt_exit(frame: &mut InterruptFrame) {
    let pending =
        sched::with_current_process(|p| p.is_some_and(|p| p.signal_hint.load(Ordering::SeqCst)));
    if !pending {
        return;
    }
    let Some(process) = sched::current_process() else {
        return;
    };
    let mut context = user_context::from_interrupt(frame);
    let before = context;
    let fatal = run(&process, &mut context, FaultDetails::default(), None);
    end_if_fatal(process, fatal);
    if context != before {
        user_context::to_interrupt(&context, frame);
    }
}

/// A fault in ring 3 that raises `info` (forced: see [`Signals::force`]); returns to the
/// handler, or ends the process.
pub fn on_fault(frame: &mut InterruptFrame, info: SigInfo, fault: FaultDetails) {
    let process = sched::current_process().expect("a user fault has a process");
    force(&process, sched::current(), info);
    let mut context = user_context::from_interrupt(frame);
    let fatal = run(&process, &mut context, fault, None);
    end_if_fatal(process, fatal);
    user_context::to_interrupt(&context, frame);
}

/// Whether a fault raising `signal` will run a handler (otherwise it ends the process).
pub fn will_catch(process: &Process, signal: Signal) -> bool {
    let signals = process.signals.lock();
    signals.action(signal).is_handler() && signals.mask(sched::current()) & bit(signal) == 0
}

fn restart_code(rax: u64) -> Option<Errno> {
    let errno = (rax as i64).checked_neg()?;
    let errno = Errno::try_from(errno).ok()?;
    matches!(
        errno,
        ERESTARTSYS | ERESTARTNOINTR | ERESTARTNOHAND | ERESTART_RESTARTBLOCK
    )
    .then_some(errno)
}

/// Settles an interrupted call's restart code: `handler_flags` are the `sa_flags` of the
/// handler about to run, `None` when none runs.
fn restart(context: &mut UserContext, number: u64, handler_flags: Option<u64>) {
    let Some(errno) = restart_code(context.regs.rax) else {
        return;
    };
    let again = match (errno, handler_flags) {
        (_, None) | (ERESTARTNOINTR, _) => true,
        (ERESTARTSYS, Some(flags)) => flags & SA_RESTART != 0,
        _ => false,
    };
    if again {
        context.regs.rax = number;
        context.rip -= 2;
    } else {
        context.regs.rax = (-i64::from(EINTR)) as u64;
    }
}

/// Delivers what is pending for the running thread into `context`: handlers get frames,
/// ignored signals vanish, a fatal one ends the process here.
/// Ends the process with the wait status `run` returned, if it did. The caller's reference
/// is dropped first: `exit_current` never returns, and a reference left in this frame would
/// keep the process (and all it holds) for good.
fn end_if_fatal(process: Arc<Process>, fatal: Option<i32>) {
    drop(process);
    if let Some(status) = fatal {
        crate::process::exit_current(status);
    }
}

/// Delivers what is pending for the running thread into `context`; returns the wait status
/// when a default action ends the process (the caller then calls [`end_if_fatal`]).
fn run(
    process: &Arc<Process>,
    context: &mut UserContext,
    fault: FaultDetails,
    mut syscall: Option<u64>,
) -> Option<i32> {
    let tid = sched::current();
    loop {
        // A stopped process's threads wait here, before they take any other signal.
        if let Some(status) = jobctl::park(process) {
            return Some(status);
        }
        let (info, action) = {
            let mut signals = process.signals.lock();
            let Some(info) = signals.dequeue(tid) else {
                break;
            };
            let action = signals.action(info.signal);
            (info, action)
        };
        match action.handler {
            SIG_IGN => continue,
            SIG_DFL => match default_action(info.signal) {
                DefaultAction::Terminate | DefaultAction::Core => {
                    return Some(termination_status(info.signal));
                }
                // A stop signal that was blocked when it came (the loop then parks).
                DefaultAction::Stop => {
                    jobctl::stop(process, info.signal);
                    continue;
                }
                _ => continue,
            },
            _ => {}
        }
        if let Some(number) = syscall.take() {
            restart(context, number, Some(action.flags));
        }
        match setup_frame(process, tid, context, &info, &action, fault) {
            Ok(entry) => *context = entry,
            Err(()) => {
                log::warn!(
                    "pid {}: cannot deliver {} (no restorer or bad stack): SIGSEGV",
                    process.pid,
                    name(info.signal)
                );
                let mut signals = process.signals.lock();
                if info.signal == SIGSEGV {
                    signals.set_action(SIGSEGV, Action::default());
                }
                signals.force(tid, SigInfo::kernel(SIGSEGV));
            }
        }
    }
    if let Some(number) = syscall {
        restart(context, number, None);
    }
    let mut signals = process.signals.lock();
    let thread = signals.thread(tid);
    if let Some(mask) = thread.saved_mask.take() {
        thread.mask = mask;
    }
    // The hint also stands for a group exit or another thread's execve (`must_leave`).
    if !signals.any_pending() && process.must_leave().is_none() && !process.job.is_stopped() {
        process.signal_hint.store(false, Ordering::SeqCst);
    }
    None
}

fn on_stack(sp: u64, stack: &StackT) -> bool {
    stack.size != 0 && sp > stack.sp && sp - stack.sp <= stack.size
}

/// The alternate stack as `sigaltstack`'s old value and `uc_stack` show it at `sp`.
pub fn altstack_state(stack: &StackT, sp: u64) -> StackT {
    let mode = if stack.size == 0 {
        SS_DISABLE
    } else if on_stack(sp, stack) {
        SS_ONSTACK
    } else {
        0
    };
    StackT {
        sp: stack.sp,
        flags: mode | (stack.flags & SS_AUTODISARM),
        size: stack.size,
    }
}

/// `sigaltstack`'s change (also what `rt_sigreturn` does with `uc_stack`).
pub fn set_altstack(thread: &mut ThreadSignals, new: StackT, sp: u64) -> Result<(), Errno> {
    if on_stack(sp, &thread.altstack) {
        return Err(EPERM);
    }
    let mode = new.flags & !SS_AUTODISARM;
    if mode != 0 && mode != SS_ONSTACK && mode != SS_DISABLE {
        return Err(EINVAL);
    }
    if mode == SS_DISABLE {
        thread.altstack = StackT::default();
        return Ok(());
    }
    if new.size < MINSIGSTKSZ {
        return Err(ENOMEM);
    }
    thread.altstack = StackT {
        sp: new.sp,
        flags: new.flags & SS_AUTODISARM,
        size: new.size,
    };
    Ok(())
}

/// Writes the frame for `info` and returns the context the handler starts in.
fn setup_frame(
    process: &Process,
    tid: u32,
    context: &UserContext,
    info: &SigInfo,
    action: &Action,
    fault: FaultDetails,
) -> Result<UserContext, ()> {
    // x86_64 has no signal trampoline in the kernel: the program must name its restorer.
    if action.flags & SA_RESTORER == 0 || action.handler >= USER_END {
        return Err(());
    }
    let (mask, saved, uc_stack, top) = {
        let mut signals = process.signals.lock();
        let thread = signals.thread(tid);
        let saved = thread.saved_mask.take();
        let mask = saved.unwrap_or(thread.mask);
        let stack = thread.altstack;
        let uc_stack = altstack_state(&stack, context.rsp);
        let switch =
            action.flags & SA_ONSTACK != 0 && stack.size != 0 && !on_stack(context.rsp, &stack);
        let top = if switch {
            if stack.flags & SS_AUTODISARM != 0 {
                thread.altstack = StackT::default();
            }
            stack.sp.checked_add(stack.size)
        } else {
            context.rsp.checked_sub(RED_ZONE)
        };
        (mask, saved, uc_stack, top)
    };
    let undo = || {
        let mut signals = process.signals.lock();
        let thread = signals.thread(tid);
        if saved.is_some() {
            thread.saved_mask = saved;
        }
    };
    let Some(placement) = top.and_then(Placement::below) else {
        undo();
        return Err(());
    };
    let fpu = FpuState::capture();
    let (cs, ss) = user_context::user_selectors();
    let siginfo = info.to_bytes();
    let frame = signal_frame::build(
        &FrameContents {
            context,
            fault,
            mask,
            altstack: uc_stack,
            siginfo: &siginfo,
            restorer: action.restorer,
            cs,
            ss,
        },
        placement,
    );
    if uaccess::copy_to_user(placement.fpstate, fpu.as_bytes()).is_err()
        || uaccess::copy_to_user(placement.frame, &frame).is_err()
    {
        undo();
        return Err(());
    }
    {
        let mut signals = process.signals.lock();
        let thread = signals.thread(tid);
        let mut blocked = thread.mask | action.mask;
        if action.flags & SA_NODEFER == 0 {
            blocked |= bit(info.signal);
        }
        thread.mask = blocked & !UNBLOCKABLE;
        if action.flags & SA_RESETHAND != 0 {
            signals.set_action(info.signal, Action::default());
        }
    }
    // The handler starts with a clean FPU, as on Linux; the program's state is in the frame.
    FpuState::default().restore();
    Ok(signal_frame::handler_entry(
        context,
        action.handler,
        info.signal,
        placement,
    ))
}

/// `rt_sigreturn`: restores what the frame at the caller's stack holds (registers, mask, FPU
/// state, alternate stack) and leaves through `iretq`. Returns only when the frame is bad,
/// after forcing SIGSEGV (Linux `signal_fault`).
pub fn sigreturn(frame: &SyscallFrame) {
    let Some(process) = sched::current_process() else {
        return;
    };
    let tid = sched::current();
    match read_frame(frame) {
        Ok((restored, fpu)) => {
            {
                let mut signals = process.signals.lock();
                let thread = signals.thread(tid);
                thread.mask = restored.mask & !UNBLOCKABLE;
                // Judged at the stack pointer rt_sigreturn was called with, and errors are
                // ignored, as Linux's restore_altstack does: a handler that ran on the
                // alternate stack gets EPERM and leaves it as it is; one that disarmed it
                // (SS_AUTODISARM) gets it back.
                let _ = set_altstack(thread, restored.altstack, frame.user_rsp);
            }
            // The restored mask may let pending signals through: look (run clears the hint).
            process.signal_hint.store(true, Ordering::SeqCst);
            fpu.restore();
            let mut context = restored.context;
            let fatal = run(&process, &mut context, FaultDetails::default(), None);
            end_if_fatal(process, fatal);
            // SAFETY: interrupts are off (a system call); `read_frame` checked that RIP is a
            // user address, and handler entries are checked by `setup_frame`; `parse` kept
            // the privileged RFLAGS bits; this thread's kernel stack is the per-CPU one.
            unsafe { user_context::return_to(&context) }
        }
        Err(()) => {
            log::warn!(
                "pid {}: rt_sigreturn with a bad frame at {:#x}: SIGSEGV",
                process.pid,
                frame.user_rsp
            );
            force(&process, tid, SigInfo::kernel(SIGSEGV));
        }
    }
}

fn read_frame(frame: &SyscallFrame) -> Result<(signal_frame::Restored, FpuState), ()> {
    let mut ucontext = [0u8; UCONTEXT_SIZE];
    uaccess::copy_from_user(&mut ucontext, frame.user_rsp).map_err(|_| ())?;
    let restored = signal_frame::parse(&ucontext, frame.regs.r11);
    if restored.context.rip >= USER_END {
        return Err(());
    }
    let fpu = if restored.fpstate == 0 {
        FpuState::default()
    } else {
        let mut image = [0u8; 512];
        uaccess::copy_from_user(&mut image, restored.fpstate).map_err(|_| ())?;
        FpuState::from_user_image(&image)
    };
    Ok((restored, fpu))
}
