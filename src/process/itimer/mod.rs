//! Interval timers (setitimer(2), getitimer(2), alarm(2)): each process has three.
//!
//! - `ITIMER_REAL` counts uptime and sends SIGALRM; `alarm` is the same timer. The armed ones
//!   of every process wait in one [`DeadlineQueue`] sorted by deadline; the timer tick compares
//!   the uptime with the earliest deadline alone (one atomic load when nothing is due), so the
//!   tick costs nothing per process. A periodic timer is put back one period later.
//! - `ITIMER_VIRTUAL` (SIGVTALRM) and `ITIMER_PROF` (SIGPROF) count the process's CPU time as
//!   the scheduler charges it, one tick at a time to the running thread's process. The tick
//!   does not tell user from kernel time, so both count the same time (Linux's VIRTUAL counts
//!   user time only). As on Linux, a new value gets one tick more, so that a partly run tick
//!   charged in full cannot make the timer fire early.
//!
//! Timers fire in the tick's interrupt handler, which must not allocate: arming one reserves
//! room in the process's pending set first ([`crate::process::signal::Signals::reserve_shared`]).
//! `fork` gives the child disarmed timers, `execve` keeps them, and they die with the process
//! ([`process_exited`], before its pid could be looked up again). Deadlines are never early:
//! the tick's clock is whole ticks of uptime, never ahead of it.

pub mod queue;
pub mod value;

use super::Process;
use super::signal::{SIGALRM, SIGPROF, SIGVTALRM, SigInfo, Signal, Target, deliver};
use crate::sched::irq_mutex::IrqMutex;
use crate::syscall::errno::{EAGAIN, ENOMEM, Errno};
use crate::{sched, time};
use core::sync::atomic::{AtomicU64, Ordering};
use queue::{DeadlineQueue, Timer};
pub use value::{ITIMERVAL_SIZE, Setting, alarm_seconds};

/// Which of a process's timers (setitimer's `which`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Which {
    Real,
    Virtual,
    Prof,
}

impl Which {
    /// `ITIMER_REAL` (0), `ITIMER_VIRTUAL` (1), `ITIMER_PROF` (2); anything else is `EINVAL`.
    pub fn from_raw(which: i64) -> Option<Which> {
        match which {
            0 => Some(Which::Real),
            1 => Some(Which::Virtual),
            2 => Some(Which::Prof),
            _ => None,
        }
    }
}

/// Every armed `ITIMER_REAL`. A live process has a thread, so there are never more than
/// [`sched::MAX_THREADS`] of them.
static REAL: IrqMutex<DeadlineQueue<{ sched::MAX_THREADS }>> = IrqMutex::new(DeadlineQueue::new());
/// `REAL`'s earliest deadline (`u64::MAX`: none), for the tick to compare without the lock.
static EARLIEST: AtomicU64 = AtomicU64::new(u64::MAX);

fn tick_nanos() -> u64 {
    time::TICK_PERIOD.as_nanos() as u64
}

fn uptime_nanos() -> u64 {
    time::uptime().as_nanos() as u64
}

/// A process's CPU-time timers.
#[derive(Debug, Default)]
pub struct CpuTimers {
    virtual_time: CpuTimer,
    prof: CpuTimer,
}

/// CPU time left until it fires (0: disarmed) and the period, in nanoseconds. Written by
/// system calls and the tick, both with interrupts off on the CPU that runs processes.
#[derive(Debug, Default)]
struct CpuTimer {
    left: AtomicU64,
    interval: AtomicU64,
}

impl CpuTimer {
    fn setting(&self) -> Setting {
        Setting {
            interval: self.interval.load(Ordering::Relaxed),
            value: self.left.load(Ordering::Relaxed),
        }
    }

    fn set(&self, new: Setting) -> Setting {
        let old = self.setting();
        let value = match new.value {
            0 => 0,
            value => value.saturating_add(tick_nanos()),
        };
        self.interval.store(new.interval, Ordering::Relaxed);
        self.left.store(value, Ordering::Relaxed);
        old
    }

    /// Charges `nanos` of CPU time; true when the timer fires (it re-arms with its period).
    fn charge(&self, nanos: u64) -> bool {
        let left = self.left.load(Ordering::Relaxed);
        if left == 0 {
            return false;
        }
        if left > nanos {
            self.left.store(left - nanos, Ordering::Relaxed);
            return false;
        }
        self.left
            .store(self.interval.load(Ordering::Relaxed), Ordering::Relaxed);
        true
    }
}

impl CpuTimers {
    fn timer(&self, which: Which) -> &CpuTimer {
        match which {
            Which::Virtual => &self.virtual_time,
            _ => &self.prof,
        }
    }
}

/// `getitimer`: the time left until `which` fires, and its period.
pub fn get(process: &Process, which: Which) -> Setting {
    match which {
        Which::Real => REAL
            .lock()
            .find(process.pid)
            .map_or(Setting::default(), |t| remaining(&t, uptime_nanos())),
        cpu => process.cpu_timers.timer(cpu).setting(),
    }
}

/// What `getitimer` reports for an armed real timer: at least 1 ns (a timer due but not yet
/// fired is still armed, as on Linux).
fn remaining(timer: &Timer, now: u64) -> Setting {
    Setting {
        interval: timer.interval,
        value: timer.deadline.saturating_sub(now).max(1),
    }
}

/// `setitimer`: arms (or, with a zero value, disarms) `which`; returns the old setting.
pub fn set(process: &Process, which: Which, new: Setting) -> Result<Setting, Errno> {
    if new.value != 0 {
        // The tick will generate the signal: room for it must exist before then.
        process
            .signals
            .lock()
            .reserve_shared()
            .map_err(|_| ENOMEM)?;
    }
    if which != Which::Real {
        return Ok(process.cpu_timers.timer(which).set(new));
    }
    let now = uptime_nanos();
    let mut queue = REAL.lock();
    let old = queue
        .remove(process.pid)
        .map_or(Setting::default(), |t| remaining(&t, now));
    let armed = if new.value == 0 {
        Ok(())
    } else {
        queue.insert(Timer {
            pid: process.pid,
            deadline: now.saturating_add(new.value),
            interval: new.interval,
        })
    };
    EARLIEST.store(queue.earliest(), Ordering::Relaxed);
    armed.map(|()| old).map_err(|_| EAGAIN)
}

/// Process `pid` is ending: its real timer goes (the CPU-time ones go with the process).
pub fn process_exited(pid: super::Pid) {
    let mut queue = REAL.lock();
    if queue.remove(pid).is_some() {
        EARLIEST.store(queue.earliest(), Ordering::Relaxed);
    }
}

/// How many real timers are armed (tests: none may outlive its process).
pub fn armed_real_timers() -> usize {
    REAL.lock().len()
}

/// The timer tick's part, with interrupts off, after the scheduler's (`now`: whole ticks of
/// uptime; `charged`: the tick's time went to the running thread).
pub fn on_tick(now: u64, charged: bool) {
    if charged {
        sched::with_current_process(|process| {
            if let Some(process) = process {
                charge(process);
            }
        });
    }
    let now = now.saturating_mul(tick_nanos());
    if now >= EARLIEST.load(Ordering::Relaxed) {
        fire_due(now);
    }
}

/// One tick of CPU time for the running process's CPU-time timers.
fn charge(process: &Process) {
    let timers = &process.cpu_timers;
    let tick = tick_nanos();
    if timers.virtual_time.charge(tick) {
        send(process, SIGVTALRM);
    }
    if timers.prof.charge(tick) {
        send(process, SIGPROF);
    }
}

fn send(process: &Process, signal: Signal) {
    // Linux sends timer signals as the kernel (SEND_SIG_PRIV: si_code SI_KERNEL).
    deliver::send(process, Target::Process, SigInfo::kernel(signal));
}

#[cold]
fn fire_due(now: u64) {
    // Each process has one real timer, and a re-armed one lies past `now`: the loop ends.
    for _ in 0..sched::MAX_THREADS {
        let due = {
            let mut queue = REAL.lock();
            let due = queue.pop_due(now);
            if let Some(next) = due.and_then(|t| t.next_after(now)) {
                // The slot just emptied takes it.
                let _ = queue.insert(next);
            }
            EARLIEST.store(queue.earliest(), Ordering::Relaxed);
            due
        };
        let Some(timer) = due else {
            break;
        };
        // The process is alive (exiting removes its timer first, with interrupts off), so
        // this reference is not the last one: nothing is freed in the interrupt handler.
        if let Some(process) = super::get(timer.pid) {
            send(&process, SIGALRM);
        }
    }
}
