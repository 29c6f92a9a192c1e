//! User-pointer checks: the part of copy-from-user and copy-to-user that needs no page tables.
//!
//! Every pointer a program passes goes through [`check_range`] (or one of its wrappers) before
//! the kernel touches a byte: the range must lie wholly below [`USER_END`], so it can never
//! name the canonical hole or the kernel half, and `addr + len` must not wrap. The system-call
//! layer then checks, page by page ([`UserRange::pages`]), that the pages are mapped with the
//! permission it needs, and copies. Any failure is `-EFAULT` (14), never a kernel page fault.

use alloc::vec::Vec;
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

/// Why a string or pointer array could not be copied in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CopyInError {
    /// Part of it is not in user space or not mapped readable (`EFAULT`).
    Fault { addr: u64 },
    /// No terminator within the limit: `ENAMETOOLONG` for a path, `E2BIG` for `execve`'s
    /// arguments.
    TooLong,
}

impl CopyInError {
    /// The errno when the string is a path.
    pub const fn path_errno(&self) -> i32 {
        match self {
            CopyInError::Fault { .. } => EFAULT,
            CopyInError::TooLong => 36, // ENAMETOOLONG
        }
    }

    /// The errno when it is an argument or environment string, or their pointer array.
    pub const fn argument_errno(&self) -> i32 {
        match self {
            CopyInError::Fault { .. } => EFAULT,
            CopyInError::TooLong => 7, // E2BIG
        }
    }
}

impl fmt::Display for CopyInError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CopyInError::Fault { addr } => write!(f, "user memory at {addr:#x} is not readable"),
            CopyInError::TooLong => {
                write!(f, "user string or array has no terminator in the limit")
            }
        }
    }
}

/// Copies in the NUL-terminated string at `addr` of at most `max_len` bytes, terminator
/// included (`PATH_MAX` for paths), without the terminator.
///
/// `read(range, buf)` is the page-table half: it copies the checked `range` into `buf` (of the
/// same length) and returns `false` if some page of it is not mapped readable. It is called one
/// page at a time, so a string that ends just before an unmapped page is read without touching
/// that page.
pub fn read_c_string(
    addr: u64,
    max_len: usize,
    mut read: impl FnMut(UserRange, &mut [u8]) -> bool,
) -> Result<Vec<u8>, CopyInError> {
    let chunks = string_chunks(addr, max_len as u64).map_err(|_| CopyInError::Fault { addr })?;
    let at_user_end = chunks.ends_at_user_end();
    let mut out = Vec::new();
    for chunk in chunks {
        let start = out.len();
        out.resize(start + chunk.len() as usize, 0);
        if !read(chunk, &mut out[start..]) {
            return Err(CopyInError::Fault {
                addr: chunk.start(),
            });
        }
        if let Some(nul) = out[start..].iter().position(|&b| b == 0) {
            out.truncate(start + nul);
            return Ok(out);
        }
    }
    // Ran into the end of user space, or into the limit, without a NUL.
    if at_user_end {
        Err(CopyInError::Fault { addr: USER_END })
    } else {
        Err(CopyInError::TooLong)
    }
}

/// Copies in a NULL-terminated array of user pointers at `addr` (`execve`'s `argv` and
/// `envp`), at most `max_count` of them before the NULL. A null `addr` is an empty array, as
/// Linux accepts for `envp`. `read` is as for [`read_c_string`], called once per pointer.
pub fn read_pointer_array(
    addr: u64,
    max_count: usize,
    mut read: impl FnMut(UserRange, &mut [u8]) -> bool,
) -> Result<Vec<u64>, CopyInError> {
    let mut out = Vec::new();
    if addr == 0 {
        return Ok(out);
    }
    // Unaligned arrays are legal: `read` then sometimes gets a range across two pages.
    for i in 0..=max_count as u64 {
        let at = i.checked_mul(8).and_then(|off| addr.checked_add(off));
        let range = at
            .ok_or(CopyInError::Fault { addr })
            .and_then(|at| check_range(at, 8).map_err(|_| CopyInError::Fault { addr: at }))?;
        let mut word = [0u8; 8];
        if !read(range, &mut word) {
            return Err(CopyInError::Fault {
                addr: range.start(),
            });
        }
        match u64::from_le_bytes(word) {
            0 => return Ok(out),
            pointer => out.push(pointer),
        }
    }
    Err(CopyInError::TooLong)
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;
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

    /// A fake user address space: `mapped` pages hold bytes from `memory` at `base`.
    struct FakeUser {
        base: u64,
        memory: Vec<u8>,
        mapped: Vec<u64>,
        reads: core::cell::Cell<usize>,
    }

    impl FakeUser {
        /// Pads `memory` to whole pages with 0xAA bytes (no NULs, no null pointers).
        fn new(base: u64, mut memory: Vec<u8>) -> Self {
            memory.resize(memory.len().next_multiple_of(PAGE_SIZE as usize), 0xAA);
            let pages = memory.len().div_ceil(PAGE_SIZE as usize) as u64;
            let mapped = (0..pages).map(|i| base + i * PAGE_SIZE).collect();
            FakeUser {
                base,
                memory,
                mapped,
                reads: core::cell::Cell::new(0),
            }
        }

        fn read(&self, range: UserRange, buf: &mut [u8]) -> bool {
            self.reads.set(self.reads.get() + 1);
            assert_eq!(range.len() as usize, buf.len());
            if !range.pages().all(|p| self.mapped.contains(&p)) {
                return false;
            }
            let at = (range.start() - self.base) as usize;
            buf.copy_from_slice(&self.memory[at..at + buf.len()]);
            true
        }
    }

    #[test]
    fn strings_are_read_page_by_page_up_to_the_nul() {
        let base = 0x10_0000;
        let mut memory = vec![b'a'; 2 * PAGE_SIZE as usize];
        memory[PAGE_SIZE as usize - 3] = 0; // "aaa...a\0" ending 3 bytes before page 2
        let user = FakeUser::new(base, memory);
        let s = read_c_string(base + 10, 4096, |r, b| user.read(r, b)).unwrap();
        assert_eq!(s.len(), PAGE_SIZE as usize - 13);

        // A string ending right before an unmapped page is read without touching that page.
        let mut user = FakeUser::new(base, vec![b'x'; PAGE_SIZE as usize]);
        user.memory[PAGE_SIZE as usize - 1] = 0;
        user.mapped = vec![base];
        assert_eq!(
            read_c_string(base + 4000, 4096, |r, b| user.read(r, b))
                .unwrap()
                .len(),
            95
        );
        assert_eq!(user.reads.get(), 1);
    }

    #[test]
    fn unterminated_strings_are_efault_or_too_long() {
        let base = 0x10_0000;
        // Runs into an unmapped page: EFAULT.
        let mut user = FakeUser::new(base, vec![b'x'; 2 * PAGE_SIZE as usize]);
        user.mapped = vec![base];
        let err = read_c_string(base + 100, 8192, |r, b| user.read(r, b)).unwrap_err();
        assert_eq!(
            err,
            CopyInError::Fault {
                addr: base + PAGE_SIZE
            }
        );
        assert_eq!(err.path_errno(), 14);
        // Longer than the limit: ENAMETOOLONG / E2BIG.
        let user = FakeUser::new(base, vec![b'x'; 2 * PAGE_SIZE as usize]);
        let err = read_c_string(base, 4096, |r, b| user.read(r, b)).unwrap_err();
        assert_eq!(err, CopyInError::TooLong);
        assert_eq!((err.path_errno(), err.argument_errno()), (36, 7));
        // Kernel pointers never reach the reader.
        let err = read_c_string(0xFFFF_FFFF_8000_0000, 4096, |_, _| unreachable!()).unwrap_err();
        assert_eq!(err.path_errno(), 14);
        // Running into the end of user space is EFAULT even within the length limit.
        let top = USER_END - PAGE_SIZE;
        let user = FakeUser::new(top, vec![b'y'; PAGE_SIZE as usize]);
        let err = read_c_string(USER_END - 16, 4096, |r, b| user.read(r, b)).unwrap_err();
        assert!(matches!(err, CopyInError::Fault { .. }));
    }

    #[test]
    fn pointer_arrays() {
        let base = 0x20_0000;
        let mut memory = Vec::new();
        for p in [0x1111u64, 0x2222, 0] {
            memory.extend_from_slice(&p.to_le_bytes());
        }
        let user = FakeUser::new(base, memory.clone());
        assert_eq!(
            read_pointer_array(base, 10, |r, b| user.read(r, b)),
            Ok(vec![0x1111, 0x2222])
        );
        assert_eq!(
            read_pointer_array(base, 1, |r, b| user.read(r, b)),
            Err(CopyInError::TooLong)
        );
        assert_eq!(read_pointer_array(0, 10, |_, _| unreachable!()), Ok(vec![]));
        // No NULL before the end of the mapping.
        let user = FakeUser::new(base, memory[..16].to_vec());
        let err = read_pointer_array(base + 8, 10_000, |r, b| user.read(r, b)).unwrap_err();
        assert!(matches!(err, CopyInError::Fault { .. }), "{err}");
        assert!(read_pointer_array(USER_END - 8, 10, |_, _| false).is_err());
        assert!(read_pointer_array(u64::MAX - 7, 10, |_, _| true).is_err());
    }
}
