//! The Root System Description Pointer (ACPI 6.5 §5.2.5): from given bytes (a Multiboot2 ACPI
//! tag holds a copy) or found by the BIOS scan of §5.2.5.1.

use super::bytes::{self, checksum, u8_at, u16_at, u32_at, u64_at};
use super::error::AcpiError;
use super::sdt::{PhysMemory, map};

pub const SIGNATURE: &[u8; 8] = b"RSD PTR ";
/// The ACPI 1.0 structure, covered by the first checksum (ACPI 6.5 Table 5.3).
pub const V1_LEN: usize = 20;
/// The ACPI 2.0+ structure, covered by the extended checksum.
pub const V2_LEN: usize = 36;

/// Where the BIOS scan looks (ACPI 6.5 §5.2.5.1): the first KiB of the Extended BIOS Data
/// Area, whose real-mode segment is the word at physical 0x40E, and the BIOS read-only area.
pub const EBDA_POINTER: u64 = 0x40E;
pub const EBDA_SCAN_LEN: usize = 1024;
pub const BIOS_AREA_START: u64 = 0xE0000;
pub const BIOS_AREA_LEN: usize = 0x20000;
/// The RSDP sits on a 16-byte boundary.
pub const SCAN_STEP: usize = 16;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rsdp {
    /// 0 for ACPI 1.0, 2 for ACPI 2.0 and later.
    pub revision: u8,
    pub oem_id: [u8; 6],
    pub rsdt_address: u32,
    /// The XSDT's address, from revision 2 on, if non-zero.
    pub xsdt_address: Option<u64>,
    /// Bytes the structure covers: 20 for revision 0, the length field from revision 2 on.
    pub length: usize,
}

impl Rsdp {
    /// Parses and verifies an RSDP at the start of `bytes`: signature, the 20-byte checksum,
    /// and from revision 2 on the length field and the extended checksum.
    pub fn parse(bytes: &[u8]) -> Result<Self, AcpiError> {
        let v1 = bytes::slice(bytes, 0, V1_LEN).ok_or(AcpiError::Truncated {
            what: "RSDP",
            needed: V1_LEN,
            available: bytes.len(),
        })?;
        if &v1[..8] != SIGNATURE {
            return Err(AcpiError::BadRsdpSignature);
        }
        let sum = checksum(v1);
        if sum != 0 {
            return Err(AcpiError::BadChecksum { what: "RSDP", sum });
        }
        let revision = u8_at(v1, 15).unwrap_or(0);
        let oem_id = bytes::array(v1, 9).unwrap_or_default();
        let rsdt_address = u32_at(v1, 16).unwrap_or(0);
        match revision {
            0 => Ok(Self {
                revision,
                oem_id,
                rsdt_address,
                xsdt_address: None,
                length: V1_LEN,
            }),
            // Revision 1 was never defined; later revisions stay compatible with 2.
            1 => Err(AcpiError::UnknownRevision {
                what: "RSDP",
                revision,
            }),
            _ => {
                let truncated = |needed| AcpiError::Truncated {
                    what: "RSDP (ACPI 2.0+)",
                    needed,
                    available: bytes.len(),
                };
                let length = u32_at(bytes, 20).ok_or(truncated(24))?;
                let len = usize::try_from(length).unwrap_or(usize::MAX);
                // The structure is 36 bytes today; a larger length is allowed, a huge one refused.
                if !(V2_LEN..=4096).contains(&len) {
                    return Err(AcpiError::BadRsdpLength(length));
                }
                let all = bytes::slice(bytes, 0, len).ok_or(truncated(len))?;
                let sum = checksum(all);
                if sum != 0 {
                    return Err(AcpiError::BadChecksum {
                        what: "RSDP extended",
                        sum,
                    });
                }
                let xsdt = u64_at(all, 24).unwrap_or(0);
                Ok(Self {
                    revision,
                    oem_id,
                    rsdt_address,
                    xsdt_address: (xsdt != 0).then_some(xsdt),
                    length: len,
                })
            }
        }
    }
}

/// Searches memory images for a valid RSDP on 16-byte (physical) boundaries, in the order
/// given; each area is `(physical address of its first byte, its bytes)`. A signature whose
/// checksum fails is skipped, as firmware may leave stale copies. Returns the physical address
/// and the RSDP.
pub fn scan(areas: &[(u64, &[u8])]) -> Result<(u64, Rsdp), AcpiError> {
    for &(phys, bytes) in areas {
        let misalignment = (phys % SCAN_STEP as u64) as usize;
        let first = (SCAN_STEP - misalignment) % SCAN_STEP;
        let mut offset = first;
        while let Some(rest) = bytes.get(offset..) {
            if rest.starts_with(SIGNATURE)
                && let Ok(rsdp) = Rsdp::parse(rest)
            {
                return Ok((phys.wrapping_add(offset as u64), rsdp));
            }
            offset += SCAN_STEP;
        }
    }
    Err(AcpiError::NoRsdp)
}

/// The BIOS scan through `memory`: the EBDA's first KiB (when the BIOS data area names one),
/// then 0xE0000-0xFFFFF. Only for BIOS boots: UEFI firmware hands the RSDP over in its
/// configuration table (and GRUB in a Multiboot2 tag).
pub fn find_in_bios<M: PhysMemory + ?Sized>(memory: &M) -> Result<(u64, Rsdp), AcpiError> {
    let mut areas: [(u64, &[u8]); 2] = [(0, &[]), (0, &[])];
    let segment = map(memory, EBDA_POINTER, 2)
        .ok()
        .and_then(|b| u16_at(b, 0))
        .unwrap_or(0);
    let ebda = u64::from(segment) << 4;
    // An EBDA below 0x80000 or overlapping the BIOS area is not one (the segment is zero or
    // garbage): skip it rather than scan random memory.
    if (0x80000..0xA0000).contains(&ebda)
        && let Ok(bytes) = map(memory, ebda, EBDA_SCAN_LEN)
    {
        areas[0] = (ebda, bytes);
    }
    areas[1] = (
        BIOS_AREA_START,
        map(memory, BIOS_AREA_START, BIOS_AREA_LEN)?,
    );
    scan(&areas)
}
