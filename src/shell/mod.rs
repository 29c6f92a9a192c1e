//! The interactive shell: a line editor and a command set, run as an async task.

pub mod command;
pub mod line_editor;
pub mod terminal_input;
