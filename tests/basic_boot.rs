//! The kernel boots, prints, scrolls, and what it prints is in VGA memory.

#![no_std]
#![no_main]

use kestrel::boot::BootInfo;
use kestrel::console::VGA;
use kestrel::console::text_grid::{HEIGHT, WIDTH};
use kestrel::println;

kestrel::entry_point!(main);

fn main(_boot: &'static BootInfo) -> ! {
    kestrel::run_tests!(
        println_works,
        many_lines_scroll,
        vga_memory_holds_printed_text,
        long_line_wraps
    );
}

fn println_works() {
    println!("println works after boot");
}

fn many_lines_scroll() {
    for i in 0..200 {
        println!("scroll line {i}");
    }
    let vga = VGA.lock();
    // The cursor sits on the blank last row, with the last line printed right above it.
    assert_eq!(vga.cursor(), (HEIGHT - 1, 0));
    assert!(vga.row_bytes(HEIGHT - 2).eq(*b"scroll line 199"));
    assert!(vga.row_bytes(HEIGHT - 3).eq(*b"scroll line 198"));
    assert!(vga.row_bytes(0).eq(*b"scroll line 176"));
}

/// Reads video memory itself (not the console's copy) back after printing.
fn vga_memory_holds_printed_text() {
    let line = "Some test string that fits on a single line";
    println!("{line}");
    let mut vga = VGA.lock();
    let row = vga.cursor().0 - 1;
    for (col, byte) in line.bytes().enumerate() {
        let cell = vga.sink_mut().read(row, col);
        assert_eq!(cell.byte, byte, "column {col}");
        assert_eq!(cell, vga.cell(row, col));
    }
}

fn long_line_wraps() {
    let mut text = [b'w'; WIDTH + 10];
    text[WIDTH] = b'X';
    println!("{}", core::str::from_utf8(&text).unwrap());
    let vga = VGA.lock();
    let row = vga.cursor().0 - 1;
    assert_eq!(vga.cell(row, 0).byte, b'X');
    assert_eq!(vga.row_bytes(row).count(), 10);
    assert_eq!(vga.row_bytes(row - 1).count(), WIDTH);
}
