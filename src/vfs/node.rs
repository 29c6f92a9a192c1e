//! What a mounted file system provides: the [`FileSystem`] trait and the types it speaks.
//!
//! A file system names its nodes by [`InodeId`]s of its own; the namespace ([`super::Vfs`])
//! pairs them with a mount to get a [`super::Location`]. Writing operations have default
//! methods that answer `EROFS`, so a read-only file system (the initramfs) implements only the
//! reading half, and a tmpfs overrides the rest.

use alloc::vec::Vec;

use super::FsError;

/// A node's number inside its file system (`st_ino`).
pub type InodeId = u64;

/// The kinds of node, as `S_IFMT` distinguishes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileType {
    Regular,
    Directory,
    Symlink,
    CharDevice,
    BlockDevice,
    Fifo,
    Socket,
}

impl FileType {
    /// The `S_IFMT` bits of `st_mode`.
    pub const fn mode_bits(self) -> u32 {
        match self {
            FileType::Fifo => 0o010_000,
            FileType::CharDevice => 0o020_000,
            FileType::Directory => 0o040_000,
            FileType::BlockDevice => 0o060_000,
            FileType::Regular => 0o100_000,
            FileType::Symlink => 0o120_000,
            FileType::Socket => 0o140_000,
        }
    }

    /// The type from `st_mode`'s `S_IFMT` bits; `None` for a value no type has.
    pub const fn from_mode(mode: u32) -> Option<FileType> {
        Some(match mode & 0o170_000 {
            0o010_000 => FileType::Fifo,
            0o020_000 => FileType::CharDevice,
            0o040_000 => FileType::Directory,
            0o060_000 => FileType::BlockDevice,
            0o100_000 => FileType::Regular,
            0o120_000 => FileType::Symlink,
            0o140_000 => FileType::Socket,
            _ => return None,
        })
    }

    /// `d_type` in `getdents64` records (`DT_*` in `dirent.h`).
    pub const fn dirent_type(self) -> u8 {
        match self {
            FileType::Fifo => 1,
            FileType::CharDevice => 2,
            FileType::Directory => 4,
            FileType::BlockDevice => 6,
            FileType::Regular => 8,
            FileType::Symlink => 10,
            FileType::Socket => 12,
        }
    }
}

/// What `stat` reports about a node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Metadata {
    pub ino: InodeId,
    pub file_type: FileType,
    /// Permission bits (`0o7777`), without the type.
    pub permissions: u16,
    pub uid: u32,
    pub gid: u32,
    /// Bytes of data; a symbolic link's target length.
    pub size: u64,
    pub nlink: u32,
    /// Modification time, seconds since the epoch.
    pub mtime: u64,
    /// For device nodes: (major, minor).
    pub rdev: (u32, u32),
}

impl Metadata {
    /// A directory owned by root, with no subdirectories yet (two links: its name and `.`).
    pub const fn directory(ino: InodeId, permissions: u16) -> Metadata {
        Metadata {
            ino,
            file_type: FileType::Directory,
            permissions,
            uid: 0,
            gid: 0,
            size: 0,
            nlink: 2,
            mtime: 0,
            rdev: (0, 0),
        }
    }

    /// `st_mode`: type and permissions.
    pub const fn mode(&self) -> u32 {
        self.file_type.mode_bits() | self.permissions as u32
    }

    pub const fn is_dir(&self) -> bool {
        matches!(self.file_type, FileType::Directory)
    }
}

/// What `chmod`, `chown` and `utimensat` change ([`FileSystem::set_attributes`]); `None`
/// leaves that attribute as it is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Attributes {
    /// Permission bits (`0o7777`).
    pub permissions: Option<u16>,
    pub uid: Option<u32>,
    pub gid: Option<u32>,
    /// Modification time, seconds since the epoch.
    pub mtime: Option<u64>,
}

/// One directory entry handed to a [`FileSystem::read_dir`] callback.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DirEntry<'n> {
    pub name: &'n [u8],
    pub ino: InodeId,
    pub file_type: FileType,
}

/// What `statfs(2)` and `df` report about a file system: sizes in [`FsUsage::BLOCK_SIZE`]
/// blocks, and Linux's magic number for its type (statfs(2) lists them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FsUsage {
    pub magic: u64,
    pub blocks: u64,
    pub free_blocks: u64,
    pub files: u64,
    pub free_files: u64,
    pub read_only: bool,
}

impl FsUsage {
    pub const BLOCK_SIZE: u64 = 4096;
    pub const RAMFS_MAGIC: u64 = 0x8584_58f6;
    pub const TMPFS_MAGIC: u64 = 0x0102_1994;
    pub const PROC_SUPER_MAGIC: u64 = 0x9fa0;
}

/// A mounted file system. All methods take `&self`: a writable one keeps its own lock, so a
/// namespace can be shared between CPUs.
pub trait FileSystem: Send + Sync {
    /// A short name for messages and `/proc/mounts` (`initramfs`, `tmpfs`).
    fn name(&self) -> &str;

    fn root(&self) -> InodeId;

    /// Its size and type for `statfs(2)`; the default is an empty, writable ramfs.
    fn usage(&self) -> FsUsage {
        FsUsage {
            magic: FsUsage::RAMFS_MAGIC,
            ..FsUsage::default()
        }
    }

    fn metadata(&self, ino: InodeId) -> Result<Metadata, FsError>;

    /// The child `name` of directory `dir`. `.` is `dir`; `..` is its parent, and the root's
    /// parent is the root (the namespace handles `..` across mounts before asking).
    fn lookup(&self, dir: InodeId, name: &[u8]) -> Result<InodeId, FsError>;

    /// Reads file bytes from `offset` into `buf`; returns how many (0 at or past the end).
    fn read(&self, ino: InodeId, offset: u64, buf: &mut [u8]) -> Result<usize, FsError>;

    /// Appends a symbolic link's target to `out`.
    fn read_link(&self, ino: InodeId, out: &mut Vec<u8>) -> Result<(), FsError>;

    /// Calls `emit` for the entries of `dir` from position `start` on (`.` and `..` are not
    /// listed: the system call adds them), until `emit` returns `false` or the entries end.
    /// Returns the position to continue from.
    fn read_dir(
        &self,
        dir: InodeId,
        start: usize,
        emit: &mut dyn FnMut(DirEntry<'_>) -> bool,
    ) -> Result<usize, FsError>;

    /// A regular file's whole contents in memory, when the file system keeps them contiguous
    /// (the initramfs does): `exec` can plan an ELF program without copying it.
    fn contents(&self, _ino: InodeId) -> Option<&[u8]> {
        None
    }

    /// Creates `name` in `dir` (a regular file, a directory, ...).
    fn create(
        &self,
        _dir: InodeId,
        _name: &[u8],
        _file_type: FileType,
        _permissions: u16,
    ) -> Result<InodeId, FsError> {
        Err(FsError::ReadOnly)
    }

    /// Writes `data` at `offset`; returns how many bytes were written.
    fn write(&self, _ino: InodeId, _offset: u64, _data: &[u8]) -> Result<usize, FsError> {
        Err(FsError::ReadOnly)
    }

    fn truncate(&self, _ino: InodeId, _size: u64) -> Result<(), FsError> {
        Err(FsError::ReadOnly)
    }

    /// Creates a symbolic link `name` in `dir` pointing at `target`.
    fn symlink(&self, _dir: InodeId, _name: &[u8], _target: &[u8]) -> Result<InodeId, FsError> {
        Err(FsError::ReadOnly)
    }

    /// Gives the non-directory `ino` the further name `name` in `dir` (a hard link).
    fn link(&self, _dir: InodeId, _name: &[u8], _ino: InodeId) -> Result<(), FsError> {
        Err(FsError::ReadOnly)
    }

    /// Removes the name `name` of a non-directory from `dir` (`EISDIR` for a directory). The
    /// node itself goes when its last name and its last [`FileSystem::retain`] are gone.
    fn unlink(&self, _dir: InodeId, _name: &[u8]) -> Result<(), FsError> {
        Err(FsError::ReadOnly)
    }

    /// Removes the empty directory `name` from `dir`.
    fn rmdir(&self, _dir: InodeId, _name: &[u8]) -> Result<(), FsError> {
        Err(FsError::ReadOnly)
    }

    /// `rename(2)` within this file system: the entry `old_name` of `old_dir` becomes
    /// `new_name` of `new_dir`, replacing what was there (a non-directory by a non-directory,
    /// an empty directory by a directory) in one step.
    fn rename(
        &self,
        _old_dir: InodeId,
        _old_name: &[u8],
        _new_dir: InodeId,
        _new_name: &[u8],
    ) -> Result<(), FsError> {
        Err(FsError::ReadOnly)
    }

    /// Changes the attributes `changes` names (`chmod`, `chown`, `utimensat`).
    fn set_attributes(&self, _ino: InodeId, _changes: &Attributes) -> Result<(), FsError> {
        Err(FsError::ReadOnly)
    }

    /// Keeps `ino` alive while an open file or a working directory refers to it, even if its
    /// last name is removed; [`FileSystem::release`] ends that. Read-only file systems, whose
    /// nodes never go away, need not count.
    fn retain(&self, _ino: InodeId) -> Result<(), FsError> {
        Ok(())
    }

    fn release(&self, _ino: InodeId) {}
}

/// Whether `name` may be created in a directory: not empty, no `/`, not `.` or `..`, at most
/// `NAME_MAX` bytes.
pub fn check_new_name(name: &[u8]) -> Result<(), FsError> {
    if name.len() > super::path::NAME_MAX {
        return Err(FsError::NameTooLong);
    }
    if name.is_empty() || name == b"." || name == b".." || name.contains(&b'/') || name.contains(&0)
    {
        return Err(FsError::InvalidArgument);
    }
    Ok(())
}
