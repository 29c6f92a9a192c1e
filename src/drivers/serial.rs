//! A polled driver for the 16550 UART (COM1), the kernel's second console and the channel tests
//! report through. Register map: the 16550D datasheet (National Semiconductor, 1995).

use core::fmt;
use core::sync::atomic::{AtomicU8, Ordering};
use x86_64::instructions::port::Port;

pub const COM1: u16 = 0x3F8;

const UNPROBED: u8 = 0;
const ABSENT: u8 = 1;
const PRESENT: u8 = 2;
/// What the last [`SerialPort::init`] of COM1 found, for [`com1_unlocked`].
static COM1_STATE: AtomicU8 = AtomicU8::new(UNPROBED);

/// A second handle on COM1 that bypasses the lock around the console's handle, for the paths
/// that must not wait for it: the receive interrupt, emergency output, nested faults. It writes
/// only if the probe found the UART, without probing again (that would reset the FIFOs and lose
/// queued output); a port never probed is probed now. The UART itself serialises the bytes of
/// both handles.
pub fn com1_unlocked() -> SerialPort {
    let mut serial = SerialPort::new(COM1);
    match COM1_STATE.load(Ordering::Relaxed) {
        PRESENT => serial.present = true,
        UNPROBED => {
            serial.init();
        }
        _ => {}
    }
    serial
}

const DATA: u16 = 0; // RBR/THR, or divisor low byte while DLAB is set
const INTERRUPT_ENABLE: u16 = 1; // or divisor high byte while DLAB is set
const FIFO_CONTROL: u16 = 2; // write: FCR; read: the interrupt identification register (IIR)
const LINE_CONTROL: u16 = 3;
const MODEM_CONTROL: u16 = 4;
const LINE_STATUS: u16 = 5;

const LCR_8N1: u8 = 0x03;
const LCR_DLAB: u8 = 0x80;
const FCR_ENABLE_CLEAR_14: u8 = 0xC7;
const MCR_DTR_RTS_OUT2: u8 = 0x0B;
const MCR_LOOPBACK: u8 = 0x1E;
const LSR_DATA_READY: u8 = 0x01;
const LSR_THR_EMPTY: u8 = 0x20;
const LSR_TRANSMITTER_IDLE: u8 = 0x40;
const IER_RECEIVED_DATA: u8 = 0x01;
/// IIR bits 7-6 read 11 when the FIFOs are enabled: a 16550A or later, with a 16-byte FIFO.
const IIR_FIFOS_ENABLED: u8 = 0xC0;
const TX_FIFO_DEPTH: u8 = 16;

/// 115200 baud: the UART clock (1.8432 MHz / 16) divided by 1.
const BAUD_DIVISOR: u16 = 1;
/// How long to wait for the transmitter before deciding the UART is gone. A byte takes ~87 µs at
/// 115200 baud; this many status reads take far longer than that even on fast hardware.
const TRANSMIT_SPIN_LIMIT: u32 = 1_000_000;
const LOOPBACK_PROBE: u8 = 0xAE;

pub struct SerialPort {
    base: u16,
    present: bool,
    /// Bytes the transmitter takes at once: 16 with a working FIFO, else 1.
    fifo_depth: u8,
    /// Bytes that may still be written before the line status must be polled again: each poll
    /// is a slow port read (an exit to the hypervisor under emulation), so once THRE says the
    /// FIFO is empty a whole FIFO's worth goes out without asking.
    tx_room: u8,
}

impl SerialPort {
    /// A port that has not been probed: it writes nothing until [`SerialPort::init`] finds it.
    pub const fn new(base: u16) -> Self {
        SerialPort {
            base,
            present: false,
            fifo_depth: 1,
            tx_room: 0,
        }
    }

    fn read_reg(&self, offset: u16) -> u8 {
        // SAFETY: reading a 16550 register has no side effect beyond the UART itself (reading
        // DATA pops the receive FIFO, which callers intend).
        unsafe { Port::<u8>::new(self.base + offset).read() }
    }

    fn write_reg(&mut self, offset: u16, value: u8) {
        // SAFETY: these ports belong to the UART this driver owns.
        unsafe { Port::<u8>::new(self.base + offset).write(value) }
    }

    /// Programs 115200 8N1 with FIFOs, then checks in loopback mode that a UART answers: real
    /// PCs often have no COM1, and writing to nothing must not stall the console.
    pub fn init(&mut self) -> bool {
        self.write_reg(INTERRUPT_ENABLE, 0);
        self.write_reg(LINE_CONTROL, LCR_DLAB);
        self.write_reg(DATA, (BAUD_DIVISOR & 0xFF) as u8);
        self.write_reg(INTERRUPT_ENABLE, (BAUD_DIVISOR >> 8) as u8);
        self.write_reg(LINE_CONTROL, LCR_8N1);
        self.write_reg(FIFO_CONTROL, FCR_ENABLE_CLEAR_14);
        let has_fifo = self.read_reg(FIFO_CONTROL) & IIR_FIFOS_ENABLED == IIR_FIFOS_ENABLED;
        self.fifo_depth = if has_fifo { TX_FIFO_DEPTH } else { 1 };
        self.tx_room = 0;

        self.write_reg(MODEM_CONTROL, MCR_LOOPBACK);
        self.write_reg(DATA, LOOPBACK_PROBE);
        let mut echoed = None;
        for _ in 0..1000 {
            if self.read_reg(LINE_STATUS) & LSR_DATA_READY != 0 {
                echoed = Some(self.read_reg(DATA));
                break;
            }
        }
        self.present = echoed == Some(LOOPBACK_PROBE);
        // OUT2 gates the UART's interrupt line on PCs; leaving it on is harmless while IER is 0.
        self.write_reg(MODEM_CONTROL, MCR_DTR_RTS_OUT2);
        if self.base == COM1 {
            let state = if self.present { PRESENT } else { ABSENT };
            COM1_STATE.store(state, Ordering::Relaxed);
        }
        self.present
    }

    pub fn is_present(&self) -> bool {
        self.present
    }

    /// Raises an interrupt (IRQ 4 for COM1) whenever a byte arrives.
    pub fn enable_receive_interrupt(&mut self) {
        if self.present {
            self.write_reg(INTERRUPT_ENABLE, IER_RECEIVED_DATA);
        }
    }

    fn wait_for(&mut self, status_bits: u8) -> bool {
        for _ in 0..TRANSMIT_SPIN_LIMIT {
            if self.read_reg(LINE_STATUS) & status_bits != 0 {
                return true;
            }
            core::hint::spin_loop();
        }
        false
    }

    pub fn send(&mut self, byte: u8) {
        if !self.present {
            return;
        }
        // Bochs drops bytes written while the transmitter is busy, and real UARTs overrun:
        // never write more than the FIFO had room for when it was last seen empty.
        if self.tx_room == 0 {
            if !self.wait_for(LSR_THR_EMPTY) {
                self.present = false;
                return;
            }
            self.tx_room = self.fifo_depth;
        }
        self.write_reg(DATA, byte);
        self.tx_room -= 1;
    }

    /// Waits until the last byte has left the shift register, so an exit right after printing
    /// does not cut the output short.
    pub fn flush(&mut self) {
        if self.present && self.wait_for(LSR_TRANSMITTER_IDLE) {
            self.tx_room = self.fifo_depth;
        }
    }

    pub fn try_receive(&mut self) -> Option<u8> {
        (self.present && self.read_reg(LINE_STATUS) & LSR_DATA_READY != 0)
            .then(|| self.read_reg(DATA))
    }
}

impl fmt::Write for SerialPort {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        for byte in s.bytes() {
            // Terminals in raw mode (QEMU's -serial stdio) need CR LF to return the carriage.
            if byte == b'\n' {
                self.send(b'\r');
            }
            self.send(byte);
        }
        Ok(())
    }
}
