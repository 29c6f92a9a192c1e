//! Address arithmetic of 4-level paging with a recursive P4 entry (pure, host-tested).
//!
//! A virtual address splits into four 9-bit table indices and a 12-bit offset (Intel SDM vol. 3A
//! §4.5). When P4 entry `r` points at the P4 itself, a virtual address whose leading indices are
//! `r` makes the walk stop one level early per `r`, so every page table appears at a fixed
//! virtual address: the P4 at `(r, r, r, r)`, the P3 covering P4 slot `a` at `(r, r, r, a)`,
//! the P2 for `(a, b)` at `(r, r, a, b)`, and the P1 for `(a, b, c)` at `(r, a, b, c)`.

/// The P4 slot that points at the P4 itself; 511 holds the kernel image. Must match
/// `RECURSIVE_INDEX` in asm/boot.asm.
pub const RECURSIVE_INDEX: u64 = 510;

pub const ENTRIES: u64 = 512;

/// The levels of the hierarchy, named by the table that translates at that level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    P4 = 4,
    P3 = 3,
    P2 = 2,
    P1 = 1,
}

/// Canonical form: bits 63..48 copy bit 47.
pub const fn sign_extend(addr: u64) -> u64 {
    (((addr << 16) as i64) >> 16) as u64
}

/// The table index `addr` uses at `level`.
pub const fn index(addr: u64, level: Level) -> u64 {
    (addr >> (12 + 9 * (level as u64 - 1))) & (ENTRIES - 1)
}

/// The virtual address with the given four indices and a zero offset.
pub const fn address_of(p4: u64, p3: u64, p2: u64, p1: u64) -> u64 {
    sign_extend((p4 << 39) | (p3 << 30) | (p2 << 21) | (p1 << 12))
}

/// Where, through the recursive entry, the `level` table that translates `addr` is visible.
pub const fn table_address(level: Level, addr: u64) -> u64 {
    let r = RECURSIVE_INDEX;
    let (i4, i3, i2) = (
        index(addr, Level::P4),
        index(addr, Level::P3),
        index(addr, Level::P2),
    );
    match level {
        Level::P4 => address_of(r, r, r, r),
        Level::P3 => address_of(r, r, r, i4),
        Level::P2 => address_of(r, r, i4, i3),
        Level::P1 => address_of(r, i4, i3, i2),
    }
}

/// Bytes one entry maps at `level` (a P1 entry maps 4 KiB, a P2 entry 2 MiB...).
pub const fn entry_span(level: Level) -> u64 {
    1 << (12 + 9 * (level as u64 - 1))
}

/// The virtual range `[start, end)` that one P4 slot covers.
pub const fn p4_slot_range(slot: u64) -> (u64, u64) {
    let start = address_of(slot, 0, 0, 0);
    (start, start.wrapping_add(entry_span(Level::P4)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_addresses() {
        assert_eq!(sign_extend(0x0000_8000_0000_0000), 0xFFFF_8000_0000_0000);
        assert_eq!(sign_extend(0x0000_7FFF_FFFF_F000), 0x0000_7FFF_FFFF_F000);
        assert_eq!(address_of(511, 510, 0, 0), 0xFFFF_FFFF_8000_0000);
        assert_eq!(address_of(0, 0, 0, 0xB8), 0xB8000);
    }

    #[test]
    fn indices_of_known_addresses() {
        let kernel = 0xFFFF_FFFF_8010_0000;
        assert_eq!(index(kernel, Level::P4), 511);
        assert_eq!(index(kernel, Level::P3), 510);
        assert_eq!(index(kernel, Level::P2), 0);
        assert_eq!(index(kernel, Level::P1), 256);
        let vga = 0xB8000;
        assert_eq!(
            [Level::P4, Level::P3, Level::P2, Level::P1].map(|l| index(vga, l)),
            [0, 0, 0, 0xB8]
        );
    }

    #[test]
    fn recursive_table_addresses() {
        assert_eq!(table_address(Level::P4, 0x1234), 0xFFFF_FF7F_BFDF_E000);
        let kernel = 0xFFFF_FFFF_8010_0000;
        assert_eq!(table_address(Level::P3, kernel), 0xFFFF_FF7F_BFDF_F000);
        assert_eq!(table_address(Level::P2, kernel), 0xFFFF_FF7F_BFFF_E000);
        assert_eq!(table_address(Level::P1, kernel), 0xFFFF_FF7F_FFC0_0000);
        // The P1 of the lowest page of the address space is the start of the recursive slot.
        assert_eq!(table_address(Level::P1, 0), 0xFFFF_FF00_0000_0000);
        // Each table address is itself inside the recursive P4 slot.
        for level in [Level::P4, Level::P3, Level::P2, Level::P1] {
            assert_eq!(
                index(table_address(level, kernel), Level::P4),
                RECURSIVE_INDEX
            );
        }
    }

    #[test]
    fn walking_the_recursive_address_lands_on_the_table() {
        // Following the indices of a P1 table address through the hierarchy: one recursive hop,
        // then the page's own P4, P3 and P2 indices select the P1 table as the "page".
        let addr = 0xFFFF_FE80_1234_5000;
        let p1 = table_address(Level::P1, addr);
        assert_eq!(index(p1, Level::P3), index(addr, Level::P4));
        assert_eq!(index(p1, Level::P2), index(addr, Level::P3));
        assert_eq!(index(p1, Level::P1), index(addr, Level::P2));
        assert_eq!(p1 & 0xFFF, 0);
    }

    #[test]
    fn spans_and_slots() {
        assert_eq!(entry_span(Level::P1), 4096);
        assert_eq!(entry_span(Level::P2), 2 << 20);
        assert_eq!(entry_span(Level::P3), 1 << 30);
        assert_eq!(entry_span(Level::P4), 512 << 30);
        assert_eq!(
            p4_slot_range(510),
            (0xFFFF_FF00_0000_0000, 0xFFFF_FF80_0000_0000)
        );
        assert_eq!(p4_slot_range(511).1, 0);
    }
}
