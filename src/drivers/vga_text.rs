//! VGA text mode (80x25 at physical 0xB8000) as a [`CellSink`] for the text console.

use crate::drivers::display::{Cell, CellSink, HEIGHT, WIDTH};
use crate::memory::layout::phys_to_virt;
use core::ptr::NonNull;
use volatile::VolatilePtr;
use x86_64::instructions::port::Port;

/// Where VGA text memory lies physically, and how much of it the 80x25 mode uses.
pub const VGA_TEXT_PHYS: u64 = 0xB8000;
pub const VGA_TEXT_BYTES: u64 = (WIDTH * HEIGHT * size_of::<Cell>()) as u64;
const CRTC_INDEX: u16 = 0x3D4;
const CRTC_DATA: u16 = 0x3D5;
const CURSOR_LOCATION_HIGH: u8 = 0x0E;
const CURSOR_LOCATION_LOW: u8 = 0x0F;

pub struct VgaTextBuffer {
    base: NonNull<Cell>,
}

// SAFETY: the buffer is plain memory-mapped I/O; the console lock serialises every access.
unsafe impl Send for VgaTextBuffer {}

impl VgaTextBuffer {
    /// # Safety
    /// Only one value may exist, and the VGA text buffer must be mapped at its higher-half alias.
    pub const unsafe fn new() -> Self {
        VgaTextBuffer {
            base: NonNull::new(phys_to_virt(VGA_TEXT_PHYS) as *mut Cell).unwrap(),
        }
    }

    fn cell(&mut self, row: usize, col: usize) -> VolatilePtr<'_, Cell> {
        assert!(
            row < HEIGHT && col < WIDTH,
            "VGA cell {row},{col} is off screen"
        );
        // SAFETY: the index is inside the 80x25 buffer that `base` points at, and `&mut self`
        // makes this the only live access through this driver.
        unsafe { VolatilePtr::new(self.base.add(row * WIDTH + col)) }
    }

    /// Reads back what video memory holds (tests compare it with what was printed).
    pub fn read(&mut self, row: usize, col: usize) -> Cell {
        self.cell(row, col).read()
    }
}

impl CellSink for VgaTextBuffer {
    fn put(&mut self, row: usize, col: usize, cell: Cell) {
        // Volatile: the compiler must not elide or merge writes it never sees read back.
        self.cell(row, col).write(cell);
    }

    fn cursor_moved(&mut self, row: usize, col: usize) {
        let position = (row * WIDTH + col).min(WIDTH * HEIGHT - 1) as u16;
        let mut index = Port::<u8>::new(CRTC_INDEX);
        let mut data = Port::<u8>::new(CRTC_DATA);
        // SAFETY: the CRTC cursor-location registers only move the blinking cursor.
        unsafe {
            index.write(CURSOR_LOCATION_HIGH);
            data.write((position >> 8) as u8);
            index.write(CURSOR_LOCATION_LOW);
            data.write(position as u8);
        }
    }
}

/// Whether a VGA card answers: its CRTC keeps what is written to the cursor-location register,
/// and text memory keeps what is written to it. Without a card (QEMU `-vga none`, many UEFI
/// machines) nothing decodes the ports, which read as all ones, while the memory may be plain
/// RAM or nothing at all; so both are asked. Whatever is changed is restored.
pub fn responds() -> bool {
    crtc_answers() && memory_keeps()
}

fn crtc_answers() -> bool {
    let mut index = Port::<u8>::new(CRTC_INDEX);
    let mut data = Port::<u8>::new(CRTC_DATA);
    // SAFETY: selects and rewrites the cursor-location low register, which only moves the
    // blinking cursor, and puts its value back; without a card the ports go nowhere.
    unsafe {
        index.write(CURSOR_LOCATION_LOW);
        let old = data.read();
        let kept = [0x5A_u8, 0xA5].iter().all(|&pattern| {
            data.write(pattern);
            data.read() == pattern
        });
        data.write(old);
        kept
    }
}

/// Checked on the last cell, with two patterns.
fn memory_keeps() -> bool {
    let last = (WIDTH * HEIGHT - 1) as u64 * size_of::<Cell>() as u64;
    let cell = phys_to_virt(VGA_TEXT_PHYS + last) as *mut u16;
    // SAFETY: the boot tables and the kernel's own both map the VGA text buffer at its
    // higher-half alias; the console is not drawing yet (it asks this before attaching), and
    // the cell gets its old contents back.
    unsafe {
        let old = cell.read_volatile();
        let kept = [0x1E5A_u16, 0xE1A5].iter().all(|&pattern| {
            cell.write_volatile(pattern);
            cell.read_volatile() == pattern
        });
        cell.write_volatile(old);
        kept
    }
}
