//! Keys as the bytes a terminal sends for them (xterm/VT220: CSI and SS3 sequences), so that
//! a program reading the console sees the same bytes whether the key came from the PS/2
//! keyboard or a serial terminal (which the input layer decoded into keys first).

use crate::input::Key;
use alloc::vec::Vec;

/// The bytes for `key`; `erase` is the byte Backspace sends (the terminal's VERASE).
pub fn encode(key: Key, erase: u8) -> Vec<u8> {
    let mut out = Vec::new();
    let csi = |tail: &str| {
        let mut bytes = alloc::vec![0x1b, b'['];
        bytes.extend_from_slice(tail.as_bytes());
        bytes
    };
    match key {
        Key::Char(ch) => {
            let mut utf8 = [0; 4];
            out.extend_from_slice(ch.encode_utf8(&mut utf8).as_bytes());
        }
        Key::Enter => out.push(b'\r'),
        Key::Tab => out.push(b'\t'),
        Key::Backspace => out.push(if erase == 0 { 0x7f } else { erase }),
        Key::Escape => out.push(0x1b),
        Key::Ctrl(ch) => match ch {
            'a'..='z' => out.push(ch as u8 - b'a' + 1),
            '@' | ' ' => out.push(0),
            '[' => out.push(0x1b),
            '\\' => out.push(0x1c),
            ']' => out.push(0x1d),
            '^' => out.push(0x1e),
            '_' => out.push(0x1f),
            _ => {}
        },
        Key::Alt(ch) => {
            out.push(0x1b);
            let mut utf8 = [0; 4];
            out.extend_from_slice(ch.encode_utf8(&mut utf8).as_bytes());
        }
        Key::Up => return csi("A"),
        Key::Down => return csi("B"),
        Key::Right => return csi("C"),
        Key::Left => return csi("D"),
        Key::Home => return csi("H"),
        Key::End => return csi("F"),
        Key::Insert => return csi("2~"),
        Key::Delete => return csi("3~"),
        Key::PageUp => return csi("5~"),
        Key::PageDown => return csi("6~"),
        Key::Function(n @ 1..=4) => {
            out.extend_from_slice(&[0x1b, b'O', b'P' + (n - 1)]);
        }
        Key::Function(n) => {
            let code = match n {
                5 => "15~",
                6 => "17~",
                7 => "18~",
                8 => "19~",
                9 => "20~",
                10 => "21~",
                11 => "23~",
                12 => "24~",
                _ => return out,
            };
            return csi(code);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_become_terminal_bytes() {
        assert_eq!(encode(Key::Char('ß'), 0x7f), "ß".as_bytes());
        assert_eq!(encode(Key::Enter, 0x7f), b"\r");
        assert_eq!(encode(Key::Backspace, 0x7f), b"\x7f");
        assert_eq!(encode(Key::Backspace, 0x08), b"\x08");
        assert_eq!(encode(Key::Ctrl('c'), 0x7f), b"\x03");
        assert_eq!(encode(Key::Ctrl('\\'), 0x7f), b"\x1c");
        assert_eq!(encode(Key::Up, 0x7f), b"\x1b[A");
        assert_eq!(encode(Key::Delete, 0x7f), b"\x1b[3~");
        assert_eq!(encode(Key::Function(1), 0x7f), b"\x1bOP");
        assert_eq!(encode(Key::Function(12), 0x7f), b"\x1b[24~");
        assert_eq!(encode(Key::Alt('b'), 0x7f), b"\x1bb");
    }
}
