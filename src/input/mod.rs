//! Console input: the PS/2 keyboard and the serial console feed one queue from their interrupt
//! handlers; [`read_key`] and friends decode it outside interrupt context, each source with
//! its own decoder (see [`decode`]), into [`Key`]s. Nothing allocates.

pub mod decode;
pub mod escape;
pub mod key;
pub mod keyboard;
pub mod queue;
pub mod ring;
pub mod stream;

pub use key::Key;
pub use keyboard::Layout;
pub use queue::{InputEvent, QueueStats, Source};

use crate::arch::interrupts as cpu_interrupts;
use crate::arch::interrupts;
use crate::console::SERIAL;
use crate::drivers::serial::com1_unlocked;
use crate::trap;
use core::sync::atomic::{AtomicU64, Ordering};
use core::time::Duration;
use decode::Decoders;
use queue::InputQueue;
use ring::SpscRing;
use spin::Mutex;

/// Room for a terminal paste while the consumer is busy running what was pasted: 16 KiB of
/// serial bytes (400 short command lines are about 6 KiB). 48 KiB of static memory.
pub const SERIAL_QUEUE_CAPACITY: usize = 16384;
/// Room for typing ahead while a command runs: each key is two scancodes (more with
/// modifiers), so about 250 keys, half a minute of brisk typing. Separate from the serial
/// queue, so that a stuck key cannot take a paste's room.
pub const KEYBOARD_QUEUE_CAPACITY: usize = 512;
const SERIAL_IRQ: u8 = 4;
/// Bounds one interrupt's reading, should a broken UART report data forever; a working 16550
/// holds at most 16 bytes.
const SERIAL_READ_LIMIT: usize = 4096;
/// Keys decoded ahead of their reader: while [`scan_for_interrupt`] looks for Ctrl-C behind
/// type-ahead, and the second key of an event that gave two.
const LOOKAHEAD_CAPACITY: usize = 1024;

/// One queue per source, each filled by its IRQ handler. One consumer: whoever calls
/// [`read_key`].
static KEYBOARD_QUEUE: InputQueue<KEYBOARD_QUEUE_CAPACITY> = InputQueue::new(Source::Keyboard);
static SERIAL_QUEUE: InputQueue<SERIAL_QUEUE_CAPACITY> = InputQueue::new(Source::Serial);
/// Only the consumer side takes this lock; interrupt handlers never touch it.
static DECODERS: Mutex<Decoders> = Mutex::new(Decoders::new());
/// Decoded keys not read yet; consumer side only.
static LOOKAHEAD: SpscRing<Key, LOOKAHEAD_CAPACITY> = SpscRing::new();
/// When the serial interrupt last received a byte, in microseconds of uptime.
static LAST_SERIAL_RX_US: AtomicU64 = AtomicU64::new(0);

/// Installs the keyboard and serial receive handlers and unmasks their IRQs. Needs the PICs
/// initialised; interrupts are enabled by the caller afterwards.
pub fn init(layout: Layout) {
    set_layout(layout);
    trap::set_irq_handler(keyboard::KEYBOARD_IRQ, keyboard::on_irq);
    keyboard::discard_pending();
    interrupts::unmask_irq(keyboard::KEYBOARD_IRQ);

    let serial_present = cpu_interrupts::without_interrupts(|| {
        let mut serial = SERIAL.lock();
        serial.enable_receive_interrupt();
        serial.is_present()
    });
    if serial_present {
        trap::set_irq_handler(SERIAL_IRQ, on_serial_irq);
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

fn uptime_us() -> u64 {
    crate::time::uptime().as_micros() as u64
}

/// IRQ 4: the UART has received bytes. Reads until its receive FIFO is empty, so that a paste
/// never waits in (and overruns) the 16-byte FIFO. A second driver handle reads them, so the
/// handler needs no lock (the console's writer only uses the transmit side).
fn on_serial_irq() {
    let mut serial = com1_unlocked();
    let now = uptime_us();
    let last = LAST_SERIAL_RX_US.swap(now, Ordering::Relaxed);
    let mut after_pause = now.saturating_sub(last) >= escape::ESCAPE_TIMEOUT.as_micros() as u64;
    for _ in 0..SERIAL_READ_LIMIT {
        let Some(byte) = serial.try_receive() else {
            break;
        };
        SERIAL_QUEUE.push(InputEvent::Serial { byte, after_pause });
        after_pause = false;
    }
}

pub fn set_layout(layout: Layout) {
    DECODERS.lock().set_layout(layout);
}

pub fn layout() -> Layout {
    DECODERS.lock().layout()
}

/// Both queues' counters, added up.
pub fn stats() -> QueueStats {
    let (keyboard, serial) = (KEYBOARD_QUEUE.stats(), SERIAL_QUEUE.stats());
    QueueStats {
        accepted: keyboard.accepted + serial.accepted,
        dropped: keyboard.dropped + serial.dropped,
        warnings: keyboard.warnings + serial.warnings,
    }
}

/// Whether input is waiting, decoded or not.
pub fn is_pending() -> bool {
    !KEYBOARD_QUEUE.is_empty() || !SERIAL_QUEUE.is_empty() || !LOOKAHEAD.is_empty()
}

fn warn_dropped(source: &str, dropped: u64, total: u64) {
    log::warn!(
        "input: the {source} queue was full: {dropped} bytes were dropped ({total} since boot)"
    );
}

/// The oldest event of either queue (the keyboard's first: it never holds much).
fn pop_event() -> Option<InputEvent> {
    KEYBOARD_QUEUE
        .pop(|dropped| warn_dropped("keyboard", dropped, KEYBOARD_QUEUE.stats().dropped))
        .or_else(|| {
            SERIAL_QUEUE
                .pop(|dropped| warn_dropped("serial", dropped, SERIAL_QUEUE.stats().dropped))
        })
}

/// Decodes queued events into the lookahead until it holds a key or the queue is empty.
/// Leaves room in the lookahead for an event's two keys, so nothing decoded is ever lost.
fn decode_pending(decoders: &mut Decoders, until_key: bool) {
    while LOOKAHEAD_CAPACITY - LOOKAHEAD.len() >= 2 {
        if until_key && !LOOKAHEAD.is_empty() {
            return;
        }
        let Some(event) = pop_event() else {
            // A lone Esc that nothing followed in time ends on its own.
            let quiet = uptime_us().saturating_sub(LAST_SERIAL_RX_US.load(Ordering::Relaxed));
            if decoders.serial_pending() && quiet >= escape::ESCAPE_TIMEOUT.as_micros() as u64 {
                decoders.serial_timeout(&mut |key| {
                    let _ = LOOKAHEAD.push(key);
                });
            }
            return;
        };
        decoders.feed(event, &mut |key| {
            let _ = LOOKAHEAD.push(key);
        });
    }
}

/// The next key, if one is waiting; never waits.
pub fn read_key() -> Option<Key> {
    if let Some(key) = LOOKAHEAD.pop() {
        return Some(key);
    }
    decode_pending(&mut DECODERS.lock(), true);
    LOOKAHEAD.pop()
}

/// Whether Ctrl-C was typed since the last look: for long commands, which call it now and
/// then. Decodes what is queued; the keys typed before the Ctrl-C are discarded with it (as a
/// terminal flushes its input on an interrupt), those after it are kept for the next reader.
pub fn scan_for_interrupt() -> bool {
    let mut decoders = DECODERS.lock();
    decode_pending(&mut decoders, false);
    drop(decoders);
    // Two passes round the ring: find the last Ctrl-C, then keep only what follows it.
    let count = LOOKAHEAD.len();
    let mut last_interrupt = None;
    for index in 0..count {
        let key = LOOKAHEAD.pop().expect("counted");
        if key == Key::INTERRUPT {
            last_interrupt = Some(index);
        }
        let _ = LOOKAHEAD.push(key);
    }
    let Some(last) = last_interrupt else {
        return false;
    };
    for index in 0..count {
        let key = LOOKAHEAD.pop().expect("counted");
        if index > last {
            let _ = LOOKAHEAD.push(key);
        }
    }
    true
}

/// Registers `waker` to be woken by the next input event (the consumer's task).
pub fn register_waiter(waker: &core::task::Waker) {
    KEYBOARD_QUEUE.register_waiter(waker);
    SERIAL_QUEUE.register_waiter(waker);
}

/// Forgets the registered waker (see `InputQueue::unregister_waiter`).
pub fn unregister_waiter() {
    KEYBOARD_QUEUE.unregister_waiter();
    SERIAL_QUEUE.unregister_waiter();
}

/// Producer side for the keyboard's interrupt handler.
pub(crate) fn push_scancode(byte: u8) {
    KEYBOARD_QUEUE.push(InputEvent::Scancode(byte));
}

/// Halts until a key arrives. Interrupts must be on (they are what wakes the CPU).
pub fn wait_for_key() -> Key {
    loop {
        if let Some(key) = read_key() {
            return key;
        }
        halt_until_input();
    }
}

/// Like [`wait_for_key`], giving up after `timeout` (needs the timer running).
pub fn wait_for_key_timeout(timeout: Duration) -> Option<Key> {
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
    if !is_pending() {
        cpu_interrupts::enable_and_hlt();
    } else {
        cpu_interrupts::enable();
    }
}
