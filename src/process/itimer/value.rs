//! `struct itimerval` as the x86_64 ABI has it (two `struct timeval`s: `it_interval`, then
//! `it_value`; each `tv_sec`, `tv_usec` as 64-bit longs), and alarm(2)'s rounding.

const NANOS_PER_SEC: u64 = 1_000_000_000;
const NANOS_PER_USEC: u64 = 1_000;
const USEC_PER_SEC: i64 = 1_000_000;

pub const ITIMERVAL_SIZE: usize = 32;

/// A timer's setting in nanoseconds: `value` until it fires (0: disarmed), `interval` the
/// period it re-arms with (0: once).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Setting {
    pub interval: u64,
    pub value: u64,
}

/// A `timeval` with a negative `tv_sec` or a `tv_usec` outside 0..1 000 000 (Linux's
/// `timeval_valid`: `EINVAL`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Invalid;

fn timeval_nanos(sec: i64, usec: i64) -> Result<u64, Invalid> {
    if sec < 0 || !(0..USEC_PER_SEC).contains(&usec) {
        return Err(Invalid);
    }
    Ok((sec as u64)
        .saturating_mul(NANOS_PER_SEC)
        .saturating_add(usec as u64 * NANOS_PER_USEC))
}

/// A duration as a `timeval`, rounded up to whole microseconds: an armed timer never reads
/// as disarmed (Linux reports at least 1 µs too).
fn timeval_bytes(nanos: u64, out: &mut [u8]) {
    let usecs = nanos.div_ceil(NANOS_PER_USEC);
    let sec = usecs / 1_000_000;
    let usec = usecs % 1_000_000;
    out[..8].copy_from_slice(&sec.to_le_bytes());
    out[8..16].copy_from_slice(&usec.to_le_bytes());
}

impl Setting {
    pub fn from_bytes(raw: &[u8; ITIMERVAL_SIZE]) -> Result<Setting, Invalid> {
        let long = |i: usize| i64::from_le_bytes(raw[i * 8..i * 8 + 8].try_into().expect("8"));
        let interval = timeval_nanos(long(0), long(1))?;
        let value = timeval_nanos(long(2), long(3))?;
        // A disarmed timer has no period either (getitimer reads all zeros).
        Ok(Setting {
            interval: if value == 0 { 0 } else { interval },
            value,
        })
    }

    pub fn to_bytes(self) -> [u8; ITIMERVAL_SIZE] {
        let mut out = [0u8; ITIMERVAL_SIZE];
        timeval_bytes(self.interval, &mut out[..16]);
        timeval_bytes(self.value, &mut out[16..]);
        out
    }

    /// `alarm(seconds)`'s setting: once, after that many seconds (0 disarms).
    pub fn alarm(seconds: u32) -> Setting {
        Setting {
            interval: 0,
            value: u64::from(seconds) * NANOS_PER_SEC,
        }
    }
}

/// What `alarm` returns for a previous alarm `remaining` nanoseconds from firing: the
/// seconds rounded to the nearest, but never 0 while one is pending (Linux's
/// `alarm_setitimer` works on the microseconds `getitimer` would report).
pub fn alarm_seconds(remaining: u64) -> u64 {
    let usecs = remaining.div_ceil(NANOS_PER_USEC);
    let (sec, usec) = (usecs / 1_000_000, usecs % 1_000_000);
    if (sec == 0 && usec != 0) || usec >= 500_000 {
        sec + 1
    } else {
        sec
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(values: [i64; 4]) -> [u8; ITIMERVAL_SIZE] {
        let mut out = [0u8; ITIMERVAL_SIZE];
        for (i, v) in values.into_iter().enumerate() {
            out[i * 8..i * 8 + 8].copy_from_slice(&v.to_le_bytes());
        }
        out
    }

    #[test]
    fn itimerval_has_the_interval_first() {
        let s = Setting::from_bytes(&raw([0, 250_000, 2, 500])).unwrap();
        assert_eq!(s.interval, 250_000_000);
        assert_eq!(s.value, 2_000_500_000);
        assert_eq!(s.to_bytes(), raw([0, 250_000, 2, 500]));
        // A zero value disarms, whatever the interval says.
        assert_eq!(
            Setting::from_bytes(&raw([1, 0, 0, 0])).unwrap(),
            Setting::default()
        );
    }

    #[test]
    fn bad_timevals_are_einval() {
        assert_eq!(
            Setting::from_bytes(&raw([0, 1_000_000, 1, 0])),
            Err(Invalid)
        );
        assert_eq!(Setting::from_bytes(&raw([0, 0, 1, -1])), Err(Invalid));
        assert_eq!(Setting::from_bytes(&raw([-1, 0, 1, 0])), Err(Invalid));
        assert_eq!(Setting::from_bytes(&raw([0, 0, i64::MIN, 0])), Err(Invalid));
        // Huge seconds saturate instead of wrapping.
        let s = Setting::from_bytes(&raw([0, 0, i64::MAX, 999_999])).unwrap();
        assert_eq!(s.value, u64::MAX);
    }

    #[test]
    fn a_remaining_time_rounds_up_to_a_microsecond() {
        let mut out = [0u8; 16];
        timeval_bytes(1, &mut out);
        assert_eq!(out[8], 1);
        timeval_bytes(1_999_999_001, &mut out);
        assert_eq!(&out[..8], &2u64.to_le_bytes());
        assert_eq!(&out[8..], &0u64.to_le_bytes());
    }

    #[test]
    fn alarm_rounds_to_the_nearest_second_but_not_to_zero() {
        assert_eq!(alarm_seconds(0), 0);
        assert_eq!(alarm_seconds(1), 1);
        assert_eq!(alarm_seconds(300_000_000), 1);
        assert_eq!(alarm_seconds(1_300_000_000), 1);
        assert_eq!(alarm_seconds(1_500_000_000), 2);
        assert_eq!(alarm_seconds(4_999_990_000), 5);
        assert_eq!(Setting::alarm(3).value, 3_000_000_000);
    }
}
