//! The Multiboot2 boot information GRUB hands over (Multiboot2 specification §3.6): validated,
//! parsed with the `multiboot2` crate, and copied into the neutral [`BootInfo`]. The only module
//! that sees a `multiboot2` type.

use super::info::{
    BootFramebuffer, BootInfo, BootModule, Firmware, FixedBytes, FixedList, MemoryKind,
    MemoryRegion, Rsdp, RsdpSource,
};
use super::kernel_args::KernelArgs;
use crate::memory::KernelSection;
use crate::memory::memory_map::PhysRange;
use multiboot2::{
    BootInformation, BootInformationHeader, ElfSectionFlags, FramebufferType, MaybeDynSized,
};

/// The boot information structure must be 8-byte aligned (§3.6.1).
const INFO_ALIGN: usize = 8;
/// The fixed part (total size and reserved field) plus the end tag (§3.6.1, §3.6.2).
const MIN_INFO_SIZE: u32 = 16;
/// The trampoline identity-maps the low 4 GiB, and Multiboot2 addresses are 32-bit anyway.
const INFO_LIMIT: usize = 1 << 32;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BootInfoError {
    Null,
    Misaligned(usize),
    OutOfReach(usize),
    TooSmall(u32),
    Malformed(multiboot2::LoadError),
}

impl core::fmt::Display for BootInfoError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            BootInfoError::Null => write!(f, "no Multiboot2 information (null pointer)"),
            BootInfoError::Misaligned(addr) => {
                write!(
                    f,
                    "Multiboot2 information at {addr:#x} is not 8-byte aligned"
                )
            }
            BootInfoError::OutOfReach(addr) => {
                write!(f, "Multiboot2 information at {addr:#x} lies above 4 GiB")
            }
            BootInfoError::TooSmall(size) => {
                write!(
                    f,
                    "Multiboot2 information claims {size} bytes, less than its header"
                )
            }
            BootInfoError::Malformed(err) => {
                write!(f, "Multiboot2 information is malformed: {err:?}")
            }
        }
    }
}

/// Validates the pointer and parses the structure it points at.
///
/// # Safety
/// `addr`, when it passes the checks, must point at readable memory that nothing overwrites for
/// the life of the kernel (the structure GRUB left, reserved by the frame allocator).
pub unsafe fn load(addr: usize) -> Result<BootInformation<'static>, BootInfoError> {
    if addr == 0 {
        return Err(BootInfoError::Null);
    }
    if !addr.is_multiple_of(INFO_ALIGN) {
        return Err(BootInfoError::Misaligned(addr));
    }
    if addr >= INFO_LIMIT {
        return Err(BootInfoError::OutOfReach(addr));
    }
    // SAFETY: the address is non-null, aligned and identity-mapped; the caller vouches that it
    // is the structure GRUB passed.
    unsafe { parse(addr as *const u8) }
}

/// Parses the structure at a virtual address: where [`load`] found it, or where
/// `memory::init` mapped it afterwards ([`super::mapped_multiboot`], for test kernels).
///
/// # Safety
/// `ptr` must be 8-byte aligned and point at readable memory that stays mapped and unchanged
/// for the life of the kernel, at least 8 bytes of it and as many as the size field says.
pub unsafe fn parse(ptr: *const u8) -> Result<BootInformation<'static>, BootInfoError> {
    // SAFETY: per the caller, the first 8 bytes are readable and aligned.
    let total_size = unsafe { ptr.cast::<u32>().read() };
    // The crate would underflow computing the payload length of a structure this small.
    if total_size < MIN_INFO_SIZE {
        return Err(BootInfoError::TooSmall(total_size));
    }
    // SAFETY: as above; the crate checks the size and end tag before trusting the contents.
    unsafe { BootInformation::load(ptr as *const BootInformationHeader) }
        .map_err(BootInfoError::Malformed)
}

/// Copies everything the kernel uses out of the boot loader's structure into a [`BootInfo`].
pub fn collect(info: &BootInformation, nx_enabled: bool, boot_tsc: u64) -> BootInfo {
    let command_line = FixedBytes::new(command_line_bytes(info));
    let bootloader_name = FixedBytes::new(
        info.boot_loader_name_tag()
            .and_then(|tag| tag.name().ok())
            .unwrap_or("unknown")
            .as_bytes(),
    );
    let mut memory_regions = FixedList::new(MemoryRegion {
        start: 0,
        len: 0,
        kind: MemoryKind::Reserved,
    });
    if let Some(map) = info.memory_map_tag() {
        for area in map.memory_areas() {
            memory_regions.push(MemoryRegion {
                start: area.start_address(),
                len: area.size(),
                kind: MemoryKind::from_multiboot(area.typ().into()),
            });
        }
    }
    // Names are not read: GRUB leaves the section-name table in memory that is not reserved.
    let elf_sections = info.elf_sections_tag().map(|tag| {
        let mut sections = FixedList::new(KernelSection {
            start: 0,
            size: 0,
            allocated: false,
            writable: false,
            executable: false,
        });
        for section in tag.sections() {
            let flags = section.flags();
            sections.push(KernelSection {
                start: section.start_address(),
                size: section.size(),
                allocated: flags.contains(ElfSectionFlags::ALLOCATED),
                writable: flags.contains(ElfSectionFlags::WRITABLE),
                executable: flags.contains(ElfSectionFlags::EXECUTABLE),
            });
        }
        sections
    });
    let mut modules = FixedList::new(BootModule {
        range: PhysRange::new(0, 0),
        string: FixedBytes::empty(),
    });
    for module in info.module_tags() {
        modules.push(BootModule {
            range: PhysRange::new(module.start_address().into(), module.end_address().into()),
            string: FixedBytes::new(module.cmdline().unwrap_or("").as_bytes()),
        });
    }
    let firmware = if info.efi_sdt64_tag().is_some() || info.efi_sdt32_tag().is_some() {
        Firmware::Uefi
    } else {
        Firmware::Bios
    };
    let start = info.start_address() as u64;
    BootInfo {
        nx_enabled,
        boot_tsc,
        args: KernelArgs::parse(command_line.as_bytes()),
        command_line,
        bootloader_name,
        firmware,
        has_memory_map: info.memory_map_tag().is_some(),
        memory_regions,
        elf_sections,
        modules,
        framebuffer: framebuffer(info),
        rsdp: rsdp(info),
        info_range: PhysRange::new(start, start + info.total_size() as u64),
    }
}

/// The command line's bytes, valid UTF-8 or not (the crate's accessor rejects the whole line
/// for one bad byte), without the terminating NUL.
fn command_line_bytes<'a>(info: &'a BootInformation) -> &'a [u8] {
    let Some(tag) = info.command_line_tag() else {
        return &[];
    };
    let payload = tag.payload();
    let end = payload
        .iter()
        .position(|&b| b == 0)
        .unwrap_or(payload.len());
    &payload[..end]
}

/// The framebuffer tag in the kernel's terms.
pub fn framebuffer(info: &BootInformation) -> Option<BootFramebuffer> {
    let tag = match info.framebuffer_tag()? {
        Ok(tag) => tag,
        Err(_) => return Some(BootFramebuffer::Unknown),
    };
    Some(match tag.buffer_type() {
        Ok(FramebufferType::Text) => BootFramebuffer::Text,
        Ok(FramebufferType::Indexed { .. }) => BootFramebuffer::Indexed,
        Ok(FramebufferType::RGB { red, green, blue }) => BootFramebuffer::Rgb {
            address: tag.address(),
            width: tag.width(),
            height: tag.height(),
            pitch: tag.pitch(),
            bits_per_pixel: tag.bpp(),
            red: (red.position, red.size),
            green: (green.position, green.size),
            blue: (blue.position, blue.size),
        },
        Err(_) => BootFramebuffer::Unknown,
    })
}

/// The RSDP copy from the ACPI 2.0 tag, else from the ACPI 1.0 one (Multiboot2 §3.6.14-15).
fn rsdp(info: &BootInformation) -> Option<Rsdp> {
    /// ACPI 2.0+ RSDP length, and the ACPI 1.0 one (ACPI spec §5.2.5.3).
    const V2_LEN: usize = 36;
    const V1_LEN: usize = 20;
    let (source, payload, len) = if let Some(tag) = info.rsdp_v2_tag() {
        (RsdpSource::Acpi2, tag.payload(), V2_LEN)
    } else {
        (RsdpSource::Acpi1, info.rsdp_v1_tag()?.payload(), V1_LEN)
    };
    // The payload is the copy, followed by the tag's padding.
    let bytes = &payload[..len.min(payload.len())];
    // The boot information is identity-mapped while this runs: its addresses are physical.
    let phys_addr = bytes.as_ptr() as u64;
    Some(Rsdp::new(source, phys_addr, bytes))
}

#[cfg(test)]
pub mod test_support {
    //! Boot information built in host memory, for the tests of what the kernel makes of it.

    use super::*;
    extern crate std;
    use std::vec::Vec;

    /// The boot information around `tags`, in 8-byte aligned storage.
    pub fn boot_info(tags: &[Vec<u8>]) -> Vec<u64> {
        let mut bytes = std::vec![0u8; 8];
        for tag in tags {
            bytes.extend(tag);
            bytes.resize(bytes.len().next_multiple_of(8), 0);
        }
        bytes.extend([0, 0, 0, 0, 8, 0, 0, 0]);
        let total = bytes.len() as u32;
        bytes[..4].copy_from_slice(&total.to_le_bytes());
        bytes
            .chunks(8)
            .map(|chunk| u64::from_le_bytes(chunk.try_into().unwrap()))
            .collect()
    }

    /// Parses a structure made of `tags` and returns what it says of the framebuffer.
    pub fn framebuffer_from_tags(tags: &[Vec<u8>]) -> Option<BootFramebuffer> {
        let storage = boot_info(tags);
        // SAFETY: `storage` is a well-formed, aligned structure that outlives the parse.
        let info = unsafe { parse(storage.as_ptr().cast()) }.unwrap();
        framebuffer(&info)
    }

    /// A tag of `typ` with `payload` (the size field counts the header too).
    pub fn tag(typ: u32, payload: &[u8]) -> Vec<u8> {
        let mut tag = Vec::new();
        tag.extend(typ.to_le_bytes());
        tag.extend((8 + payload.len() as u32).to_le_bytes());
        tag.extend(payload);
        tag
    }
}

#[cfg(test)]
mod tests {
    use super::test_support::{boot_info, tag};
    use super::*;
    extern crate std;
    use log::LevelFilter;

    const COMMAND_LINE: u32 = 1;
    const MEMORY_MAP: u32 = 6;
    const ACPI_OLD: u32 = 14;
    const ACPI_NEW: u32 = 15;

    fn collect_from(tags: &[std::vec::Vec<u8>]) -> BootInfo {
        let storage = boot_info(tags);
        // SAFETY: as in test_support.
        let info = unsafe { parse(storage.as_ptr().cast()) }.unwrap();
        collect(&info, true, 42)
    }

    #[test]
    fn a_bad_utf8_byte_keeps_the_rest_of_the_command_line() {
        let boot = collect_from(&[tag(COMMAND_LINE, b"loglevel=debug \xff keyboard=uk\0")]);
        assert_eq!(
            boot.command_line.as_bytes(),
            b"loglevel=debug \xff keyboard=uk"
        );
        assert_eq!(boot.args.log_level, LevelFilter::Debug);
        assert_eq!(boot.args.keyboard, crate::input::Layout::Uk);
        assert_eq!(boot.args.warnings().count(), 1);
        assert_eq!(
            std::format!("{}", boot.command_line),
            "loglevel=debug \\xff keyboard=uk"
        );
    }

    #[test]
    fn memory_map_entries_keep_their_kinds() {
        let mut payload = std::vec::Vec::new();
        payload.extend(24u32.to_le_bytes()); // entry size
        payload.extend(0u32.to_le_bytes()); // entry version
        for (base, len, typ) in [
            (0u64, 0x9_F000u64, 1u32),
            (0x10_0000, 0x700_0000, 1),
            (0x7FE_0000, 0x2_0000, 3),
        ] {
            payload.extend(base.to_le_bytes());
            payload.extend(len.to_le_bytes());
            payload.extend(typ.to_le_bytes());
            payload.extend(0u32.to_le_bytes());
        }
        let boot = collect_from(&[tag(MEMORY_MAP, &payload)]);
        assert!(boot.has_memory_map);
        let regions = boot.memory_regions.as_slice();
        assert_eq!(regions.len(), 3);
        assert_eq!(regions[2].kind, MemoryKind::AcpiReclaimable);
        assert_eq!(boot.usable_memory(), 0x9_F000 + 0x700_0000);
        assert_eq!(
            boot.raw_areas().as_slice()[2].kind,
            crate::memory::memory_map::AreaKind::Reserved
        );
        assert_eq!((boot.nx_enabled, boot.boot_tsc), (true, 42));
        assert!(boot.elf_sections.is_none());
        assert_eq!(boot.firmware, Firmware::Bios);
    }

    fn rsdp_payload(revision: u8) -> std::vec::Vec<u8> {
        let mut rsdp = std::vec::Vec::new();
        rsdp.extend(b"RSD PTR ");
        rsdp.push(0); // checksum
        rsdp.extend(b"KSTRL ");
        rsdp.push(revision);
        rsdp.extend(0x1234_5678u32.to_le_bytes()); // RSDT
        if revision >= 2 {
            rsdp.extend(36u32.to_le_bytes());
            rsdp.extend(0x1_0000_0000u64.to_le_bytes()); // XSDT
            rsdp.extend([0, 0, 0, 0]);
        }
        rsdp
    }

    #[test]
    fn the_acpi2_rsdp_wins_over_the_acpi1_one() {
        let old = tag(ACPI_OLD, &rsdp_payload(0));
        let new = tag(ACPI_NEW, &rsdp_payload(2));
        let boot = collect_from(&[old.clone(), new]);
        let rsdp = boot.rsdp.expect("an RSDP");
        assert_eq!(rsdp.source, RsdpSource::Acpi2);
        assert_eq!(rsdp.bytes().len(), 36);
        assert_eq!(&rsdp.bytes()[..8], b"RSD PTR ");
        assert_eq!(rsdp.bytes()[24..32], 0x1_0000_0000u64.to_le_bytes());
        let boot = collect_from(&[old]);
        let rsdp = boot.rsdp.expect("an RSDP");
        assert_eq!(rsdp.source, RsdpSource::Acpi1);
        assert_eq!(rsdp.bytes()[16..20], 0x1234_5678u32.to_le_bytes());
        assert!(collect_from(&[]).rsdp.is_none());
    }
}
