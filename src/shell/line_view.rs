//! Draws the line being edited on one terminal: the screen console or a serial terminal,
//! both of which understand the same few ANSI sequences (ECMA-48 CUU, CUD, CUF, CUB and ED;
//! the screen through `console::ansi`). Each terminal gets its own view, because each wraps at
//! its own width: the view knows where the prompt began and what it drew, so after an edit it
//! moves to the first changed character, rewrites from there, erases what is left of the old
//! text and puts the cursor back. Lines longer than the terminal is wide wrap onto the next
//! rows and stay editable, since the moves are relative and cross rows.
//!
//! One quirk of terminals is handled: text that ends exactly at the right margin leaves the
//! cursor "pending" on the last column (xterm) or past it (the text grid), where relative
//! moves differ. The view then writes a newline, which puts both at the start of the next row.

use alloc::vec::Vec;
use core::fmt::Write;

pub struct LineView {
    columns: usize,
    /// Width of the prompt, in columns: the line's character 0 is drawn at this offset from
    /// the start of the prompt's row.
    prompt_width: usize,
    shown: Vec<char>,
    /// Where the terminal's cursor is, as an index into `shown`.
    cursor: usize,
}

impl LineView {
    /// A view on a terminal `columns` wide (at least 1).
    pub fn new(columns: usize) -> Self {
        LineView {
            columns: columns.max(1),
            prompt_width: 0,
            shown: Vec::new(),
            cursor: 0,
        }
    }

    /// Draws `prompt` and `text` from the start of a row, and puts the cursor at `cursor`.
    pub fn start(&mut self, prompt: &str, text: &[char], cursor: usize, out: &mut impl Write) {
        self.prompt_width = prompt.chars().count();
        self.shown.clear();
        self.cursor = 0;
        let _ = out.write_str(prompt);
        if self.prompt_width > 0 && self.prompt_width.is_multiple_of(self.columns) {
            let _ = out.write_char('\n');
        }
        self.update(text, cursor, out);
    }

    /// Brings the terminal from what it shows to `text` with the cursor at `cursor`.
    pub fn update(&mut self, text: &[char], cursor: usize, out: &mut impl Write) {
        let same = self
            .shown
            .iter()
            .zip(text)
            .take_while(|(a, b)| a == b)
            .count();
        if same < self.shown.len() || same < text.len() {
            self.move_to(same, out);
            for &ch in &text[same..] {
                let _ = out.write_char(ch);
            }
            let end = text.len();
            if end > same && self.position(end).1 == 0 {
                let _ = out.write_char('\n');
            }
            if end < self.shown.len() {
                // Erase Below (ED 0): what is left of the longer old text.
                let _ = out.write_str("\x1b[J");
            }
            self.cursor = end;
            self.shown.clear();
            self.shown.extend_from_slice(text);
        }
        self.move_to(cursor.min(text.len()), out);
    }

    /// Moves past the end of the line and writes `suffix` (`^C`), ending the line's display:
    /// the next output starts on a row of its own.
    pub fn finish(&mut self, suffix: &str, out: &mut impl Write) {
        self.move_to(self.shown.len(), out);
        let _ = out.write_str(suffix);
        // At a row's start after a wrap the row is already fresh, unless nothing at all was
        // drawn (an empty prompt and line: Enter still gives a line of its own).
        let (_, col) = self.position(self.shown.len());
        if col != 0 || !suffix.is_empty() || self.shown.len() + self.prompt_width == 0 {
            let _ = out.write_char('\n');
        }
        self.shown.clear();
        self.cursor = 0;
        self.prompt_width = 0;
    }

    /// Row (from the prompt's row) and column of the line's character `index`.
    fn position(&self, index: usize) -> (usize, usize) {
        let offset = self.prompt_width + index;
        (offset / self.columns, offset % self.columns)
    }

    fn move_to(&mut self, index: usize, out: &mut impl Write) {
        let (from_row, from_col) = self.position(self.cursor);
        let (to_row, to_col) = self.position(index);
        if to_row < from_row {
            let _ = write!(out, "\x1b[{}A", from_row - to_row);
        } else if to_row > from_row {
            let _ = write!(out, "\x1b[{}B", to_row - from_row);
        }
        if to_col == 0 && from_col != 0 {
            let _ = out.write_char('\r');
        } else if to_col > from_col {
            let _ = write!(out, "\x1b[{}C", to_col - from_col);
        } else if to_col < from_col {
            let _ = write!(out, "\x1b[{}D", from_col - to_col);
        }
        self.cursor = index;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::console::text_grid::{NullSink, TextGrid};
    use alloc::string::String;

    /// A terminal to draw on: the console's own text grid, which interprets the ANSI moves.
    struct Terminal {
        grid: TextGrid<NullSink>,
    }

    impl Terminal {
        fn new(columns: usize, rows: usize) -> Self {
            Terminal {
                grid: TextGrid::with_size(NullSink, columns, rows),
            }
        }

        fn row(&self, row: usize) -> String {
            String::from_utf8(self.grid.row_bytes(row).collect()).unwrap()
        }
    }

    impl Write for Terminal {
        fn write_str(&mut self, text: &str) -> core::fmt::Result {
            self.grid.write_str(text);
            Ok(())
        }
    }

    fn chars(text: &str) -> Vec<char> {
        text.chars().collect()
    }

    #[test]
    fn draws_and_edits_in_place() {
        let mut term = Terminal::new(40, 5);
        let mut view = LineView::new(40);
        view.start("> ", &chars("echo wrld"), 9, &mut term);
        assert_eq!(term.row(0), "> echo wrld");
        assert_eq!(term.grid.cursor(), (0, 11));
        view.update(&chars("echo wrld"), 6, &mut term);
        assert_eq!(term.grid.cursor(), (0, 8));
        view.update(&chars("echo world"), 7, &mut term);
        assert_eq!(term.row(0), "> echo world");
        assert_eq!(term.grid.cursor(), (0, 9));
        view.update(&chars("echo"), 4, &mut term);
        assert_eq!(term.row(0), "> echo");
        view.finish("", &mut term);
        assert_eq!(term.grid.cursor(), (1, 0));
        view.start("> ", &chars("abc"), 1, &mut term);
        view.finish("^C", &mut term);
        assert_eq!(term.row(1), "> abc^C");
        assert_eq!(term.grid.cursor(), (2, 0));
    }

    #[test]
    fn long_lines_wrap_and_stay_editable() {
        let mut term = Terminal::new(10, 6);
        let mut view = LineView::new(10);
        let text = chars("abcdefghijklmnopqrstuvwxyz");
        view.start("$ ", &text, text.len(), &mut term);
        assert_eq!(
            [term.row(0), term.row(1), term.row(2), term.row(3)],
            ["$ abcdefgh", "ijklmnopqr", "stuvwxyz", ""]
        );
        assert_eq!(term.grid.cursor(), (2, 8));
        // Insert at the very start: everything shifts across the rows.
        let mut edited = text.clone();
        edited.insert(0, '_');
        view.update(&edited, 1, &mut term);
        assert_eq!(
            [term.row(0), term.row(1), term.row(2)],
            ["$ _abcdefg", "hijklmnopq", "rstuvwxyz"]
        );
        assert_eq!(term.grid.cursor(), (0, 3));
        // Delete back to two rows: the third is erased.
        view.update(&edited[..12], 12, &mut term);
        assert_eq!([term.row(1), term.row(2)], ["hijk", ""]);
        // Exactly filling two rows puts the cursor at the start of the third.
        let full = chars("0123456789012345678");
        view.update(&full[..18], 18, &mut term);
        assert_eq!([term.row(0), term.row(1)], ["$ 01234567", "8901234567"]);
        assert_eq!(term.grid.cursor(), (2, 0));
        view.update(&full[..18], 3, &mut term);
        assert_eq!(term.grid.cursor(), (0, 5));
        view.finish("", &mut term);
        assert_eq!(term.grid.cursor(), (2, 0));
    }

    #[test]
    fn wrapping_survives_scrolling() {
        let mut term = Terminal::new(8, 3);
        for _ in 0..2 {
            term.grid.write_str("old\n");
        }
        let mut view = LineView::new(8);
        let text = chars("abcdefghijklmn");
        // 16 columns: two full rows, and the cursor row below makes the grid scroll twice.
        view.start("> ", &text, text.len(), &mut term);
        assert_eq!(
            [term.row(0), term.row(1), term.row(2)],
            ["> abcdef", "ghijklmn", ""]
        );
        assert_eq!(term.grid.cursor(), (2, 0));
        view.update(&text, 0, &mut term);
        assert_eq!(term.grid.cursor(), (0, 2));
        let mut edited = text.clone();
        edited[0] = 'A';
        view.update(&edited, 1, &mut term);
        assert_eq!([term.row(0), term.row(1)], ["> Abcdef", "ghijklmn"]);
        assert_eq!(term.grid.cursor(), (0, 3));
    }
}
