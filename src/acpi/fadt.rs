//! The Fixed ACPI Description Table (ACPI 6.5 §5.2.9): power-management registers, reset,
//! the SCI and the DSDT's address.
//!
//! The table grew with each ACPI revision. Fields of ACPI 1.0 (the first 116 bytes) must be
//! there; every later field is read only if the table's length covers it, so a revision 1 FADT
//! (as QEMU `pc` under SeaBIOS builds) parses as well as a revision 6 one.

use super::bytes::{u8_at, u16_at, u32_at, u64_at};
use super::error::{AcpiError, Signature};
use super::gas::{GAS_LEN, GenericAddress};
use super::sdt::Sdt;

/// Field offsets (ACPI 6.5 Table 5.9).
mod offset {
    pub const FIRMWARE_CTRL: usize = 36;
    pub const DSDT: usize = 40;
    pub const SCI_INT: usize = 46;
    pub const SMI_CMD: usize = 48;
    pub const ACPI_ENABLE: usize = 52;
    pub const ACPI_DISABLE: usize = 53;
    pub const PM1A_EVT_BLK: usize = 56;
    pub const PM1B_EVT_BLK: usize = 60;
    pub const PM1A_CNT_BLK: usize = 64;
    pub const PM1B_CNT_BLK: usize = 68;
    pub const PM_TMR_BLK: usize = 76;
    pub const PM1_EVT_LEN: usize = 88;
    pub const PM1_CNT_LEN: usize = 89;
    pub const PM_TMR_LEN: usize = 91;
    pub const IAPC_BOOT_ARCH: usize = 109;
    pub const FLAGS: usize = 112;
    pub const RESET_REG: usize = 116;
    pub const RESET_VALUE: usize = 128;
    pub const X_FIRMWARE_CTRL: usize = 132;
    pub const X_DSDT: usize = 140;
    pub const X_PM1A_EVT_BLK: usize = 148;
    pub const X_PM1B_EVT_BLK: usize = 160;
    pub const X_PM1A_CNT_BLK: usize = 172;
    pub const X_PM1B_CNT_BLK: usize = 184;
    pub const X_PM_TMR_BLK: usize = 208;
}

/// The ACPI 1.0 FADT: everything up to and including the flags.
pub const MIN_LEN: usize = 116;

/// Fixed feature flags (ACPI 6.5 Table 5.10).
pub mod flags {
    /// The PM timer counts 32 bits, not 24.
    pub const TMR_VAL_EXT: u32 = 1 << 8;
    /// RESET_REG and RESET_VALUE are valid.
    pub const RESET_REG_SUP: u32 = 1 << 10;
    /// Hardware-reduced ACPI: no PM timer, PM1 blocks, SMI command or SCI-to-8259 wiring.
    pub const HW_REDUCED_ACPI: u32 = 1 << 20;
}

/// IA-PC boot architecture flags (ACPI 6.5 Table 5.11), valid from FADT revision 2 (3 in
/// practice; ACPI 1.0 had a reserved field here).
pub mod boot_arch {
    pub const LEGACY_DEVICES: u16 = 1 << 0;
    /// An 8042 keyboard controller exists (so a keyboard-controller reset can work).
    pub const PS2_8042: u16 = 1 << 1;
}

/// The ACPI PM timer: a 3.579545 MHz counter (ACPI 6.5 §4.8.3.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PmTimer {
    pub block: GenericAddress,
    /// 32-bit counter; otherwise 24-bit.
    pub extended: bool,
}

pub const PM_TIMER_HZ: u32 = 3_579_545;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ResetRegister {
    pub register: GenericAddress,
    pub value: u8,
}

/// The FADT fields Kestrel uses, copied out of the table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fadt {
    pub revision: u8,
    pub length: usize,
    pub flags: u32,
    /// The interrupt the SCI arrives on: an ISA IRQ on PC-AT machines (ACPI 6.5 §5.2.9).
    pub sci_interrupt: u16,
    /// Port to write `acpi_enable` to for entering ACPI mode; 0 when the machine is always
    /// in ACPI mode (then also `acpi_enable` is 0).
    pub smi_command: u32,
    pub acpi_enable: u8,
    pub acpi_disable: u8,
    /// IA-PC boot architecture flags, if the revision defines them (2 and later).
    pub iapc_boot_arch: Option<u16>,
    pub pm_timer: Option<PmTimer>,
    pub pm1a_event: Option<GenericAddress>,
    pub pm1b_event: Option<GenericAddress>,
    pub pm1a_control: Option<GenericAddress>,
    pub pm1b_control: Option<GenericAddress>,
    /// Only when the flags say the register is supported.
    pub reset: Option<ResetRegister>,
    /// X_DSDT when present and non-zero, else DSDT.
    pub dsdt_address: Option<u64>,
    /// X_FIRMWARE_CTRL when present and non-zero, else FIRMWARE_CTRL.
    pub facs_address: Option<u64>,
}

impl Fadt {
    pub fn parse(sdt: Sdt<'_>) -> Result<Self, AcpiError> {
        let signature = sdt.signature();
        if signature != Signature::FADT {
            return Err(AcpiError::BadSignature {
                expected: Signature::FADT,
                found: signature,
            });
        }
        let revision = sdt.header.revision;
        if revision == 0 {
            return Err(AcpiError::UnknownRevision {
                what: "FADT",
                revision,
            });
        }
        let t = sdt.bytes;
        if t.len() < MIN_LEN {
            return Err(AcpiError::BadLength {
                signature,
                length: sdt.header.length,
                reason: "shorter than the 116 bytes of an ACPI 1.0 FADT",
            });
        }
        // Within MIN_LEN: cannot fail after the check above.
        let u8f = |o| u8_at(t, o).unwrap_or(0);
        let u32f = |o| u32_at(t, o).unwrap_or(0);
        // Later fields: present only if the table is long enough.
        let gas = |o| GenericAddress::parse(t, o).filter(|g| g.address != 0);
        let wide = |o| u64_at(t, o).filter(|&a| a != 0);
        let legacy_port = |port_offset, len: u8| {
            let port = u32f(port_offset);
            (port != 0 && len != 0).then(|| GenericAddress::io_port(port, len))
        };

        let flag_bits = u32f(offset::FLAGS);
        let pm1_evt_len = u8f(offset::PM1_EVT_LEN);
        let pm1_cnt_len = u8f(offset::PM1_CNT_LEN);
        let block = |x_offset, offset, len| gas(x_offset).or_else(|| legacy_port(offset, len));

        // The legacy PM timer block is valid only with PM_TMR_LEN = 4 (ACPI 6.5 Table 5.9).
        let timer_len = u8f(offset::PM_TMR_LEN);
        let pm_timer = gas(offset::X_PM_TMR_BLK)
            .or_else(|| legacy_port(offset::PM_TMR_BLK, 4).filter(|_| timer_len == 4))
            .map(|block| PmTimer {
                block,
                extended: flag_bits & flags::TMR_VAL_EXT != 0,
            });

        let reset = if flag_bits & flags::RESET_REG_SUP != 0 {
            gas(offset::RESET_REG).and_then(|register| {
                Some(ResetRegister {
                    register,
                    value: u8_at(t, offset::RESET_VALUE)?,
                })
            })
        } else {
            None
        };
        let nonzero32 = |o| Some(u64::from(u32f(o))).filter(|&a| a != 0);

        Ok(Self {
            revision,
            length: t.len(),
            flags: flag_bits,
            sci_interrupt: u16_at(t, offset::SCI_INT).unwrap_or(0),
            smi_command: u32f(offset::SMI_CMD),
            acpi_enable: u8f(offset::ACPI_ENABLE),
            acpi_disable: u8f(offset::ACPI_DISABLE),
            iapc_boot_arch: (revision >= 2)
                .then(|| u16_at(t, offset::IAPC_BOOT_ARCH))
                .flatten(),
            pm_timer,
            pm1a_event: block(offset::X_PM1A_EVT_BLK, offset::PM1A_EVT_BLK, pm1_evt_len),
            pm1b_event: block(offset::X_PM1B_EVT_BLK, offset::PM1B_EVT_BLK, pm1_evt_len),
            pm1a_control: block(offset::X_PM1A_CNT_BLK, offset::PM1A_CNT_BLK, pm1_cnt_len),
            pm1b_control: block(offset::X_PM1B_CNT_BLK, offset::PM1B_CNT_BLK, pm1_cnt_len),
            reset,
            dsdt_address: wide(offset::X_DSDT).or_else(|| nonzero32(offset::DSDT)),
            facs_address: wide(offset::X_FIRMWARE_CTRL)
                .or_else(|| nonzero32(offset::FIRMWARE_CTRL)),
        })
    }

    pub fn reset_supported(&self) -> bool {
        self.flags & flags::RESET_REG_SUP != 0
    }

    pub fn hardware_reduced(&self) -> bool {
        self.flags & flags::HW_REDUCED_ACPI != 0
    }

    /// Entering ACPI mode needs a write of `acpi_enable` to `smi_command` (ACPI 6.5 §4.8.2.1
    /// on legacy/ACPI mode; both zero mean the machine is ACPI-only).
    pub fn needs_acpi_enable(&self) -> bool {
        !self.hardware_reduced() && self.smi_command != 0 && self.acpi_enable != 0
    }
}

// Keep the GAS size and the offsets consistent: X_PM1A_EVT_BLK follows X_DSDT's eight bytes,
// and each X_ block is one GAS after the previous.
const _: () = assert!(offset::X_PM1A_EVT_BLK == offset::X_DSDT + 8);
const _: () = assert!(offset::X_PM1B_EVT_BLK == offset::X_PM1A_EVT_BLK + GAS_LEN);
const _: () = assert!(offset::X_PM_TMR_BLK == offset::X_PM1B_CNT_BLK + 2 * GAS_LEN);
