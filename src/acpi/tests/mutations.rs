//! Property-style: many seeded random mutations of the real tables go through every parser.
//! Whatever comes out, nothing may panic or read out of bounds (the host build checks every
//! slice access), and a mutated table that still verifies must still parse consistently.

use super::{Fixture, MACHINES, XorShift, fix_checksum};
use crate::acpi::rsdp::{self, Rsdp};
use crate::acpi::s5::find_s5_in;
use crate::acpi::{AcpiTables, Fadt, Hpet, Madt, Sdt};

const ROUNDS: usize = 3000;

/// Flips, overwrites or zeroes a few bytes, cuts the tail, or rewrites the length field; then
/// sometimes repairs the checksum so that the parsers behind the checksum are reached.
fn mutate(rng: &mut XorShift, good: &[u8]) -> std::vec::Vec<u8> {
    let mut t = good.to_vec();
    for _ in 0..1 + rng.below(4) {
        match rng.below(5) {
            0 if !t.is_empty() => {
                let i = rng.below(t.len());
                t[i] ^= 1 << rng.below(8);
            }
            1 if !t.is_empty() => {
                let i = rng.below(t.len());
                t[i] = rng.next() as u8;
            }
            2 => t.truncate(rng.below(t.len() + 1)),
            3 if t.len() >= 8 => {
                let len = match rng.below(3) {
                    0 => rng.below(t.len() + 16) as u32,
                    1 => rng.next() as u32,
                    _ => t.len() as u32 - rng.below(12).min(t.len()) as u32,
                };
                t[4..8].copy_from_slice(&len.to_le_bytes());
            }
            _ if t.len() > 44 => {
                // Hit the entry area of a MADT (or the fields of a FADT) specifically.
                let i = 36 + rng.below(t.len() - 36);
                t[i] = [0, 1, 2, 0xFF, 0x12, 0x08][rng.below(6)];
            }
            _ => {}
        }
    }
    if t.len() >= 10 && rng.below(2) == 0 {
        fix_checksum(&mut t);
    }
    t
}

fn exercise_table(bytes: &[u8]) {
    let Ok(sdt) = Sdt::parse(bytes, None) else {
        return;
    };
    assert!(sdt.bytes.len() >= 36 && sdt.bytes.len() <= bytes.len());
    if let Ok(madt) = Madt::parse(sdt) {
        let _ = madt.entries().count();
        let _ = madt.local_apic_address();
        for irq in 0..16 {
            let _ = madt.resolve_isa_irq(irq, |_| 24);
        }
    }
    if let Ok(fadt) = Fadt::parse(sdt) {
        assert!(fadt.length >= 116);
    }
    let _ = Hpet::parse(sdt);
    let _ = find_s5_in(sdt.body());
}

#[test]
fn random_mutations_of_every_table_never_panic() {
    let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
    for name in MACHINES {
        let f = Fixture::load(name);
        for table in ["RSDT", "FACP", "APIC", "HPET", "WAET"] {
            let good = f.table(table);
            for _ in 0..ROUNDS {
                exercise_table(&mutate(&mut rng, &good));
            }
        }
        // The AML scanner on mutated DSDT bodies (no checksum in the way).
        let dsdt = f.table("DSDT");
        for _ in 0..ROUNDS / 10 {
            let mut body = dsdt[36..].to_vec();
            let at = body.windows(4).position(|w| w == b"_S5_").unwrap();
            for _ in 0..1 + rng.below(3) {
                let i = at.saturating_sub(4) + rng.below(16);
                if i < body.len() {
                    body[i] = rng.next() as u8;
                }
            }
            body.truncate(at + rng.below(body.len() - at + 1));
            let _ = find_s5_in(&body);
        }
        let rsdp = f.table("RSDP");
        for _ in 0..ROUNDS {
            let mut r = rsdp.clone();
            let i = rng.below(r.len());
            r[i] = rng.next() as u8;
            r.truncate(rng.below(r.len() + 1).max(rng.below(r.len() + 1)));
            if let Ok(parsed) = Rsdp::parse(&r) {
                assert!(parsed.length <= r.len());
            }
            let _ = rsdp::scan(&[(0xE0000 + rng.below(32) as u64, &r[..])]);
        }
    }
}

#[test]
fn random_mutations_of_whole_memory_images_never_panic() {
    let mut rng = XorShift(0xD1B5_4A32_D192_ED03);
    for name in MACHINES {
        let f = Fixture::load(name);
        let rsdp = Rsdp::parse(&f.table("RSDP")).unwrap();
        for _ in 0..ROUNDS / 3 {
            let mut memory = f.memory();
            let region = rng.below(memory.regions.len());
            let bytes = memory.regions[region].1.clone();
            memory.regions[region].1 = mutate(&mut rng, &bytes);
            let Ok(tables) = AcpiTables::new(&memory, rsdp) else {
                continue;
            };
            let _ = tables.listing().count();
            if let Ok(madt) = tables.madt() {
                let _ = madt.processors().count();
                let _ = madt.resolve_isa_irq(0, |_| 24);
            }
            let _ = tables.fadt();
            let _ = tables.hpet();
            let _ = tables.s5();
        }
    }
}
