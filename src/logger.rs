//! A `log` backend on the kernel console: `[uptime] LEVEL message`, with the level coloured on
//! screen. The threshold comes from `loglevel=` on the kernel command line (`boot::KernelArgs`).

use crate::console::text_grid::{Color, ColorCode};
use core::fmt;
use core::time::Duration;
use log::{Level, LevelFilter, Log, Metadata, Record};

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
        let color = match record.level() {
            Level::Error => ColorCode::new(Color::LightRed, Color::Black),
            Level::Warn => ColorCode::new(Color::Yellow, Color::Black),
            Level::Info => ColorCode::new(Color::LightGreen, Color::Black),
            Level::Debug | Level::Trace => ColorCode::new(Color::DarkGray, Color::Black),
        };
        // A line logged while someone types (the shell's prompt) starts on a line of its own,
        // and the line's owner is told to draw it again below.
        let interrupting = !crate::console::at_line_start();
        // One piece, so that a line logged on another CPU cannot land inside it.
        crate::console::print_with_colored(
            format_args!(
                "{}{} ",
                if interrupting { "\n" } else { "" },
                UptimeStamp(crate::time::uptime())
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
