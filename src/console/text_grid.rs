//! The text console's state machine: a grid of character cells (80x25 for VGA text mode, as
//! many as fit for a framebuffer) with a cursor, wrapping, scrolling and colours. It keeps its
//! own copy of the screen, so scrolling never needs to read video memory (slow on real hardware)
//! and host tests can inspect exactly what is shown. Every cell it changes is also pushed to a
//! [`CellSink`]: VGA text memory, or the framebuffer renderer. Characters are stored as code
//! page 437 bytes (see [`super::cp437`]), and the grid obeys the ANSI sequences of
//! [`super::ansi`] (moves, erasures, insertions and deletions, a scrolling region, colours
//! through [`super::sgr`], an alternate screen, position reports), as a VT100-style terminal
//! does, so that full-screen programs such as vi draw on it as on a serial terminal.

use super::ansi::{Action, AnsiParser, Reply};
use super::cp437;
use super::sgr::Rendition;

pub use crate::drivers::display::{
    Cell, CellSink, Color, ColorCode, DEFAULT_COLOR, HEIGHT, MAX_COLUMNS, MAX_ROWS, WIDTH,
};

const TAB_WIDTH: usize = 8;
/// Code page 437 "■", shown for characters the text mode cannot display.
const UNPRINTABLE: u8 = 0xFE;

/// A sink that discards everything, for a grid that is only inspected.
pub struct NullSink;

impl CellSink for NullSink {
    fn put(&mut self, _row: usize, _col: usize, _cell: Cell) {}
}

/// What DECSC (ESC 7) keeps for DECRC (ESC 8), and the alternate screen for its return.
#[derive(Debug, Clone, Copy)]
struct SavedCursor {
    /// Row relative to the text area (below the reserved rows).
    row: usize,
    col: usize,
    rendition: Rendition,
}

impl SavedCursor {
    const HOME: SavedCursor = SavedCursor {
        row: 0,
        col: 0,
        rendition: Rendition::DEFAULT,
    };
}

pub struct TextGrid<S: CellSink> {
    /// Row-major, `columns` cells per row; the tail beyond `columns * rows` is unused.
    cells: [Cell; MAX_COLUMNS * MAX_ROWS],
    /// The other screen's text rows, laid out like `cells`: the main screen's while the
    /// alternate one (CSI ? 1049 h) is shown.
    other: [Cell; MAX_COLUMNS * MAX_ROWS],
    alternate: bool,
    columns: usize,
    rows: usize,
    row: usize,
    col: usize,
    /// The colour of new text: the rendition's, or what the kernel set for a coloured print.
    color: ColorCode,
    /// The colour of erased and scrolled-in cells.
    blank: ColorCode,
    rendition: Rendition,
    /// The scrolling region (DECSTBM) as first and last row, relative to the text area;
    /// `None` for all of it.
    margins: Option<(usize, usize)>,
    saved: SavedCursor,
    /// The cursor the main screen had when the alternate one came up.
    main_cursor: SavedCursor,
    /// The answer to the last report request (DSR), until the TTY takes it.
    reply: Option<Reply>,
    ansi: AnsiParser,
    /// Rows kept at the top for an overlay (the status line): text never goes there, and
    /// scrolling and clearing leave them alone. 0 or 1.
    top: usize,
    sink: S,
}

impl<S: CellSink> TextGrid<S> {
    /// An 80x25 grid that starts blank; call [`TextGrid::clear`] to blank the sink as well.
    pub const fn new(sink: S) -> Self {
        TextGrid {
            cells: [Cell::BLANK; MAX_COLUMNS * MAX_ROWS],
            other: [Cell::BLANK; MAX_COLUMNS * MAX_ROWS],
            alternate: false,
            columns: WIDTH,
            rows: HEIGHT,
            row: 0,
            col: 0,
            color: DEFAULT_COLOR,
            blank: DEFAULT_COLOR,
            rendition: Rendition::DEFAULT,
            margins: None,
            saved: SavedCursor::HOME,
            main_cursor: SavedCursor::HOME,
            reply: None,
            ansi: AnsiParser::new(),
            top: 0,
            sink,
        }
    }

    /// A `columns` x `rows` grid (clamped to 1..=the maximum), cleared on the sink as well.
    pub fn with_size(sink: S, columns: usize, rows: usize) -> Self {
        let mut grid = Self::new(sink);
        grid.columns = columns.clamp(1, MAX_COLUMNS);
        grid.rows = rows.clamp(1, MAX_ROWS);
        grid.clear();
        grid
    }

    /// Switches to another sink of `columns` x `rows` cells (clamped to 1..=the maximum) and
    /// clears the grid and the new sink. Returns the previous sink.
    pub fn replace_sink(&mut self, sink: S, columns: usize, rows: usize) -> S {
        let previous = core::mem::replace(&mut self.sink, sink);
        self.columns = columns.clamp(1, MAX_COLUMNS);
        self.rows = rows.clamp(1, MAX_ROWS);
        self.top = 0;
        self.margins = None;
        self.alternate = false;
        self.clear();
        previous
    }

    pub fn columns(&self) -> usize {
        self.columns
    }

    pub fn rows(&self) -> usize {
        self.rows
    }

    /// The colour of text written from now on (until an SGR sequence sets another).
    pub fn set_color(&mut self, color: ColorCode) {
        self.color = color;
    }

    /// The answer a report request (DSR 5 or 6) left for the terminal's input, taken once.
    pub fn take_reply(&mut self) -> Option<Reply> {
        self.reply.take()
    }

    /// Whether the alternate screen (CSI ? 1049 h) is up.
    pub fn in_alternate_screen(&self) -> bool {
        self.alternate
    }

    pub fn color(&self) -> ColorCode {
        self.color
    }

    pub fn cursor(&self) -> (usize, usize) {
        (self.row, self.col)
    }

    pub fn cell(&self, row: usize, col: usize) -> Cell {
        self.cells[self.index(row, col)]
    }

    fn index(&self, row: usize, col: usize) -> usize {
        assert!(
            row < self.rows && col < self.columns,
            "cell {row},{col} is outside the {}x{} grid",
            self.columns,
            self.rows
        );
        row * self.columns + col
    }

    pub fn sink(&self) -> &S {
        &self.sink
    }

    pub fn sink_mut(&mut self) -> &mut S {
        &mut self.sink
    }

    /// The text of one row with trailing blanks removed (tests and diagnostics).
    pub fn row_bytes(&self, row: usize) -> impl Iterator<Item = u8> + '_ {
        let start = self.index(row, 0);
        let cells = &self.cells[start..start + self.columns];
        let len = cells
            .iter()
            .rposition(|c| c.byte != b' ')
            .map_or(0, |i| i + 1);
        cells[..len].iter().map(|c| c.byte)
    }

    /// Pushes every cell to the sink again, and the cursor: for a sink that lost what it showed
    /// (a framebuffer console that just switched to a shadow buffer).
    pub fn redraw(&mut self) {
        for index in 0..self.columns * self.rows {
            let cell = self.cells[index];
            self.sink
                .put(index / self.columns, index % self.columns, cell);
        }
        self.sink.cursor_moved(self.row, self.col);
    }

    /// Abandons an escape sequence cut off halfway (by a fault report breaking in), so that
    /// what follows is shown rather than taken as its parameters.
    pub fn reset_escape(&mut self) {
        self.ansi = AnsiParser::new();
    }

    /// Blanks the text rows (not the reserved top row) and homes the cursor.
    pub fn clear(&mut self) {
        for row in self.top..self.rows {
            self.clear_row(row);
        }
        self.row = self.top;
        self.col = 0;
        self.sink.cursor_moved(self.row, 0);
    }

    /// Keeps the top row for an overlay from now on: text moves down a row to make room (or,
    /// on a full screen, the oldest row goes), and nothing written later reaches it. Does
    /// nothing on a one-row grid or when already reserved.
    pub fn reserve_top_row(&mut self) {
        if self.top > 0 || self.rows < 2 {
            return;
        }
        if self.row + 1 < self.rows {
            let end = (self.row + 1) * self.columns;
            self.cells.copy_within(0..end, self.columns);
            self.row += 1;
        }
        self.top = 1;
        self.clear_row(0);
        self.redraw();
    }

    /// Writes `text` at a fixed position in `color`, clipped to the row, without moving the
    /// cursor or scrolling: for overlays such as the status line.
    pub fn write_at(&mut self, row: usize, col: usize, text: &str, color: ColorCode) {
        if row >= self.rows {
            return;
        }
        for (col, ch) in (col..self.columns).zip(text.chars()) {
            let byte = cp437::encode(ch).unwrap_or(UNPRINTABLE);
            self.set_cell(row, col, Cell { byte, color });
        }
        self.sink.cursor_moved(self.row, self.col);
    }

    pub fn write_str(&mut self, text: &str) {
        self.write_chars(text);
        self.sink.cursor_moved(self.row, self.col);
    }

    fn write_chars(&mut self, text: &str) {
        for ch in text.chars() {
            self.write_char(ch);
        }
    }

    fn write_char(&mut self, ch: char) {
        match self.ansi.feed(ch) {
            None => {}
            Some(Action::Print(ch)) => self.print_char(ch),
            Some(action) => self.perform(action),
        }
    }

    /// The cursor's column as a terminal sees it: after the last column is written the grid
    /// waits to wrap with `col == columns`, where a terminal keeps the cursor on the last one.
    fn visible_col(&self) -> usize {
        self.col.min(self.columns - 1)
    }

    /// The scrolling region's first and last row, absolute.
    fn region(&self) -> (usize, usize) {
        let last_row = self.rows - 1;
        match self.margins {
            Some((first, last)) if self.top + first < last_row => {
                (self.top + first, (self.top + last).min(last_row))
            }
            _ => (self.top, last_row),
        }
    }

    /// Whether the cursor row lies inside the scrolling region (moves stop at its edges).
    fn in_region(&self) -> bool {
        let (first, last) = self.region();
        (first..=last).contains(&self.row)
    }

    fn perform(&mut self, action: Action) {
        let (first, last) = self.region();
        let last_row = self.rows - 1;
        match action {
            Action::Print(ch) => self.print_char(ch),
            Action::Up(n) => {
                let stop = if self.in_region() { first } else { self.top };
                self.row = self.row.saturating_sub(n).max(stop);
                self.col = self.visible_col();
            }
            Action::Down(n) => {
                let stop = if self.in_region() { last } else { last_row };
                self.row = self.row.saturating_add(n).min(stop);
                self.col = self.visible_col();
            }
            Action::NextLine(n, down) => {
                self.perform(if down { Action::Down(n) } else { Action::Up(n) });
                self.col = 0;
            }
            Action::Forward(n) => {
                self.col = self.visible_col().saturating_add(n).min(self.columns - 1);
            }
            Action::Back(n) => self.col = self.visible_col().saturating_sub(n),
            Action::Position(row, col) => {
                self.row = self.top.saturating_add(row).min(last_row);
                self.col = col.min(self.columns - 1);
            }
            Action::Column(col) => self.col = col.min(self.columns - 1),
            Action::Row(row) => {
                self.row = self.top.saturating_add(row).min(last_row);
                self.col = self.visible_col();
            }
            Action::Index => {
                self.col = self.visible_col();
                self.line_feed();
            }
            Action::NewLine => self.new_line(),
            Action::ReverseIndex => {
                self.col = self.visible_col();
                if self.row == first {
                    self.scroll_region_down(first, last, 1);
                } else if self.row > self.top {
                    self.row -= 1;
                }
            }
            Action::EraseLineRight => self.erase_right(),
            Action::EraseLineLeft => {
                let col = self.visible_col();
                self.erase_cells(self.row, 0, col + 1);
            }
            Action::EraseLine => self.clear_row(self.row),
            Action::EraseChars(n) => {
                let col = self.visible_col();
                self.erase_cells(self.row, col, col.saturating_add(n));
            }
            Action::EraseBelow => {
                self.erase_right();
                for row in self.row + 1..self.rows {
                    self.clear_row(row);
                }
            }
            Action::EraseAbove => {
                for row in self.top..self.row {
                    self.clear_row(row);
                }
                let col = self.visible_col();
                self.erase_cells(self.row, 0, col + 1);
            }
            Action::EraseScreen => {
                for row in self.top..self.rows {
                    self.clear_row(row);
                }
            }
            Action::InsertLines(n) if self.in_region() => {
                self.scroll_region_down(self.row, last, n);
                self.col = 0;
            }
            Action::DeleteLines(n) if self.in_region() => {
                self.scroll_region_up(self.row, last, n);
                self.col = 0;
            }
            // Outside the scrolling region they do nothing (as xterm).
            Action::InsertLines(_) | Action::DeleteLines(_) => {}
            Action::InsertChars(n) => self.insert_chars(n),
            Action::DeleteChars(n) => self.delete_chars(n),
            Action::ScrollUp(n) => self.scroll_region_up(first, last, n),
            Action::ScrollDown(n) => self.scroll_region_down(first, last, n),
            Action::SetMargins(top, bottom) => {
                let text_rows = self.rows - self.top;
                let bottom = bottom.unwrap_or(text_rows - 1).min(text_rows - 1);
                // A region of one row or less is refused, as DEC terminals do.
                if top < bottom {
                    self.margins = (top > 0 || bottom < text_rows - 1).then_some((top, bottom));
                    self.row = self.top;
                    self.col = 0;
                }
            }
            Action::Sgr(params) => {
                self.rendition.apply(params.as_slice());
                self.apply_rendition();
            }
            Action::SaveCursor => self.saved = self.save_cursor(),
            Action::RestoreCursor => self.restore_cursor(self.saved),
            // The hardware cursor stays; programs that hide it redraw over it anyway.
            Action::ShowCursor(_) => {}
            Action::AlternateScreen(on) => self.switch_screen(on),
            Action::ReportPosition => {
                self.reply = Some(Reply::position(self.row - self.top, self.visible_col()));
            }
            Action::ReportStatus => self.reply = Some(Reply::status_ok()),
            Action::Reset => {
                self.rendition = Rendition::DEFAULT;
                self.apply_rendition();
                self.margins = None;
                self.alternate = false;
                self.saved = SavedCursor::HOME;
                self.clear();
            }
        }
    }

    fn apply_rendition(&mut self) {
        self.color = self.rendition.color();
        self.blank = self.rendition.blank_color();
    }

    fn save_cursor(&self) -> SavedCursor {
        SavedCursor {
            row: self.row - self.top,
            col: self.col,
            rendition: self.rendition,
        }
    }

    fn restore_cursor(&mut self, saved: SavedCursor) {
        self.row = (self.top + saved.row).min(self.rows - 1);
        self.col = saved.col.min(self.columns);
        self.rendition = saved.rendition;
        self.apply_rendition();
    }

    /// Shows the alternate screen (blank, the main screen's text kept aside) or brings the main
    /// one back, with the cursor it had. The reserved top row stays as it is.
    fn switch_screen(&mut self, alternate: bool) {
        if alternate == self.alternate {
            return;
        }
        let text = self.top * self.columns..self.rows * self.columns;
        self.other[text.clone()].swap_with_slice(&mut self.cells[text]);
        self.alternate = alternate;
        self.margins = None;
        if alternate {
            self.main_cursor = self.save_cursor();
            for row in self.top..self.rows {
                self.clear_row(row);
            }
        } else {
            self.put_rows(self.top, self.rows);
            self.restore_cursor(self.main_cursor);
        }
    }

    /// IND: down a row, scrolling the region up at its last row (not past the screen's end).
    fn line_feed(&mut self) {
        let (first, last) = self.region();
        if self.row == last {
            self.scroll_region_up(first, last, 1);
        } else if self.row + 1 < self.rows {
            self.row += 1;
        }
    }

    /// Blanks from the cursor to the end of its row.
    fn erase_right(&mut self) {
        self.erase_cells(self.row, self.col, self.columns);
    }

    /// Blanks columns `from..to` of `row`, clipped to the row.
    fn erase_cells(&mut self, row: usize, from: usize, to: usize) {
        let blank = Cell {
            byte: b' ',
            color: self.blank,
        };
        for col in from..to.min(self.columns) {
            self.set_cell(row, col, blank);
        }
    }

    /// ICH: blank cells in at the cursor; what they push past the row's end is lost.
    fn insert_chars(&mut self, n: usize) {
        let col = self.visible_col();
        let n = n.min(self.columns - col);
        let start = self.index(self.row, 0);
        let row = &mut self.cells[start..start + self.columns];
        row.copy_within(col..self.columns - n, col + n);
        self.erase_cells(self.row, col, col + n);
        self.put_cells(self.row, col + n, self.columns);
        self.col = col;
    }

    /// DCH: cells out at the cursor; the rest of the row moves left, blanks come in at its end.
    fn delete_chars(&mut self, n: usize) {
        let col = self.visible_col();
        let n = n.min(self.columns - col);
        let start = self.index(self.row, 0);
        let row = &mut self.cells[start..start + self.columns];
        row.copy_within(col + n..self.columns, col);
        self.put_cells(self.row, col, self.columns - n);
        self.erase_cells(self.row, self.columns - n, self.columns);
        self.col = col;
    }

    /// Moves rows `first + n..=last` up to `first` and blanks the `n` rows freed at `last`.
    fn scroll_region_up(&mut self, first: usize, last: usize, n: usize) {
        let n = n.min(last + 1 - first);
        if first == self.top && last == self.rows - 1 && n == 1 {
            // The whole text area: the sink may move it faster.
            self.scroll_up();
            return;
        }
        let columns = self.columns;
        self.cells
            .copy_within((first + n) * columns..(last + 1) * columns, first * columns);
        self.put_rows(first, last + 1 - n);
        for row in last + 1 - n..=last {
            self.clear_row(row);
        }
    }

    /// Moves rows `first..=last - n` down to `first + n` and blanks the `n` rows freed at
    /// `first`.
    fn scroll_region_down(&mut self, first: usize, last: usize, n: usize) {
        let n = n.min(last + 1 - first);
        let columns = self.columns;
        self.cells.copy_within(
            first * columns..(last + 1 - n) * columns,
            (first + n) * columns,
        );
        self.put_rows(first + n, last + 1);
        for row in first..first + n {
            self.clear_row(row);
        }
    }

    /// Pushes rows `from..to` to the sink again, after they moved in the grid.
    fn put_rows(&mut self, from: usize, to: usize) {
        for row in from..to {
            self.put_cells(row, 0, self.columns);
        }
    }

    /// Pushes columns `from..to` of `row` to the sink again.
    fn put_cells(&mut self, row: usize, from: usize, to: usize) {
        for col in from..to {
            let cell = self.cell(row, col);
            self.sink.put(row, col, cell);
        }
    }

    fn print_char(&mut self, ch: char) {
        match ch {
            '\n' => self.new_line(),
            '\r' => self.col = 0,
            '\t' => {
                let next_stop = (self.col / TAB_WIDTH + 1) * TAB_WIDTH;
                while self.col < next_stop.min(self.columns) {
                    self.put_byte(b' ');
                }
            }
            '\u{8}' => self.backspace(),
            // The bell has nothing to show.
            '\u{7}' => {}
            _ => self.put_byte(cp437::encode(ch).unwrap_or(UNPRINTABLE)),
        }
    }

    /// Moves the cursor back one cell, also across a wrapped line break. It erases nothing, as
    /// on a VT100: ash moves left with BS over text it keeps, and the line discipline echoes
    /// an erase as BS, space, BS.
    fn backspace(&mut self) {
        if self.col > 0 {
            self.col -= 1;
        } else if self.row > self.top {
            self.row -= 1;
            self.col = self.columns - 1;
        }
    }

    fn put_byte(&mut self, byte: u8) {
        if self.col >= self.columns {
            self.new_line();
        }
        let cell = Cell {
            byte,
            color: self.color,
        };
        self.set_cell(self.row, self.col, cell);
        self.col += 1;
    }

    fn new_line(&mut self) {
        self.col = 0;
        self.line_feed();
    }

    fn scroll_up(&mut self) {
        let used = self.columns * self.rows;
        let first = self.top * self.columns;
        self.cells.copy_within(first + self.columns..used, first);
        if self.sink.scroll_up(1) {
            // The sink moved the reserved rows up too: put them back.
            for index in 0..first {
                let cell = self.cells[index];
                self.sink
                    .put(index / self.columns, index % self.columns, cell);
            }
        } else {
            for index in 0..used - self.columns {
                let cell = self.cells[index];
                self.sink
                    .put(index / self.columns, index % self.columns, cell);
            }
        }
        self.clear_row(self.rows - 1);
    }

    fn clear_row(&mut self, row: usize) {
        let blank = Cell {
            byte: b' ',
            color: self.blank,
        };
        for col in 0..self.columns {
            self.set_cell(row, col, blank);
        }
    }

    fn set_cell(&mut self, row: usize, col: usize, cell: Cell) {
        let index = self.index(row, col);
        self.cells[index] = cell;
        self.sink.put(row, col, cell);
    }
}

impl<S: CellSink> core::fmt::Write for TextGrid<S> {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        TextGrid::write_str(self, s);
        Ok(())
    }

    /// Moves the cursor once for the whole formatted text rather than once per piece: moving
    /// the VGA cursor is four port writes, and the framebuffer redraws it.
    fn write_fmt(&mut self, args: core::fmt::Arguments<'_>) -> core::fmt::Result {
        core::fmt::write(&mut CursorDeferred(self), args)?;
        self.sink.cursor_moved(self.row, self.col);
        Ok(())
    }
}

/// Writes to a grid without moving the cursor; [`TextGrid::write_fmt`] moves it at the end.
struct CursorDeferred<'a, S: CellSink>(&'a mut TextGrid<S>);

impl<S: CellSink> core::fmt::Write for CursorDeferred<'_, S> {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        self.0.write_chars(s);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    extern crate std;
    use std::string::String;
    use std::vec::Vec;

    /// Records every cell pushed, so tests can check the sink mirrors the grid. With
    /// `moves_rows` it scrolls its own copy, like a framebuffer, instead of being re-put.
    struct MirrorSink {
        cells: Vec<Vec<Cell>>,
        cursor: (usize, usize),
        moves_rows: bool,
        puts: usize,
    }

    impl MirrorSink {
        fn new() -> Self {
            Self::sized(WIDTH, HEIGHT)
        }

        fn sized(columns: usize, rows: usize) -> Self {
            let unset = Cell {
                byte: 0,
                color: ColorCode(0),
            };
            MirrorSink {
                cells: vec![vec![unset; columns]; rows],
                cursor: (99, 99),
                moves_rows: false,
                puts: 0,
            }
        }
    }

    impl CellSink for MirrorSink {
        fn put(&mut self, row: usize, col: usize, cell: Cell) {
            self.cells[row][col] = cell;
            self.puts += 1;
        }
        fn cursor_moved(&mut self, row: usize, col: usize) {
            self.cursor = (row, col);
        }
        fn scroll_up(&mut self, lines: usize) -> bool {
            if self.moves_rows {
                self.cells.drain(..lines);
                let columns = self.cells[0].len();
                // What the grid must overwrite: garbage, so a missed put shows up.
                let garbage = Cell {
                    byte: b'?',
                    color: ColorCode(0x77),
                };
                self.cells
                    .extend((0..lines).map(|_| vec![garbage; columns]));
            }
            self.moves_rows
        }
    }

    fn row_text<S: CellSink>(grid: &TextGrid<S>, row: usize) -> String {
        String::from_utf8(grid.row_bytes(row).collect()).unwrap()
    }

    fn assert_mirrored(grid: &TextGrid<MirrorSink>) {
        for row in 0..grid.rows() {
            for col in 0..grid.columns() {
                assert_eq!(
                    grid.sink().cells[row][col],
                    grid.cell(row, col),
                    "cell {row},{col}"
                );
            }
        }
        assert_eq!(grid.sink().cursor, grid.cursor());
    }

    #[test]
    fn writes_text_and_moves_cursor() {
        let mut grid = TextGrid::new(MirrorSink::new());
        grid.clear();
        grid.write_str("hello\nworld");
        assert_eq!(row_text(&grid, 0), "hello");
        assert_eq!(row_text(&grid, 1), "world");
        assert_eq!(grid.cursor(), (1, 5));
        assert_mirrored(&grid);
    }

    #[test]
    fn wraps_long_lines() {
        let mut grid = TextGrid::new(NullSink);
        let long: String = (0..WIDTH + 5)
            .map(|i| (b'a' + (i % 26) as u8) as char)
            .collect();
        grid.write_str(&long);
        assert_eq!(row_text(&grid, 0).len(), WIDTH);
        assert_eq!(row_text(&grid, 1), &long[WIDTH..]);
        assert_eq!(grid.cursor(), (1, 5));
    }

    #[test]
    fn exactly_full_line_does_not_leave_blank_line() {
        let mut grid = TextGrid::new(NullSink);
        let full: String = core::iter::repeat_n('x', WIDTH).collect();
        grid.write_str(&full);
        grid.write_str("\nnext");
        assert_eq!(row_text(&grid, 1), "next");
    }

    #[test]
    fn scrolls_when_full() {
        let mut grid = TextGrid::new(MirrorSink::new());
        grid.clear();
        for i in 0..HEIGHT + 3 {
            grid.write_str(&std::format!("line {i}\n"));
        }
        // After 28 newlines the last row is the empty cursor row, above it lines 4..=27.
        assert_eq!(row_text(&grid, 0), "line 4");
        assert_eq!(row_text(&grid, HEIGHT - 2), "line 27");
        assert_eq!(row_text(&grid, HEIGHT - 1), "");
        assert_eq!(grid.cursor(), (HEIGHT - 1, 0));
        assert_mirrored(&grid);
    }

    #[test]
    fn colors_apply_to_new_text_only() {
        let mut grid = TextGrid::new(NullSink);
        grid.write_str("a");
        let red = ColorCode::new(Color::Red, Color::Blue);
        grid.set_color(red);
        grid.write_str("b");
        assert_eq!(grid.cell(0, 0).color, DEFAULT_COLOR);
        assert_eq!(grid.cell(0, 1).color, red);
        assert_eq!(red.foreground(), Color::Red as u8);
        assert_eq!(red.background(), Color::Blue as u8);
    }

    #[test]
    fn unprintable_characters_become_a_block() {
        let mut grid = TextGrid::new(NullSink);
        grid.write_str("€\u{1}x");
        assert_eq!(
            grid.row_bytes(0).collect::<Vec<_>>(),
            [UNPRINTABLE, UNPRINTABLE, b'x']
        );
    }

    #[test]
    fn letters_beyond_ascii_show_in_code_page_437() {
        let mut grid = TextGrid::new(NullSink);
        grid.write_str("ß ö ä ü § °\u{7}");
        assert_eq!(
            grid.row_bytes(0).collect::<Vec<_>>(),
            [
                0xE1, b' ', 0x94, b' ', 0x84, b' ', 0x81, b' ', 0x15, b' ', 0xF8
            ]
        );
        grid.write_at(1, 0, "é€", DEFAULT_COLOR);
        assert_eq!(grid.row_bytes(1).collect::<Vec<_>>(), [0x82, UNPRINTABLE]);
    }

    #[test]
    fn ansi_moves_and_erasures() {
        let mut grid = TextGrid::new(MirrorSink::new());
        grid.clear();
        grid.write_str("hello world\nsecond\x1b[A\x1b[3D");
        assert_eq!(grid.cursor(), (0, 3));
        grid.write_str("\x1b[KLO");
        assert_eq!(row_text(&grid, 0), "helLO");
        grid.write_str("\x1b[1C\x1b[B!");
        assert_eq!(row_text(&grid, 1), "second!");
        grid.write_str("\x1b[1;3H\x1b[J");
        assert_eq!(
            (row_text(&grid, 0), row_text(&grid, 1)),
            ("he".into(), "".into())
        );
        // Moves stop at the edges, and the margin counts as the last column.
        grid.write_str("\x1b[99A\x1b[99D\x1b[99C");
        assert_eq!(grid.cursor(), (0, WIDTH - 1));
        let full: String = core::iter::repeat_n('x', WIDTH).collect();
        grid.write_str("\r");
        grid.write_str(&full);
        grid.write_str("\x1b[1D");
        assert_eq!(grid.cursor(), (0, WIDTH - 2));
        grid.write_str("\x1b[2J");
        assert_eq!(row_text(&grid, 0), "");
        // A sequence cut off halfway does not swallow a report that breaks in.
        grid.write_str("\x1b[H\x1b[1");
        grid.reset_escape();
        grid.write_str("KERNEL");
        assert_eq!(row_text(&grid, 0).trim(), "KERNEL");
        assert_mirrored(&grid);
    }

    fn small_grid(columns: usize, rows: usize) -> TextGrid<MirrorSink> {
        let mut grid = TextGrid::new(MirrorSink::sized(columns, rows));
        grid.replace_sink(MirrorSink::sized(columns, rows), columns, rows);
        grid
    }

    fn rows_text(grid: &TextGrid<MirrorSink>) -> Vec<String> {
        (0..grid.rows()).map(|row| row_text(grid, row)).collect()
    }

    #[test]
    fn sgr_colours_and_reverse_reach_the_cells() {
        let mut grid = TextGrid::new(MirrorSink::new());
        grid.clear();
        grid.write_str("\x1b[1;34mdir\x1b[0m \x1b[7mstatus\x1b[m\x1b[K");
        assert_eq!(
            grid.cell(0, 0).color,
            ColorCode::new(Color::LightBlue, Color::Black)
        );
        assert_eq!(grid.cell(0, 3).color, DEFAULT_COLOR);
        assert_eq!(
            grid.cell(0, 4).color,
            ColorCode::new(Color::Black, Color::LightGray)
        );
        assert_eq!(grid.cell(0, 10).color, DEFAULT_COLOR);
        // Erasing takes the background, not the reversal.
        grid.write_str("\x1b[7;41m\x1b[2K");
        assert_eq!(
            grid.cell(0, 0).color,
            ColorCode::new(Color::LightGray, Color::Red)
        );
        // The kernel's own coloured prints still work, and SGR 0 ends them too.
        grid.write_str("\x1b[0m");
        grid.set_color(ColorCode::new(Color::Yellow, Color::Blue));
        grid.write_str("\rk");
        assert_eq!(
            grid.cell(0, 0).color,
            ColorCode::new(Color::Yellow, Color::Blue)
        );
        assert_mirrored(&grid);
    }

    #[test]
    fn erasures_left_and_whole() {
        let mut grid = small_grid(10, 4);
        grid.write_str("aaaaaaaaaa\nbbbbbbbbbb\ncccccccccc\ndddddd");
        grid.write_str("\x1b[3;4H\x1b[1K");
        assert_eq!(row_text(&grid, 2), "    cccccc");
        grid.write_str("\x1b[3;6H\x1b[1J");
        assert_eq!(rows_text(&grid), ["", "", "      cccc", "dddddd"]);
        grid.write_str("\x1b[4;2H\x1b[2X");
        assert_eq!(row_text(&grid, 3), "d  ddd");
        grid.write_str("\x1b[2K");
        assert_eq!(row_text(&grid, 3), "");
        assert_eq!(grid.cursor(), (3, 1));
        assert_mirrored(&grid);
    }

    #[test]
    fn column_row_and_saved_cursor() {
        let mut grid = small_grid(10, 4);
        grid.write_str("\x1b[5G\x1b[3dx\x1b7\x1b[1;1H\x1b[31my\x1b8z");
        assert_eq!(row_text(&grid, 2), "    xz");
        assert_eq!(grid.cell(2, 5).color, DEFAULT_COLOR, "rendition restored");
        assert_eq!(grid.cell(0, 0).color.foreground(), Color::Red as u8);
        grid.write_str("\x1b[s\x1b[99;99H\x1b[u!");
        assert_eq!(row_text(&grid, 2), "    xz!");
        grid.write_str("\x1b[2F");
        assert_eq!(grid.cursor(), (0, 0));
        grid.write_str("\x1b[E");
        assert_eq!(grid.cursor(), (1, 0));
        assert_mirrored(&grid);
    }

    #[test]
    fn insert_and_delete_characters_and_lines() {
        let mut grid = small_grid(8, 5);
        grid.write_str("abcdefgh\n1\n2\n3\n4");
        grid.write_str("\x1b[1;3H\x1b[2@");
        assert_eq!(row_text(&grid, 0), "ab  cdef");
        grid.write_str("\x1b[3P");
        assert_eq!(row_text(&grid, 0), "abdef");
        grid.write_str("\x1b[99P");
        assert_eq!(row_text(&grid, 0), "ab");
        grid.write_str("\x1b[2;1H\x1b[L");
        assert_eq!(rows_text(&grid), ["ab", "", "1", "2", "3"]);
        grid.write_str("\x1b[2M");
        assert_eq!(rows_text(&grid), ["ab", "2", "3", "", ""]);
        grid.write_str("\x1b[99L");
        assert_eq!(rows_text(&grid), ["ab", "", "", "", ""]);
        assert_mirrored(&grid);
    }

    #[test]
    fn scrolling_region_and_reverse_index() {
        for moves_rows in [false, true] {
            let mut sink = MirrorSink::sized(6, 6);
            sink.moves_rows = moves_rows;
            let mut grid = TextGrid::new(MirrorSink::sized(6, 6));
            grid.replace_sink(sink, 6, 6);
            grid.write_str("top\nr1\nr2\nr3\nr4\nstatus");
            // Rows 2..=5 (1-based) scroll; the top and the status line stay.
            grid.write_str("\x1b[2;5r");
            assert_eq!(grid.cursor(), (0, 0));
            grid.write_str("\x1b[5;1H\nnew");
            assert_eq!(rows_text(&grid), ["top", "r2", "r3", "r4", "new", "status"]);
            // Moves stop at the region's edges from inside it.
            grid.write_str("\x1b[99A");
            assert_eq!(grid.cursor().0, 1);
            grid.write_str("\x1bM\rins");
            assert_eq!(rows_text(&grid), ["top", "ins", "r2", "r3", "r4", "status"]);
            grid.write_str("\x1b[2S");
            assert_eq!(rows_text(&grid), ["top", "r3", "r4", "", "", "status"]);
            grid.write_str("\x1b[T");
            assert_eq!(rows_text(&grid), ["top", "", "r3", "r4", "", "status"]);
            // IL/DL act within the region only.
            grid.write_str("\x1b[3;1H\x1b[M");
            assert_eq!(rows_text(&grid), ["top", "", "r4", "", "", "status"]);
            grid.write_str("\x1b[6;1H\x1b[L");
            assert_eq!(row_text(&grid, 5), "status");
            // Below the region a new line at the bottom does not scroll.
            grid.write_str("\n");
            assert_eq!(row_text(&grid, 0), "top");
            // Resetting the margins gives the whole screen back.
            grid.write_str("\x1b[r\x1b[6;1H\n");
            assert_eq!(rows_text(&grid)[..2], ["", "r4"]);
            // A one-row region is refused.
            grid.write_str("\x1b[3;3r");
            assert_eq!(grid.region(), (0, 5));
            assert_mirrored(&grid);
        }
    }

    #[test]
    fn alternate_screen_keeps_the_main_one() {
        let mut grid = small_grid(10, 4);
        grid.write_str("shell\n$ vi");
        grid.write_str("\x1b[?1049h");
        assert!(grid.in_alternate_screen());
        assert_eq!(rows_text(&grid), ["", "", "", ""]);
        grid.write_str("\x1b[H~\n~\x1b[2;5r");
        grid.write_str("\x1b[?1049l");
        assert!(!grid.in_alternate_screen());
        assert_eq!(rows_text(&grid), ["shell", "$ vi", "", ""]);
        assert_eq!(grid.cursor(), (1, 4));
        assert_eq!(grid.region(), (0, 3));
        // Leaving twice, or entering twice, changes nothing more.
        grid.write_str("\x1b[?1049l");
        assert_eq!(row_text(&grid, 0), "shell");
        assert_mirrored(&grid);
    }

    #[test]
    fn position_reports_leave_a_reply() {
        let mut grid = small_grid(20, 5);
        assert_eq!(grid.take_reply(), None);
        grid.write_str("~ # \x1b[6n");
        assert_eq!(grid.take_reply().unwrap().as_bytes(), b"\x1b[1;5R");
        assert_eq!(grid.take_reply(), None);
        grid.write_str("\x1b[99;99H\x1b[6n");
        assert_eq!(grid.take_reply().unwrap().as_bytes(), b"\x1b[5;20R");
        grid.write_str("\x1b[5n");
        assert_eq!(grid.take_reply().unwrap().as_bytes(), b"\x1b[0n");
        // Below a reserved status row, rows count from the text area.
        grid.reserve_top_row();
        grid.write_str("\x1b[H\x1b[6n");
        assert_eq!(grid.take_reply().unwrap().as_bytes(), b"\x1b[1;1R");
        assert_eq!(grid.cursor(), (1, 0));
    }

    #[test]
    fn reset_clears_everything() {
        let mut grid = small_grid(10, 4);
        grid.write_str("\x1b[31m\x1b[2;3r\x1b[?1049hx\x1bc");
        assert!(!grid.in_alternate_screen());
        assert_eq!(grid.region(), (0, 3));
        assert_eq!(grid.color(), DEFAULT_COLOR);
        assert_eq!(rows_text(&grid), ["", "", "", ""]);
    }

    #[test]
    fn a_flood_of_sequences_never_breaks_the_grid() {
        let mut grid = small_grid(13, 7);
        grid.reserve_top_row();
        let pieces = [
            "\x1b[", "\x1b", ";", "?", "1049", "h", "l", "r", "L", "M", "@", "P", "S", "T", "99",
            "0", "2", "J", "K", "A", "B", "H", "d", "G", "m", "7", "8", "\n", "\r", "x", "\u{8}",
            "\t", "é", "D", "6n", "X", ":",
        ];
        let mut seed = 0x9e37_79b9u32;
        for _ in 0..50_000 {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            grid.write_str(pieces[seed as usize % pieces.len()]);
            let (row, col) = grid.cursor();
            assert!((1..7).contains(&row) && col <= 13, "cursor {row},{col}");
        }
        grid.write_str("\x1b[?1049l\x1b[r\x1b[m");
        assert_mirrored(&grid);
    }

    #[test]
    fn tab_advances_to_next_stop_and_carriage_return_rewinds() {
        let mut grid = TextGrid::new(NullSink);
        grid.write_str("ab\tc");
        assert_eq!(grid.cursor(), (0, 9));
        grid.write_str("\rZ");
        assert_eq!(row_text(&grid, 0), "Zb      c");
    }

    #[test]
    fn backspace_moves_back_across_wrapped_lines() {
        let mut grid = TextGrid::new(NullSink);
        let full: String = core::iter::repeat_n('x', WIDTH + 1).collect();
        grid.write_str(&full);
        // The echo of an erase: BS, space, BS, twice.
        grid.write_str("\u{8} \u{8}\u{8} \u{8}");
        assert_eq!(grid.cursor(), (0, WIDTH - 1));
        assert_eq!(row_text(&grid, 1), "");
        assert_eq!(row_text(&grid, 0).len(), WIDTH - 1);
        // A lone BS only moves (ash moves left over text it keeps).
        grid.write_str("\rabc\u{8}\u{8}");
        assert_eq!(grid.cursor(), (0, 1));
        assert!(row_text(&grid, 0).starts_with("abc"));
        let mut empty = TextGrid::new(NullSink);
        empty.write_str("\u{8}");
        assert_eq!(empty.cursor(), (0, 0));
    }

    #[test]
    fn sink_that_moves_rows_only_gets_the_new_row() {
        let mut sink = MirrorSink::new();
        sink.moves_rows = true;
        let mut grid = TextGrid::new(sink);
        grid.clear();
        for i in 0..HEIGHT - 1 {
            grid.write_str(&std::format!("line {i}\n"));
        }
        let puts_before = grid.sink().puts;
        grid.write_str("x\n");
        // One cell for "x", then one blank row after the sink moved the rest itself.
        assert_eq!(grid.sink().puts - puts_before, 1 + WIDTH);
        assert_eq!(row_text(&grid, 0), "line 1");
        assert_eq!(row_text(&grid, HEIGHT - 2), "x");
        assert_mirrored(&grid);
    }

    #[test]
    fn sink_that_cannot_move_rows_gets_every_cell_again() {
        let mut grid = TextGrid::new(MirrorSink::new());
        grid.clear();
        for _ in 0..HEIGHT - 1 {
            grid.write_str("\n");
        }
        let puts_before = grid.sink().puts;
        grid.write_str("\n");
        assert_eq!(grid.sink().puts - puts_before, WIDTH * HEIGHT);
        assert_mirrored(&grid);
    }

    #[test]
    fn replacing_the_sink_resizes_and_clears() {
        let mut grid = TextGrid::new(MirrorSink::new());
        grid.write_str("old text");
        let columns = 100;
        let rows = 37;
        grid.replace_sink(MirrorSink::sized(columns, rows), columns, rows);
        assert_eq!((grid.columns(), grid.rows()), (columns, rows));
        assert_eq!(row_text(&grid, 0), "");
        assert_eq!(grid.cursor(), (0, 0));
        let long: String = core::iter::repeat_n('y', columns + 3).collect();
        for _ in 0..rows + 2 {
            grid.write_str(&long);
            grid.write_str("\n");
        }
        assert_eq!(row_text(&grid, rows - 2), "yyy");
        assert_eq!(row_text(&grid, rows - 3).len(), columns);
        assert_mirrored(&grid);
    }

    #[test]
    fn grid_size_is_clamped_to_the_storage() {
        let mut grid = TextGrid::new(NullSink);
        grid.replace_sink(NullSink, 10_000, 0);
        assert_eq!((grid.columns(), grid.rows()), (MAX_COLUMNS, 1));
        grid.write_str("a\nb\nc");
        assert_eq!(row_text(&grid, 0), "c");
    }

    #[test]
    fn write_at_overlays_without_moving_the_cursor() {
        let mut grid = TextGrid::new(MirrorSink::new());
        grid.clear();
        grid.write_str("hello");
        let status = ColorCode::new(Color::White, Color::Blue);
        grid.write_at(0, WIDTH - 4, "up 12s", status);
        assert_eq!(grid.cursor(), (0, 5));
        assert_eq!(
            grid.cell(0, WIDTH - 4),
            Cell {
                byte: b'u',
                color: status
            }
        );
        assert_eq!(
            grid.cell(0, WIDTH - 1).byte,
            b'1',
            "clipped at the row's end"
        );
        grid.write_at(HEIGHT, 0, "off screen", status);
        grid.write_str(" world");
        assert_eq!(row_text(&grid, 0)[..11].to_string(), "hello world");
        assert_mirrored(&grid);
    }

    #[test]
    fn a_reserved_top_row_keeps_the_status_clear_of_text() {
        let status = ColorCode::new(Color::White, Color::Blue);
        for moves_rows in [false, true] {
            let mut sink = MirrorSink::new();
            sink.moves_rows = moves_rows;
            let mut grid = TextGrid::new(sink);
            grid.clear();
            grid.write_str("first\nsecond");
            grid.reserve_top_row();
            grid.write_at(0, WIDTH - 6, "status", status);
            // The text moved down a row, out of the status line's way.
            assert_eq!(row_text(&grid, 1), "first");
            assert_eq!(grid.cursor(), (2, 6));
            // After clear, a long line typed at the top does not run under the status.
            grid.clear();
            assert_eq!(grid.cursor(), (1, 0));
            let long: String = core::iter::repeat_n('x', WIDTH).collect();
            grid.write_str(&long);
            assert_eq!(row_text(&grid, 1), long);
            assert!(row_text(&grid, 0).ends_with("status"));
            // Scrolling moves the text rows only.
            for i in 0..HEIGHT + 2 {
                grid.write_str(&std::format!("\nline {i}"));
            }
            assert!(row_text(&grid, 0).trim_start().starts_with("status"));
            assert_eq!(
                row_text(&grid, HEIGHT - 1),
                std::format!("line {}", HEIGHT + 1)
            );
            // Moves and erasures stop at the reserved row.
            grid.write_str("\x1b[99A\x1b[2J");
            assert_eq!(grid.cursor().0, 1);
            grid.write_str("\x1b[H\u{8}");
            assert_eq!(grid.cursor(), (1, 0));
            assert!(row_text(&grid, 0).ends_with("status"));
            assert_mirrored(&grid);
        }
        // On a full screen the oldest row makes the room.
        let mut grid = TextGrid::new(NullSink);
        for i in 0..HEIGHT - 1 {
            grid.write_str(&std::format!("row {i}\n"));
        }
        grid.reserve_top_row();
        assert_eq!(row_text(&grid, 0), "");
        assert_eq!(row_text(&grid, 1), "row 1");
        assert_eq!(grid.cursor(), (HEIGHT - 1, 0));
    }

    #[test]
    fn formatted_writes_move_the_cursor_once() {
        struct CountingSink(usize);
        impl CellSink for CountingSink {
            fn put(&mut self, _row: usize, _col: usize, _cell: Cell) {}
            fn cursor_moved(&mut self, _row: usize, _col: usize) {
                self.0 += 1;
            }
        }
        let mut grid = TextGrid::new(CountingSink(0));
        core::fmt::Write::write_fmt(&mut grid, format_args!("{} and {}\n", 1, "two")).unwrap();
        assert_eq!(grid.sink().0, 1);
        assert_eq!(row_text(&grid, 0), "1 and two");
        assert_eq!(grid.cursor(), (1, 0));
    }
}
