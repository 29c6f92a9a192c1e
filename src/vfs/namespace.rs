//! The namespace: a mount table over [`FileSystem`]s and path resolution across it.
//!
//! Resolution follows Linux's `path_resolution(7)`: absolute paths start at the root and
//! relative ones at the caller's working directory; every component but the last must be a
//! directory (`ENOTDIR`) that exists (`ENOENT`); `..` goes to the parent of the directory
//! reached so far, crossing back over a mount point, and stays put at the root; symbolic links
//! are followed wherever they occur, the last component's only when asked or when a trailing
//! slash follows it, at most [`MAX_SYMLINKS`] per lookup (`ELOOP`).

use alloc::boxed::Box;
use alloc::vec::Vec;

use super::FsError;
use super::node::{DirEntry, FileSystem, FileType, InodeId, Metadata};
use super::path::{self, NAME_MAX};

/// The most symbolic links one lookup follows, as Linux's `MAXSYMLINKS`.
pub const MAX_SYMLINKS: usize = 40;

/// Index of a mount in the table.
pub type MountId = usize;

/// A node in the namespace: which mount, which inode of its file system.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Location {
    pub mount: MountId,
    pub ino: InodeId,
}

/// Whether the last component, when it is a symbolic link, is followed (`stat`, `open`) or
/// returned itself (`lstat`, `readlink`, `O_NOFOLLOW`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Follow {
    Yes,
    No,
}

struct Mount<'a> {
    fs: Box<dyn FileSystem + 'a>,
    /// Where it is mounted; `None` for the root file system.
    mountpoint: Option<Location>,
}

/// The mount table and everything that resolves paths through it.
pub struct Vfs<'a> {
    mounts: Vec<Mount<'a>>,
}

impl<'a> Vfs<'a> {
    /// A namespace with `root` mounted at `/`.
    pub fn new(root: Box<dyn FileSystem + 'a>) -> Self {
        Vfs {
            mounts: alloc::vec![Mount {
                fs: root,
                mountpoint: None
            }],
        }
    }

    pub fn root(&self) -> Location {
        Location {
            mount: 0,
            ino: self.mounts[0].fs.root(),
        }
    }

    /// The file system a location belongs to.
    pub fn fs(&self, at: Location) -> &(dyn FileSystem + 'a) {
        &*self.mounts[at.mount].fs
    }

    /// Mounts `fs` on the directory `at` (which must not be a mount point already): `/tmp`'s
    /// tmpfs, `/proc`, `/dev`.
    pub fn mount(
        &mut self,
        at: Location,
        fs: Box<dyn FileSystem + 'a>,
    ) -> Result<MountId, FsError> {
        if !self.metadata(at)?.is_dir() {
            return Err(FsError::NotADirectory);
        }
        if self.mounted_on(at).is_some() || self.is_mount_root(at) {
            return Err(FsError::Busy);
        }
        self.mounts.push(Mount {
            fs,
            mountpoint: Some(at),
        });
        Ok(self.mounts.len() - 1)
    }

    /// The mounts, as (file system, mount point) pairs: for `/proc/mounts` and messages.
    pub fn mounts(&self) -> impl Iterator<Item = (&(dyn FileSystem + 'a), Option<Location>)> {
        self.mounts.iter().map(|m| (&*m.fs, m.mountpoint))
    }

    fn mounted_on(&self, at: Location) -> Option<MountId> {
        self.mounts.iter().position(|m| m.mountpoint == Some(at))
    }

    fn is_mount_root(&self, at: Location) -> bool {
        at.ino == self.mounts[at.mount].fs.root()
    }

    /// `at`, or the root of what is mounted on it (repeatedly).
    fn enter_mounts(&self, mut at: Location) -> Location {
        while let Some(mount) = self.mounted_on(at) {
            at = Location {
                mount,
                ino: self.mounts[mount].fs.root(),
            };
        }
        at
    }

    /// The parent of directory `at`, across mount boundaries.
    fn parent(&self, mut at: Location) -> Result<Location, FsError> {
        while self.is_mount_root(at) {
            match self.mounts[at.mount].mountpoint {
                Some(point) => at = point,
                None => return Ok(at), // `..` of `/` is `/`.
            }
        }
        let ino = self.fs(at).lookup(at.ino, b"..")?;
        Ok(Location {
            mount: at.mount,
            ino,
        })
    }

    pub fn metadata(&self, at: Location) -> Result<Metadata, FsError> {
        self.fs(at).metadata(at.ino)
    }

    /// Resolves `path` from `cwd` (ignored for absolute paths).
    pub fn resolve(&self, cwd: Location, path: &[u8], follow: Follow) -> Result<Location, FsError> {
        path::check(path)?;
        let mut links = 0;
        let mut rest: Vec<u8> = path.to_vec();
        let mut pos = 0;
        let mut at = if path::is_absolute(path) {
            self.root()
        } else {
            cwd
        };
        loop {
            while rest.get(pos) == Some(&b'/') {
                pos += 1;
            }
            if pos == rest.len() {
                return Ok(at);
            }
            let end = rest[pos..]
                .iter()
                .position(|&b| b == b'/')
                .map_or(rest.len(), |i| pos + i);
            let slash_follows = end < rest.len();
            let is_last = rest[end..].iter().all(|&b| b == b'/');
            let name = &rest[pos..end];

            if !self.metadata(at)?.is_dir() {
                return Err(FsError::NotADirectory);
            }
            let next = match name {
                b"." => at,
                b".." => self.parent(at)?,
                _ if name.len() > NAME_MAX => return Err(FsError::NameTooLong),
                _ => {
                    let ino = self.fs(at).lookup(at.ino, name)?;
                    self.enter_mounts(Location {
                        mount: at.mount,
                        ino,
                    })
                }
            };
            let meta = self.metadata(next)?;
            let follow_this = !is_last || follow == Follow::Yes || slash_follows;
            if meta.file_type == FileType::Symlink && follow_this {
                links += 1;
                if links > MAX_SYMLINKS {
                    return Err(FsError::TooManySymlinks);
                }
                let capacity = (meta.size as usize).min(path::PATH_MAX) + rest.len() - end;
                let mut spliced = Vec::with_capacity(capacity);
                self.fs(next).read_link(next.ino, &mut spliced)?;
                // Each splice adds at most PATH_MAX bytes, so `rest` stays below
                // (MAX_SYMLINKS + 1) * PATH_MAX however the links nest.
                if spliced.is_empty() {
                    return Err(FsError::NotFound);
                }
                if spliced.len() >= path::PATH_MAX {
                    return Err(FsError::NameTooLong);
                }
                if path::is_absolute(&spliced) {
                    at = self.root();
                }
                // Otherwise the target is relative to the link's directory, `at`.
                spliced.extend_from_slice(&rest[end..]);
                rest = spliced;
                pos = 0;
                continue;
            }
            if is_last && slash_follows && !meta.is_dir() {
                return Err(FsError::NotADirectory);
            }
            at = next;
            pos = end;
        }
    }

    /// Resolves all but the last component of `path`, for calls that create or remove a name
    /// (`mkdir`, `unlink`, `open(O_CREAT)`): returns the directory and the last name. The last
    /// name may not be `.` or `..` (`EINVAL`); `/` alone has none (`EBUSY`, as `rmdir("/")`).
    pub fn resolve_parent<'p>(
        &self,
        cwd: Location,
        path: &'p [u8],
    ) -> Result<(Location, &'p [u8]), FsError> {
        path::check(path)?;
        let (parent, name) = path::split_last(path).ok_or(FsError::Busy)?;
        if name == b"." || name == b".." {
            return Err(FsError::InvalidArgument);
        }
        if name.len() > NAME_MAX {
            return Err(FsError::NameTooLong);
        }
        let dir = if parent.is_empty() {
            cwd
        } else {
            self.resolve(cwd, parent, Follow::Yes)?
        };
        if !self.metadata(dir)?.is_dir() {
            return Err(FsError::NotADirectory);
        }
        Ok((dir, name))
    }

    /// The parent directory and last name of `path`, refusing a name that exists already
    /// (`EEXIST` comes before `EROFS`, as on Linux). `/`, `.` and `..` always exist once the
    /// path up to them resolves: `mkdir -p /a/b` starts with `mkdir("/")` and expects
    /// `EEXIST` (Linux's filename_create).
    fn parent_for_new<'p>(
        &self,
        cwd: Location,
        path: &'p [u8],
    ) -> Result<(Location, &'p [u8]), FsError> {
        path::check(path)?;
        if path::split_last(path).is_none_or(|(_, name)| name == b"." || name == b"..") {
            self.resolve(cwd, path, Follow::Yes)?;
            return Err(FsError::Exists);
        }
        let (dir, name) = self.resolve_parent(cwd, path)?;
        match self.fs(dir).lookup(dir.ino, name) {
            Ok(_) => Err(FsError::Exists),
            Err(FsError::NotFound) => Ok((dir, name)),
            Err(e) => Err(e),
        }
    }

    /// `mkdir(2)`.
    pub fn mkdir(&self, cwd: Location, path: &[u8], permissions: u16) -> Result<Location, FsError> {
        let (dir, name) = self.parent_for_new(cwd, path)?;
        let ino = self
            .fs(dir)
            .create(dir.ino, name, FileType::Directory, permissions)?;
        Ok(Location {
            mount: dir.mount,
            ino,
        })
    }

    /// Creates a regular file (`open` with `O_CREAT | O_EXCL`; plain `O_CREAT` resolves first
    /// and creates only on `ENOENT`).
    pub fn create_file(
        &self,
        cwd: Location,
        path: &[u8],
        permissions: u16,
    ) -> Result<Location, FsError> {
        if path::has_trailing_slash(path) {
            return Err(FsError::IsADirectory);
        }
        let (dir, name) = self.parent_for_new(cwd, path)?;
        let ino = self
            .fs(dir)
            .create(dir.ino, name, FileType::Regular, permissions)?;
        Ok(Location {
            mount: dir.mount,
            ino,
        })
    }

    /// `symlink(2)`: a link at `path` pointing at `target` (stored as given).
    pub fn symlink(&self, cwd: Location, target: &[u8], path: &[u8]) -> Result<Location, FsError> {
        let (dir, name) = self.parent_for_new(cwd, path)?;
        let ino = self.fs(dir).symlink(dir.ino, name, target)?;
        Ok(Location {
            mount: dir.mount,
            ino,
        })
    }

    /// `link(2)`: `new_path` becomes another name of `old_path` (not followed if a symlink).
    pub fn link(&self, cwd: Location, old_path: &[u8], new_path: &[u8]) -> Result<(), FsError> {
        let old = self.resolve(cwd, old_path, Follow::No)?;
        let (dir, name) = self.parent_for_new(cwd, new_path)?;
        if dir.mount != old.mount {
            return Err(FsError::CrossDevice);
        }
        self.fs(dir).link(dir.ino, name, old.ino)
    }

    /// `unlink(2)`.
    pub fn unlink(&self, cwd: Location, path: &[u8]) -> Result<(), FsError> {
        let (dir, name) = self.resolve_parent(cwd, path)?;
        let target = self.fs(dir).lookup(dir.ino, name)?;
        if self
            .metadata(Location {
                mount: dir.mount,
                ino: target,
            })?
            .is_dir()
        {
            return Err(FsError::IsADirectory);
        }
        self.fs(dir).unlink(dir.ino, name)
    }

    /// `rmdir(2)`: refuses a mount point (`EBUSY`).
    pub fn rmdir(&self, cwd: Location, path: &[u8]) -> Result<(), FsError> {
        let (dir, name) = self.resolve_parent(cwd, path)?;
        let target = Location {
            mount: dir.mount,
            ino: self.fs(dir).lookup(dir.ino, name)?,
        };
        if self.mounted_on(target).is_some() {
            return Err(FsError::Busy);
        }
        self.fs(dir).rmdir(dir.ino, name)
    }

    /// `rename(2)`: `old_path` (from `old_cwd`) takes the name `new_path` (from `new_cwd`),
    /// within one file system (`EXDEV` across mounts); neither may be a mount point or `/`
    /// (`EBUSY`). The file system checks the kinds of the two nodes.
    pub fn rename(
        &self,
        old_cwd: Location,
        old_path: &[u8],
        new_cwd: Location,
        new_path: &[u8],
    ) -> Result<(), FsError> {
        let (old_dir, old_name) = self.resolve_parent(old_cwd, old_path)?;
        let (new_dir, new_name) = self.resolve_parent(new_cwd, new_path)?;
        let old = Location {
            mount: old_dir.mount,
            ino: self.fs(old_dir).lookup(old_dir.ino, old_name)?,
        };
        if old_dir.mount != new_dir.mount {
            return Err(FsError::CrossDevice);
        }
        if self.mounted_on(old).is_some() {
            return Err(FsError::Busy);
        }
        if let Ok(ino) = self.fs(new_dir).lookup(new_dir.ino, new_name) {
            let target = Location {
                mount: new_dir.mount,
                ino,
            };
            if self.mounted_on(target).is_some() {
                return Err(FsError::Busy);
            }
        }
        self.fs(old_dir)
            .rename(old_dir.ino, old_name, new_dir.ino, new_name)
    }

    /// Reads from a regular file.
    pub fn read(&self, at: Location, offset: u64, buf: &mut [u8]) -> Result<usize, FsError> {
        self.fs(at).read(at.ino, offset, buf)
    }

    /// A symbolic link's target.
    pub fn read_link(&self, at: Location) -> Result<Vec<u8>, FsError> {
        let mut out = Vec::new();
        self.fs(at).read_link(at.ino, &mut out)?;
        Ok(out)
    }

    /// A directory's entries from `start` (see [`FileSystem::read_dir`]).
    pub fn read_dir(
        &self,
        dir: Location,
        start: usize,
        emit: &mut dyn FnMut(DirEntry<'_>) -> bool,
    ) -> Result<usize, FsError> {
        self.fs(dir).read_dir(dir.ino, start, emit)
    }

    /// A regular file's contents, when its file system holds them contiguously.
    pub fn contents(&self, at: Location) -> Option<&[u8]> {
        self.fs(at).contents(at.ino)
    }

    /// The absolute path of directory `dir` (`getcwd`), found by walking `..` and looking each
    /// directory up in its parent.
    pub fn path_of(&self, mut dir: Location) -> Result<Vec<u8>, FsError> {
        let mut names: Vec<Vec<u8>> = Vec::new();
        let root = self.root();
        while dir != root {
            let parent = self.parent(dir)?;
            // The name under which `dir` (or the mount point it covers) appears in `parent`.
            let mut target = dir;
            while self.is_mount_root(target) {
                match self.mounts[target.mount].mountpoint {
                    Some(point) => target = point,
                    None => break,
                }
            }
            let mut found = None;
            self.read_dir(parent, 0, &mut |entry| {
                if entry.ino == target.ino && parent.mount == target.mount {
                    found = Some(entry.name.to_vec());
                    false
                } else {
                    true
                }
            })?;
            names.push(found.ok_or(FsError::NotFound)?);
            if names.len() > path::PATH_MAX {
                return Err(FsError::NameTooLong);
            }
            dir = parent;
        }
        let mut out = Vec::new();
        for name in names.iter().rev() {
            out.push(b'/');
            out.extend_from_slice(name);
        }
        if out.is_empty() {
            out.push(b'/');
        }
        Ok(out)
    }
}
