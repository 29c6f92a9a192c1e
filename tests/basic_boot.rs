//! The kernel boots, prints and scrolls, what it prints reaches the screen itself (VGA text
//! memory or framebuffer pixels), and the screen is the one the firmware calls for.

#![no_std]
#![no_main]

use kestrel::boot::info::Firmware;
use kestrel::boot::{self, BootInfo};
use kestrel::console::screen::{Screen, ScreenKind};
use kestrel::console::{self, SCREEN};
use kestrel::{println, serial_println};

kestrel::entry_point!(main);

fn main(_boot: &'static BootInfo) -> ! {
    kestrel::run_tests!(
        screen_matches_firmware,
        println_works,
        many_lines_scroll,
        screen_holds_printed_text,
        long_line_wraps,
        emergency_write_gets_past_a_held_lock
    );
}

/// UEFI has no VGA text mode, so GRUB-EFI (which passes the EFI system table) must have given
/// a framebuffer; under BIOS grub.cfg keeps text mode. tests/runner.sh also checks the boot
/// log against the firmware it booted.
fn screen_matches_firmware() {
    let uefi = boot::info().firmware == Firmware::Uefi;
    let expected = if uefi {
        ScreenKind::Framebuffer
    } else {
        ScreenKind::VgaText
    };
    assert_eq!(console::screen_kind(), expected, "UEFI: {uefi}");
}

fn println_works() {
    println!("println works after boot");
}

fn many_lines_scroll() {
    let rows = SCREEN.lock().rows();
    let lines = 2 * rows + 7;
    let start = tsc();
    for i in 0..lines {
        println!("scroll line {i}");
    }
    let cycles = tsc() - start;
    serial_println!("({} TSC cycles per scrolling line) ", cycles / lines as u64);
    let mut screen = SCREEN.lock();
    // The cursor sits on the blank last row, with the last line printed right above it.
    assert_eq!(screen.cursor(), (rows - 1, 0));
    let line = |n: usize| -> ([u8; 20], usize) {
        let mut text = [0; 20];
        let mut writer = Buffer(&mut text, 0);
        let _ = core::fmt::write(&mut writer, format_args!("scroll line {n}"));
        let len = writer.1;
        (text, len)
    };
    for (row, n) in [
        (rows - 2, lines - 1),
        (rows - 3, lines - 2),
        (0, lines + 1 - rows),
    ] {
        let (text, len) = line(n);
        assert!(
            screen.row_bytes(row).eq(text[..len].iter().copied()),
            "row {row}"
        );
    }
    assert_shown(&mut screen, 0..rows);
}

/// Reads video memory itself (not the console's copy) back after printing.
fn screen_holds_printed_text() {
    let line = "Some test string that fits on a single line";
    println!("{line}");
    let mut screen = SCREEN.lock();
    let row = screen.cursor().0 - 1;
    for (col, byte) in line.bytes().enumerate() {
        assert_eq!(screen.cell(row, col).byte, byte, "column {col}");
    }
    assert_shown(&mut screen, row..row + 1);
}

fn long_line_wraps() {
    let columns = SCREEN.lock().columns();
    let mut text = [b'w'; kestrel::console::text_grid::MAX_COLUMNS + 10];
    text[columns] = b'X';
    println!("{}", core::str::from_utf8(&text[..columns + 10]).unwrap());
    let screen = SCREEN.lock();
    let row = screen.cursor().0 - 1;
    assert_eq!(screen.cell(row, 0).byte, b'X');
    assert_eq!(screen.row_bytes(row).count(), 10);
    assert_eq!(screen.row_bytes(row - 1).count(), columns);
}

/// A panic report must reach the screen even while the code it interrupted holds the lock.
fn emergency_write_gets_past_a_held_lock() {
    let held = SCREEN.lock();
    console::emergency_write(format_args!("emergency report {}\n", 42));
    // The emergency writer took the lock from under `held` and released it when done.
    core::mem::forget(held);
    let mut screen = SCREEN.lock();
    let row = screen.cursor().0 - 1;
    assert!(screen.row_bytes(row).eq(*b"emergency report 42"));
    assert_shown(&mut screen, row..row + 1);
}

/// Every cell of `rows` is on the screen as the grid holds it.
fn assert_shown(screen: &mut console::ScreenConsole, rows: core::ops::Range<usize>) {
    let columns = screen.columns();
    for row in rows {
        for col in 0..columns {
            let cell = screen.cell(row, col);
            let shown = match screen.sink_mut() {
                Screen::VgaText(vga) => vga.read(row, col) == cell,
                Screen::Framebuffer(fb) => fb.shows(row, col, cell),
                Screen::Headless => panic!("no screen attached"),
            };
            assert!(
                shown,
                "cell {row},{col} ({:?}) is not on screen",
                cell.byte as char
            );
        }
    }
}

fn tsc() -> u64 {
    // SAFETY: RDTSC only reads the time-stamp counter; every long-mode CPU has one.
    unsafe { core::arch::x86_64::_rdtsc() }
}

/// Formats into a fixed buffer: the kernel has no heap yet.
struct Buffer<'a>(&'a mut [u8], usize);

impl core::fmt::Write for Buffer<'_> {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        let end = self.1 + s.len();
        self.0
            .get_mut(self.1..end)
            .ok_or(core::fmt::Error)?
            .copy_from_slice(s.as_bytes());
        self.1 = end;
        Ok(())
    }
}
