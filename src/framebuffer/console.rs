//! The text console drawn on a framebuffer: a [`CellSink`] that renders each cell with the 8x16
//! font in the VGA palette's colours, scrolls by moving pixel rows, and shows the cursor as an
//! inverted underline.

use super::font::{GLYPH_HEIGHT, GLYPH_WIDTH, glyph};
use super::pixel::Rgb;
use super::surface::{Geometry, Surface};
use crate::console::text_grid::{Cell, CellSink, MAX_COLUMNS, MAX_ROWS};
use core::ptr::NonNull;

/// The colours VGA text mode shows for the 16 attribute values, so both consoles look alike.
const VGA_PALETTE: [Rgb; 16] = [
    Rgb::new(0x00, 0x00, 0x00),
    Rgb::new(0x00, 0x00, 0xAA),
    Rgb::new(0x00, 0xAA, 0x00),
    Rgb::new(0x00, 0xAA, 0xAA),
    Rgb::new(0xAA, 0x00, 0x00),
    Rgb::new(0xAA, 0x00, 0xAA),
    Rgb::new(0xAA, 0x55, 0x00),
    Rgb::new(0xAA, 0xAA, 0xAA),
    Rgb::new(0x55, 0x55, 0x55),
    Rgb::new(0x55, 0x55, 0xFF),
    Rgb::new(0x55, 0xFF, 0x55),
    Rgb::new(0x55, 0xFF, 0xFF),
    Rgb::new(0xFF, 0x55, 0x55),
    Rgb::new(0xFF, 0x55, 0xFF),
    Rgb::new(0xFF, 0xFF, 0x55),
    Rgb::new(0xFF, 0xFF, 0xFF),
];

/// The cursor: the bottom pixel rows of its cell, inverted.
const CURSOR_HEIGHT: usize = 2;

/// The columns and rows of text a framebuffer of this shape shows.
pub fn grid_size(geometry: &Geometry) -> (usize, usize) {
    (
        (geometry.width() / GLYPH_WIDTH).min(MAX_COLUMNS),
        (geometry.height() / GLYPH_HEIGHT).min(MAX_ROWS),
    )
}

pub struct FramebufferConsole {
    base: NonNull<u8>,
    geometry: Geometry,
    /// `VGA_PALETTE` encoded in this framebuffer's pixel format.
    palette: [u32; 16],
    columns: usize,
    rows: usize,
    /// The cell whose cursor underline is currently inverted on screen.
    cursor: Option<(usize, usize)>,
}

// SAFETY: the console owns its framebuffer (see `new`); the console lock serialises access.
unsafe impl Send for FramebufferConsole {}

impl FramebufferConsole {
    /// A console on the framebuffer at `base`, showing as many cells as fit (up to the grid's
    /// maximum) from the top-left corner.
    ///
    /// # Safety
    /// `base` must point at `geometry.size_bytes()` bytes of mapped, writable framebuffer
    /// memory (or ordinary memory, in tests) that nothing else uses while this value exists.
    pub unsafe fn new(base: NonNull<u8>, geometry: Geometry) -> Self {
        let format = *geometry.format();
        FramebufferConsole {
            base,
            geometry,
            palette: VGA_PALETTE.map(|color| format.encode(color)),
            columns: grid_size(&geometry).0,
            rows: grid_size(&geometry).1,
            cursor: None,
        }
    }

    /// Points the console at another mapping of the same framebuffer, e.g. the write-combining
    /// one the kernel's own page tables provide, before the old mapping goes away.
    ///
    /// # Safety
    /// As for [`FramebufferConsole::new`]: `base` must map the same framebuffer.
    pub unsafe fn rebase(&mut self, base: NonNull<u8>) {
        self.base = base;
    }

    pub fn columns(&self) -> usize {
        self.columns
    }

    pub fn rows(&self) -> usize {
        self.rows
    }

    pub fn geometry(&self) -> &Geometry {
        &self.geometry
    }

    fn surface(&mut self) -> Surface<'_> {
        // SAFETY: `new`'s contract: the whole span is mapped and only this console touches it;
        // `&mut self` makes this the only slice over it.
        let pixels = unsafe {
            core::slice::from_raw_parts_mut(self.base.as_ptr(), self.geometry.size_bytes())
        };
        Surface::new(pixels, self.geometry)
    }

    /// Blanks the whole framebuffer, margins beyond the grid included, to black.
    pub fn blank(&mut self) {
        self.cursor = None;
        let black = self.palette[0];
        self.surface().fill(black);
    }

    fn toggle_cursor(&mut self, row: usize, col: usize) {
        let y = (row + 1) * GLYPH_HEIGHT - CURSOR_HEIGHT;
        self.surface()
            .invert_rect(col * GLYPH_WIDTH, y, GLYPH_WIDTH, CURSOR_HEIGHT);
    }

    fn hide_cursor(&mut self) {
        if let Some((row, col)) = self.cursor.take() {
            self.toggle_cursor(row, col);
        }
    }

    /// Whether the pixels of cell `row`,`col` show `cell` (and the cursor, if it is there):
    /// lets tests check video memory itself rather than the grid's copy.
    pub fn shows(&mut self, row: usize, col: usize, cell: Cell) -> bool {
        let foreground = self.palette[usize::from(cell.color.foreground())];
        let background = self.palette[usize::from(cell.color.background())];
        let cursor_here = self.cursor == Some((row, col));
        let mask = self.geometry.format().color_mask();
        let surface = self.surface();
        glyph(cell.byte).iter().enumerate().all(|(y, bits)| {
            let inverted = cursor_here && y >= GLYPH_HEIGHT - CURSOR_HEIGHT;
            (0..GLYPH_WIDTH).all(|x| {
                let lit = bits & (0x80 >> x) != 0;
                let mut expected = if lit { foreground } else { background };
                if inverted {
                    expected ^= mask;
                }
                surface.pixel(col * GLYPH_WIDTH + x, row * GLYPH_HEIGHT + y) == expected
            })
        })
    }
}

impl CellSink for FramebufferConsole {
    fn put(&mut self, row: usize, col: usize, cell: Cell) {
        if self.cursor == Some((row, col)) {
            // Drawing the cell wipes the underline along with everything else.
            self.cursor = None;
        }
        let foreground = self.palette[usize::from(cell.color.foreground())];
        let background = self.palette[usize::from(cell.color.background())];
        self.surface().draw_glyph(
            col * GLYPH_WIDTH,
            row * GLYPH_HEIGHT,
            glyph(cell.byte),
            foreground,
            background,
        );
    }

    fn cursor_moved(&mut self, row: usize, col: usize) {
        self.hide_cursor();
        // Past the last column the cursor waits to wrap; show it on the last cell, as VGA does.
        let row = row.min(self.rows - 1);
        let col = col.min(self.columns - 1);
        self.toggle_cursor(row, col);
        self.cursor = Some((row, col));
    }

    fn scroll_up(&mut self, lines: usize) -> bool {
        // The underline must not travel up with the pixels.
        self.hide_cursor();
        let lines = lines.min(self.rows);
        let moved = (self.rows - lines) * GLYPH_HEIGHT;
        self.surface().move_rows(0, lines * GLYPH_HEIGHT, moved);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::super::pixel::PixelFormat;
    use super::super::pixel::tests::{bgrx32, rgb24};
    use super::*;
    use crate::console::text_grid::{Color, ColorCode, TextGrid};
    extern crate std;
    use std::format;
    use std::vec;
    use std::vec::Vec;

    /// A framebuffer in a `Vec` (kept alive alongside the grid that draws on it).
    fn console(
        format: PixelFormat,
        width: usize,
        height: usize,
    ) -> (Vec<u8>, TextGrid<FramebufferConsole>) {
        let pitch = width * format.bytes_per_pixel() + 64;
        let geometry = Geometry::new(width, height, pitch, format).unwrap();
        let mut memory = vec![0xEE; geometry.size_bytes()];
        let base = NonNull::new(memory.as_mut_ptr()).unwrap();
        // SAFETY: `memory` outlives the grid in every test and is only touched through it.
        let sink = unsafe { FramebufferConsole::new(base, geometry) };
        let (columns, rows) = (sink.columns(), sink.rows());
        (memory, TextGrid::with_size(sink, columns, rows))
    }

    fn assert_screen_matches_grid(grid: &mut TextGrid<FramebufferConsole>) {
        for row in 0..grid.rows() {
            for col in 0..grid.columns() {
                let cell = grid.cell(row, col);
                assert!(
                    grid.sink_mut().shows(row, col, cell),
                    "cell {row},{col} does not show {:?}",
                    cell.byte as char
                );
            }
        }
    }

    #[test]
    fn grid_size_follows_the_framebuffer() {
        let (_memory, grid) = console(bgrx32(), 1024, 768);
        assert_eq!((grid.columns(), grid.rows()), (128, 48));
        let (_memory, grid) = console(bgrx32(), 800, 600);
        assert_eq!((grid.columns(), grid.rows()), (100, 37));
        let (_memory, grid) = console(rgb24(), 3840, 2160);
        assert_eq!((grid.columns(), grid.rows()), (MAX_COLUMNS, MAX_ROWS));
    }

    #[test]
    fn text_and_colours_reach_the_pixels() {
        let (_memory, mut grid) = console(bgrx32(), 320, 96);
        grid.write_str("Hello, ");
        grid.set_color(ColorCode::new(Color::Yellow, Color::Blue));
        grid.write_str("framebuffer!");
        assert_screen_matches_grid(&mut grid);
        // The yellow-on-blue '!' has blue background pixels: B=0xAA in a B,G,R,X pixel.
        let sink = grid.sink_mut();
        assert_eq!(sink.surface().pixel(18 * GLYPH_WIDTH, 0), 0x0000_00AA);
    }

    #[test]
    fn scrolling_moves_pixels_and_redraws_only_the_new_row() {
        let (_memory, mut grid) = console(rgb24(), 200, 80);
        let rows = grid.rows();
        assert_eq!(rows, 5);
        for i in 0..3 * rows {
            grid.write_str(&format!("line {i} of many\n"));
        }
        assert!(
            grid.row_bytes(0)
                .eq(format!("line {} of many", 2 * rows + 1).bytes())
        );
        assert_screen_matches_grid(&mut grid);
    }

    #[test]
    fn cursor_is_an_inverted_underline_that_never_smears() {
        let (_memory, mut grid) = console(bgrx32(), 160, 64);
        grid.write_str("ab");
        let white = 0x00FF_FFFF;
        let bottom = GLYPH_HEIGHT - 1;
        assert_eq!(
            grid.sink_mut().surface().pixel(2 * GLYPH_WIDTH, bottom),
            white
        );
        assert_eq!(grid.sink_mut().surface().pixel(GLYPH_WIDTH, bottom), 0);
        // Moving on, then scrolling with the cursor drawn, leaves no underline behind.
        for _ in 0..grid.rows() + 1 {
            grid.write_str("x\n");
        }
        assert_screen_matches_grid(&mut grid);
        let (row, col) = grid.cursor();
        assert_eq!((row, col), (grid.rows() - 1, 0));
        assert_eq!(
            grid.sink_mut()
                .surface()
                .pixel(0, row * GLYPH_HEIGHT + bottom),
            white
        );
        // Backspacing onto the cursor cell redraws it and the cursor moves left.
        grid.write_str("yz\u{8}");
        assert_screen_matches_grid(&mut grid);
    }

    #[test]
    fn blank_clears_margins_beyond_the_grid() {
        let (memory, mut grid) = console(bgrx32(), 100, 40);
        grid.sink_mut().blank();
        let geometry = *grid.sink().geometry();
        // 100x40 pixels hold 12x2 cells; pixels 96..100 and rows 32..40 are margin.
        let surface_bytes = &memory[..geometry.size_bytes()];
        for y in 0..geometry.height() {
            let row = &surface_bytes[y * geometry.pitch()..][..100 * 4];
            assert!(row.iter().all(|&b| b == 0), "row {y}");
        }
    }
}
