//! Handing out virtual address ranges from a fixed area (pure logic, host-tested).
//!
//! The areas are 512 GiB each and what they serve (device windows, benchmark arenas) is set up
//! a few times per boot, so a bump pointer suffices: released ranges are not reused, which also
//! means a stale pointer into one faults instead of reaching someone else's memory.

#[derive(Debug)]
pub struct VirtualArea {
    next: u64,
    end: u64,
}

impl VirtualArea {
    pub const fn new(start: u64, size: u64) -> Self {
        VirtualArea {
            next: start,
            end: start.wrapping_add(size),
        }
    }

    /// `size` bytes (a multiple of 4 KiB) aligned to `align` (a power of two), followed by an
    /// unmapped 4 KiB gap so that running off the end of one range faults.
    pub fn allocate(&mut self, size: u64, align: u64) -> Option<u64> {
        let start = self.next.checked_add(align - 1)? & !(align - 1);
        let end = start.checked_add(size)?;
        let next = end.checked_add(4096)?;
        // `end` wraps to 0 for the topmost area; compare offsets from the area's end instead.
        if self.end.wrapping_sub(start) < size.saturating_add(4096) || size == 0 {
            return None;
        }
        self.next = next;
        Some(start)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_aligned_disjoint_and_guarded() {
        let mut area = VirtualArea::new(0xFFFF_FE00_0000_0000, 1 << 30);
        let a = area.allocate(0x3000, 0x1000).unwrap();
        let b = area.allocate(0x1000, 0x20_0000).unwrap();
        assert_eq!(a, 0xFFFF_FE00_0000_0000);
        assert_eq!(b % 0x20_0000, 0);
        assert!(b >= a + 0x3000 + 0x1000);
        let c = area.allocate(0x1000, 0x1000).unwrap();
        assert_eq!(c, b + 0x2000);
    }

    #[test]
    fn exhaustion_and_nonsense_are_refused() {
        let mut area = VirtualArea::new(0x10_0000, 0x10_000);
        assert_eq!(area.allocate(0, 0x1000), None);
        assert_eq!(
            area.allocate(0x10_000, 0x1000),
            None,
            "no room for the guard gap"
        );
        assert_eq!(area.allocate(0xF000, 0x1000), Some(0x10_0000));
        assert_eq!(area.allocate(0x1000, 0x1000), None);
        assert_eq!(area.allocate(u64::MAX - 0xFFF, 0x1000), None);
    }
}
