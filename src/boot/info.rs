//! [`BootInfo`]: what the boot loader told the kernel, in the kernel's own terms. The Multiboot2
//! module ([`super::multiboot`]) fills it once, copying everything out of the boot loader's
//! structure, so that nothing else ever parses that structure or sees its types.

pub use crate::drivers::framebuffer::BootFramebuffer;

use super::kernel_args::{Escaped, KernelArgs};
use crate::memory::KernelSection;
use crate::memory::memory_map::{AreaKind, PhysRange, RawArea};
use core::fmt;

pub const MAX_MEMORY_REGIONS: usize = 128;
pub const MAX_ELF_SECTIONS: usize = 64;
pub const MAX_MODULES: usize = 16;
/// Longer command lines are cut here (with a warning).
pub const MAX_COMMAND_LINE: usize = 1024;
const MAX_NAME: usize = 64;
const MAX_MODULE_STRING: usize = 128;

/// Up to `N` items of `T`, without a heap (the boot path runs before there is one).
#[derive(Clone, Copy)]
pub struct FixedList<T: Copy, const N: usize> {
    items: [T; N],
    len: usize,
    /// Items that did not fit.
    dropped: usize,
}

impl<T: Copy, const N: usize> FixedList<T, N> {
    pub const fn new(fill: T) -> Self {
        FixedList {
            items: [fill; N],
            len: 0,
            dropped: 0,
        }
    }

    /// Appends `item`, or counts it as dropped when the list is full.
    pub fn push(&mut self, item: T) {
        match self.items.get_mut(self.len) {
            Some(slot) => {
                *slot = item;
                self.len += 1;
            }
            None => self.dropped += 1,
        }
    }

    pub fn as_slice(&self) -> &[T] {
        &self.items[..self.len]
    }

    pub fn dropped(&self) -> usize {
        self.dropped
    }
}

/// A byte string of at most `N` bytes, cut there.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct FixedBytes<const N: usize> {
    bytes: [u8; N],
    len: usize,
    truncated: bool,
}

impl<const N: usize> FixedBytes<N> {
    pub const fn empty() -> Self {
        FixedBytes {
            bytes: [0; N],
            len: 0,
            truncated: false,
        }
    }

    pub fn new(text: &[u8]) -> Self {
        let mut copy = Self::empty();
        copy.len = text.len().min(N);
        copy.bytes[..copy.len].copy_from_slice(&text[..copy.len]);
        copy.truncated = text.len() > N;
        copy
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len]
    }

    /// The text, or `None` if it is not valid UTF-8.
    pub fn as_str(&self) -> Option<&str> {
        core::str::from_utf8(self.as_bytes()).ok()
    }

    /// Whether the original was longer than `N` bytes.
    pub fn was_truncated(&self) -> bool {
        self.truncated
    }
}

impl<const N: usize> fmt::Display for FixedBytes<N> {
    /// Printable ASCII as is, anything else escaped.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.as_str() {
            Some(text) if text.chars().all(|c| !c.is_control()) => f.write_str(text),
            _ => Escaped(self.as_bytes()).fmt(f),
        }
    }
}

/// What the firmware says one range of physical memory is (Multiboot2 §3.6.8, ACPI §15).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MemoryKind {
    Available,
    Reserved,
    /// ACPI tables: usable RAM once they have been read.
    AcpiReclaimable,
    /// ACPI non-volatile storage: to be preserved across sleep states.
    AcpiNvs,
    /// RAM the firmware found defective.
    Defective,
    /// A type no specification defines; treated as reserved.
    Other(u32),
}

impl MemoryKind {
    /// From a Multiboot2 memory-map entry's type.
    pub fn from_multiboot(typ: u32) -> Self {
        match typ {
            1 => MemoryKind::Available,
            2 => MemoryKind::Reserved,
            3 => MemoryKind::AcpiReclaimable,
            4 => MemoryKind::AcpiNvs,
            5 => MemoryKind::Defective,
            other => MemoryKind::Other(other),
        }
    }
}

/// One entry of the firmware's memory map.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemoryRegion {
    pub start: u64,
    pub len: u64,
    pub kind: MemoryKind,
}

impl MemoryRegion {
    /// The entry as the frame allocator sees it: available or not.
    pub fn raw_area(&self) -> RawArea {
        let kind = match self.kind {
            MemoryKind::Available => AreaKind::Available,
            _ => AreaKind::Reserved,
        };
        RawArea {
            base: self.start,
            len: self.len,
            kind,
        }
    }
}

/// A module the boot loader loaded next to the kernel (an initramfs, for instance).
#[derive(Clone, Copy)]
pub struct BootModule {
    /// Where it lies physically; the frame allocator never hands these frames out.
    pub range: PhysRange,
    /// The words after the module's path in the boot loader's configuration.
    pub string: FixedBytes<MAX_MODULE_STRING>,
}

/// Which ACPI table gave the RSDP.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RsdpSource {
    /// The "ACPI new RSDP" tag (ACPI 2.0 and later: with the XSDT address).
    Acpi2,
    /// The "ACPI old RSDP" tag (ACPI 1.0: RSDT only).
    Acpi1,
}

/// The boot loader's copy of the ACPI Root System Description Pointer (ACPI spec §5.2.5).
/// Nothing here is validated: the checksum and signature are the ACPI code's to check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rsdp {
    pub source: RsdpSource,
    /// Where the copy lies physically, inside the boot information (which stays mapped at
    /// `memory::layout::BOOT_INFO_START` and reserved).
    pub phys_addr: u64,
    bytes: [u8; 36],
    len: usize,
}

impl Rsdp {
    pub fn new(source: RsdpSource, phys_addr: u64, bytes: &[u8]) -> Self {
        let len = bytes.len().min(36);
        let mut copy = [0; 36];
        copy[..len].copy_from_slice(&bytes[..len]);
        Rsdp {
            source,
            phys_addr,
            bytes: copy,
            len,
        }
    }

    /// The structure's bytes: 20 for ACPI 1.0, 36 for 2.0 and later.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes[..self.len]
    }
}

/// Which firmware booted the machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Firmware {
    Bios,
    /// UEFI: the boot loader passed an EFI system table.
    Uefi,
}

/// What the boot path learned, available for the rest of the kernel's life (`boot::info()`).
pub struct BootInfo {
    /// Whether the CPU has NX and the trampoline enabled EFER.NXE; without it the NX bit in a
    /// page-table entry is reserved and faults.
    pub nx_enabled: bool,
    /// The TSC as the trampoline's first checks finished, for measuring boot time.
    pub boot_tsc: u64,
    /// The command line, parsed.
    pub args: KernelArgs,
    pub command_line: FixedBytes<MAX_COMMAND_LINE>,
    pub bootloader_name: FixedBytes<MAX_NAME>,
    pub firmware: Firmware,
    pub memory_regions: FixedList<MemoryRegion, MAX_MEMORY_REGIONS>,
    /// False when the boot loader passed no memory map at all.
    pub has_memory_map: bool,
    /// `None` when the boot loader passed no ELF sections tag.
    pub elf_sections: Option<FixedList<KernelSection, MAX_ELF_SECTIONS>>,
    pub modules: FixedList<BootModule, MAX_MODULES>,
    /// `None` when the boot loader left the display alone (on a PC: VGA text mode).
    pub framebuffer: Option<BootFramebuffer>,
    /// The ACPI 2.0 RSDP when the boot loader passed one, else the ACPI 1.0 one.
    pub rsdp: Option<Rsdp>,
    /// The boot loader's information structure itself: kept (reserved and mapped read-only).
    pub info_range: PhysRange,
}

impl BootInfo {
    /// Usable RAM according to the memory map: the sum of available areas, in bytes.
    pub fn usable_memory(&self) -> u64 {
        self.memory_regions
            .as_slice()
            .iter()
            .filter(|region| region.kind == MemoryKind::Available)
            .map(|region| region.len)
            .sum()
    }

    /// The memory map as the frame allocator takes it.
    pub fn raw_areas(&self) -> FixedList<RawArea, MAX_MEMORY_REGIONS> {
        let mut areas = FixedList::new(RawArea {
            base: 0,
            len: 0,
            kind: AreaKind::Reserved,
        });
        for region in self.memory_regions.as_slice() {
            areas.push(region.raw_area());
        }
        areas
    }

    /// The physical ranges besides the kernel image that must never become free RAM.
    pub fn reserved_ranges(&self) -> FixedList<PhysRange, MAX_MODULES> {
        let mut reserved = FixedList::new(PhysRange::new(0, 0));
        for module in self.modules.as_slice() {
            reserved.push(module.range);
        }
        reserved
    }

    /// Logs the facts about this boot that help most when a user reports a problem.
    pub fn log_summary(&self) {
        // The banner already names the boot loader; an empty command line is not worth a line.
        log::debug!("boot loader: {}", self.bootloader_name);
        match self.command_line.as_bytes() {
            [] => log::debug!("command line: ''"),
            _ => log::info!("command line: '{}'", self.command_line),
        }
        if self.command_line.was_truncated() {
            log::warn!("command line: cut at {MAX_COMMAND_LINE} bytes");
        }
        self.args.log_warnings();
        if !self.has_memory_map {
            log::warn!("boot loader passed no memory map");
            return;
        }
        let areas = self.memory_regions.as_slice();
        log::info!(
            "memory map: {} areas, usable memory: {} KiB",
            areas.len() + self.memory_regions.dropped(),
            self.usable_memory() / 1024
        );
        if self.memory_regions.dropped() > 0 {
            log::warn!(
                "memory map: {} areas past the first {MAX_MEMORY_REGIONS} ignored",
                self.memory_regions.dropped()
            );
        }
        for region in areas {
            log::debug!(
                "  {:#014x}..{:#014x} {:?}",
                region.start,
                region.start + region.len,
                region.kind
            );
        }
    }
}
