//! Fixed points of the kernel's virtual address space (see docs/memory-map.md).
//!
//! After the kernel remaps itself, each area below has a P4 slot of its own (512 GiB), so no
//! two areas ever share a page table:
//!
//! | P4 slot | area |
//! | --- | --- |
//! | 511 | kernel image at `KERNEL_VMA + phys`, VGA text buffer at its alias |
//! | 510 | recursive mapping of the page tables |
//! | 509 | kernel heap |
//! | 508 | device windows ([`super::map_device`]) |
//! | 507 | anonymous regions ([`super::map_anonymous`]): benchmark arenas, test buffers |
//! | 506 | frame-allocator bitmap, then the Multiboot2 information, then boot modules |
//! | 505 | thread kernel stacks, each above a guard page ([`super::address_space`]) |
//! | 0–255 | user space: one set of tables per process ([`super::address_space`]) |

use super::paging::index::{self, Level};

/// Where the kernel image's higher half begins: physical address `p` of the low 2 GiB appears at
/// `KERNEL_VMA + p`. Must match `KERNEL_VMA` in linker.ld and asm/boot.asm.
pub const KERNEL_VMA: u64 = 0xFFFF_FFFF_8000_0000;

/// The low physical memory the boot page tables alias into the higher half. After the remap
/// only the kernel image and the VGA text buffer remain mapped there.
pub const HIGHER_HALF_PHYS_LIMIT: u64 = 2 << 30;

/// The higher-half alias of a physical address in the low 2 GiB (VGA memory, the kernel image).
pub const fn phys_to_virt(phys: u64) -> u64 {
    assert!(phys < HIGHER_HALF_PHYS_LIMIT);
    KERNEL_VMA + phys
}

/// The physical address behind a higher-half kernel address.
pub const fn virt_to_phys(virt: u64) -> u64 {
    assert!(virt >= KERNEL_VMA);
    virt - KERNEL_VMA
}

pub const HEAP_SLOT: u64 = 509;
pub const DEVICE_SLOT: u64 = 508;
pub const ANONYMOUS_SLOT: u64 = 507;
pub const BOOT_DATA_SLOT: u64 = 506;
pub const KERNEL_STACKS_SLOT: u64 = 505;

/// Thread kernel stacks: fixed slots of [`KERNEL_STACK_SLOT_SIZE`], each a guard page below
/// the stack. Slots are reused, so their page tables are allocated once.
pub const KERNEL_STACKS_START: u64 = slot_start(KERNEL_STACKS_SLOT);
pub const KERNEL_STACK_SLOT_SIZE: u64 = 64 << 10;

/// The kernel heap grows upwards from here; the start is 512 GiB-aligned, so buddy blocks of
/// any size the heap reaches are naturally aligned.
pub const HEAP_START: u64 = slot_start(HEAP_SLOT);
pub const HEAP_MAX_SIZE: u64 = index::entry_span(Level::P4);

pub const DEVICE_WINDOWS_START: u64 = slot_start(DEVICE_SLOT);
pub const DEVICE_WINDOWS_SIZE: u64 = index::entry_span(Level::P4);

pub const ANONYMOUS_START: u64 = slot_start(ANONYMOUS_SLOT);
pub const ANONYMOUS_SIZE: u64 = index::entry_span(Level::P4);

/// The frame allocator's bitmap (at most 1 GiB of it: enough for 32 TiB of physical memory).
pub const FRAME_BITMAP_START: u64 = slot_start(BOOT_DATA_SLOT);
pub const FRAME_BITMAP_MAX_SIZE: u64 = index::entry_span(Level::P3);
/// The Multiboot2 information, at the same offset into its first page as physically.
pub const BOOT_INFO_START: u64 = FRAME_BITMAP_START + FRAME_BITMAP_MAX_SIZE;
/// Boot modules mapped read-only ([`super::map_boot_module`]), from 1 GiB past the boot
/// information to the end of the slot.
pub const BOOT_MODULES_START: u64 = BOOT_INFO_START + FRAME_BITMAP_MAX_SIZE;
pub const BOOT_MODULES_SIZE: u64 =
    slot_start(BOOT_DATA_SLOT) + index::entry_span(Level::P4) - BOOT_MODULES_START;

const fn slot_start(slot: u64) -> u64 {
    index::p4_slot_range(slot).0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::memory::paging::index::{RECURSIVE_INDEX, index};

    #[test]
    fn higher_half_round_trip() {
        assert_eq!(phys_to_virt(0xB8000), 0xFFFF_FFFF_800B_8000);
        assert_eq!(virt_to_phys(phys_to_virt(0x10_0000)), 0x10_0000);
    }

    #[test]
    fn areas_have_their_own_slots() {
        let starts = [
            (HEAP_START, HEAP_SLOT),
            (DEVICE_WINDOWS_START, DEVICE_SLOT),
            (ANONYMOUS_START, ANONYMOUS_SLOT),
            (FRAME_BITMAP_START, BOOT_DATA_SLOT),
            (BOOT_INFO_START, BOOT_DATA_SLOT),
            (BOOT_MODULES_START, BOOT_DATA_SLOT),
            (BOOT_MODULES_START + BOOT_MODULES_SIZE - 1, BOOT_DATA_SLOT),
            (KERNEL_VMA, 511),
        ];
        for (start, slot) in starts {
            assert_eq!(index(start, Level::P4), slot, "{start:#x}");
            assert_ne!(slot, RECURSIVE_INDEX);
        }
        assert_eq!(HEAP_START, 0xFFFF_FE80_0000_0000);
        assert_eq!(DEVICE_WINDOWS_START, 0xFFFF_FE00_0000_0000);
        assert_eq!(BOOT_INFO_START, 0xFFFF_FD00_4000_0000);
    }
}
