//! The System Description Table header every ACPI table but the RSDP and FACS starts with
//! (ACPI 6.5 §5.2.6), and reading a whole, verified table through a [`PhysMemory`].

use super::bytes::{self, checksum, u8_at, u32_at};
use super::error::{AcpiError, Signature};

/// Size of the SDT header (ACPI 6.5 Table 5.4).
pub const HEADER_LEN: usize = 36;

/// The largest table accepted. Real DSDTs reach a few hundred KiB; anything bigger is taken
/// for a corrupt length field rather than mapped.
pub const MAX_TABLE_LEN: usize = 4 << 20;

/// Physical memory as the parsers see it: the caller maps `len` bytes at `phys` and hands them
/// back, or `None` when it cannot (the range is outside what firmware may use, or too big).
///
/// The kernel implements this over its device windows; host tests over in-memory images.
pub trait PhysMemory {
    fn map(&self, phys: u64, len: usize) -> Option<&[u8]>;
}

/// The fields of an SDT header (ACPI 6.5 Table 5.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SdtHeader {
    pub signature: Signature,
    pub length: u32,
    pub revision: u8,
    pub checksum: u8,
    pub oem_id: [u8; 6],
    pub oem_table_id: [u8; 8],
    pub oem_revision: u32,
    pub creator_id: [u8; 4],
    pub creator_revision: u32,
}

impl SdtHeader {
    /// Reads the header fields from the first 36 bytes, without judging them.
    pub fn parse(bytes: &[u8]) -> Result<Self, AcpiError> {
        let truncated = AcpiError::Truncated {
            what: "SDT header",
            needed: HEADER_LEN,
            available: bytes.len(),
        };
        let h = bytes::slice(bytes, 0, HEADER_LEN).ok_or(truncated)?;
        // In bounds: `h` is exactly HEADER_LEN bytes.
        let field = |offset| u32_at(h, offset).unwrap_or(0);
        Ok(Self {
            signature: Signature(bytes::array(h, 0).unwrap_or_default()),
            length: field(4),
            revision: u8_at(h, 8).unwrap_or(0),
            checksum: u8_at(h, 9).unwrap_or(0),
            oem_id: bytes::array(h, 10).unwrap_or_default(),
            oem_table_id: bytes::array(h, 16).unwrap_or_default(),
            oem_revision: field(24),
            creator_id: bytes::array(h, 28).unwrap_or_default(),
            creator_revision: field(32),
        })
    }
}

/// A verified table: its header, and exactly `header.length` bytes (header included).
#[derive(Clone, Copy, Debug)]
pub struct Sdt<'a> {
    pub header: SdtHeader,
    pub bytes: &'a [u8],
}

impl<'a> Sdt<'a> {
    /// Verifies a table held in `bytes` (which may run on past its end): the length is at
    /// least the header, at most [`MAX_TABLE_LEN`] and inside `bytes`; the signature is
    /// `expected` when one is given; the checksum is right.
    pub fn parse(bytes: &'a [u8], expected: Option<Signature>) -> Result<Self, AcpiError> {
        let header = SdtHeader::parse(bytes)?;
        if let Some(expected) = expected
            && header.signature != expected
        {
            return Err(AcpiError::BadSignature {
                expected,
                found: header.signature,
            });
        }
        let len = check_length(&header)?;
        let bytes = bytes::slice(bytes, 0, len).ok_or(AcpiError::Truncated {
            what: "table",
            needed: len,
            available: bytes.len(),
        })?;
        let sum = checksum(bytes);
        if sum != 0 {
            return Err(AcpiError::BadTableChecksum {
                signature: header.signature,
                sum,
            });
        }
        Ok(Self { header, bytes })
    }

    /// Maps the table at `phys`: first its header, to learn the length, then all of it.
    pub fn load<M: PhysMemory + ?Sized>(
        memory: &'a M,
        phys: u64,
        expected: Option<Signature>,
    ) -> Result<Self, AcpiError> {
        let head = map(memory, phys, HEADER_LEN)?;
        let header = SdtHeader::parse(head)?;
        if let Some(expected) = expected
            && header.signature != expected
        {
            return Err(AcpiError::BadSignature {
                expected,
                found: header.signature,
            });
        }
        let len = check_length(&header)?;
        Self::parse(map(memory, phys, len)?, expected)
    }

    pub fn signature(&self) -> Signature {
        self.header.signature
    }

    /// The bytes after the header.
    pub fn body(&self) -> &'a [u8] {
        self.bytes.get(HEADER_LEN..).unwrap_or(&[])
    }
}

/// The table length as a `usize`, if it is plausible (ACPI 6.5 §5.2.6: the length covers
/// the header).
fn check_length(header: &SdtHeader) -> Result<usize, AcpiError> {
    let bad = |reason| AcpiError::BadLength {
        signature: header.signature,
        length: header.length,
        reason,
    };
    let len = usize::try_from(header.length).map_err(|_| bad("does not fit in memory"))?;
    if len < HEADER_LEN {
        return Err(bad("shorter than the 36-byte header"));
    }
    if len > MAX_TABLE_LEN {
        return Err(bad("longer than the 4 MiB accepted"));
    }
    Ok(len)
}

/// Maps a range, refusing short answers from the mapper.
pub(super) fn map<M: PhysMemory + ?Sized>(
    memory: &M,
    phys: u64,
    len: usize,
) -> Result<&[u8], AcpiError> {
    match memory.map(phys, len) {
        Some(bytes) if bytes.len() >= len => Ok(&bytes[..len]),
        _ => Err(AcpiError::Unmappable { phys, len }),
    }
}
