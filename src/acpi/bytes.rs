//! Little-endian field reads from byte slices, each bounds-checked.
//!
//! ACPI structures are packed and unaligned, so they are never transmuted: every field is read
//! by offset. A read past the end gives `None`, which the parsers turn into an error or an
//! absent optional field.

/// `len` bytes at `offset`, or `None` if they do not all lie inside `bytes`.
pub fn slice(bytes: &[u8], offset: usize, len: usize) -> Option<&[u8]> {
    bytes.get(offset..offset.checked_add(len)?)
}

/// A fixed-size array at `offset`.
pub fn array<const N: usize>(bytes: &[u8], offset: usize) -> Option<[u8; N]> {
    slice(bytes, offset, N)?.try_into().ok()
}

pub fn u8_at(bytes: &[u8], offset: usize) -> Option<u8> {
    bytes.get(offset).copied()
}

pub fn u16_at(bytes: &[u8], offset: usize) -> Option<u16> {
    array(bytes, offset).map(u16::from_le_bytes)
}

pub fn u32_at(bytes: &[u8], offset: usize) -> Option<u32> {
    array(bytes, offset).map(u32::from_le_bytes)
}

pub fn u64_at(bytes: &[u8], offset: usize) -> Option<u64> {
    array(bytes, offset).map(u64::from_le_bytes)
}

/// The ACPI checksum rule: all bytes of a structure, its checksum byte included, sum to zero
/// modulo 256 (ACPI 6.5 §5.2.5.3 for the RSDP, §5.2.6 for every SDT).
pub fn checksum(bytes: &[u8]) -> u8 {
    bytes.iter().fold(0u8, |sum, &b| sum.wrapping_add(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_little_endian_fields_and_refuses_out_of_bounds() {
        let b = [1, 2, 3, 4, 5, 6, 7, 8, 9];
        assert_eq!(u8_at(&b, 8), Some(9));
        assert_eq!(u16_at(&b, 0), Some(0x0201));
        assert_eq!(u32_at(&b, 1), Some(0x0504_0302));
        assert_eq!(u64_at(&b, 1), Some(0x0908_0706_0504_0302));
        assert_eq!(u8_at(&b, 9), None);
        assert_eq!(u16_at(&b, 8), None);
        assert_eq!(u64_at(&b, 2), None);
        assert_eq!(slice(&b, usize::MAX, 2), None);
        assert_eq!(slice(&b, 9, 0), Some(&[][..]));
    }

    #[test]
    fn checksum_wraps() {
        assert_eq!(checksum(&[0xFF, 0x01]), 0);
        assert_eq!(checksum(&[0x80, 0x80, 0x05]), 5);
        assert_eq!(checksum(&[]), 0);
    }
}
