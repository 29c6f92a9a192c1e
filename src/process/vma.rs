//! The areas (VMAs) of a process's user half as a sorted list of disjoint ranges: what `mmap`,
//! `munmap`, `mprotect`, `mremap`, `madvise` and `brk` change, with Linux's splitting and
//! merging rules (mm/mmap.c, mm/mprotect.c). Pure logic, host-tested; the page tables follow
//! in [`super::memory`].

use crate::memory::address_space::UserAccess;
use alloc::vec::Vec;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VmaKind {
    /// The program's segments: filled from the file on first touch ([`super::image`]).
    Image,
    /// Zero-filled on first touch (or, when shared, at `mmap` time).
    Anonymous,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Vma {
    pub start: u64,
    pub end: u64,
    pub access: UserAccess,
    pub kind: VmaKind,
    /// `MAP_SHARED`: a fork shares the frames writable instead of copy-on-write.
    pub shared: bool,
}

impl Vma {
    /// Two neighbours that may become one area.
    fn joins(&self, next: &Vma) -> bool {
        self.end == next.start
            && self.access == next.access
            && self.kind == next.kind
            && self.shared == next.shared
    }
}

/// Why an area operation failed (the caller maps it to Linux's errno).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VmaError {
    /// Part of the range is not mapped (`mprotect`, `madvise`, `mremap`: `ENOMEM`).
    Unmapped,
    /// Part of the range is mapped already (`MAP_FIXED_NOREPLACE`: `EEXIST`).
    Occupied,
    /// No gap is large enough (`ENOMEM`).
    NoSpace,
}

/// The sorted, disjoint areas of one address space.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VmaList {
    areas: Vec<Vma>,
}

impl VmaList {
    pub const fn new() -> Self {
        VmaList { areas: Vec::new() }
    }

    pub fn iter(&self) -> impl Iterator<Item = &Vma> {
        self.areas.iter()
    }

    pub fn len(&self) -> usize {
        self.areas.len()
    }

    pub fn is_empty(&self) -> bool {
        self.areas.is_empty()
    }

    pub fn clear(&mut self) {
        self.areas.clear();
    }

    /// The area holding `addr`.
    pub fn find(&self, addr: u64) -> Option<&Vma> {
        let i = self.areas.partition_point(|v| v.end <= addr);
        self.areas.get(i).filter(|v| v.start <= addr)
    }

    /// Whether any area overlaps `[start, end)`.
    pub fn overlaps(&self, start: u64, end: u64) -> bool {
        let i = self.areas.partition_point(|v| v.end <= start);
        self.areas.get(i).is_some_and(|v| v.start < end)
    }

    /// Whether `[start, end)` is mapped without a hole.
    pub fn covers(&self, start: u64, end: u64) -> bool {
        let mut at = start;
        let i = self.areas.partition_point(|v| v.end <= start);
        for vma in &self.areas[i..] {
            if at >= end {
                break;
            }
            if vma.start > at {
                return false;
            }
            at = vma.end;
        }
        at >= end
    }

    /// Adds `vma`, which must overlap no area (checked), merging it with equal neighbours.
    pub fn insert(&mut self, vma: Vma) -> Result<(), VmaError> {
        if vma.start >= vma.end {
            return Ok(());
        }
        if self.overlaps(vma.start, vma.end) {
            return Err(VmaError::Occupied);
        }
        let i = self.areas.partition_point(|v| v.end <= vma.start);
        self.areas.insert(i, vma);
        self.merge_around(i);
        Ok(())
    }

    /// Merges area `i` with its neighbours where they join.
    fn merge_around(&mut self, i: usize) {
        let mut i = i;
        if i > 0 && self.areas[i - 1].joins(&self.areas[i]) {
            self.areas[i - 1].end = self.areas[i].end;
            self.areas.remove(i);
            i -= 1;
        }
        if i + 1 < self.areas.len() && self.areas[i].joins(&self.areas[i + 1]) {
            self.areas[i].end = self.areas[i + 1].end;
            self.areas.remove(i + 1);
        }
    }

    /// Splits the area holding `addr` (if any starts below it) so that an area boundary lies
    /// at `addr`.
    fn split_at(&mut self, addr: u64) {
        let i = self.areas.partition_point(|v| v.end <= addr);
        if let Some(vma) = self.areas.get(i).copied()
            && vma.start < addr
        {
            self.areas[i].end = addr;
            self.areas.insert(i + 1, Vma { start: addr, ..vma });
        }
    }

    /// Removes `[start, end)` from every area (splitting them); returns the pieces removed,
    /// lowest first (the caller frees their pages).
    pub fn remove(&mut self, start: u64, end: u64) -> Vec<Vma> {
        if start >= end {
            return Vec::new();
        }
        self.split_at(start);
        self.split_at(end);
        let first = self.areas.partition_point(|v| v.end <= start);
        let last = self.areas.partition_point(|v| v.start < end);
        self.areas.drain(first..last).collect()
    }

    /// `mprotect`: gives `[start, end)` the access `access`, splitting areas at the ends and
    /// merging where they now join. `Unmapped` (and no change) when the range has a hole.
    pub fn protect(&mut self, start: u64, end: u64, access: UserAccess) -> Result<(), VmaError> {
        if !self.covers(start, end) {
            return Err(VmaError::Unmapped);
        }
        self.split_at(start);
        self.split_at(end);
        let first = self.areas.partition_point(|v| v.end <= start);
        let last = self.areas.partition_point(|v| v.start < end);
        for vma in &mut self.areas[first..last] {
            vma.access = access;
        }
        // Merge from the right end back, so that indices below stay valid.
        for i in (first.saturating_sub(1)..last.min(self.areas.len())).rev() {
            if i + 1 < self.areas.len() && self.areas[i].joins(&self.areas[i + 1]) {
                self.areas[i].end = self.areas[i + 1].end;
                self.areas.remove(i + 1);
            }
        }
        Ok(())
    }

    /// The lowest free range of `len` bytes within `[low, high)`: first fit.
    pub fn find_free(&self, len: u64, low: u64, high: u64) -> Option<u64> {
        let mut at = low;
        let i = self.areas.partition_point(|v| v.end <= low);
        for vma in &self.areas[i..] {
            if vma.start >= at && vma.start - at >= len {
                break;
            }
            at = at.max(vma.end);
        }
        let end = at.checked_add(len)?;
        (end <= high).then_some(at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RW: UserAccess = UserAccess {
        read: true,
        write: true,
        execute: false,
    };
    const RO: UserAccess = UserAccess {
        read: true,
        write: false,
        execute: false,
    };
    const NONE: UserAccess = UserAccess {
        read: false,
        write: false,
        execute: false,
    };

    fn anon(start: u64, end: u64, access: UserAccess) -> Vma {
        Vma {
            start,
            end,
            access,
            kind: VmaKind::Anonymous,
            shared: false,
        }
    }

    fn list(areas: &[Vma]) -> VmaList {
        let mut list = VmaList::new();
        for &vma in areas {
            list.insert(vma).expect("disjoint");
        }
        list
    }

    fn ranges(list: &VmaList) -> Vec<(u64, u64, UserAccess)> {
        list.iter().map(|v| (v.start, v.end, v.access)).collect()
    }

    #[test]
    fn inserting_keeps_order_and_merges_equal_neighbours() {
        let mut l = list(&[anon(0x5000, 0x6000, RW), anon(0x1000, 0x2000, RW)]);
        assert_eq!(ranges(&l), [(0x1000, 0x2000, RW), (0x5000, 0x6000, RW)]);
        // Joins both neighbours: one area.
        l.insert(anon(0x2000, 0x5000, RW)).unwrap();
        assert_eq!(ranges(&l), [(0x1000, 0x6000, RW)]);
        // A different access does not merge.
        l.insert(anon(0x6000, 0x7000, RO)).unwrap();
        assert_eq!(l.len(), 2);
        // Overlaps are refused, unchanged.
        assert_eq!(l.insert(anon(0x6fff, 0x8000, RO)), Err(VmaError::Occupied));
        assert_eq!(l.len(), 2);
        // Shared and private areas stay apart.
        let shared = Vma {
            shared: true,
            ..anon(0x7000, 0x8000, RO)
        };
        l.insert(shared).unwrap();
        assert_eq!(l.len(), 3);
    }

    #[test]
    fn removing_splits_trims_and_drops_areas() {
        let mut l = list(&[anon(0x1000, 0x5000, RW), anon(0x8000, 0x9000, RO)]);
        // The middle of the first: two pieces, the removed piece returned.
        assert_eq!(l.remove(0x2000, 0x3000), [anon(0x2000, 0x3000, RW)]);
        assert_eq!(
            ranges(&l),
            [
                (0x1000, 0x2000, RW),
                (0x3000, 0x5000, RW),
                (0x8000, 0x9000, RO)
            ]
        );
        // Over the end of one, a hole and the whole of the next.
        let removed = l.remove(0x4000, 0x10000);
        assert_eq!(
            removed,
            [anon(0x4000, 0x5000, RW), anon(0x8000, 0x9000, RO)]
        );
        assert_eq!(ranges(&l), [(0x1000, 0x2000, RW), (0x3000, 0x4000, RW)]);
        // Nothing there: nothing changes.
        assert!(l.remove(0x6000, 0x7000).is_empty());
        assert!(l.remove(0x7000, 0x7000).is_empty());
        assert_eq!(l.len(), 2);
    }

    #[test]
    fn protecting_a_middle_piece_makes_three_areas_and_back_to_one() {
        // A thread stack: PROT_NONE, then all but the guard page read-write (musl).
        let mut l = list(&[anon(0x10000, 0x20000, NONE)]);
        l.protect(0x11000, 0x20000, RW).unwrap();
        assert_eq!(
            ranges(&l),
            [(0x10000, 0x11000, NONE), (0x11000, 0x20000, RW)]
        );
        // A hole in the middle of the RW part.
        l.protect(0x14000, 0x15000, RO).unwrap();
        assert_eq!(
            ranges(&l),
            [
                (0x10000, 0x11000, NONE),
                (0x11000, 0x14000, RW),
                (0x14000, 0x15000, RO),
                (0x15000, 0x20000, RW)
            ]
        );
        // Back: the neighbours merge again.
        l.protect(0x14000, 0x15000, RW).unwrap();
        assert_eq!(
            ranges(&l),
            [(0x10000, 0x11000, NONE), (0x11000, 0x20000, RW)]
        );
        l.protect(0x10000, 0x11000, RW).unwrap();
        assert_eq!(ranges(&l), [(0x10000, 0x20000, RW)]);
    }

    #[test]
    fn protecting_over_a_hole_fails_and_changes_nothing() {
        let mut l = list(&[anon(0x1000, 0x2000, RW), anon(0x3000, 0x4000, RW)]);
        let before = l.clone();
        assert_eq!(l.protect(0x1000, 0x4000, RO), Err(VmaError::Unmapped));
        assert_eq!(l, before);
        assert_eq!(l.protect(0x5000, 0x6000, RO), Err(VmaError::Unmapped));
        // Adjacent areas of different kinds cover a range together.
        let mut l = list(&[anon(0x1000, 0x2000, RW), anon(0x2000, 0x3000, RO)]);
        assert!(l.covers(0x1000, 0x3000));
        l.protect(0x1800, 0x2800, NONE).unwrap();
        assert_eq!(
            ranges(&l),
            [
                (0x1000, 0x1800, RW),
                (0x1800, 0x2800, NONE),
                (0x2800, 0x3000, RO)
            ]
        );
    }

    #[test]
    fn lookups_find_the_covering_area() {
        let l = list(&[anon(0x1000, 0x3000, RW), anon(0x5000, 0x6000, RW)]);
        assert!(l.find(0x1000).is_some());
        assert!(l.find(0x2fff).is_some());
        assert!(l.find(0x3000).is_none());
        assert!(l.find(0).is_none());
        assert_eq!(l.find(0x5800).map(|v| v.start), Some(0x5000));
        assert!(l.overlaps(0x2fff, 0x3001));
        assert!(!l.overlaps(0x3000, 0x5000));
        assert!(!l.covers(0x1000, 0x6000));
        assert!(l.covers(0x1800, 0x2000));
    }

    #[test]
    fn free_ranges_are_found_first_fit_and_reused() {
        let l = list(&[anon(0x10000, 0x12000, RW), anon(0x13000, 0x20000, RW)]);
        // The one-page hole fits a page, not two.
        assert_eq!(l.find_free(0x1000, 0x10000, 0x100000), Some(0x12000));
        assert_eq!(l.find_free(0x2000, 0x10000, 0x100000), Some(0x20000));
        // Below the first area.
        assert_eq!(l.find_free(0x4000, 0x8000, 0x100000), Some(0x8000));
        // Nothing fits below the limit.
        assert_eq!(l.find_free(0x1000, 0x13000, 0x20000), None);
        assert_eq!(l.find_free(u64::MAX, 0x10000, u64::MAX), None);
        // A start inside an area moves past it.
        assert_eq!(l.find_free(0x1000, 0x11000, 0x100000), Some(0x12000));
    }
}
