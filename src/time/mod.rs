//! Kernel time: the PIT ticks at [`TIMER_HZ`], a monotonic tick counter counts them, and
//! [`uptime`] turns ticks into time since the kernel started. The TSC is calibrated against
//! the first [`CALIBRATION_TICKS`] ticks, off the boot path: a dedicated PIT measurement would
//! stall the boot for as long as it runs, while this one costs nothing and, over 100 ms, is as
//! precise (interrupt latency of a few microseconds is 0.01 % of it) unless ticks were lost.
//!
//! 1000 Hz: a 1 ms tick gives sleeps, timeouts and log stamps millisecond resolution, and the
//! cost (1000 short interrupts per second) is negligible even under emulation. The divisor 1193
//! makes the real rate 1000.15 Hz; [`uptime`] uses the exact period, so it does not drift.

pub mod tsc;

use crate::arch::{interrupts, pic, pit};
use crate::hook::Hook;
use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use core::time::Duration;

pub const TIMER_HZ: u32 = 1000;
const DIVISOR: u16 = pit::divisor_for(TIMER_HZ);
/// The exact length of one tick (the divisor makes it 999.85 µs, not 1 ms).
pub const TICK_PERIOD: Duration = pit::ticks_to_duration(1, DIVISOR);
const TIMER_IRQ: u8 = 0;

/// Ticks the TSC calibration spans.
pub const CALIBRATION_TICKS: u64 = 100;

static TICKS: AtomicU64 = AtomicU64::new(0);
/// Nanoseconds from the trampoline's TSC sample to the start of the timer; 0 until the TSC is
/// calibrated, so uptime counts from the timer's start until then.
static TIMER_START_NS: AtomicU64 = AtomicU64::new(0);
static BOOT_TSC: AtomicU64 = AtomicU64::new(0);
static TIMER_START_TSC: AtomicU64 = AtomicU64::new(0);
/// The TSC at each of the first [`CALIBRATION_TICKS`] ticks (entry 0: the timer's start).
static CALIBRATION_TSC: [AtomicU64; CALIBRATION_TICKS as usize + 1] =
    [const { AtomicU64::new(0) }; CALIBRATION_TICKS as usize + 1];
static RUNNING: AtomicBool = AtomicBool::new(false);
/// Called from the timer interrupt with the new tick count.
static TICK_HOOK: Hook<fn(u64)> = Hook::new();

/// Starts the periodic tick on IRQ 0; the TSC is calibrated [`CALIBRATION_TICKS`] later.
/// `boot_tsc` is the trampoline's TSC sample (`BootInfo::boot_tsc`), from which uptime counts.
/// Needs the PICs initialised.
pub fn init(boot_tsc: u64) {
    BOOT_TSC.store(boot_tsc, Ordering::SeqCst);
    interrupts::set_irq_handler(TIMER_IRQ, on_tick);
    let start = tsc::read();
    TIMER_START_TSC.store(start, Ordering::SeqCst);
    CALIBRATION_TSC[0].store(start, Ordering::SeqCst);
    pit::start_periodic(DIVISOR);
    pic::unmask(TIMER_IRQ);
    RUNNING.store(true, Ordering::SeqCst);
    log::debug!("timer: PIT at {} Hz (divisor {})", TIMER_HZ, DIVISOR);
}

fn on_tick() {
    let now = TICKS.fetch_add(1, Ordering::Relaxed) + 1;
    if now <= CALIBRATION_TICKS {
        CALIBRATION_TSC[now as usize].store(tsc::read(), Ordering::Relaxed);
        if now == CALIBRATION_TICKS {
            calibrate_tsc();
        }
    }
    if let Some(hook) = TICK_HOOK.get() {
        hook(now);
    }
    if let Some(tick) = SCHEDULER_TICK.get() {
        tick(now);
    }
}

/// The scheduler's part of each tick (time slices, sleepers): whatever source drives the tick
/// calls it, with interrupts off.
static SCHEDULER_TICK: Hook<fn(u64)> = Hook::new();

pub fn set_scheduler_tick(tick: Option<fn(u64)>) {
    SCHEDULER_TICK.set(tick);
}

/// Runs in the timer interrupt: TSC cycles over the PIT time of the first ticks give the TSC
/// frequency, which then dates the timer's start from the boot. The whole span is the precise
/// measure, but only if no tick was lost: while interrupts are off for longer than a tick (slow
/// console output) the PIC keeps one pending tick and drops the rest, stretching the span per
/// counted tick. The median gap between consecutive ticks cannot be moved by a few stretched
/// gaps, so when the span's average gap strays from it, the median is used instead.
fn calibrate_tsc() {
    let mut gaps = [0u64; CALIBRATION_TICKS as usize];
    for (index, gap) in gaps.iter_mut().enumerate() {
        let before = CALIBRATION_TSC[index].load(Ordering::Relaxed);
        *gap = CALIBRATION_TSC[index + 1].load(Ordering::Relaxed) - before;
    }
    let span: u64 = gaps.iter().sum();
    let (cycles, ticks) = tsc::calibration_sample(span, &mut gaps);
    tsc::calibrate_from(cycles, TICK_PERIOD * ticks);
    let start = TIMER_START_TSC.load(Ordering::SeqCst);
    let before_timer = start.saturating_sub(BOOT_TSC.load(Ordering::SeqCst));
    if let Some(duration) = tsc::cycles_to_duration(before_timer) {
        TIMER_START_NS.store(duration.as_nanos() as u64, Ordering::SeqCst);
    }
}

/// Calls `hook` from every timer interrupt (tests: printing from interrupt context).
pub fn set_tick_hook(hook: Option<fn(u64)>) {
    TICK_HOOK.set(hook);
}

/// Timer interrupts since [`init`].
pub fn ticks() -> u64 {
    TICKS.load(Ordering::Relaxed)
}

/// The exact length of one tick.
pub fn tick_period() -> Duration {
    pit::ticks_to_duration(1, DIVISOR)
}

/// Time since the kernel started: since the trampoline's TSC sample. The timer ticks advance
/// it (1 ms resolution); the TSC only dates the timer's start, once calibrated (until then
/// uptime counts from the timer's start, a few milliseconds late). Zero before [`init`].
pub fn uptime() -> Duration {
    Duration::from_nanos(TIMER_START_NS.load(Ordering::Relaxed))
        + pit::ticks_to_duration(ticks(), DIVISOR)
}

pub fn is_running() -> bool {
    RUNNING.load(Ordering::SeqCst)
}

/// Halts until at least `duration` has passed. Needs the timer running and interrupts on, or
/// nothing would ever wake the CPU; both are checked.
pub fn sleep(duration: Duration) {
    assert!(is_running(), "time::sleep before time::init");
    assert!(
        interrupts::are_enabled(),
        "time::sleep with interrupts disabled would never wake"
    );
    let period = tick_period().as_nanos();
    // One tick more than the duration spans: the current tick is already partly over.
    let deadline = ticks() + duration.as_nanos().div_ceil(period) as u64 + 1;
    loop {
        interrupts::disable();
        if ticks() >= deadline {
            interrupts::enable();
            return;
        }
        // sti takes effect after hlt begins, so a tick cannot slip in between check and halt.
        interrupts::enable_and_hlt();
    }
}
