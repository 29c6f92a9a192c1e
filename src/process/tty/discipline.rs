//! The line discipline: what a terminal does with typed bytes before a program reads them
//! (termios(3), Linux's `n_tty`). Pure logic over a [`Termios`], host-tested; the console's
//! tty (`super`) feeds it, prints its echo and sends its signals.
//!
//! - Input flags: ISTRIP, IGNCR, ICRNL, INLCR; IXON swallows ^S and ^Q (output is never
//!   actually stopped).
//! - ISIG: VINTR, VQUIT and VSUSP raise SIGINT, SIGQUIT and SIGTSTP for the foreground group
//!   and flush pending input unless NOFLSH.
//! - ICANON: a line is edited until NL, VEOL or VEOL2 ends it, or VEOF hands it over without
//!   a terminator (on an empty line: end of file, a read of 0). VERASE erases a character
//!   (a whole UTF-8 sequence), VWERASE a word, VKILL the line, VLNEXT quotes the next byte,
//!   VREPRINT shows the line again. Lines hold at most [`MAX_LINE`] bytes, and unread lines
//!   at most [`MAX_RAW`] in all.
//! - Otherwise bytes are readable as they come (VMIN and VTIME are the reader's business).
//! - ECHO, ECHOE, ECHOK, ECHOKE, ECHONL, ECHOCTL (controls shown as `^X`).

use super::termios::*;
use alloc::collections::VecDeque;
use alloc::vec::Vec;

/// Linux's `N_TTY_BUF_SIZE` less one: room for the terminator.
pub const MAX_LINE: usize = 4095;
/// How many bytes wait unread in non-canonical mode before more are dropped.
pub const MAX_RAW: usize = 4096;

/// Signal numbers the discipline raises (Linux's).
pub const SIGINT: u32 = 2;
pub const SIGQUIT: u32 = 3;
pub const SIGTSTP: u32 = 20;

/// What one received byte made the terminal do, besides buffering.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Effects {
    /// Bytes to show (before output processing).
    pub echo: Vec<u8>,
    /// A signal for the foreground process group.
    pub signal: Option<u32>,
    /// Input became readable: wake the readers.
    pub readable: bool,
}

#[derive(Debug, Clone, Default)]
pub struct Discipline {
    pub termios: Termios,
    /// The line being edited (canonical mode).
    line: Vec<u8>,
    /// Completed lines, each with its terminator (none after VEOF; empty: end of file).
    lines: VecDeque<Vec<u8>>,
    /// Bytes readable in non-canonical mode.
    raw: VecDeque<u8>,
    /// VLNEXT was typed: the next byte is taken literally.
    literal_next: bool,
}

fn is_control(byte: u8) -> bool {
    byte < 0x20 || byte == 0x7f
}

impl Discipline {
    pub fn new() -> Self {
        Self::default()
    }

    fn canonical(&self) -> bool {
        self.termios.local(ICANON)
    }

    /// New settings (TCSETS). Leaving canonical mode makes everything typed so far readable
    /// at once; entering it makes unread bytes the start of the line being edited.
    pub fn set_termios(&mut self, termios: Termios) {
        let was = self.canonical();
        self.termios = termios;
        match (was, self.canonical()) {
            (true, false) => {
                for line in self.lines.drain(..) {
                    self.raw.extend(line);
                }
                self.raw.extend(self.line.drain(..));
            }
            (false, true) => {
                let mut pending: Vec<u8> = self.raw.drain(..).collect();
                pending.append(&mut self.line);
                self.line = pending;
                self.line.truncate(MAX_LINE);
            }
            _ => {}
        }
    }

    /// Drops all unread input (TCIFLUSH, a signal character).
    pub fn flush_input(&mut self) {
        self.line.clear();
        self.lines.clear();
        self.raw.clear();
        self.literal_next = false;
    }

    /// How many bytes a read could return now (FIONREAD).
    pub fn available(&self) -> usize {
        if self.canonical() {
            self.lines.iter().map(Vec::len).sum()
        } else {
            self.raw.len()
        }
    }

    /// Whether a read would return now (poll's POLLIN): a completed line (or end of file), or
    /// in non-canonical mode VMIN bytes when VTIME is 0, else one byte (Linux
    /// `input_available_p`).
    pub fn readable(&self) -> bool {
        if self.canonical() {
            return !self.lines.is_empty();
        }
        let (vmin, vtime) = (self.termios.cc[VMIN], self.termios.cc[VTIME]);
        let needed = if vtime == 0 && vmin > 0 { vmin } else { 1 };
        self.raw.len() >= usize::from(needed)
    }

    /// Canonical read: up to `max` bytes of the first completed line (a read never spans
    /// lines); `Some(empty)` at end of file; `None` while no line is complete.
    pub fn read_line(&mut self, max: usize) -> Option<Vec<u8>> {
        let line = self.lines.front_mut()?;
        if line.is_empty() {
            self.lines.pop_front();
            return Some(Vec::new());
        }
        let n = max.min(line.len());
        let out: Vec<u8> = line.drain(..n).collect();
        if line.is_empty() {
            self.lines.pop_front();
        }
        Some(out)
    }

    /// Non-canonical read: up to `max` of the bytes there are.
    pub fn read_raw(&mut self, max: usize) -> Vec<u8> {
        let n = max.min(self.raw.len());
        self.raw.drain(..n).collect()
    }

    /// Output processing (OPOST): OCRNL turns CR into NL. ONLCR needs no work here: the
    /// console always starts a new line at NL.
    pub fn output(&self, bytes: &[u8]) -> Vec<u8> {
        let t = &self.termios;
        if t.oflag & OPOST != 0 && t.oflag & OCRNL != 0 {
            bytes
                .iter()
                .map(|&b| if b == b'\r' { b'\n' } else { b })
                .collect()
        } else {
            bytes.to_vec()
        }
    }

    fn echo_char(&self, byte: u8, fx: &mut Effects) {
        if !self.termios.local(ECHO) {
            return;
        }
        if is_control(byte) && byte != b'\t' && byte != b'\n' && self.termios.local(ECHOCTL) {
            fx.echo.push(b'^');
            fx.echo.push(byte ^ 0x40);
        } else {
            fx.echo.push(byte);
        }
    }

    /// One byte from the keyboard or the serial line.
    pub fn receive(&mut self, byte: u8) -> Effects {
        let mut fx = Effects::default();
        let t = self.termios;
        let mut c = byte;
        if t.input(ISTRIP) {
            c &= 0x7f;
        }
        if self.literal_next {
            self.literal_next = false;
            if t.local(ECHO) && t.local(ECHOCTL) {
                // Take back the `^` shown for VLNEXT.
                fx.echo.extend_from_slice(b"\x08");
            }
            self.put(c, &mut fx);
            return fx;
        }
        if c == b'\r' {
            if t.input(IGNCR) {
                return fx;
            }
            if t.input(ICRNL) {
                c = b'\n';
            }
        } else if c == b'\n' && t.input(INLCR) {
            c = b'\r';
        }
        if t.local(ISIG) {
            let signal = if t.is(VINTR, c) {
                Some(SIGINT)
            } else if t.is(VQUIT, c) {
                Some(SIGQUIT)
            } else if t.is(VSUSP, c) {
                Some(SIGTSTP)
            } else {
                None
            };
            if let Some(signal) = signal {
                if !t.local(NOFLSH) {
                    self.flush_input();
                }
                self.echo_char(c, &mut fx);
                fx.signal = Some(signal);
                return fx;
            }
        }
        if t.input(IXON) && (t.is(VSTART, c) || t.is(VSTOP, c)) {
            return fx;
        }
        if !self.canonical() {
            if self.raw.len() < MAX_RAW {
                self.raw.push_back(c);
                fx.readable = true;
            }
            self.echo_char(c, &mut fx);
            return fx;
        }
        if t.is(VERASE, c) {
            self.erase(Erase::Char, &mut fx);
        } else if t.is(VWERASE, c) && t.local(IEXTEN) {
            self.erase(Erase::Word, &mut fx);
        } else if t.is(VKILL, c) {
            self.erase(Erase::Line, &mut fx);
        } else if t.is(VLNEXT, c) && t.local(IEXTEN) {
            self.literal_next = true;
            if t.local(ECHO) && t.local(ECHOCTL) {
                fx.echo.push(b'^');
            }
        } else if t.is(VREPRINT, c) && t.local(IEXTEN) {
            self.echo_char(c, &mut fx);
            if t.local(ECHO) {
                fx.echo.push(b'\n');
                for &b in &self.line.clone() {
                    self.echo_char(b, &mut fx);
                }
            }
        } else if t.is(VEOF, c) {
            let line = core::mem::take(&mut self.line);
            self.lines.push_back(line);
            fx.readable = true;
        } else {
            self.put(c, &mut fx);
        }
        fx
    }

    /// A byte that is data: into the line (completing it at a terminator) or the raw queue.
    fn put(&mut self, c: u8, fx: &mut Effects) {
        if !self.canonical() {
            if self.raw.len() < MAX_RAW {
                self.raw.push_back(c);
                fx.readable = true;
            }
            self.echo_char(c, fx);
            return;
        }
        let t = self.termios;
        let ends = c == b'\n' || t.is(VEOL, c) || t.is(VEOL2, c);
        // Unread lines and the line being edited share one buffer (Linux's 4 KiB), so a
        // program that never reads cannot make typed input grow without bound.
        let full = self.available() + self.line.len() >= MAX_RAW;
        if (!ends && self.line.len() >= MAX_LINE) || full {
            // Full: the byte is dropped, as Linux does (and rings the bell).
            fx.echo.push(0x07);
            return;
        }
        if c == b'\n' && !t.local(ECHO) && t.local(ECHONL) {
            fx.echo.push(b'\n');
        } else {
            self.echo_char(c, fx);
        }
        self.line.push(c);
        if ends {
            let line = core::mem::take(&mut self.line);
            self.lines.push_back(line);
            fx.readable = true;
        }
    }

    fn erase(&mut self, kind: Erase, fx: &mut Effects) {
        let t = self.termios;
        if self.line.is_empty() {
            return;
        }
        if kind == Erase::Line && !(t.local(ECHOK) && t.local(ECHOKE) && t.local(ECHOE)) {
            self.line.clear();
            if t.local(ECHO) {
                self.echo_char(t.cc[VKILL], fx);
                if t.local(ECHOK) {
                    fx.echo.push(b'\n');
                }
            }
            return;
        }
        let mut seen_word = false;
        while let Some(&last) = self.line.last() {
            if kind == Erase::Word {
                let space = last == b' ' || last == b'\t';
                if space && seen_word {
                    break;
                }
                seen_word |= !space;
            }
            // A whole UTF-8 character: continuation bytes, then the lead byte.
            let mut start = self.line.len() - 1;
            while start > 0 && self.line[start] & 0xc0 == 0x80 {
                start -= 1;
            }
            let erased: Vec<u8> = self.line.drain(start..).collect();
            if t.local(ECHO) {
                if t.local(ECHOE) {
                    let wide = is_control(erased[0]) && erased[0] != b'\t' && t.local(ECHOCTL);
                    let columns = if wide { 2 } else { 1 };
                    for _ in 0..columns {
                        fx.echo.extend_from_slice(b"\x08 \x08");
                    }
                } else {
                    self.echo_char(t.cc[VERASE], fx);
                }
            }
            if kind == Erase::Char {
                break;
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Erase {
    Char,
    Word,
    Line,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed(d: &mut Discipline, bytes: &[u8]) -> Effects {
        let mut all = Effects::default();
        for &b in bytes {
            let fx = d.receive(b);
            all.echo.extend(fx.echo);
            all.signal = all.signal.or(fx.signal);
            all.readable |= fx.readable;
        }
        all
    }

    #[test]
    fn canonical_lines_with_echo_and_cr_as_nl() {
        let mut d = Discipline::new();
        let fx = feed(&mut d, b"hi\r");
        assert_eq!(fx.echo, b"hi\n");
        assert!(fx.readable);
        assert_eq!(d.read_line(100).unwrap(), b"hi\n");
        assert_eq!(d.read_line(100), None, "nothing more is complete");
    }

    #[test]
    fn a_read_takes_one_line_at_most_and_resumes_mid_line() {
        let mut d = Discipline::new();
        assert!(!d.readable());
        feed(&mut d, b"one");
        assert!(!d.readable(), "a line being edited is not readable yet");
        feed(&mut d, b"\ntwo\n");
        assert!(d.readable());
        assert_eq!(d.available(), 8);
        assert_eq!(d.read_line(2).unwrap(), b"on");
        assert_eq!(d.read_line(100).unwrap(), b"e\n");
        assert_eq!(d.read_line(100).unwrap(), b"two\n");
    }

    #[test]
    fn erase_kill_and_word_erase() {
        let mut d = Discipline::new();
        let fx = feed(&mut d, b"abc\x7f");
        assert_eq!(fx.echo, b"abc\x08 \x08");
        feed(&mut d, "ß\x7f".as_bytes());
        feed(&mut d, b" two words\x17\x17");
        feed(&mut d, b"d\n");
        assert_eq!(d.read_line(100).unwrap(), b"ab d\n");
        let fx = feed(&mut d, b"gone\x15");
        assert_eq!(fx.echo.iter().filter(|&&b| b == 8).count(), 8);
        feed(&mut d, b"kept\n");
        assert_eq!(d.read_line(100).unwrap(), b"kept\n");
        // A control character echoed as ^X takes two columns to erase.
        let fx = feed(&mut d, b"\x01\x7f");
        assert_eq!(fx.echo, b"^A\x08 \x08\x08 \x08");
    }

    #[test]
    fn eof_hands_over_the_line_or_means_end_of_file() {
        let mut d = Discipline::new();
        feed(&mut d, b"ab\x04");
        assert_eq!(d.read_line(100).unwrap(), b"ab");
        feed(&mut d, b"\x04");
        assert_eq!(d.read_line(100).unwrap(), b"", "end of file");
        assert_eq!(d.read_line(100), None);
    }

    #[test]
    fn signal_characters_flush_and_echo() {
        let mut d = Discipline::new();
        let fx = feed(&mut d, b"typed\x03");
        assert_eq!(fx.signal, Some(SIGINT));
        assert!(fx.echo.ends_with(b"^C"));
        assert_eq!(d.available(), 0);
        assert_eq!(d.read_line(10), None);
        assert_eq!(feed(&mut d, b"\x1c").signal, Some(SIGQUIT));
        let mut t = d.termios;
        t.lflag &= !ISIG;
        d.set_termios(t);
        assert_eq!(feed(&mut d, b"\x03\n").signal, None);
        assert_eq!(d.read_line(10).unwrap(), b"\x03\n");
    }

    #[test]
    fn raw_mode_passes_bytes_through() {
        let mut d = Discipline::new();
        feed(&mut d, b"par");
        let mut t = d.termios;
        t.lflag &= !(ICANON | ECHO);
        t.iflag &= !ICRNL;
        d.set_termios(t);
        assert_eq!(d.available(), 3, "the partial line becomes readable");
        let fx = feed(&mut d, b"\x7f\r\x1b[A");
        assert!(fx.echo.is_empty());
        assert_eq!(d.read_raw(100), b"par\x7f\r\x1b[A");
        // Back to canonical: unread bytes start the line.
        feed(&mut d, b"xy");
        d.set_termios(Termios::default());
        feed(&mut d, b"z\n");
        assert_eq!(d.read_line(100).unwrap(), b"xyz\n");
    }

    #[test]
    fn literal_next_and_overlong_lines() {
        let mut d = Discipline::new();
        feed(&mut d, b"\x16\x03\n");
        assert_eq!(d.read_line(10).unwrap(), b"\x03\n");
        let long = alloc::vec![b'x'; MAX_LINE + 10];
        let fx = feed(&mut d, &long);
        assert!(fx.echo.contains(&0x07), "the bell for dropped bytes");
        feed(&mut d, b"\n");
        assert_eq!(d.read_line(usize::MAX).unwrap().len(), MAX_LINE + 1);
        // Lines nobody reads fill the buffer, then input is dropped.
        for _ in 0..10_000 {
            feed(&mut d, b"y\n");
        }
        assert!(d.available() <= MAX_RAW);
    }
}
