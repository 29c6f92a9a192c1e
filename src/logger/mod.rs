//! A `log` backend: each record goes into the kernel log ([`kmsg`], read by `dmesg`) and onto
//! the kernel console as `[uptime] LEVEL message`, with the level coloured on screen. The
//! threshold for both comes from `loglevel=` on the kernel command line (`boot::KernelArgs`);
//! `syslog(2)`'s console actions narrow what the console shows ([`set_console_level`]).

pub mod kmsg;
pub mod ring;

use crate::console::text_grid::{Color, ColorCode};
use core::fmt;
use core::sync::atomic::{AtomicU8, Ordering};
use core::time::Duration;
use log::{Level, LevelFilter, Log, Metadata, Record};

/// Linux's level for a record (`include/linux/kern_levels.h`): `KERN_ERR` 3, `KERN_WARNING` 4,
/// `KERN_INFO` 6, `KERN_DEBUG` 7 (trace too).
pub fn linux_level(level: Level) -> u8 {
    match level {
        Level::Error => 3,
        Level::Warn => 4,
        Level::Info => 6,
        Level::Debug | Level::Trace => 7,
    }
}

/// A Linux level's name and screen colour, as the console shows it (`dmesg` in the kernel
/// shell too).
pub fn level_style(level: u8) -> (&'static str, ColorCode) {
    match level {
        0..=3 => ("ERROR", ColorCode::new(Color::LightRed, Color::Black)),
        4 | 5 => ("WARN", ColorCode::new(Color::Yellow, Color::Black)),
        6 => ("INFO", ColorCode::new(Color::LightGreen, Color::Black)),
        _ => ("DEBUG", ColorCode::new(Color::DarkGray, Color::Black)),
    }
}

/// The console shows records whose Linux level is below this (Linux's `console_loglevel`):
/// 8, everything, until `syslog(2)` says otherwise.
static CONSOLE_LEVEL: AtomicU8 = AtomicU8::new(DEFAULT_CONSOLE_LEVEL);
/// The level `SYSLOG_ACTION_CONSOLE_OFF` saved for `CONSOLE_ON` (0 while none is saved).
static SAVED_CONSOLE_LEVEL: AtomicU8 = AtomicU8::new(0);
pub const DEFAULT_CONSOLE_LEVEL: u8 = 8;
/// Linux's `minimum_console_loglevel`: `CONSOLE_OFF` leaves only emergencies, which Kestrel
/// does not log, so the console shows no record at all.
pub const MINIMUM_CONSOLE_LEVEL: u8 = 1;

/// `SYSLOG_ACTION_CONSOLE_LEVEL`: levels 1–8, raised to the minimum as Linux does.
pub fn set_console_level(level: u8) {
    CONSOLE_LEVEL.store(level.max(MINIMUM_CONSOLE_LEVEL), Ordering::Relaxed);
    SAVED_CONSOLE_LEVEL.store(0, Ordering::Relaxed);
}

/// `SYSLOG_ACTION_CONSOLE_OFF`: no record on the console; the kernel log keeps them all.
pub fn console_off() {
    let _ = SAVED_CONSOLE_LEVEL.compare_exchange(
        0,
        CONSOLE_LEVEL.load(Ordering::Relaxed),
        Ordering::Relaxed,
        Ordering::Relaxed,
    );
    CONSOLE_LEVEL.store(MINIMUM_CONSOLE_LEVEL, Ordering::Relaxed);
}

/// `SYSLOG_ACTION_CONSOLE_ON`: the level before `CONSOLE_OFF` again.
pub fn console_on() {
    let saved = SAVED_CONSOLE_LEVEL.swap(0, Ordering::Relaxed);
    if saved != 0 {
        CONSOLE_LEVEL.store(saved, Ordering::Relaxed);
    }
}

struct ConsoleLogger;

static LOGGER: ConsoleLogger = ConsoleLogger;

impl Log for ConsoleLogger {
    fn enabled(&self, metadata: &Metadata) -> bool {
        metadata.level() <= log::max_level()
    }

    fn log(&self, record: &Record) {
        if !self.enabled(record.metadata()) {
            return;
        }
        let level = linux_level(record.level());
        let uptime = crate::time::uptime();
        // The kernel log first: it never waits, and keeps the record should the console fail.
        kmsg::record(level, uptime.as_micros() as u64, *record.args());
        if level >= CONSOLE_LEVEL.load(Ordering::Relaxed) {
            return;
        }
        let (_, color) = level_style(level);
        // A line logged while someone types (the shell's prompt) starts on a line of its own,
        // and the line's owner is told to draw it again below.
        let interrupting = !crate::console::at_line_start();
        // One piece, so that a line logged on another CPU cannot land inside it.
        crate::console::print_with_colored(
            format_args!(
                "{}{} ",
                if interrupting { "\n" } else { "" },
                UptimeStamp(uptime)
            ),
            color,
            format_args!("{:<5} ", record.level()),
            format_args!("{}\n", record.args()),
        );
        if interrupting {
            crate::console::note_line_interrupted();
        }
    }

    fn flush(&self) {}
}

/// Seconds since the timer started, to the microsecond, as `[   1.234567]`.
pub struct UptimeStamp(pub Duration);

impl fmt::Display for UptimeStamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{:>4}.{:06}]", self.0.as_secs(), self.0.subsec_micros())
    }
}

pub fn init(level: LevelFilter) {
    // set_logger fails only if a logger is already installed, which is then the one to keep.
    let _ = log::set_logger(&LOGGER);
    log::set_max_level(level);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_map_to_linux() {
        assert_eq!(linux_level(Level::Error), 3);
        assert_eq!(linux_level(Level::Warn), 4);
        assert_eq!(linux_level(Level::Info), 6);
        assert_eq!(linux_level(Level::Debug), 7);
        assert_eq!(linux_level(Level::Trace), 7);
    }

    #[test]
    fn uptime_stamps() {
        extern crate std;
        use std::string::ToString;
        assert_eq!(UptimeStamp(Duration::ZERO).to_string(), "[   0.000000]");
        assert_eq!(
            UptimeStamp(Duration::from_nanos(1_234_567_890)).to_string(),
            "[   1.234567]"
        );
        assert_eq!(
            UptimeStamp(Duration::from_secs(86_400)).to_string(),
            "[86400.000000]"
        );
    }
}
