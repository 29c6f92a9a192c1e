//! A process's user memory: its address space and the areas ([`VmaList`]) that say what may be
//! mapped where, shared by all its threads. Every private page is mapped on its first touch:
//! the page-fault handler (or a system call's user copy) calls [`UserMemory::fault_in`], which
//! fills a program-image page from the file ([`super::image`]) and zeroes an anonymous one
//! (stack, `brk` heap, `mmap`). `MAP_SHARED` anonymous areas are filled when they are made, so
//! that a later `fork` finds every frame to share.
//!
//! The methods follow Linux's `mmap`, `munmap`, `mprotect`, `mremap`, `madvise` and `brk`;
//! the syscall layer (`syscall::memory`) checks the arguments and maps [`MapFailure`] to errno.

use super::image::ProgramImage;
use super::layout::{PAGE_SIZE, STACK_TOP, USER_END, USER_MIN, page_floor};
pub use super::vma::{Vma, VmaKind, VmaList};
use crate::memory::address_space::{self, AddressSpace, UserAccess};
use alloc::sync::Arc;

/// The stack may grow to 8 MiB, Linux's default `RLIMIT_STACK`.
pub const STACK_SIZE: u64 = 8 << 20;
/// `mmap` looks for free ranges upwards from here (far below the stack, far above programs).
pub const MMAP_BASE: u64 = 0x0000_2000_0000_0000;
/// The `brk` heap may grow this far above the image end.
pub const BRK_MAX: u64 = 1 << 30;
/// Where `mmap` without a usable hint stops looking: a page below the stack area.
const MMAP_END: u64 = STACK_TOP - STACK_SIZE - PAGE_SIZE;

/// Why an access cannot be satisfied: the program gets `SIGSEGV` or `EFAULT`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BadAccess {
    /// No area covers the address.
    Unmapped,
    /// The area does not allow the access (a write to read-only memory, a jump into data).
    Permission,
    /// No frame was free for the page.
    OutOfMemory,
}

/// Why an area call failed; `syscall::memory` turns it into Linux's errno.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MapFailure {
    /// `ENOMEM`: no room, a hole in the range, or no frames.
    NoMemory,
    /// `EEXIST`: `MAP_FIXED_NOREPLACE` over a mapping.
    Exists,
    /// `EFAULT`: `mremap` of a range that is not one mapping.
    Fault,
    /// `EINVAL`.
    Invalid,
}

/// How `mmap` places an area.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placement {
    /// Anywhere; the address is a hint, taken when that range is free.
    Hint(u64),
    /// `MAP_FIXED`: exactly here, replacing what was mapped.
    Fixed(u64),
    /// `MAP_FIXED_NOREPLACE`: exactly here, or `EEXIST`.
    FixedNoReplace(u64),
}

#[derive(Debug, Default)]
pub struct UserMemory {
    pub space: Option<AddressSpace>,
    pub vmas: VmaList,
    pub brk_start: u64,
    pub brk: u64,
    /// Pages mapped so far (for `ps`).
    pub resident_pages: u64,
    /// What the program's [`VmaKind::Image`] pages are filled from on first touch.
    pub image: Option<Arc<ProgramImage>>,
}

const RW: UserAccess = UserAccess {
    read: true,
    write: true,
    execute: false,
};

impl UserMemory {
    pub fn find(&self, addr: u64) -> Option<&Vma> {
        self.vmas.find(addr)
    }

    /// Maps the page holding `addr` if an area allows the access; `Ok` when it is mapped
    /// (already, or now). The current space must be this process's.
    pub fn fault_in(&mut self, addr: u64, write: bool, execute: bool) -> Result<(), BadAccess> {
        let vma = *self.find(addr).ok_or(BadAccess::Unmapped)?;
        if !vma.access.any() || (write && !vma.access.write) || (execute && !vma.access.execute) {
            return Err(BadAccess::Permission);
        }
        let page = page_floor(addr);
        if address_space::user_page_present(page) {
            return Ok(());
        }
        self.map_fresh_page(page, &vma)
    }

    /// Maps a frame at the absent `page` of `vma`: zeroed, or filled from the program image.
    fn map_fresh_page(&mut self, page: u64, vma: &Vma) -> Result<(), BadAccess> {
        address_space::map_zeroed_user_page(page, vma.access)
            .map_err(|_| BadAccess::OutOfMemory)?;
        self.resident_pages += 1;
        if vma.kind == VmaKind::Image
            && let Some(image) = &self.image
        {
            crate::arch::user_mode::with_read_only_writable(|| {
                for (offset, bytes) in image.runs(page) {
                    // SAFETY: `page` was just mapped in the current space, which this process
                    // owns; the run lies inside it (`ProgramImage::runs`); CR0.WP is clear
                    // for a read-only page.
                    unsafe {
                        core::ptr::copy_nonoverlapping(
                            bytes.as_ptr(),
                            (page + offset as u64) as *mut u8,
                            bytes.len(),
                        )
                    };
                }
            });
        }
        Ok(())
    }

    /// Maps every absent page of the image areas in `[start, end)`: before their pages move
    /// (`mremap`), since an image page is filled by its address.
    fn fill_image_pages(&mut self, start: u64, end: u64) -> Result<(), BadAccess> {
        let areas: alloc::vec::Vec<Vma> = self
            .vmas
            .iter()
            .filter(|v| v.kind == VmaKind::Image && v.start < end && start < v.end)
            .copied()
            .collect();
        for vma in areas {
            for page in (vma.start.max(start)..vma.end.min(end)).step_by(PAGE_SIZE as usize) {
                if !address_space::user_page_present(page) {
                    self.map_fresh_page(page, &vma)?;
                }
            }
        }
        Ok(())
    }

    /// Maps the page of the area holding `addr` whatever the area allows: for the kernel to
    /// fill (a file mapping's copy).
    pub fn fault_in_any(&mut self, addr: u64) -> Result<(), BadAccess> {
        let vma = *self.find(addr).ok_or(BadAccess::Unmapped)?;
        let page = page_floor(addr);
        if address_space::user_page_present(page) {
            return Ok(());
        }
        self.map_fresh_page(page, &vma)
    }

    /// A write to a present read-only page: copy-on-write when the area is writable (the page
    /// is shared with a parent or child since `fork`), otherwise a protection fault.
    pub fn fault_write_protected(&mut self, addr: u64) -> Result<(), BadAccess> {
        let vma = *self.find(addr).ok_or(BadAccess::Unmapped)?;
        if !vma.access.write {
            return Err(BadAccess::Permission);
        }
        match address_space::resolve_copy_on_write(addr) {
            Ok(true) => Ok(()),
            Ok(false) => Err(BadAccess::Permission),
            Err(_) => Err(BadAccess::OutOfMemory),
        }
    }

    /// Records an area of the program image (the loader checked it overlaps none).
    pub fn add(&mut self, vma: Vma) {
        if self.vmas.insert(vma).is_err() {
            log::warn!("overlapping program areas at {:#x}", vma.start);
        }
    }

    /// The stack area below [`STACK_TOP`] and an empty `brk` heap at `image_end`.
    pub fn add_stack_and_heap(&mut self, image_end: u64) {
        self.add(Vma {
            start: STACK_TOP - STACK_SIZE,
            end: STACK_TOP,
            access: RW,
            kind: VmaKind::Anonymous,
            shared: false,
        });
        self.brk_start = image_end;
        self.brk = image_end;
    }

    /// `brk(2)`: moves the break to `requested` when it stays within [`BRK_MAX`] of the start
    /// and clear of other areas; returns the break, moved or not (Linux's semantics). Only the
    /// pages between the old and the new end change: an area the program mapped over the heap
    /// with `MAP_FIXED` (musl's guard page) stays as it is.
    pub fn set_brk(&mut self, requested: u64) -> u64 {
        if requested < self.brk_start || requested > self.brk_start + BRK_MAX {
            return self.brk;
        }
        let old_end = self.brk.next_multiple_of(PAGE_SIZE);
        let new_end = requested.next_multiple_of(PAGE_SIZE);
        if new_end > old_end {
            let grown = Vma {
                start: old_end,
                end: new_end,
                access: RW,
                kind: VmaKind::Anonymous,
                shared: false,
            };
            if self.vmas.insert(grown).is_err() {
                return self.brk;
            }
        } else if new_end < old_end {
            self.unmap(new_end, old_end);
        }
        self.brk = requested;
        self.brk
    }

    /// `mmap` of anonymous memory: `len` bytes (page-rounded, non-zero) placed by `placement`.
    pub fn map(
        &mut self,
        placement: Placement,
        len: u64,
        access: UserAccess,
        shared: bool,
    ) -> Result<u64, MapFailure> {
        let len = len
            .checked_next_multiple_of(PAGE_SIZE)
            .filter(|&l| l > 0 && l <= USER_END)
            .ok_or(MapFailure::NoMemory)?;
        // A shared area is filled at once: refuse one larger than the free memory up front,
        // rather than taking every frame and giving them back.
        if shared && len / PAGE_SIZE > crate::memory::frames::stats().free {
            return Err(MapFailure::NoMemory);
        }
        let fits =
            |start: u64| start >= USER_MIN && start.checked_add(len).is_some_and(|e| e <= USER_END);
        let start = match placement {
            Placement::Fixed(addr) | Placement::FixedNoReplace(addr) => {
                if !addr.is_multiple_of(PAGE_SIZE) {
                    return Err(MapFailure::Invalid);
                }
                if !fits(addr) {
                    return Err(MapFailure::NoMemory);
                }
                if self.vmas.overlaps(addr, addr + len) {
                    if matches!(placement, Placement::FixedNoReplace(_)) {
                        return Err(MapFailure::Exists);
                    }
                    self.unmap(addr, addr + len);
                }
                addr
            }
            Placement::Hint(hint) => {
                let hint = page_floor(hint);
                if hint != 0 && fits(hint) && !self.vmas.overlaps(hint, hint + len) {
                    hint
                } else {
                    self.vmas
                        .find_free(len, MMAP_BASE, MMAP_END)
                        .ok_or(MapFailure::NoMemory)?
                }
            }
        };
        let vma = Vma {
            start,
            end: start + len,
            access,
            kind: VmaKind::Anonymous,
            shared,
        };
        self.vmas.insert(vma).map_err(|_| MapFailure::NoMemory)?;
        if shared && self.populate(start, start + len, access).is_err() {
            self.unmap(start, start + len);
            return Err(MapFailure::NoMemory);
        }
        Ok(start)
    }

    /// Maps every page of `[start, end)` now (a `MAP_SHARED` area: a fork must find them).
    fn populate(&mut self, start: u64, end: u64, access: UserAccess) -> Result<(), ()> {
        for page in (start..end).step_by(PAGE_SIZE as usize) {
            if !address_space::user_page_present(page) {
                address_space::map_zeroed_user_page(page, access).map_err(|_| ())?;
                self.resident_pages += 1;
            }
        }
        Ok(())
    }

    /// `munmap`: drops `[start, end)` from every area (splitting them) and gives up the pages
    /// mapped there. Unmapping nothing is not an error.
    pub fn unmap(&mut self, start: u64, end: u64) {
        for piece in self.vmas.remove(start, end) {
            self.unmap_pages(piece.start, piece.end);
        }
    }

    /// `mprotect`: `ENOMEM` when part of the range is not mapped (and nothing changes).
    pub fn protect(&mut self, start: u64, end: u64, access: UserAccess) -> Result<(), MapFailure> {
        self.vmas
            .protect(start, end, access)
            .map_err(|_| MapFailure::NoMemory)?;
        for_each_present(start, end, |page| {
            address_space::protect_user_page(page, access)
        });
        Ok(())
    }

    /// `madvise(MADV_DONTNEED)`: private anonymous pages of the range are dropped, so the next
    /// touch reads zeros. Shared areas keep their pages (Linux keeps their contents too), and
    /// so do image pages (Linux would read them again from the file). `ENOMEM` for a hole.
    pub fn discard(&mut self, start: u64, end: u64) -> Result<(), MapFailure> {
        if !self.vmas.covers(start, end) {
            return Err(MapFailure::NoMemory);
        }
        let private: alloc::vec::Vec<(u64, u64)> = self
            .vmas
            .iter()
            .filter(|v| v.kind == VmaKind::Anonymous && !v.shared)
            .filter(|v| v.start < end && start < v.end)
            .map(|v| (v.start.max(start), v.end.min(end)))
            .collect();
        for (from, to) in private {
            self.unmap_pages(from, to);
        }
        Ok(())
    }

    /// `mremap`: resizes the mapping at `old` (`old_len` bytes, all in one area) to `new_len`,
    /// in place when it shrinks or the pages after it are free, else moved when `may_move`
    /// (to `fixed` when given), its frames carried over. Returns the new address.
    pub fn remap(
        &mut self,
        old: u64,
        old_len: u64,
        new_len: u64,
        may_move: bool,
        fixed: Option<u64>,
    ) -> Result<u64, MapFailure> {
        let old_end = old.checked_add(old_len).ok_or(MapFailure::Fault)?;
        let vma = *self.find(old).ok_or(MapFailure::Fault)?;
        if old_end > vma.end || old_len == 0 {
            return Err(MapFailure::Fault);
        }
        let tail = |start: u64, end: u64| Vma { start, end, ..vma };
        if fixed.is_none() {
            if new_len <= old_len {
                self.unmap(old + new_len, old_end);
                return Ok(old);
            }
            let new_end = old.checked_add(new_len).filter(|&e| e <= USER_END);
            if let Some(new_end) = new_end
                && !self.vmas.overlaps(old_end, new_end)
            {
                self.vmas
                    .insert(tail(old_end, new_end))
                    .map_err(|_| MapFailure::NoMemory)?;
                if vma.shared {
                    self.populate(old_end, new_end, vma.access)
                        .map_err(|()| MapFailure::NoMemory)?;
                }
                return Ok(old);
            }
            if !may_move {
                return Err(MapFailure::NoMemory);
            }
        }
        let target = match fixed {
            Some(addr) => {
                let end = addr.checked_add(new_len).filter(|&e| e <= USER_END);
                if !addr.is_multiple_of(PAGE_SIZE) || addr < USER_MIN || end.is_none() {
                    return Err(MapFailure::Invalid);
                }
                if addr < old_end && old < addr + new_len {
                    return Err(MapFailure::Invalid);
                }
                self.unmap(addr, addr + new_len);
                addr
            }
            None => self
                .vmas
                .find_free(new_len, MMAP_BASE, MMAP_END)
                .ok_or(MapFailure::NoMemory)?,
        };
        let kept = old_len.min(new_len);
        if vma.kind == VmaKind::Image {
            self.fill_image_pages(old, old + kept)
                .map_err(|_| MapFailure::NoMemory)?;
        }
        self.vmas
            .insert(tail(target, target + new_len))
            .map_err(|_| MapFailure::NoMemory)?;
        let mut moved = Ok(());
        for_each_present(old, old + kept, |page| {
            if moved.is_ok() && address_space::move_user_page(page, target + (page - old)).is_err()
            {
                moved = Err(MapFailure::NoMemory);
            }
        });
        moved?;
        // The moved pages are gone from the old range; what is left there is dropped.
        self.vmas.remove(old, old + kept);
        self.unmap(old + kept, old_end);
        if vma.shared {
            self.populate(target + kept, target + new_len, vma.access)
                .map_err(|()| MapFailure::NoMemory)?;
        }
        Ok(target)
    }

    fn unmap_pages(&mut self, start: u64, end: u64) {
        let start = start.max(USER_MIN);
        let end = end.min(USER_END);
        let mut unmapped = 0;
        for_each_present(start, end, |page| {
            if address_space::unmap_user_page(page) {
                unmapped += 1;
            }
        });
        self.resident_pages = self.resident_pages.saturating_sub(unmapped);
    }
}

/// Calls `f` on every page of `[start, end)` of the current space that has a frame, lowest
/// first, skipping absent page tables whole (`f` may change the tables).
pub fn for_each_present(start: u64, end: u64, mut f: impl FnMut(u64)) {
    let mut at = start;
    while let Some(page) = address_space::next_present_user_page(at, end) {
        f(page);
        at = page + PAGE_SIZE;
    }
}
