//! PIT channel 2 as a free-running counter (Intel 82C54 datasheet): the reference clock of last
//! resort for calibration, when there is neither an HPET nor an ACPI PM timer. Channel 2's gate
//! is bit 0 of system control port B (0x61); bit 1 would drive the speaker and stays off.

use x86_64::instructions::port::Port;

const CHANNEL2_DATA: u16 = 0x42;
const COMMAND: u16 = 0x43;
const PORT_B: u16 = 0x61;
const GATE2: u8 = 1 << 0;
const SPEAKER: u8 = 1 << 1;
/// Channel 2, low byte then high byte, mode 2 (rate generator): counts down from the reload
/// value (0 = 65536) at the input clock and reloads, for ever.
const CHANNEL2_RATE_GENERATOR: u8 = 0b10 << 6 | 0b11 << 4 | 2 << 1;
/// Counter latch command for channel 2.
const LATCH_CHANNEL2: u8 = 0b10 << 6;

/// Starts channel 2 counting down from 65536, over and over, at 1.193182 MHz.
pub fn start() {
    // SAFETY: channel 2 and port B's gate bit belong to this driver (no speaker driver exists);
    // the speaker bit is cleared.
    unsafe {
        let mut port_b = Port::<u8>::new(PORT_B);
        let b = port_b.read();
        port_b.write((b | GATE2) & !SPEAKER);
        Port::<u8>::new(COMMAND).write(CHANNEL2_RATE_GENERATOR);
        let mut data = Port::<u8>::new(CHANNEL2_DATA);
        data.write(0);
        data.write(0);
    }
}

/// The current count (counting down, wrapping at 16 bits).
pub fn read() -> u16 {
    // SAFETY: latching and reading channel 2's count has no effect on the count.
    unsafe {
        Port::<u8>::new(COMMAND).write(LATCH_CHANNEL2);
        let mut data = Port::<u8>::new(CHANNEL2_DATA);
        let low = data.read();
        let high = data.read();
        u16::from(high) << 8 | u16::from(low)
    }
}
