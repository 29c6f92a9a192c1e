//! The Multiboot2 boot information GRUB hands over (Multiboot2 specification §3.6).

use multiboot2::{BootInformation, BootInformationHeader, MemoryAreaType};

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
/// `memory::init` mapped it afterwards.
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

/// Usable RAM according to the memory map: the sum of `Available` areas, in bytes.
pub fn usable_memory(info: &BootInformation) -> u64 {
    info.memory_map_tag().map_or(0, |map| {
        map.memory_areas()
            .iter()
            .filter(|area| MemoryAreaType::from(area.typ()) == MemoryAreaType::Available)
            .map(|area| area.size())
            .sum()
    })
}

pub fn bootloader_name<'a>(info: &'a BootInformation) -> &'a str {
    info.boot_loader_name_tag()
        .and_then(|tag| tag.name().ok())
        .unwrap_or("unknown")
}

pub fn command_line<'a>(info: &'a BootInformation) -> &'a str {
    info.command_line_tag()
        .and_then(|tag| tag.cmdline().ok())
        .unwrap_or("")
}

/// Logs the facts about this boot that help most when a user reports a problem.
pub fn log_summary(info: &BootInformation) {
    // The banner already names the boot loader; an empty command line is not worth a line.
    log::debug!("boot loader: {}", bootloader_name(info));
    match command_line(info) {
        "" => log::debug!("command line: ''"),
        line => log::info!("command line: '{line}'"),
    }
    match info.memory_map_tag() {
        Some(map) => {
            let areas = map.memory_areas();
            log::info!(
                "memory map: {} areas, usable memory: {} KiB",
                areas.len(),
                usable_memory(info) / 1024
            );
            for area in areas {
                log::debug!(
                    "  {:#014x}..{:#014x} {:?}",
                    area.start_address(),
                    area.end_address(),
                    MemoryAreaType::from(area.typ())
                );
            }
        }
        None => log::warn!("boot loader passed no memory map"),
    }
}
