//! Fixed points of the kernel's virtual address space (see docs/memory-map.md).

/// Where the kernel image's higher half begins: physical address `p` of the low 2 GiB appears at
/// `KERNEL_VMA + p`. Must match `KERNEL_VMA` in linker.ld and asm/boot.asm.
pub const KERNEL_VMA: u64 = 0xFFFF_FFFF_8000_0000;

/// The low physical memory the boot page tables alias into the higher half.
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn higher_half_round_trip() {
        assert_eq!(phys_to_virt(0xB8000), 0xFFFF_FFFF_800B_8000);
        assert_eq!(virt_to_phys(phys_to_virt(0x10_0000)), 0x10_0000);
    }
}
