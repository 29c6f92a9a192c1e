//! Building the kernel's own page tables and switching to them.
//!
//! The boot tables map far too much (4 GiB identity, 2 GiB of physical memory writable and
//! executable at the higher half). The new hierarchy maps only what [`Mapping`]s list, each
//! with its own permissions, and is built with the ordinary recursive mapper: for the duration
//! the active P4's recursive entry points at the *new* P4 instead of itself, so every recursive
//! address reaches the new hierarchy while code, stack and data keep running on the old one.
//!
//! The boot P4 lies inside the kernel image (`.boot.bss`, below 2 GiB), so it stays reachable
//! through the boot tables' higher-half alias while its recursive entry is redirected. The new
//! P4 is reached for its first writes through a spare boot P4 slot: with `old[WINDOW] = new`,
//! the recursive address of "the P3 for slot WINDOW" is the new P4's frame.

use super::frames::{self, FrameSource};
use super::layout::{HIGHER_HALF_PHYS_LIMIT, phys_to_virt};
use super::paging::index::{self, Level, RECURSIVE_INDEX};
use super::paging::{MapError, PAGE_TABLES, PageTables, effective_flags};
use crate::arch::cpu;
use core::fmt;
use x86_64::structures::paging::{Page, PageTable, PageTableFlags as Flags, PhysFrame};
use x86_64::{PhysAddr, VirtAddr};

/// A boot P4 slot that is empty (the boot tables use 0, 510 and 511).
const WINDOW_SLOT: u64 = 1;

/// One run of pages to map in the new tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mapping {
    pub virt: u64,
    pub phys: u64,
    /// Bytes, a multiple of 4 KiB.
    pub size: u64,
    pub flags: Flags,
}

impl Mapping {
    /// The whole pages covering `[virt, virt + len)`, backed from `phys` on (which has the same
    /// offset into its page as `virt`).
    pub fn covering(virt: u64, phys: u64, len: u64, flags: Flags) -> Self {
        debug_assert_eq!(virt & 0xFFF, phys & 0xFFF);
        let first = virt & !0xFFF;
        let end = (virt + len).next_multiple_of(4096);
        Mapping {
            virt: first,
            phys: phys & !0xFFF,
            size: end - first,
            flags,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RemapError {
    /// The active P4 is not where the boot tables put it.
    UnexpectedBootTables(PhysAddr),
    Map(VirtAddr, MapError),
    /// Two sections share a page but want different permissions.
    ConflictingFlags(VirtAddr),
    /// Something the kernel needs right after the switch would be unmapped.
    Missing(&'static str, VirtAddr),
    /// A guard page would be mapped.
    GuardMapped(VirtAddr),
}

impl fmt::Display for RemapError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RemapError::UnexpectedBootTables(p4) => {
                write!(
                    f,
                    "page tables at {:#x} are not the boot tables",
                    p4.as_u64()
                )
            }
            RemapError::Map(addr, err) => write!(f, "mapping {:#x}: {err}", addr.as_u64()),
            RemapError::ConflictingFlags(addr) => write!(
                f,
                "page {:#x} is shared by sections with different permissions",
                addr.as_u64()
            ),
            RemapError::Missing(what, addr) => {
                write!(f, "{what} at {:#x} would be unmapped", addr.as_u64())
            }
            RemapError::GuardMapped(addr) => {
                write!(f, "guard page {:#x} would be mapped", addr.as_u64())
            }
        }
    }
}

/// Maps one run, skipping `guards` and tolerating a page shared by two runs with equal flags.
fn map_run(
    tables: &mut PageTables,
    run: &Mapping,
    guards: &[VirtAddr],
    source: &mut impl FrameSource,
) -> Result<(), RemapError> {
    for offset in (0..run.size).step_by(4096) {
        let virt = VirtAddr::new(run.virt + offset);
        if guards.contains(&virt) {
            continue;
        }
        let page = Page::containing_address(virt);
        let frame = PhysFrame::containing_address(PhysAddr::new(run.phys + offset));
        match tables.map_to(page, frame, run.flags, source) {
            Ok(()) => {}
            Err(MapError::AlreadyMapped(existing)) if existing == frame => {
                let current = tables.translate(virt).map(|t| t.flags);
                if current != Some(effective_flags(run.flags | Flags::PRESENT)) {
                    return Err(RemapError::ConflictingFlags(virt));
                }
            }
            Err(err) => return Err(RemapError::Map(virt, err)),
        }
    }
    Ok(())
}

/// Builds a hierarchy holding exactly `runs` (minus `guards`), checks that every address in
/// `must_map` is mapped and no guard is, and loads it into CR3. Returns the boot P4's frame.
///
/// # Safety
/// `runs` must map everything the kernel touches from here on (its code, stacks, statics, and
/// whatever it reaches by address) at the addresses it uses; the caller must switch every
/// pointer into memory that is not in `runs` before using it again.
pub unsafe fn switch_to_new_tables(
    runs: &[Mapping],
    guards: &[VirtAddr],
    must_map: &[(&'static str, VirtAddr)],
) -> Result<PhysFrame, RemapError> {
    let mut tables = PAGE_TABLES.lock();
    let (old_frame, cr3_flags) = cpu::page_table_root();
    let old_phys = old_frame.start_address();
    if old_phys.as_u64() >= HIGHER_HALF_PHYS_LIMIT {
        return Err(RemapError::UnexpectedBootTables(old_phys));
    }
    // SAFETY: the boot P4 is a frame of the kernel image, below 2 GiB, which the boot tables
    // alias at the higher half; the page-table lock is held, so nothing else edits it.
    let old_p4 = unsafe { &mut *(phys_to_virt(old_phys.as_u64()) as *mut PageTable) };
    let recursive = RECURSIVE_INDEX as usize;
    let window_slot = WINDOW_SLOT as usize;
    if old_p4[recursive].addr() != old_phys || !old_p4[window_slot].is_unused() {
        return Err(RemapError::UnexpectedBootTables(old_phys));
    }
    let mut source = frames::GlobalFrames;
    let new_frame = source
        .allocate_frame()
        .ok_or(RemapError::Map(VirtAddr::zero(), MapError::OutOfFrames))?;

    // Reach the new P4 through the window slot: zero it and make it recursive.
    let window = VirtAddr::new(index::table_address(
        Level::P3,
        index::address_of(WINDOW_SLOT, 0, 0, 0),
    ));
    old_p4[window_slot].set_frame(new_frame, Flags::PRESENT | Flags::WRITABLE);
    cpu::flush_tlb_page(window);
    // SAFETY: the window slot now makes the new P4's frame appear at `window`.
    let new_p4 = unsafe { &mut *window.as_mut_ptr::<PageTable>() };
    new_p4.zero();
    new_p4[recursive].set_frame(new_frame, Flags::PRESENT | Flags::WRITABLE);
    old_p4[window_slot].set_unused();
    cpu::flush_tlb_page(window);

    // Redirect the recursive entry: from here the mapper edits the new hierarchy.
    let saved = old_p4[recursive].clone();
    old_p4[recursive].set_frame(new_frame, Flags::PRESENT | Flags::WRITABLE);
    cpu::flush_tlb_all();
    let built = (|| {
        for run in runs {
            map_run(&mut tables, run, guards, &mut source)?;
        }
        for &(what, addr) in must_map {
            if tables.translate(addr).is_none() {
                return Err(RemapError::Missing(what, addr));
            }
        }
        for &guard in guards {
            if tables.translate(guard).is_some() {
                return Err(RemapError::GuardMapped(guard));
            }
        }
        Ok(())
    })();
    old_p4[recursive] = saved;
    cpu::flush_tlb_all();
    // On failure the new tables' frames are simply lost: the boot then stops anyway.
    built?;

    // SAFETY: the new hierarchy maps the running code, the stack and everything in `must_map`
    // (checked above), and its recursive entry points at itself.
    unsafe { cpu::set_page_table_root(new_frame, cr3_flags) };
    Ok(old_frame)
}
