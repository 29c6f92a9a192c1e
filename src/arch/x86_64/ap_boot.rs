//! Starting an application processor: the real-mode trampoline (asm/ap_trampoline.asm) copied
//! to low memory, its temporary page tables, and the parameter block each AP reads on its way
//! to `ap_rust_entry` (`crate::smp`).
//!
//! The low area is four pages below 1 MiB, reserved by `memory::init`:
//!
//! | page | holds |
//! | --- | --- |
//! | 0 | the trampoline's code, GDT and parameter block; the startup IPI's vector is its number |
//! | 1 | a temporary P4: entry 0 identity-maps the first 2 MiB, entries 256–511 are the kernel's |
//! | 2, 3 | its P3 and P2 (one 2 MiB page at 0) |
//!
//! The temporary P4 is needed because CR3 is loaded in 32-bit mode (so it must lie below
//! 4 GiB) and the trampoline runs at its physical address, which the kernel's tables do not
//! map. Once in the higher half the AP loads the kernel's P4 itself.

use super::cpu;
use core::sync::atomic::{AtomicU64, Ordering};
use x86_64::registers::model_specific::{Efer, EferFlags};
use x86_64::structures::paging::{PageTable, PageTableFlags as Flags};

/// Pages the low area takes.
pub const LOW_PAGES: u64 = 4;

unsafe extern "C" {
    static ap_trampoline_start: u8;
    static ap_trampoline_end: u8;
    static ap_trampoline_gdt_pointer: u8;
    static ap_trampoline_far32: u8;
    static ap_trampoline_far64: u8;
    static ap_trampoline_params: u8;
    fn ap_long_mode_entry();
}

/// The parameter block at `ap_trampoline_params` (same order as in the assembly).
#[repr(C)]
struct Params {
    alive: AtomicU64,
    temporary_p4: AtomicU64,
    efer_bits: AtomicU64,
    kernel_p4: AtomicU64,
    stack_top: AtomicU64,
    entry: AtomicU64,
    argument: AtomicU64,
    protected_mode_offset: AtomicU64,
    long_mode_offset: AtomicU64,
}

/// The trampoline, copied to its low pages and ready for [`Trampoline::prepare`].
pub struct Trampoline {
    /// The physical address of page 0.
    phys: u64,
    /// Where the kernel reaches page 0 (a write-back window onto the same frames).
    virt: u64,
}

fn offset_of(symbol: *const u8) -> usize {
    symbol as usize - &raw const ap_trampoline_start as usize
}

impl Trampoline {
    /// Copies the trampoline to the low area at `phys` (reached at `virt`, [`LOW_PAGES`] pages,
    /// writable) and builds the temporary page tables from the kernel half of `kernel_p4`.
    ///
    /// # Safety
    /// `phys` must be page-aligned, below 1 MiB, reserved for this use alone; `virt` must map
    /// all of it writable.
    pub unsafe fn install(phys: u64, virt: u64, kernel_p4: &PageTable) -> Trampoline {
        let start = &raw const ap_trampoline_start;
        let len = &raw const ap_trampoline_end as usize - start as usize;
        assert!(len <= 4096, "the AP trampoline must fit in one page");
        assert!(phys < 0x10_0000 && phys.is_multiple_of(4096));
        // SAFETY: the caller vouches for the window; the source is the kernel image.
        unsafe {
            core::ptr::write_bytes(virt as *mut u8, 0, (LOW_PAGES * 4096) as usize);
            core::ptr::copy_nonoverlapping(start, virt as *mut u8, len);
        }
        let patch32 = |symbol: *const u8, value: u32| {
            // SAFETY: the symbol lies in the copied page; unaligned writes are fine on x86.
            unsafe { ((virt as usize + offset_of(symbol)) as *mut u32).write_unaligned(value) }
        };
        let trampoline = Trampoline { phys, virt };
        let params = trampoline.params();
        let phys32 = phys as u32;
        let gdt_offset = offset_of(&raw const ap_trampoline_gdt_pointer) as u32;
        // The pointer's base: the GDT sits right before the pointer, 4 descriptors long.
        patch32(
            // SAFETY: two bytes past the start: the 32-bit base field of `dw limit; dd base`.
            unsafe { (&raw const ap_trampoline_gdt_pointer).add(2) },
            phys32 + gdt_offset - 32,
        );
        patch32(
            &raw const ap_trampoline_far32,
            phys32 + params.protected_mode_offset.load(Ordering::Relaxed) as u32,
        );
        patch32(
            &raw const ap_trampoline_far64,
            phys32 + params.long_mode_offset.load(Ordering::Relaxed) as u32,
        );
        // SAFETY: pages 1-3 of the window are the temporary tables, zeroed above.
        let table = |page: u64| unsafe { &mut *((virt + page * 4096) as *mut PageTable) };
        let present = Flags::PRESENT | Flags::WRITABLE;
        let p4 = table(1);
        for slot in 256..512 {
            p4[slot] = kernel_p4[slot].clone();
        }
        p4[0].set_addr(x86_64::PhysAddr::new(phys + 2 * 4096), present);
        table(2)[0].set_addr(x86_64::PhysAddr::new(phys + 3 * 4096), present);
        table(3)[0].set_addr(x86_64::PhysAddr::new(0), present | Flags::HUGE_PAGE);
        params.temporary_p4.store(phys + 4096, Ordering::Relaxed);
        let mut efer = 1 << 8; // LME
        if Efer::read().contains(EferFlags::NO_EXECUTE_ENABLE) {
            efer |= 1 << 11; // NXE: the kernel's tables set NX bits
        }
        params.efer_bits.store(efer, Ordering::Relaxed);
        params
            .entry
            .store(ap_long_mode_entry as *const () as u64, Ordering::Relaxed);
        trampoline
    }

    fn params(&self) -> &Params {
        let offset = offset_of(&raw const ap_trampoline_params);
        // SAFETY: the block lies in the copied page, 8-aligned (the assembly aligns it), and
        // lives as long as the window.
        unsafe { &*((self.virt as usize + offset) as *const Params) }
    }

    /// The startup IPI's vector: the page number of the trampoline.
    pub fn startup_page(&self) -> u8 {
        (self.phys >> 12) as u8
    }

    /// Sets up the next AP's start: it will run on `kernel_p4` with `stack_top` and call
    /// `ap_rust_entry(argument)`. One AP at a time: the block is shared.
    pub fn prepare(&self, kernel_p4: u64, stack_top: u64, argument: u64) {
        let params = self.params();
        params.kernel_p4.store(kernel_p4, Ordering::Relaxed);
        params.stack_top.store(stack_top, Ordering::Relaxed);
        params.argument.store(argument, Ordering::Relaxed);
        params.alive.store(0, Ordering::SeqCst);
    }

    /// Whether the AP has run the trampoline's first instructions since [`prepare`].
    ///
    /// [`prepare`]: Trampoline::prepare
    pub fn alive(&self) -> bool {
        self.params().alive.load(Ordering::SeqCst) != 0
    }
}

/// The physical frame of the running P4, for handing the kernel's P4 to an AP.
pub fn current_root() -> u64 {
    cpu::page_table_root().0.start_address().as_u64()
}
