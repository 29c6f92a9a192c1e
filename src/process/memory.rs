//! A process's user memory: its address space and the areas (VMAs) that say what may be
//! mapped where. Program images are mapped when the program loads; everything anonymous
//! (stack, `brk` heap, `mmap`) is mapped one zero-filled page at a time, on the first touch:
//! the page-fault handler (or a system call's user copy) calls [`UserMemory::fault_in`].

use super::layout::{PAGE_SIZE, STACK_TOP, USER_END, USER_MIN, page_floor};
use crate::memory::address_space::{self, AddressSpace, UserAccess};
use alloc::vec::Vec;

/// The stack may grow to 8 MiB, Linux's default `RLIMIT_STACK`.
pub const STACK_SIZE: u64 = 8 << 20;
/// `mmap` hands out addresses upwards from here (far below the stack, far above programs).
pub const MMAP_BASE: u64 = 0x0000_2000_0000_0000;
/// The `brk` heap may grow this far above the image end.
pub const BRK_MAX: u64 = 1 << 30;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VmaKind {
    /// The program's segments: mapped at load time.
    Image,
    /// Zero-filled on first touch.
    Anonymous,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Vma {
    pub start: u64,
    pub end: u64,
    pub access: UserAccess,
    pub kind: VmaKind,
}

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

/// The areas left when `[start, end)` is cut out of every anonymous one (pure: host-tested).
/// Image areas stay whole: `munmap` of program pages is refused silently, as their frames
/// belong to the image.
pub fn cut(vmas: Vec<Vma>, start: u64, end: u64) -> Vec<Vma> {
    let mut kept = Vec::with_capacity(vmas.len() + 1);
    for vma in vmas {
        if vma.kind != VmaKind::Anonymous || vma.end <= start || end <= vma.start {
            kept.push(vma);
            continue;
        }
        if vma.start < start {
            kept.push(Vma { end: start, ..vma });
        }
        if end < vma.end {
            kept.push(Vma { start: end, ..vma });
        }
    }
    kept
}

#[derive(Debug, Default)]
pub struct UserMemory {
    pub space: Option<AddressSpace>,
    pub vmas: Vec<Vma>,
    pub brk_start: u64,
    pub brk: u64,
    pub mmap_next: u64,
    /// Pages mapped so far (for `ps`).
    pub resident_pages: u64,
}

const RW: UserAccess = UserAccess {
    write: true,
    execute: false,
};

impl UserMemory {
    pub fn find(&self, addr: u64) -> Option<&Vma> {
        self.vmas.iter().find(|v| (v.start..v.end).contains(&addr))
    }

    /// Maps the page holding `addr` if an area allows the access; `Ok` when it is mapped
    /// (already, or now). The current space must be this process's.
    pub fn fault_in(&mut self, addr: u64, write: bool, execute: bool) -> Result<(), BadAccess> {
        let vma = *self.find(addr).ok_or(BadAccess::Unmapped)?;
        if (write && !vma.access.write) || (execute && !vma.access.execute) {
            return Err(BadAccess::Permission);
        }
        let page = page_floor(addr);
        if address_space::user_page(page).is_some() {
            return Ok(());
        }
        if vma.kind != VmaKind::Anonymous {
            return Err(BadAccess::Unmapped);
        }
        address_space::map_zeroed_user_page(page, vma.access)
            .map_err(|_| BadAccess::OutOfMemory)?;
        self.resident_pages += 1;
        Ok(())
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

    /// Records an area (the caller checked it overlaps none).
    pub fn add(&mut self, vma: Vma) {
        self.vmas.push(vma);
    }

    /// The stack area below [`STACK_TOP`] and an empty `brk` heap at `image_end`.
    pub fn add_stack_and_heap(&mut self, image_end: u64) {
        self.add(Vma {
            start: STACK_TOP - STACK_SIZE,
            end: STACK_TOP,
            access: RW,
            kind: VmaKind::Anonymous,
        });
        self.brk_start = image_end;
        self.brk = image_end;
        self.mmap_next = MMAP_BASE;
    }

    /// `brk(2)`: moves the break to `requested` when it stays within [`BRK_MAX`] of the start
    /// and clear of other areas; returns the break, moved or not (Linux's semantics).
    pub fn set_brk(&mut self, requested: u64) -> u64 {
        if requested < self.brk_start || requested > self.brk_start + BRK_MAX {
            return self.brk;
        }
        let old_end = self.brk.next_multiple_of(PAGE_SIZE);
        let new_end = requested.next_multiple_of(PAGE_SIZE);
        if new_end > old_end && self.overlaps(old_end, new_end) {
            return self.brk;
        }
        if new_end < old_end {
            self.unmap_pages(new_end, old_end);
        }
        self.vmas
            .retain(|v| !(v.start == self.brk_start && v.kind == VmaKind::Anonymous));
        if new_end > self.brk_start {
            self.vmas.push(Vma {
                start: self.brk_start,
                end: new_end,
                access: RW,
                kind: VmaKind::Anonymous,
            });
        }
        self.brk = requested;
        self.brk
    }

    fn overlaps(&self, start: u64, end: u64) -> bool {
        self.vmas.iter().any(|v| v.start < end && start < v.end)
    }

    /// Anonymous `mmap`: a fresh range of `len` bytes (page-rounded), or `None` when the
    /// address space is full.
    pub fn map_anonymous(&mut self, len: u64, access: UserAccess) -> Option<u64> {
        let len = len.checked_next_multiple_of(PAGE_SIZE)?;
        let start = self.mmap_next;
        let end = start.checked_add(len)?;
        if end > STACK_TOP - STACK_SIZE - PAGE_SIZE {
            return None;
        }
        self.mmap_next = end + PAGE_SIZE;
        self.add(Vma {
            start,
            end,
            access,
            kind: VmaKind::Anonymous,
        });
        Some(start)
    }

    /// `munmap`: drops `[start, end)` from every anonymous area (splitting them) and frees
    /// the pages mapped there.
    pub fn unmap(&mut self, start: u64, end: u64) {
        self.vmas = cut(core::mem::take(&mut self.vmas), start, end);
        self.unmap_pages(start, end);
    }

    fn unmap_pages(&mut self, start: u64, end: u64) {
        let start = start.max(USER_MIN);
        let end = end.min(USER_END);
        for page in (start..end).step_by(PAGE_SIZE as usize) {
            if address_space::user_page(page).is_some() {
                address_space::unmap_user_page(page);
                self.resident_pages = self.resident_pages.saturating_sub(1);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn anon(start: u64, end: u64) -> Vma {
        Vma {
            start,
            end,
            access: RW,
            kind: VmaKind::Anonymous,
        }
    }

    #[test]
    fn cutting_splits_trims_and_removes_areas() {
        let areas = alloc::vec![anon(0x1000, 0x5000), anon(0x8000, 0x9000)];
        // The middle of the first: two pieces; the second untouched.
        assert_eq!(
            cut(areas.clone(), 0x2000, 0x3000),
            [
                anon(0x1000, 0x2000),
                anon(0x3000, 0x5000),
                anon(0x8000, 0x9000)
            ]
        );
        // Over the end of one and the whole of the next.
        assert_eq!(cut(areas.clone(), 0x4000, 0x10000), [anon(0x1000, 0x4000)]);
        // Nothing there: nothing changes.
        assert_eq!(cut(areas.clone(), 0x6000, 0x7000), areas);
    }

    #[test]
    fn image_areas_are_never_cut() {
        let image = Vma {
            kind: VmaKind::Image,
            ..anon(0x40_0000, 0x40_3000)
        };
        assert_eq!(cut(alloc::vec![image], 0, USER_END), [image]);
    }

    #[test]
    fn lookups_find_the_covering_area() {
        let memory = UserMemory {
            vmas: alloc::vec![anon(0x1000, 0x3000)],
            ..UserMemory::default()
        };
        assert!(memory.find(0x1000).is_some());
        assert!(memory.find(0x2fff).is_some());
        assert!(memory.find(0x3000).is_none());
        assert!(memory.find(0).is_none());
    }
}
