//! The `\_S5` sleep-type values that power the machine off, found in AML without an
//! interpreter.
//!
//! Firmware declares `Name (_S5, Package () { SLP_TYPa, SLP_TYPb, ... })` (ACPI 6.5 §7.4.2.5).
//! Encoded (ACPI 6.5 §20.2) that is NameOp 0x08, an optional root prefix `\` (or parent
//! prefixes `^`), the NameSeg `_S5_`, then PackageOp 0x12, a PkgLength, NumElements and the
//! elements, each an integer in one of the compact encodings below. The search looks for that
//! byte pattern; it does not evaluate AML, so an `_S5` computed by a method is not found.

use super::error::AcpiError;
use super::sdt::Sdt;

/// AML opcodes and prefixes (ACPI 6.5 §20.2.2 to §20.2.5).
mod op {
    pub const ZERO: u8 = 0x00;
    pub const ONE: u8 = 0x01;
    pub const NAME: u8 = 0x08;
    pub const BYTE_PREFIX: u8 = 0x0A;
    pub const WORD_PREFIX: u8 = 0x0B;
    pub const DWORD_PREFIX: u8 = 0x0C;
    pub const QWORD_PREFIX: u8 = 0x0E;
    pub const PACKAGE: u8 = 0x12;
    pub const ROOT_CHAR: u8 = b'\\';
    pub const PARENT_PREFIX: u8 = b'^';
    pub const ONES: u8 = 0xFF;
}

const NAME: &[u8; 4] = b"_S5_";

/// The values to write to SLP_TYPa (PM1a control) and SLP_TYPb (PM1b control) for S5.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SleepType {
    pub typ_a: u8,
    pub typ_b: u8,
}

/// Searches a DSDT and then SSDTs, in the order given, for `\_S5`; the first one decoded wins.
/// A malformed `_S5_` package is reported only if no table has a good one.
pub fn find_s5<'a>(tables: impl IntoIterator<Item = Sdt<'a>>) -> Result<SleepType, AcpiError> {
    let mut first_error = None;
    for table in tables {
        match find_s5_in(table.body()) {
            Ok(s5) => return Ok(s5),
            Err(AcpiError::NoS5) => {}
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    Err(first_error.unwrap_or(AcpiError::NoS5))
}

/// Searches AML bytes (a definition block's body) for `Name (_S5, Package ...)`.
pub fn find_s5_in(aml: &[u8]) -> Result<SleepType, AcpiError> {
    let mut first_error = None;
    let mut start = 0;
    while let Some(found) = aml.get(start..).and_then(|rest| find(rest, NAME)) {
        let at = start + found;
        start = at + 1;
        // A reference to _S5_, or a method of that name, is not the declaration; neither is a
        // name whose "NameOp" was some other byte (a PkgLength of 8, say) that happens to
        // match: without a PackageOp after it, move on.
        if !preceded_by_name_op(aml, at) || aml.get(at + NAME.len()) != Some(&op::PACKAGE) {
            continue;
        }
        match decode_package(aml, at + NAME.len()) {
            Ok(s5) => return Ok(s5),
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    Err(first_error.unwrap_or(AcpiError::NoS5))
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// NameOp, then `\` or any number of `^`, then the NameSeg at `at`.
fn preceded_by_name_op(aml: &[u8], at: usize) -> bool {
    let mut i = at;
    let byte = |i: usize| i.checked_sub(1).and_then(|j| aml.get(j)).copied();
    if byte(i) == Some(op::ROOT_CHAR) {
        i -= 1;
    } else {
        while byte(i) == Some(op::PARENT_PREFIX) {
            i -= 1;
        }
    }
    byte(i) == Some(op::NAME)
}

/// Decodes the package that starts at `at` (its PackageOp), taking the first two integers.
fn decode_package(aml: &[u8], at: usize) -> Result<SleepType, AcpiError> {
    let bad = |offset, reason| AcpiError::BadS5 { offset, reason };
    if aml.get(at) != Some(&op::PACKAGE) {
        return Err(bad(at, "not a package"));
    }
    let pkg_start = at + 1;
    let (pkg_len, len_bytes) = pkg_length(aml, pkg_start).ok_or(bad(pkg_start, "bad PkgLength"))?;
    // PkgLength counts its own bytes and everything after them in the package (§20.2.4).
    let end = pkg_start
        .checked_add(pkg_len)
        .filter(|&end| end <= aml.len() && pkg_len > len_bytes)
        .ok_or(bad(pkg_start, "package runs past the table"))?;
    let package = &aml[..end];
    let mut cursor = pkg_start + len_bytes;
    let count = *package.get(cursor).ok_or(bad(cursor, "no NumElements"))?;
    cursor += 1;
    let mut values = [0u64; 2];
    let wanted = usize::from(count.min(2));
    for value in values.iter_mut().take(wanted) {
        let (v, used) = integer(package, cursor).ok_or(bad(cursor, "element is not an integer"))?;
        *value = v;
        cursor += used;
    }
    let typ = |v: u64| u8::try_from(v).map_err(|_| bad(at, "sleep type exceeds a byte"));
    match count {
        0 => Err(bad(at, "empty package")),
        // Some old firmware packs both values in one integer, SLP_TYPa in the low byte.
        1 => Ok(SleepType {
            typ_a: values[0] as u8,
            typ_b: (values[0] >> 8) as u8,
        }),
        _ => Ok(SleepType {
            typ_a: typ(values[0])?,
            typ_b: typ(values[1])?,
        }),
    }
}

/// A PkgLength at `at` (ACPI 6.5 §20.2.4): its value and how many bytes encode it.
pub fn pkg_length(aml: &[u8], at: usize) -> Option<(usize, usize)> {
    let lead = *aml.get(at)?;
    let follow = usize::from(lead >> 6);
    if follow == 0 {
        return Some((usize::from(lead & 0x3F), 1));
    }
    // With following bytes, bits 5:4 of the lead byte are reserved zero and bits 3:0 are the
    // lowest nibble.
    if lead & 0x30 != 0 {
        return None;
    }
    let mut value = usize::from(lead & 0x0F);
    for i in 0..follow {
        value |= usize::from(*aml.get(at + 1 + i)?) << (4 + 8 * i);
    }
    Some((value, 1 + follow))
}

/// A ComputationalData integer at `at`: its value and encoded size.
fn integer(aml: &[u8], at: usize) -> Option<(u64, usize)> {
    let le = |n: usize| {
        let bytes = aml.get(at + 1..at + 1 + n)?;
        Some(
            bytes
                .iter()
                .rev()
                .fold(0u64, |v, &b| (v << 8) | u64::from(b)),
        )
    };
    match *aml.get(at)? {
        op::ZERO => Some((0, 1)),
        op::ONE => Some((1, 1)),
        op::ONES => Some((u64::MAX, 1)),
        op::BYTE_PREFIX => Some((le(1)?, 2)),
        op::WORD_PREFIX => Some((le(2)?, 3)),
        op::DWORD_PREFIX => Some((le(4)?, 5)),
        op::QWORD_PREFIX => Some((le(8)?, 9)),
        _ => None,
    }
}
