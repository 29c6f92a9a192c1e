//! This CPU's local APIC (Intel SDM vol. 3A §11.4-§11.5): enabled with a spurious vector, an
//! error vector and the LINT pins masked; the end-of-interrupt register; the timer (one-shot,
//! periodic, or TSC-deadline, §11.5.4).
//!
//! In x2APIC mode (§11.12), which [`init`] enables when CPUID offers it, every register is an
//! MSR at `0x800 + offset / 16`; otherwise registers are 32-bit MMIO at `offset` from the
//! base, which the caller maps (uncached) and hands in.

use core::sync::atomic::{AtomicU8, AtomicU64, Ordering};
use x86_64::registers::model_specific::Msr;

const IA32_APIC_BASE: u32 = 0x1B;
const APIC_BASE_ENABLE: u64 = 1 << 11;
const APIC_BASE_X2APIC: u64 = 1 << 10;
const IA32_TSC_DEADLINE: u32 = 0x6E0;
const X2APIC_MSR_BASE: u32 = 0x800;

/// Register offsets (SDM vol. 3A Table 11-1).
mod reg {
    pub const ID: u32 = 0x20;
    pub const VERSION: u32 = 0x30;
    pub const TPR: u32 = 0x80;
    pub const EOI: u32 = 0xB0;
    pub const SPURIOUS: u32 = 0xF0;
    pub const ERROR_STATUS: u32 = 0x280;
    pub const ICR_LOW: u32 = 0x300;
    pub const ICR_HIGH: u32 = 0x310;
    pub const LVT_TIMER: u32 = 0x320;
    pub const LVT_LINT0: u32 = 0x350;
    pub const LVT_LINT1: u32 = 0x360;
    pub const LVT_ERROR: u32 = 0x370;
    pub const TIMER_INITIAL: u32 = 0x380;
    pub const TIMER_CURRENT: u32 = 0x390;
    pub const TIMER_DIVIDE: u32 = 0x3E0;
}

const SPURIOUS_ENABLE: u32 = 1 << 8;
const LVT_MASKED: u32 = 1 << 16;
const LVT_TIMER_PERIODIC: u32 = 0b01 << 17;
const LVT_TIMER_TSC_DEADLINE: u32 = 0b10 << 17;
/// Divide configuration 0b1011: the timer counts at the bus (core crystal) clock itself.
const DIVIDE_BY_1: u32 = 0b1011;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    XApic,
    X2Apic,
}

const UNINITIALISED: u8 = 0;
const XAPIC: u8 = 1;
const X2APIC: u8 = 2;
static MODE: AtomicU8 = AtomicU8::new(UNINITIALISED);
/// The virtual address of the xAPIC register page.
static MMIO: AtomicU64 = AtomicU64::new(0);

/// CPUID.1:EDX bit 9: this CPU has a local APIC.
pub fn present() -> bool {
    core::arch::x86_64::__cpuid(1).edx & (1 << 9) != 0
}

/// CPUID.1:ECX bit 21.
pub fn has_x2apic() -> bool {
    core::arch::x86_64::__cpuid(1).ecx & (1 << 21) != 0
}

/// CPUID.1:ECX bit 24: the timer can fire at a TSC value (IA32_TSC_DEADLINE).
pub fn has_tsc_deadline() -> bool {
    core::arch::x86_64::__cpuid(1).ecx & (1 << 24) != 0
}

/// This CPU's APIC id as CPUID reports it, usable before the APIC is enabled: leaf 0xB's
/// 32-bit x2APIC id where the leaf exists, else CPUID.1:EBX bits 31:24 (SDM vol. 3A §8.4.5).
pub fn cpuid_apic_id() -> u32 {
    let max_leaf = core::arch::x86_64::__cpuid(0).eax;
    if max_leaf >= 0xB {
        let leaf = core::arch::x86_64::__cpuid_count(0xB, 0);
        if leaf.ebx != 0 {
            return leaf.edx;
        }
    }
    core::arch::x86_64::__cpuid(1).ebx >> 24
}

/// The physical address of the register page (IA32_APIC_BASE bits 51:12).
pub fn base_address() -> u64 {
    // SAFETY: IA32_APIC_BASE exists on every CPU with a local APIC (the caller checked).
    unsafe { Msr::new(IA32_APIC_BASE).read() & 0x000F_FFFF_FFFF_F000 }
}

fn mode() -> u8 {
    MODE.load(Ordering::Relaxed)
}

fn read(offset: u32) -> u32 {
    match mode() {
        // SAFETY: x2APIC mode is on, so the MSR exists; reading a register has no effect
        // beyond the APIC.
        X2APIC => unsafe { Msr::new(X2APIC_MSR_BASE + offset / 16).read() as u32 },
        XAPIC => {
            let address = MMIO.load(Ordering::Relaxed) + u64::from(offset);
            // SAFETY: `init` was handed an uncached mapping of the register page.
            unsafe { core::ptr::read_volatile(address as *const u32) }
        }
        _ => 0,
    }
}

fn write(offset: u32, value: u32) {
    match mode() {
        // SAFETY: as in `read`; writes only program the APIC.
        X2APIC => unsafe { Msr::new(X2APIC_MSR_BASE + offset / 16).write(value.into()) },
        XAPIC => {
            let address = MMIO.load(Ordering::Relaxed) + u64::from(offset);
            // SAFETY: as in `read`.
            unsafe { core::ptr::write_volatile(address as *mut u32, value) }
        }
        _ => {}
    }
}

/// Enables the local APIC: x2APIC mode if the CPU has it, else xAPIC through `mmio` (the
/// register page, mapped uncached; `None` when only x2APIC may be used). Accepts every
/// priority, masks the timer and both LINT pins (the 8259s' LINT0 path is retired), points
/// errors at `error_vector` and spurious interrupts at `spurious_vector` (whose low 4 bits must
/// be 1111 on older APICs, so 0xFF). Interrupts must be off. Returns the mode, or `None` if
/// neither mode is possible.
pub fn init(mmio: Option<u64>, spurious_vector: u8, error_vector: u8) -> Option<Mode> {
    let x2apic = has_x2apic();
    if !x2apic {
        MMIO.store(mmio?, Ordering::SeqCst);
    }
    MODE.store(if x2apic { X2APIC } else { XAPIC }, Ordering::SeqCst);
    init_this_cpu(spurious_vector, error_vector);
    Some(if x2apic { Mode::X2Apic } else { Mode::XApic })
}

/// Enables and programs the running CPU's own local APIC in the mode [`init`] chose on the
/// boot CPU (an application processor's start-up; each CPU has its own APIC and its own
/// IA32_APIC_BASE). Interrupts must be off.
pub fn init_this_cpu(spurious_vector: u8, error_vector: u8) {
    let x2apic = mode() == X2APIC;
    // SAFETY: IA32_APIC_BASE exists (the caller checked `present`); setting the enable bit,
    // and the x2APIC bit when CPUID offers it, is the documented way in (SDM §11.12.1).
    unsafe {
        let mut msr = Msr::new(IA32_APIC_BASE);
        let base = msr.read() | APIC_BASE_ENABLE;
        msr.write(base);
        if x2apic {
            msr.write(base | APIC_BASE_X2APIC);
        }
    }
    write(reg::TPR, 0);
    write(reg::LVT_TIMER, LVT_MASKED);
    write(reg::LVT_LINT0, LVT_MASKED);
    write(reg::LVT_LINT1, LVT_MASKED);
    write(reg::LVT_ERROR, u32::from(error_vector));
    // The error status register latches on a write (SDM §11.5.3): clear what the firmware left.
    write(reg::ERROR_STATUS, 0);
    write(reg::ERROR_STATUS, 0);
    write(reg::SPURIOUS, SPURIOUS_ENABLE | u32::from(spurious_vector));
}

/// What an inter-processor interrupt delivers (SDM vol. 3A §11.6.1, the ICR's delivery mode).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ipi {
    /// An ordinary interrupt on this vector.
    Fixed(u8),
    /// A non-maskable interrupt (vector 2, whatever the CPU is doing).
    Nmi,
    /// INIT: the target resets and waits for a startup IPI.
    Init,
    /// Startup: the target starts in real mode at physical address `page * 4096`.
    Startup(u8),
}

/// Where an IPI goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IpiTarget {
    /// The CPU with this APIC id (physical destination mode).
    Apic(u32),
    /// Every CPU but the sender (the "all excluding self" shorthand).
    AllButSelf,
}

const ICR_DELIVERY_PENDING: u32 = 1 << 12;
const ICR_LEVEL_ASSERT: u32 = 1 << 14;
const ICR_ALL_BUT_SELF: u32 = 0b11 << 18;

/// Sends an IPI from this CPU's local APIC. Returns once the APIC has accepted it (xAPIC:
/// the delivery-status bit clears; x2APIC has none, SDM §11.12.9).
pub fn send_ipi(target: IpiTarget, ipi: Ipi) {
    let mut low = match ipi {
        Ipi::Fixed(vector) => u32::from(vector),
        Ipi::Nmi => 0b100 << 8,
        Ipi::Init => 0b101 << 8,
        Ipi::Startup(page) => 0b110 << 8 | u32::from(page),
    } | ICR_LEVEL_ASSERT;
    let destination = match target {
        IpiTarget::Apic(id) => id,
        IpiTarget::AllButSelf => {
            low |= ICR_ALL_BUT_SELF;
            0
        }
    };
    // An interrupt handler on this CPU sending an IPI between the two xAPIC writes would
    // change the destination under us.
    super::super::interrupts::without_interrupts(|| match mode() {
        X2APIC => {
            // SAFETY: x2APIC mode is on, so the ICR MSR exists; writing it sends the IPI.
            unsafe {
                Msr::new(X2APIC_MSR_BASE + reg::ICR_LOW / 16)
                    .write(u64::from(destination) << 32 | u64::from(low))
            }
        }
        XAPIC => {
            wait_for_delivery();
            write(reg::ICR_HIGH, destination << 24);
            write(reg::ICR_LOW, low);
            wait_for_delivery();
        }
        _ => {}
    });
}

fn wait_for_delivery() {
    // Bounded: an APIC that never accepts must not hang the sender (1 << 20 reads are far
    // more than the microseconds acceptance takes).
    for _ in 0..1 << 20 {
        if read(reg::ICR_LOW) & ICR_DELIVERY_PENDING == 0 {
            return;
        }
        core::hint::spin_loop();
    }
}

/// This CPU's APIC id (x2APIC: all 32 bits; xAPIC: bits 31:24).
pub fn id() -> u32 {
    match mode() {
        X2APIC => read(reg::ID),
        _ => read(reg::ID) >> 24,
    }
}

/// The version register: bits 7:0 the version, 23:16 the highest LVT entry.
pub fn version() -> u32 {
    read(reg::VERSION)
}

pub fn end_of_interrupt() {
    write(reg::EOI, 0);
}

/// Latches and returns the error status (SDM §11.5.3), for the error interrupt.
pub fn take_error_status() -> u32 {
    write(reg::ERROR_STATUS, 0);
    read(reg::ERROR_STATUS)
}

/// Starts the timer counting down from `u32::MAX` at the bus clock, masked: for measuring its
/// rate ([`timer_current`]).
pub fn timer_start_free_running() {
    write(reg::TIMER_DIVIDE, DIVIDE_BY_1);
    write(reg::LVT_TIMER, LVT_MASKED);
    write(reg::TIMER_INITIAL, u32::MAX);
}

/// The timer's current count (it counts down).
pub fn timer_current() -> u32 {
    read(reg::TIMER_CURRENT)
}

/// Fires `vector` every `count` bus clocks.
pub fn timer_start_periodic(vector: u8, count: u32) {
    write(reg::TIMER_DIVIDE, DIVIDE_BY_1);
    write(reg::LVT_TIMER, LVT_TIMER_PERIODIC | u32::from(vector));
    write(reg::TIMER_INITIAL, count.max(1));
}

/// Switches the timer to TSC-deadline mode on `vector`; nothing fires until
/// [`set_tsc_deadline`].
pub fn timer_start_tsc_deadline(vector: u8) {
    write(reg::TIMER_INITIAL, 0);
    write(reg::LVT_TIMER, LVT_TIMER_TSC_DEADLINE | u32::from(vector));
    // SDM §11.5.4.1: an MFENCE orders the LVT write before the first deadline write
    // (xAPIC MMIO writes and WRMSR are not otherwise ordered against each other).
    // SAFETY: MFENCE only orders memory accesses.
    unsafe { core::arch::asm!("mfence", options(nostack, preserves_flags)) };
}

/// Arms the TSC-deadline timer: it fires once the TSC reaches `tsc` (at once if it has).
pub fn set_tsc_deadline(tsc: u64) {
    // SAFETY: the caller switched the timer to TSC-deadline mode, which CPUID offers; writing
    // the MSR only arms the timer.
    unsafe { Msr::new(IA32_TSC_DEADLINE).write(tsc) }
}

/// Stops the timer.
pub fn timer_stop() {
    write(reg::LVT_TIMER, LVT_MASKED);
    write(reg::TIMER_INITIAL, 0);
}

pub fn is_enabled() -> bool {
    mode() != UNINITIALISED
}

pub fn mode_name() -> &'static str {
    match mode() {
        X2APIC => "x2APIC",
        XAPIC => "xAPIC",
        _ => "off",
    }
}
