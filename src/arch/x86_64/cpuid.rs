//! CPU feature detection through CPUID (Intel SDM vol. 2A, CPUID; vol. 3A §12.12.1 for PAT).

/// CPUID.1:EDX bit 16: the page attribute table.
pub fn has_pat() -> bool {
    core::arch::x86_64::__cpuid(1).edx & (1 << 16) != 0
}
