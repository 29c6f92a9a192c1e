//! Turns the boot loader's memory map into sorted, disjoint, page-aligned ranges of usable RAM.
//!
//! Firmware maps are not to be trusted: areas may come unsorted, overlap, repeat, have zero
//! length, run past the end of the address space or carry types nobody defined. The rule here is
//! that RAM is usable only where some area says "available" and no other area, and no range the
//! kernel reserves (first MiB, kernel image, boot information, modules), says otherwise.
//! Runs before any heap exists, so everything lives in fixed-capacity arrays.

use core::fmt;

pub const PAGE_SIZE: u64 = 4096;

/// Physical addresses are at most 52 bits wide (Intel SDM vol. 3A §4.1.4, MAXPHYADDR); anything a
/// map claims beyond that is nonsense and is cut off.
pub const PHYS_ADDR_LIMIT: u64 = 1 << 52;

/// How many disjoint ranges a [`RangeSet`] holds. BIOS maps have a dozen areas, UEFI ones a few
/// dozen after the boot loader merged them; reservations split at most a handful more.
pub const MAX_RANGES: usize = 128;

/// A half-open range of physical addresses `[start, end)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PhysRange {
    pub start: u64,
    pub end: u64,
}

impl PhysRange {
    pub const fn new(start: u64, end: u64) -> Self {
        PhysRange { start, end }
    }

    /// `[base, base + len)`, clipped to [`PHYS_ADDR_LIMIT`] instead of overflowing.
    pub fn from_base_len(base: u64, len: u64) -> Self {
        let start = base.min(PHYS_ADDR_LIMIT);
        let end = base.saturating_add(len).min(PHYS_ADDR_LIMIT);
        PhysRange { start, end }
    }

    pub const fn len(&self) -> u64 {
        self.end.saturating_sub(self.start)
    }

    pub const fn is_empty(&self) -> bool {
        self.end <= self.start
    }

    pub const fn contains(&self, addr: u64) -> bool {
        self.start <= addr && addr < self.end
    }

    pub const fn overlaps(&self, other: &PhysRange) -> bool {
        self.start < other.end && other.start < self.end
    }

    /// The whole pages inside this range.
    pub const fn shrink_to_pages(&self) -> PhysRange {
        let start = self.start.next_multiple_of(PAGE_SIZE);
        let end = self.end / PAGE_SIZE * PAGE_SIZE;
        if end > start {
            PhysRange { start, end }
        } else {
            PhysRange { start, end: start }
        }
    }
}

impl fmt::Display for PhysRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:#x}..{:#x}", self.start, self.end)
    }
}

/// What one entry of the boot loader's map says about its range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AreaKind {
    Available,
    /// Everything else: reserved, ACPI, NVS, defective, and types no specification defines.
    Reserved,
}

/// One entry of the boot loader's memory map, as given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawArea {
    pub base: u64,
    pub len: u64,
    pub kind: AreaKind,
}

impl RawArea {
    /// Multiboot2 §3.6.8: type 1 is available RAM; every other value is treated as reserved.
    pub fn from_multiboot(base: u64, len: u64, typ: u32) -> Self {
        let kind = if typ == 1 {
            AreaKind::Available
        } else {
            AreaKind::Reserved
        };
        RawArea { base, len, kind }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MemoryMapError {
    /// The map (plus reservations) splits into more ranges than [`MAX_RANGES`].
    TooManyRanges,
    /// Less usable RAM than the kernel needs to run.
    TooLittleMemory { usable: u64, needed: u64 },
}

impl fmt::Display for MemoryMapError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MemoryMapError::TooManyRanges => write!(
                f,
                "the memory map splits into more than {MAX_RANGES} usable ranges"
            ),
            MemoryMapError::TooLittleMemory { usable, needed } => write!(
                f,
                "only {} KiB of usable RAM; Kestrel needs at least {} KiB",
                usable / 1024,
                needed / 1024
            ),
        }
    }
}

/// Sorted, disjoint, non-empty ranges with no two touching (touching ranges are merged).
#[derive(Clone, Copy)]
pub struct RangeSet {
    ranges: [PhysRange; MAX_RANGES],
    len: usize,
}

impl Default for RangeSet {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for RangeSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.as_slice()).finish()
    }
}

impl RangeSet {
    pub const fn new() -> Self {
        RangeSet {
            ranges: [PhysRange::new(0, 0); MAX_RANGES],
            len: 0,
        }
    }

    pub fn as_slice(&self) -> &[PhysRange] {
        &self.ranges[..self.len]
    }

    pub fn total_bytes(&self) -> u64 {
        self.as_slice().iter().map(PhysRange::len).sum()
    }

    /// One past the highest address in the set (0 when empty).
    pub fn end(&self) -> u64 {
        self.as_slice().last().map_or(0, |range| range.end)
    }

    pub fn contains(&self, addr: u64) -> bool {
        // Binary search: the ranges are sorted and disjoint.
        let slice = self.as_slice();
        let after = slice.partition_point(|range| range.start <= addr);
        after > 0 && slice[after - 1].contains(addr)
    }

    fn insert_at(&mut self, index: usize, range: PhysRange) -> Result<(), MemoryMapError> {
        if self.len == MAX_RANGES {
            return Err(MemoryMapError::TooManyRanges);
        }
        self.ranges.copy_within(index..self.len, index + 1);
        self.ranges[index] = range;
        self.len += 1;
        Ok(())
    }

    fn remove_span(&mut self, from: usize, to: usize) {
        self.ranges.copy_within(to..self.len, from);
        self.len -= to - from;
    }

    /// Adds `range`, merging it with every range it overlaps or touches.
    pub fn add(&mut self, range: PhysRange) -> Result<(), MemoryMapError> {
        if range.is_empty() {
            return Ok(());
        }
        let slice = self.as_slice();
        // Ranges entirely before `range` end before its start; the merged span runs from
        // `first` up to (not including) `last`.
        let first = slice.partition_point(|r| r.end < range.start);
        let last = slice.partition_point(|r| r.start <= range.end);
        if first == last {
            return self.insert_at(first, range);
        }
        let merged = PhysRange::new(
            range.start.min(slice[first].start),
            range.end.max(slice[last - 1].end),
        );
        self.ranges[first] = merged;
        self.remove_span(first + 1, last);
        Ok(())
    }

    /// Removes every address in `range` from the set, splitting a range if needed.
    pub fn remove(&mut self, range: PhysRange) -> Result<(), MemoryMapError> {
        if range.is_empty() {
            return Ok(());
        }
        let mut index = 0;
        while index < self.len {
            let current = self.ranges[index];
            if !current.overlaps(&range) {
                index += 1;
                continue;
            }
            let below = PhysRange::new(current.start, range.start);
            let above = PhysRange::new(range.end, current.end);
            match (below.is_empty(), above.is_empty()) {
                (true, true) => {
                    self.remove_span(index, index + 1);
                }
                (false, true) => {
                    self.ranges[index] = below;
                    index += 1;
                }
                (true, false) => {
                    self.ranges[index] = above;
                    index += 1;
                }
                (false, false) => {
                    self.ranges[index] = below;
                    self.insert_at(index + 1, above)?;
                    index += 2;
                }
            }
        }
        Ok(())
    }

    /// Shrinks every range to whole pages, dropping those with none.
    pub fn shrink_to_pages(&mut self) {
        let mut kept = 0;
        for index in 0..self.len {
            let page_range = self.ranges[index].shrink_to_pages();
            if !page_range.is_empty() {
                self.ranges[kept] = page_range;
                kept += 1;
            }
        }
        self.len = kept;
    }

    /// Takes `bytes` (a multiple of the page size) from the start of the lowest range that has
    /// room for them and lies entirely below `limit`.
    pub fn take_below(&mut self, bytes: u64, limit: u64) -> Option<PhysRange> {
        let index = self.as_slice().iter().position(|r| {
            r.len() >= bytes && r.start.checked_add(bytes).is_some_and(|e| e <= limit)
        })?;
        let taken = PhysRange::new(self.ranges[index].start, self.ranges[index].start + bytes);
        self.ranges[index].start = taken.end;
        if self.ranges[index].is_empty() {
            self.remove_span(index, index + 1);
        }
        Some(taken)
    }
}

/// The usable RAM in `areas` minus every range in `reserved`, as whole pages.
pub fn usable_ranges(
    areas: impl Iterator<Item = RawArea> + Clone,
    reserved: &[PhysRange],
) -> Result<RangeSet, MemoryMapError> {
    let mut usable = RangeSet::new();
    for area in areas.clone().filter(|a| a.kind == AreaKind::Available) {
        usable.add(PhysRange::from_base_len(area.base, area.len))?;
    }
    // Reserved areas win over available ones wherever they overlap, whatever the order.
    for area in areas.filter(|a| a.kind == AreaKind::Reserved) {
        usable.remove(PhysRange::from_base_len(area.base, area.len))?;
    }
    for range in reserved {
        usable.remove(*range)?;
    }
    usable.shrink_to_pages();
    Ok(usable)
}

/// The lowest `bytes` of usable RAM in `[floor, limit)`, page-aligned, in one piece: where the
/// application processors' real-mode trampoline goes (below 1 MiB, above the real-mode IVT).
pub fn lowest_run(usable: &[PhysRange], bytes: u64, floor: u64, limit: u64) -> Option<u64> {
    usable.iter().find_map(|range| {
        let start = range.start.max(floor).next_multiple_of(PAGE_SIZE);
        let end = range.end.min(limit);
        (end >= start && end - start >= bytes).then_some(start)
    })
}

/// Fails with a clear error unless `usable` holds at least `needed` bytes.
pub fn require(usable: &RangeSet, needed: u64) -> Result<(), MemoryMapError> {
    let total = usable.total_bytes();
    if total < needed {
        return Err(MemoryMapError::TooLittleMemory {
            usable: total,
            needed,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn lowest_run_finds_whole_pages_between_the_bounds() {
        let usable = [
            super::PhysRange::new(0, 0x3000),
            super::PhysRange::new(0x5000, 0x9f000),
            super::PhysRange::new(0x10_0000, 0x800_0000),
        ];
        assert_eq!(
            super::lowest_run(&usable, 0x4000, 0x1000, 0x10_0000),
            Some(0x5000)
        );
        assert_eq!(
            super::lowest_run(&usable, 0x2000, 0x1000, 0x10_0000),
            Some(0x1000)
        );
        assert_eq!(
            super::lowest_run(&usable, 0x10_0000, 0x1000, 0x10_0000),
            None
        );
        assert_eq!(super::lowest_run(&[], 0x1000, 0x1000, 0x10_0000), None);
        // Nothing below the floor, nothing that runs past the limit.
        assert_eq!(
            super::lowest_run(&usable[2..], 0x1000, 0x1000, 0x10_0000),
            None
        );
    }

    use super::*;

    const MIB: u64 = 1 << 20;

    fn avail(base: u64, len: u64) -> RawArea {
        RawArea::from_multiboot(base, len, 1)
    }

    fn typed(base: u64, len: u64, typ: u32) -> RawArea {
        RawArea::from_multiboot(base, len, typ)
    }

    fn ranges(areas: &[RawArea], reserved: &[PhysRange]) -> Vec<(u64, u64)> {
        usable_ranges(areas.iter().copied(), reserved)
            .unwrap()
            .as_slice()
            .iter()
            .map(|r| (r.start, r.end))
            .collect()
    }

    #[test]
    fn qemu_like_map_minus_reservations() {
        let areas = [
            avail(0, 0x9FC00),
            typed(0x9FC00, 0x400, 2),
            typed(0xF0000, 0x10000, 2),
            avail(MIB, 127 * MIB - 0x20000),
            typed(128 * MIB - 0x20000, 0x20000, 2),
            typed(0xFFFC0000, 0x40000, 2),
        ];
        let reserved = [
            PhysRange::new(0, MIB),
            PhysRange::new(MIB, 3 * MIB + 0x123),
            PhysRange::new(0x7000_0000, 0x7000_1000),
        ];
        assert_eq!(
            ranges(&areas, &reserved),
            vec![(3 * MIB + 0x1000, 128 * MIB - 0x20000)]
        );
    }

    #[test]
    fn unsorted_and_overlapping_areas_are_merged() {
        let areas = [
            avail(8 * MIB, 4 * MIB),
            avail(2 * MIB, 4 * MIB),
            avail(5 * MIB, 2 * MIB),
            avail(7 * MIB, MIB), // touches the next one: merged
            avail(3 * MIB, MIB), // duplicate inside another
        ];
        assert_eq!(ranges(&areas, &[]), vec![(2 * MIB, 12 * MIB)]);
    }

    #[test]
    fn reserved_wins_whatever_the_order() {
        let a = [avail(0, 16 * MIB), typed(4 * MIB, MIB, 2)];
        let b = [typed(4 * MIB, MIB, 2), avail(0, 16 * MIB)];
        let expected = vec![(0, 4 * MIB), (5 * MIB, 16 * MIB)];
        assert_eq!(ranges(&a, &[]), expected);
        assert_eq!(ranges(&b, &[]), expected);
    }

    #[test]
    fn unknown_and_acpi_types_are_reserved() {
        let areas = [
            avail(0, 16 * MIB),
            typed(MIB, MIB, 3),       // ACPI reclaimable
            typed(4 * MIB, MIB, 4),   // ACPI NVS
            typed(6 * MIB, MIB, 5),   // defective
            typed(8 * MIB, MIB, 0),   // undefined type 0
            typed(10 * MIB, MIB, 99), // undefined type 99
        ];
        assert_eq!(
            ranges(&areas, &[]),
            vec![
                (0, MIB),
                (2 * MIB, 4 * MIB),
                (5 * MIB, 6 * MIB),
                (7 * MIB, 8 * MIB),
                (9 * MIB, 10 * MIB),
                (11 * MIB, 16 * MIB)
            ]
        );
    }

    #[test]
    fn ranges_shrink_to_whole_pages() {
        let areas = [avail(0x1001, 0x3000), avail(0x10_0800, 0x800)];
        assert_eq!(ranges(&areas, &[]), vec![(0x2000, 0x4000)]);
        // A reservation's partial pages are lost too.
        let areas = [avail(0, 0x10000)];
        let reserved = [PhysRange::new(0x3800, 0x4800)];
        assert_eq!(
            ranges(&areas, &reserved),
            vec![(0, 0x3000), (0x5000, 0x10000)]
        );
    }

    #[test]
    fn empty_and_overflowing_areas_are_harmless() {
        let areas = [
            avail(0x5000, 0),
            avail(u64::MAX - 0x1000, 0x10000),
            avail(0, 0x2000),
        ];
        let result = ranges(&areas, &[]);
        assert_eq!(result[0], (0, 0x2000));
        // The overflowing area is clipped to the 52-bit physical limit, not wrapped to 0.
        assert_eq!(result.len(), 1);
    }

    #[test]
    fn memory_above_4_gib_counts() {
        let areas = [
            avail(0, 0x9FC00),
            avail(MIB, 3 * 1024 * MIB - MIB),
            typed(0xC000_0000, 0x4000_0000, 2), // the PCI hole
            avail(0x1_0000_0000, 3 * 1024 * MIB),
        ];
        let set = usable_ranges(areas.iter().copied(), &[PhysRange::new(0, MIB)]).unwrap();
        assert_eq!(set.total_bytes(), 6 * 1024 * MIB - MIB);
        assert_eq!(set.end(), 0x1_0000_0000 + 3 * 1024 * MIB);
        assert!(set.contains(0x1_2345_6000));
        assert!(!set.contains(0xC000_0000));
        assert!(!set.contains(0x8000));
    }

    #[test]
    fn too_little_memory_is_a_clear_error() {
        let set =
            usable_ranges([avail(0, 2 * MIB)].into_iter(), &[PhysRange::new(0, MIB)]).unwrap();
        let err = require(&set, 4 * MIB).unwrap_err();
        assert_eq!(
            err,
            MemoryMapError::TooLittleMemory {
                usable: MIB,
                needed: 4 * MIB
            }
        );
        assert_eq!(
            err.to_string(),
            "only 1024 KiB of usable RAM; Kestrel needs at least 4096 KiB"
        );
        assert!(require(&set, MIB).is_ok());
        let none = usable_ranges([typed(0, MIB, 2)].into_iter(), &[]).unwrap();
        assert!(require(&none, 1).is_err());
    }

    #[test]
    fn too_many_ranges_is_an_error_not_a_panic() {
        let areas: Vec<RawArea> = (0..MAX_RANGES as u64 + 1)
            .map(|i| avail(i * 2 * PAGE_SIZE, PAGE_SIZE))
            .collect();
        assert_eq!(
            usable_ranges(areas.iter().copied(), &[]).unwrap_err(),
            MemoryMapError::TooManyRanges
        );
    }

    #[test]
    fn remove_splits_and_trims() {
        let mut set = RangeSet::new();
        set.add(PhysRange::new(0, 100)).unwrap();
        set.add(PhysRange::new(200, 300)).unwrap();
        set.remove(PhysRange::new(50, 60)).unwrap();
        set.remove(PhysRange::new(90, 250)).unwrap();
        assert_eq!(
            set.as_slice(),
            &[
                PhysRange::new(0, 50),
                PhysRange::new(60, 90),
                PhysRange::new(250, 300)
            ]
        );
        set.remove(PhysRange::new(0, 1000)).unwrap();
        assert!(set.as_slice().is_empty());
    }

    #[test]
    fn take_below_respects_the_limit() {
        let mut set = RangeSet::new();
        set.add(PhysRange::new(0x1000, 0x3000)).unwrap();
        set.add(PhysRange::new(0x10000, 0x40000)).unwrap();
        assert_eq!(
            set.take_below(0x4000, 0x20000),
            Some(PhysRange::new(0x10000, 0x14000))
        );
        assert_eq!(
            set.take_below(0x2000, u64::MAX),
            Some(PhysRange::new(0x1000, 0x3000))
        );
        assert_eq!(set.as_slice(), &[PhysRange::new(0x14000, 0x40000)]);
        assert_eq!(set.take_below(0x10000, 0x20000), None);
    }
}
