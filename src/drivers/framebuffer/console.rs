//! The text console drawn on a framebuffer: a [`CellSink`] that renders each cell with the 8x16
//! font in the VGA palette's colours, scrolls by moving pixel rows, and shows the cursor as an
//! inverted underline.
//!
//! Once the heap exists it draws into a shadow copy in RAM ([`FramebufferConsole::attach_shadow`])
//! and copies only the changed rectangle to the framebuffer at the end of each print. Real
//! framebuffers are mapped write-combining or uncached, where every read is a slow bus
//! transaction: scrolling by moving rows inside the framebuffer reads megabytes per line, and
//! inverting the cursor reads pixels back. With the shadow the framebuffer is only ever written.

use super::font::{GLYPH_HEIGHT, GLYPH_WIDTH, glyph};
use super::pixel::Rgb;
use super::surface::{Geometry, Surface};
use crate::drivers::display::{Cell, CellSink, MAX_COLUMNS, MAX_ROWS};
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
    /// A RAM copy of the framebuffer that drawing goes to first, once attached.
    shadow: Option<NonNull<u8>>,
    /// The pixel rectangle of the shadow not yet copied to the framebuffer.
    damage: Option<Damage>,
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
            shadow: None,
            damage: None,
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

    /// From now on, draws into `shadow` (the size of the framebuffer, `geometry().size_bytes()`)
    /// and copies changes to the framebuffer. The shadow starts black: the caller redraws every
    /// cell afterwards (`TextGrid::redraw`), which also repaints the framebuffer.
    pub fn attach_shadow(&mut self, shadow: &'static mut [u8]) {
        assert!(
            shadow.len() >= self.geometry.size_bytes(),
            "shadow too small"
        );
        self.shadow = Some(NonNull::from(shadow).cast());
        self.cursor = None;
        let black = self.palette[0];
        self.surface().fill(black);
    }

    /// Where drawing goes: the shadow once attached, else the framebuffer itself.
    fn surface(&mut self) -> Surface<'_> {
        let base = self.shadow.unwrap_or(self.base);
        // SAFETY: `new`'s and `attach_shadow`'s contracts: the whole span is mapped and only
        // this console touches it; `&mut self` makes this the only slice over it.
        let pixels =
            unsafe { core::slice::from_raw_parts_mut(base.as_ptr(), self.geometry.size_bytes()) };
        Surface::new(pixels, self.geometry)
    }

    /// The framebuffer itself (what is on screen, for tests that check video memory).
    fn front(&mut self) -> Surface<'_> {
        // SAFETY: as in `surface`.
        let pixels = unsafe {
            core::slice::from_raw_parts_mut(self.base.as_ptr(), self.geometry.size_bytes())
        };
        Surface::new(pixels, self.geometry)
    }

    /// Notes that the pixels of this rectangle changed in the shadow.
    fn damage(&mut self, x: usize, y: usize, width: usize, height: usize) {
        if self.shadow.is_none() {
            return;
        }
        let area = Damage {
            left: x,
            top: y,
            right: x + width,
            bottom: y + height,
        };
        self.damage = Some(self.damage.map_or(area, |damage| damage.union(area)));
    }

    /// Copies the damaged rectangle from the shadow to the framebuffer, row by row.
    fn present(&mut self) {
        let (Some(shadow), Some(damage)) = (self.shadow, self.damage.take()) else {
            return;
        };
        let pitch = self.geometry.pitch();
        let step = self.geometry.format().bytes_per_pixel();
        let (start, len) = (damage.left * step, (damage.right - damage.left) * step);
        for y in damage.top..damage.bottom {
            let offset = y * pitch + start;
            // SAFETY: both buffers span `size_bytes()`, the rectangle lies inside the surface,
            // and they are distinct allocations (RAM and video memory).
            unsafe {
                core::ptr::copy_nonoverlapping(
                    shadow.as_ptr().add(offset),
                    self.base.as_ptr().add(offset),
                    len,
                );
            }
        }
    }

    /// Blanks the whole framebuffer, margins beyond the grid included, to black.
    pub fn blank(&mut self) {
        self.cursor = None;
        let black = self.palette[0];
        self.surface().fill(black);
        let (width, height) = (self.geometry.width(), self.geometry.height());
        self.damage(0, 0, width, height);
        self.present();
    }

    fn toggle_cursor(&mut self, row: usize, col: usize) {
        let y = (row + 1) * GLYPH_HEIGHT - CURSOR_HEIGHT;
        let x = col * GLYPH_WIDTH;
        self.surface().invert_rect(x, y, GLYPH_WIDTH, CURSOR_HEIGHT);
        self.damage(x, y, GLYPH_WIDTH, CURSOR_HEIGHT);
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
        let surface = self.front();
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
        let (x, y) = (col * GLYPH_WIDTH, row * GLYPH_HEIGHT);
        self.surface()
            .draw_glyph(x, y, glyph(cell.byte), foreground, background);
        self.damage(x, y, GLYPH_WIDTH, GLYPH_HEIGHT);
    }

    fn cursor_moved(&mut self, row: usize, col: usize) {
        self.hide_cursor();
        // Past the last column the cursor waits to wrap; show it on the last cell, as VGA does.
        let row = row.min(self.rows - 1);
        let col = col.min(self.columns - 1);
        self.toggle_cursor(row, col);
        self.cursor = Some((row, col));
        // The grid moves the cursor at the end of every print: the moment to show it all.
        self.present();
    }

    fn scroll_up(&mut self, lines: usize) -> bool {
        // The underline must not travel up with the pixels.
        self.hide_cursor();
        let lines = lines.min(self.rows);
        let moved = (self.rows - lines) * GLYPH_HEIGHT;
        self.surface().move_rows(0, lines * GLYPH_HEIGHT, moved);
        let (columns, rows) = (self.columns, self.rows);
        self.damage(0, 0, columns * GLYPH_WIDTH, rows * GLYPH_HEIGHT);
        true
    }
}

/// A pixel rectangle, right and bottom exclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Damage {
    left: usize,
    top: usize,
    right: usize,
    bottom: usize,
}

impl Damage {
    fn union(self, other: Damage) -> Damage {
        Damage {
            left: self.left.min(other.left),
            top: self.top.min(other.top),
            right: self.right.max(other.right),
            bottom: self.bottom.max(other.bottom),
        }
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
    fn with_a_shadow_the_framebuffer_shows_the_same_and_is_written_only_where_changed() {
        let (memory, mut grid) = console(bgrx32(), 200, 80);
        let size = grid.sink().geometry().size_bytes();
        let shadow: &'static mut [u8] = Vec::leak(vec![0u8; size]);
        grid.write_str("before the shadow\n");
        grid.sink_mut().attach_shadow(shadow);
        grid.redraw();
        assert_screen_matches_grid(&mut grid);
        let geometry = *grid.sink().geometry();
        // The padding past each 200-pixel row (the pitch is 64 bytes longer) is never
        // written: it keeps the fill the test framebuffer started with.
        let margin = |memory: &Vec<u8>| {
            (0..geometry.height()).all(|y| {
                memory[y * geometry.pitch() + 200 * 4..(y + 1) * geometry.pitch()]
                    .iter()
                    .all(|&b| b == 0xEE)
            })
        };
        assert!(margin(&memory));
        for i in 0..3 * grid.rows() {
            grid.write_str(&format!("scrolled line {i}\n"));
        }
        grid.write_str("x\u{8}");
        assert_screen_matches_grid(&mut grid);
        assert!(margin(&memory));
    }

    #[test]
    fn damage_grows_to_cover_every_change() {
        let a = Damage {
            left: 8,
            top: 0,
            right: 16,
            bottom: 16,
        };
        let b = Damage {
            left: 0,
            top: 32,
            right: 8,
            bottom: 48,
        };
        assert_eq!(
            a.union(b),
            Damage {
                left: 0,
                top: 0,
                right: 16,
                bottom: 48
            }
        );
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
