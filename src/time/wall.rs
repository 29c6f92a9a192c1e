//! The wall clock (`CLOCK_REALTIME`): the CMOS clock read once, on first use, and carried on
//! by the uptime clock from there. Linux keeps the RTC in UTC on PCs it installs, and so does
//! QEMU by default, so the registers are taken as UTC. The conversion is pure and host-tested.

use core::sync::atomic::{AtomicU64, Ordering};

/// The decoded date and time of an RTC reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateTime {
    pub year: u32,
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
}

fn from_bcd(value: u8) -> u32 {
    u32::from(value >> 4) * 10 + u32::from(value & 0x0f)
}

/// Decodes the registers: BCD unless status B bit 2 says binary, 12-hour (bit 7 of the hour
/// meaning PM) unless bit 1 says 24-hour, the century from register 0x32 when it is sane,
/// else 20xx. `None` when a field is out of range.
pub fn decode(regs: &crate::arch::rtc::RtcRegisters) -> Option<DateTime> {
    let binary = regs.status_b & 0x04 != 0;
    let hour24 = regs.status_b & 0x02 != 0;
    let field = |v: u8| if binary { u32::from(v) } else { from_bcd(v) };
    let pm = regs.hours & 0x80 != 0;
    let mut hour = field(regs.hours & 0x7f);
    if !hour24 {
        hour %= 12;
        if pm {
            hour += 12;
        }
    }
    let century = match field(regs.century) {
        c @ 19..=30 => c,
        _ => 20,
    };
    let time = DateTime {
        year: century * 100 + field(regs.year),
        month: field(regs.month),
        day: field(regs.day),
        hour,
        minute: field(regs.minutes),
        second: field(regs.seconds),
    };
    let valid = (1..=12).contains(&time.month)
        && (1..=31).contains(&time.day)
        && time.hour < 24
        && time.minute < 60
        && time.second < 61;
    valid.then_some(time)
}

/// Days from 1970-01-01 to the civil date (proleptic Gregorian; Howard Hinnant's
/// `days_from_civil` algorithm).
fn days_from_civil(year: u32, month: u32, day: u32) -> i64 {
    let y = i64::from(year) - i64::from(month <= 2);
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Seconds since the Unix epoch.
pub fn unix_seconds(time: &DateTime) -> u64 {
    let days = days_from_civil(time.year, time.month, time.day).max(0) as u64;
    days * 86_400
        + u64::from(time.hour) * 3600
        + u64::from(time.minute) * 60
        + u64::from(time.second)
}

/// Nanoseconds of Unix time at uptime zero, plus one (0: not read yet).
static BOOT_EPOCH: AtomicU64 = AtomicU64::new(0);

/// `CLOCK_REALTIME` in nanoseconds since the epoch. A clock that cannot be read counts from
/// the epoch (as an unset Linux clock does), with a warning.
pub fn realtime_nanos() -> u64 {
    let uptime = super::uptime().as_nanos() as u64;
    let mut base = BOOT_EPOCH.load(Ordering::Relaxed);
    if base == 0 {
        let regs = crate::arch::rtc::read();
        let seconds = match decode(&regs) {
            Some(time) => unix_seconds(&time),
            None => {
                log::warn!(
                    "the CMOS clock reads nonsense ({regs:?}); the wall clock starts at 1970"
                );
                0
            }
        };
        base = (seconds * 1_000_000_000).saturating_sub(uptime) + 1;
        BOOT_EPOCH.store(base, Ordering::Relaxed);
    }
    base - 1 + uptime
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::arch::rtc::RtcRegisters;

    fn regs(status_b: u8, fields: [u8; 7]) -> RtcRegisters {
        let [seconds, minutes, hours, day, month, year, century] = fields;
        RtcRegisters {
            seconds,
            minutes,
            hours,
            day,
            month,
            year,
            century,
            status_b,
        }
    }

    #[test]
    fn bcd_24_hour_readings_decode() {
        // 2026-12-01 11:21:04 in BCD, 24-hour (status B 0x02), century 0x20.
        let time = decode(&regs(0x02, [0x04, 0x21, 0x11, 0x01, 0x12, 0x26, 0x20])).unwrap();
        assert_eq!(
            time,
            DateTime {
                year: 2026,
                month: 12,
                day: 1,
                hour: 11,
                minute: 21,
                second: 4
            }
        );
        assert_eq!(unix_seconds(&time), 1_796_124_064);
    }

    #[test]
    fn binary_and_12_hour_readings_decode() {
        // 3 PM binary, 12-hour: hour 3 with bit 7.
        let time = decode(&regs(0x04, [59, 30, 0x83, 29, 2, 24, 20])).unwrap();
        assert_eq!(
            (time.year, time.month, time.day, time.hour),
            (2024, 2, 29, 15)
        );
        // 12 AM is hour 0, 12 PM hour 12.
        assert_eq!(
            decode(&regs(0x04, [0, 0, 12, 1, 1, 0, 20])).unwrap().hour,
            0
        );
        assert_eq!(
            decode(&regs(0x04, [0, 0, 0x8c, 1, 1, 0, 20])).unwrap().hour,
            12
        );
        // A missing century register means 20xx.
        assert_eq!(
            decode(&regs(0x06, [0, 0, 0, 1, 1, 5, 0])).unwrap().year,
            2005
        );
    }

    #[test]
    fn nonsense_is_refused() {
        assert_eq!(decode(&regs(0x06, [0, 0, 0, 1, 13, 5, 20])), None);
        assert_eq!(decode(&regs(0x06, [0, 0, 25, 1, 1, 5, 20])), None);
        assert_eq!(decode(&regs(0x06, [0, 0, 0, 0, 1, 5, 20])), None);
    }

    #[test]
    fn epoch_days() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(
            unix_seconds(&DateTime {
                year: 2038,
                month: 1,
                day: 19,
                hour: 3,
                minute: 14,
                second: 7
            }),
            2_147_483_647
        );
    }
}
