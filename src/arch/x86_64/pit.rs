//! The 8253/8254 programmable interval timer: channel 0 drives IRQ 0 at the kernel's tick rate.
//! Ports and modes: Intel 82C54 datasheet.

use core::time::Duration;
use x86_64::instructions::port::Port;

/// The PIT's input clock: 105/88 MHz, the NTSC colour burst frequency divided by 3.
pub const INPUT_HZ: u64 = 1_193_182;

const CHANNEL0_DATA: u16 = 0x40;
const COMMAND: u16 = 0x43;

/// Builds a command byte: bits 7-6 channel, 5-4 access mode (3: low byte, then high byte),
/// 3-1 operating mode, 0 BCD (off).
const fn command(channel: u8, mode: u8) -> u8 {
    channel << 6 | 0b11 << 4 | mode << 1
}
/// Channel 0, mode 2 (rate generator): one pulse per period.
const CHANNEL0_RATE_GENERATOR: u8 = command(0, 2);

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_bytes() {
        assert_eq!(CHANNEL0_RATE_GENERATOR, 0x34);
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
