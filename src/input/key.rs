//! Keys as the rest of the kernel sees them, whichever device sent them: the PS/2 keyboard's
//! decoded keys and a serial terminal's bytes (see [`super::escape`]) both become a [`Key`].

use pc_keyboard::{DecodedKey, KeyCode};

/// One key press, after layout and terminal decoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    /// Text: a printable character in any script.
    Char(char),
    Enter,
    Tab,
    Backspace,
    Delete,
    Escape,
    Left,
    Right,
    Up,
    Down,
    Home,
    End,
    Insert,
    PageUp,
    PageDown,
    /// F1 to F12.
    Function(u8),
    /// Ctrl and a letter, given in lower case (`Ctrl('c')` is Ctrl-C), or one of `\ ] ^ _`. Ctrl-H, Ctrl-I, Ctrl-J
    /// and Ctrl-M arrive as Backspace, Tab and Enter instead, as terminals send them.
    Ctrl(char),
    /// Alt (Meta) and a character: a terminal sends it as ESC followed by the character.
    Alt(char),
}

impl Key {
    /// Ctrl-C, which abandons a line and interrupts a running command.
    pub const INTERRUPT: Key = Key::Ctrl('c');

    /// The key a C0 control character stands for (a terminal's bytes 0x00-0x1F, or what
    /// `pc-keyboard` makes of Ctrl+letter). DEL is left to the caller: a terminal's Backspace
    /// sends it, while the PS/2 layouts give it for the Delete key.
    pub fn from_control(ch: char) -> Option<Key> {
        Some(match ch {
            '\u{8}' => Key::Backspace,
            '\t' => Key::Tab,
            '\n' | '\r' => Key::Enter,
            '\u{1b}' => Key::Escape,
            '\u{1}'..='\u{1a}' => Key::Ctrl(char::from(b'a' + ch as u8 - 1)),
            // Ctrl-\ (SIGQUIT on a terminal), Ctrl-], Ctrl-^, Ctrl-_.
            '\u{1c}'..='\u{1f}' => Key::Ctrl(char::from(b'\\' + ch as u8 - 0x1c)),
            _ => return None,
        })
    }

    /// What a PS/2 key decoded by `pc-keyboard` means; `None` for keys without a meaning here
    /// (modifiers alone, media keys).
    pub fn from_keyboard(key: DecodedKey) -> Option<Key> {
        match key {
            DecodedKey::Unicode('\u{7f}') => Some(Key::Delete),
            DecodedKey::Unicode(ch) if ch.is_control() => Key::from_control(ch),
            DecodedKey::Unicode(ch) => Some(Key::Char(ch)),
            DecodedKey::RawKey(code) => Some(match code {
                KeyCode::ArrowLeft => Key::Left,
                KeyCode::ArrowRight => Key::Right,
                KeyCode::ArrowUp => Key::Up,
                KeyCode::ArrowDown => Key::Down,
                KeyCode::Home => Key::Home,
                KeyCode::End => Key::End,
                KeyCode::Insert => Key::Insert,
                KeyCode::Delete => Key::Delete,
                KeyCode::PageUp => Key::PageUp,
                KeyCode::PageDown => Key::PageDown,
                KeyCode::F1 => Key::Function(1),
                KeyCode::F2 => Key::Function(2),
                KeyCode::F3 => Key::Function(3),
                KeyCode::F4 => Key::Function(4),
                KeyCode::F5 => Key::Function(5),
                KeyCode::F6 => Key::Function(6),
                KeyCode::F7 => Key::Function(7),
                KeyCode::F8 => Key::Function(8),
                KeyCode::F9 => Key::Function(9),
                KeyCode::F10 => Key::Function(10),
                KeyCode::F11 => Key::Function(11),
                KeyCode::F12 => Key::Function(12),
                _ => return None,
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters() {
        assert_eq!(Key::from_control('\u{3}'), Some(Key::INTERRUPT));
        assert_eq!(Key::from_control('\u{1}'), Some(Key::Ctrl('a')));
        assert_eq!(Key::from_control('\u{1a}'), Some(Key::Ctrl('z')));
        assert_eq!(Key::from_control('\u{8}'), Some(Key::Backspace));
        assert_eq!(Key::from_control('\r'), Some(Key::Enter));
        assert_eq!(Key::from_control('\u{1c}'), Some(Key::Ctrl('\\')));
        assert_eq!(Key::from_control('\u{1f}'), Some(Key::Ctrl('_')));
        assert_eq!(Key::from_control('\u{0}'), None);
    }

    #[test]
    fn keyboard_keys() {
        use DecodedKey::{RawKey, Unicode};
        assert_eq!(Key::from_keyboard(Unicode('ß')), Some(Key::Char('ß')));
        assert_eq!(Key::from_keyboard(Unicode('\u{7f}')), Some(Key::Delete));
        assert_eq!(Key::from_keyboard(Unicode('\u{1b}')), Some(Key::Escape));
        assert_eq!(Key::from_keyboard(Unicode('\n')), Some(Key::Enter));
        assert_eq!(Key::from_keyboard(RawKey(KeyCode::Home)), Some(Key::Home));
        assert_eq!(
            Key::from_keyboard(RawKey(KeyCode::F1)),
            Some(Key::Function(1))
        );
        assert_eq!(Key::from_keyboard(RawKey(KeyCode::LShift)), None);
    }
}
