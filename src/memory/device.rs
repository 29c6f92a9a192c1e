//! Virtual windows onto device memory (MMIO registers, framebuffers, firmware tables).

use super::layout::{DEVICE_WINDOWS_SIZE, DEVICE_WINDOWS_START};
use super::paging::{MapError, PAGE_TABLES};
use super::remap::Mapping;
use super::vspace::VirtualArea;
use super::{frames::GlobalFrames, require_initialised};
use crate::arch::pat::{self, CacheType};
use core::fmt;
use spin::Mutex;
use x86_64::structures::paging::{Page, PageTableFlags as Flags, PhysFrame};
use x86_64::{PhysAddr, VirtAddr};

static WINDOWS: Mutex<VirtualArea> =
    Mutex::new(VirtualArea::new(DEVICE_WINDOWS_START, DEVICE_WINDOWS_SIZE));

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MapDeviceError {
    /// Zero length, or a range running past the 52-bit physical address space.
    BadRange {
        phys: u64,
        len: u64,
    },
    /// The device-window area has no room left.
    OutOfVirtualSpace,
    Map(MapError),
}

impl fmt::Display for MapDeviceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MapDeviceError::BadRange { phys, len } => {
                write!(f, "cannot map {len:#x} bytes of device memory at {phys:#x}")
            }
            MapDeviceError::OutOfVirtualSpace => write!(f, "device window area is full"),
            MapDeviceError::Map(err) => write!(f, "{err}"),
        }
    }
}

/// Maps `len` bytes of device memory at physical `phys` (any alignment, anywhere in the physical
/// address space, above 4 GiB too) writable and non-executable with the given cache type, and
/// returns the virtual address of `phys`. The window stays mapped for good.
///
/// Write-combining needs PAT; without it the window is uncached ([`pat::pat_available`]).
pub fn map_device(phys: u64, len: u64, cache: CacheType) -> Result<VirtAddr, MapDeviceError> {
    require_initialised();
    let (virt, run) = reserve_window(phys, len, cache)?;
    let mut tables = PAGE_TABLES.lock();
    for offset in (0..run.size).step_by(4096) {
        let page = Page::containing_address(VirtAddr::new(run.virt + offset));
        let frame = PhysFrame::containing_address(PhysAddr::new(run.phys + offset));
        tables
            .map_to(page, frame, run.flags, &mut GlobalFrames)
            .map_err(MapDeviceError::Map)?;
    }
    Ok(virt)
}

/// Maps `len` bytes of ordinary RAM at physical `phys` read-only, write-back cached and
/// non-executable, for good: how the kernel reads what the boot loader left in memory (boot
/// modules such as the initramfs) once the identity map is gone. Returns the address of `phys`.
pub fn map_physical_read_only(phys: u64, len: u64) -> Result<VirtAddr, MapDeviceError> {
    require_initialised();
    let (virt, mut run) = reserve_window(phys, len, CacheType::WriteBack)?;
    run.flags -= Flags::WRITABLE;
    let mut tables = PAGE_TABLES.lock();
    for offset in (0..run.size).step_by(4096) {
        let page = Page::containing_address(VirtAddr::new(run.virt + offset));
        let frame = PhysFrame::containing_address(PhysAddr::new(run.phys + offset));
        tables
            .map_to(page, frame, run.flags, &mut GlobalFrames)
            .map_err(MapDeviceError::Map)?;
    }
    Ok(virt)
}

/// Takes a window for `[phys, phys + len)` from the device area without mapping it: the
/// virtual address of `phys`, and the pages to map there.
pub(super) fn reserve_window(
    phys: u64,
    len: u64,
    cache: CacheType,
) -> Result<(VirtAddr, Mapping), MapDeviceError> {
    let bad = MapDeviceError::BadRange { phys, len };
    let end = phys.checked_add(len).ok_or(bad)?;
    if len == 0 || end > super::memory_map::PHYS_ADDR_LIMIT {
        return Err(bad);
    }
    let first = phys & !0xFFF;
    let size = end.next_multiple_of(4096) - first;
    let start = WINDOWS
        .lock()
        .allocate(size, 4096)
        .ok_or(MapDeviceError::OutOfVirtualSpace)?;
    let flags = Flags::PRESENT
        | Flags::WRITABLE
        | Flags::NO_EXECUTE
        | pat::flags_for(cache, pat::pat_available());
    let run = Mapping {
        virt: start,
        phys: first,
        size,
        flags,
    };
    Ok((VirtAddr::new(start + (phys - first)), run))
}
