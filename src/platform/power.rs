//! ACPI power-off (sleep state S5, ACPI 6.5 §7.4.2 and §16.1) and the FADT reset register
//! (§4.8.3.6). `crate::power` tries these first and falls back to the legacy ways (the
//! emulators' exit ports, the keyboard controller, a triple fault).
//!
//! Power-off: enable ACPI mode through the SMI command port if the firmware left the machine in
//! legacy mode (SCI_EN clear), then write `\_S5`'s SLP_TYPa with SLP_EN to PM1a_CNT, and
//! SLP_TYPb to PM1b_CNT if the machine has one.

use crate::acpi::fadt::flags::HW_REDUCED_ACPI;
use crate::acpi::{AddressSpace, Fadt, GenericAddress, SleepType};
use crate::arch::pat::CacheType;
use crate::arch::port_io;
use crate::memory::device::map_device;

/// PM1 control register fields (ACPI 6.5 Table 4.13).
const SCI_EN: u16 = 1 << 0;
const SLP_TYP_SHIFT: u16 = 10;
const SLP_TYP_MASK: u16 = 0b111 << SLP_TYP_SHIFT;
const SLP_EN: u16 = 1 << 13;
/// Polls of SCI_EN after the ACPI-enable request (Linux waits up to about 3 s).
const ACPI_ENABLE_POLLS: u32 = 3_000_000;

/// The PM1 control value that enters the sleep state `slp_typ`: the other bits kept (SCI_EN
/// among them), SLP_TYP replaced, SLP_EN set.
pub fn sleep_control(current: u16, slp_typ: u8) -> u16 {
    (current & !SLP_TYP_MASK) | (u16::from(slp_typ & 0b111) << SLP_TYP_SHIFT) | SLP_EN
}

fn io_port(register: &GenericAddress) -> Option<u16> {
    match register.space {
        AddressSpace::SystemIo => u16::try_from(register.address).ok().filter(|&p| p != 0),
        _ => None,
    }
}

/// Why ACPI power-off cannot be tried, or `Ok` with what it will write.
pub fn s5_plan(
    fadt: Option<&Fadt>,
    s5: Option<SleepType>,
) -> Result<(u16, Option<u16>, SleepType), &'static str> {
    let fadt = fadt.ok_or("no FADT")?;
    if fadt.flags & HW_REDUCED_ACPI != 0 {
        return Err("hardware-reduced ACPI (sleep control registers) is not supported");
    }
    let s5 = s5.ok_or("no \\_S5 in the DSDT or SSDTs")?;
    let pm1a = fadt
        .pm1a_control
        .as_ref()
        .and_then(io_port)
        .ok_or("no PM1a control block in I/O space")?;
    let pm1b = fadt.pm1b_control.as_ref().and_then(io_port);
    Ok((pm1a, pm1b, s5))
}

/// Enters S5. Returns (with the reason) only if the machine is still running afterwards.
pub fn power_off() -> &'static str {
    let Some(platform) = super::get() else {
        return "no ACPI tables";
    };
    let (pm1a, pm1b, s5) = match s5_plan(platform.fadt.as_ref(), platform.s5) {
        Ok(plan) => plan,
        Err(reason) => return reason,
    };
    let Some(fadt) = platform.fadt.as_ref() else {
        return "no FADT";
    };
    // SAFETY: the FADT names these ports as the PM1 control blocks; reading them has no
    // effect.
    let enabled = || unsafe { port_io::read_u16(pm1a) } & SCI_EN != 0;
    if !enabled() && fadt.smi_command != 0 && fadt.acpi_enable != 0 {
        let Ok(smi) = u16::try_from(fadt.smi_command) else {
            return "the SMI command port is out of range";
        };
        // SAFETY: writing ACPI_ENABLE to SMI_CMD is how the FADT says to enter ACPI mode.
        unsafe { port_io::write_u8(smi, fadt.acpi_enable) };
        let mut polls = 0;
        while !enabled() && polls < ACPI_ENABLE_POLLS {
            core::hint::spin_loop();
            polls += 1;
        }
        if !enabled() {
            return "the firmware did not enter ACPI mode";
        }
    }
    // SAFETY: the FADT names these ports as the PM1 control blocks, and `\_S5` the sleep type
    // values for soft-off: this write powers the machine off, which is the point.
    unsafe {
        let a = port_io::read_u16(pm1a);
        if let Some(pm1b) = pm1b {
            let b = port_io::read_u16(pm1b);
            port_io::write_u16(pm1b, sleep_control(b, s5.typ_b));
        }
        port_io::write_u16(pm1a, sleep_control(a, s5.typ_a));
    }
    // The write takes effect at once on hardware; give slow chipsets a moment.
    for _ in 0..10_000_000 {
        core::hint::spin_loop();
    }
    "the machine ignored the S5 request"
}

/// Writes the FADT reset register. Returns (with the reason) if the machine did not reset.
pub fn reset() -> &'static str {
    let Some(reset) = super::get().and_then(|p| p.fadt).and_then(|f| f.reset) else {
        return "the FADT has no reset register";
    };
    let register = reset.register;
    log::info!(
        "power: resetting through the FADT reset register ({:?} {:#x} <- {:#x})",
        register.space,
        register.address,
        reset.value
    );
    crate::console::flush();
    match register.space {
        AddressSpace::SystemIo => {
            let Ok(port) = u16::try_from(register.address) else {
                return "the reset port is out of range";
            };
            // SAFETY: the FADT names this port and value as the way to reset the machine.
            unsafe { port_io::write_u8(port, reset.value) };
        }
        AddressSpace::SystemMemory => {
            let Ok(virt) = map_device(register.address, 1, CacheType::Uncached) else {
                return "cannot map the reset register";
            };
            // SAFETY: as above, for a memory-mapped reset register, mapped uncached.
            unsafe { core::ptr::write_volatile(virt.as_mut_ptr::<u8>(), reset.value) };
        }
        _ => return "the reset register is in an address space Kestrel does not drive",
    }
    for _ in 0..10_000_000 {
        core::hint::spin_loop();
    }
    "the machine ignored the reset register"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sleep_control_sets_type_and_enable() {
        // SCI_EN kept, SLP_TYP 5 and SLP_EN set.
        assert_eq!(sleep_control(0x0001, 5), 0x0001 | 5 << 10 | 1 << 13);
        // A stale sleep type is replaced, not ORed into.
        assert_eq!(sleep_control(0x1C01, 0), 0x0001 | 1 << 13);
        // Only three bits of the type are used.
        assert_eq!(sleep_control(0, 0xFF), 7 << 10 | 1 << 13);
    }
}
