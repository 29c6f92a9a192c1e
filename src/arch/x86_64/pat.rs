//! Memory types for mappings: the Page Attribute Table (Intel SDM vol. 3A §12.12).
//!
//! A 4 KiB page's memory type comes from PAT entry `PAT << 2 | PCD << 1 | PWT` (bits 7, 4 and
//! 3 of its entry). Kestrel keeps entries 0-3 at their power-on values, which are also what the
//! PCD/PWT bits mean on a CPU without PAT, and puts write-combining in entry 4, so only
//! write-combining mappings differ between the two. Without PAT (CPUID.1:EDX bit 16 clear)
//! write-combining falls back to uncached.

use core::sync::atomic::{AtomicBool, Ordering};
use x86_64::structures::paging::PageTableFlags as Flags;

/// How the CPU may cache accesses through a mapping.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheType {
    /// Normal RAM.
    WriteBack,
    /// Reads cached, writes go straight through.
    WriteThrough,
    /// Every access goes to the device, in order: registers (MMIO).
    Uncached,
    /// Writes are buffered and combined into bursts: framebuffers.
    WriteCombining,
}

/// IA32_PAT memory-type encodings (SDM vol. 3A, table 12-10).
mod encoding {
    pub const UC: u8 = 0x00;
    pub const WC: u8 = 0x01;
    pub const WT: u8 = 0x04;
    pub const WB: u8 = 0x06;
    pub const UC_MINUS: u8 = 0x07;
}

pub const IA32_PAT: u32 = 0x277;

/// The table Kestrel programs: power-on defaults with entry 4 changed from WB to WC.
pub const PAT_ENTRIES: [u8; 8] = [
    encoding::WB,
    encoding::WT,
    encoding::UC_MINUS,
    encoding::UC,
    encoding::WC,
    encoding::WT,
    encoding::UC_MINUS,
    encoding::UC,
];

/// The IA32_PAT value for [`PAT_ENTRIES`]: entry `i` in byte `i`.
pub const fn pat_msr_value() -> u64 {
    let mut value = 0;
    let mut i = 0;
    while i < 8 {
        value |= (PAT_ENTRIES[i] as u64) << (8 * i);
        i += 1;
    }
    value
}

/// The bit that selects the upper half of the PAT in a 4 KiB page's entry (bit 7).
const PAT_4KIB: Flags = Flags::HUGE_PAGE;

/// The entry bits giving a 4 KiB page `cache`, with or without PAT support.
pub fn flags_for(cache: CacheType, pat_available: bool) -> Flags {
    match cache {
        CacheType::WriteBack => Flags::empty(),
        CacheType::WriteThrough => Flags::WRITE_THROUGH,
        CacheType::Uncached => Flags::NO_CACHE | Flags::WRITE_THROUGH,
        CacheType::WriteCombining if pat_available => PAT_4KIB,
        CacheType::WriteCombining => Flags::NO_CACHE | Flags::WRITE_THROUGH,
    }
}

/// The memory type a 4 KiB page's entry selects under Kestrel's PAT (or the power-on one).
pub fn cache_type_of(flags: Flags, pat_available: bool) -> CacheType {
    let mut index = 0;
    if flags.contains(Flags::WRITE_THROUGH) {
        index |= 1;
    }
    if flags.contains(Flags::NO_CACHE) {
        index |= 2;
    }
    if pat_available && flags.contains(PAT_4KIB) {
        index |= 4;
    }
    match PAT_ENTRIES[index] {
        encoding::WB => CacheType::WriteBack,
        encoding::WT => CacheType::WriteThrough,
        encoding::WC => CacheType::WriteCombining,
        _ => CacheType::Uncached,
    }
}

static PAT_AVAILABLE: AtomicBool = AtomicBool::new(false);

pub fn pat_available() -> bool {
    PAT_AVAILABLE.load(Ordering::Relaxed)
}

/// Programs IA32_PAT when the CPU has it. Runs before any mapping uses entries 4-7.
pub fn init() {
    let has_pat = super::cpuid::has_pat();
    if has_pat {
        // SAFETY: only entry 4 changes, and no mapping selects entries 4-7 yet (the boot
        // tables never set the PAT bit), so no cached line changes type under anyone's feet.
        // The SDM's procedure (§12.12.4) then asks for a cache and TLB flush.
        unsafe {
            x86_64::registers::model_specific::Msr::new(IA32_PAT).write(pat_msr_value());
            core::arch::asm!("wbinvd", options(nostack, preserves_flags));
        }
        x86_64::instructions::tlb::flush_all();
    }
    PAT_AVAILABLE.store(has_pat, Ordering::Relaxed);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn msr_value_keeps_the_power_on_low_half() {
        // The power-on value is 0x0007040600070406 (SDM vol. 3A §12.12.4).
        assert_eq!(pat_msr_value() & 0xFFFF_FFFF, 0x0007_0406);
        assert_eq!(pat_msr_value(), 0x0007_0401_0007_0406);
    }

    #[test]
    fn every_type_round_trips_with_pat() {
        for cache in [
            CacheType::WriteBack,
            CacheType::WriteThrough,
            CacheType::Uncached,
            CacheType::WriteCombining,
        ] {
            assert_eq!(cache_type_of(flags_for(cache, true), true), cache);
        }
        assert_eq!(flags_for(CacheType::WriteCombining, true), Flags::HUGE_PAGE);
    }

    #[test]
    fn write_combining_falls_back_to_uncached_without_pat() {
        let flags = flags_for(CacheType::WriteCombining, false);
        assert!(!flags.contains(Flags::HUGE_PAGE));
        assert_eq!(cache_type_of(flags, false), CacheType::Uncached);
        assert_eq!(
            cache_type_of(flags_for(CacheType::WriteBack, false), false),
            CacheType::WriteBack
        );
    }
}
