//! The physical frame allocator's data structure: a three-level bitmap over 4 KiB frames.
//!
//! Level 0 has one bit per frame, set when the frame is free. Level 1 has one bit per level-0
//! word, set when that word has a free frame; level 2 does the same for level-1 words. Finding a
//! free frame reads one word per level (plus a short scan of level 2, which is 7 words for 7 GiB
//! and 64 words for 64 GiB, and starts at a hint), and freeing sets one bit per level, so both
//! are O(1) whatever the pattern. Allocation returns the lowest free frame, which keeps early
//! allocations (page tables, the first heap) in low memory.
//!
//! The structure needs no heap: its words live in memory the caller carves out of usable RAM
//! before anything else runs. Initialising it writes each word a small constant number of times
//! (a zero fill, then whole-word fills per usable range), so 6 GiB (about 1.8 M frame bits,
//! 28 K words) takes tens of microseconds.

use super::memory_map::{MAX_RANGES, PAGE_SIZE, PhysRange, RangeSet};
use core::fmt;

const BITS: u64 = 64;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameError {
    /// The frame is outside every usable range (firmware, the kernel image, MMIO...).
    NotManaged(u64),
    /// The frame is already free.
    DoubleFree(u64),
    /// A range to add overlaps memory the allocator already manages, or lies past its end.
    BadRange(PhysRange),
    /// The storage handed in is smaller than [`FrameBitmap::storage_words`] says.
    StorageTooSmall { needed: usize, given: usize },
}

impl fmt::Display for FrameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FrameError::NotManaged(addr) => {
                write!(f, "frame {addr:#x} is not usable RAM")
            }
            FrameError::DoubleFree(addr) => write!(f, "frame {addr:#x} freed twice"),
            FrameError::BadRange(range) => {
                write!(
                    f,
                    "range {range} overlaps managed memory or lies past its end"
                )
            }
            FrameError::StorageTooSmall { needed, given } => write!(
                f,
                "frame bitmap needs {needed} words of storage, got {given}"
            ),
        }
    }
}

/// Word counts of the three levels for `frames` frames.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Levels {
    l0: usize,
    l1: usize,
    l2: usize,
}

impl Levels {
    fn for_frames(frames: u64) -> Self {
        let l0 = frames.div_ceil(BITS);
        let l1 = l0.div_ceil(BITS);
        let l2 = l1.div_ceil(BITS);
        Levels {
            l0: l0 as usize,
            l1: l1 as usize,
            l2: l2 as usize,
        }
    }

    fn total(&self) -> usize {
        self.l0 + self.l1 + self.l2
    }
}

pub struct FrameBitmap {
    /// All three levels back to back: level 0, then level 1, then level 2.
    words: &'static mut [u64],
    levels: Levels,
    /// The managed ranges, to reject frees of frames that were never RAM.
    managed: RangeSet,
    /// No level-2 word below this index has a bit set.
    l2_hint: usize,
    total: u64,
    free: u64,
}

impl FrameBitmap {
    /// Words of storage needed to manage physical addresses `0..end`.
    pub fn storage_words(end: u64) -> usize {
        Levels::for_frames(end.div_ceil(PAGE_SIZE)).total()
    }

    /// Builds the allocator over `storage` with every frame in `usable` (page-aligned, sorted,
    /// disjoint) free.
    pub fn new(storage: &'static mut [u64], usable: &RangeSet) -> Result<Self, FrameError> {
        let levels = Levels::for_frames(usable.end().div_ceil(PAGE_SIZE));
        if storage.len() < levels.total() {
            return Err(FrameError::StorageTooSmall {
                needed: levels.total(),
                given: storage.len(),
            });
        }
        let words = &mut storage[..levels.total()];
        words.fill(0);
        let mut bitmap = FrameBitmap {
            words,
            levels,
            managed: RangeSet::new(),
            l2_hint: 0,
            total: 0,
            free: 0,
        };
        for range in usable.as_slice() {
            bitmap.add_range(*range)?;
        }
        bitmap.l2_hint = 0;
        Ok(bitmap)
    }

    /// Hands `range` (page-aligned) to the allocator as free memory: memory that was reserved at
    /// first and is no longer needed, such as the boot page tables.
    pub fn add_range(&mut self, range: PhysRange) -> Result<(), FrameError> {
        let frames_end = self.levels.l0 as u64 * BITS;
        let aligned = range.start.is_multiple_of(PAGE_SIZE) && range.end.is_multiple_of(PAGE_SIZE);
        let overlaps = self.managed.as_slice().iter().any(|r| r.overlaps(&range));
        if range.is_empty() || !aligned || overlaps || range.end / PAGE_SIZE > frames_end {
            return Err(FrameError::BadRange(range));
        }
        self.managed
            .add(range)
            .map_err(|_| FrameError::BadRange(range))?;
        let (first, last) = (range.start / PAGE_SIZE, range.end / PAGE_SIZE);
        let (l0, rest) = self.words.split_at_mut(self.levels.l0);
        let (l1, l2) = rest.split_at_mut(self.levels.l1);
        set_bits(l0, first, last);
        set_bits(l1, first / BITS, (last - 1) / BITS + 1);
        set_bits(l2, first / BITS / BITS, (last - 1) / BITS / BITS + 1);
        self.l2_hint = self.l2_hint.min((first / BITS / BITS / BITS) as usize);
        self.total += last - first;
        self.free += last - first;
        Ok(())
    }

    /// The lowest free frame's physical address, now marked used.
    pub fn allocate(&mut self) -> Option<u64> {
        let (l0, rest) = self.words.split_at_mut(self.levels.l0);
        let (l1, l2) = rest.split_at_mut(self.levels.l1);
        let i2 = self.l2_hint + l2[self.l2_hint..].iter().position(|&w| w != 0)?;
        self.l2_hint = i2;
        let i1 = i2 * BITS as usize + l2[i2].trailing_zeros() as usize;
        let i0 = i1 * BITS as usize + l1[i1].trailing_zeros() as usize;
        let bit = l0[i0].trailing_zeros() as usize;
        l0[i0] &= !(1 << bit);
        if l0[i0] == 0 {
            l1[i1] &= !(1 << (i0 % BITS as usize));
            if l1[i1] == 0 {
                l2[i2] &= !(1 << (i1 % BITS as usize));
            }
        }
        self.free -= 1;
        Some((i0 * BITS as usize + bit) as u64 * PAGE_SIZE)
    }

    /// Returns the frame at `addr` (page-aligned) to the free pool.
    pub fn deallocate(&mut self, addr: u64) -> Result<(), FrameError> {
        let frame = addr / PAGE_SIZE;
        let i0 = (frame / BITS) as usize;
        if !addr.is_multiple_of(PAGE_SIZE) || i0 >= self.levels.l0 {
            return Err(FrameError::NotManaged(addr));
        }
        let bit = 1u64 << (frame % BITS);
        if self.words[i0] & bit != 0 {
            return Err(FrameError::DoubleFree(addr));
        }
        if !self.managed.contains(addr) {
            return Err(FrameError::NotManaged(addr));
        }
        let i1 = i0 / BITS as usize;
        let i2 = i1 / BITS as usize;
        self.words[i0] |= bit;
        self.words[self.levels.l0 + i1] |= 1 << (i0 % BITS as usize);
        self.words[self.levels.l0 + self.levels.l1 + i2] |= 1 << (i1 % BITS as usize);
        self.l2_hint = self.l2_hint.min(i2);
        self.free += 1;
        Ok(())
    }

    /// Frames under management (free or used).
    pub fn total_frames(&self) -> u64 {
        self.total
    }

    pub fn free_frames(&self) -> u64 {
        self.free
    }

    pub fn used_frames(&self) -> u64 {
        self.total - self.free
    }

    pub fn managed(&self) -> &[PhysRange] {
        self.managed.as_slice()
    }

    /// The words backing the bitmap, for mapping them elsewhere.
    pub fn storage(&self) -> &[u64] {
        self.words
    }

    /// Points the allocator at the same storage through a different virtual address.
    ///
    /// # Safety
    /// `storage` must be the very memory the allocator was built on (same physical frames, same
    /// contents), reached through a mapping that stays valid; the old one is never used again.
    pub unsafe fn relocate(&mut self, storage: &'static mut [u64]) {
        assert_eq!(
            storage.len(),
            self.words.len(),
            "relocated bitmap changed size"
        );
        self.words = storage;
    }
}

/// Sets bits `first..last` of a bitmap, whole words at a time where it can.
fn set_bits(words: &mut [u64], first: u64, last: u64) {
    let mut bit = first;
    while bit < last {
        let index = (bit / BITS) as usize;
        let offset = bit % BITS;
        let count = (BITS - offset).min(last - bit);
        let mask = if count == BITS {
            u64::MAX
        } else {
            ((1u64 << count) - 1) << offset
        };
        words[index] |= mask;
        bit += count;
    }
}

// Only the bound matters to callers; keep the capacity visible next to the structure using it.
const _: () = assert!(MAX_RANGES >= 64);

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    const MIB: u64 = 1 << 20;

    fn set(ranges: &[(u64, u64)]) -> RangeSet {
        let mut set = RangeSet::new();
        for &(start, end) in ranges {
            set.add(PhysRange::new(start, end)).unwrap();
        }
        set
    }

    fn bitmap(ranges: &[(u64, u64)]) -> FrameBitmap {
        let usable = set(ranges);
        let storage = vec![0xDEAD_BEEF_u64; FrameBitmap::storage_words(usable.end())];
        FrameBitmap::new(Box::leak(storage.into_boxed_slice()), &usable).unwrap()
    }

    #[test]
    fn allocates_lowest_first_and_only_usable_frames() {
        let mut frames = bitmap(&[(MIB, MIB + 0x3000), (4 * MIB, 4 * MIB + 0x2000)]);
        assert_eq!(frames.total_frames(), 5);
        let got: Vec<u64> = std::iter::from_fn(|| frames.allocate()).collect();
        assert_eq!(
            got,
            vec![MIB, MIB + 0x1000, MIB + 0x2000, 4 * MIB, 4 * MIB + 0x1000]
        );
        assert_eq!(frames.free_frames(), 0);
        assert_eq!(frames.used_frames(), 5);
        assert_eq!(frames.allocate(), None);
    }

    #[test]
    fn freed_frames_are_reused() {
        let mut frames = bitmap(&[(0, 64 * MIB)]);
        let a: Vec<u64> = (0..1000).map(|_| frames.allocate().unwrap()).collect();
        frames.deallocate(a[500]).unwrap();
        frames.deallocate(a[7]).unwrap();
        assert_eq!(frames.allocate(), Some(a[7]));
        assert_eq!(frames.allocate(), Some(a[500]));
        assert_eq!(frames.allocate(), Some(1000 * PAGE_SIZE));
    }

    #[test]
    fn exhaustion_then_refill() {
        let mut frames = bitmap(&[(0x10000, 0x10000 + 200 * PAGE_SIZE)]);
        let all: Vec<u64> = std::iter::from_fn(|| frames.allocate()).collect();
        assert_eq!(all.len(), 200);
        assert_eq!(all.iter().collect::<HashSet<_>>().len(), 200);
        for &frame in all.iter().rev() {
            frames.deallocate(frame).unwrap();
        }
        assert_eq!(frames.free_frames(), 200);
        let again: Vec<u64> = std::iter::from_fn(|| frames.allocate()).collect();
        assert_eq!(again, all);
    }

    #[test]
    fn bad_frees_are_rejected() {
        let mut frames = bitmap(&[(MIB, 2 * MIB), (3 * MIB, 4 * MIB)]);
        let frame = frames.allocate().unwrap();
        frames.deallocate(frame).unwrap();
        assert_eq!(frames.deallocate(frame), Err(FrameError::DoubleFree(frame)));
        // The hole between the ranges, below them, beyond the end, misaligned.
        assert_eq!(
            frames.deallocate(2 * MIB + 0x5000),
            Err(FrameError::NotManaged(2 * MIB + 0x5000))
        );
        assert_eq!(
            frames.deallocate(0x1000),
            Err(FrameError::NotManaged(0x1000))
        );
        assert_eq!(
            frames.deallocate(64 * MIB),
            Err(FrameError::NotManaged(64 * MIB))
        );
        assert_eq!(
            frames.deallocate(MIB + 1),
            Err(FrameError::NotManaged(MIB + 1))
        );
        assert_eq!(frames.free_frames(), 512);
    }

    #[test]
    fn reserved_holes_are_never_handed_out() {
        // Usable RAM with holes where a kernel image and boot information would sit.
        let mut frames = bitmap(&[
            (MIB, 1100 * PAGE_SIZE),
            (1200 * PAGE_SIZE, 5000 * PAGE_SIZE),
            (5001 * PAGE_SIZE, 9000 * PAGE_SIZE),
        ]);
        let kernel = PhysRange::new(1100 * PAGE_SIZE, 1200 * PAGE_SIZE);
        let info = PhysRange::new(5000 * PAGE_SIZE, 5001 * PAGE_SIZE);
        let mut count = 0;
        while let Some(frame) = frames.allocate() {
            assert!(!kernel.contains(frame) && !info.contains(frame) && frame >= MIB);
            count += 1;
        }
        assert_eq!(count, frames.total_frames());
    }

    #[test]
    fn many_words_and_levels() {
        // 6 GiB-like layout: ~3 GiB low, a hole, ~3 GiB above 4 GiB (in 4 KiB frames).
        let low = (MIB, 3 << 30);
        let high = (4 << 30, 7 << 30);
        let mut frames = bitmap(&[low, high]);
        assert_eq!(
            frames.total_frames(),
            ((3 << 30) - MIB + (3 << 30)) / PAGE_SIZE
        );
        // Take the whole low part, and the next frame comes from above 4 GiB.
        for _ in 0..(low.1 - low.0) / PAGE_SIZE {
            frames.allocate().unwrap();
        }
        assert_eq!(frames.allocate(), Some(4 << 30));
        // A free deep in the low part is found again immediately.
        frames.deallocate(0x8000_0000).unwrap();
        assert_eq!(frames.allocate(), Some(0x8000_0000));
        assert_eq!(frames.allocate(), Some((4 << 30) + PAGE_SIZE));
    }

    #[test]
    fn add_range_releases_reserved_memory() {
        let mut frames = bitmap(&[(2 * MIB, 4 * MIB)]);
        let boot_tables = PhysRange::new(MIB, MIB + 0x8000);
        frames.add_range(boot_tables).unwrap();
        assert_eq!(frames.total_frames(), 512 + 8);
        assert_eq!(frames.allocate(), Some(MIB));
        assert!(matches!(
            frames.add_range(PhysRange::new(3 * MIB, 5 * MIB)),
            Err(FrameError::BadRange(_))
        ));
        assert!(matches!(
            frames.add_range(PhysRange::new(0x100, 0x1000)),
            Err(FrameError::BadRange(_))
        ));
    }

    #[test]
    fn storage_is_checked_and_small() {
        let usable = set(&[(0, 7 << 30)]);
        let words = FrameBitmap::storage_words(usable.end());
        // 7 GiB: 1,835,008 frame bits = 28,672 words, plus 448 + 7 summary words.
        assert_eq!(words, 28_672 + 448 + 7);
        let small = Box::leak(vec![0; 10].into_boxed_slice());
        assert!(matches!(
            FrameBitmap::new(small, &usable),
            Err(FrameError::StorageTooSmall { .. })
        ));
    }

    #[test]
    fn set_bits_spans_words() {
        let mut words = [0u64; 3];
        set_bits(&mut words, 60, 130);
        assert_eq!(words, [0xF << 60, u64::MAX, 0b11]);
    }
}
