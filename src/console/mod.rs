//! The kernel console: every `print!` goes to the VGA text screen and to COM1.
//!
//! Each device has its own spin lock, always taken with interrupts disabled, so an interrupt
//! handler that prints can never spin on a lock that the code it interrupted holds. Fault and
//! panic reports use [`emergency_write`], which does not wait for the locks at all.

pub mod text_grid;

use crate::serial::{COM1, SerialPort};
use crate::vga::VgaTextBuffer;
use core::fmt::{self, Write};
use core::sync::atomic::{AtomicU8, Ordering};
use spin::Mutex;
use text_grid::{ColorCode, TextGrid};
use x86_64::instructions::interrupts;

pub type VgaConsole = TextGrid<VgaTextBuffer>;

// SAFETY: this is the only `VgaTextBuffer`; the boot page tables map its higher-half alias.
pub static VGA: Mutex<VgaConsole> = Mutex::new(TextGrid::new(unsafe { VgaTextBuffer::new() }));
pub static SERIAL: Mutex<SerialPort> = Mutex::new(SerialPort::new(COM1));

const SERIAL_UNPROBED: u8 = 0;
const SERIAL_ABSENT: u8 = 1;
const SERIAL_PRESENT: u8 = 2;
/// What probing COM1 found, readable without the lock by [`emergency_write`].
static SERIAL_STATE: AtomicU8 = AtomicU8::new(SERIAL_UNPROBED);

/// Brings up both consoles: probes COM1 and clears the screen.
pub fn init() {
    interrupts::without_interrupts(|| {
        let present = SERIAL.lock().init();
        let state = if present {
            SERIAL_PRESENT
        } else {
            SERIAL_ABSENT
        };
        SERIAL_STATE.store(state, Ordering::Relaxed);
        VGA.lock().clear();
    });
}

#[doc(hidden)]
pub fn _print(args: fmt::Arguments) {
    interrupts::without_interrupts(|| {
        // Writing to either device cannot fail: their `write_str` always returns Ok.
        let _ = VGA.lock().write_fmt(args);
        let _ = SERIAL.lock().write_fmt(args);
    });
}

#[doc(hidden)]
pub fn _serial_print(args: fmt::Arguments) {
    interrupts::without_interrupts(|| {
        let _ = SERIAL.lock().write_fmt(args);
    });
}

/// Prints in `color` on the screen (serial has no colours), restoring the previous colour.
pub fn print_colored(color: ColorCode, args: fmt::Arguments) {
    interrupts::without_interrupts(|| {
        let mut vga = VGA.lock();
        let previous = vga.color();
        vga.set_color(color);
        let _ = vga.write_fmt(args);
        vga.set_color(previous);
        drop(vga);
        let _ = SERIAL.lock().write_fmt(args);
    });
}

/// Writes to both consoles even if their locks are held, by code this CPU interrupted or that
/// died holding them. Only for reports that must get out (panics, fatal exceptions): output may
/// interleave with whatever the interrupted writer was doing.
pub fn emergency_write(args: fmt::Arguments) {
    interrupts::without_interrupts(|| {
        if VGA.is_locked() {
            // SAFETY: interrupts are off and Kestrel runs on one CPU, so the holder cannot be
            // running now; it was interrupted or is this very path. The screen stays consistent
            // enough to read, which is all a dying kernel needs.
            unsafe { VGA.force_unlock() };
        }
        let _ = VGA.lock().write_fmt(args);
        // A second driver instance on the same ports bypasses the lock without touching the
        // interrupted writer's state; the UART itself serialises bytes. Re-probing would reset
        // the FIFOs and lose queued output, so only a never-probed port is initialised here.
        let mut serial = SerialPort::new(COM1);
        match SERIAL_STATE.load(Ordering::Relaxed) {
            SERIAL_PRESENT => serial.assume_present(),
            SERIAL_UNPROBED => {
                serial.init();
            }
            _ => {}
        }
        let _ = serial.write_fmt(args);
        serial.flush();
    });
}

/// Waits until COM1 has sent everything, before an exit or reset cuts it off. Called on the
/// way out of fatal errors too, so it does not wait for a lock the failing code may hold.
pub fn flush() {
    interrupts::without_interrupts(|| match SERIAL.try_lock() {
        Some(mut serial) => serial.flush(),
        None if SERIAL_STATE.load(Ordering::Relaxed) == SERIAL_PRESENT => {
            let mut serial = SerialPort::new(COM1);
            serial.assume_present();
            serial.flush();
        }
        None => {}
    });
}

/// Whether no console lock is held: code that may run while the interrupted code holds one
/// (exception handlers) checks this before printing normally.
pub fn is_idle() -> bool {
    !VGA.is_locked() && !SERIAL.is_locked()
}

#[macro_export]
macro_rules! print {
    ($($arg:tt)*) => ($crate::console::_print(format_args!($($arg)*)));
}

#[macro_export]
macro_rules! println {
    () => ($crate::print!("\n"));
    ($($arg:tt)*) => ($crate::console::_print(format_args!("{}\n", format_args!($($arg)*))));
}

#[macro_export]
macro_rules! serial_print {
    ($($arg:tt)*) => ($crate::console::_serial_print(format_args!($($arg)*)));
}

#[macro_export]
macro_rules! serial_println {
    () => ($crate::serial_print!("\n"));
    ($($arg:tt)*) => ($crate::console::_serial_print(format_args!("{}\n", format_args!($($arg)*))));
}
