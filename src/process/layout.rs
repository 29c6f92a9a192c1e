//! The user half of every address space.
//!
//! x86_64 with 4-level paging has 48-bit canonical addresses (Intel SDM vol. 1 §3.3.7.1): the
//! lower half is `0..0x0000_8000_0000_0000`. User mappings stop one page short of the canonical
//! hole, as Linux's `TASK_SIZE_MAX` does, so that a `syscall` instruction in the very last user
//! page cannot leave a non-canonical return address in RCX, which `sysret` would fault on in
//! ring 0 (the SYSRET hazard, Intel SDM vol. 2B "SYSRET").

/// The page size every user mapping is made of.
pub const PAGE_SIZE: u64 = 4096;

/// One past the highest user address: nothing user-visible is mapped at or above this.
pub const USER_END: u64 = 0x0000_7FFF_FFFF_F000;

/// The lowest address a program may have mapped. Like Linux's default `vm.mmap_min_addr`
/// (65536), it keeps the first 64 KiB unmapped so that a kernel null-pointer dereference with a
/// small offset can never reach user-controlled memory.
pub const USER_MIN: u64 = 0x1_0000;

/// Where a static-PIE (`ET_DYN`) program is placed when the caller does not choose another base:
/// two thirds up the user half, as Linux's `ELF_ET_DYN_BASE`, which leaves room below for a
/// growing heap and above for mmap areas and the stack.
pub const PIE_BASE: u64 = 0x0000_5555_5555_4000;

/// The default top of the initial user stack (exclusive): the stack grows down from here.
pub const STACK_TOP: u64 = USER_END;

/// `value` rounded down to a page boundary.
pub const fn page_floor(value: u64) -> u64 {
    value & !(PAGE_SIZE - 1)
}

/// `value` rounded up to a page boundary, or `None` when that overflows.
pub const fn page_ceil(value: u64) -> Option<u64> {
    match value.checked_add(PAGE_SIZE - 1) {
        Some(v) => Some(page_floor(v)),
        None => None,
    }
}

// The layout's invariants, checked at compile time.
const _: () = {
    assert!(USER_END + PAGE_SIZE == 1 << 47);
    assert!(STACK_TOP.is_multiple_of(16));
    assert!(PIE_BASE.is_multiple_of(PAGE_SIZE));
    assert!(USER_MIN < PIE_BASE && PIE_BASE < USER_END);
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_rounding() {
        assert_eq!(page_floor(0x1fff), 0x1000);
        assert_eq!(page_ceil(0x1001), Some(0x2000));
        assert_eq!(page_ceil(0x1000), Some(0x1000));
        assert_eq!(page_ceil(u64::MAX), None);
    }
}
