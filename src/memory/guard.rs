//! Unmaps the stacks' guard pages in the boot page tables, so running off the bottom of a
//! stack faults (and the double-fault handler reports the overflow) instead of silently
//! overwriting whatever lies below.
//!
//! The trampoline maps memory with 2 MiB pages, so the 2 MiB page holding a guard page is
//! first split into 512 4 KiB pages mapping the same frames, using a page table from a small
//! static pool. The tables are reached through the recursive P4 entry. This is a stand-in: the
//! kernel's own page tables (memory management) leave the guard pages out from the start.

use super::layout::virt_to_phys;
use super::stacks;
use spin::Mutex;
use x86_64::instructions::tlb;
use x86_64::structures::paging::{PageTable, PageTableFlags};
use x86_64::{PhysAddr, VirtAddr};

/// The P4 slot the trampoline points at the P4 itself (asm/boot.asm, RECURSIVE_INDEX).
const RECURSIVE_INDEX: u64 = 510;
const PAGE_SIZE: u64 = 4096;
/// The stacks sit together in .bss and span less than 2 MiB, so they touch at most two 2 MiB
/// pages.
const POOL_TABLES: usize = 2;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GuardError {
    /// The address lies in a 1 GiB page, which this stand-in does not split.
    GiantPage,
    /// More 2 MiB pages needed splitting than the pool has tables for.
    PoolExhausted,
}

struct Pool {
    tables: [PageTable; POOL_TABLES],
    used: usize,
}

static POOL: Mutex<Pool> = Mutex::new(Pool {
    tables: [const { PageTable::new() }; POOL_TABLES],
    used: 0,
});

/// The virtual address at which the recursive mapping shows the page table reached by walking
/// `indices` (each 0–511) from the P4: four steps through the recursive slot give the P4 itself,
/// three and then one real index give that P3, and so on.
pub const fn recursive_table_address(indices: [u64; 4]) -> VirtAddr {
    let raw = indices[0] << 39 | indices[1] << 30 | indices[2] << 21 | indices[3] << 12;
    VirtAddr::new_truncate(raw)
}

/// The P4, P3, P2 and P1 indices of `addr`.
pub const fn table_indices(addr: VirtAddr) -> [u64; 4] {
    let a = addr.as_u64();
    [
        (a >> 39) & 511,
        (a >> 30) & 511,
        (a >> 21) & 511,
        (a >> 12) & 511,
    ]
}

/// # Safety
/// The recursive mapping must be in place and the tables along `indices` present and not huge
/// (so the address really shows a page table); nothing else may hold a reference to it.
unsafe fn table_mut(indices: [u64; 4]) -> &'static mut PageTable {
    // SAFETY: per the caller, this address maps a live page table.
    unsafe { &mut *recursive_table_address(indices).as_mut_ptr() }
}

/// Makes the 4 KiB page at `page` not present. Returns whether it was mapped.
pub fn unmap_page(page: VirtAddr) -> Result<bool, GuardError> {
    let [p4i, p3i, p2i, p1i] = table_indices(page);
    let r = RECURSIVE_INDEX;
    x86_64::instructions::interrupts::without_interrupts(|| {
        // SAFETY: the trampoline's recursive mapping is in place, the P4 itself is always
        // present, and each step below checks the entry it walks through before going on.
        unsafe {
            let p4_entry = &table_mut([r, r, r, r])[p4i as usize];
            if !p4_entry.flags().contains(PageTableFlags::PRESENT) {
                return Ok(false);
            }
            let p3_entry = &table_mut([r, r, r, p4i])[p3i as usize];
            if !p3_entry.flags().contains(PageTableFlags::PRESENT) {
                return Ok(false);
            }
            if p3_entry.flags().contains(PageTableFlags::HUGE_PAGE) {
                return Err(GuardError::GiantPage);
            }
            let p2_entry = &mut table_mut([r, r, p4i, p3i])[p2i as usize];
            if !p2_entry.flags().contains(PageTableFlags::PRESENT) {
                return Ok(false);
            }
            if p2_entry.flags().contains(PageTableFlags::HUGE_PAGE) {
                split_huge_page(p2_entry)?;
            }
            let p1_entry = &mut table_mut([r, p4i, p3i, p2i])[p1i as usize];
            let was_mapped = p1_entry.flags().contains(PageTableFlags::PRESENT);
            p1_entry.set_unused();
            tlb::flush(page);
            Ok(was_mapped)
        }
    })
}

/// Replaces a 2 MiB mapping with a page table of 512 4 KiB mappings of the same frames and
/// flags, so one of them can then be removed.
fn split_huge_page(
    p2_entry: &mut x86_64::structures::paging::page_table::PageTableEntry,
) -> Result<(), GuardError> {
    let mut pool = POOL.lock();
    let index = pool.used;
    let table = pool
        .tables
        .get_mut(index)
        .ok_or(GuardError::PoolExhausted)?;
    let base = p2_entry.addr().as_u64();
    // Bit 7 is "huge" in a P2 entry but PAT in a P1 entry; the trampoline sets no PAT bits.
    let flags = p2_entry.flags() - PageTableFlags::HUGE_PAGE;
    for (i, entry) in table.iter_mut().enumerate() {
        entry.set_addr(PhysAddr::new(base + i as u64 * PAGE_SIZE), flags);
    }
    let table_phys = virt_to_phys(VirtAddr::from_ptr(table as *const PageTable).as_u64());
    pool.used += 1;
    p2_entry.set_addr(
        PhysAddr::new(table_phys),
        PageTableFlags::PRESENT | PageTableFlags::WRITABLE,
    );
    // The new table maps exactly what the huge page did, so stale TLB entries are harmless;
    // flushing them all makes the CPU see the new structure before a page is removed from it.
    tlb::flush_all();
    Ok(())
}

/// Unmaps the guard page of every kernel stack.
pub fn unmap_stack_guards() {
    for stack in stacks::all() {
        match unmap_page(stack.guard) {
            Ok(_) => log::debug!("{}: guard page {:#x} unmapped", stack.name, stack.guard),
            Err(err) => log::warn!(
                "{}: guard page {:#x} stays mapped ({err:?}): an overflow will go unnoticed",
                stack.name,
                stack.guard
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recursive_addresses() {
        let r = RECURSIVE_INDEX;
        // The P4 through four recursive steps.
        assert_eq!(
            recursive_table_address([r, r, r, r]).as_u64(),
            0xFFFF_FF7F_BFDF_E000
        );
        // The P2 that maps the kernel's first GiB of the higher half (P4 511, P3 510).
        assert_eq!(
            recursive_table_address([r, r, 511, 510]).as_u64(),
            0xFFFF_FF7F_BFFF_E000
        );
    }

    #[test]
    fn indices_of_a_kernel_address() {
        assert_eq!(
            table_indices(VirtAddr::new(0xFFFF_FFFF_8020_3000)),
            [511, 510, 1, 3]
        );
        assert_eq!(
            table_indices(VirtAddr::new(0x4000_0000_0000)),
            [128, 0, 0, 0]
        );
    }
}
