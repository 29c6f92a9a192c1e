//! The shell's line editor: typing, backspace, history on the arrow keys, Ctrl-C. Pure logic:
//! it gets keys and writes the echo to any `fmt::Write`, so the same code drives the screen
//! and a serial terminal and runs in host tests.

use alloc::collections::VecDeque;
use alloc::string::String;
use core::fmt::Write;

/// An editing key, whichever device it came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EditKey {
    Char(char),
    Backspace,
    Enter,
    Up,
    Down,
    /// Ctrl-C: abandon the line.
    Interrupt,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The line is still being edited.
    Editing,
    /// Enter was pressed on this line.
    Line(String),
    /// Ctrl-C abandoned the line.
    Cancelled,
}

/// Longest line accepted; further characters are ignored (and not echoed).
pub const MAX_LINE: usize = 200;
/// "Erase the character left of the cursor" on both the VGA console and ANSI terminals.
const RUB_OUT: &str = "\u{8} \u{8}";

pub struct LineEditor {
    line: String,
    history: VecDeque<String>,
    history_limit: usize,
    /// Index into `history` while browsing it with the arrow keys.
    browsing: Option<usize>,
    /// The line being typed before browsing started, restored by walking past the newest entry.
    draft: String,
}

impl LineEditor {
    pub fn new(history_limit: usize) -> Self {
        LineEditor {
            line: String::new(),
            history: VecDeque::new(),
            history_limit,
            browsing: None,
            draft: String::new(),
        }
    }

    pub fn line(&self) -> &str {
        &self.line
    }

    pub fn history(&self) -> impl Iterator<Item = &str> {
        self.history.iter().map(String::as_str)
    }

    pub fn handle(&mut self, key: EditKey, echo: &mut impl Write) -> Outcome {
        // Echo goes to the consoles, whose writers never fail; the results are ignored.
        match key {
            EditKey::Char(ch) if !ch.is_control() && self.line.chars().count() < MAX_LINE => {
                self.line.push(ch);
                let _ = echo.write_char(ch);
            }
            EditKey::Char(_) => {}
            EditKey::Backspace => {
                if self.line.pop().is_some() {
                    let _ = echo.write_str(RUB_OUT);
                }
            }
            EditKey::Enter => {
                let _ = echo.write_char('\n');
                let line = core::mem::take(&mut self.line);
                self.browsing = None;
                self.remember(&line);
                return Outcome::Line(line);
            }
            EditKey::Interrupt => {
                let _ = echo.write_str("^C\n");
                self.line.clear();
                self.browsing = None;
                return Outcome::Cancelled;
            }
            EditKey::Up => self.browse_older(echo),
            EditKey::Down => self.browse_newer(echo),
        }
        Outcome::Editing
    }

    fn remember(&mut self, line: &str) {
        let line = line.trim();
        if line.is_empty() || self.history.back().is_some_and(|last| last == line) {
            return;
        }
        if self.history.len() == self.history_limit {
            self.history.pop_front();
        }
        if self.history_limit > 0 {
            self.history.push_back(String::from(line));
        }
    }

    fn browse_older(&mut self, echo: &mut impl Write) {
        let index = match self.browsing {
            None if self.history.is_empty() => return,
            None => {
                self.draft = self.line.clone();
                self.history.len() - 1
            }
            Some(0) => return,
            Some(index) => index - 1,
        };
        self.browsing = Some(index);
        let entry = self.history[index].clone();
        self.replace_line(entry, echo);
    }

    fn browse_newer(&mut self, echo: &mut impl Write) {
        let Some(index) = self.browsing else { return };
        let next = if index + 1 < self.history.len() {
            self.browsing = Some(index + 1);
            self.history[index + 1].clone()
        } else {
            self.browsing = None;
            core::mem::take(&mut self.draft)
        };
        self.replace_line(next, echo);
    }

    fn replace_line(&mut self, new: String, echo: &mut impl Write) {
        for _ in self.line.chars() {
            let _ = echo.write_str(RUB_OUT);
        }
        let _ = echo.write_str(&new);
        self.line = new;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn type_str(editor: &mut LineEditor, text: &str, echo: &mut String) -> Outcome {
        let mut outcome = Outcome::Editing;
        for ch in text.chars() {
            let key = if ch == '\n' {
                EditKey::Enter
            } else {
                EditKey::Char(ch)
            };
            outcome = editor.handle(key, echo);
        }
        outcome
    }

    /// What a terminal would show after interpreting the echo's rub-outs.
    fn rendered(echo: &str) -> String {
        let mut screen = String::new();
        for part in echo.split_inclusive(RUB_OUT) {
            match part.strip_suffix(RUB_OUT) {
                Some(kept) => {
                    screen.push_str(kept);
                    screen.pop();
                }
                None => screen.push_str(part),
            }
        }
        screen
    }

    #[test]
    fn typing_and_enter_yield_the_line() {
        let mut editor = LineEditor::new(8);
        let mut echo = String::new();
        assert_eq!(
            type_str(&mut editor, "echo hi", &mut echo),
            Outcome::Editing
        );
        assert_eq!(
            editor.handle(EditKey::Enter, &mut echo),
            Outcome::Line("echo hi".into())
        );
        assert_eq!(echo, "echo hi\n");
        assert_eq!(editor.line(), "");
    }

    #[test]
    fn backspace_erases_and_stops_at_empty() {
        let mut editor = LineEditor::new(8);
        let mut echo = String::new();
        type_str(&mut editor, "ab", &mut echo);
        for _ in 0..4 {
            editor.handle(EditKey::Backspace, &mut echo);
        }
        assert_eq!(editor.line(), "");
        assert_eq!(echo, ["ab", RUB_OUT, RUB_OUT].concat());
        type_str(&mut editor, "c", &mut echo);
        assert_eq!(rendered(&echo), "c");
    }

    #[test]
    fn ctrl_c_cancels_the_line() {
        let mut editor = LineEditor::new(8);
        let mut echo = String::new();
        type_str(&mut editor, "rebo", &mut echo);
        assert_eq!(
            editor.handle(EditKey::Interrupt, &mut echo),
            Outcome::Cancelled
        );
        assert_eq!(editor.line(), "");
        assert!(echo.ends_with("^C\n"));
        assert_eq!(
            editor.history().count(),
            0,
            "a cancelled line is not remembered"
        );
    }

    #[test]
    fn history_browses_back_and_restores_the_draft() {
        let mut editor = LineEditor::new(8);
        let mut echo = String::new();
        type_str(&mut editor, "one\ntwo\nthree\n", &mut echo);
        type_str(&mut editor, "dra", &mut echo);
        echo.clear();
        editor.handle(EditKey::Up, &mut echo);
        assert_eq!(editor.line(), "three");
        editor.handle(EditKey::Up, &mut echo);
        editor.handle(EditKey::Up, &mut echo);
        editor.handle(EditKey::Up, &mut echo); // already at the oldest
        assert_eq!(editor.line(), "one");
        editor.handle(EditKey::Down, &mut echo);
        assert_eq!(editor.line(), "two");
        editor.handle(EditKey::Down, &mut echo);
        editor.handle(EditKey::Down, &mut echo);
        assert_eq!(editor.line(), "dra");
        assert_eq!(rendered(&["dra", &echo].concat()), "dra");
        assert_eq!(
            editor.handle(EditKey::Enter, &mut echo),
            Outcome::Line("dra".into())
        );
    }

    #[test]
    fn history_is_bounded_and_skips_blanks_and_repeats() {
        let mut editor = LineEditor::new(3);
        let mut echo = String::new();
        type_str(&mut editor, "a\n\n  \nb\nb\nc\nd\n", &mut echo);
        assert_eq!(
            editor.history().collect::<alloc::vec::Vec<_>>(),
            ["b", "c", "d"]
        );
    }

    #[test]
    fn overlong_lines_and_control_characters_are_ignored() {
        let mut editor = LineEditor::new(1);
        let mut echo = String::new();
        let long: String = core::iter::repeat_n('x', MAX_LINE + 10).collect();
        type_str(&mut editor, &long, &mut echo);
        editor.handle(EditKey::Char('\u{7}'), &mut echo);
        assert_eq!(editor.line().len(), MAX_LINE);
        assert_eq!(echo.len(), MAX_LINE);
    }
}
