//! Console input: the PS/2 keyboard and the serial console feed one queue from their interrupt
//! handlers; [`read_key`] and friends decode it outside interrupt context. Nothing allocates.

pub mod keyboard;
pub mod queue;
pub mod ring;
pub mod stream;

pub use keyboard::Layout;
pub use pc_keyboard::{DecodedKey, KeyCode};
pub use queue::{InputEvent, QueueStats};

use crate::arch::interrupts as cpu_interrupts;
use crate::arch::interrupts;
use crate::console::SERIAL;
use crate::drivers::serial::com1_unlocked;
use core::time::Duration;
use keyboard::Decoder;
use queue::InputQueue;
use spin::Mutex;

/// Room for a burst of fast typing (each key is two scancodes, more with modifiers) or a pasted
/// line on the serial console, while the consumer is busy.
pub const QUEUE_CAPACITY: usize = 256;
const SERIAL_IRQ: u8 = 4;
/// The 16550's receive FIFO holds 16 bytes; this bounds one interrupt's reading.
const SERIAL_READ_LIMIT: usize = 64;

/// Two producers, the keyboard and serial IRQ handlers, which never overlap: interrupt gates
/// keep interrupts off while either runs. One consumer: whoever calls [`read_key`].
static QUEUE: InputQueue<QUEUE_CAPACITY> = InputQueue::new();
/// Only the consumer side takes this lock; interrupt handlers never touch it.
static DECODER: Mutex<Decoder> = Mutex::new(Decoder::new());
/// The serial side's decoding state, also taken by the consumer only.
static SERIAL_DECODER: Mutex<SerialDecoder> = Mutex::new(SerialDecoder::new());

/// Installs the keyboard and serial receive handlers and unmasks their IRQs. Needs the PICs
/// initialised; interrupts are enabled by the caller afterwards.
pub fn init(layout: Layout) {
    set_layout(layout);
    interrupts::set_irq_handler(keyboard::KEYBOARD_IRQ, keyboard::on_irq);
    keyboard::discard_pending();
    interrupts::unmask_irq(keyboard::KEYBOARD_IRQ);

    let serial_present = cpu_interrupts::without_interrupts(|| {
        let mut serial = SERIAL.lock();
        serial.enable_receive_interrupt();
        serial.is_present()
    });
    if serial_present {
        interrupts::set_irq_handler(SERIAL_IRQ, on_serial_irq);
        interrupts::unmask_irq(SERIAL_IRQ);
    }
    log::debug!(
        "input: PS/2 keyboard ({} layout){}",
        layout.name(),
        if serial_present {
            " and serial console"
        } else {
            ""
        }
    );
}

/// IRQ 4: the UART has received bytes. A second driver handle reads them, so the handler needs
/// no lock (the console's writer only uses the transmit side).
fn on_serial_irq() {
    let mut serial = com1_unlocked();
    for _ in 0..SERIAL_READ_LIMIT {
        match serial.try_receive() {
            Some(byte) => {
                QUEUE.push(InputEvent::Serial(byte));
            }
            None => break,
        }
    }
}

pub fn set_layout(layout: Layout) {
    DECODER.lock().set_layout(layout);
}

pub fn layout() -> Layout {
    DECODER.lock().layout()
}

pub fn stats() -> QueueStats {
    QUEUE.stats()
}

/// Whether undecoded input is waiting.
pub fn is_pending() -> bool {
    !QUEUE.is_empty()
}

/// Turns bytes from a terminal into keys: Enter sends CR (some terminals CR LF, some LF),
/// Backspace often DEL; anything beyond ASCII (a UTF-8 sequence) is shown as a replacement
/// character.
#[derive(Debug, Default)]
pub struct SerialDecoder {
    after_cr: bool,
}

impl SerialDecoder {
    pub const fn new() -> Self {
        SerialDecoder { after_cr: false }
    }

    pub fn feed(&mut self, byte: u8) -> Option<DecodedKey> {
        // The LF of a CR LF pair belongs to the Enter the CR already gave.
        let after_cr = core::mem::replace(&mut self.after_cr, byte == b'\r');
        let c = match byte {
            b'\n' if after_cr => return None,
            b'\r' => '\n',
            0x7F => '\u{8}',
            0..=0x7F => char::from(byte),
            _ => char::REPLACEMENT_CHARACTER,
        };
        Some(DecodedKey::Unicode(c))
    }
}

/// The next key, if the queue holds one; never waits.
pub fn read_key() -> Option<DecodedKey> {
    loop {
        let event = QUEUE.pop(|dropped| {
            log::warn!("input: queue full, dropping input ({dropped} events dropped since boot)")
        })?;
        let key = match event {
            InputEvent::Scancode(byte) => DECODER.lock().feed(byte),
            InputEvent::Serial(byte) => SERIAL_DECODER.lock().feed(byte),
        };
        if key.is_some() {
            return key;
        }
    }
}

/// Halts until a key arrives. Interrupts must be on (they are what wakes the CPU).
pub fn wait_for_key() -> DecodedKey {
    loop {
        if let Some(key) = read_key() {
            return key;
        }
        halt_until_input();
    }
}

/// Like [`wait_for_key`], giving up after `timeout` (needs the timer running).
pub fn wait_for_key_timeout(timeout: Duration) -> Option<DecodedKey> {
    assert!(
        crate::time::is_running(),
        "a key timeout needs the timer (devices::start)"
    );
    let deadline = crate::time::uptime() + timeout;
    loop {
        if let Some(key) = read_key() {
            return Some(key);
        }
        if crate::time::uptime() >= deadline {
            return None;
        }
        halt_until_input();
    }
}

/// Halts until the next interrupt unless input is already waiting. Disabling interrupts for
/// the check and re-enabling them with `sti; hlt` closes the window in which an interrupt could
/// queue input after the check and leave the CPU asleep with it.
fn halt_until_input() {
    assert!(
        cpu_interrupts::are_enabled(),
        "waiting for input with interrupts disabled would never wake"
    );
    cpu_interrupts::disable();
    if QUEUE.is_empty() {
        cpu_interrupts::enable_and_hlt();
    } else {
        cpu_interrupts::enable();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(bytes: &[u8]) -> alloc::vec::Vec<DecodedKey> {
        let mut decoder = SerialDecoder::new();
        bytes
            .iter()
            .filter_map(|&byte| decoder.feed(byte))
            .collect()
    }

    #[test]
    fn terminal_bytes_become_keys() {
        use DecodedKey::Unicode;
        assert_eq!(
            decode(b"a\r\x7f"),
            [Unicode('a'), Unicode('\n'), Unicode('\u{8}')]
        );
        assert_eq!(decode(&[0xC3]), [Unicode(char::REPLACEMENT_CHARACTER)]);
    }

    #[test]
    fn every_line_ending_is_one_enter() {
        use DecodedKey::Unicode;
        let enter = Unicode('\n');
        assert_eq!(decode(b"\r\n\r\n"), [enter, enter]);
        assert_eq!(decode(b"\n\n"), [enter, enter]);
        assert_eq!(decode(b"\r\r"), [enter, enter]);
        assert_eq!(decode(b"\rx\n"), [enter, Unicode('x'), enter]);
    }
}
