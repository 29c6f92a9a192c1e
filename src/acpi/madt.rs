//! The Multiple APIC Description Table (ACPI 6.5 §5.2.12): processors, I/O APICs, interrupt
//! source overrides and NMI wiring, and the routing of ISA IRQs to global system interrupts.

use core::fmt;

use super::bytes::{u8_at, u16_at, u32_at, u64_at};
use super::error::{AcpiError, Signature};
use super::sdt::{HEADER_LEN, Sdt};

/// Offset of the first interrupt controller structure (ACPI 6.5 Table 5.19).
const ENTRIES_OFFSET: usize = HEADER_LEN + 8;

/// MADT flag: the system also has a PC-AT-compatible 8259 pair, to be masked when the APICs
/// take over (ACPI 6.5 Table 5.20).
pub const PCAT_COMPAT: u32 = 1 << 0;

/// Local APIC flags (ACPI 6.5 Table 5.23): the processor is usable now; or, if not enabled,
/// it can be brought online later.
pub const LAPIC_ENABLED: u32 = 1 << 0;
pub const LAPIC_ONLINE_CAPABLE: u32 = 1 << 1;

/// Polarity of an interrupt input, from the MPS INTI flags (ACPI 6.5 Table 5.26, bits 1:0).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Polarity {
    /// "Conforms to the specifications of the bus": active high for ISA.
    Conforms,
    ActiveHigh,
    Reserved,
    ActiveLow,
}

/// Trigger mode of an interrupt input (ACPI 6.5 Table 5.26, bits 3:2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TriggerMode {
    /// Conforms to the bus: edge for ISA.
    Conforms,
    Edge,
    Reserved,
    Level,
}

/// The MPS INTI flags word of overrides and NMI entries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IntiFlags(pub u16);

impl IntiFlags {
    pub fn polarity(self) -> Polarity {
        match self.0 & 0b11 {
            0b00 => Polarity::Conforms,
            0b01 => Polarity::ActiveHigh,
            0b10 => Polarity::Reserved,
            _ => Polarity::ActiveLow,
        }
    }

    pub fn trigger(self) -> TriggerMode {
        match (self.0 >> 2) & 0b11 {
            0b00 => TriggerMode::Conforms,
            0b01 => TriggerMode::Edge,
            0b10 => TriggerMode::Reserved,
            _ => TriggerMode::Level,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IoApic {
    pub id: u8,
    /// Physical address of its register window.
    pub address: u32,
    /// The first global system interrupt its inputs serve.
    pub gsi_base: u32,
}

/// One interrupt controller structure (ACPI 6.5 Table 5.21). Types this code does not read
/// are kept as `Other`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MadtEntry {
    /// Type 0 (§5.2.12.2).
    LocalApic {
        processor_uid: u8,
        apic_id: u8,
        flags: u32,
    },
    /// Type 1 (§5.2.12.3).
    IoApic(IoApic),
    /// Type 2 (§5.2.12.5): ISA (bus 0) IRQ `source` arrives on `gsi`.
    InterruptOverride {
        bus: u8,
        source: u8,
        gsi: u32,
        flags: IntiFlags,
    },
    /// Type 3 (§5.2.12.6): a GSI wired as a non-maskable interrupt.
    NmiSource {
        flags: IntiFlags,
        gsi: u32,
    },
    /// Type 4 (§5.2.12.7): the LINT pin of a processor's local APIC (UID 0xFF: all) that
    /// carries NMI.
    LocalApicNmi {
        processor_uid: u8,
        flags: IntiFlags,
        lint: u8,
    },
    /// Type 5 (§5.2.12.8): the 64-bit local APIC address that replaces the header's.
    LocalApicAddressOverride {
        address: u64,
    },
    /// Type 9 (§5.2.12.12).
    LocalX2Apic {
        x2apic_id: u32,
        flags: u32,
        processor_uid: u32,
    },
    /// Type 0xA (§5.2.12.13): like type 4 for x2APIC processors (UID 0xFFFF_FFFF: all).
    LocalX2ApicNmi {
        flags: IntiFlags,
        processor_uid: u32,
        lint: u8,
    },
    Other {
        kind: u8,
        length: u8,
    },
}

/// The shortest valid length of each entry type this code reads; longer entries (a later
/// revision may append fields) are accepted.
fn min_length(kind: u8) -> u8 {
    match kind {
        0 => 8,
        1 => 12,
        2 => 10,
        3 => 8,
        4 => 6,
        5 => 12,
        9 => 16,
        0xA => 12,
        _ => 2,
    }
}

/// Decodes one entry; `e` holds exactly its `length` bytes, at least `min_length`.
fn decode(kind: u8, e: &[u8]) -> Option<MadtEntry> {
    let flags = |offset| u16_at(e, offset).map(IntiFlags);
    Some(match kind {
        0 => MadtEntry::LocalApic {
            processor_uid: u8_at(e, 2)?,
            apic_id: u8_at(e, 3)?,
            flags: u32_at(e, 4)?,
        },
        1 => MadtEntry::IoApic(IoApic {
            id: u8_at(e, 2)?,
            address: u32_at(e, 4)?,
            gsi_base: u32_at(e, 8)?,
        }),
        2 => MadtEntry::InterruptOverride {
            bus: u8_at(e, 2)?,
            source: u8_at(e, 3)?,
            gsi: u32_at(e, 4)?,
            flags: flags(8)?,
        },
        3 => MadtEntry::NmiSource {
            flags: flags(2)?,
            gsi: u32_at(e, 4)?,
        },
        4 => MadtEntry::LocalApicNmi {
            processor_uid: u8_at(e, 2)?,
            flags: flags(3)?,
            lint: u8_at(e, 5)?,
        },
        5 => MadtEntry::LocalApicAddressOverride {
            address: u64_at(e, 4)?,
        },
        9 => MadtEntry::LocalX2Apic {
            x2apic_id: u32_at(e, 4)?,
            flags: u32_at(e, 8)?,
            processor_uid: u32_at(e, 12)?,
        },
        0xA => MadtEntry::LocalX2ApicNmi {
            flags: flags(2)?,
            processor_uid: u32_at(e, 4)?,
            lint: u8_at(e, 8)?,
        },
        _ => MadtEntry::Other {
            kind,
            length: u8_at(e, 1)?,
        },
    })
}

/// A processor named by a local APIC or local x2APIC entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Processor {
    pub processor_uid: u32,
    pub apic_id: u32,
    pub enabled: bool,
    pub online_capable: bool,
    /// Named by a local x2APIC entry (its APIC id may exceed 254).
    pub x2apic: bool,
}

impl Processor {
    /// Enabled now, or can be brought online (ACPI 6.5 Table 5.23). Others must not be
    /// started.
    pub fn usable(&self) -> bool {
        self.enabled || self.online_capable
    }
}

/// A verified MADT whose entries have all been checked to lie inside it.
#[derive(Clone, Copy, Debug)]
pub struct Madt<'a> {
    sdt: Sdt<'a>,
    /// The 32-bit local APIC address of the header; see [`Madt::local_apic_address`].
    pub local_apic_address32: u32,
    pub flags: u32,
}

impl<'a> Madt<'a> {
    pub fn parse(sdt: Sdt<'a>) -> Result<Self, AcpiError> {
        let signature = sdt.signature();
        if signature != Signature::MADT {
            return Err(AcpiError::BadSignature {
                expected: Signature::MADT,
                found: signature,
            });
        }
        let bytes = sdt.bytes;
        let (Some(address), Some(flags)) = (u32_at(bytes, HEADER_LEN), u32_at(bytes, 40)) else {
            return Err(AcpiError::BadLength {
                signature,
                length: sdt.header.length,
                reason: "shorter than the 44 bytes before the first entry",
            });
        };
        // Walk every entry once, so that iterating later cannot meet a malformed one.
        let mut offset = ENTRIES_OFFSET;
        while offset < bytes.len() {
            let kind = u8_at(bytes, offset).unwrap_or(0);
            let length = u8_at(bytes, offset + 1).unwrap_or(0);
            let bad = AcpiError::BadEntry {
                signature,
                offset,
                kind,
                length,
            };
            if length < min_length(kind) || offset + usize::from(length) > bytes.len() {
                return Err(bad);
            }
            offset += usize::from(length);
        }
        Ok(Self {
            sdt,
            local_apic_address32: address,
            flags,
        })
    }

    pub fn sdt(&self) -> Sdt<'a> {
        self.sdt
    }

    pub fn entries(&self) -> Entries<'a> {
        Entries {
            bytes: self.sdt.bytes,
            offset: ENTRIES_OFFSET,
        }
    }

    /// The local APIC's physical address: the 64-bit override entry if there is one, else the
    /// header's 32-bit field (ACPI 6.5 §5.2.12.8).
    pub fn local_apic_address(&self) -> u64 {
        self.entries()
            .find_map(|e| match e {
                MadtEntry::LocalApicAddressOverride { address } => Some(address),
                _ => None,
            })
            .unwrap_or(self.local_apic_address32.into())
    }

    /// The machine also has the 8259 pair (ACPI 6.5 Table 5.20).
    pub fn pcat_compat(&self) -> bool {
        self.flags & PCAT_COMPAT != 0
    }

    pub fn processors(&self) -> impl Iterator<Item = Processor> + 'a {
        self.entries().filter_map(|e| match e {
            MadtEntry::LocalApic {
                processor_uid,
                apic_id,
                flags,
            } => Some(Processor {
                processor_uid: processor_uid.into(),
                apic_id: apic_id.into(),
                enabled: flags & LAPIC_ENABLED != 0,
                online_capable: flags & LAPIC_ONLINE_CAPABLE != 0,
                x2apic: false,
            }),
            MadtEntry::LocalX2Apic {
                x2apic_id,
                flags,
                processor_uid,
            } => Some(Processor {
                processor_uid,
                apic_id: x2apic_id,
                enabled: flags & LAPIC_ENABLED != 0,
                online_capable: flags & LAPIC_ONLINE_CAPABLE != 0,
                x2apic: true,
            }),
            _ => None,
        })
    }

    pub fn io_apics(&self) -> impl Iterator<Item = IoApic> + 'a {
        self.entries().filter_map(|e| match e {
            MadtEntry::IoApic(io_apic) => Some(io_apic),
            _ => None,
        })
    }

    /// Where ISA IRQ `irq` arrives: the GSI, polarity and trigger mode of its interrupt source
    /// override if the MADT has one for bus 0, else GSI = IRQ, edge-triggered, active high
    /// (ACPI 6.5 §5.2.12.5), and the I/O APIC input that serves that GSI.
    ///
    /// `inputs` gives the number of redirection entries of an I/O APIC (bits 23:16 of its
    /// version register, plus one), which only the hardware knows.
    pub fn resolve_isa_irq(
        &self,
        irq: u8,
        inputs: impl Fn(&IoApic) -> u32,
    ) -> Result<IsaRoute, RouteError> {
        let found = self.entries().find_map(|e| match e {
            MadtEntry::InterruptOverride {
                bus: 0,
                source,
                gsi,
                flags,
            } if source == irq => Some((gsi, flags)),
            _ => None,
        });
        let (gsi, flags, overridden) = match found {
            Some((gsi, flags)) => (gsi, flags, true),
            None => (u32::from(irq), IntiFlags(0), false),
        };
        let polarity = match flags.polarity() {
            Polarity::Conforms | Polarity::ActiveHigh => Polarity::ActiveHigh,
            Polarity::ActiveLow => Polarity::ActiveLow,
            Polarity::Reserved => return Err(RouteError::ReservedFlags { irq, flags }),
        };
        let trigger = match flags.trigger() {
            TriggerMode::Conforms | TriggerMode::Edge => TriggerMode::Edge,
            TriggerMode::Level => TriggerMode::Level,
            TriggerMode::Reserved => return Err(RouteError::ReservedFlags { irq, flags }),
        };
        let mut any = false;
        for io_apic in self.io_apics() {
            any = true;
            let pin = gsi.wrapping_sub(io_apic.gsi_base);
            if gsi >= io_apic.gsi_base && pin < inputs(&io_apic) {
                return Ok(IsaRoute {
                    irq,
                    gsi,
                    polarity,
                    trigger,
                    overridden,
                    io_apic,
                    pin,
                });
            }
        }
        if any {
            Err(RouteError::GsiNotServed {
                irq,
                gsi,
                overridden,
            })
        } else {
            Err(RouteError::NoIoApic)
        }
    }
}

/// The entries of a [`Madt`], in table order.
#[derive(Clone, Debug)]
pub struct Entries<'a> {
    bytes: &'a [u8],
    offset: usize,
}

impl Iterator for Entries<'_> {
    type Item = MadtEntry;

    fn next(&mut self) -> Option<MadtEntry> {
        let kind = u8_at(self.bytes, self.offset)?;
        let length = u8_at(self.bytes, self.offset + 1)?;
        if length < min_length(kind) {
            return None; // Ruled out by `Madt::parse`; stop rather than loop.
        }
        let e = self
            .bytes
            .get(self.offset..self.offset + usize::from(length))?;
        self.offset += usize::from(length);
        decode(kind, e)
    }
}

/// An ISA IRQ resolved to an I/O APIC input (polarity and trigger never `Conforms`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IsaRoute {
    pub irq: u8,
    pub gsi: u32,
    pub polarity: Polarity,
    pub trigger: TriggerMode,
    /// An interrupt source override said so (else the ISA defaults apply).
    pub overridden: bool,
    pub io_apic: IoApic,
    /// The redirection entry of `io_apic`: `gsi - io_apic.gsi_base`.
    pub pin: u32,
}

/// Why an ISA IRQ cannot be routed through an I/O APIC.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RouteError {
    NoIoApic,
    /// No I/O APIC serves the GSI (the override names one beyond every I/O APIC's inputs).
    GsiNotServed {
        irq: u8,
        gsi: u32,
        overridden: bool,
    },
    /// The override's polarity or trigger bits hold the reserved value 0b10.
    ReservedFlags {
        irq: u8,
        flags: IntiFlags,
    },
}

impl fmt::Display for RouteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::NoIoApic => write!(f, "the MADT names no I/O APIC"),
            Self::GsiNotServed {
                irq,
                gsi,
                overridden: true,
            } => {
                write!(
                    f,
                    "IRQ {irq} is overridden to GSI {gsi}, which no I/O APIC serves"
                )
            }
            Self::GsiNotServed {
                irq,
                gsi,
                overridden: false,
            } => {
                write!(f, "IRQ {irq} (GSI {gsi}) is served by no I/O APIC")
            }
            Self::ReservedFlags { irq, flags } => {
                write!(
                    f,
                    "IRQ {irq}'s override has reserved flags {:#06x}",
                    flags.0
                )
            }
        }
    }
}
