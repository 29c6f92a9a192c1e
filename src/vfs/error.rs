//! File-system errors, one per Linux errno the VFS can produce, so that system calls return
//! them as they are (`errno-base.h` and `errno.h` numbers).

use core::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FsError {
    /// A path component does not exist, or the path is empty (`ENOENT`, 2).
    NotFound,
    /// A component used as a directory is not one (`ENOTDIR`, 20).
    NotADirectory,
    /// A directory where a file was needed (`EISDIR`, 21).
    IsADirectory,
    /// More than [`super::MAX_SYMLINKS`] symbolic links in one lookup (`ELOOP`, 40).
    TooManySymlinks,
    /// A path longer than `PATH_MAX` or a name longer than `NAME_MAX` (`ENAMETOOLONG`, 36).
    NameTooLong,
    /// The file system cannot be written (`EROFS`, 30).
    ReadOnly,
    /// The name exists already (`EEXIST`, 17).
    Exists,
    /// Something is mounted there already, or the mount is in use (`EBUSY`, 16).
    Busy,
    /// A directory still has entries (`ENOTEMPTY`, 39).
    NotEmpty,
    /// The operation does not fit the node: `readlink` of a non-link, `.` as a name to create,
    /// a negative offset (`EINVAL`, 22).
    InvalidArgument,
    /// The file system is out of room (`ENOSPC`, 28).
    NoSpace,
    /// The inode number names nothing in this file system: a stale handle (`ESTALE`, 116).
    Stale,
}

impl FsError {
    /// The Linux errno; a system call returns its negation.
    pub const fn errno(self) -> i32 {
        match self {
            FsError::NotFound => 2,
            FsError::Busy => 16,
            FsError::Exists => 17,
            FsError::NotADirectory => 20,
            FsError::IsADirectory => 21,
            FsError::InvalidArgument => 22,
            FsError::NoSpace => 28,
            FsError::ReadOnly => 30,
            FsError::NameTooLong => 36,
            FsError::NotEmpty => 39,
            FsError::TooManySymlinks => 40,
            FsError::Stale => 116,
        }
    }
}

impl fmt::Display for FsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            FsError::NotFound => "no such file or directory",
            FsError::NotADirectory => "not a directory",
            FsError::IsADirectory => "is a directory",
            FsError::TooManySymlinks => "too many levels of symbolic links",
            FsError::NameTooLong => "file name too long",
            FsError::ReadOnly => "read-only file system",
            FsError::Exists => "file exists",
            FsError::Busy => "device or resource busy",
            FsError::NotEmpty => "directory not empty",
            FsError::InvalidArgument => "invalid argument",
            FsError::NoSpace => "no space left on device",
            FsError::Stale => "stale file handle",
        })
    }
}
