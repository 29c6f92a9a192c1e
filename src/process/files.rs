//! A process's open files: descriptors 0, 1 and 2 are the console; the rest name nodes of the
//! VFS with their own offsets.

use crate::vfs::Location;
use alloc::vec::Vec;

/// The most descriptors a process may hold (`EMFILE` beyond).
pub const MAX_FILES: usize = 64;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum File {
    Console,
    Node {
        at: Location,
        offset: u64,
        directory: bool,
    },
}

#[derive(Debug, Clone)]
pub struct FileTable {
    slots: Vec<Option<File>>,
}

impl FileTable {
    /// stdin, stdout and stderr on the console.
    pub fn with_console() -> Self {
        FileTable {
            slots: alloc::vec![Some(File::Console); 3],
        }
    }

    pub fn get(&mut self, fd: u64) -> Option<&mut File> {
        self.slots.get_mut(usize::try_from(fd).ok()?)?.as_mut()
    }

    /// The lowest free descriptor for `file`, or `None` when [`MAX_FILES`] are open.
    pub fn open(&mut self, file: File) -> Option<u64> {
        if let Some(fd) = self.slots.iter().position(Option::is_none) {
            self.slots[fd] = Some(file);
            return Some(fd as u64);
        }
        if self.slots.len() >= MAX_FILES {
            return None;
        }
        self.slots.push(Some(file));
        Some(self.slots.len() as u64 - 1)
    }

    pub fn close(&mut self, fd: u64) -> bool {
        match usize::try_from(fd)
            .ok()
            .and_then(|fd| self.slots.get_mut(fd))
        {
            Some(slot @ Some(_)) => {
                *slot = None;
                true
            }
            _ => false,
        }
    }

    pub fn close_all(&mut self) {
        self.slots.clear();
    }
}
