//! The interactive shell: a line editor and a command set, run as an async task next to the
//! others. It reads keys from the keyboard and the serial console alike and echoes to both.

pub mod command;
pub mod exec;
pub mod line_editor;
pub mod programs;
pub mod status;
pub mod terminal_input;

use crate::console::{self, Consoles};
use crate::input::stream::KeyStream;
use crate::input::{DecodedKey, KeyCode};
use crate::task::executor::Spawner;
use crate::{print, println};
use core::task::Poll;
use futures_util::StreamExt;
use line_editor::{EditKey, LineEditor, Outcome};
use terminal_input::TerminalInput;

const PROMPT: &str = "kestrel> ";

enum Event {
    Key(DecodedKey),
    /// Output broke into the line being edited: show the prompt and the line again.
    Redraw,
}
const HISTORY_LINES: usize = 32;

/// The shell task. `on_first_prompt` runs once, right after the first prompt is shown (the
/// kernel measures its boot time there).
pub async fn run(spawner: Spawner, on_first_prompt: fn()) {
    let Some(mut keys) = KeyStream::take() else {
        log::error!("shell: another task already reads the keyboard");
        return;
    };
    let mut editor = LineEditor::new(HISTORY_LINES);
    let mut terminal = TerminalInput::default();
    // Test runners wait for "kestrel: ready for input" before they type.
    println!("kestrel: ready for input. Type 'help' for the commands.");
    print!("{PROMPT}");
    on_first_prompt();
    loop {
        let event = core::future::poll_fn(|cx| {
            if console::poll_line_interrupted(cx).is_ready() {
                return Poll::Ready(Some(Event::Redraw));
            }
            keys.poll_next_unpin(cx).map(|key| key.map(Event::Key))
        })
        .await;
        let key = match event {
            Some(Event::Key(key)) => key,
            Some(Event::Redraw) => {
                print!("{PROMPT}{}", editor.line());
                continue;
            }
            None => break,
        };
        let edit = match key {
            DecodedKey::Unicode(ch) => terminal.decode(ch),
            DecodedKey::RawKey(KeyCode::ArrowUp) => Some(EditKey::Up),
            DecodedKey::RawKey(KeyCode::ArrowDown) => Some(EditKey::Down),
            DecodedKey::RawKey(_) => None,
        };
        let Some(edit) = edit else { continue };
        match editor.handle(edit, &mut Consoles) {
            Outcome::Editing => continue,
            Outcome::Line(line) => match command::parse(&line) {
                Ok(command) => exec::execute(command, &spawner).await,
                Err(error) => println!("{error}"),
            },
            Outcome::Cancelled => {}
        }
        print!("{PROMPT}");
    }
}
