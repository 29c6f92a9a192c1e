//! Port I/O for registers whose ports come from firmware tables (the ACPI PM1 control blocks,
//! the SMI command port, the FADT reset register): the callers vouch for the port.

use x86_64::instructions::port::Port;

/// # Safety
/// `port` must be a register that the firmware (ACPI tables) assigned to the purpose the
/// caller uses it for; reading it must have no effect the caller does not intend.
pub unsafe fn read_u16(port: u16) -> u16 {
    // SAFETY: the caller vouches for the port.
    unsafe { Port::<u16>::new(port).read() }
}

/// # Safety
/// As for [`read_u16`]; writing `value` there is what the caller means to do.
pub unsafe fn write_u16(port: u16, value: u16) {
    // SAFETY: the caller vouches for the port and the value.
    unsafe { Port::<u16>::new(port).write(value) }
}

/// # Safety
/// As for [`write_u16`].
pub unsafe fn write_u8(port: u16, value: u8) {
    // SAFETY: the caller vouches for the port and the value.
    unsafe { Port::<u8>::new(port).write(value) }
}
