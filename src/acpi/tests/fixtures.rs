//! Facts about QEMU 7.2's tables (`-cpu max -smp 4 -m 512M`), checked through the parsers.

use std::vec::Vec;

use super::{Fixture, MACHINES, MemoryImage};
use crate::acpi::fadt::PmTimer;
use crate::acpi::madt::{IoApic, Polarity, Processor, TriggerMode};
use crate::acpi::rsdp::{self, Rsdp};
use crate::acpi::{
    AcpiTables, AddressSpace, Fadt, GenericAddress, Hpet, Madt, MadtEntry, RootKind, Sdt,
    Signature, SleepType,
};

fn tables<'m>(memory: &'m MemoryImage, fixture: &Fixture) -> AcpiTables<'m, MemoryImage> {
    let rsdp = Rsdp::parse(&fixture.table("RSDP")).unwrap();
    AcpiTables::new(memory, rsdp).unwrap()
}

#[test]
fn rsdp_revision_follows_the_firmware() {
    for name in MACHINES {
        let f = Fixture::load(name);
        let rsdp = Rsdp::parse(&f.table("RSDP")).unwrap();
        assert_eq!(&rsdp.oem_id, b"BOCHS ", "{name}");
        if f.is_ovmf() {
            // OVMF: ACPI 2.0 RSDP with an XSDT, which Linux used.
            assert_eq!((rsdp.revision, rsdp.length), (2, 36), "{name}");
            assert_eq!(rsdp.xsdt_address, Some(f.address("XSDT")), "{name}");
        } else {
            // SeaBIOS: ACPI 1.0 RSDP, RSDT only.
            assert_eq!(
                (rsdp.revision, rsdp.length, rsdp.xsdt_address),
                (0, 20, None),
                "{name}"
            );
            assert_eq!(u64::from(rsdp.rsdt_address), f.address("RSDT"), "{name}");
        }
    }
}

#[test]
fn bios_scan_finds_seabios_rsdp_in_the_f_segment() {
    for name in ["pc-seabios", "q35-seabios"] {
        let f = Fixture::load(name);
        let mut memory = MemoryImage::default();
        memory.add(0x400, f.file("bda-00400.bin"));
        memory.add(0x9FC00, f.file("ebda-9fc00.bin"));
        memory.add(0xE0000, f.file("bios-e0000.bin"));
        let (phys, found) = rsdp::find_in_bios(&memory).unwrap();
        assert_eq!(phys, f.address("RSDP"), "{name}");
        assert_eq!(found, Rsdp::parse(&f.table("RSDP")).unwrap(), "{name}");
        // The same through the slice interface, with the EBDA first as §5.2.5.1 orders.
        let (ebda, bios) = (f.file("ebda-9fc00.bin"), f.file("bios-e0000.bin"));
        let areas: [(u64, &[u8]); 2] = [(0x9FC00, &ebda), (0xE0000, &bios)];
        assert_eq!(rsdp::scan(&areas).unwrap().0, phys, "{name}");
        // Nothing in the EBDA alone.
        assert_eq!(rsdp::scan(&areas[..1]), Err(crate::acpi::AcpiError::NoRsdp));
    }
}

#[test]
fn xsdt_is_preferred_and_rsdt_lists_the_same_tables() {
    for name in MACHINES {
        let f = Fixture::load(name);
        let memory = f.memory();
        let t = tables(&memory, &f);
        let expected = if f.is_ovmf() {
            RootKind::Xsdt
        } else {
            RootKind::Rsdt
        };
        assert_eq!(t.root_kind(), expected, "{name}");
        assert_eq!(t.xsdt_error, None);
        let rsdt = AcpiTables::with_root(&memory, t.rsdp, RootKind::Rsdt).unwrap();
        assert_eq!(
            rsdt.addresses().collect::<Vec<_>>(),
            t.addresses().collect::<Vec<_>>()
        );
        if f.is_ovmf() {
            let xsdt = AcpiTables::with_root(&memory, t.rsdp, RootKind::Xsdt).unwrap();
            assert_eq!(xsdt.root().0, f.address("XSDT"));
            // Every fact below holds through the RSDT too.
            assert_eq!(rsdt.madt().unwrap().io_apics().count(), 1);
            assert_eq!(rsdt.fadt().unwrap(), xsdt.fadt().unwrap());
            assert_eq!(rsdt.hpet().unwrap(), xsdt.hpet().unwrap());
            assert_eq!(rsdt.s5().unwrap(), xsdt.s5().unwrap());
        } else {
            assert!(AcpiTables::with_root(&memory, t.rsdp, RootKind::Xsdt).is_err());
        }
    }
}

#[test]
fn listing_matches_what_linux_logged() {
    for name in MACHINES {
        let f = Fixture::load(name);
        let memory = f.memory();
        let t = tables(&memory, &f);
        let listed: Vec<(std::string::String, u64, usize)> = t
            .listing()
            .map(|info| {
                assert_eq!(info.check, Ok(()), "{name}");
                let header = info.header.unwrap();
                // QEMU builds every table but OVMF's boot graphics table.
                let oem: &[u8; 6] = if header.signature.0 == *b"BGRT" {
                    b"INTEL "
                } else {
                    b"BOCHS "
                };
                assert_eq!(&header.oem_id, oem, "{name}");
                (
                    std::format!("{}", header.signature),
                    info.phys,
                    header.length as usize,
                )
            })
            .collect();
        // Linux logs the root entries in order, but the DSDT right after the FADT; the
        // listing puts the DSDT last.
        let mut logged: Vec<_> = f
            .index
            .iter()
            .filter(|(s, ..)| !["RSDP", "RSDT", "XSDT", "DSDT"].contains(&s.as_str()))
            .cloned()
            .collect();
        logged.push(f.index.iter().find(|(s, ..)| s == "DSDT").unwrap().clone());
        assert_eq!(listed, logged, "{name}");
        let signatures: Vec<_> = listed.iter().map(|(s, ..)| s.as_str()).collect();
        let want: &[&str] = match name {
            "pc-seabios" => &["FACP", "APIC", "HPET", "WAET", "DSDT"],
            "q35-seabios" => &["FACP", "APIC", "HPET", "MCFG", "WAET", "DSDT"],
            "pc-ovmf" => &["FACP", "APIC", "HPET", "WAET", "BGRT", "DSDT"],
            _ => &["FACP", "APIC", "HPET", "MCFG", "WAET", "BGRT", "DSDT"],
        };
        assert_eq!(signatures, want, "{name}");
    }
    let f = Fixture::load("pc-seabios");
    let memory = f.memory();
    let first = tables(&memory, &f).listing().next().unwrap();
    assert_eq!(
        std::format!("{first}"),
        "FACP  0x000000001ffe1a8b      116  BOCHS   ok"
    );
}

#[test]
fn madt_names_four_cpus_one_io_apic_and_the_timer_override() {
    for name in MACHINES {
        let f = Fixture::load(name);
        let memory = f.memory();
        let t = tables(&memory, &f);
        let madt: Madt<'_> = t.madt().unwrap();
        assert_eq!(madt.local_apic_address(), 0xFEE0_0000, "{name}");
        assert!(madt.pcat_compat(), "{name}");
        let cpus: Vec<Processor> = madt.processors().collect();
        assert_eq!(cpus.len(), 4, "{name}");
        for (i, cpu) in cpus.iter().enumerate() {
            assert_eq!(
                (cpu.processor_uid, cpu.apic_id),
                (i as u32, i as u32),
                "{name}"
            );
            assert!(cpu.enabled && cpu.usable() && !cpu.x2apic, "{name}");
        }
        let io_apics: Vec<IoApic> = madt.io_apics().collect();
        assert_eq!(
            io_apics,
            [IoApic {
                id: 0,
                address: 0xFEC0_0000,
                gsi_base: 0
            }],
            "{name}"
        );

        // The PIT's IRQ 0 arrives on GSI 2, edge-triggered, active high ("conforms").
        let irq0 = madt.resolve_isa_irq(0, |_| 24).unwrap();
        assert_eq!(
            (irq0.gsi, irq0.pin, irq0.overridden),
            (2, 2, true),
            "{name}"
        );
        assert_eq!(
            (irq0.polarity, irq0.trigger),
            (Polarity::ActiveHigh, TriggerMode::Edge)
        );
        // Keyboard and COM1: no override, ISA defaults.
        for irq in [1, 4] {
            let r = madt.resolve_isa_irq(irq, |_| 24).unwrap();
            assert_eq!((r.gsi, r.overridden), (irq.into(), false), "{name}");
            assert_eq!(
                (r.polarity, r.trigger),
                (Polarity::ActiveHigh, TriggerMode::Edge)
            );
        }
        // The PCI link interrupts and the SCI (IRQ 9): level, active high.
        for irq in [5, 9, 10, 11] {
            let r = madt.resolve_isa_irq(irq, |_| 24).unwrap();
            assert_eq!((r.gsi, r.overridden), (irq.into(), true), "{name}");
            assert_eq!(
                (r.polarity, r.trigger),
                (Polarity::ActiveHigh, TriggerMode::Level)
            );
        }
        // LINT1 of every processor carries NMI.
        let nmis: Vec<MadtEntry> = madt
            .entries()
            .filter(|e| matches!(e, MadtEntry::LocalApicNmi { .. }))
            .collect();
        assert_eq!(nmis.len(), 1, "{name}");
        let MadtEntry::LocalApicNmi {
            processor_uid: 0xFF,
            lint: 1,
            flags,
        } = nmis[0]
        else {
            panic!("{name}: {:?}", nmis[0]);
        };
        assert_eq!(flags.polarity(), Polarity::Conforms);
        assert_eq!(madt.entries().count(), 4 + 1 + 5 + 1, "{name}");
    }
}

#[test]
fn fadt_pm_timer_pm1_sci_and_reset() {
    for name in MACHINES {
        let f = Fixture::load(name);
        let memory = f.memory();
        let t = tables(&memory, &f);
        let fadt: Fadt = t.fadt().unwrap();
        let q35 = name.starts_with("q35");
        assert_eq!(fadt.revision, if q35 { 3 } else { 1 }, "{name}");
        assert_eq!(fadt.length, if q35 { 244 } else { 116 }, "{name}");
        // The PM register block: ICH9's at 0x600; PIIX4's where the firmware put it, 0x600
        // under SeaBIOS and 0xB000 under OVMF. A 24-bit timer.
        let pm_base = if name == "pc-ovmf" { 0xB000 } else { 0x600 };
        let timer = fadt.pm_timer.unwrap();
        assert_eq!(
            (timer.block.space, timer.block.address),
            (AddressSpace::SystemIo, pm_base + 8)
        );
        assert!(!timer.extended, "{name}");
        if q35 {
            // From X_PM_TMR_BLK: 32 bits wide.
            assert_eq!(
                timer,
                PmTimer {
                    block: io(0x608, 32, 0),
                    extended: false
                }
            );
        }
        let pm1a = fadt.pm1a_control.unwrap();
        assert_eq!(
            (pm1a.space, pm1a.address, pm1a.bit_width),
            (AddressSpace::SystemIo, pm_base + 4, 16)
        );
        assert_eq!(fadt.pm1b_control, None, "{name}");
        assert_eq!(fadt.pm1a_event.unwrap().address, pm_base, "{name}");
        assert_eq!(fadt.sci_interrupt, 9, "{name}");
        assert_eq!(fadt.smi_command, 0xB2, "{name}");
        assert_eq!(fadt.acpi_enable, if q35 { 0x02 } else { 0xF1 }, "{name}");
        assert!(
            fadt.needs_acpi_enable() && !fadt.hardware_reduced(),
            "{name}"
        );
        assert_eq!(fadt.dsdt_address, Some(f.address("DSDT")), "{name}");
        assert_eq!(t.dsdt().unwrap().bytes.len(), f.table("DSDT").len());
        if q35 {
            // ICH9's reset control register, port 0xCF9, value 0x0F.
            assert!(fadt.reset_supported());
            let reset = fadt.reset.unwrap();
            assert_eq!(reset.register, io(0xCF9, 8, 0));
            assert_eq!(reset.value, 0x0F);
            // An 8042, no other legacy devices declared.
            assert_eq!(
                fadt.iapc_boot_arch,
                Some(crate::acpi::fadt::boot_arch::PS2_8042)
            );
        } else {
            // A revision 1 FADT ends before the reset register.
            assert!(!fadt.reset_supported() && fadt.reset.is_none());
            assert_eq!(fadt.iapc_boot_arch, None);
        }
    }
}

fn io(port: u64, bit_width: u8, access_size: u8) -> GenericAddress {
    GenericAddress {
        space: AddressSpace::SystemIo,
        bit_width,
        bit_offset: 0,
        access_size,
        address: port,
    }
}

#[test]
fn hpet_base_and_comparators() {
    for name in MACHINES {
        let f = Fixture::load(name);
        let memory = f.memory();
        let hpet: Hpet = tables(&memory, &f).hpet().unwrap();
        assert_eq!(hpet.base.space, AddressSpace::SystemMemory, "{name}");
        assert_eq!(hpet.base.address, 0xFED0_0000, "{name}");
        assert_eq!(hpet.comparators(), 3, "{name}");
        assert_eq!(hpet.minimum_tick, 0, "{name}");
        assert_eq!(hpet.pci_vendor_id(), 0x8086, "{name}");
        assert!(hpet.counter_64bit() && hpet.legacy_replacement(), "{name}");
    }
}

#[test]
fn s5_is_zero_zero_in_qemus_dsdt() {
    // QEMU's PIIX4 and ICH9 PM treat SLP_TYP 0 as soft-off: `Name (_S5, Package (4) { 0, 0,
    // 0, 0 })`, all ZeroOp.
    for name in MACHINES {
        let f = Fixture::load(name);
        let memory = f.memory();
        let t = tables(&memory, &f);
        assert_eq!(t.s5(), Ok(SleepType { typ_a: 0, typ_b: 0 }), "{name}");
        let dsdt = f.table("DSDT");
        let sdt = Sdt::parse(&dsdt, Some(Signature::DSDT)).unwrap();
        let at = dsdt.windows(4).position(|w| w == b"_S5_").unwrap();
        assert_eq!(dsdt[at - 1], 0x08, "{name}: NameOp");
        assert_eq!(&dsdt[at + 4..at + 7], &[0x12, 0x06, 0x04], "{name}");
        assert_eq!(
            crate::acpi::s5::find_s5([sdt]),
            Ok(SleepType { typ_a: 0, typ_b: 0 })
        );
    }
}
