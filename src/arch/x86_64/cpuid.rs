//! CPU feature detection through CPUID (Intel SDM vol. 2A, CPUID; vol. 3A §12.12.1 for PAT).

/// CPUID.1:EDX bit 16: the page attribute table.
pub fn has_pat() -> bool {
    core::arch::x86_64::__cpuid(1).edx & (1 << 16) != 0
}

/// The vendor string of CPUID leaf 0 (EBX, EDX, ECX): `GenuineIntel`, `AuthenticAMD`, ...
pub fn vendor() -> [u8; 12] {
    let leaf = core::arch::x86_64::__cpuid(0);
    let mut out = [0u8; 12];
    out[..4].copy_from_slice(&leaf.ebx.to_le_bytes());
    out[4..8].copy_from_slice(&leaf.edx.to_le_bytes());
    out[8..].copy_from_slice(&leaf.ecx.to_le_bytes());
    out
}

/// The processor brand string of leaves 0x8000_0002–4 (48 bytes, NUL-padded); all NULs when
/// the CPU has no such leaves.
pub fn brand() -> [u8; 48] {
    use core::arch::x86_64::__cpuid;
    let mut out = [0u8; 48];
    if __cpuid(0x8000_0000).eax < 0x8000_0004 {
        return out;
    }
    for (i, leaf) in (0x8000_0002..=0x8000_0004u32).enumerate() {
        let r = __cpuid(leaf);
        for (j, word) in [r.eax, r.ebx, r.ecx, r.edx].iter().enumerate() {
            let at = i * 16 + j * 4;
            out[at..at + 4].copy_from_slice(&word.to_le_bytes());
        }
    }
    out
}
