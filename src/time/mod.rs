//! Kernel time: [`uptime`] from the TSC, and a 1000 Hz tick that wakes sleepers and timers.
//!
//! At [`init`] the TSC frequency comes from CPUID (leaves 0x15/0x16) where the CPU states it,
//! else it is measured against a reference counter ([`reference`]: the HPET, else the ACPI PM
//! timer, else PIT channel 2) over [`CALIBRATION`]. Counting a reference, rather than timer
//! ticks, means that interrupts held off by slow output cannot skew it; and since [`uptime`] reads
//! the TSC, ticks that do get lost cost no time either.
//!
//! The tick: with the APICs in use, the local APIC timer, in TSC-deadline mode where CPUID
//! offers it (each tick arms the next), else periodic at the rate measured against the same
//! reference; with the 8259 pair, PIT channel 0.

pub mod calibrate;
pub mod reference;
pub mod tsc;
pub mod wall;

use crate::arch::apic::local;
use crate::arch::irq_chip::{self, LOCAL_TIMER_LINE};
use crate::arch::{interrupts, percpu, pit};
use crate::hook::Hook;
use crate::trap;
use core::sync::atomic::{AtomicBool, AtomicU8, AtomicU64, Ordering};
use core::time::Duration;
use reference::Reference;
use spin::Once;

pub const TIMER_HZ: u32 = 1000;
const DIVISOR: u16 = pit::divisor_for(TIMER_HZ);
/// The unit of the kernel's tick clock ([`clock_ticks`]): sleeps and timers round to it.
pub const TICK_PERIOD: Duration = Duration::from_millis(1);
/// How long the reference is counted for calibration: 0.005 % of it is the HPET's 10 ns
/// resolution, 0.001 % the PM timer's 279 ns.
pub const CALIBRATION: Duration = Duration::from_millis(25);
/// The ISA IRQ of PIT channel 0.
const PIT_IRQ: u8 = 0;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TickSource {
    Pit,
    ApicPeriodic,
    ApicTscDeadline,
}

static TICKS: AtomicU64 = AtomicU64::new(0);
static BOOT_TSC: AtomicU64 = AtomicU64::new(0);
static RUNNING: AtomicBool = AtomicBool::new(false);
static SOURCE: AtomicU8 = AtomicU8::new(0);
/// TSC-deadline mode: cycles per tick (each CPU's last deadline is in its per-CPU block).
static DEADLINE_PERIOD: AtomicU64 = AtomicU64::new(0);
/// The measured local APIC timer rate (Hz), when measured.
static APIC_TIMER_HZ: AtomicU64 = AtomicU64::new(0);
static REFERENCE: Once<Option<Reference>> = Once::new();
/// Called from the timer interrupt with the new tick count.
static TICK_HOOK: Hook<fn(u64)> = Hook::new();

/// Calibrates the TSC and starts the tick. `boot_tsc` is the trampoline's TSC sample
/// (`BootInfo::boot_tsc`), from which uptime counts. Needs the interrupt controllers started
/// (`platform::interrupts::init`) and interrupts off.
pub fn init(boot_tsc: u64) {
    BOOT_TSC.store(boot_tsc, Ordering::SeqCst);
    let apic = irq_chip::is_apic();
    if apic {
        local::timer_start_free_running();
    }
    let mut measured = None;
    let mut used = None;
    for candidate in reference::candidates(crate::platform::get()) {
        let probe = || (tsc::read_ordered(), local::timer_current());
        match candidate.measure(CALIBRATION.as_nanos() as u64, probe) {
            Some(m) => {
                measured = Some(m);
                used = Some(candidate);
                break;
            }
            None => log::warn!(
                "timer: the {} does not count; trying the next",
                candidate.name()
            ),
        }
    }
    REFERENCE.call_once(|| used);
    let measured_khz =
        measured.map(|(ns, (t0, _), (t1, _))| calibrate::rate_hz(t1 - t0, ns) / 1000);
    if apic && let Some((ns, (_, a0), (_, a1))) = measured {
        APIC_TIMER_HZ.store(
            calibrate::rate_hz(u64::from(a0.wrapping_sub(a1)), ns),
            Ordering::SeqCst,
        );
    }
    let cpuid_khz = crate::arch::tsc::cpuid_frequency_khz();
    let khz = match (cpuid_khz, measured_khz) {
        (Some(stated), _) => stated,
        (None, Some(khz)) if khz > 0 => khz,
        _ => {
            log::warn!(
                "timer: no reference clock counts and CPUID states no TSC rate; assuming 1 GHz"
            );
            1_000_000
        }
    };
    tsc::set_frequency_khz(khz);
    let source = start_tick(apic, khz);
    SOURCE.store(source as u8, Ordering::SeqCst);
    RUNNING.store(true, Ordering::SeqCst);
    log::info!(
        "timer: {} at {TIMER_HZ} Hz; TSC {}.{:03} MHz ({}){}",
        describe(source),
        khz / 1000,
        khz % 1000,
        match (cpuid_khz, used) {
            (Some(_), _) => "stated by CPUID",
            (None, Some(r)) => r.name(),
            (None, None) => "guessed",
        },
        match (cpuid_khz.is_some(), measured_khz, used) {
            (true, Some(m), Some(r)) =>
                alloc::format!(", {}.{:03} MHz by the {}", m / 1000, m % 1000, r.name()),
            _ => alloc::string::String::new(),
        }
    );
}

fn start_tick(apic: bool, tsc_khz: u64) -> TickSource {
    if apic {
        local::timer_stop();
        let vector = irq_chip::vector_for_line(LOCAL_TIMER_LINE);
        trap::set_irq_handler(LOCAL_TIMER_LINE, on_tick);
        if local::has_tsc_deadline() {
            let period = tsc_khz * 1000 / u64::from(TIMER_HZ);
            DEADLINE_PERIOD.store(period, Ordering::SeqCst);
            local::timer_start_tsc_deadline(vector);
            let first = tsc::read() + period;
            percpu::this().next_deadline.store(first, Ordering::SeqCst);
            local::set_tsc_deadline(first);
            return TickSource::ApicTscDeadline;
        }
        let hz = APIC_TIMER_HZ.load(Ordering::SeqCst);
        if let Ok(count) = u32::try_from(hz / u64::from(TIMER_HZ))
            && count > 0
        {
            local::timer_start_periodic(vector, count);
            return TickSource::ApicPeriodic;
        }
        log::warn!("timer: the local APIC timer's rate is unknown; using the PIT");
    }
    trap::set_irq_handler(PIT_IRQ, on_tick);
    pit::start_periodic(DIVISOR);
    interrupts::unmask_irq(PIT_IRQ);
    TickSource::Pit
}

fn describe(source: TickSource) -> &'static str {
    match source {
        TickSource::Pit if irq_chip::is_apic() => "PIT through the I/O APIC",
        TickSource::Pit => "PIT",
        TickSource::ApicPeriodic => "local APIC timer (periodic)",
        TickSource::ApicTscDeadline => "local APIC timer (TSC-deadline)",
    }
}

/// What drives the tick.
pub fn tick_source() -> TickSource {
    match SOURCE.load(Ordering::Relaxed) {
        1 => TickSource::ApicPeriodic,
        2 => TickSource::ApicTscDeadline,
        _ => TickSource::Pit,
    }
}

/// The reference clock the calibration counted, if any counted.
pub fn reference() -> Option<Reference> {
    REFERENCE.get().copied().flatten()
}

/// The local APIC timer's measured rate in Hz, if measured.
pub fn apic_timer_hz() -> Option<u64> {
    match APIC_TIMER_HZ.load(Ordering::Relaxed) {
        0 => None,
        hz => Some(hz),
    }
}

fn on_tick() {
    let cpu = percpu::this();
    cpu.ticks.fetch_add(1, Ordering::Relaxed);
    if tick_source() == TickSource::ApicTscDeadline {
        // The next tick one period after the last one was due; after a long stretch with
        // interrupts off, one period from now instead of a burst of catch-up ticks. Each CPU
        // arms its own local APIC timer.
        let period = DEADLINE_PERIOD.load(Ordering::Relaxed);
        let mut next = cpu.next_deadline.load(Ordering::Relaxed) + period;
        let current = tsc::read();
        if next <= current {
            next = current + period;
        }
        cpu.next_deadline.store(next, Ordering::Relaxed);
        local::set_tsc_deadline(next);
    }
    if cpu.id() != 0 {
        // Another CPU's tick only ends its `hlt`: the tick count, the hooks and the thread
        // scheduler are the boot CPU's.
        return;
    }
    let now = TICKS.fetch_add(1, Ordering::Relaxed) + 1;
    if let Some(hook) = TICK_HOOK.get() {
        hook(now);
    }
    if let Some(tick) = SCHEDULER_TICK.get() {
        // Sleepers wait for uptime, which ticks lost while interrupts were off cannot slow.
        tick(clock_ticks());
    }
}

/// Starts the running application processor's own local APIC timer at [`TIMER_HZ`], in the
/// mode the boot CPU's runs in (an AP gets no tick when the PIT drives the boot CPU's).
/// Interrupts must be off.
pub fn start_this_cpu() {
    let vector = irq_chip::vector_for_line(LOCAL_TIMER_LINE);
    match tick_source() {
        TickSource::ApicTscDeadline => {
            local::timer_start_tsc_deadline(vector);
            let first = tsc::read() + DEADLINE_PERIOD.load(Ordering::Relaxed);
            percpu::this().next_deadline.store(first, Ordering::Relaxed);
            local::set_tsc_deadline(first);
        }
        TickSource::ApicPeriodic => {
            let hz = APIC_TIMER_HZ.load(Ordering::Relaxed);
            let count = u32::try_from(hz / u64::from(TIMER_HZ)).unwrap_or(u32::MAX);
            local::timer_start_periodic(vector, count);
        }
        TickSource::Pit => {}
    }
}

/// The scheduler's part of each tick (time slices, sleepers): whatever source drives the tick
/// calls it, with interrupts off, and the uptime in ticks ([`clock_ticks`]).
static SCHEDULER_TICK: Hook<fn(u64)> = Hook::new();

pub fn set_scheduler_tick(tick: Option<fn(u64)>) {
    SCHEDULER_TICK.set(tick);
}

/// Calls `hook` from every timer interrupt (tests: printing from interrupt context).
pub fn set_tick_hook(hook: Option<fn(u64)>) {
    TICK_HOOK.set(hook);
}

/// The boot CPU's timer interrupts since [`init`] (each CPU counts its own in its per-CPU
/// block).
pub fn ticks() -> u64 {
    TICKS.load(Ordering::Relaxed)
}

/// The period between timer interrupts (the PIT's divisor makes it 999.85 µs, not 1 ms).
pub fn tick_period() -> Duration {
    match tick_source() {
        TickSource::Pit => pit::ticks_to_duration(1, DIVISOR),
        _ => TICK_PERIOD,
    }
}

/// Time since the kernel started (the trampoline's TSC sample), from the TSC; zero until
/// [`init`] has calibrated it.
pub fn uptime() -> Duration {
    let cycles = tsc::read().saturating_sub(BOOT_TSC.load(Ordering::Relaxed));
    tsc::cycles_to_duration(cycles).unwrap_or(Duration::ZERO)
}

/// Whole [`TICK_PERIOD`]s of uptime: the clock of the kernel's timers (`task::runtime`),
/// which lost interrupts cannot slow down.
pub fn clock_ticks() -> u64 {
    (uptime().as_nanos() / TICK_PERIOD.as_nanos()) as u64
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
    let deadline = uptime() + duration;
    loop {
        interrupts::disable();
        if uptime() >= deadline {
            interrupts::enable();
            return;
        }
        // sti takes effect after hlt begins, so a tick cannot slip in between check and halt.
        interrupts::enable_and_hlt();
    }
}
