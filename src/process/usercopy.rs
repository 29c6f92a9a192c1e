//! User-pointer checks: the part of copy-from-user and copy-to-user that needs no page tables.
//!
//! Every pointer a program passes goes through [`check_range`] (or one of its wrappers) before
//! the kernel touches a byte: the range must lie wholly below [`USER_END`], so it can never
//! name the canonical hole or the kernel half, and `addr + len` must not wrap. The system-call
//! layer then checks, page by page ([`UserRange::pages`]), that the pages are mapped with the
//! permission it needs, and copies. Any failure is `-EFAULT` (14), never a kernel page fault.

use core::fmt;

use super::layout::{PAGE_SIZE, USER_END, page_floor};

/// Linux's errno for a bad address (`asm-generic/errno-base.h`).
pub const EFAULT: i32 = 14;

/// A user range that passed the address checks: `[start, start + len)`, wholly below
/// [`USER_END`]. It says nothing yet about what is mapped there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UserRange {
    start: u64,
    len: u64,
}

impl UserRange {
    pub const fn start(&self) -> u64 {
        self.start
    }

    pub const fn len(&self) -> u64 {
        self.len
    }

    pub const fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// One past the last byte; cannot overflow (the range ends at or below [`USER_END`]).
    pub const fn end(&self) -> u64 {
        self.start + self.len
    }

    /// The base address of every page the range touches, lowest first (none when empty): what
    /// the page-table check walks.
    pub fn pages(&self) -> impl Iterator<Item = u64> + use<> {
        let first = page_floor(self.start);
        let count = if self.len == 0 {
            0
        } else {
            (page_floor(self.end() - 1) - first) / PAGE_SIZE + 1
        };
        (0..count).map(move |i| first + i * PAGE_SIZE)
    }
}

/// Why a user pointer was refused: always `EFAULT` to the program, with the detail for logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BadUserPointer {
    /// `addr + len` does not fit in 64 bits.
    Overflow { addr: u64, len: u64 },
    /// Some byte of the range lies at or above [`USER_END`] (the canonical hole or the kernel).
    OutsideUserSpace { addr: u64, len: u64 },
    /// `count` elements of `size` bytes do not fit in 64 bits.
    ArrayTooLarge { count: u64, size: u64 },
    /// The address is not a multiple of the alignment the call requires.
    Misaligned { addr: u64, align: u64 },
}

impl BadUserPointer {
    /// The errno a system call returns (negated) for this pointer.
    pub const fn errno(&self) -> i32 {
        EFAULT
    }
}

impl fmt::Display for BadUserPointer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            BadUserPointer::Overflow { addr, len } => {
                write!(
                    f,
                    "user range {addr:#x}+{len:#x} wraps around the address space"
                )
            }
            BadUserPointer::OutsideUserSpace { addr, len } => write!(
                f,
                "user range {addr:#x}+{len:#x} reaches past the user half (ends at {USER_END:#x})"
            ),
            BadUserPointer::ArrayTooLarge { count, size } => {
                write!(
                    f,
                    "user array of {count} elements of {size} bytes overflows"
                )
            }
            BadUserPointer::Misaligned { addr, align } => {
                write!(f, "user pointer {addr:#x} is not {align}-byte aligned")
            }
        }
    }
}

/// Checks that `[addr, addr + len)` lies wholly in user space. An empty range is accepted at
/// any address up to [`USER_END`] itself, as Linux's `access_ok` does: no byte is touched.
pub const fn check_range(addr: u64, len: u64) -> Result<UserRange, BadUserPointer> {
    let Some(end) = addr.checked_add(len) else {
        return Err(BadUserPointer::Overflow { addr, len });
    };
    if end > USER_END {
        return Err(BadUserPointer::OutsideUserSpace { addr, len });
    }
    Ok(UserRange { start: addr, len })
}

/// Checks an array of `count` elements of `size` bytes each at `addr` (an `iovec` array, a
/// `pollfd` array, ...).
pub const fn check_array(addr: u64, count: u64, size: u64) -> Result<UserRange, BadUserPointer> {
    let Some(len) = count.checked_mul(size) else {
        return Err(BadUserPointer::ArrayTooLarge { count, size });
    };
    check_range(addr, len)
}

/// Checks a pointer to one `T`-sized object that must be aligned to `align` bytes (a power of
/// two): futex words and the like. Calls that accept unaligned buffers use [`check_range`].
pub const fn check_aligned(addr: u64, len: u64, align: u64) -> Result<UserRange, BadUserPointer> {
    if align == 0 || !align.is_power_of_two() || addr & (align - 1) != 0 {
        return Err(BadUserPointer::Misaligned { addr, align });
    }
    check_range(addr, len)
}

/// The pieces in which to copy a NUL-terminated user string of at most `max_len` bytes
/// (terminator included) that starts at `addr`: each piece stays within one page, so the copy
/// checks each page's mapping before reading it and stops at the first NUL. The pieces end at
/// `max_len` bytes or at [`USER_END`], whichever comes first; a string that runs into either
/// without a NUL is the caller's `ENAMETOOLONG`/`E2BIG` or `EFAULT`.
pub fn string_chunks(addr: u64, max_len: u64) -> Result<StringChunks, BadUserPointer> {
    if addr >= USER_END {
        return Err(BadUserPointer::OutsideUserSpace { addr, len: 1 });
    }
    let end = addr.saturating_add(max_len).min(USER_END);
    Ok(StringChunks { next: addr, end })
}

/// Iterator of [`string_chunks`]: page-bounded ranges, lowest first.
#[derive(Debug, Clone)]
pub struct StringChunks {
    next: u64,
    end: u64,
}

impl StringChunks {
    /// Whether the chunks stop at [`USER_END`] rather than at the length limit: a string with no
    /// NUL in them is then a bad pointer rather than a string that is too long.
    pub const fn ends_at_user_end(&self) -> bool {
        self.end == USER_END
    }
}

impl Iterator for StringChunks {
    type Item = UserRange;

    fn next(&mut self) -> Option<UserRange> {
        if self.next >= self.end {
            return None;
        }
        let page_end = page_floor(self.next) + PAGE_SIZE;
        let stop = page_end.min(self.end);
        let chunk = UserRange {
            start: self.next,
            len: stop - self.next,
        };
        self.next = stop;
        Some(chunk)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;

    const KERNEL_BASE: u64 = 0xFFFF_FFFF_8000_0000;

    #[test]
    fn ordinary_ranges_pass() {
        let r = check_range(0x40_0000, 100).unwrap();
        assert_eq!((r.start(), r.len(), r.end()), (0x40_0000, 100, 0x40_0064));
        assert!(check_range(USER_END - 8, 8).is_ok());
        assert!(
            check_range(0, 1).is_ok(),
            "null is refused by the mapping check, not here"
        );
    }

    #[test]
    fn the_canonical_hole_and_kernel_half_are_refused() {
        assert!(matches!(
            check_range(USER_END - 8, 9),
            Err(BadUserPointer::OutsideUserSpace { .. })
        ));
        for addr in [
            USER_END,
            1 << 47,
            0xFFFF_8000_0000_0000,
            KERNEL_BASE,
            u64::MAX,
        ] {
            assert!(check_range(addr, 1).is_err(), "{addr:#x}");
        }
        // The last user page itself is reserved (the SYSRET hazard).
        assert!(check_range(0x0000_7FFF_FFFF_F000, 1).is_err());
    }

    #[test]
    fn wrapping_ranges_are_refused() {
        assert!(matches!(
            check_range(0x1000, u64::MAX),
            Err(BadUserPointer::Overflow { .. })
        ));
        assert!(matches!(
            check_range(u64::MAX, 2),
            Err(BadUserPointer::Overflow { .. })
        ));
        // A range that starts low but is long enough to wrap into low memory again.
        assert!(check_range(KERNEL_BASE, 0x8000_0001).is_err());
    }

    #[test]
    fn empty_ranges_pass_up_to_the_end() {
        assert!(check_range(USER_END, 0).is_ok());
        assert!(check_range(USER_END + 1, 0).is_err());
        assert_eq!(check_range(0x5000, 0).unwrap().pages().count(), 0);
    }

    #[test]
    fn arrays_check_their_multiplication() {
        assert_eq!(check_array(0x1000, 4, 16).unwrap().len(), 64);
        assert!(matches!(
            check_array(0x1000, u64::MAX / 2, 16),
            Err(BadUserPointer::ArrayTooLarge { .. })
        ));
        assert!(check_array(0x1000, 1 << 40, 1 << 10).is_err());
    }

    #[test]
    fn alignment() {
        assert!(check_aligned(0x1004, 4, 4).is_ok());
        assert!(matches!(
            check_aligned(0x1002, 4, 4),
            Err(BadUserPointer::Misaligned { .. })
        ));
        assert!(check_aligned(0x1000, 4, 3).is_err());
        assert!(check_aligned(0x1000, 4, 0).is_err());
    }

    #[test]
    fn pages_cover_exactly_the_touched_pages() {
        let pages: Vec<u64> = check_range(0x1ff0, 0x20).unwrap().pages().collect();
        assert_eq!(pages, [0x1000, 0x2000]);
        let pages: Vec<u64> = check_range(0x2000, 0x1000).unwrap().pages().collect();
        assert_eq!(pages, [0x2000]);
        let last: Vec<u64> = check_range(USER_END - 1, 1).unwrap().pages().collect();
        assert_eq!(last, [USER_END - PAGE_SIZE]);
    }

    #[test]
    fn string_chunks_stay_in_pages_and_stop_at_limits() {
        let chunks: Vec<UserRange> = string_chunks(0x1ffe, 4100).unwrap().collect();
        let spans: Vec<(u64, u64)> = chunks.iter().map(|c| (c.start(), c.len())).collect();
        assert_eq!(spans, [(0x1ffe, 2), (0x2000, 4096), (0x3000, 2)]);

        let tail = string_chunks(USER_END - 3, 4096).unwrap();
        assert!(tail.ends_at_user_end());
        assert_eq!(tail.map(|c| c.len()).sum::<u64>(), 3);

        assert!(!string_chunks(0x1000, 10).unwrap().ends_at_user_end());
        assert!(string_chunks(USER_END, 10).is_err());
        assert!(string_chunks(u64::MAX, u64::MAX).is_err());
        assert_eq!(string_chunks(0x1000, 0).unwrap().count(), 0);
    }

    #[test]
    fn every_refusal_is_efault_and_says_why() {
        let e = check_range(KERNEL_BASE, 8).unwrap_err();
        assert_eq!(e.errno(), 14);
        assert!(alloc::format!("{e}").contains("past the user half"));
    }
}
