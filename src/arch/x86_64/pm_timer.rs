//! The ACPI power-management timer (ACPI 6.5 §4.8.3.3): a 24- or 32-bit up-counter at
//! 3.579545 MHz in the I/O space, which the FADT names. A reference clock for calibration.

use x86_64::instructions::port::Port;

/// Reads the counter at `port` (the FADT's PM_TMR_BLK).
pub fn read(port: u16) -> u32 {
    // SAFETY: reading the PM timer has no side effect.
    unsafe { Port::<u32>::new(port).read() }
}
