//! The Generic Address Structure (ACPI 6.5 §5.2.3.2): where a register lives, in which
//! address space, and how wide it is.

use super::bytes::{self, u8_at, u64_at};

pub const GAS_LEN: usize = 12;

/// Address space ids (ACPI 6.5 Table 5.1). Kestrel will drive only `SystemMemory` and
/// `SystemIo` registers; the others are named so that a log line can say what was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AddressSpace {
    SystemMemory,
    SystemIo,
    PciConfig,
    EmbeddedController,
    SmBus,
    SystemCmos,
    PciBarTarget,
    Ipmi,
    GeneralPurposeIo,
    GenericSerialBus,
    PlatformCommunicationsChannel,
    PlatformRuntimeMechanism,
    FunctionalFixedHardware,
    Other(u8),
}

impl AddressSpace {
    pub fn from_id(id: u8) -> Self {
        match id {
            0 => Self::SystemMemory,
            1 => Self::SystemIo,
            2 => Self::PciConfig,
            3 => Self::EmbeddedController,
            4 => Self::SmBus,
            5 => Self::SystemCmos,
            6 => Self::PciBarTarget,
            7 => Self::Ipmi,
            8 => Self::GeneralPurposeIo,
            9 => Self::GenericSerialBus,
            0x0A => Self::PlatformCommunicationsChannel,
            0x0B => Self::PlatformRuntimeMechanism,
            0x7F => Self::FunctionalFixedHardware,
            other => Self::Other(other),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GenericAddress {
    pub space: AddressSpace,
    pub bit_width: u8,
    pub bit_offset: u8,
    /// 0 undefined (legacy), 1 byte, 2 word, 3 dword, 4 qword access.
    pub access_size: u8,
    pub address: u64,
}

impl GenericAddress {
    /// Reads a GAS at `offset`; `None` if it does not fit inside `bytes`.
    pub fn parse(bytes: &[u8], offset: usize) -> Option<Self> {
        let g = bytes::slice(bytes, offset, GAS_LEN)?;
        Some(Self {
            space: AddressSpace::from_id(u8_at(g, 0)?),
            bit_width: u8_at(g, 1)?,
            bit_offset: u8_at(g, 2)?,
            access_size: u8_at(g, 3)?,
            address: u64_at(g, 4)?,
        })
    }

    /// A legacy 32-bit I/O port field turned into a GAS of `len` bytes.
    pub fn io_port(port: u32, len: u8) -> Self {
        Self {
            space: AddressSpace::SystemIo,
            bit_width: len.saturating_mul(8),
            bit_offset: 0,
            access_size: 0,
            address: port.into(),
        }
    }
}
