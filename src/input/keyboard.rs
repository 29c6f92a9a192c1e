//! The PS/2 keyboard's keys: the interrupt handler only takes the byte from the driver
//! (`drivers::ps2_keyboard`) and queues it; [`Decoder`] (via `pc-keyboard`) turns bytes into
//! keys later, outside the interrupt.

use pc_keyboard::layouts::{
    AnyLayout, Azerty, Colemak, De105Key, Dvorak104Key, FiSe105Key, Jis109Key, No105Key, Uk105Key,
    Us104Key,
};
use pc_keyboard::{DecodedKey, EventDecoder, HandleControl, ScancodeSet, ScancodeSet1};

pub use crate::drivers::ps2_keyboard::{KEYBOARD_IRQ, discard_pending};

/// The layouts `keyboard=` accepts, as `pc-keyboard` 0.8 provides them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    Us,
    Uk,
    De,
    Fr,
    No,
    FiSe,
    Dvorak,
    Colemak,
    Jp,
}

const LAYOUT_NAMES: [(&str, Layout); 10] = [
    ("us", Layout::Us),
    ("uk", Layout::Uk),
    ("de", Layout::De),
    ("fr", Layout::Fr),
    ("no", Layout::No),
    ("fi", Layout::FiSe),
    ("se", Layout::FiSe),
    ("dvorak", Layout::Dvorak),
    ("colemak", Layout::Colemak),
    ("jp", Layout::Jp),
];

impl Layout {
    pub fn from_name(name: &str) -> Option<Layout> {
        LAYOUT_NAMES
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|&(_, layout)| layout)
    }

    pub fn name(self) -> &'static str {
        LAYOUT_NAMES
            .iter()
            .find(|&&(_, l)| l == self)
            .map_or("?", |&(n, _)| n)
    }

    fn to_pc_keyboard(self) -> AnyLayout {
        match self {
            Layout::Us => AnyLayout::Us104Key(Us104Key),
            Layout::Uk => AnyLayout::Uk105Key(Uk105Key),
            Layout::De => AnyLayout::De105Key(De105Key),
            Layout::Fr => AnyLayout::Azerty(Azerty),
            Layout::No => AnyLayout::No105Key(No105Key),
            Layout::FiSe => AnyLayout::FiSe105Key(FiSe105Key),
            Layout::Dvorak => AnyLayout::Dvorak104Key(Dvorak104Key),
            Layout::Colemak => AnyLayout::Colemak(Colemak),
            Layout::Jp => AnyLayout::Jis109Key(Jis109Key),
        }
    }
}

/// The names `keyboard=` accepts, for messages.
pub const LAYOUT_CHOICES: &str = "us, uk, de, fr, no, fi, se, dvorak, colemak, jp";

/// Scancode bytes in, keys out: the scancode state machine (for multi-byte codes) and the
/// modifier state with the active layout.
pub struct Decoder {
    scancodes: ScancodeSet1,
    events: EventDecoder<AnyLayout>,
    layout: Layout,
}

impl Decoder {
    pub const fn new() -> Self {
        Decoder {
            scancodes: ScancodeSet1::new(),
            // Ctrl+letter becomes its control code (Ctrl-C is U+0003), as a terminal sends it,
            // so the shell treats both consoles alike.
            events: EventDecoder::new(
                AnyLayout::Us104Key(Us104Key),
                HandleControl::MapLettersToUnicode,
            ),
            layout: Layout::Us,
        }
    }

    pub fn set_layout(&mut self, layout: Layout) {
        self.events.change_layout(layout.to_pc_keyboard());
        self.layout = layout;
    }

    pub fn layout(&self) -> Layout {
        self.layout
    }

    /// Feeds one scancode byte; a key comes out when a press completes. Releases, modifier
    /// changes and unknown codes give nothing.
    pub fn feed(&mut self, byte: u8) -> Option<DecodedKey> {
        let event = self.scancodes.advance_state(byte).ok().flatten()?;
        self.events.process_keyevent(event)
    }
}

impl Default for Decoder {
    fn default() -> Self {
        Self::new()
    }
}

/// IRQ 1: one byte is waiting in the controller; take it and queue it.
pub fn on_irq() {
    let byte = crate::drivers::ps2_keyboard::read_scancode();
    super::QUEUE.push(super::InputEvent::Scancode(byte));
}

#[cfg(test)]
mod tests {
    use super::*;
    extern crate std;
    use std::vec::Vec;

    #[test]
    fn layout_names_match_the_choices() {
        for (name, layout) in LAYOUT_NAMES {
            assert_eq!(Layout::from_name(name), Some(layout));
            assert!(LAYOUT_CHOICES.contains(name));
        }
    }

    fn type_codes(decoder: &mut Decoder, codes: &[u8]) -> Vec<char> {
        codes
            .iter()
            .filter_map(|&code| match decoder.feed(code) {
                Some(DecodedKey::Unicode(c)) => Some(c),
                _ => None,
            })
            .collect()
    }

    // Scancode set 1: make codes, and break codes with bit 7 set.
    const A: u8 = 0x1E;
    const Y: u8 = 0x15;
    const Z: u8 = 0x2C;
    const TWO: u8 = 0x03;
    const LSHIFT: u8 = 0x2A;
    const ENTER: u8 = 0x1C;
    const BREAK: u8 = 0x80;

    #[test]
    fn us_layout_decodes_letters_shift_and_enter() {
        let mut decoder = Decoder::new();
        let typed = type_codes(
            &mut decoder,
            &[
                A,
                A | BREAK,
                LSHIFT,
                A,
                A | BREAK,
                TWO,
                TWO | BREAK,
                LSHIFT | BREAK,
                TWO,
                ENTER,
            ],
        );
        assert_eq!(typed, ['a', 'A', '@', '2', '\n']);
    }

    #[test]
    fn german_layout_swaps_y_and_z() {
        let mut decoder = Decoder::new();
        decoder.set_layout(Layout::De);
        assert_eq!(decoder.layout(), Layout::De);
        assert_eq!(type_codes(&mut decoder, &[Y, Z]), ['z', 'y']);
        decoder.set_layout(Layout::Uk);
        // UK: Shift+2 is the double quote.
        assert_eq!(type_codes(&mut decoder, &[LSHIFT, TWO]), ['"']);
    }
}
