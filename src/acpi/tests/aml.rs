//! `\_S5` decoding over hand-written AML: each integer encoding, name prefixes, PkgLength
//! forms, and declarations that must not be taken for `_S5`.

use std::vec::Vec;

use crate::acpi::AcpiError;
use crate::acpi::s5::{SleepType, find_s5_in, pkg_length};

/// `Name (<prefix>_S5_, Package (n) { elements })` with a one-byte PkgLength.
fn name_s5(prefix: &[u8], count: u8, elements: &[u8]) -> Vec<u8> {
    let mut aml = std::vec![0x08];
    aml.extend_from_slice(prefix);
    aml.extend_from_slice(b"_S5_");
    aml.push(0x12);
    aml.push((2 + elements.len()) as u8); // PkgLength + NumElements + elements
    aml.push(count);
    aml.extend_from_slice(elements);
    aml
}

fn s5(typ_a: u8, typ_b: u8) -> Result<SleepType, AcpiError> {
    Ok(SleepType { typ_a, typ_b })
}

#[test]
fn each_integer_encoding() {
    // BytePrefix, WordPrefix, DWordPrefix, QWordPrefix, ZeroOp, OneOp.
    assert_eq!(find_s5_in(&name_s5(b"", 2, &[0x0A, 5, 0x0A, 7])), s5(5, 7));
    assert_eq!(
        find_s5_in(&name_s5(b"", 2, &[0x0B, 6, 0, 0x0C, 3, 0, 0, 0])),
        s5(6, 3)
    );
    assert_eq!(
        find_s5_in(&name_s5(b"", 2, &[0x0E, 4, 0, 0, 0, 0, 0, 0, 0, 0x01])),
        s5(4, 1)
    );
    assert_eq!(
        find_s5_in(&name_s5(b"", 4, &[0x01, 0x00, 0x00, 0x00])),
        s5(1, 0)
    );
}

#[test]
fn root_and_parent_prefixes() {
    assert_eq!(
        find_s5_in(&name_s5(b"\\", 2, &[0x0A, 5, 0x0A, 5])),
        s5(5, 5)
    );
    assert_eq!(find_s5_in(&name_s5(b"^^", 2, &[0x0A, 7, 0x01])), s5(7, 1));
}

#[test]
fn one_element_packs_both_values() {
    assert_eq!(find_s5_in(&name_s5(b"", 1, &[0x0B, 0x05, 0x07])), s5(5, 7));
}

#[test]
fn multi_byte_pkg_length() {
    // PkgLength: bits 7:6 of the lead byte count the bytes that follow, bits 3:0 are the low
    // nibble (ACPI 6.5 §20.2.4).
    assert_eq!(pkg_length(&[0x3F], 0), Some((63, 1)));
    assert_eq!(pkg_length(&[0x41, 0x02], 0), Some((0x21, 2)));
    assert_eq!(pkg_length(&[0x8F, 0xFF, 0x01], 0), Some((0x1FFF, 3)));
    assert_eq!(
        pkg_length(&[0xC1, 0x00, 0x00, 0x01], 0),
        Some((0x10_0001, 4))
    );
    assert_eq!(pkg_length(&[0x50, 0x00], 0), None, "reserved bits 5:4 set");
    assert_eq!(pkg_length(&[0x81, 0x00], 0), None, "truncated");
    // A package written with a two-byte PkgLength (as an assembler may pad it).
    let mut aml = std::vec![0x08, b'_', b'S', b'5', b'_', 0x12, 0x47, 0x00, 0x02];
    aml.extend_from_slice(&[0x0A, 3, 0x0A, 4, 0, 0]);
    assert_eq!(find_s5_in(&aml), s5(3, 4));
}

#[test]
fn references_and_methods_are_not_declarations() {
    // A method named _S5_ (MethodOp 0x14), then a reference in a Store, then the real one.
    let mut aml = std::vec![0x14, 0x08, b'_', b'S', b'5', b'_', 0x00, 0xA4, 0x00];
    aml.extend_from_slice(&[0x70, b'_', b'S', b'5', b'_', 0x60]);
    assert_eq!(find_s5_in(&aml), Err(AcpiError::NoS5));
    aml.extend(name_s5(b"\\", 2, &[0x0A, 2, 0x0A, 3]));
    assert_eq!(find_s5_in(&aml), s5(2, 3));
}

#[test]
fn malformed_packages_are_reported() {
    // Not a package: not taken for the declaration.
    assert_eq!(
        find_s5_in(&[0x08, b'_', b'S', b'5', b'_', 0x0A, 0x05]),
        Err(AcpiError::NoS5)
    );
    // PkgLength beyond the bytes.
    let mut aml = name_s5(b"", 2, &[0x0A, 5, 0x0A, 5]);
    aml[6] = 0x30;
    assert!(matches!(find_s5_in(&aml), Err(AcpiError::BadS5 { .. })));
    // An element that is not an integer (a string).
    let aml = name_s5(b"", 2, &[0x0D, b'x', 0x00, 0x0A, 5]);
    assert!(matches!(find_s5_in(&aml), Err(AcpiError::BadS5 { .. })));
    // Declared two elements, package ends after one.
    let aml = name_s5(b"", 2, &[0x0A, 5]);
    assert!(matches!(find_s5_in(&aml), Err(AcpiError::BadS5 { .. })));
    // A value wider than a byte.
    let aml = name_s5(b"", 2, &[0x0B, 0, 1, 0x00]);
    assert!(matches!(find_s5_in(&aml), Err(AcpiError::BadS5 { .. })));
    // Empty package.
    assert!(matches!(
        find_s5_in(&name_s5(b"", 0, &[])),
        Err(AcpiError::BadS5 { .. })
    ));
    // A bad one before a good one: the good one wins.
    let mut aml = name_s5(b"", 2, &[0x0D, 0]);
    aml.extend(name_s5(b"", 2, &[0x0A, 5, 0x0A, 6]));
    assert_eq!(find_s5_in(&aml), s5(5, 6));
    // Truncated anywhere: an error, never a panic.
    let aml = name_s5(b"\\", 2, &[0x0C, 5, 0, 0, 0, 0x0A, 6]);
    for len in 0..aml.len() {
        assert!(find_s5_in(&aml[..len]).is_err(), "prefix {len}");
    }
    assert_eq!(find_s5_in(&aml), s5(5, 6));
}
