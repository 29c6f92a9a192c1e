//! The HPET description table (IA-PC HPET specification 1.0a §3.2.4; its signature is
//! reserved by ACPI 6.5 Table 5.6).

use super::bytes::{u8_at, u16_at, u32_at};
use super::error::{AcpiError, Signature};
use super::gas::{AddressSpace, GenericAddress};
use super::sdt::{HEADER_LEN, Sdt};

pub const LEN: usize = 56;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Hpet {
    /// The Event Timer Block ID, a copy of the low half of the capabilities register.
    pub block_id: u32,
    /// The register block, in system memory.
    pub base: GenericAddress,
    pub hpet_number: u8,
    /// The smallest main-counter tick periodic mode may be programmed with, in ticks.
    pub minimum_tick: u16,
    pub page_protection: u8,
}

impl Hpet {
    pub fn parse(sdt: Sdt<'_>) -> Result<Self, AcpiError> {
        let signature = sdt.signature();
        if signature != Signature::HPET {
            return Err(AcpiError::BadSignature {
                expected: Signature::HPET,
                found: signature,
            });
        }
        let t = sdt.bytes;
        let short = AcpiError::BadLength {
            signature,
            length: sdt.header.length,
            reason: "shorter than the 56-byte HPET table",
        };
        let hpet = (|| {
            Some(Self {
                block_id: u32_at(t, HEADER_LEN)?,
                base: GenericAddress::parse(t, 40)?,
                hpet_number: u8_at(t, 52)?,
                minimum_tick: u16_at(t, 53)?,
                page_protection: u8_at(t, 55)?,
            })
        })()
        .ok_or(short)?;
        // The register block is memory-mapped (HPET spec §3.2.4: "System Memory only").
        if hpet.base.space != AddressSpace::SystemMemory || hpet.base.address == 0 {
            return Err(AcpiError::BadField {
                signature,
                field: "BASE_ADDRESS",
                value: hpet.base.address,
            });
        }
        Ok(hpet)
    }

    /// Comparators (timers) in the first block: bits 12:8 hold the number of the last one.
    pub fn comparators(&self) -> u8 {
        ((self.block_id >> 8) & 0x1F) as u8 + 1
    }

    /// The main counter is 64 bits wide (bit 13).
    pub fn counter_64bit(&self) -> bool {
        self.block_id & (1 << 13) != 0
    }

    /// The HPET can take over the PIT's and RTC's IRQs 0 and 8 (bit 15).
    pub fn legacy_replacement(&self) -> bool {
        self.block_id & (1 << 15) != 0
    }

    pub fn pci_vendor_id(&self) -> u16 {
        (self.block_id >> 16) as u16
    }
}
