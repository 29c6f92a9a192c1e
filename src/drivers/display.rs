//! What the text console and the screens it draws on share: character cells, the sink they go
//! to, the 16 VGA colours and the console's size limits. Drivers implement [`CellSink`] without
//! knowing the console behind it.

/// The 16 colours of the VGA text-mode palette (the attribute nibble values).
#[allow(
    dead_code,
    reason = "the whole palette, though the kernel names only some"
)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Color {
    Black = 0,
    Blue = 1,
    Green = 2,
    Cyan = 3,
    Red = 4,
    Magenta = 5,
    Brown = 6,
    LightGray = 7,
    DarkGray = 8,
    LightBlue = 9,
    LightGreen = 10,
    LightCyan = 11,
    LightRed = 12,
    Pink = 13,
    Yellow = 14,
    White = 15,
}

/// A foreground/background pair packed as a VGA attribute byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(transparent)]
pub struct ColorCode(pub(crate) u8);

impl ColorCode {
    pub const fn new(foreground: Color, background: Color) -> Self {
        ColorCode(((background as u8) << 4) | (foreground as u8))
    }

    pub const fn foreground(self) -> u8 {
        self.0 & 0x0F
    }

    pub const fn background(self) -> u8 {
        self.0 >> 4
    }
}

pub const DEFAULT_COLOR: ColorCode = ColorCode::new(Color::LightGray, Color::Black);

/// One screen position: a code page 437 byte and its colours, laid out as VGA stores it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(C)]
pub struct Cell {
    pub byte: u8,
    pub color: ColorCode,
}

impl Cell {
    pub const BLANK: Cell = Cell {
        byte: b' ',
        color: DEFAULT_COLOR,
    };
}

/// The size of VGA text mode, and of a new grid.
pub const WIDTH: usize = 80;
pub const HEIGHT: usize = 25;
/// The largest grid: 1920x1200 pixels of 8x16 glyphs. A larger framebuffer shows the grid in
/// its top-left corner; the cap keeps the statically allocated grid at 36 KiB.
pub const MAX_COLUMNS: usize = 240;
pub const MAX_ROWS: usize = 75;

/// Where a grid's changes go: video memory, a framebuffer renderer, or nowhere in tests.
pub trait CellSink {
    fn put(&mut self, row: usize, col: usize, cell: Cell);

    /// Called once after a batch of writes, with the cursor position.
    fn cursor_moved(&mut self, _row: usize, _col: usize) {}

    /// Shifts everything shown up by `lines` rows, when the sink can move what it shows faster
    /// than redrawing it (a framebuffer copies pixel rows). Returning false, the default, makes
    /// the grid put every cell again instead. Either way the grid then puts the rows freed at
    /// the bottom.
    fn scroll_up(&mut self, _lines: usize) -> bool {
        false
    }
}
