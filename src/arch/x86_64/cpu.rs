//! Small wrappers around single instructions and control registers, for the portable code:
//! `hlt`, `int3`, CR0/CR2/CR3, the TLB and the GDT register. Interrupt enable/disable is in
//! [`super::interrupts`].

use x86_64::VirtAddr;
use x86_64::instructions::{self, interrupts, tlb};
use x86_64::registers::control::{Cr0, Cr0Flags, Cr2, Cr3, Cr3Flags};
use x86_64::structures::paging::PhysFrame;

/// Halts until the next interrupt (or NMI).
pub fn halt() {
    instructions::hlt();
}

/// Traps to the breakpoint handler (`int3`), which logs and resumes right after it.
pub fn breakpoint() {
    interrupts::int3();
}

/// CR2: the linear address of the last page fault.
pub fn page_fault_address() -> u64 {
    Cr2::read_raw()
}

/// Sets CR0.WP, so read-only pages bind ring 0 too.
///
/// # Safety
/// Every page the kernel writes must be mapped writable, or the next write to it faults.
pub unsafe fn enable_write_protect() {
    // SAFETY: forwarded from the caller; WP changes nothing but write permission checks.
    unsafe { Cr0::update(|flags| flags.insert(Cr0Flags::WRITE_PROTECT)) };
}

/// The P4 table the CPU walks (CR3) and CR3's cache-control flags.
pub fn page_table_root() -> (PhysFrame, Cr3Flags) {
    Cr3::read()
}

/// Switches the CPU to another P4 table (writing CR3 also flushes the non-global TLB entries).
///
/// # Safety
/// `root` must be a valid P4 table that maps the running code, its stack and everything the
/// kernel touches next.
pub unsafe fn set_page_table_root(root: PhysFrame, flags: Cr3Flags) {
    // SAFETY: forwarded from the caller.
    unsafe { Cr3::write(root, flags) };
}

/// Drops the TLB entry of the page holding `addr`.
pub fn flush_tlb_page(addr: VirtAddr) {
    tlb::flush(addr);
}

/// Drops every non-global TLB entry.
pub fn flush_tlb_all() {
    tlb::flush_all();
}

/// System control port B, which says why an NMI came: bit 7 memory parity error, bit 6 I/O
/// channel check.
pub fn nmi_status() -> u8 {
    const SYSTEM_CONTROL_B: u16 = 0x61;
    // SAFETY: reading port B only reports status.
    unsafe { x86_64::instructions::port::Port::<u8>::new(SYSTEM_CONTROL_B).read() }
}

/// The base and limit of the GDT the CPU uses (SGDT).
pub fn gdt_register() -> (u64, u16) {
    let gdt = instructions::tables::sgdt();
    (gdt.base.as_u64(), gdt.limit)
}
