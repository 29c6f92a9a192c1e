//! [`FirmwareMemory`]: the ACPI parsers' [`PhysMemory`], mapping firmware tables through the
//! kernel's device windows (`memory::map_device`), never the identity map (which is gone once
//! the kernel runs on its own page tables).
//!
//! Windows stay mapped for good, so the slices it hands out live as long as the kernel. Each
//! request first looks for a window that already covers it (the parsers map a table's header,
//! then the whole table, then find it again by signature).

use crate::acpi::PhysMemory;
use crate::arch::pat::CacheType;
use crate::memory::device::map_device;
use spin::Mutex;

/// Windows kept for reuse; once full, further requests map windows of their own.
const CACHED_WINDOWS: usize = 16;

#[derive(Clone, Copy)]
struct Window {
    phys: u64,
    len: u64,
    virt: u64,
}

pub struct FirmwareMemory {
    windows: Mutex<([Window; CACHED_WINDOWS], usize)>,
}

impl FirmwareMemory {
    pub const fn new() -> Self {
        const EMPTY: Window = Window {
            phys: 0,
            len: 0,
            virt: 0,
        };
        FirmwareMemory {
            windows: Mutex::new(([EMPTY; CACHED_WINDOWS], 0)),
        }
    }

    /// The virtual address of `phys`, through a window covering `[phys, phys + len)`.
    fn window_for(&self, phys: u64, len: u64) -> Option<u64> {
        let end = phys.checked_add(len)?;
        let mut guard = self.windows.lock();
        let (windows, count) = &mut *guard;
        if let Some(w) = windows[..*count]
            .iter()
            .find(|w| w.phys <= phys && end <= w.phys + w.len)
        {
            return Some(w.virt + (phys - w.phys));
        }
        // Firmware tables sit in RAM (ACPI reclaim or NVS), which nothing else maps: write-back
        // is the right type. The window covers whole pages and no more: a wider one could reach
        // device memory next to the tables, which must never be cached (or read speculatively).
        let first = phys & !0xFFF;
        let last = end.checked_next_multiple_of(4096)?;
        let base = map_device(first, last - first, CacheType::WriteBack)
            .ok()?
            .as_u64();
        if *count < CACHED_WINDOWS {
            windows[*count] = Window {
                phys: first,
                len: last - first,
                virt: base,
            };
            *count += 1;
        }
        Some(base + (phys - first))
    }
}

impl Default for FirmwareMemory {
    fn default() -> Self {
        Self::new()
    }
}

impl PhysMemory for FirmwareMemory {
    fn map(&self, phys: u64, len: usize) -> Option<&[u8]> {
        let virt = self.window_for(phys, len as u64)?;
        // SAFETY: `window_for` mapped (or found mapped) `len` bytes at `virt`, readable, for the
        // rest of the kernel's life; nothing in the kernel writes firmware tables.
        Some(unsafe { core::slice::from_raw_parts(virt as *const u8, len) })
    }
}
