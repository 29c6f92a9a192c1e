//! Page-table edits through the recursive P4 entry.
//!
//! P4 entry [`RECURSIVE_INDEX`] points at the P4 itself, so every table of the hierarchy that
//! CR3 (or, while the kernel remaps itself, that recursive entry) leads to is visible at a fixed
//! virtual address ([`index::table_address`]). No direct map of physical memory is needed: page
//! tables can live in any frame, including frames above 4 GiB.
//!
//! All edits go through [`PageTables`], held by one lock ([`PAGE_TABLES`]). Lock order: heap,
//! then page tables, then frames; interrupt handlers take none of them.

pub mod index;
pub mod present;

use super::frames::FrameSource;
use crate::arch::cpu;
use crate::smp::tlb::Batch;
use core::fmt;
use core::sync::atomic::{AtomicBool, Ordering};
use index::{Level, table_address};
use spin::{Mutex, MutexGuard};
use x86_64::structures::paging::{Page, PageTable, PageTableFlags as Flags, PhysFrame, Size4KiB};
use x86_64::{PhysAddr, VirtAddr};

pub use index::RECURSIVE_INDEX as RECURSIVE_P4_INDEX;

/// Whether EFER.NXE is on; without it bit 63 of an entry is reserved and must stay clear.
static NX_ENABLED: AtomicBool = AtomicBool::new(false);

pub(super) fn set_nx_enabled(enabled: bool) {
    NX_ENABLED.store(enabled, Ordering::Relaxed);
}

pub fn nx_enabled() -> bool {
    NX_ENABLED.load(Ordering::Relaxed)
}

/// The flags as the hardware can take them: NO_EXECUTE dropped on CPUs without NX.
pub fn effective_flags(flags: Flags) -> Flags {
    if nx_enabled() {
        flags
    } else {
        flags - Flags::NO_EXECUTE
    }
}

/// The page size a translation went through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageSize {
    Size4KiB,
    Size2MiB,
    Size1GiB,
}

impl PageSize {
    pub const fn bytes(self) -> u64 {
        match self {
            PageSize::Size4KiB => 4 << 10,
            PageSize::Size2MiB => 2 << 20,
            PageSize::Size1GiB => 1 << 30,
        }
    }
}

/// Where a virtual address leads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Translation {
    /// The physical address of the byte at the translated address.
    pub phys: PhysAddr,
    /// The start of the (possibly huge) frame that contains it.
    pub frame_start: PhysAddr,
    pub size: PageSize,
    /// The flags of the final entry.
    pub flags: Flags,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MapError {
    /// The page already maps this frame.
    AlreadyMapped(PhysFrame),
    /// A 2 MiB or 1 GiB page covers the page, so there is no P1 entry to set.
    ParentIsHugePage,
    /// A page table was needed and no frame was free.
    OutOfFrames,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnmapError {
    NotMapped,
    /// The page is part of a 2 MiB or 1 GiB page, which 4 KiB unmapping cannot split.
    ParentIsHugePage,
}

impl fmt::Display for MapError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MapError::AlreadyMapped(frame) => {
                write!(f, "page already mapped to {:#x}", frame.start_address())
            }
            MapError::ParentIsHugePage => write!(f, "page lies inside a huge page"),
            MapError::OutOfFrames => write!(f, "out of physical frames for page tables"),
        }
    }
}

impl fmt::Display for UnmapError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UnmapError::NotMapped => write!(f, "page is not mapped"),
            UnmapError::ParentIsHugePage => write!(f, "page lies inside a huge page"),
        }
    }
}

/// Where the kernel half of every address space begins (P4 entry 256).
const KERNEL_HALF_START: u64 = 0xFFFF_8000_0000_0000;

/// Access to the page tables reachable through the recursive entry. Only one value exists,
/// inside [`PAGE_TABLES`].
pub struct PageTables {
    /// Kernel-half pages unmapped under the current lock holder: the other CPUs' TLBs may
    /// still hold them, until the guard's drop shoots them down (`smp::tlb`).
    stale: Batch,
}

/// The page-table lock. Its guard, on release, shoots down the kernel pages its holder
/// unmapped, in one batch, after unlocking: another CPU may be waiting for the lock with
/// interrupts off (a system call), and could not answer the IPI while it waits.
pub struct PageTablesLock {
    inner: Mutex<PageTables>,
}

pub struct PageTablesGuard<'a> {
    guard: Option<MutexGuard<'a, PageTables>>,
}

impl PageTablesLock {
    pub fn lock(&self) -> PageTablesGuard<'_> {
        PageTablesGuard {
            guard: Some(self.inner.lock()),
        }
    }

    pub fn try_lock(&self) -> Option<PageTablesGuard<'_>> {
        Some(PageTablesGuard {
            guard: Some(self.inner.try_lock()?),
        })
    }

    pub fn is_locked(&self) -> bool {
        self.inner.is_locked()
    }
}

impl core::ops::Deref for PageTablesGuard<'_> {
    type Target = PageTables;

    fn deref(&self) -> &PageTables {
        self.guard.as_ref().expect("held until drop")
    }
}

impl core::ops::DerefMut for PageTablesGuard<'_> {
    fn deref_mut(&mut self) -> &mut PageTables {
        self.guard.as_mut().expect("held until drop")
    }
}

impl Drop for PageTablesGuard<'_> {
    fn drop(&mut self) {
        let mut guard = self.guard.take().expect("held until drop");
        let stale = guard.stale.take();
        drop(guard);
        crate::smp::tlb::shootdown_others(&stale);
    }
}

pub static PAGE_TABLES: PageTablesLock = PageTablesLock {
    inner: Mutex::new(PageTables {
        stale: Batch::new(),
    }),
};

/// The table at `level` that translates `addr`, seen through the recursive mapping.
///
/// # Safety
/// Every table above it on the path must be present (and not a huge page), so the recursive
/// address is mapped; the caller must hold the `PageTables` lock for the borrow's lifetime.
unsafe fn table_mut<'a>(level: Level, addr: VirtAddr) -> &'a mut PageTable {
    // SAFETY: per the caller, the recursive address maps this table's frame.
    unsafe { &mut *(table_address(level, addr.as_u64()) as *mut PageTable) }
}

/// What a walk down to `level` found in the entry above.
enum Step {
    Table,
    Missing,
    Huge(PhysAddr, Flags),
}

fn step(table: &PageTable, addr: VirtAddr, level: Level) -> Step {
    let entry = &table[index::index(addr.as_u64(), level) as usize];
    let flags = entry.flags();
    if !flags.contains(Flags::PRESENT) {
        Step::Missing
    } else if flags.contains(Flags::HUGE_PAGE) && level != Level::P4 && level != Level::P1 {
        Step::Huge(entry.addr(), flags)
    } else {
        Step::Table
    }
}

impl PageTables {
    /// Follows `addr` through the tables, reporting 2 MiB and 1 GiB pages as such.
    pub fn translate(&self, addr: VirtAddr) -> Option<Translation> {
        for (level, size) in [
            (Level::P4, None),
            (Level::P3, Some(PageSize::Size1GiB)),
            (Level::P2, Some(PageSize::Size2MiB)),
        ] {
            // SAFETY: the loop only descends past present, non-huge entries, and `&self` means
            // the caller holds the lock.
            let table = unsafe { table_mut(level, addr) };
            match step(table, addr, level) {
                Step::Missing => return None,
                Step::Huge(entry_addr, flags) => {
                    let size = size.expect("a P4 entry is never huge");
                    // Bit 12 of a huge entry is its PAT bit, not part of the frame address.
                    let frame_start = entry_addr.align_down(size.bytes());
                    let offset = addr.as_u64() & (size.bytes() - 1);
                    return Some(Translation {
                        phys: frame_start + offset,
                        frame_start,
                        size,
                        flags,
                    });
                }
                Step::Table => {}
            }
        }
        // SAFETY: P4, P3 and P2 entries on the path are present and not huge.
        let p1 = unsafe { table_mut(Level::P1, addr) };
        let entry = &p1[index::index(addr.as_u64(), Level::P1) as usize];
        if !entry.flags().contains(Flags::PRESENT) {
            return None;
        }
        Some(Translation {
            phys: entry.addr() + (addr.as_u64() & 0xFFF),
            frame_start: entry.addr(),
            size: PageSize::Size4KiB,
            flags: entry.flags(),
        })
    }

    pub fn translate_addr(&self, addr: VirtAddr) -> Option<PhysAddr> {
        self.translate(addr).map(|t| t.phys)
    }

    /// The P1 table for `page`, creating missing tables above it with frames from `frames`.
    fn p1_for(
        &mut self,
        page: Page<Size4KiB>,
        user: bool,
        frames: &mut impl FrameSource,
    ) -> Result<&mut PageTable, MapError> {
        let addr = page.start_address();
        for (level, child) in [
            (Level::P4, Level::P3),
            (Level::P3, Level::P2),
            (Level::P2, Level::P1),
        ] {
            // SAFETY: the previous iterations made every table above `level` present.
            let table = unsafe { table_mut(level, addr) };
            match step(table, addr, level) {
                Step::Huge(..) => return Err(MapError::ParentIsHugePage),
                Step::Table => {
                    if user {
                        let entry = &mut table[index::index(addr.as_u64(), level) as usize];
                        entry.set_flags(entry.flags() | Flags::USER_ACCESSIBLE);
                    }
                }
                Step::Missing => {
                    let frame = frames.allocate_frame().ok_or(MapError::OutOfFrames)?;
                    let mut flags = Flags::PRESENT | Flags::WRITABLE;
                    if user {
                        flags |= Flags::USER_ACCESSIBLE;
                    }
                    table[index::index(addr.as_u64(), level) as usize].set_frame(frame, flags);
                    let child_addr = VirtAddr::new(table_address(child, addr.as_u64()));
                    // The recursive address may still be cached from a table that used to be
                    // there (the kernel remap redirects the recursive entry).
                    cpu::flush_tlb_page(child_addr);
                    // SAFETY: the entry just set makes the child table present.
                    unsafe { table_mut(child, addr) }.zero();
                }
            }
        }
        // SAFETY: the loop made P4, P3 and P2 entries present and not huge.
        Ok(unsafe { table_mut(Level::P1, addr) })
    }

    /// Maps `page` to `frame`. A new mapping needs no TLB flush: the processor never caches
    /// not-present translations (Intel SDM vol. 3A §4.10.2.3).
    pub fn map_to(
        &mut self,
        page: Page<Size4KiB>,
        frame: PhysFrame,
        flags: Flags,
        frames: &mut impl FrameSource,
    ) -> Result<(), MapError> {
        let user = flags.contains(Flags::USER_ACCESSIBLE);
        let p1 = self.p1_for(page, user, frames)?;
        let entry = &mut p1[page.p1_index()];
        if entry.flags().contains(Flags::PRESENT) {
            return Err(MapError::AlreadyMapped(PhysFrame::containing_address(
                entry.addr(),
            )));
        }
        // Not `set_frame`: it rejects bit 7, which in a P1 entry is the PAT bit, not HUGE_PAGE.
        entry.set_addr(
            frame.start_address(),
            effective_flags(flags | Flags::PRESENT),
        );
        Ok(())
    }

    /// Maps the frame at its own physical address.
    pub fn identity_map(
        &mut self,
        frame: PhysFrame,
        flags: Flags,
        frames: &mut impl FrameSource,
    ) -> Result<(), MapError> {
        let page = Page::containing_address(VirtAddr::new(frame.start_address().as_u64()));
        self.map_to(page, frame, flags, frames)
    }

    /// Removes the mapping of `page` and returns the frame it mapped (which the caller now owns:
    /// nothing else frees it). Page tables left empty stay in place.
    pub fn unmap(&mut self, page: Page<Size4KiB>) -> Result<PhysFrame, UnmapError> {
        let addr = page.start_address();
        for level in [Level::P4, Level::P3, Level::P2] {
            // SAFETY: only reached when every table above `level` is present and not huge.
            let table = unsafe { table_mut(level, addr) };
            match step(table, addr, level) {
                Step::Missing => return Err(UnmapError::NotMapped),
                Step::Huge(..) => return Err(UnmapError::ParentIsHugePage),
                Step::Table => {}
            }
        }
        // SAFETY: as above, down to the P1.
        let p1 = unsafe { table_mut(Level::P1, addr) };
        let entry = &mut p1[page.p1_index()];
        if !entry.flags().contains(Flags::PRESENT) {
            return Err(UnmapError::NotMapped);
        }
        let frame = PhysFrame::containing_address(entry.addr());
        entry.set_unused();
        cpu::flush_tlb_page(addr);
        // The kernel half is every CPU's; the user half runs on one CPU (docs/smp.md).
        if addr.as_u64() >= KERNEL_HALF_START {
            self.stale.push(addr.as_u64());
        }
        Ok(frame)
    }

    /// The P4 entry at `index` of the hierarchy the recursive entry leads to.
    pub fn p4_entry_flags(&self, index: usize) -> Flags {
        // SAFETY: the P4 is always present through the recursive entry.
        let p4 = unsafe { table_mut(Level::P4, VirtAddr::zero()) };
        p4[index].flags()
    }
}

/// Translates `addr` with the active page tables.
pub fn translate(addr: VirtAddr) -> Option<Translation> {
    PAGE_TABLES.lock().translate(addr)
}

pub fn translate_addr(addr: VirtAddr) -> Option<PhysAddr> {
    translate(addr).map(|t| t.phys)
}
