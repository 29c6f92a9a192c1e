//! Turns the characters a terminal sends into editing keys: BS is backspace, CR or LF is Enter
//! (`input::SerialDecoder` has already folded CR LF pairs and DEL), ETX is Ctrl-C, and the ANSI
//! sequences ESC [ A / ESC [ B are the up and down arrows. Other escape sequences are swallowed
//! whole rather than typed.

use super::line_editor::EditKey;

#[derive(Debug, Default)]
pub struct TerminalInput {
    state: State,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum State {
    #[default]
    Ground,
    Escape,
    /// Inside `ESC [`: parameters until a final byte in 0x40..=0x7E.
    ControlSequence,
}

const ETX: char = '\u{3}';
const BS: char = '\u{8}';
const ESC: char = '\u{1b}';
const DEL: char = '\u{7f}';

impl TerminalInput {
    pub fn decode(&mut self, ch: char) -> Option<EditKey> {
        let in_escape = matches!(self.state, State::Escape | State::ControlSequence);
        // Enter, Ctrl-C and the like end an unfinished escape sequence and still count (a lone
        // Esc key press must not swallow them).
        if in_escape && ch.is_ascii_control() && ch != ESC {
            self.state = State::Ground;
        }
        let (next, key) = match (self.state, ch) {
            // A new Esc starts over, whatever came before.
            (_, ESC) => (State::Escape, None),
            (State::Escape, '[') => (State::ControlSequence, None),
            (State::Escape, _) => (State::Ground, None),
            (State::ControlSequence, 'A') => (State::Ground, Some(EditKey::Up)),
            (State::ControlSequence, 'B') => (State::Ground, Some(EditKey::Down)),
            (State::ControlSequence, '\u{40}'..='\u{7e}') => (State::Ground, None),
            (State::ControlSequence, _) => (State::ControlSequence, None),
            (_, '\r') => (State::Ground, Some(EditKey::Enter)),
            (_, '\n') => (State::Ground, Some(EditKey::Enter)),
            (_, DEL | BS) => (State::Ground, Some(EditKey::Backspace)),
            (_, ETX) => (State::Ground, Some(EditKey::Interrupt)),
            (_, ch) => (State::Ground, Some(EditKey::Char(ch))),
        };
        self.state = next;
        key
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    extern crate std;
    use std::vec::Vec;

    fn decode_all(input: &str) -> Vec<EditKey> {
        let mut terminal = TerminalInput::default();
        input.chars().filter_map(|ch| terminal.decode(ch)).collect()
    }

    #[test]
    fn plain_text_and_line_endings() {
        use EditKey::*;
        assert_eq!(decode_all("ab\r"), [Char('a'), Char('b'), Enter]);
        assert_eq!(decode_all("a\rb\n"), [Char('a'), Enter, Char('b'), Enter]);
        assert_eq!(decode_all("\r\r"), [Enter, Enter]);
    }

    #[test]
    fn control_characters() {
        use EditKey::*;
        assert_eq!(
            decode_all("x\u{7f}\u{8}\u{3}"),
            [Char('x'), Backspace, Backspace, Interrupt]
        );
    }

    #[test]
    fn arrow_keys_and_unknown_sequences() {
        use EditKey::*;
        assert_eq!(decode_all("\u{1b}[A\u{1b}[B"), [Up, Down]);
        // Right arrow, a parameterised sequence (F5), and ESC followed by a letter: all dropped.
        assert_eq!(decode_all("\u{1b}[C\u{1b}[15~\u{1b}xq"), [Char('q')]);
    }

    #[test]
    fn control_keys_end_an_unfinished_escape() {
        use EditKey::*;
        assert_eq!(decode_all("\u{1b}\r"), [Enter]);
        assert_eq!(decode_all("\u{1b}[1\u{3}a"), [Interrupt, Char('a')]);
        assert_eq!(decode_all("\u{1b}\u{1b}[A"), [Up]);
    }
}
