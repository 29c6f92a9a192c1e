//! Symmetric multiprocessing: starting the other processors ([`start`]), asking them to run
//! code ([`ipi`]), keeping their TLBs in step ([`tlb`]), and stopping them all when the kernel
//! dies ([`halt_others`]). docs/smp.md describes the bring-up, the per-CPU data and the
//! locking rules.
//!
//! CPU numbers are dense: 0 is the boot CPU, the application processors (APs) get 1, 2, ... in
//! the order they are started; `arch::percpu` holds each one's block.

pub mod bench;
pub mod ipi;
pub mod parallel;
mod start;
pub mod tlb;

pub use crate::arch::percpu::{CpuState, MAX_CPUS, cpu_id};
pub use start::{StartOptions, start, start_with};

use crate::arch::apic::local::{self, Ipi, IpiTarget};
use crate::arch::percpu;
use core::sync::atomic::{AtomicU32, Ordering};

/// CPU numbers handed out so far (the boot CPU included), whether or not they answered.
static CPU_SLOTS: AtomicU32 = AtomicU32::new(1);
/// Processors the MADT lists as usable (enabled or online-capable); 1 without a MADT.
static LISTED: AtomicU32 = AtomicU32::new(1);
/// The CPU (number + 1) that is reporting the kernel's death; 0 while alive. Every NMI on
/// another CPU then halts it.
static HALTER: AtomicU32 = AtomicU32::new(0);
/// The reporting CPU's APIC id, for the NMI handler, which must not trust GS: an NMI can arrive
/// in kernel mode before the entry code's `swapgs` (the first instruction of `syscall_entry`).
static HALTER_APIC: AtomicU32 = AtomicU32::new(u32::MAX);

/// One CPU as the `cpus` command shows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CpuInfo {
    pub id: u32,
    pub apic_id: u32,
    pub state: CpuState,
    pub ticks: u64,
    pub tasks_polled: u64,
}

/// Every CPU that was given a number (started, or tried), in number order.
pub fn cpus() -> impl Iterator<Item = CpuInfo> {
    (0..CPU_SLOTS.load(Ordering::Acquire)).filter_map(|id| {
        let cpu = percpu::cpu(id)?;
        Some(CpuInfo {
            id,
            apic_id: cpu.apic_id(),
            state: cpu.state(),
            ticks: cpu.ticks.load(Ordering::Relaxed),
            tasks_polled: cpu.tasks_polled.load(Ordering::Relaxed),
        })
    })
}

/// How many CPUs run kernel code.
pub fn online_count() -> u32 {
    cpus().filter(|c| c.state == CpuState::Online).count() as u32
}

/// How many processors the MADT lists as usable.
pub fn listed_count() -> u32 {
    LISTED.load(Ordering::Relaxed)
}

/// Whether CPU `id` runs kernel code (and so answers IPIs).
pub fn is_online(id: u32) -> bool {
    percpu::cpu(id).is_some_and(|c| c.state() == CpuState::Online)
}

/// Ends CPU `id`'s `hlt` (if it halts), so that it looks for work.
pub fn wake(id: u32) {
    if id != cpu_id()
        && let Some(cpu) = percpu::cpu(id)
        && cpu.state() == CpuState::Online
    {
        local::send_ipi(
            IpiTarget::Apic(cpu.apic_id()),
            Ipi::Fixed(crate::arch::irq_chip::WAKE_VECTOR),
        );
    }
}

/// Stops every other CPU with an NMI, so that a panic or fatal exception report is printed
/// by its CPU alone, in one block. Returns after the others had a moment to stop (it cannot
/// wait for ever: a CPU may be dead already). Safe to call more than once.
pub fn halt_others() {
    let me = cpu_id() + 1;
    let first = HALTER
        .compare_exchange(0, me, Ordering::SeqCst, Ordering::SeqCst)
        .is_ok();
    if !first || !local::is_enabled() {
        return;
    }
    // Before the NMIs go out, so that every handler sees it.
    HALTER_APIC.store(local::id(), Ordering::SeqCst);
    if online_count() <= 1 {
        return;
    }
    local::send_ipi(IpiTarget::AllButSelf, Ipi::Nmi);
    // An NMI is taken within a few instructions, but an emulator may not run a virtual CPU
    // for a while: wait up to 100 ms for every CPU to say it stopped.
    let start = crate::arch::tsc::read();
    let khz = crate::time::tsc::frequency_khz().unwrap_or(1_000_000);
    while crate::arch::tsc::read().wrapping_sub(start) < khz * 100 && others_running() {
        core::hint::spin_loop();
    }
}

fn others_running() -> bool {
    let me = cpu_id();
    cpus().any(|c| c.id != me && c.state == CpuState::Online)
}

/// Whether [`halt_others`] has run (on any CPU).
pub fn halting() -> bool {
    HALTER.load(Ordering::SeqCst) != 0
}

/// Whether another CPU than this one is reporting the kernel's death (so this one must stop
/// without a report of its own).
pub fn halted_by_other() -> bool {
    let halter = HALTER.load(Ordering::SeqCst);
    halter != 0 && halter != cpu_id() + 1
}

/// The NMI handler's part: when another CPU is reporting the kernel's death, mark this CPU
/// halted and stop it for good. Returns when the NMI means something else. Finds this CPU by
/// its APIC id, not through GS (see [`HALTER_APIC`]).
pub fn nmi_halt_if_requested() {
    if HALTER.load(Ordering::SeqCst) == 0 || !local::is_enabled() {
        return;
    }
    let apic = local::id();
    if apic == HALTER_APIC.load(Ordering::SeqCst) {
        return;
    }
    let slots = CPU_SLOTS.load(Ordering::Acquire);
    if let Some(cpu) = (0..slots)
        .filter_map(percpu::cpu)
        .find(|cpu| cpu.apic_id() == apic)
    {
        cpu.set_state(CpuState::Halted);
    }
    loop {
        crate::arch::interrupts::disable();
        crate::arch::cpu::halt();
    }
}

/// An application processor's life once it is online: it polls the tasks of the running
/// executor, and halts until an interrupt (its timer, an IPI) whenever it has nothing to do.
fn ap_main() -> ! {
    crate::arch::interrupts::enable();
    loop {
        crate::task::runtime::run_other_cpu();
    }
}
