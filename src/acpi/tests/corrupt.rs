//! Corrupted copies of the real tables: flipped bytes, truncations, cut length fields, and
//! hand-made structures the firmware could get wrong.

use std::vec::Vec;

use super::{Fixture, MACHINES, MemoryImage, fix_checksum, with_length};
use crate::acpi::madt::RouteError;
use crate::acpi::rsdp::{self, Rsdp};
use crate::acpi::sdt::MAX_TABLE_LEN;
use crate::acpi::{AcpiError, AcpiTables, Fadt, Hpet, Madt, RootKind, Sdt, Signature};

const TABLES: [&str; 6] = ["RSDT", "FACP", "APIC", "HPET", "DSDT", "WAET"];

#[test]
fn every_flipped_byte_is_caught() {
    for name in MACHINES {
        let f = Fixture::load(name);
        for table in TABLES {
            let good = f.table(table);
            for i in 0..good.len() {
                let mut bad = good.clone();
                bad[i] ^= 0x5A;
                let result = Sdt::parse(&bad, Some(Signature(good[..4].try_into().unwrap())));
                assert!(
                    result.is_err(),
                    "{name} {table}: byte {i} flipped, still accepted"
                );
            }
        }
    }
}

#[test]
fn every_truncation_is_caught() {
    let f = Fixture::load("q35-ovmf");
    for table in TABLES {
        let good = f.table(table);
        for len in 0..good.len() {
            let e = Sdt::parse(&good[..len], None).unwrap_err();
            assert!(
                matches!(e, AcpiError::Truncated { .. }),
                "{table}[..{len}]: {e}"
            );
        }
    }
    let rsdp = f.table("RSDP");
    for len in 0..rsdp.len() {
        assert!(Rsdp::parse(&rsdp[..len]).is_err(), "RSDP[..{len}]");
    }
}

#[test]
fn header_length_is_bounded() {
    let good = Fixture::load("pc-seabios").table("APIC");
    for (length, reason) in [
        (0u32, "shorter than the 36-byte header"),
        (35, "shorter than the 36-byte header"),
        (MAX_TABLE_LEN as u32 + 1, "longer than the 4 MiB accepted"),
        (u32::MAX, "longer than the 4 MiB accepted"),
    ] {
        let mut bad = good.clone();
        bad[4..8].copy_from_slice(&length.to_le_bytes());
        let e = Sdt::parse(&bad, None).unwrap_err();
        assert_eq!(
            e,
            AcpiError::BadLength {
                signature: Signature::MADT,
                length,
                reason
            }
        );
    }
    // A length past the mapped bytes is never read: loading asks the mapper for it.
    let mut bad = good.clone();
    bad[4..8].copy_from_slice(&4096u32.to_le_bytes());
    let mut memory = MemoryImage::default();
    memory.add(0x1000, bad);
    let e = Sdt::load(&memory, 0x1000, None).unwrap_err();
    assert_eq!(
        e,
        AcpiError::Unmappable {
            phys: 0x1000,
            len: 4096
        }
    );
    assert_eq!(
        Sdt::load(&memory, 0x1000, Some(Signature::FADT)).unwrap_err(),
        AcpiError::BadSignature {
            expected: Signature::FADT,
            found: Signature::MADT
        }
    );
}

#[test]
fn rsdp_checks() {
    let v1 = Fixture::load("pc-seabios").table("RSDP");
    let v2 = Fixture::load("pc-ovmf").table("RSDP");
    let mut bad = v1.clone();
    bad[0] = b'X';
    assert_eq!(Rsdp::parse(&bad), Err(AcpiError::BadRsdpSignature));
    let mut bad = v1.clone();
    bad[16] ^= 1;
    assert!(matches!(
        Rsdp::parse(&bad),
        Err(AcpiError::BadChecksum { what: "RSDP", .. })
    ));
    // Revision 1 was never defined.
    let mut bad = v1.clone();
    bad[15] = 1;
    bad[8] = bad[8].wrapping_sub(1);
    assert_eq!(
        Rsdp::parse(&bad),
        Err(AcpiError::UnknownRevision {
            what: "RSDP",
            revision: 1
        })
    );
    // The extended checksum covers the XSDT address.
    let mut bad = v2.clone();
    bad[24] ^= 1;
    assert!(matches!(
        Rsdp::parse(&bad),
        Err(AcpiError::BadChecksum {
            what: "RSDP extended",
            ..
        })
    ));
    // A length below 36, or beyond the bytes given.
    for (length, expect_truncated) in [(20u32, false), (40, true)] {
        let mut bad = v2.clone();
        bad[20..24].copy_from_slice(&length.to_le_bytes());
        bad[32] = 0;
        bad[32] = 0u8.wrapping_sub(crate::acpi::bytes::checksum(&bad));
        let e = Rsdp::parse(&bad).unwrap_err();
        assert_eq!(
            matches!(e, AcpiError::Truncated { .. }),
            expect_truncated,
            "{e}"
        );
    }
    // A v1 RSDP with no XSDT but a valid ACPI 2.0 signature area still parses as v1.
    assert_eq!(Rsdp::parse(&v1).unwrap().xsdt_address, None);
}

#[test]
fn scan_skips_bad_candidates_and_misaligned_copies() {
    let good = Fixture::load("pc-seabios").table("RSDP");
    let mut area = std::vec![0u8; 256];
    // A stale copy with a bad checksum at 0x10, a good one off the 16-byte grid at 0x31, and
    // a good one at 0x60.
    area[0x10..0x24].copy_from_slice(&good);
    area[0x10 + 8] ^= 0xFF;
    area[0x31..0x45].copy_from_slice(&good);
    area[0x60..0x74].copy_from_slice(&good);
    let areas: [(u64, &[u8]); 1] = [(0xE0000, &area)];
    assert_eq!(rsdp::scan(&areas).unwrap().0, 0xE0060);
    // An area that starts off the grid is searched on physical 16-byte boundaries.
    let areas: [(u64, &[u8]); 1] = [(0xE0001, &area[1..])];
    assert_eq!(rsdp::scan(&areas).unwrap().0, 0xE0060);
    // A signature at the very end with no room for the rest.
    let mut tail = std::vec![0u8; 32];
    tail[16..24].copy_from_slice(b"RSD PTR ");
    assert_eq!(rsdp::scan(&[(0, &tail[..])]), Err(AcpiError::NoRsdp));
    // No BIOS area mapped: a clear error, not a panic.
    assert_eq!(
        rsdp::find_in_bios(&MemoryImage::default()),
        Err(AcpiError::Unmappable {
            phys: 0xE0000,
            len: 0x20000
        })
    );
}

#[test]
fn a_bad_xsdt_falls_back_to_the_rsdt() {
    let f = Fixture::load("q35-ovmf");
    let mut memory = f.memory();
    let xsdt = f.address("XSDT");
    memory.region_mut(xsdt)[40] ^= 1;
    let rsdp = Rsdp::parse(&f.table("RSDP")).unwrap();
    let tables = AcpiTables::new(&memory, rsdp).unwrap();
    assert_eq!(tables.root_kind(), RootKind::Rsdt);
    assert!(matches!(
        tables.xsdt_error,
        Some(AcpiError::BadTableChecksum { .. })
    ));
    assert_eq!(tables.madt().unwrap().processors().count(), 4);
    // Both broken: the RSDT's error.
    let rsdt = u64::from(rsdp.rsdt_address);
    memory.region_mut(rsdt)[0] = b'X';
    assert!(matches!(
        AcpiTables::new(&memory, rsdp),
        Err(AcpiError::BadSignature { .. })
    ));
}

#[test]
fn root_table_entries_must_be_whole() {
    let f = Fixture::load("pc-seabios");
    let mut memory = f.memory();
    let rsdp = Rsdp::parse(&f.table("RSDP")).unwrap();
    let rsdt = u64::from(rsdp.rsdt_address);
    let region = memory.region_mut(rsdt);
    let cut = with_length(region, region.len() - 2);
    *region = cut;
    assert!(matches!(
        AcpiTables::new(&memory, rsdp),
        Err(AcpiError::BadLength {
            signature: Signature::RSDT,
            ..
        })
    ));
}

#[test]
fn broken_or_unmappable_entries_are_listed_and_skipped() {
    let f = Fixture::load("pc-seabios");
    let mut memory = f.memory();
    let rsdp = Rsdp::parse(&f.table("RSDP")).unwrap();
    // Break the MADT's checksum; point the HPET entry at nothing.
    memory.region_mut(f.address("APIC"))[50] ^= 1;
    let rsdt = memory.region_mut(rsdp.rsdt_address.into());
    let hpet_slot = (36..rsdt.len())
        .step_by(4)
        .find(|&o| u32::from_le_bytes(rsdt[o..o + 4].try_into().unwrap()) == 0x1FFE_1B8F)
        .unwrap();
    rsdt[hpet_slot..hpet_slot + 4].copy_from_slice(&0x7000_0000u32.to_le_bytes());
    fix_checksum(rsdt);
    let tables = AcpiTables::new(&memory, rsdp).unwrap();
    let listing: Vec<_> = tables.listing().collect();
    assert_eq!(listing.len(), 5);
    assert!(matches!(
        listing[1].check,
        Err(AcpiError::BadTableChecksum { .. })
    ));
    assert_eq!(listing[2].header, None);
    assert_eq!(
        listing[2].check,
        Err(AcpiError::Unmappable {
            phys: 0x7000_0000,
            len: 36
        })
    );
    assert!(matches!(
        tables.madt(),
        Err(AcpiError::BadTableChecksum { .. })
    ));
    assert_eq!(
        tables.hpet(),
        Err(AcpiError::TableNotFound(Signature::HPET))
    );
    // The rest still works.
    assert_eq!(tables.fadt().unwrap().sci_interrupt, 9);
}

#[test]
fn madt_with_cut_lengths_and_bad_entries() {
    let good = Fixture::load("q35-seabios").table("APIC");
    // Every cut length: either the cut falls between entries (fewer entries) or inside one.
    let entry_ends: Vec<usize> = {
        let madt = Madt::parse(Sdt::parse(&good, None).unwrap()).unwrap();
        let mut end = 44;
        let mut ends = std::vec![44];
        for e in madt.entries() {
            end += entry_len(&e);
            ends.push(end);
        }
        ends
    };
    for len in 36..good.len() {
        let cut = with_length(&good, len);
        let result = Madt::parse(Sdt::parse(&cut, None).unwrap());
        if len < 44 {
            assert!(matches!(result, Err(AcpiError::BadLength { .. })), "{len}");
        } else if entry_ends.contains(&len) {
            let n = entry_ends.iter().position(|&e| e == len).unwrap();
            assert_eq!(result.unwrap().entries().count(), n, "{len}");
        } else {
            assert!(matches!(result, Err(AcpiError::BadEntry { .. })), "{len}");
        }
    }
    // An entry of length 0 (which would loop forever) or shorter than its type needs.
    for (offset, length) in [(45, 0u8), (45, 1), (53, 4)] {
        let mut bad = good.clone();
        bad[offset] = length;
        fix_checksum(&mut bad);
        let e = Madt::parse(Sdt::parse(&bad, None).unwrap()).unwrap_err();
        assert!(
            matches!(e, AcpiError::BadEntry { length: l, .. } if l == length),
            "{e}"
        );
    }
    // Another signature.
    let fadt = Fixture::load("q35-seabios").table("FACP");
    assert!(matches!(
        Madt::parse(Sdt::parse(&fadt, None).unwrap()),
        Err(AcpiError::BadSignature { .. })
    ));
}

fn entry_len(e: &crate::acpi::MadtEntry) -> usize {
    use crate::acpi::MadtEntry::*;
    match e {
        LocalApic { .. } | NmiSource { .. } => 8,
        IoApic(_) | LocalApicAddressOverride { .. } | LocalX2ApicNmi { .. } => 12,
        InterruptOverride { .. } => 10,
        LocalApicNmi { .. } => 6,
        LocalX2Apic { .. } => 16,
        Other { length, .. } => usize::from(*length),
    }
}

/// A MADT header followed by the given entries.
fn madt_with(entries: &[&[u8]]) -> Vec<u8> {
    let mut t = Fixture::load("pc-seabios").table("APIC")[..44].to_vec();
    for e in entries {
        t.extend_from_slice(e);
    }
    let len = t.len();
    with_length(&t, len)
}

const IO_APIC_0: [u8; 12] = [1, 12, 0, 0, 0, 0, 0xC0, 0xFE, 0, 0, 0, 0];

#[test]
fn override_to_a_gsi_no_io_apic_serves() {
    // IRQ 0 -> GSI 40, but the only I/O APIC serves GSIs 0-23.
    let t = madt_with(&[&IO_APIC_0, &[2, 10, 0, 0, 40, 0, 0, 0, 0, 0]]);
    let madt = Madt::parse(Sdt::parse(&t, None).unwrap()).unwrap();
    let e = madt.resolve_isa_irq(0, |_| 24).unwrap_err();
    assert_eq!(
        e,
        RouteError::GsiNotServed {
            irq: 0,
            gsi: 40,
            overridden: true
        }
    );
    assert_eq!(
        std::format!("{e}"),
        "IRQ 0 is overridden to GSI 40, which no I/O APIC serves"
    );
    // With a second I/O APIC at GSI 24 it is served, on that APIC's pin 16.
    let second = [1, 12, 1, 0, 0, 0x10, 0xC0, 0xFE, 24, 0, 0, 0];
    let t = madt_with(&[&IO_APIC_0, &second, &[2, 10, 0, 0, 40, 0, 0, 0, 0x0F, 0]]);
    let madt = Madt::parse(Sdt::parse(&t, None).unwrap()).unwrap();
    let r = madt.resolve_isa_irq(0, |_| 24).unwrap();
    assert_eq!((r.io_apic.id, r.pin), (1, 16));
    // Flags 0x0F: active low, level.
    assert_eq!(r.polarity, crate::acpi::madt::Polarity::ActiveLow);
    assert_eq!(r.trigger, crate::acpi::madt::TriggerMode::Level);
    // Reserved polarity bits.
    let t = madt_with(&[&IO_APIC_0, &[2, 10, 0, 3, 3, 0, 0, 0, 0x02, 0]]);
    let madt = Madt::parse(Sdt::parse(&t, None).unwrap()).unwrap();
    assert!(matches!(
        madt.resolve_isa_irq(3, |_| 24),
        Err(RouteError::ReservedFlags { .. })
    ));
    // An override for another bus does not apply to ISA.
    let t = madt_with(&[&IO_APIC_0, &[2, 10, 1, 0, 9, 0, 0, 0, 0, 0]]);
    let madt = Madt::parse(Sdt::parse(&t, None).unwrap()).unwrap();
    assert_eq!(madt.resolve_isa_irq(0, |_| 24).unwrap().gsi, 0);
}

#[test]
fn madt_without_io_apic() {
    let t = madt_with(&[&[0, 8, 0, 0, 1, 0, 0, 0]]);
    let madt = Madt::parse(Sdt::parse(&t, None).unwrap()).unwrap();
    assert_eq!(madt.resolve_isa_irq(1, |_| 24), Err(RouteError::NoIoApic));
}

#[test]
fn x2apic_entries_online_capable_and_address_override() {
    let t = madt_with(&[
        // Local APIC 0 enabled; local APIC 1 online-capable only; local APIC 2 neither.
        &[0, 8, 0, 0, 1, 0, 0, 0],
        &[0, 8, 1, 1, 2, 0, 0, 0],
        &[0, 8, 2, 2, 0, 0, 0, 0],
        // x2APIC id 300, uid 7, enabled.
        &[9, 16, 0, 0, 0x2C, 1, 0, 0, 1, 0, 0, 0, 7, 0, 0, 0],
        // x2APIC NMI on LINT1 for all, active high edge.
        &[0xA, 12, 5, 0, 0xFF, 0xFF, 0xFF, 0xFF, 1, 0, 0, 0],
        // NMI source: GSI 22, level active low.
        &[3, 8, 0x0F, 0, 22, 0, 0, 0],
        // Local APIC address override to 0x1_FEE0_0000.
        &[5, 12, 0, 0, 0, 0, 0xE0, 0xFE, 1, 0, 0, 0],
        // An entry type this code does not read, longer than 2 bytes.
        &[0x7F, 4, 0xAA, 0xBB],
    ]);
    let madt = Madt::parse(Sdt::parse(&t, None).unwrap()).unwrap();
    let cpus: Vec<_> = madt
        .processors()
        .map(|p| (p.apic_id, p.usable(), p.x2apic))
        .collect();
    assert_eq!(
        cpus,
        [
            (0, true, false),
            (1, true, false),
            (2, false, false),
            (300, true, true)
        ]
    );
    assert_eq!(madt.local_apic_address(), 0x1_FEE0_0000);
    assert_eq!(madt.local_apic_address32, 0xFEE0_0000);
    use crate::acpi::MadtEntry;
    let rest: Vec<_> = madt.entries().skip(4).collect();
    assert!(matches!(
        rest[0],
        MadtEntry::LocalX2ApicNmi {
            processor_uid: 0xFFFF_FFFF,
            lint: 1,
            ..
        }
    ));
    let MadtEntry::NmiSource { gsi: 22, flags } = rest[1] else {
        panic!("{:?}", rest[1])
    };
    assert_eq!(flags.trigger(), crate::acpi::madt::TriggerMode::Level);
    assert_eq!(
        rest[3],
        MadtEntry::Other {
            kind: 0x7F,
            length: 4
        }
    );
}

#[test]
fn fadt_short_revisions_read_only_what_is_there() {
    let q35 = Fixture::load("q35-seabios").table("FACP");
    let full = Fadt::parse(Sdt::parse(&q35, None).unwrap()).unwrap();
    for len in 36..q35.len() {
        let cut = with_length(&q35, len);
        let result = Fadt::parse(Sdt::parse(&cut, None).unwrap());
        if len < 116 {
            assert!(matches!(result, Err(AcpiError::BadLength { .. })), "{len}");
            continue;
        }
        let fadt = result.unwrap();
        assert_eq!(fadt.sci_interrupt, 9);
        // The reset register (116..129) only once it is whole.
        assert_eq!(fadt.reset.is_some(), len >= 129, "{len}");
        // X_DSDT (140..148) is the same address as DSDT; present or not, the answer holds.
        assert_eq!(fadt.dsdt_address, full.dsdt_address, "{len}");
        // X_PM_TMR_BLK (208..220), else the legacy 4-byte port: the same register either way.
        let timer = fadt.pm_timer.unwrap().block;
        assert_eq!((timer.address, timer.bit_width), (0x608, 32), "{len}");
        // X_PM1A_CNT_BLK (172..184), else PM1a_CNT_BLK with PM1_CNT_LEN.
        assert_eq!(fadt.pm1a_control, full.pm1a_control, "{len}");
    }
    // A zero X_DSDT falls back to DSDT; a non-zero one wins.
    let mut t = q35.clone();
    t[140..148].copy_from_slice(&0x1234_5678_9000u64.to_le_bytes());
    fix_checksum(&mut t);
    let fadt = Fadt::parse(Sdt::parse(&t, None).unwrap()).unwrap();
    assert_eq!(fadt.dsdt_address, Some(0x1234_5678_9000));
    t[140..148].fill(0);
    fix_checksum(&mut t);
    let fadt = Fadt::parse(Sdt::parse(&t, None).unwrap()).unwrap();
    assert_eq!(fadt.dsdt_address, full.dsdt_address);
    // Revision 0 is unknown.
    let mut t = q35.clone();
    t[8] = 0;
    fix_checksum(&mut t);
    assert_eq!(
        Fadt::parse(Sdt::parse(&t, None).unwrap()),
        Err(AcpiError::UnknownRevision {
            what: "FADT",
            revision: 0
        })
    );
    // Reset register present but the flag clear: not offered.
    let mut t = q35.clone();
    t[113] &= !(1 << 2); // bit 10 of the flags
    fix_checksum(&mut t);
    assert_eq!(
        Fadt::parse(Sdt::parse(&t, None).unwrap()).unwrap().reset,
        None
    );
}

#[test]
fn hpet_cut_and_bad_base() {
    let good = Fixture::load("pc-ovmf").table("HPET");
    for len in 36..good.len() {
        let cut = with_length(&good, len);
        assert!(matches!(
            Hpet::parse(Sdt::parse(&cut, None).unwrap()),
            Err(AcpiError::BadLength { .. })
        ));
    }
    // Base in I/O space, or zero.
    for (offset, value) in [(40, 1u8), (47, 0)] {
        let mut t = good.clone();
        t[offset] = value;
        if offset == 47 {
            t[44..52].fill(0);
        }
        fix_checksum(&mut t);
        let e = Hpet::parse(Sdt::parse(&t, None).unwrap()).unwrap_err();
        assert!(
            matches!(
                e,
                AcpiError::BadField {
                    field: "BASE_ADDRESS",
                    ..
                }
            ),
            "{e}"
        );
    }
}

#[test]
fn s5_from_an_ssdt_when_the_dsdt_has_none() {
    let f = Fixture::load("pc-seabios");
    let mut memory = f.memory();
    let rsdp = Rsdp::parse(&f.table("RSDP")).unwrap();
    // Rename the DSDT's _S5_ to _S6_.
    let dsdt = memory.region_mut(f.address("DSDT"));
    let at = dsdt.windows(4).position(|w| w == b"_S5_").unwrap();
    dsdt[at + 2] = b'6';
    fix_checksum(dsdt);
    let tables = AcpiTables::new(&memory, rsdp).unwrap();
    assert_eq!(tables.s5(), Err(AcpiError::NoS5));

    // An SSDT declaring \_S5 = { 5, 5 } (as many real boards do), listed by the RSDT.
    let mut ssdt = f.table("WAET")[..36].to_vec();
    ssdt[..4].copy_from_slice(b"SSDT");
    ssdt.extend_from_slice(&[0x08, b'\\', b'_', b'S', b'5', b'_', 0x12, 0x06, 0x02]);
    ssdt.extend_from_slice(&[0x0A, 0x05, 0x0A, 0x05]);
    let len = ssdt.len();
    memory.add(0x10_0000, with_length(&ssdt, len));
    let rsdt = memory.region_mut(rsdp.rsdt_address.into());
    rsdt.extend_from_slice(&0x10_0000u32.to_le_bytes());
    let len = rsdt.len();
    *rsdt = with_length(rsdt, len);
    let tables = AcpiTables::new(&memory, rsdp).unwrap();
    assert_eq!(tables.find_all(Signature::SSDT).count(), 1);
    assert_eq!(
        tables.s5(),
        Ok(crate::acpi::SleepType { typ_a: 5, typ_b: 5 })
    );

    // A DSDT that fails to verify is reported as such when no SSDT helps.
    let mut memory = f.memory();
    memory.region_mut(f.address("DSDT"))[100] ^= 1;
    let tables = AcpiTables::new(&memory, rsdp).unwrap();
    assert!(matches!(
        tables.s5(),
        Err(AcpiError::BadTableChecksum { .. })
    ));
}
