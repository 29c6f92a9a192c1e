//! The console as programs see it: standard input is a line buffer that the shell fills from
//! the keyboard and serial line while a program runs in the foreground (echoing as it goes,
//! Backspace erasing, Enter completing a line, Ctrl-D ending input); `read` on it blocks until
//! a line is complete. Standard output and error print on the consoles like kernel output.

use crate::sched::irq_mutex::IrqMutex;
use crate::sched::{self, Wait};
use alloc::collections::VecDeque;
use alloc::vec::Vec;

struct Tty {
    /// The line being typed.
    editing: Vec<u8>,
    /// Completed lines, not read yet.
    ready: VecDeque<u8>,
    /// Ctrl-D on an empty line: the next read returns 0.
    eof: bool,
    /// The process whose reads get the input.
    foreground: Option<u32>,
}

static TTY: IrqMutex<Tty> = IrqMutex::new(Tty {
    editing: Vec::new(),
    ready: VecDeque::new(),
    eof: false,
    foreground: None,
});

/// Gives the console to process `pid` (or to nobody), dropping any unread input.
pub fn set_foreground(pid: Option<u32>) {
    let mut tty = TTY.lock();
    tty.foreground = pid;
    tty.editing.clear();
    tty.ready.clear();
    tty.eof = false;
}

pub fn foreground() -> Option<u32> {
    TTY.lock().foreground
}

/// One typed character for the foreground program.
pub fn feed(ch: char) {
    let mut tty = TTY.lock();
    match ch {
        '\u{8}' | '\u{7f}' => {
            if tty.editing.pop().is_some() {
                crate::print!("\u{8} \u{8}");
            }
            return;
        }
        '\u{4}' => {
            // Ctrl-D: hands over what was typed, or means end of input on an empty line.
            let line = core::mem::take(&mut tty.editing);
            if line.is_empty() {
                tty.eof = true;
            }
            tty.ready.extend(line);
        }
        '\r' | '\n' => {
            crate::println!();
            let mut line = core::mem::take(&mut tty.editing);
            line.push(b'\n');
            tty.ready.extend(line);
        }
        ch => {
            let mut utf8 = [0; 4];
            let bytes = ch.encode_utf8(&mut utf8).as_bytes();
            if tty.editing.len() + bytes.len() > 4096 {
                return;
            }
            crate::print!("{ch}");
            tty.editing.extend_from_slice(bytes);
            return;
        }
    }
    drop(tty);
    sched::wake_all(Wait::Console);
}

/// For poll(2): whether a read by process `pid` would not block (input is ready, or end of
/// file, which a process outside the foreground always reads).
pub fn readable(pid: u32) -> bool {
    let tty = TTY.lock();
    tty.foreground != Some(pid) || !tty.ready.is_empty() || tty.eof
}

/// Reads up to `max` bytes of completed input for process `pid`, blocking until there are
/// some (interrupts must be off). A process that is neither the foreground one nor one of its
/// descendants (what a shell runs) reads end of file.
/// `None`: the process was killed while it waited.
pub fn read(pid: u32, max: usize) -> Option<Vec<u8>> {
    loop {
        {
            let mut tty = TTY.lock();
            if !tty
                .foreground
                .is_some_and(|fg| super::is_descendant(pid, fg))
            {
                return Some(Vec::new());
            }
            if !tty.ready.is_empty() {
                let n = max.min(tty.ready.len());
                return Some(tty.ready.drain(..n).collect());
            }
            if tty.eof {
                tty.eof = false;
                return Some(Vec::new());
            }
        }
        sched::block(Wait::Console);
        if sched::current_process().is_some_and(|p| p.kill_pending()) {
            return None;
        }
    }
}
