//! The kernel's async runtime: the global timers on the uptime clock, and the executor's main loop,
//! which sleeps the CPU whenever no task is ready.

use super::executor::Executor;
use super::timer::{Interval, Sleep, Timers};
use crate::arch::interrupts;
use crate::time;
use core::time::Duration;

/// Sleepers and intervals on the kernel's tick clock.
pub static TIMERS: Timers = Timers::new(time::clock_ticks, time::TICK_PERIOD);

pub fn sleep(duration: Duration) -> Sleep<'static> {
    TIMERS.sleep(duration)
}

pub fn interval(period: Duration) -> Interval<'static> {
    TIMERS.interval(period)
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

/// Runs the executor until every task has finished; returns how many rounds that took (each
/// round ends in a halt unless work is already waiting), which tests use to tell sleeping from
/// spinning.
pub fn run_until_done(executor: &mut Executor) -> u64 {
    // Without the timer's interrupts the halt in `step` would never end.
    assert!(
        time::is_running(),
        "the runtime needs the timer (devices::start)"
    );
    let mut rounds = 0;
    while executor.task_count() > 0 {
        step(executor);
        rounds += 1;
    }
    rounds
}

fn step(executor: &mut Executor) {
    executor.run_ready();
    TIMERS.fire_expired();
    interrupts::disable();
    if executor.has_ready() || TIMERS.has_expired() || executor.task_count() == 0 {
        interrupts::enable();
    } else {
        // Other threads get the CPU, or it halts until the next interrupt.
        crate::sched::idle();
    }
}
