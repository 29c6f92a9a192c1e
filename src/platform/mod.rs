//! The machine as its firmware describes it: the ACPI tables, found once at boot and kept for
//! the interrupt controllers, the timers, power-off and the `acpi`/`cpus` shell commands.
//!
//! [`discover`] takes the RSDP from the boot information (the Multiboot2 ACPI 2.0 tag, else
//! the 1.0 one), else scans the BIOS areas; maps the tables through the device windows
//! ([`firmware_memory`]); and logs what it found. Every table that fails to verify is logged
//! with a warning and left out, so a broken or missing table only costs the feature it would
//! have enabled: with no MADT the kernel keeps the 8259 PIC, with no FADT `shutdown` halts.

pub mod firmware_memory;
pub mod interrupt_bench;
pub mod interrupts;
pub mod power;

use crate::acpi::{self, AcpiError, AcpiTables, Fadt, Hpet, Madt, SleepType};
use crate::boot::BootInfo;
use crate::boot::info::{Firmware, RsdpSource};
use core::fmt::Write;
use firmware_memory::FirmwareMemory;
use spin::Once;

static FIRMWARE_MEMORY: FirmwareMemory = FirmwareMemory::new();
static PLATFORM: Once<Option<Platform>> = Once::new();

/// Where the RSDP came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RsdpOrigin {
    Multiboot2Acpi2,
    Multiboot2Acpi1,
    BiosScan,
}

impl RsdpOrigin {
    pub fn describe(self) -> &'static str {
        match self {
            Self::Multiboot2Acpi2 => "Multiboot2 ACPI 2.0 tag",
            Self::Multiboot2Acpi1 => "Multiboot2 ACPI 1.0 tag",
            Self::BiosScan => "BIOS scan",
        }
    }
}

/// The tables found, and the ones the kernel uses, parsed (each `None` if absent or broken).
pub struct Platform {
    pub rsdp_origin: RsdpOrigin,
    /// Physical address of the RSDP (for a Multiboot2 tag: of the boot loader's copy).
    pub rsdp_phys: u64,
    pub tables: AcpiTables<'static, FirmwareMemory>,
    pub madt: Option<Madt<'static>>,
    pub fadt: Option<Fadt>,
    pub hpet: Option<Hpet>,
    pub s5: Option<SleepType>,
}

/// What [`discover`] found, once it has run; `None` without usable ACPI tables.
pub fn get() -> Option<&'static Platform> {
    PLATFORM.get().and_then(Option::as_ref)
}

/// Finds and logs the ACPI tables. Needs memory (device windows). Runs once; later calls
/// return the first answer.
pub fn discover(boot: &BootInfo) -> Option<&'static Platform> {
    PLATFORM.call_once(|| find(boot)).as_ref()
}

fn find(boot: &BootInfo) -> Option<Platform> {
    let from_boot = boot.rsdp.and_then(|copy| {
        let origin = match copy.source {
            RsdpSource::Acpi2 => RsdpOrigin::Multiboot2Acpi2,
            RsdpSource::Acpi1 => RsdpOrigin::Multiboot2Acpi1,
        };
        match acpi::Rsdp::parse(copy.bytes()) {
            Ok(rsdp) => Some((origin, copy.phys_addr, rsdp)),
            Err(e) => {
                log::warn!(
                    "acpi: the boot loader's RSDP is unusable ({e}); scanning the BIOS areas"
                );
                None
            }
        }
    });
    // UEFI firmware has no BIOS areas to scan (and GRUB passes its RSDP there).
    let found = from_boot.or_else(|| match boot.firmware {
        Firmware::Uefi => None,
        Firmware::Bios => acpi::rsdp::find_in_bios(&FIRMWARE_MEMORY)
            .map(|(phys, rsdp)| (RsdpOrigin::BiosScan, phys, rsdp))
            .ok(),
    });
    let Some((rsdp_origin, rsdp_phys, rsdp)) = found else {
        log::info!("acpi: no RSDP (no ACPI tables): legacy PC devices only");
        return None;
    };
    let tables = match AcpiTables::new(&FIRMWARE_MEMORY, rsdp) {
        Ok(tables) => tables,
        Err(e) => {
            log::warn!(
                "acpi: RSDP at {rsdp_phys:#x} leads to no usable root table ({e}); ACPI ignored"
            );
            return None;
        }
    };
    if let Some(e) = tables.xsdt_error {
        log::warn!("acpi: XSDT unusable ({e}); using the RSDT");
    }
    let (root_phys, root) = tables.root();
    log::info!(
        "acpi: RSDP at {rsdp_phys:#x} ({}), revision {}, {} at {root_phys:#x}, OEM {}",
        rsdp_origin.describe(),
        rsdp.revision,
        root.signature(),
        Oem(&rsdp.oem_id)
    );
    for info in tables.listing() {
        match info.check {
            Ok(()) => log::debug!("acpi: {info}"),
            Err(e) => log::warn!("acpi: table at {:#x} ignored: {e}", info.phys),
        }
    }
    let platform = Platform {
        rsdp_origin,
        rsdp_phys,
        madt: optional("MADT", tables.madt()),
        fadt: optional("FADT", tables.fadt()),
        hpet: optional("HPET", tables.hpet()),
        s5: optional("\\_S5", tables.s5()),
        tables,
    };
    platform.log_summary();
    Some(platform)
}

/// A table the kernel can do without: absent is fine, broken is worth a warning.
fn optional<T>(what: &str, table: Result<T, AcpiError>) -> Option<T> {
    match table {
        Ok(t) => Some(t),
        Err(AcpiError::TableNotFound(_)) | Err(AcpiError::NoS5) => {
            log::debug!("acpi: no {what}");
            None
        }
        Err(e) => {
            log::warn!("acpi: {what} ignored: {e}");
            None
        }
    }
}

impl Platform {
    fn log_summary(&self) {
        let mut names = alloc::string::String::new();
        for info in self.tables.listing() {
            if let Some(h) = info.header {
                let sep = if names.is_empty() { "" } else { " " };
                let _ = write!(names, "{sep}{}", Oem(&h.signature.0));
            }
        }
        log::info!("acpi: tables {names}");
        if let Some(madt) = &self.madt {
            let cpus = madt.processors().filter(|p| p.usable()).count();
            let io_apics = madt.io_apics().count();
            log::info!(
                "acpi: MADT: {cpus} processor(s), {io_apics} I/O APIC(s), local APIC at {:#x}{}",
                madt.local_apic_address(),
                if madt.pcat_compat() {
                    ", 8259 pair present"
                } else {
                    ""
                }
            );
        }
        if let Some(hpet) = &self.hpet {
            log::debug!("acpi: HPET at {:#x}", hpet.base.address);
        }
    }
}

/// An OEM id, with unprintable bytes as spaces.
pub struct Oem<'a>(pub &'a [u8]);

impl core::fmt::Display for Oem<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        for &b in self.0 {
            let c = if b.is_ascii_graphic() { b as char } else { ' ' };
            write!(f, "{c}")?;
        }
        Ok(())
    }
}
