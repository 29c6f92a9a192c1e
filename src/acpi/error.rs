//! What can be wrong with firmware tables, in words.

use core::fmt;

/// A four-byte table signature such as `APIC` or `FACP`, printable even when it is garbage.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Signature(pub [u8; 4]);

impl Signature {
    pub const RSDT: Self = Self(*b"RSDT");
    pub const XSDT: Self = Self(*b"XSDT");
    pub const FADT: Self = Self(*b"FACP");
    pub const MADT: Self = Self(*b"APIC");
    pub const HPET: Self = Self(*b"HPET");
    pub const DSDT: Self = Self(*b"DSDT");
    pub const SSDT: Self = Self(*b"SSDT");
}

impl fmt::Display for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for &b in &self.0 {
            if b.is_ascii_graphic() || b == b' ' {
                write!(f, "{}", b as char)?;
            } else {
                write!(f, "\\x{b:02x}")?;
            }
        }
        Ok(())
    }
}

impl fmt::Debug for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "\"{self}\"")
    }
}

/// Everything the parsers reject. Each variant names the structure it concerns, so a log line
/// made from it alone says what was wrong where.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AcpiError {
    /// The bytes end before a structure or field that must be there.
    Truncated {
        what: &'static str,
        needed: usize,
        available: usize,
    },
    /// A structure's bytes do not sum to zero.
    BadChecksum { what: &'static str, sum: u8 },
    /// A table's bytes do not sum to zero.
    BadTableChecksum { signature: Signature, sum: u8 },
    /// A table header carries another signature than the one it was looked up by.
    BadSignature {
        expected: Signature,
        found: Signature,
    },
    /// A table's length field is shorter than its header, longer than allowed, or not a
    /// whole number of entries.
    BadLength {
        signature: Signature,
        length: u32,
        reason: &'static str,
    },
    /// A revision this code does not know how to read.
    UnknownRevision { what: &'static str, revision: u8 },
    /// The caller could not map a physical range (outside RAM, or beyond its windows).
    Unmappable { phys: u64, len: usize },
    /// No RSDP in the areas searched.
    NoRsdp,
    /// The bytes given as an RSDP do not start with "RSD PTR ".
    BadRsdpSignature,
    /// An ACPI 2.0+ RSDP's length field is below 36 bytes or implausibly large.
    BadRsdpLength(u32),
    /// A table the caller asked for is not listed by the root table.
    TableNotFound(Signature),
    /// A sub-structure of a table (a MADT entry) runs past the table or is too short.
    BadEntry {
        signature: Signature,
        offset: usize,
        kind: u8,
        length: u8,
    },
    /// A table field holds a value that makes the table unusable.
    BadField {
        signature: Signature,
        field: &'static str,
        value: u64,
    },
    /// No `_S5_` package in the AML searched.
    NoS5,
    /// An `_S5_` package was found but could not be decoded.
    BadS5 { offset: usize, reason: &'static str },
}

impl fmt::Display for AcpiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::Truncated {
                what,
                needed,
                available,
            } => {
                write!(f, "{what} truncated: needs {needed} bytes, has {available}")
            }
            Self::BadChecksum { what, sum } => {
                write!(
                    f,
                    "{what} checksum is wrong (bytes sum to {sum:#04x}, not 0)"
                )
            }
            Self::BadTableChecksum { signature, sum } => {
                write!(
                    f,
                    "{signature} checksum is wrong (bytes sum to {sum:#04x}, not 0)"
                )
            }
            Self::BadSignature { expected, found } => {
                write!(f, "expected table {expected}, found signature {found}")
            }
            Self::BadLength {
                signature,
                length,
                reason,
            } => {
                write!(f, "{signature} has a bad length {length}: {reason}")
            }
            Self::UnknownRevision { what, revision } => {
                write!(f, "{what} has unknown revision {revision}")
            }
            Self::Unmappable { phys, len } => {
                write!(f, "cannot map {len} bytes at physical {phys:#x}")
            }
            Self::NoRsdp => write!(f, "no RSDP found"),
            Self::BadRsdpSignature => write!(f, "RSDP does not start with \"RSD PTR \""),
            Self::BadRsdpLength(length) => write!(f, "RSDP has a bad length {length}"),
            Self::TableNotFound(signature) => write!(f, "no {signature} table"),
            Self::BadEntry {
                signature,
                offset,
                kind,
                length,
            } => write!(
                f,
                "{signature} entry at offset {offset} (type {kind}, length {length}) is malformed"
            ),
            Self::BadField {
                signature,
                field,
                value,
            } => {
                write!(
                    f,
                    "{signature} field {field} has an unusable value {value:#x}"
                )
            }
            Self::NoS5 => write!(f, "no \\_S5_ package in the DSDT or SSDTs"),
            Self::BadS5 { offset, reason } => {
                write!(f, "\\_S5_ at AML offset {offset} is malformed: {reason}")
            }
        }
    }
}

impl core::error::Error for AcpiError {}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::format;

    #[test]
    fn signatures_print_escaped() {
        assert_eq!(format!("{}", Signature(*b"APIC")), "APIC");
        assert_eq!(
            format!("{}", Signature([b'A', 0, 0xff, b' '])),
            "A\\x00\\xff "
        );
    }

    #[test]
    fn errors_say_what_and_where() {
        let e = AcpiError::BadChecksum {
            what: "MADT",
            sum: 3,
        };
        assert_eq!(
            format!("{e}"),
            "MADT checksum is wrong (bytes sum to 0x03, not 0)"
        );
        let e = AcpiError::BadLength {
            signature: Signature::XSDT,
            length: 37,
            reason: "entries are not whole",
        };
        assert_eq!(
            format!("{e}"),
            "XSDT has a bad length 37: entries are not whole"
        );
    }
}
