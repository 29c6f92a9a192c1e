//! The 8253/8254 programmable interval timer: channel 0 drives IRQ 0 at the kernel's tick rate,
//! channel 2 (gated through port 0x61, normally the speaker's) serves as a one-shot stopwatch
//! for calibrating the TSC. Ports and modes: Intel 82C54 datasheet.

use core::time::Duration;
use x86_64::instructions::port::Port;

/// The PIT's input clock: 105/88 MHz, the NTSC colour burst frequency divided by 3.
pub const INPUT_HZ: u64 = 1_193_182;

const CHANNEL0_DATA: u16 = 0x40;
const CHANNEL2_DATA: u16 = 0x42;
const COMMAND: u16 = 0x43;
const SYSTEM_CONTROL_B: u16 = 0x61;

/// Builds a command byte: bits 7-6 channel, 5-4 access mode (3: low byte, then high byte),
/// 3-1 operating mode, 0 BCD (off).
const fn command(channel: u8, mode: u8) -> u8 {
    channel << 6 | 0b11 << 4 | mode << 1
}
/// Channel 0, mode 2 (rate generator): one pulse per period.
const CHANNEL0_RATE_GENERATOR: u8 = command(0, 2);
/// Channel 2, mode 0 (interrupt on terminal count): OUT rises once the count runs out.
const CHANNEL2_ONE_SHOT: u8 = command(2, 0);
const PORT_B_GATE2: u8 = 1 << 0;
const PORT_B_SPEAKER: u8 = 1 << 1;
const PORT_B_OUT2: u8 = 1 << 5;

/// The reload value that comes closest to `hz` interrupts per second.
pub const fn divisor_for(hz: u32) -> u16 {
    let divisor = (INPUT_HZ + hz as u64 / 2) / hz as u64;
    if divisor > u16::MAX as u64 {
        u16::MAX
    } else if divisor == 0 {
        1
    } else {
        divisor as u16
    }
}

/// How long `ticks` periods of a channel loaded with `divisor` last.
pub const fn ticks_to_duration(ticks: u64, divisor: u16) -> Duration {
    let nanos = ticks as u128 * divisor as u128 * 1_000_000_000 / INPUT_HZ as u128;
    Duration::from_nanos(nanos as u64)
}

/// Starts channel 0 firing IRQ 0 every `divisor` input clocks.
pub fn start_periodic(divisor: u16) {
    // SAFETY: channel 0 belongs to the timer driver; the three writes program it completely.
    unsafe {
        Port::<u8>::new(COMMAND).write(CHANNEL0_RATE_GENERATOR);
        let mut data = Port::<u8>::new(CHANNEL0_DATA);
        data.write(divisor as u8);
        data.write((divisor >> 8) as u8);
    }
}

/// Runs channel 2 for `counts` input clocks and returns how many TSC cycles passed, or `None`
/// when its output never rose (no PIT) within `cycle_limit` cycles. Interrupts should be off,
/// or an IRQ handler's run time ends up in the measurement.
pub fn tsc_cycles_over(counts: u16, cycle_limit: u64) -> Option<u64> {
    let mut port_b = Port::<u8>::new(SYSTEM_CONTROL_B);
    let mut command = Port::<u8>::new(COMMAND);
    let mut data = Port::<u8>::new(CHANNEL2_DATA);
    // SAFETY: channel 2 and port B's gate and speaker bits are used by nothing else; the
    // speaker stays off throughout and port B is restored afterwards.
    unsafe {
        let saved = port_b.read();
        port_b.write((saved & !PORT_B_SPEAKER) | PORT_B_GATE2);
        command.write(CHANNEL2_ONE_SHOT);
        data.write(counts as u8);
        data.write((counts >> 8) as u8);
        // Counting starts on the clock after the high byte; OUT2 rises at terminal count.
        let start = super::tsc::read();
        let mut now = start;
        let mut result = None;
        while now - start < cycle_limit {
            if port_b.read() & PORT_B_OUT2 != 0 {
                result = Some(now - start);
                break;
            }
            now = super::tsc::read();
        }
        port_b.write(saved);
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_bytes() {
        assert_eq!(CHANNEL0_RATE_GENERATOR, 0x34);
        assert_eq!(CHANNEL2_ONE_SHOT, 0xB0);
    }

    #[test]
    fn divisors() {
        assert_eq!(divisor_for(1000), 1193);
        assert_eq!(divisor_for(100), 11932);
        // Below ~18.2 Hz the 16-bit counter cannot go slow enough.
        assert_eq!(divisor_for(10), u16::MAX);
        assert_eq!(divisor_for(2_000_000), 1);
    }

    #[test]
    fn tick_durations() {
        assert_eq!(ticks_to_duration(0, 1193), Duration::ZERO);
        // 1193 / 1193182 Hz = 999.847 µs per tick.
        assert_eq!(ticks_to_duration(1, 1193), Duration::from_nanos(999_847));
        assert_eq!(
            ticks_to_duration(1000, 1193),
            Duration::from_nanos(999_847_466)
        );
        // A year of ticks does not overflow.
        let year = ticks_to_duration(1000 * 3600 * 24 * 365, 1193);
        assert_eq!(year.as_secs() / 86_400, 364);
    }
}
