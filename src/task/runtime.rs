//! The kernel's async runtime: the global timers on the uptime clock, and the executor's main
//! loop on every CPU, which halts the CPU whenever no task is ready for it.

use super::executor::{Executor, Shared};
use super::timer::{Interval, Sleep, Timers};
use crate::arch::interrupts;
use crate::time;
use alloc::sync::Arc;
use core::time::Duration;
use spin::Mutex;

/// Sleepers and intervals on the kernel's tick clock.
pub static TIMERS: Timers = Timers::new(time::clock_ticks, time::TICK_PERIOD);

/// The executor the boot CPU runs, which the other CPUs join ([`run_other_cpu`]).
static RUNNING: Mutex<Option<Arc<Shared>>> = Mutex::new(None);

pub fn sleep(duration: Duration) -> Sleep<'static> {
    TIMERS.sleep(duration)
}

pub fn interval(period: Duration) -> Interval<'static> {
    TIMERS.interval(period)
}

/// An executor whose wakers send an IPI to a halted CPU when work arrives for it.
pub fn new_executor(max_tasks: usize) -> Executor {
    Executor::with_waker(max_tasks, Some(crate::smp::wake))
}

/// Runs the executor for the rest of the kernel's life (should every task finish, the CPU
/// halts). Each round polls the ready tasks, then wakes expired sleepers;
/// with nothing left to do it halts until the next interrupt. The emptiness check and the `hlt`
/// happen with interrupts disabled and `sti; hlt` re-enables them atomically, so a wake-up from
/// an interrupt cannot slip in between the check and the halt and be slept through.
pub fn run(mut executor: Executor) -> ! {
    run_until_done(&mut executor);
    log::warn!("every task has finished; halting");
    crate::power::halt_forever()
}

/// Runs the executor until every task has finished, the other CPUs joining in; returns how
/// many rounds the boot CPU took (each round ends in a halt unless work is already waiting),
/// which tests use to tell sleeping from spinning.
pub fn run_until_done(executor: &mut Executor) -> u64 {
    // Without the timer's interrupts the halt in `step` would never end.
    assert!(
        time::is_running(),
        "the runtime needs the timer (devices::start)"
    );
    let shared = executor.shared();
    *RUNNING.lock() = Some(shared.clone());
    // The other CPUs may be halted with nothing published: tell them.
    for cpu in crate::smp::cpus() {
        crate::smp::wake(cpu.id);
    }
    let mut rounds = 0;
    while shared.task_count() > 0 {
        step(&shared);
        rounds += 1;
    }
    *RUNNING.lock() = None;
    rounds
}

fn step(shared: &Shared) {
    shared.run_ready();
    // Only the boot CPU fires timers: its tick wakes it every period, and the wakers reach
    // whichever CPU should poll.
    TIMERS.fire_expired();
    interrupts::disable();
    if TIMERS.has_expired() || shared.task_count() == 0 || shared.going_idle() {
        interrupts::enable();
    } else {
        // Other threads get the CPU, or it halts until the next interrupt.
        crate::sched::idle();
        shared.woke();
    }
}

/// One round of an application processor's loop: polls what is ready in the running
/// executor, then halts until an interrupt (its tick, a wake-up IPI) unless work is waiting.
/// Call with interrupts on. The executor is not held across the halt, so that one which
/// finished is freed at once.
pub fn run_other_cpu() {
    let shared = RUNNING.lock().clone();
    if let Some(shared) = &shared {
        // Busy again after the last round's halt.
        shared.woke();
        shared.run_ready();
    }
    interrupts::disable();
    crate::smp::ipi::handle_call_function();
    if shared.is_some_and(|shared| shared.going_idle()) {
        interrupts::enable();
    } else {
        interrupts::enable_and_hlt();
    }
}
