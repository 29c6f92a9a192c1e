//! The kernel command line, parsed once at boot into [`KernelArgs`]: `loglevel=`, `keyboard=`
//! and `init=`.
//!
//! Words are separated by ASCII whitespace. A word that is not valid UTF-8, or an option with a
//! value the kernel does not know, gets a warning and is otherwise ignored; every other word
//! still applies. When an option is given twice, the last one wins. Unknown words are ignored
//! silently (GRUB and users pass words meant for others).

use crate::input::Layout;
use crate::input::keyboard::LAYOUT_CHOICES;
use core::fmt;
use log::LevelFilter;

/// The log levels `loglevel=` accepts, for messages.
pub const LOG_LEVEL_CHOICES: &str = "off, error, warn, info, debug, trace";
/// At most this many warnings are kept; more are counted.
pub const MAX_WARNINGS: usize = 8;
/// A warning quotes at most this many bytes of the word it is about.
const QUOTE_LIMIT: usize = 48;

/// What the command line asks of the kernel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KernelArgs {
    /// `loglevel=`: the log threshold (default info).
    pub log_level: LevelFilter,
    /// `keyboard=`: the PS/2 keyboard layout (default us).
    pub keyboard: Layout,
    /// `maxcpus=N`: start at most N processors, the boot CPU included (default: all the MADT
    /// lists; `maxcpus=1` keeps the others parked).
    pub max_cpus: Option<u32>,
    /// `init=PATH`: the program to start as PID 1 instead of the kernel shell.
    init: Option<InitPath>,
    warnings: [Option<ArgWarning>; MAX_WARNINGS],
    /// Warnings beyond [`MAX_WARNINGS`].
    more_warnings: usize,
}

/// Why a word of the command line was ignored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WarningKind {
    /// The word is not valid UTF-8.
    NotUtf8,
    /// `loglevel=` with a level the kernel does not know (or none).
    UnknownLogLevel,
    /// `keyboard=` with a layout the kernel does not know (or none).
    UnknownKeyboard,
    /// `maxcpus=` with something other than a whole number from 1 up.
    BadMaxCpus,
    /// `init=` with no path, or one longer than [`INIT_PATH_MAX`] bytes.
    BadInit,
}

/// The longest `init=` path taken.
pub const INIT_PATH_MAX: usize = 255;

/// The `init=` path, kept without a heap (the command line is parsed before there is one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct InitPath {
    bytes: [u8; INIT_PATH_MAX],
    len: u8,
}

/// One ignored word, with (the start of) its text for the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArgWarning {
    pub kind: WarningKind,
    quote: [u8; QUOTE_LIMIT],
    quote_len: u8,
    /// The word was longer than the quote.
    truncated: bool,
}

impl ArgWarning {
    fn new(kind: WarningKind, text: &[u8]) -> Self {
        let len = text.len().min(QUOTE_LIMIT);
        let mut quote = [0; QUOTE_LIMIT];
        quote[..len].copy_from_slice(&text[..len]);
        ArgWarning {
            kind,
            quote,
            quote_len: len as u8,
            truncated: text.len() > len,
        }
    }

    /// The bytes the warning is about: the word, or the option's value.
    pub fn quote(&self) -> &[u8] {
        &self.quote[..usize::from(self.quote_len)]
    }
}

impl fmt::Display for ArgWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let quote = Escaped(self.quote());
        let more = if self.truncated { "..." } else { "" };
        match self.kind {
            WarningKind::NotUtf8 => write!(
                f,
                "command line: '{quote}{more}' is not valid UTF-8; ignored"
            ),
            WarningKind::UnknownLogLevel => write!(
                f,
                "loglevel={quote}{more}: unknown level (choose from {LOG_LEVEL_CHOICES}); using info"
            ),
            WarningKind::UnknownKeyboard => write!(
                f,
                "keyboard={quote}{more}: unknown layout (choose from {LAYOUT_CHOICES}); using us"
            ),
            WarningKind::BadMaxCpus => write!(
                f,
                "maxcpus={quote}{more}: not a number of CPUs (1 or more); starting every CPU"
            ),
            WarningKind::BadInit => write!(
                f,
                "init={quote}{more}: empty or longer than {INIT_PATH_MAX} bytes; the kernel shell starts instead"
            ),
        }
    }
}

/// Bytes shown as text, with every byte that is not printable ASCII as `\xNN`.
pub struct Escaped<'a>(pub &'a [u8]);

impl fmt::Display for Escaped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for &byte in self.0 {
            if byte.is_ascii_graphic() || byte == b' ' {
                write!(f, "{}", char::from(byte))?;
            } else {
                write!(f, "\\x{byte:02x}")?;
            }
        }
        Ok(())
    }
}

impl Default for KernelArgs {
    fn default() -> Self {
        KernelArgs {
            log_level: LevelFilter::Info,
            keyboard: Layout::Us,
            max_cpus: None,
            init: None,
            warnings: [None; MAX_WARNINGS],
            more_warnings: 0,
        }
    }
}

impl KernelArgs {
    /// Parses the command line's bytes (without the terminating NUL).
    pub fn parse(line: &[u8]) -> Self {
        let mut args = KernelArgs::default();
        for word in line
            .split(|byte| byte.is_ascii_whitespace())
            .filter(|word| !word.is_empty())
        {
            let Ok(word) = core::str::from_utf8(word) else {
                args.warn(WarningKind::NotUtf8, word);
                continue;
            };
            if let Some(value) = word.strip_prefix("loglevel=") {
                match value.parse() {
                    Ok(level) => args.log_level = level,
                    Err(_) => {
                        args.log_level = LevelFilter::Info;
                        args.warn(WarningKind::UnknownLogLevel, value.as_bytes());
                    }
                }
            } else if let Some(value) = word.strip_prefix("init=") {
                if value.is_empty() || value.len() > INIT_PATH_MAX {
                    args.init = None;
                    args.warn(WarningKind::BadInit, value.as_bytes());
                } else {
                    let mut bytes = [0; INIT_PATH_MAX];
                    bytes[..value.len()].copy_from_slice(value.as_bytes());
                    args.init = Some(InitPath {
                        bytes,
                        len: value.len() as u8,
                    });
                }
            } else if let Some(value) = word.strip_prefix("keyboard=") {
                match Layout::from_name(value) {
                    Some(layout) => args.keyboard = layout,
                    None => {
                        args.keyboard = Layout::Us;
                        args.warn(WarningKind::UnknownKeyboard, value.as_bytes());
                    }
                }
            } else if let Some(value) = word.strip_prefix("maxcpus=") {
                match value.parse::<u32>() {
                    Ok(n) if n >= 1 => args.max_cpus = Some(n),
                    _ => {
                        args.max_cpus = None;
                        args.warn(WarningKind::BadMaxCpus, value.as_bytes());
                    }
                }
            }
        }
        args
    }

    /// The `init=` program's path, if one was given.
    pub fn init(&self) -> Option<&[u8]> {
        self.init.as_ref().map(|i| &i.bytes[..usize::from(i.len)])
    }

    fn warn(&mut self, kind: WarningKind, text: &[u8]) {
        match self.warnings.iter_mut().find(|slot| slot.is_none()) {
            Some(slot) => *slot = Some(ArgWarning::new(kind, text)),
            None => self.more_warnings += 1,
        }
    }

    /// The words that were ignored, in command-line order.
    pub fn warnings(&self) -> impl Iterator<Item = &ArgWarning> {
        self.warnings.iter().flatten()
    }

    /// How many warnings did not fit in [`MAX_WARNINGS`].
    pub fn more_warnings(&self) -> usize {
        self.more_warnings
    }

    /// Logs every warning (once the logger runs).
    pub fn log_warnings(&self) {
        for warning in self.warnings() {
            log::warn!("{warning}");
        }
        if self.more_warnings > 0 {
            log::warn!("command line: {} more words ignored", self.more_warnings);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    extern crate std;
    use std::string::ToString;
    use std::vec::Vec;

    fn kinds(args: &KernelArgs) -> Vec<WarningKind> {
        args.warnings().map(|w| w.kind).collect()
    }

    #[test]
    fn defaults_without_options() {
        let args = KernelArgs::parse(b"");
        assert_eq!(args.log_level, LevelFilter::Info);
        assert_eq!(args.keyboard, Layout::Us);
        assert_eq!(args.warnings().count(), 0);
        assert_eq!(KernelArgs::parse(b"  quiet splash "), args);
    }

    #[test]
    fn options_apply_and_the_last_wins() {
        let args = KernelArgs::parse(b"keyboard=uk loglevel=debug");
        assert_eq!(args.log_level, LevelFilter::Debug);
        assert_eq!(args.keyboard, Layout::Uk);
        let args = KernelArgs::parse(b"loglevel=WARN keyboard=us keyboard=se loglevel=trace");
        assert_eq!(args.log_level, LevelFilter::Trace);
        assert_eq!(args.keyboard, Layout::FiSe);
        assert_eq!(KernelArgs::parse(b"keyboard=DE").keyboard, Layout::De);
        assert_eq!(
            KernelArgs::parse(b"\tloglevel=error\n").log_level,
            LevelFilter::Error
        );
    }

    #[test]
    fn bad_values_warn_and_fall_back() {
        let args = KernelArgs::parse(b"loglevel=xyz keyboard=xx");
        assert_eq!(args.log_level, LevelFilter::Info);
        assert_eq!(args.keyboard, Layout::Us);
        assert_eq!(
            kinds(&args),
            [WarningKind::UnknownLogLevel, WarningKind::UnknownKeyboard]
        );
        let texts: Vec<_> = args.warnings().map(|w| w.to_string()).collect();
        assert_eq!(
            texts[0],
            "loglevel=xyz: unknown level (choose from off, error, warn, info, debug, trace); using info"
        );
        assert!(texts[1].starts_with("keyboard=xx: unknown layout (choose from us|uk"));
        let empty = KernelArgs::parse(b"loglevel= keyboard=");
        assert_eq!(
            kinds(&empty),
            [WarningKind::UnknownLogLevel, WarningKind::UnknownKeyboard]
        );
        assert_eq!(empty.warnings().next().unwrap().quote(), b"");
    }

    #[test]
    fn maxcpus_takes_a_positive_count() {
        assert_eq!(KernelArgs::parse(b"").max_cpus, None);
        assert_eq!(KernelArgs::parse(b"maxcpus=2").max_cpus, Some(2));
        assert_eq!(KernelArgs::parse(b"maxcpus=3 maxcpus=1").max_cpus, Some(1));
        for bad in [
            &b"maxcpus=0"[..],
            b"maxcpus=",
            b"maxcpus=-1",
            b"maxcpus=two",
        ] {
            let args = KernelArgs::parse(bad);
            assert_eq!(args.max_cpus, None, "{bad:?}");
            assert_eq!(kinds(&args), [WarningKind::BadMaxCpus]);
        }
        let text = KernelArgs::parse(b"maxcpus=x")
            .warnings()
            .next()
            .unwrap()
            .to_string();
        assert_eq!(
            text,
            "maxcpus=x: not a number of CPUs (1 or more); starting every CPU"
        );
    }

    #[test]
    fn an_invalid_utf8_word_does_not_void_the_others() {
        let args = KernelArgs::parse(b"loglevel=debug caf\xe9 keyboard=de \xff\xfe");
        assert_eq!(args.log_level, LevelFilter::Debug);
        assert_eq!(args.keyboard, Layout::De);
        assert_eq!(kinds(&args), [WarningKind::NotUtf8, WarningKind::NotUtf8]);
        let text = args.warnings().next().unwrap().to_string();
        assert_eq!(text, "command line: 'caf\\xe9' is not valid UTF-8; ignored");
        // An option whose value is not UTF-8 is one bad word, too.
        let args = KernelArgs::parse(b"keyboard=d\xe9 loglevel=warn");
        assert_eq!(args.keyboard, Layout::Us);
        assert_eq!(args.log_level, LevelFilter::Warn);
        assert_eq!(kinds(&args), [WarningKind::NotUtf8]);
    }

    #[test]
    fn init_takes_a_path_and_refuses_empty_or_long_ones() {
        assert_eq!(KernelArgs::parse(b"loglevel=warn").init(), None);
        let args = KernelArgs::parse(b"init=/bin/sh keyboard=de");
        assert_eq!(args.init(), Some(&b"/bin/sh"[..]));
        assert_eq!(args.keyboard, Layout::De);
        assert_eq!(
            KernelArgs::parse(b"init=/bin/sh init=/sbin/init").init(),
            Some(&b"/sbin/init"[..])
        );
        let empty = KernelArgs::parse(b"init=/bin/sh init=");
        assert_eq!(empty.init(), None, "the last one wins, and it is bad");
        assert_eq!(kinds(&empty), [WarningKind::BadInit]);
        assert!(
            empty
                .warnings()
                .next()
                .unwrap()
                .to_string()
                .contains("the kernel shell starts")
        );
        let mut long = b"init=/".to_vec();
        long.extend_from_slice(&[b'a'; INIT_PATH_MAX]);
        let long = KernelArgs::parse(&long);
        assert_eq!(long.init(), None);
        assert_eq!(kinds(&long), [WarningKind::BadInit]);
        let max = [b"init=/".as_slice(), &[b'b'; INIT_PATH_MAX - 1]].concat();
        assert_eq!(
            KernelArgs::parse(&max).init().map(<[u8]>::len),
            Some(INIT_PATH_MAX)
        );
    }

    #[test]
    fn warnings_are_bounded() {
        let mut line = Vec::new();
        for _ in 0..MAX_WARNINGS + 3 {
            line.extend_from_slice(b"loglevel=? ");
        }
        line.extend_from_slice(&[b'k'; 100]);
        line.push(0x80);
        let args = KernelArgs::parse(&line);
        assert_eq!(args.warnings().count(), MAX_WARNINGS);
        assert_eq!(args.more_warnings(), 4);
        let long = ArgWarning::new(WarningKind::NotUtf8, &[b'k'; 100]);
        assert_eq!(long.quote().len(), QUOTE_LIMIT);
        assert!(long.to_string().contains("kkk...'"));
    }
}
