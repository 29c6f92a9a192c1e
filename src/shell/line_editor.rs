//! The shell's line editor, with the readline keys people expect: the cursor moves (Left,
//! Right, Home, End, Ctrl-A/E/B/F, Alt-B/F), text goes in where the cursor is, Backspace and
//! Delete (Ctrl-D) erase, Ctrl-U / Ctrl-K / Ctrl-W kill to the start, to the end and the word
//! before the cursor (Ctrl-Y puts it back), Up/Down (Ctrl-P/N) walk the history, Tab
//! completes, Ctrl-L clears the screen, Enter takes the line and Ctrl-C abandons it.
//!
//! Pure logic: it holds the text and the cursor; drawing them is [`super::line_view`]'s job,
//! once per terminal. So the same code runs in host tests.

use super::completion::{Completion, CompletionSource, complete};
use crate::input::Key;
use alloc::collections::VecDeque;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

/// Longest line accepted, in characters. Typing beyond it gets a notice (once per line).
pub const MAX_LINE: usize = 4096;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The line is still being edited.
    Editing,
    /// Enter was pressed on this line.
    Line(String),
    /// Ctrl-C abandoned the line.
    Cancelled,
    /// Ctrl-L: clear the screen and draw the line again at the top.
    ClearScreen,
}

pub struct LineEditor {
    line: Vec<char>,
    /// Characters left of the cursor: 0..=line.len().
    cursor: usize,
    history: VecDeque<String>,
    history_limit: usize,
    /// Index into `history` while browsing it with the arrow keys.
    browsing: Option<usize>,
    /// The line being typed before browsing started, restored by walking past the newest entry.
    draft: String,
    /// What the last Ctrl-U, Ctrl-K or Ctrl-W removed, for Ctrl-Y.
    killed: Vec<char>,
    /// Set once the line is full, so that the notice comes once, not per refused key.
    full_noticed: bool,
    /// Text to show below the line (completion choices, the length notice).
    message: Option<String>,
}

impl LineEditor {
    pub fn new(history_limit: usize) -> Self {
        LineEditor {
            line: Vec::new(),
            cursor: 0,
            history: VecDeque::new(),
            history_limit,
            browsing: None,
            draft: String::new(),
            killed: Vec::new(),
            full_noticed: false,
            message: None,
        }
    }

    pub fn text(&self) -> &[char] {
        &self.line
    }

    pub fn line(&self) -> String {
        self.line.iter().collect()
    }

    pub fn cursor(&self) -> usize {
        self.cursor
    }

    pub fn history(&self) -> impl Iterator<Item = &str> {
        self.history.iter().map(String::as_str)
    }

    /// Something to show on the lines below the one being edited, which is then drawn again.
    pub fn take_message(&mut self) -> Option<String> {
        self.message.take()
    }

    pub fn handle(&mut self, key: Key, completions: &dyn CompletionSource) -> Outcome {
        match key {
            Key::Char(ch) if !ch.is_control() => self.insert(&[ch]),
            Key::Enter => {
                let line = self.line();
                self.reset();
                self.remember(&line);
                return Outcome::Line(line);
            }
            Key::INTERRUPT => {
                self.reset();
                return Outcome::Cancelled;
            }
            Key::Backspace if self.cursor > 0 => {
                self.cursor -= 1;
                self.line.remove(self.cursor);
            }
            Key::Delete | Key::Ctrl('d') if self.cursor < self.line.len() => {
                self.line.remove(self.cursor);
            }
            Key::Left | Key::Ctrl('b') => self.cursor = self.cursor.saturating_sub(1),
            Key::Right | Key::Ctrl('f') => self.cursor = (self.cursor + 1).min(self.line.len()),
            Key::Home | Key::Ctrl('a') => self.cursor = 0,
            Key::End | Key::Ctrl('e') => self.cursor = self.line.len(),
            Key::Alt('b') => self.cursor = self.word_start(),
            Key::Alt('f') => self.cursor = self.word_end(),
            Key::Ctrl('u') => self.kill(0, self.cursor),
            Key::Ctrl('k') => self.kill(self.cursor, self.line.len()),
            Key::Ctrl('w') => self.kill(self.word_start(), self.cursor),
            Key::Ctrl('y') => {
                let killed = core::mem::take(&mut self.killed);
                self.insert(&killed);
                self.killed = killed;
            }
            Key::Up | Key::Ctrl('p') => self.browse_older(),
            Key::Down | Key::Ctrl('n') => self.browse_newer(),
            Key::Tab => self.complete(completions),
            Key::Ctrl('l') => return Outcome::ClearScreen,
            _ => {}
        }
        if self.line.len() < MAX_LINE {
            self.full_noticed = false;
        }
        Outcome::Editing
    }

    fn reset(&mut self) {
        self.line.clear();
        self.cursor = 0;
        self.browsing = None;
        self.full_noticed = false;
    }

    /// Inserts at the cursor as much of `text` as fits.
    fn insert(&mut self, text: &[char]) {
        let room = MAX_LINE - self.line.len();
        let fits = &text[..text.len().min(room)];
        self.line
            .splice(self.cursor..self.cursor, fits.iter().copied());
        self.cursor += fits.len();
        if fits.len() < text.len() && !self.full_noticed {
            self.full_noticed = true;
            self.message = Some(format!(
                "(the line is full: {MAX_LINE} characters at most; the rest was not taken)"
            ));
        }
    }

    fn kill(&mut self, from: usize, to: usize) {
        if from < to {
            self.killed = self.line.drain(from..to).collect();
            self.cursor = from;
        }
    }

    /// Where the word left of the cursor starts (spaces before it skipped).
    fn word_start(&self) -> usize {
        let mut at = self.cursor;
        while at > 0 && self.line[at - 1].is_whitespace() {
            at -= 1;
        }
        while at > 0 && !self.line[at - 1].is_whitespace() {
            at -= 1;
        }
        at
    }

    /// Where the word right of the cursor ends.
    fn word_end(&self) -> usize {
        let mut at = self.cursor;
        while at < self.line.len() && self.line[at].is_whitespace() {
            at += 1;
        }
        while at < self.line.len() && !self.line[at].is_whitespace() {
            at += 1;
        }
        at
    }

    fn complete(&mut self, completions: &dyn CompletionSource) {
        let mut start = self.cursor;
        while start > 0 && !self.line[start - 1].is_whitespace() {
            start -= 1;
        }
        let before: String = self.line[..start].iter().collect();
        let prefix: String = self.line[start..self.cursor].iter().collect();
        match complete(completions, &before, &prefix) {
            Completion::None => {}
            Completion::Insert(text) => {
                let text: Vec<char> = text.chars().collect();
                // A completed word is followed by one space, not two.
                let at_space = self.line.get(self.cursor) == Some(&' ');
                let text = match text.split_last() {
                    Some((' ', rest)) if at_space => {
                        let rest = rest.to_vec();
                        self.insert(&rest);
                        self.cursor += 1;
                        return;
                    }
                    _ => text,
                };
                self.insert(&text);
            }
            Completion::Choices(choices) => self.message = Some(choices.join("  ")),
        }
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

    fn browse_older(&mut self) {
        let index = match self.browsing {
            None if self.history.is_empty() => return,
            None => {
                self.draft = self.line();
                self.history.len() - 1
            }
            Some(0) => return,
            Some(index) => index - 1,
        };
        self.browsing = Some(index);
        let entry = self.history[index].clone();
        self.replace_line(&entry);
    }

    fn browse_newer(&mut self) {
        let Some(index) = self.browsing else { return };
        let next = if index + 1 < self.history.len() {
            self.browsing = Some(index + 1);
            self.history[index + 1].clone()
        } else {
            self.browsing = None;
            core::mem::take(&mut self.draft)
        };
        self.replace_line(&next);
    }

    fn replace_line(&mut self, new: &str) {
        self.line = new.chars().collect();
        self.cursor = self.line.len();
    }
}

#[cfg(test)]
mod tests {
    use super::super::completion::Commands;
    use super::*;
    use Key::*;

    fn type_keys(editor: &mut LineEditor, keys: &[Key]) -> Outcome {
        let mut outcome = Outcome::Editing;
        for &key in keys {
            outcome = editor.handle(key, &Commands);
        }
        outcome
    }

    fn type_str(editor: &mut LineEditor, text: &str) -> Outcome {
        let mut outcome = Outcome::Editing;
        for ch in text.chars() {
            let key = if ch == '\n' { Enter } else { Char(ch) };
            outcome = editor.handle(key, &Commands);
        }
        outcome
    }

    /// The line that runs after typing `text` and then `keys` and Enter.
    fn run(text: &str, keys: &[Key]) -> String {
        let mut editor = LineEditor::new(8);
        type_str(&mut editor, text);
        type_keys(&mut editor, keys);
        match editor.handle(Enter, &Commands) {
            Outcome::Line(line) => line,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn typing_and_enter_yield_the_line() {
        let mut editor = LineEditor::new(8);
        assert_eq!(type_str(&mut editor, "echo hi"), Outcome::Editing);
        assert_eq!(editor.cursor(), 7);
        assert_eq!(
            editor.handle(Enter, &Commands),
            Outcome::Line("echo hi".into())
        );
        assert_eq!(editor.line(), "");
        assert_eq!(editor.cursor(), 0);
    }

    #[test]
    fn cursor_moves_and_inserts_mid_line() {
        assert_eq!(
            run("echo wrld", &[Left, Left, Left, Char('o')]),
            "echo world"
        );
        assert_eq!(run("cho hi", &[Home, Char('e')]), "echo hi");
        assert_eq!(
            run("cho hi", &[Ctrl('a'), Char('e'), Ctrl('e'), Char('!')]),
            "echo hi!"
        );
        // Moves stop at the ends.
        assert_eq!(run("ab", &[Right, Right, Char('c')]), "abc");
        assert_eq!(run("ab", &[Left, Left, Left, Char('c')]), "cab");
        assert_eq!(
            run("abc", &[Ctrl('b'), Ctrl('b'), Ctrl('f'), Char('x')]),
            "abxc"
        );
        assert_eq!(run("one two", &[Alt('b'), Char('_')]), "one _two");
        assert_eq!(run("one two", &[Home, Alt('f'), Char('.')]), "one. two");
        assert_eq!(run("é€", &[Left, Char('ß')]), "éß€");
    }

    #[test]
    fn backspace_and_delete() {
        assert_eq!(
            run("echo typoo", &[Backspace, Backspace, Char('o')]),
            "echo typo"
        );
        assert_eq!(run("abcd", &[Left, Left, Backspace]), "acd");
        assert_eq!(run("abcd", &[Home, Delete, Right, Ctrl('d')]), "bd");
        assert_eq!(run("ab", &[Delete, Home, Backspace, Backspace]), "ab");
    }

    #[test]
    fn kills_and_yank() {
        assert_eq!(
            run("echo hello world", &[Alt('b'), Ctrl('k')]),
            "echo hello "
        );
        assert_eq!(run("echo hello world", &[Alt('b'), Ctrl('u')]), "world");
        assert_eq!(run("echo hello world  ", &[Ctrl('w')]), "echo hello ");
        assert_eq!(run("echo hello world", &[Ctrl('w'), Ctrl('w')]), "echo ");
        assert_eq!(
            run("echo a b", &[Ctrl('w'), Home, Ctrl('y'), Char(' ')]),
            "b echo a "
        );
    }

    #[test]
    fn ctrl_c_cancels_the_line() {
        let mut editor = LineEditor::new(8);
        type_str(&mut editor, "rebo");
        assert_eq!(editor.handle(Key::INTERRUPT, &Commands), Outcome::Cancelled);
        assert_eq!(editor.line(), "");
        assert_eq!(
            editor.history().count(),
            0,
            "a cancelled line is not remembered"
        );
    }

    #[test]
    fn tab_completes_commands_and_lists_choices() {
        assert_eq!(run("upt", &[Tab]), "uptime ");
        assert_eq!(run("upt", &[Tab, Char('x')]), "uptime x");
        assert_eq!(run("keyboard dv", &[Tab]), "keyboard dvorak ");
        // Mid-line: the word left of the cursor is completed, and no second space is added.
        assert_eq!(
            run("ec hi", &[Left, Left, Left, Tab, Char('!')]),
            "echo !hi"
        );
        assert_eq!(run("zz", &[Tab]), "zz");
        let mut editor = LineEditor::new(8);
        type_str(&mut editor, "h");
        editor.handle(Tab, &Commands);
        assert_eq!(editor.line(), "h");
        assert_eq!(editor.take_message().as_deref(), Some("halt  help"));
        assert_eq!(editor.take_message(), None);
    }

    #[test]
    fn long_lines_are_taken_up_to_the_limit_with_one_notice() {
        let mut editor = LineEditor::new(1);
        let long: String = core::iter::repeat_n('x', MAX_LINE + 10).collect();
        type_str(&mut editor, &long);
        assert_eq!(editor.text().len(), MAX_LINE);
        let notice = editor
            .take_message()
            .expect("a notice when the line is full");
        assert!(notice.contains("4096"), "{notice}");
        editor.handle(Char('y'), &Commands);
        assert_eq!(editor.take_message(), None, "one notice per line");
        // Room again, then full again: a new notice.
        editor.handle(Backspace, &Commands);
        editor.handle(Char('y'), &Commands);
        editor.handle(Char('y'), &Commands);
        assert!(editor.take_message().is_some());
        // A long line still edits: insert near the start.
        editor.handle(Ctrl('u'), &Commands);
        type_str(&mut editor, "echo ");
        type_str(&mut editor, &long[..3000]);
        type_keys(&mut editor, &[Home, Right, Right, Right, Right, Char('!')]);
        let line = editor.line();
        assert!(
            line.starts_with("echo! xxx") && line.len() == 3006,
            "{}",
            &line[..10]
        );
    }

    #[test]
    fn history_browses_back_and_restores_the_draft() {
        let mut editor = LineEditor::new(8);
        type_str(&mut editor, "one\ntwo\nthree\n");
        type_str(&mut editor, "dra");
        editor.handle(Up, &Commands);
        assert_eq!(editor.line(), "three");
        assert_eq!(editor.cursor(), 5);
        type_keys(&mut editor, &[Up, Up, Up]); // already at the oldest
        assert_eq!(editor.line(), "one");
        editor.handle(Down, &Commands);
        assert_eq!(editor.line(), "two");
        type_keys(&mut editor, &[Ctrl('n'), Down]);
        assert_eq!(editor.line(), "dra");
        assert_eq!(editor.handle(Enter, &Commands), Outcome::Line("dra".into()));
    }

    #[test]
    fn ctrl_l_asks_for_a_clear_screen_and_keeps_the_line() {
        let mut editor = LineEditor::new(8);
        type_str(&mut editor, "echo a");
        assert_eq!(editor.handle(Ctrl('l'), &Commands), Outcome::ClearScreen);
        assert_eq!(editor.line(), "echo a");
    }

    #[test]
    fn history_is_bounded_and_skips_blanks_and_repeats() {
        let mut editor = LineEditor::new(3);
        type_str(&mut editor, "a\n\n  \nb\nb\nc\nd\n");
        assert_eq!(editor.history().collect::<Vec<_>>(), ["b", "c", "d"]);
    }

    #[test]
    fn control_characters_and_unknown_keys_are_ignored() {
        assert_eq!(
            run("a", &[Char('\u{7}'), Function(1), Escape, PageUp, Alt('x')]),
            "a"
        );
    }
}
