//! A process's open files: descriptors 0, 1 and 2 are the console; the rest name nodes of the
//! VFS with their own offsets.

use super::pipe::Pipe;
use crate::vfs::Location;
use alloc::sync::Arc;
use alloc::vec::Vec;

/// The most descriptors a process may hold (`EMFILE` beyond).
pub const MAX_FILES: usize = 64;

#[derive(Debug, Clone)]
pub enum File {
    Console,
    Node {
        at: Location,
        offset: u64,
        directory: bool,
        /// Opened for writing (`O_WRONLY`, `O_RDWR`), reading, appending (`O_APPEND`).
        writable: bool,
        readable: bool,
        append: bool,
    },
    PipeRead(Arc<Pipe>),
    PipeWrite(Arc<Pipe>),
}

impl File {
    /// Another descriptor now refers to this file (a pipe counts its ends).
    fn opened(&self) {
        match self {
            File::PipeRead(pipe) => pipe.open_end(false),
            File::PipeWrite(pipe) => pipe.open_end(true),
            _ => {}
        }
    }

    fn closed(&self) {
        match self {
            File::PipeRead(pipe) => pipe.close_end(false),
            File::PipeWrite(pipe) => pipe.close_end(true),
            File::Node { at, .. } => crate::rootfs::vfs().fs(*at).release(at.ino),
            File::Console => {}
        }
    }
}

#[derive(Debug)]
pub struct FileTable {
    slots: Vec<Option<File>>,
}

impl Clone for FileTable {
    /// `fork`: the child holds every file the parent holds.
    fn clone(&self) -> Self {
        for file in self.slots.iter().flatten() {
            file.opened();
        }
        FileTable {
            slots: self.slots.clone(),
        }
    }
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

    /// The lowest free descriptor for `file` (whose pipe-end count or node hold the caller
    /// made already), or `None` when [`MAX_FILES`] are open.
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
        let file = usize::try_from(fd)
            .ok()
            .and_then(|fd| self.slots.get_mut(fd))
            .and_then(Option::take);
        match file {
            Some(file) => {
                file.closed();
                true
            }
            None => false,
        }
    }

    pub fn close_all(&mut self) {
        for file in self.slots.drain(..).flatten() {
            file.closed();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptors_are_the_lowest_free_ones() {
        let mut table = FileTable::with_console();
        assert_eq!(table.open(File::Console), Some(3));
        assert!(table.close(1));
        assert!(!table.close(1), "closing twice is EBADF");
        assert!(!table.close(99));
        assert_eq!(table.open(File::Console), Some(1));
        assert!(table.get(2).is_some());
        assert!(table.get(u64::MAX).is_none());
    }

    #[test]
    fn the_table_is_bounded() {
        let mut table = FileTable::with_console();
        for fd in 3..MAX_FILES as u64 {
            assert_eq!(table.open(File::Console), Some(fd));
        }
        assert_eq!(table.open(File::Console), None, "EMFILE");
        table.close_all();
        assert!(table.get(0).is_none());
    }
}
