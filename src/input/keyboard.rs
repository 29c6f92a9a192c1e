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

/// The layout names, `|`-separated: the one list that `keyboard=` on the command line, the
/// shell's `keyboard` command and its `help` line all use. A macro, so that `concat!` can build
/// the usage text from it.
#[macro_export]
macro_rules! keyboard_layout_names {
    () => {
        "us|uk|de|fr|no|fi|se|dvorak|colemak|jp"
    };
}

/// The names, for messages.
pub const LAYOUT_CHOICES: &str = keyboard_layout_names!();

/// The layout of each name in [`LAYOUT_CHOICES`], in the same order.
const LAYOUTS: [Layout; 10] = [
    Layout::Us,
    Layout::Uk,
    Layout::De,
    Layout::Fr,
    Layout::No,
    Layout::FiSe,
    Layout::FiSe,
    Layout::Dvorak,
    Layout::Colemak,
    Layout::Jp,
];

fn layout_names() -> impl Iterator<Item = (&'static str, Layout)> {
    LAYOUT_CHOICES.split('|').zip(LAYOUTS)
}

impl Layout {
    /// The layout called `name`, in any case (`DE` is `de`).
    pub fn from_name(name: &str) -> Option<Layout> {
        layout_names()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, layout)| layout)
    }

    pub fn name(self) -> &'static str {
        layout_names()
            .find(|&(_, l)| l == self)
            .map_or("?", |(n, _)| n)
    }

    /// Every layout name, for completion.
    pub fn names() -> impl Iterator<Item = &'static str> {
        LAYOUT_CHOICES.split('|')
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

    /// Forgets the modifier state and any half-read scancode, keeping the layout: for when
    /// scancodes were lost, one of which may have been a modifier's release.
    pub fn resync(&mut self) {
        let layout = self.layout;
        *self = Decoder::new();
        self.set_layout(layout);
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
    super::push_scancode(byte);
}

#[cfg(test)]
mod tests {
    use super::*;
    extern crate std;
    use std::vec::Vec;

    #[test]
    fn layout_names_match_the_choices() {
        assert_eq!(LAYOUT_CHOICES.split('|').count(), LAYOUTS.len());
        for (name, layout) in layout_names() {
            assert_eq!(Layout::from_name(name), Some(layout));
            assert_eq!(Layout::from_name(&name.to_uppercase()), Some(layout));
        }
        assert_eq!(Layout::FiSe.name(), "fi");
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
