//! Bringing up the application processors, one at a time, with INIT-SIPI-SIPI (Intel SDM
//! vol. 3A §8.4.4.1, "typical AP initialization sequence"): an INIT IPI, 10 ms, a startup
//! IPI, 200 µs, and a second startup IPI only if the AP has not started yet. The delays come
//! from the calibrated TSC ([`crate::time::uptime`]).
//!
//! Each AP gets four kernel stacks above guard pages (`sched::kstack`): its kernel stack and
//! its double-fault, NMI and machine-check IST stacks. It enters long mode through the
//! trampoline (`arch::ap_boot`) on the kernel's page tables and runs [`ap_rust_entry`], which
//! gives it its own GS block, GDT and TSS, loads the shared IDT, enables its local APIC and
//! timer and marks it online. A processor that does not answer within [`ANSWER_TIMEOUT`] is
//! logged, sent INIT again (so that a late start cannot run on stale parameters) and left out.

use super::{CPU_SLOTS, LISTED};
use crate::arch::ap_boot::Trampoline;
use crate::arch::apic::local::{self, Ipi, IpiTarget};
use crate::arch::irq_chip::{self, ERROR_VECTOR, SPURIOUS_VECTOR};
use crate::arch::percpu::{self, CpuState, MAX_CPUS};
use crate::arch::stacks::Stack;
use crate::arch::{gdt, idt};
use crate::boot::BootInfo;
use crate::memory::paging::index;
use crate::memory::{self, CacheType};
use crate::sched::kstack::KernelStack;
use core::sync::atomic::Ordering;
use core::time::Duration;
use x86_64::VirtAddr;

/// How long an AP may take from its startup IPI to running the kernel. Under QEMU's TCG with
/// more virtual CPUs than host cores an AP can take tens of milliseconds.
pub const ANSWER_TIMEOUT: Duration = Duration::from_millis(2000);
const INIT_DELAY: Duration = Duration::from_millis(10);
const SIPI_DELAY: Duration = Duration::from_micros(200);

/// What [`start_with`] may do differently (tests).
#[derive(Clone, Copy, Debug, Default)]
pub struct StartOptions {
    /// Start at most this many CPUs, the boot CPU included (`maxcpus=`); one that does not
    /// answer does not count.
    pub max_cpus: Option<u32>,
    /// Send this APIC id INIT but no startup IPI: a processor that never answers.
    pub never_start: Option<u32>,
    /// How long to wait for each AP (default [`ANSWER_TIMEOUT`]).
    pub timeout: Option<Duration>,
}

/// Starts every usable processor the MADT lists (up to `maxcpus=`), then logs
/// `smp: N of M CPUs online`. Needs the heap, the local APIC and the calibrated timer
/// (`devices::start`). Call once, on the boot CPU.
pub fn start(boot: &BootInfo) {
    start_with(StartOptions {
        max_cpus: boot.args.max_cpus,
        ..StartOptions::default()
    });
}

pub fn start_with(options: StartOptions) {
    let listed = bring_up(options);
    LISTED.store(listed, Ordering::Relaxed);
    log::info!("smp: {} of {} CPUs online", super::online_count(), listed);
}

/// Returns how many processors the MADT lists as usable.
fn bring_up(options: StartOptions) -> u32 {
    let Some(madt) = crate::platform::get().and_then(|p| p.madt.as_ref()) else {
        log::info!("smp: no MADT: one CPU");
        return 1;
    };
    let processors = || madt.processors().filter(|p| p.usable());
    let listed = (processors().count() as u32).max(1);
    if listed == 1 {
        return listed;
    }
    if !irq_chip::is_apic() || !local::is_enabled() {
        log::warn!("smp: the local APIC is not in use: one CPU");
        return listed;
    }
    let Some(low) = memory::ap_low_area() else {
        log::warn!("smp: no free RAM below 1 MiB for the AP trampoline: one CPU");
        return listed;
    };
    let window = match memory::map_device(low, memory::AP_LOW_AREA_BYTES, CacheType::WriteBack) {
        Ok(window) => window,
        Err(e) => {
            log::warn!("smp: cannot map the AP trampoline ({e:?}): one CPU");
            return listed;
        }
    };
    let trampoline = {
        let _tables = memory::paging::PAGE_TABLES.lock();
        // SAFETY: the recursive mapping shows the running P4, whose kernel half is every
        // P4's; the page-table lock is held while it is read.
        let p4 = unsafe {
            &*(index::table_address(index::Level::P4, 0)
                as *const x86_64::structures::paging::PageTable)
        };
        // SAFETY: `low` is the reserved low area, page-aligned below 1 MiB; the window maps all
        // of it, writable.
        unsafe { Trampoline::install(low, window.as_u64(), p4) }
    };
    let kernel_p4 = crate::memory::address_space::kernel_p4()
        .start_address()
        .as_u64();
    let kernel_p4 = if kernel_p4 == 0 {
        crate::arch::ap_boot::current_root()
    } else {
        kernel_p4
    };
    let me = percpu::this().apic_id();
    let limit = options.max_cpus.unwrap_or(u32::MAX);
    let mut skipped = 0;
    for processor in processors().filter(|p| p.apic_id != me) {
        let slot = CPU_SLOTS.load(Ordering::Relaxed);
        if super::online_count() >= limit || slot as usize >= MAX_CPUS {
            skipped += 1;
            continue;
        }
        if processor.apic_id > 0xFF && local::mode_name() != "x2APIC" {
            log::warn!(
                "smp: APIC id {} needs x2APIC mode, which this CPU lacks; left out",
                processor.apic_id
            );
            continue;
        }
        let Some(stacks) = new_stacks() else {
            log::warn!("smp: no memory for CPU {slot}'s stacks; the rest stay parked");
            break;
        };
        percpu::prepare_ap(slot, processor.apic_id, stacks);
        CPU_SLOTS.store(slot + 1, Ordering::Release);
        let answered = start_one(&trampoline, kernel_p4, slot, processor.apic_id, &options);
        if !answered {
            log::warn!(
                "smp: the processor with APIC id {} did not answer within {} ms; carrying on without it",
                processor.apic_id,
                options.timeout.unwrap_or(ANSWER_TIMEOUT).as_millis()
            );
        }
    }
    if skipped > 0 {
        log::info!("smp: maxcpus={limit}: {skipped} CPU(s) left parked");
    }
    listed
}

/// The four stacks of an AP, leaked: an AP runs for ever (and one that timed out might still
/// start late, so its stacks are never reused either).
fn new_stacks() -> Option<[Stack; 4]> {
    let names = [
        "ap kernel stack",
        "ap double fault stack",
        "ap nmi stack",
        "ap machine check stack",
    ];
    let mut out = [Stack {
        name: "",
        guard: VirtAddr::zero(),
        bottom: VirtAddr::zero(),
        top: VirtAddr::zero(),
    }; 4];
    for (slot, name) in out.iter_mut().zip(names) {
        let stack = alloc::boxed::Box::leak(alloc::boxed::Box::new(KernelStack::new().ok()?));
        *slot = Stack {
            name,
            guard: VirtAddr::new(stack.bottom() - 4096),
            bottom: VirtAddr::new(stack.bottom()),
            top: VirtAddr::new(stack.top()),
        };
    }
    Some(out)
}

fn start_one(
    trampoline: &Trampoline,
    kernel_p4: u64,
    id: u32,
    apic_id: u32,
    options: &StartOptions,
) -> bool {
    let cpu = percpu::cpu(id).expect("slot below MAX_CPUS");
    let stack_top = cpu.stacks()[0].top.as_u64();
    trampoline.prepare(kernel_p4, stack_top, u64::from(id));
    cpu.set_state(CpuState::Starting);
    let target = IpiTarget::Apic(apic_id);
    local::send_ipi(target, Ipi::Init);
    spin_for(INIT_DELAY, || false);
    if options.never_start != Some(apic_id) {
        for _ in 0..2 {
            local::send_ipi(target, Ipi::Startup(trampoline.startup_page()));
            if spin_for(SIPI_DELAY, || trampoline.alive()) {
                break;
            }
        }
    }
    let timeout = options.timeout.unwrap_or(ANSWER_TIMEOUT);
    if spin_for(timeout, || cpu.state() == CpuState::Online) {
        return true;
    }
    // Back to waiting for a startup IPI, so that it cannot wake later on another AP's
    // parameters.
    local::send_ipi(target, Ipi::Init);
    cpu.set_state(CpuState::TimedOut);
    false
}

/// Busy-waits until `done` or `duration` has passed; returns whether `done` happened.
fn spin_for(duration: Duration, done: impl Fn() -> bool) -> bool {
    let end = crate::time::uptime() + duration;
    loop {
        if done() {
            return true;
        }
        if crate::time::uptime() >= end {
            return done();
        }
        core::hint::spin_loop();
    }
}

/// Where every AP's Rust code begins (`ap_long_mode_entry` in asm/ap_trampoline.asm calls it
/// on the AP's kernel stack, on the kernel's P4, interrupts off). `id` is its CPU number.
#[unsafe(no_mangle)]
extern "C" fn ap_rust_entry(id: u64) -> ! {
    let id = id as u32;
    percpu::enter_ap(id);
    let stacks = percpu::stacks();
    gdt::init_ap(stacks[0].top, [stacks[1].top, stacks[2].top, stacks[3].top]);
    idt::init();
    crate::arch::syscall::init();
    crate::arch::fpu::init();
    crate::arch::pat::init();
    local::init_this_cpu(SPURIOUS_VECTOR, ERROR_VECTOR);
    crate::time::start_this_cpu();
    percpu::this().set_state(CpuState::Online);
    super::ap_main()
}
