//! The serial console's transmit queue, so that printing does not hold interrupts off for a
//! whole line of slow serial output (at a real 115200 baud each byte takes about 87 µs).
//!
//! `print!` copies its bytes here (and onto the screen) in one short interrupt-off section,
//! then [`drain`] hands them to the UART one FIFO's worth at a time, with interrupts enabled
//! between chunks: an interrupt waits at most for one chunk. An interrupt handler that prints
//! meanwhile queues behind the bytes already waiting and drains them itself, so output keeps
//! its order. Both locks are only ever taken with interrupts off, so neither can be held by
//! the code an interrupt handler interrupted (apart from faults, see `console::is_idle`).

use crate::arch::interrupts;
use crate::drivers::serial::SerialPort;
use core::fmt;
use spin::Mutex;

/// Room for a screenful of output; a longer burst makes the writer send as it goes.
pub const CAPACITY: usize = 4096;
/// Bytes sent per interrupt-off section: the 16550's transmit FIFO.
const CHUNK: usize = 16;

pub struct ByteRing {
    bytes: [u8; CAPACITY],
    head: usize,
    len: usize,
}

impl ByteRing {
    pub const fn new() -> Self {
        ByteRing {
            bytes: [0; CAPACITY],
            head: 0,
            len: 0,
        }
    }

    pub fn is_full(&self) -> bool {
        self.len == CAPACITY
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Appends `byte`; false when full.
    pub fn push(&mut self, byte: u8) -> bool {
        if self.is_full() {
            return false;
        }
        self.bytes[(self.head + self.len) % CAPACITY] = byte;
        self.len += 1;
        true
    }

    /// Moves up to `out.len()` of the oldest bytes into `out`; returns how many.
    pub fn pop_into(&mut self, out: &mut [u8]) -> usize {
        let n = out.len().min(self.len);
        for slot in &mut out[..n] {
            *slot = self.bytes[self.head];
            self.head = (self.head + 1) % CAPACITY;
        }
        self.len -= n;
        n
    }
}

impl Default for ByteRing {
    fn default() -> Self {
        Self::new()
    }
}

pub static QUEUE: Mutex<ByteRing> = Mutex::new(ByteRing::new());

/// Queues formatted output (LF becomes CR LF, as raw-mode terminals need), sending a chunk
/// whenever the queue is full. Call with interrupts off. Returns whether the output ended a
/// line (its last byte was a newline), or was empty.
pub fn queue(port: &Mutex<SerialPort>, args: fmt::Arguments) -> bool {
    let mut writer = Writer {
        ring: QUEUE.lock(),
        port,
        last: b'\n',
    };
    let _ = fmt::Write::write_fmt(&mut writer, args);
    writer.last == b'\n'
}

struct Writer<'a> {
    ring: spin::MutexGuard<'a, ByteRing>,
    port: &'a Mutex<SerialPort>,
    last: u8,
}

impl Writer<'_> {
    fn push(&mut self, byte: u8) {
        if self.ring.is_full() {
            send_chunk(&mut self.ring, &mut self.port.lock());
        }
        self.ring.push(byte);
    }
}

impl fmt::Write for Writer<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        if let Some(&last) = s.as_bytes().last() {
            self.last = last;
        }
        for byte in s.bytes() {
            if byte == b'\n' {
                self.push(b'\r');
            }
            self.push(byte);
        }
        Ok(())
    }
}

fn send_chunk(ring: &mut ByteRing, port: &mut SerialPort) -> bool {
    let mut chunk = [0u8; CHUNK];
    let n = ring.pop_into(&mut chunk);
    for &byte in &chunk[..n] {
        port.send(byte);
    }
    n > 0
}

/// Sends everything queued, a chunk per interrupt-off section. Whoever finds the port taken
/// (a fault report, while the code it interrupted was sending) leaves the rest to that code.
pub fn drain(port: &Mutex<SerialPort>) {
    while interrupts::without_interrupts(|| {
        let (Some(mut ring), Some(mut port)) = (QUEUE.try_lock(), port.try_lock()) else {
            return false;
        };
        send_chunk(&mut ring, &mut port)
    }) {}
}

pub fn is_locked() -> bool {
    QUEUE.is_locked()
}

/// Sends everything queued straight to `port`, taking neither lock: for a dying kernel whose
/// other CPUs are stopped (one may have stopped holding a lock), so that their finished lines
/// come out before the report, in order.
///
/// # Safety
/// No other code may use the queue meanwhile: every other CPU is halted and interrupts are off.
pub unsafe fn drain_forced(port: &mut SerialPort) {
    if QUEUE.is_locked() {
        // SAFETY: the holder is halted for good (the caller's contract); the ring's fields are
        // updated one byte at a time, so at worst the byte being pushed is lost.
        unsafe { QUEUE.force_unlock() };
    }
    let mut ring = QUEUE.lock();
    while send_chunk(&mut ring, port) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ring_keeps_order_across_the_wrap() {
        let mut ring = ByteRing::new();
        for i in 0..CAPACITY {
            assert!(ring.push(i as u8));
        }
        assert!(!ring.push(0), "a full ring refuses");
        let mut out = [0u8; 10];
        assert_eq!(ring.pop_into(&mut out), 10);
        assert_eq!(out, core::array::from_fn::<u8, 10, _>(|i| i as u8));
        for i in 0..10 {
            assert!(ring.push(200 + i));
        }
        let mut all = std::vec![0u8; CAPACITY + 5];
        assert_eq!(ring.pop_into(&mut all), CAPACITY);
        assert_eq!(all[0], 10);
        assert_eq!(all[CAPACITY - 1], 209);
        assert!(ring.is_empty());
    }
}
