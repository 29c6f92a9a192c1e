//! The interactive shell: a line editor and a command set, run as an async task next to the
//! others. It reads keys from the keyboard and the serial console alike, draws the line on
//! each console for its own width, and lets Ctrl-C interrupt whatever command runs.

pub mod command;
pub mod completion;
pub mod exec;
pub mod line_editor;
pub mod line_view;
pub mod platform_commands;
pub mod programs;
pub mod status;
pub mod words;

use crate::console::{self, ScreenOnly, SerialOnly};
use crate::input::{self, Key, stream::KeyStream};
use crate::println;
use crate::task::executor::Spawner;
use completion::Commands;
use core::future::Future;
use core::pin::pin;
use core::task::Poll;
use futures_util::StreamExt;
use line_editor::{LineEditor, Outcome};
use line_view::LineView;

const PROMPT: &str = "kestrel> ";
const HISTORY_LINES: usize = 32;

enum Event {
    Key(Key),
    /// Output broke into the line being edited: show the prompt and the line again.
    Redraw,
}

/// The line as each console shows it.
struct Views {
    screen: LineView,
    serial: LineView,
}

impl Views {
    fn new() -> Self {
        Views {
            screen: LineView::new(console::screen_columns()),
            serial: LineView::new(console::SERIAL_COLUMNS),
        }
    }

    /// Draws the prompt and the line, from the start of a row.
    fn start(&mut self, editor: &LineEditor) {
        let (text, cursor) = (editor.text(), editor.cursor());
        self.screen.start(PROMPT, text, cursor, &mut ScreenOnly);
        self.serial.start(PROMPT, text, cursor, &mut SerialOnly);
    }

    fn update(&mut self, editor: &LineEditor) {
        let (text, cursor) = (editor.text(), editor.cursor());
        self.screen.update(text, cursor, &mut ScreenOnly);
        self.serial.update(text, cursor, &mut SerialOnly);
    }

    /// Ends the line's display with `suffix` after it: what follows starts on a new row.
    fn finish(&mut self, suffix: &str) {
        self.screen.finish(suffix, &mut ScreenOnly);
        self.serial.finish(suffix, &mut SerialOnly);
    }
}

/// The shell task. `on_first_prompt` runs once, right after the first prompt is shown (the
/// kernel measures its boot time there).
pub async fn run(spawner: Spawner, on_first_prompt: fn()) {
    let Some(mut keys) = KeyStream::take() else {
        log::error!("shell: another task already reads the keyboard");
        return;
    };
    // `init=PATH`: that program has the console first.
    if let Some(init) = crate::boot::try_info().and_then(|boot| boot.args.init()) {
        programs::run_init(init).await;
    }
    let mut editor = LineEditor::new(HISTORY_LINES);
    let mut views = Views::new();
    // Test runners wait for "kestrel: ready for input" before they type.
    println!("kestrel: ready for input. Type 'help' for the commands.");
    views.start(&editor);
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
                views.start(&editor);
                continue;
            }
            None => break,
        };
        // Reading the key may itself have printed (the input overflow warning): draw the
        // prompt again first, so that the key lands on the line and not before the prompt.
        if console::take_line_interrupted() {
            views.start(&editor);
        }
        match editor.handle(key, &Commands) {
            Outcome::Editing => {
                if let Some(message) = editor.take_message() {
                    views.finish("");
                    println!("{message}");
                    views.start(&editor);
                } else {
                    views.update(&editor);
                }
                continue;
            }
            Outcome::Line(line) => {
                views.finish("");
                run_line(&line, &spawner).await;
                // The prompt comes fresh below whatever the command and the log printed.
                console::take_line_interrupted();
            }
            Outcome::Cancelled => views.finish("^C"),
            Outcome::ClearScreen => {
                console::clear();
                views.start(&editor);
                continue;
            }
        }
        if !console::at_line_start() {
            println!();
        }
        views.start(&editor);
    }
}

async fn run_line(line: &str, spawner: &Spawner) {
    match command::parse(line) {
        // A program in the foreground reads the keys itself: its Ctrl-C is a SIGINT for the
        // process (programs::run), and dropping its future would leave the process running.
        Ok(command @ command::Command::Run(_)) => exec::execute(command, spawner).await,
        Ok(command) => {
            if until_interrupted(exec::execute(command, spawner)).await {
                println!("^C");
            }
        }
        Err(error) => println!("{error}"),
    }
}

/// Runs `command` until it ends or Ctrl-C is typed (then drops it); true if interrupted.
/// Keys typed meanwhile stay queued for the prompt. Commands that compute without awaiting
/// (`bench`) look for Ctrl-C themselves with `input::scan_for_interrupt`.
async fn until_interrupted(command: impl Future<Output = ()>) -> bool {
    let mut command = pin!(command);
    core::future::poll_fn(|cx| {
        if command.as_mut().poll(cx).is_ready() {
            return Poll::Ready(false);
        }
        if input::scan_for_interrupt() {
            return Poll::Ready(true);
        }
        input::register_waiter(cx.waker());
        // Input that arrived before the registration woke nobody: look again.
        match input::scan_for_interrupt() {
            true => Poll::Ready(true),
            false => Poll::Pending,
        }
    })
    .await
}
