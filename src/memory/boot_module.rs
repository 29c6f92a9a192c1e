//! Boot modules (files GRUB loads next to the kernel: the symbol table, later an initramfs)
//! mapped read-only into the kernel's address space. The boot tables' identity map, through
//! which they could be reached at first, is gone after `memory::init`; their frames stay
//! reserved for good (`BootInfo::reserved_ranges`), so a mapping can live as long as the kernel.

use super::frames::GlobalFrames;
use super::layout::{BOOT_MODULES_SIZE, BOOT_MODULES_START};
use super::memory_map::{PHYS_ADDR_LIMIT, PhysRange};
use super::paging::{MapError, PAGE_TABLES};
use super::require_initialised;
use super::vspace::VirtualArea;
use core::fmt;
use spin::Mutex;
use x86_64::structures::paging::{Page, PageTableFlags as Flags, PhysFrame};
use x86_64::{PhysAddr, VirtAddr};

static AREA: Mutex<VirtualArea> =
    Mutex::new(VirtualArea::new(BOOT_MODULES_START, BOOT_MODULES_SIZE));

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MapModuleError {
    /// An empty range, or one past the physical address space.
    BadRange(PhysRange),
    OutOfVirtualSpace,
    Map(MapError),
}

impl fmt::Display for MapModuleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MapModuleError::BadRange(range) => write!(
                f,
                "module at {:#x}..{:#x} is empty or outside physical memory",
                range.start, range.end
            ),
            MapModuleError::OutOfVirtualSpace => write!(f, "the boot-module area is full"),
            MapModuleError::Map(err) => write!(f, "{err}"),
        }
    }
}

/// Maps the boot module at `range` (any alignment) read-only and non-executable, and returns
/// its bytes. Each call makes a new mapping; the pages stay mapped for good.
pub fn map_boot_module(range: PhysRange) -> Result<&'static [u8], MapModuleError> {
    require_initialised();
    if range.is_empty() || range.end > PHYS_ADDR_LIMIT {
        return Err(MapModuleError::BadRange(range));
    }
    let first = range.start & !0xFFF;
    let size = range.end.next_multiple_of(4096) - first;
    let virt = AREA
        .lock()
        .allocate(size, 4096)
        .ok_or(MapModuleError::OutOfVirtualSpace)?;
    let mut tables = PAGE_TABLES.lock();
    for offset in (0..size).step_by(4096) {
        let page = Page::containing_address(VirtAddr::new(virt + offset));
        let frame = PhysFrame::containing_address(PhysAddr::new(first + offset));
        tables
            .map_to(
                page,
                frame,
                Flags::PRESENT | Flags::NO_EXECUTE,
                &mut GlobalFrames,
            )
            .map_err(MapModuleError::Map)?;
    }
    let start = virt + (range.start - first);
    // SAFETY: the pages just mapped hold the module's bytes, read-only; the module's frames are
    // reserved for good, so nothing else ever writes or frees them, and the virtual range is
    // never unmapped or reused (the area only hands out fresh ranges).
    Ok(unsafe { core::slice::from_raw_parts(start as *const u8, range.len() as usize) })
}
