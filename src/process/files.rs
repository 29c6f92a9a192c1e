//! A process's open files: descriptors 0, 1 and 2 are the console; the rest name nodes of the
//! VFS or pipe ends.
//!
//! As on Linux (open(2), "open file descriptions"), a descriptor refers to an open file
//! description: `dup`, `dup2`, `dup3`, `fcntl(F_DUPFD)` and `fork` make descriptors that share
//! one, so they share its offset and its status flags (`O_APPEND`); `open` makes a new one.
//! Close-on-exec belongs to the descriptor ([`FileTable::set_close_on_exec`]). A node stays
//! held ([`crate::vfs::FileSystem::retain`]) while any descriptor of its description is open.

use super::pipe::Pipe;
use crate::vfs::Location;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, Ordering};
use spin::Mutex;

/// The most descriptors a process may hold (`EMFILE` beyond).
pub const MAX_FILES: usize = 64;

/// An open file description of a VFS node: what `open` made, shared by its duplicates.
#[derive(Debug)]
pub struct OpenNode {
    pub at: Location,
    pub directory: bool,
    /// Opened for reading (`O_RDONLY`, `O_RDWR`), writing (`O_WRONLY`, `O_RDWR`).
    pub readable: bool,
    pub writable: bool,
    /// The file offset (for a directory, the `getdents64` position). Held across a read or
    /// write, so that two descriptors sharing it never use the same offset twice.
    pub offset: Mutex<u64>,
    /// `O_APPEND`, a status flag `fcntl(F_SETFL)` changes for every sharer.
    append: AtomicBool,
}

impl OpenNode {
    /// A description of `at`, which the caller has retained already (the description gives the
    /// hold back when its last descriptor closes).
    pub fn new(
        at: Location,
        directory: bool,
        readable: bool,
        writable: bool,
        append: bool,
    ) -> Arc<OpenNode> {
        Arc::new(OpenNode {
            at,
            directory,
            readable,
            writable,
            offset: Mutex::new(0),
            append: AtomicBool::new(append),
        })
    }

    pub fn append(&self) -> bool {
        self.append.load(Ordering::SeqCst)
    }

    pub fn set_append(&self, on: bool) {
        self.append.store(on, Ordering::SeqCst);
    }
}

impl Drop for OpenNode {
    fn drop(&mut self) {
        crate::rootfs::vfs().fs(self.at).release(self.at.ino);
    }
}

#[derive(Debug, Clone)]
pub enum File {
    Console,
    Node(Arc<OpenNode>),
    PipeRead(Arc<Pipe>),
    PipeWrite(Arc<Pipe>),
}

impl File {
    /// Another descriptor now refers to this file (a pipe counts its ends; a node's description
    /// counts its descriptors through its `Arc`).
    fn opened(&self) {
        match self {
            File::PipeRead(pipe) => pipe.open_end(false),
            File::PipeWrite(pipe) => pipe.open_end(true),
            File::Node(_) | File::Console => {}
        }
    }

    fn closed(&self) {
        match self {
            File::PipeRead(pipe) => pipe.close_end(false),
            File::PipeWrite(pipe) => pipe.close_end(true),
            File::Node(_) | File::Console => {}
        }
    }

    /// The two descriptors share one open file description (always true for the console and
    /// for pipe ends of the same pipe).
    pub fn same_description(&self, other: &File) -> bool {
        match (self, other) {
            (File::Node(a), File::Node(b)) => Arc::ptr_eq(a, b),
            (File::PipeRead(a), File::PipeRead(b)) | (File::PipeWrite(a), File::PipeWrite(b)) => {
                Arc::ptr_eq(a, b)
            }
            (File::Console, File::Console) => true,
            _ => false,
        }
    }
}

#[derive(Debug)]
pub struct FileTable {
    slots: Vec<Option<File>>,
    /// Bit `fd` set: `fd` is closed by execve (`FD_CLOEXEC`). [`MAX_FILES`] is 64.
    close_on_exec: u64,
}

const _: () = assert!(MAX_FILES <= 64, "close_on_exec is one bit per descriptor");

impl Clone for FileTable {
    /// `fork`: the child holds every file the parent holds.
    fn clone(&self) -> Self {
        for file in self.slots.iter().flatten() {
            file.opened();
        }
        FileTable {
            slots: self.slots.clone(),
            close_on_exec: self.close_on_exec,
        }
    }
}

impl FileTable {
    /// stdin, stdout and stderr on the console.
    pub fn with_console() -> Self {
        FileTable {
            slots: alloc::vec![Some(File::Console); 3],
            close_on_exec: 0,
        }
    }

    pub fn get(&mut self, fd: u64) -> Option<&mut File> {
        self.slots.get_mut(usize::try_from(fd).ok()?)?.as_mut()
    }

    /// The lowest free descriptor for `file` (whose pipe-end count or node hold the caller
    /// made already), or `None` when [`MAX_FILES`] are open.
    pub fn open(&mut self, file: File) -> Option<u64> {
        self.open_from(file, 0)
    }

    /// The lowest free descriptor at or above `min` for `file` (`F_DUPFD`).
    pub fn open_from(&mut self, file: File, min: u64) -> Option<u64> {
        let min = usize::try_from(min).ok().filter(|&m| m < MAX_FILES)?;
        if self.slots.len() < min {
            self.slots.resize(min, None);
        }
        let fd = match self.slots[min..].iter().position(Option::is_none) {
            Some(free) => min + free,
            None if self.slots.len() < MAX_FILES => {
                self.slots.push(None);
                self.slots.len() - 1
            }
            None => return None,
        };
        self.slots[fd] = Some(file);
        self.set_close_on_exec(fd as u64, false);
        Some(fd as u64)
    }

    /// `dup2`/`dup3`: `fd` becomes a copy of `file` (held already), closing what it was.
    /// `None` when `fd` is not below [`MAX_FILES`].
    pub fn install(&mut self, fd: u64, file: File) -> Option<u64> {
        let index = usize::try_from(fd).ok().filter(|&i| i < MAX_FILES)?;
        if self.slots.len() <= index {
            self.slots.resize(index + 1, None);
        }
        if let Some(old) = self.slots[index].replace(file) {
            old.closed();
        }
        self.set_close_on_exec(fd, false);
        Some(fd)
    }

    /// A second descriptor's hold on `file`: what dup does before installing the copy.
    pub fn hold(file: &File) {
        file.opened();
    }

    /// Gives back a hold taken by [`FileTable::hold`] that was never installed.
    pub fn unhold(file: &File) {
        file.closed();
    }

    pub fn close_on_exec(&self, fd: u64) -> bool {
        fd < 64 && self.close_on_exec & (1 << fd) != 0
    }

    pub fn set_close_on_exec(&mut self, fd: u64, on: bool) {
        if fd < 64 {
            if on {
                self.close_on_exec |= 1 << fd;
            } else {
                self.close_on_exec &= !(1 << fd);
            }
        }
    }

    /// execve: closes every descriptor marked close-on-exec.
    pub fn close_marked(&mut self) {
        for fd in 0..self.slots.len() as u64 {
            if self.close_on_exec(fd) {
                self.close(fd);
            }
        }
        self.close_on_exec = 0;
    }

    pub fn close(&mut self, fd: u64) -> bool {
        let file = usize::try_from(fd)
            .ok()
            .and_then(|fd| self.slots.get_mut(fd))
            .and_then(Option::take);
        self.set_close_on_exec(fd, false);
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
        self.close_on_exec = 0;
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
    fn duplicates_and_forks_share_one_description() {
        let at = Location { mount: 0, ino: 1 };
        let mut table = FileTable::with_console();
        let fd = table
            .open(File::Node(OpenNode::new(at, false, true, false, false)))
            .unwrap();
        let file = table.get(fd).unwrap().clone();
        FileTable::hold(&file);
        let dup = table.open_from(file, 10).unwrap();
        table.set_close_on_exec(dup, true);
        let mut forked = table.clone();
        let File::Node(node) = forked.get(fd).unwrap().clone() else {
            panic!("not a node")
        };
        *node.offset.lock() = 42;
        node.set_append(true);
        let shared = |t: &mut FileTable, fd: u64| {
            let Some(File::Node(n)) = t.get(fd) else {
                panic!("not a node")
            };
            assert_eq!(*n.offset.lock(), 42);
            assert!(n.append());
        };
        shared(&mut table, fd);
        shared(&mut table, dup);
        shared(&mut forked, dup);
        assert!(!table.close_on_exec(fd) && table.close_on_exec(dup));
        let a = table.get(fd).unwrap().clone();
        assert!(a.same_description(table.get(dup).unwrap()));
        let other = File::Node(OpenNode::new(at, false, true, false, false));
        assert!(!a.same_description(&other));
        drop(a);
        // Closing one descriptor leaves the description to the others.
        assert!(table.close(fd));
        assert_eq!(
            Arc::strong_count(&node),
            4,
            "dup, the fork's two, and `node`"
        );
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
