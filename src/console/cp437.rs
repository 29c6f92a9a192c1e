//! Characters to code page 437, the character set of VGA text mode (and of the framebuffer
//! font's byte codes): printable ASCII is itself, and the upper half holds accented letters,
//! Greek, box drawing and symbols. So `ß ö ä ü § °` show as themselves instead of as "■". A
//! character the code page lacks (`€`, `ø`) has no byte; the grid shows "■" for it.

/// Code page 437's bytes 0x80..=0xFF, in order (IBM's table; 0xFF is the no-break space).
const UPPER_HALF: [char; 128] = [
    'Ç', 'ü', 'é', 'â', 'ä', 'à', 'å', 'ç', 'ê', 'ë', 'è', 'ï', 'î', 'ì', 'Ä', 'Å', //
    'É', 'æ', 'Æ', 'ô', 'ö', 'ò', 'û', 'ù', 'ÿ', 'Ö', 'Ü', '¢', '£', '¥', '₧', 'ƒ', //
    'á', 'í', 'ó', 'ú', 'ñ', 'Ñ', 'ª', 'º', '¿', '⌐', '¬', '½', '¼', '¡', '«', '»', //
    '░', '▒', '▓', '│', '┤', '╡', '╢', '╖', '╕', '╣', '║', '╗', '╝', '╜', '╛', '┐', //
    '└', '┴', '┬', '├', '─', '┼', '╞', '╟', '╚', '╔', '╩', '╦', '╠', '═', '╬', '╧', //
    '╨', '╤', '╥', '╙', '╘', '╒', '╓', '╫', '╪', '┘', '┌', '█', '▄', '▌', '▐', '▀', //
    'α', 'ß', 'Γ', 'π', 'Σ', 'σ', 'µ', 'τ', 'Φ', 'Θ', 'Ω', 'δ', '∞', 'φ', 'ε', '∩', //
    '≡', '±', '≥', '≤', '⌠', '⌡', '÷', '≈', '°', '∙', '·', '√', 'ⁿ', '²', '■', '\u{a0}',
];

/// The pilcrow and section sign sit among the control codes (0x14, 0x15).
const PILCROW: u8 = 0x14;
const SECTION: u8 = 0x15;

/// The code page 437 byte that shows `ch`, if there is one. Controls have none (the grid
/// handles the ones it knows itself).
pub fn encode(ch: char) -> Option<u8> {
    match ch {
        ' '..='~' => Some(ch as u8),
        '¶' => Some(PILCROW),
        '§' => Some(SECTION),
        // The same glyph serves the Greek letters that look alike.
        'β' => Some(0xE1),
        'μ' => Some(0xE6),
        _ if (ch as u32) < 0x80 => None,
        _ => UPPER_HALF
            .iter()
            .position(|&c| c == ch)
            .map(|index| 0x80 + index as u8),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_is_itself_and_controls_have_no_byte() {
        assert_eq!(encode('A'), Some(b'A'));
        assert_eq!(encode('~'), Some(b'~'));
        assert_eq!(encode('\u{1}'), None);
        assert_eq!(encode('\u{7f}'), None);
    }

    #[test]
    fn german_letters_and_signs() {
        let expected = [
            ('ß', 0xE1),
            ('ö', 0x94),
            ('ä', 0x84),
            ('ü', 0x81),
            ('Ö', 0x99),
            ('Ä', 0x8E),
            ('Ü', 0x9A),
            ('§', 0x15),
            ('°', 0xF8),
            ('µ', 0xE6),
            ('²', 0xFD),
            ('■', 0xFE),
        ];
        for (ch, byte) in expected {
            assert_eq!(encode(ch), Some(byte), "{ch}");
        }
    }

    #[test]
    fn characters_outside_the_code_page() {
        assert_eq!(encode('€'), None);
        assert_eq!(encode('ø'), None);
        assert_eq!(encode('日'), None);
    }

    #[test]
    fn the_table_is_a_permutation() {
        for (i, a) in UPPER_HALF.iter().enumerate() {
            assert!(!UPPER_HALF[i + 1..].contains(a), "{a} twice");
            assert_eq!(encode(*a), Some(0x80 + i as u8));
        }
    }
}
