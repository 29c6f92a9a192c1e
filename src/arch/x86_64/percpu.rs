//! The per-CPU blocks: one [`PerCpu`] per processor, which GS points at while that CPU runs
//! kernel code. `syscall_entry` (asm/threads.asm) finds the running thread's kernel stack there
//! before it has any stack of its own to work on; [`cpu_id`] reads the CPU's number there in
//! one instruction. In user mode the block's address waits in IA32_KERNEL_GS_BASE, and `swapgs`
//! on every ring change swaps it in and out (Intel SDM vol. 2B, SWAPGS).
//!
//! CPU 0 is the boot CPU; the application processors get 1, 2, ... in the order they are
//! started (`crate::smp`). Every field is an atomic, so the blocks are plain statics: another
//! CPU may read them (the `cpus` command, the IPI code), only the owner writes most of them.

use super::stacks::{self, Stack};
use core::sync::atomic::{AtomicPtr, AtomicU8, AtomicU32, AtomicU64, Ordering};
use spin::Once;
use x86_64::VirtAddr;
use x86_64::registers::model_specific::{GsBase, KernelGsBase};
use x86_64::structures::tss::TaskStateSegment;

/// The most processors Kestrel runs; the MADT's others stay parked (with a warning).
pub const MAX_CPUS: usize = 64;

/// What a CPU is doing, as [`PerCpu::state`] records it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum CpuState {
    /// Never started (not in the MADT, or beyond `maxcpus=`).
    Offline = 0,
    /// INIT-SIPI-SIPI sent; not yet in the kernel.
    Starting = 1,
    /// Runs kernel code.
    Online = 2,
    /// Did not answer its startup IPIs in time.
    TimedOut = 3,
    /// Stopped for good by a panic or fatal exception elsewhere.
    Halted = 4,
}

impl CpuState {
    fn from_u8(value: u8) -> CpuState {
        match value {
            1 => CpuState::Starting,
            2 => CpuState::Online,
            3 => CpuState::TimedOut,
            4 => CpuState::Halted,
            _ => CpuState::Offline,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            CpuState::Offline => "offline",
            CpuState::Starting => "starting",
            CpuState::Online => "online",
            CpuState::TimedOut => "timed out",
            CpuState::Halted => "halted",
        }
    }
}

/// Field offsets up to `cpu_id` are fixed by asm/threads.asm (`PERCPU_KERNEL_RSP`,
/// `PERCPU_USER_RSP`) and [`cpu_id`].
#[repr(C)]
pub struct PerCpu {
    /// The top of the running thread's kernel stack: where `syscall_entry` switches to.
    kernel_rsp: AtomicU64,
    /// Scratch: the user RSP while `syscall_entry` saves it on the kernel stack.
    user_rsp: AtomicU64,
    /// This CPU's number (0 = the boot CPU).
    cpu_id: AtomicU32,
    /// Its local APIC id, the address IPIs are sent to.
    apic_id: AtomicU32,
    state: AtomicU8,
    /// This CPU's TSS (`rsp0` changes with every thread switch).
    tss: AtomicPtr<TaskStateSegment>,
    /// How many exceptions this CPU is handling right now (more than one: a fault faulted).
    pub exception_depth: AtomicU32,
    /// Live `memory::heap::ForbidAllocation` guards on this CPU (its interrupt handlers).
    pub forbid_allocation: AtomicU32,
    /// Timer interrupts this CPU took.
    pub ticks: AtomicU64,
    /// Executor tasks this CPU polled.
    pub tasks_polled: AtomicU64,
    /// The TSC-deadline tick armed last on this CPU.
    pub next_deadline: AtomicU64,
    /// The kernel stack and the three IST stacks, for overflow diagnostics.
    stacks: Once<[Stack; 4]>,
}

const _: () = assert!(core::mem::offset_of!(PerCpu, kernel_rsp) == 0);
const _: () = assert!(core::mem::offset_of!(PerCpu, user_rsp) == 8);
const _: () = assert!(core::mem::offset_of!(PerCpu, cpu_id) == 16);

impl PerCpu {
    const fn new() -> Self {
        PerCpu {
            kernel_rsp: AtomicU64::new(0),
            user_rsp: AtomicU64::new(0),
            cpu_id: AtomicU32::new(0),
            apic_id: AtomicU32::new(0),
            state: AtomicU8::new(CpuState::Offline as u8),
            tss: AtomicPtr::new(core::ptr::null_mut()),
            exception_depth: AtomicU32::new(0),
            forbid_allocation: AtomicU32::new(0),
            ticks: AtomicU64::new(0),
            tasks_polled: AtomicU64::new(0),
            next_deadline: AtomicU64::new(0),
            stacks: Once::new(),
        }
    }

    pub fn id(&self) -> u32 {
        self.cpu_id.load(Ordering::Relaxed)
    }

    pub fn apic_id(&self) -> u32 {
        self.apic_id.load(Ordering::Relaxed)
    }

    pub fn state(&self) -> CpuState {
        CpuState::from_u8(self.state.load(Ordering::Acquire))
    }

    pub fn set_state(&self, state: CpuState) {
        self.state.store(state as u8, Ordering::Release);
    }

    /// The kernel stack and IST stacks (the boot CPU's static ones until an AP sets its own).
    pub fn stacks(&self) -> [Stack; 4] {
        self.stacks.get().copied().unwrap_or_else(stacks::all)
    }
}

static CPUS: [PerCpu; MAX_CPUS] = [const { PerCpu::new() }; MAX_CPUS];

/// The block of CPU `id` (any CPU's, for reading).
pub fn cpu(id: u32) -> Option<&'static PerCpu> {
    CPUS.get(id as usize)
}

/// This CPU's number: 0 on the boot CPU, 1.. on the others.
#[inline(always)]
pub fn cpu_id() -> u32 {
    #[cfg(test)]
    {
        0
    }
    #[cfg(not(test))]
    {
        let id: u32;
        // SAFETY: GS points at this CPU's block in kernel mode ([`init`], [`init_ap`]; the entry
        // stubs swap it in from user mode); the read has no side effect.
        unsafe {
            core::arch::asm!("mov {0:e}, gs:[16]", out(reg) id,
                options(nostack, readonly, preserves_flags));
        }
        id
    }
}

/// This CPU's block.
pub fn this() -> &'static PerCpu {
    &CPUS[cpu_id() as usize]
}

/// Points GS at the boot CPU's block (kernel mode) and clears the user GS base. Runs first in
/// `arch::init`, before anything asks for [`cpu_id`].
pub fn init() {
    install(0, super::apic::local::cpuid_apic_id());
}

/// Fills in application processor `id`'s block before it starts (on the boot CPU): its APIC
/// id and its own stacks, `[kernel, double fault, NMI, machine check]`.
pub fn prepare_ap(id: u32, apic_id: u32, stacks: [Stack; 4]) {
    let block = &CPUS[id as usize];
    block.cpu_id.store(id, Ordering::Relaxed);
    block.apic_id.store(apic_id, Ordering::Relaxed);
    block.stacks.call_once(|| stacks);
}

/// Points GS at AP `id`'s block: the AP's first Rust code (`crate::smp`) does this before
/// anything else.
pub fn enter_ap(id: u32) {
    let block = &CPUS[id as usize];
    GsBase::write(VirtAddr::from_ptr(block));
    KernelGsBase::write(VirtAddr::zero());
}

fn install(id: u32, apic_id: u32) {
    let block = &CPUS[id as usize];
    block.cpu_id.store(id, Ordering::Relaxed);
    block.apic_id.store(apic_id, Ordering::Relaxed);
    block.set_state(CpuState::Online);
    GsBase::write(VirtAddr::from_ptr(block));
    KernelGsBase::write(VirtAddr::zero());
}

/// Records this CPU's TSS (`arch::gdt`), so that [`set_kernel_stack`] reaches it.
pub fn set_tss(tss: *mut TaskStateSegment) {
    this().tss.store(tss, Ordering::Release);
}

/// Records the running thread's kernel stack top for `syscall_entry` and the TSS (interrupts
/// from ring 3). Call with interrupts off, on every switch to a thread.
pub fn set_kernel_stack(top: u64) {
    let block = this();
    block.kernel_rsp.store(top, Ordering::Relaxed);
    let tss = block.tss.load(Ordering::Acquire);
    assert!(!tss.is_null(), "arch::gdt::init has not run on this CPU");
    // SAFETY: the TSS belongs to this CPU alone and lives for ever (`arch::gdt`); interrupts
    // are off, so nothing on this CPU reads `rsp0` meanwhile, and the CPU reads it only on a
    // ring change.
    unsafe { (*tss).privilege_stack_table[0] = VirtAddr::new(top) };
}

/// The running CPU's stacks (see [`PerCpu::stacks`]).
pub fn stacks() -> [Stack; 4] {
    this().stacks()
}
