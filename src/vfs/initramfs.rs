//! The initramfs: a read-only tree built from one or more `newc` archives in memory.
//!
//! Directories named by a path but missing from the archive are created (mode 0755, owned by
//! root), as `cpio -i --make-directories` and Linux do. A later member with the same path
//! replaces an earlier one, except that a directory over a directory only updates its
//! attributes. Regular files and link targets point into the archive bytes, which must
//! therefore outlive the tree (the boot module stays mapped). Hard links (members sharing an
//! inode number with `nlink > 1`; `newc` stores the data with the last of them) become one
//! node under several names.

use alloc::collections::BTreeMap;
use alloc::vec::Vec;
use core::fmt;

use super::FsError;
use super::cpio::{self, CpioError};
use super::node::{DirEntry, FileSystem, FileType, FsUsage, InodeId, Metadata};
use super::path::{NAME_MAX, PATH_MAX};

enum Content<'a> {
    Directory {
        parent: InodeId,
        entries: BTreeMap<&'a [u8], InodeId>,
    },
    File(&'a [u8]),
    Symlink(&'a [u8]),
    /// Device nodes, FIFOs and sockets: metadata only (their drivers live elsewhere).
    Special,
}

struct Node<'a> {
    meta: Metadata,
    content: Content<'a>,
}

/// Why an archive could not become a tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BuildError {
    /// The archive itself is malformed.
    Archive(CpioError),
    /// A member's mode has no valid file type.
    BadMode { offset: usize, mode: u32 },
    /// A member's path contains `..`, a component longer than `NAME_MAX`, or is too long.
    BadPath { offset: usize },
    /// A member's path goes through something that is not a directory.
    NotADirectory { offset: usize },
    /// The root (`.`) is given as something other than a directory.
    RootNotADirectory { offset: usize },
    /// A symbolic link with an empty or over-long target.
    BadSymlink { offset: usize },
}

impl From<CpioError> for BuildError {
    fn from(e: CpioError) -> Self {
        BuildError::Archive(e)
    }
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            BuildError::Archive(e) => write!(f, "{e}"),
            BuildError::BadMode { offset, mode } => {
                write!(
                    f,
                    "initramfs: member at byte {offset} has mode {mode:#o}, no file type"
                )
            }
            BuildError::BadPath { offset } => write!(
                f,
                "initramfs: member at byte {offset} has a path with '..' or an over-long name"
            ),
            BuildError::NotADirectory { offset } => write!(
                f,
                "initramfs: member at byte {offset} lies under something that is not a directory"
            ),
            BuildError::RootNotADirectory { offset } => {
                write!(
                    f,
                    "initramfs: member at byte {offset} makes the root a non-directory"
                )
            }
            BuildError::BadSymlink { offset } => write!(
                f,
                "initramfs: symbolic link at byte {offset} has an empty or over-long target"
            ),
        }
    }
}

/// The read-only tree.
pub struct Initramfs<'a> {
    nodes: Vec<Node<'a>>,
}

const ROOT: InodeId = 1;

impl<'a> Initramfs<'a> {
    /// An empty root directory: what the kernel mounts when there is no usable archive.
    pub fn empty() -> Self {
        let root = Node {
            meta: Metadata::directory(ROOT, 0o755),
            content: Content::Directory {
                parent: ROOT,
                entries: BTreeMap::new(),
            },
        };
        // Index 0 is unused so that inode numbers are indices and 0 is never one.
        let placeholder = Node {
            meta: Metadata::directory(0, 0),
            content: Content::Special,
        };
        Initramfs {
            nodes: alloc::vec![placeholder, root],
        }
    }

    /// Builds the tree from `archives`, in order (later members win), each one or more
    /// concatenated `newc` archives.
    pub fn from_archives(archives: &[&'a [u8]]) -> Result<Self, BuildError> {
        let mut fs = Initramfs::empty();
        let mut hard_links: BTreeMap<(u32, u32, u32), InodeId> = BTreeMap::new();
        for archive in archives {
            for entry in cpio::entries(archive) {
                fs.add(&entry?, &mut hard_links)?;
            }
        }
        fs.count_directory_links();
        Ok(fs)
    }

    /// Sets each directory's link count to 2 plus its subdirectories, once: the tree never
    /// changes after it is built, and counting on every `stat` made each path lookup through
    /// /bin (busybox's 300 names) cost thousands of instructions.
    fn count_directory_links(&mut self) {
        for dir in 0..self.nodes.len() {
            let Content::Directory { entries, .. } = &self.nodes[dir].content else {
                continue;
            };
            let subdirs = entries
                .values()
                .filter(|&&child| self.nodes[child as usize].meta.is_dir())
                .count();
            self.nodes[dir].meta.nlink = 2 + subdirs as u32;
        }
    }

    /// Number of nodes reachable or not (for `mem`-style reports).
    pub fn node_count(&self) -> usize {
        self.nodes.len() - 1
    }

    fn node(&self, ino: InodeId) -> Result<&Node<'a>, FsError> {
        match usize::try_from(ino).ok().and_then(|i| self.nodes.get(i)) {
            Some(node) if ino != 0 => Ok(node),
            _ => Err(FsError::Stale),
        }
    }

    fn entries_mut(&mut self, dir: InodeId) -> Option<&mut BTreeMap<&'a [u8], InodeId>> {
        match &mut self.nodes[dir as usize].content {
            Content::Directory { entries, .. } => Some(entries),
            _ => None,
        }
    }

    fn push(&mut self, meta: Metadata, content: Content<'a>) -> InodeId {
        let ino = self.nodes.len() as InodeId;
        self.nodes.push(Node {
            meta: Metadata { ino, ..meta },
            content,
        });
        ino
    }

    fn add(
        &mut self,
        entry: &cpio::Entry<'a>,
        hard_links: &mut BTreeMap<(u32, u32, u32), InodeId>,
    ) -> Result<(), BuildError> {
        let offset = entry.offset;
        let file_type = FileType::from_mode(entry.mode).ok_or(BuildError::BadMode {
            offset,
            mode: entry.mode,
        })?;
        if entry.name.len() >= PATH_MAX {
            return Err(BuildError::BadPath { offset });
        }
        let mut parts: Vec<&'a [u8]> = Vec::new();
        for part in entry.name.split(|&b| b == b'/') {
            match part {
                b"" | b"." => {}
                b".." => return Err(BuildError::BadPath { offset }),
                _ if part.len() > NAME_MAX => return Err(BuildError::BadPath { offset }),
                _ => parts.push(part),
            }
        }
        let meta = Metadata {
            ino: 0,
            file_type,
            permissions: (entry.mode & 0o7777) as u16,
            uid: entry.uid,
            gid: entry.gid,
            size: entry.data.len() as u64,
            nlink: 1,
            mtime: u64::from(entry.mtime),
            rdev: (entry.rdev_major, entry.rdev_minor),
        };

        let Some((&name, dirs)) = parts.split_last() else {
            // The root itself (`.`): only its attributes can change.
            if file_type != FileType::Directory {
                return Err(BuildError::RootNotADirectory { offset });
            }
            self.nodes[ROOT as usize].meta = Metadata {
                ino: ROOT,
                size: 0,
                nlink: 2,
                ..meta
            };
            return Ok(());
        };
        let parent = self.make_dirs(dirs, offset)?;
        let existing = self.entries_mut(parent).and_then(|e| e.get(name).copied());

        if file_type == FileType::Directory {
            if let Some(old) = existing {
                let node = &mut self.nodes[old as usize];
                if let Content::Directory { .. } = node.content {
                    node.meta = Metadata {
                        ino: old,
                        size: 0,
                        nlink: 2,
                        ..meta
                    };
                    return Ok(());
                }
            }
            let content = Content::Directory {
                parent,
                entries: BTreeMap::new(),
            };
            let ino = self.push(
                Metadata {
                    size: 0,
                    nlink: 2,
                    ..meta
                },
                content,
            );
            self.link(parent, name, ino);
            return Ok(());
        }

        let content = match file_type {
            FileType::Regular => Content::File(entry.data),
            FileType::Symlink => {
                if entry.data.is_empty() || entry.data.len() >= PATH_MAX {
                    return Err(BuildError::BadSymlink { offset });
                }
                Content::Symlink(entry.data)
            }
            _ => Content::Special,
        };
        // A further name for a hard-linked file: the same node, with the data if this
        // member carries it.
        let key = (entry.dev_major, entry.dev_minor, entry.ino);
        if file_type == FileType::Regular
            && entry.nlink > 1
            && let Some(&ino) = hard_links.get(&key)
        {
            let node = &mut self.nodes[ino as usize];
            if !entry.data.is_empty() {
                node.content = content;
                node.meta.size = entry.data.len() as u64;
            }
            if existing != Some(ino) {
                node.meta.nlink += 1;
                self.link(parent, name, ino);
            }
            return Ok(());
        }
        let ino = self.push(meta, content);
        if file_type == FileType::Regular && entry.nlink > 1 {
            hard_links.insert(key, ino);
        }
        self.link(parent, name, ino);
        Ok(())
    }

    /// Walks `dirs` from the root, creating the missing directories; returns the last.
    fn make_dirs(&mut self, dirs: &[&'a [u8]], offset: usize) -> Result<InodeId, BuildError> {
        let mut dir = ROOT;
        for &name in dirs {
            let existing = self.entries_mut(dir).and_then(|e| e.get(name).copied());
            dir = match existing {
                Some(child) => match self.nodes[child as usize].content {
                    Content::Directory { .. } => child,
                    _ => return Err(BuildError::NotADirectory { offset }),
                },
                None => {
                    let content = Content::Directory {
                        parent: dir,
                        entries: BTreeMap::new(),
                    };
                    let child = self.push(Metadata::directory(0, 0o755), content);
                    self.link(dir, name, child);
                    child
                }
            };
        }
        Ok(dir)
    }

    /// Puts `ino` under `name` in `dir`, dropping a previous node of that name (it stays in
    /// the node table, unreachable; an initramfs is built once).
    fn link(&mut self, dir: InodeId, name: &'a [u8], ino: InodeId) {
        let Some(old) = self
            .entries_mut(dir)
            .and_then(|entries| entries.insert(name, ino))
        else {
            return;
        };
        if old != ino && matches!(self.nodes[old as usize].content, Content::File(_)) {
            let meta = &mut self.nodes[old as usize].meta;
            meta.nlink = meta.nlink.saturating_sub(1);
        }
    }
}

impl FileSystem for Initramfs<'_> {
    fn name(&self) -> &str {
        "initramfs"
    }

    fn usage(&self) -> FsUsage {
        let bytes: u64 = self
            .nodes
            .iter()
            .map(|node| match node.content {
                Content::File(data) => data.len() as u64,
                _ => 0,
            })
            .sum();
        FsUsage {
            magic: FsUsage::RAMFS_MAGIC,
            blocks: bytes.div_ceil(FsUsage::BLOCK_SIZE),
            free_blocks: 0,
            files: self.node_count() as u64,
            free_files: 0,
            read_only: true,
        }
    }

    fn root(&self) -> InodeId {
        ROOT
    }

    fn metadata(&self, ino: InodeId) -> Result<Metadata, FsError> {
        Ok(self.node(ino)?.meta)
    }

    fn lookup(&self, dir: InodeId, name: &[u8]) -> Result<InodeId, FsError> {
        match &self.node(dir)?.content {
            Content::Directory { parent, entries } => match name {
                b"." => Ok(dir),
                b".." => Ok(*parent),
                _ => entries.get(name).copied().ok_or(FsError::NotFound),
            },
            _ => Err(FsError::NotADirectory),
        }
    }

    fn read(&self, ino: InodeId, offset: u64, buf: &mut [u8]) -> Result<usize, FsError> {
        match &self.node(ino)?.content {
            Content::File(data) => {
                let start = usize::try_from(offset)
                    .unwrap_or(usize::MAX)
                    .min(data.len());
                let n = buf.len().min(data.len() - start);
                buf[..n].copy_from_slice(&data[start..start + n]);
                Ok(n)
            }
            Content::Directory { .. } => Err(FsError::IsADirectory),
            _ => Err(FsError::InvalidArgument),
        }
    }

    fn read_link(&self, ino: InodeId, out: &mut Vec<u8>) -> Result<(), FsError> {
        match &self.node(ino)?.content {
            Content::Symlink(target) => {
                out.extend_from_slice(target);
                Ok(())
            }
            _ => Err(FsError::InvalidArgument),
        }
    }

    fn read_dir(
        &self,
        dir: InodeId,
        start: usize,
        emit: &mut dyn FnMut(DirEntry<'_>) -> bool,
    ) -> Result<usize, FsError> {
        let Content::Directory { entries, .. } = &self.node(dir)?.content else {
            return Err(FsError::NotADirectory);
        };
        let mut position = start;
        for (&name, &ino) in entries.iter().skip(start) {
            let file_type = self.nodes[ino as usize].meta.file_type;
            if !emit(DirEntry {
                name,
                ino,
                file_type,
            }) {
                break;
            }
            position += 1;
        }
        Ok(position)
    }

    fn contents(&self, ino: InodeId) -> Option<&[u8]> {
        match self.node(ino).ok()?.content {
            Content::File(data) => Some(data),
            _ => None,
        }
    }
}
