//! The queue's raw events to [`Key`]s, with one decoder per source: the PS/2 keyboard's
//! scancode and modifier state, and the serial terminal's escape-sequence state. Neither can
//! disturb the other (a serial Esc must not eat the next PS/2 key), and an
//! [`InputEvent::Lost`] marker resets its source's decoder, since what was half-decoded there
//! lost its continuation (a Shift release, say).

use super::escape::TerminalDecoder;
use super::key::Key;
use super::keyboard::{Decoder, Layout};
use super::queue::{InputEvent, Source};

pub struct Decoders {
    keyboard: Decoder,
    serial: TerminalDecoder,
}

impl Default for Decoders {
    fn default() -> Self {
        Self::new()
    }
}

impl Decoders {
    pub const fn new() -> Self {
        Decoders {
            keyboard: Decoder::new(),
            serial: TerminalDecoder::new(),
        }
    }

    pub fn set_layout(&mut self, layout: Layout) {
        self.keyboard.set_layout(layout);
    }

    pub fn layout(&self) -> Layout {
        self.keyboard.layout()
    }

    /// Decodes one event; `emit` gets each key it completes.
    pub fn feed(&mut self, event: InputEvent, emit: &mut impl FnMut(Key)) {
        match event {
            InputEvent::Scancode(byte) => {
                if let Some(key) = self.keyboard.feed(byte).and_then(Key::from_keyboard) {
                    emit(key);
                }
            }
            InputEvent::Serial { byte, after_pause } => self.serial.feed(byte, after_pause, emit),
            InputEvent::Lost(Source::Keyboard) => self.keyboard.resync(),
            InputEvent::Lost(Source::Serial) => self.serial.reset(),
        }
    }

    /// Whether the serial side holds an unfinished sequence.
    pub fn serial_pending(&self) -> bool {
        self.serial.is_pending()
    }

    /// Ends an unfinished serial sequence that nothing followed in time.
    pub fn serial_timeout(&mut self, emit: &mut impl FnMut(Key)) {
        self.serial.timeout(emit);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::queue::InputQueue;
    use alloc::vec::Vec;

    const A: u8 = 0x1E;
    const E: u8 = 0x12;
    const ESC_KEY: u8 = 0x01;
    const LSHIFT: u8 = 0x2A;
    const BREAK: u8 = 0x80;

    fn decode_all<const N: usize>(decoders: &mut Decoders, queue: &InputQueue<N>) -> Vec<Key> {
        let mut keys = Vec::new();
        while let Some(event) = queue.pop(|_| {}) {
            decoders.feed(event, &mut |key| keys.push(key));
        }
        keys
    }

    #[test]
    fn a_dropped_shift_release_does_not_leave_shift_held() {
        let queue = InputQueue::<8>::new(Source::Keyboard);
        let mut decoders = Decoders::new();
        // Shift held while typing 'a' fills the queue; the release is dropped.
        queue.push(InputEvent::Scancode(LSHIFT));
        for _ in 0..7 {
            queue.push(InputEvent::Scancode(A));
        }
        assert!(!queue.push(InputEvent::Scancode(LSHIFT | BREAK)));
        let keys = decode_all(&mut decoders, &queue);
        assert_eq!(keys, [Key::Char('A'); 7]);
        // Typed after the flood: lower case.
        queue.push(InputEvent::Scancode(A));
        queue.push(InputEvent::Scancode(A | BREAK));
        assert_eq!(decode_all(&mut decoders, &queue), [Key::Char('a')]);
    }

    #[test]
    fn a_loss_resets_only_its_own_source() {
        let mut decoders = Decoders::new();
        let mut keys = Vec::new();
        let mut feed = |decoders: &mut Decoders, event| decoders.feed(event, &mut |k| keys.push(k));
        feed(&mut decoders, InputEvent::Scancode(LSHIFT));
        feed(&mut decoders, InputEvent::serial(0x1B));
        feed(&mut decoders, InputEvent::Lost(Source::Serial));
        assert!(!decoders.serial_pending());
        feed(&mut decoders, InputEvent::Scancode(A));
        feed(&mut decoders, InputEvent::serial(0x1B));
        feed(&mut decoders, InputEvent::Lost(Source::Keyboard));
        assert!(decoders.serial_pending());
        feed(&mut decoders, InputEvent::Scancode(A));
        assert_eq!(keys, [Key::Char('A'), Key::Char('a')]);
    }

    #[test]
    fn each_source_has_its_own_escape_state() {
        let queue = InputQueue::<16>::new(Source::Keyboard);
        let mut decoders = Decoders::new();
        // Esc over serial, then a PS/2 key: the PS/2 key is not eaten.
        queue.push(InputEvent::serial(0x1B));
        queue.push(InputEvent::Scancode(E));
        queue.push(InputEvent::Scancode(E | BREAK));
        assert_eq!(decode_all(&mut decoders, &queue), [Key::Char('e')]);
        assert!(decoders.serial_pending());
        // And the PS/2 Esc key, then 'e': both count.
        let mut decoders = Decoders::new();
        for code in [ESC_KEY, ESC_KEY | BREAK, E, E | BREAK] {
            queue.push(InputEvent::Scancode(code));
        }
        assert_eq!(
            decode_all(&mut decoders, &queue),
            [Key::Escape, Key::Char('e')]
        );
    }
}
