//! A serial terminal's bytes to [`Key`]s: UTF-8 text, the C0 controls, and the escape
//! sequences an xterm-like terminal sends for its editing and function keys (ECMA-48 §5.4;
//! xterm's "ctlseqs"): CSI (`ESC [`), SS3 (`ESC O`), and the string sequences OSC (`ESC ]`),
//! DCS (`ESC P`), SOS, PM and APC, which end at BEL or ST (`ESC \`) and are swallowed whole.
//!
//! A terminal sends a key's sequence in one burst. So a byte that arrives after a pause
//! ([`ESCAPE_TIMEOUT`], measured by the receiving interrupt) cannot belong to the sequence
//! before it: a lone Esc key press then ends as [`Key::Escape`] instead of swallowing the next
//! key, and a stray `ESC ]` cannot eat the rest of the session.

use super::key::Key;
use core::time::Duration;

/// The longest gap inside one key's escape sequence (vim's `ttimeoutlen` default).
pub const ESCAPE_TIMEOUT: Duration = Duration::from_millis(100);

/// String sequences longer than this are abandoned: no key sends one.
const MAX_STRING: usize = 512;
/// Numeric parameters kept from a CSI sequence (`ESC [ 1 ; 5 C` has two).
const MAX_PARAMS: usize = 2;

const ESC: u8 = 0x1B;
const BEL: u8 = 0x07;

#[derive(Debug, Default)]
pub struct TerminalDecoder {
    state: State,
    /// The LF of a CR LF pair belongs to the Enter the CR already gave.
    after_cr: bool,
    params: [u16; MAX_PARAMS],
    param_count: usize,
    /// Bytes of a UTF-8 character gathered so far, and how many it needs.
    utf8: [u8; 4],
    utf8_len: usize,
    utf8_need: usize,
    string_len: usize,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum State {
    #[default]
    Ground,
    /// ESC seen.
    Escape,
    /// `ESC [`: parameters, then a final byte in 0x40..=0x7E.
    Csi,
    /// `ESC O`: one final byte.
    Ss3,
    /// OSC, DCS, SOS, PM or APC: until BEL or ST.
    String,
    /// ESC inside a string sequence: `\` completes ST.
    StringEscape,
    /// Inside a UTF-8 character.
    Utf8,
}

impl TerminalDecoder {
    pub const fn new() -> Self {
        TerminalDecoder {
            state: State::Ground,
            after_cr: false,
            params: [0; MAX_PARAMS],
            param_count: 0,
            utf8: [0; 4],
            utf8_len: 0,
            utf8_need: 0,
            string_len: 0,
        }
    }

    /// Whether a sequence is unfinished (a timeout would end it).
    pub fn is_pending(&self) -> bool {
        self.state != State::Ground
    }

    /// Forgets any unfinished sequence: input was lost, so what is half-decoded is garbage.
    pub fn reset(&mut self) {
        *self = TerminalDecoder::new();
    }

    /// Ends an unfinished sequence because nothing followed it in time: a lone Esc gives
    /// [`Key::Escape`], a cut-off UTF-8 character the replacement character.
    pub fn timeout(&mut self, emit: &mut impl FnMut(Key)) {
        match self.state {
            State::Escape => emit(Key::Escape),
            State::Utf8 => emit(Key::Char(char::REPLACEMENT_CHARACTER)),
            _ => {}
        }
        self.state = State::Ground;
    }

    /// Feeds one received byte; `after_pause` says that it arrived [`ESCAPE_TIMEOUT`] or more
    /// after the byte before it. Calls `emit` for each key completed (at most two).
    pub fn feed(&mut self, byte: u8, after_pause: bool, emit: &mut impl FnMut(Key)) {
        if after_pause {
            self.timeout(emit);
        }
        let after_cr = core::mem::replace(&mut self.after_cr, false);
        match self.state {
            State::Ground => self.ground(byte, after_cr, emit),
            State::Utf8 => self.utf8_continue(byte, emit),
            State::String | State::StringEscape => self.string(byte),
            State::Escape | State::Csi | State::Ss3 if byte < 0x20 && byte != ESC => {
                // A control inside a sequence (Enter or Ctrl-C after a lone Esc typed quickly):
                // the sequence is abandoned and the control still counts.
                self.state = State::Ground;
                self.ground(byte, after_cr, emit);
            }
            State::Escape => self.escape(byte, emit),
            State::Csi => self.csi(byte, emit),
            State::Ss3 if byte == ESC => self.state = State::Escape,
            State::Ss3 => {
                self.state = State::Ground;
                if let Some(key) = ss3_key(byte) {
                    emit(key);
                }
            }
        }
    }

    fn ground(&mut self, byte: u8, after_cr: bool, emit: &mut impl FnMut(Key)) {
        match byte {
            ESC => self.state = State::Escape,
            b'\n' if after_cr => {}
            b'\r' => {
                self.after_cr = true;
                emit(Key::Enter);
            }
            // Terminals send DEL for Backspace (and ESC [ 3 ~ for Delete).
            0x7F => emit(Key::Backspace),
            0x00..=0x1F => {
                if let Some(key) = Key::from_control(char::from(byte)) {
                    emit(key);
                }
            }
            0x20..=0x7E => emit(Key::Char(char::from(byte))),
            0xC2..=0xF4 => {
                self.utf8[0] = byte;
                self.utf8_len = 1;
                self.utf8_need = match byte {
                    0xC2..=0xDF => 2,
                    0xE0..=0xEF => 3,
                    _ => 4,
                };
                self.state = State::Utf8;
            }
            // A continuation byte without a start, or a byte UTF-8 never uses.
            _ => emit(Key::Char(char::REPLACEMENT_CHARACTER)),
        }
    }

    fn utf8_continue(&mut self, byte: u8, emit: &mut impl FnMut(Key)) {
        if byte & 0xC0 != 0x80 {
            // The character was cut short: say so, and read the byte afresh.
            self.state = State::Ground;
            emit(Key::Char(char::REPLACEMENT_CHARACTER));
            self.ground(byte, false, emit);
            return;
        }
        self.utf8[self.utf8_len] = byte;
        self.utf8_len += 1;
        if self.utf8_len < self.utf8_need {
            return;
        }
        self.state = State::Ground;
        let ch = core::str::from_utf8(&self.utf8[..self.utf8_len])
            .ok()
            .and_then(|text| text.chars().next())
            .unwrap_or(char::REPLACEMENT_CHARACTER);
        emit(Key::Char(ch));
    }

    fn escape(&mut self, byte: u8, emit: &mut impl FnMut(Key)) {
        self.state = match byte {
            b'[' => {
                self.params = [0; MAX_PARAMS];
                self.param_count = 0;
                State::Csi
            }
            b'O' => State::Ss3,
            b']' | b'P' | b'X' | b'^' | b'_' => {
                self.string_len = 0;
                State::String
            }
            // ESC ESC: the first was a lone Esc key.
            ESC => {
                emit(Key::Escape);
                State::Escape
            }
            0x20..=0x7E => {
                emit(Key::Alt(char::from(byte)));
                State::Ground
            }
            0x7F => {
                emit(Key::Alt('\u{7f}'));
                State::Ground
            }
            _ => State::Ground,
        };
    }

    fn csi(&mut self, byte: u8, emit: &mut impl FnMut(Key)) {
        match byte {
            b'0'..=b'9' => {
                let index = self.param_count.max(1) - 1;
                self.param_count = self.param_count.max(1);
                if let Some(param) = self.params.get_mut(index) {
                    *param = param
                        .saturating_mul(10)
                        .saturating_add(u16::from(byte - b'0'));
                }
            }
            b';' => self.param_count = (self.param_count.max(1) + 1).min(MAX_PARAMS + 1),
            // Other parameter and intermediate bytes (`?`, `<`, ` `...): private sequences.
            0x20..=0x3F => {}
            0x40..=0x7E => {
                self.state = State::Ground;
                if let Some(key) = csi_key(byte, self.params[0]) {
                    emit(key);
                }
            }
            ESC => self.state = State::Escape,
            _ => self.state = State::Ground,
        }
    }

    fn string(&mut self, byte: u8) {
        self.string_len += 1;
        self.state = match (self.state, byte) {
            _ if self.string_len > MAX_STRING => State::Ground,
            (_, BEL) => State::Ground,
            (State::StringEscape, b'\\') => State::Ground,
            (_, ESC) => State::StringEscape,
            _ => State::String,
        };
    }
}

/// CSI final bytes (with the first parameter, for `~` sequences): xterm and the VT220.
fn csi_key(final_byte: u8, param: u16) -> Option<Key> {
    Some(match final_byte {
        b'A' => Key::Up,
        b'B' => Key::Down,
        b'C' => Key::Right,
        b'D' => Key::Left,
        b'H' => Key::Home,
        b'F' => Key::End,
        // ESC [ 1 P .. ESC [ 1 S: F1-F4 with modifiers.
        b'P'..=b'S' => Key::Function(final_byte - b'P' + 1),
        b'~' => match param {
            1 | 7 => Key::Home,
            2 => Key::Insert,
            3 => Key::Delete,
            4 | 8 => Key::End,
            5 => Key::PageUp,
            6 => Key::PageDown,
            11..=15 => Key::Function((param - 10) as u8),
            17..=21 => Key::Function((param - 11) as u8),
            23 | 24 => Key::Function((param - 12) as u8),
            _ => return None,
        },
        _ => return None,
    })
}

/// SS3 final bytes: the cursor keys in application mode, Home/End, and xterm's F1-F4.
fn ss3_key(final_byte: u8) -> Option<Key> {
    Some(match final_byte {
        b'A' => Key::Up,
        b'B' => Key::Down,
        b'C' => Key::Right,
        b'D' => Key::Left,
        b'H' => Key::Home,
        b'F' => Key::End,
        b'P'..=b'S' => Key::Function(final_byte - b'P' + 1),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use Key::*;
    use alloc::vec::Vec;

    /// Decodes `bytes` as one burst.
    fn keys(bytes: &[u8]) -> Vec<Key> {
        let mut decoder = TerminalDecoder::new();
        let mut out = Vec::new();
        for &byte in bytes {
            decoder.feed(byte, false, &mut |key| out.push(key));
        }
        out
    }

    /// Decodes bursts with a pause between each.
    fn keys_paused(bursts: &[&[u8]]) -> Vec<Key> {
        let mut decoder = TerminalDecoder::new();
        let mut out = Vec::new();
        for burst in bursts {
            for (i, &byte) in burst.iter().enumerate() {
                decoder.feed(byte, i == 0, &mut |key| out.push(key));
            }
        }
        out
    }

    #[test]
    fn text_and_line_endings() {
        assert_eq!(keys(b"ab\r"), [Char('a'), Char('b'), Enter]);
        assert_eq!(keys(b"\r\n\r\n"), [Enter, Enter]);
        assert_eq!(keys(b"\n\n"), [Enter, Enter]);
        assert_eq!(keys(b"\rx\n"), [Enter, Char('x'), Enter]);
    }

    #[test]
    fn control_bytes() {
        assert_eq!(
            keys(b"\x7f\x08\x03\x01\x05\x15\x0b\x17\t"),
            [
                Backspace,
                Backspace,
                Key::INTERRUPT,
                Ctrl('a'),
                Ctrl('e'),
                Ctrl('u'),
                Ctrl('k'),
                Ctrl('w'),
                Tab
            ]
        );
    }

    #[test]
    fn utf8_text() {
        assert_eq!(
            keys("ßöä€".as_bytes()),
            [Char('ß'), Char('ö'), Char('ä'), Char('€')]
        );
        let replacement = Char(char::REPLACEMENT_CHARACTER);
        // A cut-short character, a stray continuation byte, a byte UTF-8 never uses.
        assert_eq!(keys(&[0xC3, b'a']), [replacement, Char('a')]);
        assert_eq!(keys(&[0x80, 0xFF]), [replacement, replacement]);
        // An overlong or surrogate encoding is not a character either.
        assert_eq!(keys(&[0xED, 0xA0, 0x80]), [replacement]);
    }

    #[test]
    fn csi_keys() {
        assert_eq!(
            keys(b"\x1b[A\x1b[B\x1b[C\x1b[D\x1b[H\x1b[F"),
            [Up, Down, Right, Left, Home, End]
        );
        assert_eq!(
            keys(b"\x1b[1~\x1b[4~\x1b[3~\x1b[2~\x1b[5~\x1b[6~\x1b[7~\x1b[8~"),
            [Home, End, Delete, Insert, PageUp, PageDown, Home, End]
        );
        assert_eq!(
            keys(b"\x1b[15~\x1b[24~\x1b[1;5C\x1b[?25h"),
            [Function(5), Function(12), Right]
        );
    }

    #[test]
    fn ss3_keys_are_not_text() {
        // xterm's F1-F4 and application-mode cursor keys.
        assert_eq!(
            keys(b"\x1bOP\x1bOQ\x1bOR\x1bOS\x1bOA\x1bOH\x1bOFx"),
            [
                Function(1),
                Function(2),
                Function(3),
                Function(4),
                Up,
                Home,
                End,
                Char('x')
            ]
        );
    }

    #[test]
    fn string_sequences_are_swallowed_whole() {
        assert_eq!(keys(b"\x1b]0;title\x07x"), [Char('x')]);
        assert_eq!(keys(b"\x1b]2;a\x1b\\y"), [Char('y')]);
        assert_eq!(keys(b"\x1bPq#0\x1b\\z"), [Char('z')]);
        // A runaway string ends at its bound.
        let mut long = b"\x1b]".to_vec();
        long.extend(core::iter::repeat_n(b'a', MAX_STRING + 1));
        long.push(b'q');
        assert_eq!(keys(&long), [Char('q')]);
    }

    #[test]
    fn alt_keys_in_one_burst() {
        assert_eq!(keys(b"\x1bb\x1bf"), [Alt('b'), Alt('f')]);
    }

    #[test]
    fn a_lone_esc_does_not_eat_the_next_key() {
        // Esc, and later `echo hi`: the Esc ends on its own.
        assert_eq!(
            keys_paused(&[b"\x1b", b"echo hi\r"]),
            [
                Escape,
                Char('e'),
                Char('c'),
                Char('h'),
                Char('o'),
                Char(' '),
                Char('h'),
                Char('i'),
                Enter
            ]
        );
        // Esc then Esc: two lone Escs, and the second ends on a timeout.
        let mut decoder = TerminalDecoder::new();
        let mut out = Vec::new();
        decoder.feed(ESC, false, &mut |key| out.push(key));
        decoder.feed(ESC, false, &mut |key| out.push(key));
        assert!(decoder.is_pending());
        decoder.timeout(&mut |key| out.push(key));
        assert_eq!(out, [Escape, Escape]);
        assert!(!decoder.is_pending());
    }

    #[test]
    fn a_pause_ends_an_unfinished_sequence() {
        assert_eq!(keys_paused(&[b"\x1b[", b"A"]), [Char('A')]);
        assert_eq!(
            keys_paused(&[b"\x1b]0;ti", b"ls\r"]),
            [Char('l'), Char('s'), Enter]
        );
    }

    #[test]
    fn controls_end_an_unfinished_escape() {
        assert_eq!(keys(b"\x1b\r"), [Enter]);
        assert_eq!(keys(b"\x1b[1\x03a"), [Key::INTERRUPT, Char('a')]);
        assert_eq!(keys(b"\x1b\x1b[A"), [Escape, Up]);
    }
}
