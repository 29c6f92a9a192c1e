//! Threads and the scheduler: preemptive round robin on the timer tick.
//!
//! - Every thread has its own kernel stack above a guard page ([`kstack`]) and is switched by
//!   saving its callee-saved registers and stack pointer ([`crate::arch::context_switch`]).
//! - The thread that booted the kernel becomes thread 0, the *kernel thread* that runs the
//!   async executor (the shell and the other tasks). It never blocks here: when its executor
//!   has nothing to do it calls [`idle`], which hands the CPU to a ready thread or halts.
//! - The timer tick ([`on_tick`]) counts CPU time, wakes sleepers and ends a thread's slice
//!   after [`SLICE_TICKS`] ticks; the switch itself happens after the interrupt's EOI
//!   ([`irq_exit`]). Code interrupted in ring 3 is always preemptible. Kernel code is
//!   preempted only while it holds none of the locks that the next thread might take with
//!   interrupts off (heap, frames, page tables); otherwise the switch waits for the next IRQ.
//! - System calls run with interrupts off (SFMASK clears IF) and never hold a lock across a
//!   switch. A blocking call sets its thread's state and switches away ([`block`]); whoever
//!   makes the awaited event happen calls [`wake`].
//! - Every switch happens with interrupts off; each thread gets its own interrupt state back
//!   as it returns from where it switched away.
//!
//! All scheduler state is behind one [`IrqMutex`]. Kestrel runs on one CPU; SMP will need a
//! run queue per CPU and the lock held across the switch.

pub mod irq_mutex;
pub mod kstack;

use crate::arch::fpu::FpuState;
use crate::arch::{context_switch, interrupts, percpu, user_mode};
use crate::memory::address_space;
use crate::process::Process;
use alloc::boxed::Box;
use alloc::collections::{BTreeMap, VecDeque};
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, AtomicPtr, Ordering};
use irq_mutex::IrqMutex;
use kstack::KernelStack;
use x86_64::structures::paging::PhysFrame;

pub type Tid = u32;

/// 10 ticks of the 1 kHz timer: a 10 ms time slice.
pub const SLICE_TICKS: u32 = 10;
/// The most threads at once (the ready queue never grows past it, so the tick never
/// allocates).
pub const MAX_THREADS: usize = 256;

/// Why a thread waits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wait {
    /// Until the tick count reaches this.
    Sleep(u64),
    /// For a child process to exit.
    Child,
    /// For console input.
    Console,
    /// For a pipe to be read or written.
    Pipe,
    /// On a futex without a deadline (`process::futex`; a timed wait sleeps instead).
    Futex,
    /// Parked in a stopped process until SIGCONT or SIGKILL (`process::signal::jobctl`).
    Stopped,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    Ready,
    Running,
    Blocked(Wait),
    Dead,
}

impl State {
    pub fn name(&self) -> &'static str {
        match self {
            State::Ready => "ready",
            State::Running => "running",
            State::Blocked(Wait::Sleep(_)) => "sleeping",
            State::Blocked(Wait::Child) => "wait-child",
            State::Blocked(Wait::Console) => "wait-input",
            State::Blocked(Wait::Pipe) => "wait-pipe",
            State::Blocked(Wait::Futex) => "wait-futex",
            State::Blocked(Wait::Stopped) => "stopped",
            State::Dead => "dead",
        }
    }
}

struct Thread {
    tid: Tid,
    name: String,
    state: State,
    /// The saved stack pointer while the thread is not running.
    rsp: u64,
    /// `None` for thread 0, which runs on the boot stack.
    stack: Option<KernelStack>,
    /// The P4 it runs on: the kernel's, or its process's.
    root: PhysFrame,
    fs_base: u64,
    /// A user thread's x87/SSE registers while it is not running.
    fpu: FpuState,
    ticks: u64,
    process: Option<Arc<Process>>,
}

struct Scheduler {
    threads: BTreeMap<Tid, Box<Thread>>,
    ready: VecDeque<Tid>,
    current: Tid,
    next_tid: Tid,
    slice_left: u32,
    /// Threads that died; their stacks are freed by the next thread to run.
    dead: Vec<Tid>,
}

static SCHED: IrqMutex<Option<Scheduler>> = IrqMutex::new(None);
static NEED_RESCHED: AtomicBool = AtomicBool::new(false);
/// The running thread's process (null for kernel threads): the system-call fast path reads
/// it without taking the scheduler lock.
static CURRENT_PROCESS: AtomicPtr<Process> = AtomicPtr::new(core::ptr::null_mut());
/// Thread 0 is halted in [`idle`]: any wake-up should switch to the woken thread at once.
static IDLE: AtomicBool = AtomicBool::new(false);

/// One row of [`threads`].
#[derive(Debug, Clone)]
pub struct ThreadInfo {
    pub tid: Tid,
    pub pid: Option<u32>,
    pub name: String,
    pub state: State,
    pub ticks: u64,
}

/// Makes the running code thread 0 and hooks the scheduler to the timer and the dispatcher.
/// Needs memory::init and the timer.
pub fn init() {
    address_space::init().expect("kernel page tables for address spaces");
    let mut threads = BTreeMap::new();
    threads.insert(
        0,
        Box::new(Thread {
            tid: 0,
            name: String::from("kernel"),
            state: State::Running,
            rsp: 0,
            stack: None,
            root: address_space::kernel_p4(),
            fs_base: 0,
            fpu: FpuState::default(),
            ticks: 0,
            process: None,
        }),
    );
    *SCHED.lock() = Some(Scheduler {
        threads,
        ready: VecDeque::with_capacity(MAX_THREADS + 1),
        current: 0,
        next_tid: 1,
        slice_left: SLICE_TICKS,
        dead: Vec::with_capacity(MAX_THREADS + 1),
    });
    crate::trap::set_irq_exit_hook(Some(irq_exit));
    crate::trap::set_user_fault_hook(Some(crate::process::fault::user_fault));
    crate::time::set_scheduler_tick(Some(on_tick));
    log::info!("sched: round robin, {SLICE_TICKS} ms slices");
}

pub fn is_running() -> bool {
    SCHED.lock().is_some()
}

fn with<R>(f: impl FnOnce(&mut Scheduler) -> R) -> R {
    let mut guard = SCHED.lock();
    f(guard.as_mut().expect("sched::init has not run"))
}

/// The running thread's id.
pub fn current() -> Tid {
    with(|s| s.current)
}

/// The running thread's process, if it is a user thread.
pub fn current_process() -> Option<Arc<Process>> {
    with(|s| s.threads[&s.current].process.clone())
}

/// Runs `f` on the running thread's process without taking the scheduler lock: the system
/// calls' fast path.
pub fn with_current_process<R>(f: impl FnOnce(Option<&Process>) -> R) -> R {
    let process = CURRENT_PROCESS.load(Ordering::Relaxed);
    // SAFETY: the pointer comes from the running thread's own `Arc<Process>` (set at every
    // switch), which lives as long as the thread, and the thread is freed only after it
    // stopped running; the borrow ends before `f` returns, on this same thread.
    f(unsafe { process.as_ref() })
}

/// Starts a thread that calls `entry` on a fresh kernel stack, with interrupts off, on the
/// P4 `root`. The thread must end in [`exit_thread`]. `entry` is moved onto the new stack
/// before it runs, so a body that never returns (one that enters user mode) leaves no heap
/// block behind; what it captured is its own to drop.
pub fn spawn<F: FnOnce() + Send + 'static>(
    name: &str,
    root: PhysFrame,
    process: Option<Arc<Process>>,
    entry: F,
) -> Result<Tid, SpawnError> {
    let stack = KernelStack::new().map_err(|_| SpawnError::OutOfMemory)?;
    let arg = Box::into_raw(Box::new(entry)) as u64;
    // SAFETY: the stack was just mapped and belongs to the new thread alone.
    let rsp = unsafe { context_switch::prepare_stack(stack.top(), thread_start::<F>, arg) };
    let mut thread = Box::new(Thread {
        tid: 0,
        name: String::from(name),
        state: State::Ready,
        rsp,
        stack: Some(stack),
        root,
        fs_base: 0,
        fpu: FpuState::default(),
        ticks: 0,
        process,
    });
    let result = with(|s| {
        if s.threads.len() >= MAX_THREADS {
            return Err(thread);
        }
        let tid = s.next_tid;
        s.next_tid += 1;
        thread.tid = tid;
        s.threads.insert(tid, thread);
        s.ready.push_back(tid);
        Ok(tid)
    });
    result.map_err(|thread| {
        // SAFETY: the thread never ran, so `arg` is still the box made above.
        drop(unsafe { Box::from_raw(arg as *mut F) });
        drop(thread);
        SpawnError::TooManyThreads
    })
}

/// Starts a kernel thread on the kernel's P4 that runs `f` with interrupts on (so the tick
/// preempts it like any thread) and ends when `f` returns.
pub fn spawn_kernel(name: &str, f: impl FnOnce() + Send + 'static) -> Result<Tid, SpawnError> {
    spawn(name, address_space::kernel_p4(), None, move || {
        interrupts::enable();
        f();
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpawnError {
    OutOfMemory,
    TooManyThreads,
}

extern "C" fn thread_start<F: FnOnce()>(arg: u64) -> ! {
    after_switch();
    // SAFETY: `spawn` passed a pointer from Box::into_raw of exactly this type. Moving the
    // closure out frees the box now, before the body runs (and perhaps never returns).
    let entry: F = *unsafe { Box::from_raw(arg as *mut F) };
    entry();
    exit_thread()
}

/// Ends the running thread (not thread 0). Its stack is freed once another thread runs.
pub fn exit_thread() -> ! {
    interrupts::disable();
    with(|s| {
        assert_ne!(s.current, 0, "thread 0 never exits");
        let tid = s.current;
        s.threads.get_mut(&tid).expect("current exists").state = State::Dead;
        s.dead.push(tid);
    });
    switch_away();
    unreachable!("a dead thread was resumed");
}

/// Gives up the CPU to the next ready thread, if any (the caller stays ready).
pub fn yield_now() {
    let enabled = interrupts::are_enabled();
    interrupts::disable();
    let others = with(|s| !s.ready.is_empty());
    if others {
        switch_away();
    }
    if enabled {
        interrupts::enable();
    }
}

/// Blocks the running thread until [`wake`] (or the tick, for sleeps). Interrupts must be off.
/// Returns at once when a kill is pending for the thread's process (except for a stopped
/// thread, which other signals leave parked). Callers re-check their condition in a loop: a
/// wake-up is a hint, not a promise.
pub fn block(wait: Wait) {
    debug_assert!(!interrupts::are_enabled());
    if wait != Wait::Stopped && current_process().is_some_and(|p| p.kill_pending()) {
        return;
    }
    with(|s| {
        let tid = s.current;
        s.threads.get_mut(&tid).expect("current exists").state = State::Blocked(wait);
    });
    switch_away();
}

/// Makes thread `tid` ready if it is blocked (for whatever reason).
pub fn wake(tid: Tid) {
    with(|s| wake_locked(s, tid));
}

fn wake_locked(s: &mut Scheduler, tid: Tid) {
    if let Some(thread) = s.threads.get_mut(&tid)
        && matches!(thread.state, State::Blocked(_))
    {
        thread.state = State::Ready;
        s.ready.push_back(tid);
        if IDLE.load(Ordering::Relaxed) {
            NEED_RESCHED.store(true, Ordering::Relaxed);
        }
    }
}

/// Wakes every thread blocked for `wait` (children exiting, console input arriving).
pub fn wake_all(wait: Wait) {
    with(|s| {
        // No allocation: this runs in interrupt handlers too. So the waiters are found 32 at
        // a time; a woken one is no longer blocked, so each pass finds the next ones, and
        // every waiter is woken by this event (one left blocked might never see another).
        loop {
            let tids = s
                .threads
                .values()
                .filter(|t| t.state == State::Blocked(wait))
                .map(|t| t.tid);
            let mut found = [0; 32];
            let mut count = 0;
            for tid in tids.take(found.len()) {
                found[count] = tid;
                count += 1;
            }
            for &tid in &found[..count] {
                wake_locked(s, tid);
            }
            if count < found.len() {
                break;
            }
        }
    });
}

/// Sleeps the running thread for `ticks` tick periods of uptime.
pub fn sleep_ticks(ticks: u64) {
    let until = crate::time::clock_ticks() + ticks.max(1);
    while crate::time::clock_ticks() < until {
        block(Wait::Sleep(until));
        if current_process().is_some_and(|p| p.kill_pending()) {
            return;
        }
    }
}

/// Thread 0's idle step (the executor has nothing ready): runs another thread if one is
/// ready, else halts until the next interrupt (`sti; hlt`, no lost wake-up). Returns with
/// interrupts on.
pub fn idle() {
    interrupts::disable();
    if !is_running() {
        interrupts::enable_and_hlt();
        return;
    }
    if with(|s| !s.ready.is_empty()) {
        switch_away();
        interrupts::enable();
    } else {
        IDLE.store(true, Ordering::Relaxed);
        interrupts::enable_and_hlt();
        IDLE.store(false, Ordering::Relaxed);
    }
}

/// The timer tick (interrupts off): CPU time, sleepers, the time slice; then the processes'
/// interval timers (`process::itimer`), which may wake threads.
fn on_tick(now: u64) {
    let charged = with(|s| {
        let current = s.current;
        // A halted CPU's time is nobody's.
        let charged = !IDLE.load(Ordering::Relaxed);
        if charged && let Some(thread) = s.threads.get_mut(&current) {
            thread.ticks += 1;
        }
        let mut woken = [0; 32];
        let mut count = 0;
        for thread in s.threads.values() {
            if let State::Blocked(Wait::Sleep(until)) = thread.state
                && until <= now
                && count < woken.len()
            {
                woken[count] = thread.tid;
                count += 1;
            }
        }
        for &tid in &woken[..count] {
            wake_locked(s, tid);
        }
        s.slice_left = s.slice_left.saturating_sub(1);
        if s.slice_left == 0 && !s.ready.is_empty() {
            NEED_RESCHED.store(true, Ordering::Relaxed);
        }
        charged
    });
    crate::process::itimer::on_tick(now, charged);
}

/// After every IRQ's EOI: switch if the slice is over (or thread 0 idles and work arrived),
/// then, on the way back to ring 3, deliver pending signals (a handler, or the end of the
/// process).
fn irq_exit(frame: &mut crate::arch::interrupt_frame::InterruptFrame) {
    let from_user = frame.cs & 3 == 3;
    if NEED_RESCHED.load(Ordering::Relaxed) && (from_user || kernel_preemptible()) {
        NEED_RESCHED.store(false, Ordering::Relaxed);
        let others = with(|s| !s.ready.is_empty());
        if others {
            switch_away();
        }
    }
    if from_user {
        if let Some(status) = with_current_process(|p| p.and_then(|p| p.must_leave())) {
            // Another thread ended the process or execs. No reference to the process may stay in
            // this frame: exit_current never returns.
            crate::process::exit_current(status);
        }
        crate::process::signal::deliver::on_interrupt_exit(frame);
    }
}

/// Kernel code can be switched away from unless it holds a lock the next thread may need
/// with interrupts off (these locks panic instead of spinning when re-entered).
fn kernel_preemptible() -> bool {
    !crate::memory::heap::KERNEL_HEAP.is_in_use()
        && !crate::memory::frames::is_in_use()
        && !crate::memory::paging::PAGE_TABLES.is_locked()
}

/// Switches from the running thread to the next ready one. Interrupts must be off. A
/// running thread goes to the back of the queue; one that blocked or died does not. When no
/// thread is ready and the caller cannot go on (it blocked), the CPU halts on the caller's
/// stack until an interrupt makes some thread ready.
fn switch_away() {
    debug_assert!(!interrupts::are_enabled());
    loop {
        let switch = with(|s| {
            let current = s.current;
            let thread = s.threads.get_mut(&current).expect("current exists");
            if thread.state == State::Running {
                thread.state = State::Ready;
                s.ready.push_back(current);
            }
            let Some(next) = s.ready.pop_front() else {
                return Err(());
            };
            s.slice_left = SLICE_TICKS;
            if next == current {
                s.threads.get_mut(&current).expect("current exists").state = State::Running;
                return Ok(None);
            }
            let old = s.threads.get_mut(&current).expect("current exists");
            if old.process.is_some() {
                old.fs_base = user_mode::fs_base();
                old.fpu.save();
            }
            let save: *mut u64 = &mut old.rsp;
            let new = s.threads.get_mut(&next).expect("ready threads exist");
            new.state = State::Running;
            if let Some(stack) = &new.stack {
                percpu::set_kernel_stack(stack.top());
            }
            if new.process.is_some() {
                user_mode::set_fs_base(new.fs_base);
                new.fpu.restore();
            }
            CURRENT_PROCESS.store(
                new.process
                    .as_ref()
                    .map_or(core::ptr::null_mut(), |p| Arc::as_ptr(p).cast_mut()),
                Ordering::Relaxed,
            );
            // SAFETY: the root is the kernel's P4 or a live process's (a process's space is
            // torn down by its own last thread, which then runs on the kernel's P4).
            unsafe { address_space::activate(new.root) };
            s.current = next;
            Ok(Some((save, new.rsp)))
        });
        match switch {
            Ok(None) => return,
            Ok(Some((save, next_rsp))) => {
                // SAFETY: interrupts are off; `next_rsp` was saved by the next thread's last
                // switch (or made by `spawn`); `save` points into the current thread's box,
                // which lives until the thread is reaped, after it stopped running.
                unsafe { context_switch::switch(save, next_rsp) };
                after_switch();
                return;
            }
            Err(()) => {
                IDLE.store(true, Ordering::Relaxed);
                interrupts::enable_and_hlt();
                interrupts::disable();
                IDLE.store(false, Ordering::Relaxed);
                // An interrupt may have switched away and back already.
                if with(|s| s.threads[&s.current].state == State::Running) {
                    return;
                }
            }
        }
    }
}

/// Runs in the thread that was just switched to: frees the stacks of threads that died.
fn after_switch() {
    loop {
        let dead = with(|s| {
            let tid = s.dead.pop()?;
            s.threads.remove(&tid)
        });
        match dead {
            Some(thread) => drop(thread),
            None => break,
        }
    }
}

/// Sets the running thread's P4 (a process thread that made its address space).
pub fn set_current_root(root: PhysFrame) {
    with(|s| {
        let current = s.current;
        s.threads.get_mut(&current).expect("current exists").root = root;
    });
}

/// Renames the running thread (`execve`).
pub fn set_current_name(name: &str) {
    let name = String::from(name);
    with(|s| {
        let current = s.current;
        s.threads.get_mut(&current).expect("current exists").name = name;
    });
}

/// A snapshot of every thread, for `ps`.
pub fn threads() -> Vec<ThreadInfo> {
    let mut out = Vec::new();
    // Collect ids first: allocating under the scheduler lock is fine (interrupts are off and
    // nothing else runs), but keep the lock short anyway.
    with(|s| {
        out.reserve(s.threads.len());
        for t in s.threads.values() {
            out.push(ThreadInfo {
                tid: t.tid,
                pid: t.process.as_ref().map(|p| p.pid),
                name: t.name.clone(),
                state: t.state,
                ticks: t.ticks,
            });
        }
    });
    out
}

/// The thread id of process `pid`'s thread, if it runs.
pub fn thread_of(pid: u32) -> Option<Tid> {
    with(|s| {
        s.threads
            .values()
            .find(|t| t.process.as_ref().is_some_and(|p| p.pid == pid) && t.state != State::Dead)
            .map(|t| t.tid)
    })
}
