//! Pipes: a bounded byte queue between a read end and a write end, each possibly held by
//! several descriptors (after `fork`). `read` blocks while the pipe is empty and a writer
//! remains (0 at end of file); `write` blocks while it is full and a reader remains (`EPIPE`
//! when none does; the caller sends SIGPIPE). A signal ends a wait (`Interrupted`) unless
//! bytes moved already. Interrupts must be off in both.

use crate::sched::irq_mutex::IrqMutex;
use crate::sched::{self, Wait};
use alloc::collections::VecDeque;
use alloc::sync::Arc;
use alloc::vec::Vec;

/// Linux's default pipe capacity.
pub const CAPACITY: usize = 64 * 1024;

struct State {
    bytes: VecDeque<u8>,
    readers: u32,
    writers: u32,
}

pub struct Pipe {
    state: IrqMutex<State>,
}

/// Why a pipe operation ended without moving bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PipeError {
    /// No read end is open (`EPIPE`).
    Broken,
    /// The process was killed while it waited (`EINTR`).
    Interrupted,
}

impl core::fmt::Debug for Pipe {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Pipe")
    }
}

impl Pipe {
    /// A pipe with one read and one write end open.
    pub fn new() -> Arc<Pipe> {
        Arc::new(Pipe {
            state: IrqMutex::new(State {
                bytes: VecDeque::new(),
                readers: 1,
                writers: 1,
            }),
        })
    }

    /// Another descriptor holds an end (`fork`, `dup`).
    pub fn open_end(&self, write: bool) {
        let mut state = self.state.lock();
        if write {
            state.writers += 1;
        } else {
            state.readers += 1;
        }
    }

    pub fn close_end(&self, write: bool) {
        {
            let mut state = self.state.lock();
            if write {
                state.writers = state.writers.saturating_sub(1);
            } else {
                state.readers = state.readers.saturating_sub(1);
            }
        }
        sched::wake_all(Wait::Pipe);
    }

    /// For poll(2): whether a read would not block (bytes, or no writer left: end of file),
    /// whether a write would not block (room, or no reader: `EPIPE`), and whether the other
    /// end is gone (`POLLHUP` for a reader, `POLLERR` for a writer).
    pub fn poll(&self, write_end: bool) -> (bool, bool) {
        let state = self.state.lock();
        if write_end {
            (
                state.bytes.len() < CAPACITY || state.readers == 0,
                state.readers == 0,
            )
        } else {
            (
                !state.bytes.is_empty() || state.writers == 0,
                state.writers == 0,
            )
        }
    }

    pub fn read(&self, max: usize) -> Result<Vec<u8>, PipeError> {
        loop {
            {
                let mut state = self.state.lock();
                if !state.bytes.is_empty() {
                    let n = max.min(state.bytes.len());
                    let out = state.bytes.drain(..n).collect();
                    drop(state);
                    sched::wake_all(Wait::Pipe);
                    return Ok(out);
                }
                if state.writers == 0 || max == 0 {
                    return Ok(Vec::new());
                }
            }
            // Bytes that came with a signal are read first (Linux's pipe_read).
            if sched::current_process().is_some_and(|p| p.kill_pending()) {
                return Err(PipeError::Interrupted);
            }
            sched::block(Wait::Pipe);
        }
    }

    /// Writes all of `data` (blocking while the pipe is full); returns how much went in.
    pub fn write(&self, data: &[u8]) -> Result<usize, PipeError> {
        let mut written = 0;
        loop {
            {
                let mut state = self.state.lock();
                if state.readers == 0 {
                    return if written > 0 {
                        Ok(written)
                    } else {
                        Err(PipeError::Broken)
                    };
                }
                let room = CAPACITY - state.bytes.len();
                let n = room.min(data.len() - written);
                state.bytes.extend(&data[written..written + n]);
                written += n;
            }
            sched::wake_all(Wait::Pipe);
            if written == data.len() {
                return Ok(written);
            }
            if sched::current_process().is_some_and(|p| p.kill_pending()) {
                return if written > 0 {
                    Ok(written)
                } else {
                    Err(PipeError::Interrupted)
                };
            }
            sched::block(Wait::Pipe);
        }
    }
}
