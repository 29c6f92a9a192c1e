//! Calls on names and attributes: readlink, symlink, link, rename, chmod, chown, utimensat,
//! truncate and umask, each with its `*at` form, as `path_resolution(7)` and the man pages
//! describe them. Every process is root, so no call checks permissions.

use super::SysResult;
use super::errno::*;
use super::files::{AT_FDCWD, PATH_MAX, current, directory_base, file, resolve};
use super::uaccess::{self, copy_to_user, read_user_string};
use crate::process::files::File;
use crate::vfs::{Attributes, Follow, Location};
use core::sync::atomic::Ordering;

const AT_SYMLINK_NOFOLLOW: u64 = 0x100;
const AT_SYMLINK_FOLLOW: u64 = 0x400;
const AT_EMPTY_PATH: u64 = 0x1000;

fn fs_err(err: crate::vfs::FsError) -> Errno {
    err.errno()
}

/// `readlinkat(dirfd, path, buf, size)`: the link's target, not NUL-terminated, cut at `size`
/// bytes; `EINVAL` for a node that is no link or a `size` that is not positive.
pub fn readlinkat(dirfd: i64, path: u64, buf: u64, size: u64) -> SysResult {
    if size as i32 <= 0 || size > i32::MAX as u64 {
        return Err(EINVAL);
    }
    let at = resolve(dirfd, path, Follow::No)?;
    let target = crate::rootfs::vfs().read_link(at).map_err(fs_err)?;
    let n = target.len().min(size as usize);
    copy_to_user(buf, &target[..n])?;
    Ok(n as u64)
}

pub fn readlink(path: u64, buf: u64, size: u64) -> SysResult {
    readlinkat(AT_FDCWD, path, buf, size)
}

/// `symlinkat(target, dirfd, path)`: the target is stored as given, unchecked.
pub fn symlinkat(target: u64, dirfd: i64, path: u64) -> SysResult {
    let target = read_user_string(target, PATH_MAX)?;
    let path = read_user_string(path, PATH_MAX)?;
    let base = directory_base(dirfd, &path)?;
    crate::rootfs::vfs()
        .symlink(base, &target, &path)
        .map(|_| 0)
        .map_err(fs_err)
}

/// `linkat(olddirfd, old, newdirfd, new, flags)`: a second name for a non-directory (`EPERM`
/// for a directory, `EXDEV` across file systems); `old` is followed only with
/// `AT_SYMLINK_FOLLOW`.
pub fn linkat(old_dirfd: i64, old: u64, new_dirfd: i64, new: u64, flags: u64) -> SysResult {
    if flags & !(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH) != 0 {
        return Err(EINVAL);
    }
    let follow = if flags & AT_SYMLINK_FOLLOW != 0 {
        Follow::Yes
    } else {
        Follow::No
    };
    let from = resolve(old_dirfd, old, follow)?;
    let vfs = crate::rootfs::vfs();
    if vfs.metadata(from).map_err(fs_err)?.is_dir() {
        return Err(EPERM);
    }
    let path = read_user_string(new, PATH_MAX)?;
    let base = directory_base(new_dirfd, &path)?;
    let (dir, name) = vfs.resolve_parent(base, &path).map_err(fs_err)?;
    if dir.mount != from.mount {
        return Err(EXDEV);
    }
    vfs.fs(dir)
        .link(dir.ino, name, from.ino)
        .map(|_| 0)
        .map_err(fs_err)
}

pub fn link(old: u64, new: u64) -> SysResult {
    linkat(AT_FDCWD, old, AT_FDCWD, new, 0)
}

pub fn symlink(target: u64, path: u64) -> SysResult {
    symlinkat(target, AT_FDCWD, path)
}

/// `renameat2(olddirfd, old, newdirfd, new, flags)`; of the flags, `RENAME_NOREPLACE`
/// (`EEXIST` when `new` exists). `RENAME_EXCHANGE` and `RENAME_WHITEOUT` are `EINVAL`.
pub fn renameat2(old_dirfd: i64, old: u64, new_dirfd: i64, new: u64, flags: u64) -> SysResult {
    const RENAME_NOREPLACE: u64 = 1;
    if flags & !RENAME_NOREPLACE != 0 {
        return Err(EINVAL);
    }
    let old = read_user_string(old, PATH_MAX)?;
    let new = read_user_string(new, PATH_MAX)?;
    let old_base = directory_base(old_dirfd, &old)?;
    let new_base = directory_base(new_dirfd, &new)?;
    let vfs = crate::rootfs::vfs();
    if flags & RENAME_NOREPLACE != 0 && vfs.resolve(new_base, &new, Follow::No).is_ok() {
        return Err(EEXIST);
    }
    vfs.rename(old_base, &old, new_base, &new)
        .map(|_| 0)
        .map_err(fs_err)
}

pub fn rename(old: u64, new: u64) -> SysResult {
    renameat2(AT_FDCWD, old, AT_FDCWD, new, 0)
}

/// The node a `*at` call with `flags` names: `AT_EMPTY_PATH` with an empty path is `dirfd`
/// itself; `AT_SYMLINK_NOFOLLOW` stops at a final link.
fn node_at(dirfd: i64, path: u64, flags: u64) -> Result<Location, Errno> {
    if flags & AT_EMPTY_PATH != 0 && path != 0 && read_user_string(path, PATH_MAX)?.is_empty() {
        return node_of_fd(dirfd as u64);
    }
    let follow = if flags & AT_SYMLINK_NOFOLLOW != 0 {
        Follow::No
    } else {
        Follow::Yes
    };
    resolve(dirfd, path, follow)
}

/// The node behind descriptor `fd` (`EBADF` for a closed one). Pipes and the console have no
/// node whose attributes could change: `EPERM` (known gap: Linux changes their inodes).
fn node_of_fd(fd: u64) -> Result<Location, Errno> {
    match file(fd)? {
        File::Node(node) => Ok(node.at),
        _ => Err(EPERM),
    }
}

fn set(at: Location, changes: &Attributes) -> SysResult {
    crate::rootfs::vfs()
        .fs(at)
        .set_attributes(at.ino, changes)
        .map(|_| 0)
        .map_err(fs_err)
}

fn mode_change(mode: u64) -> Attributes {
    Attributes {
        permissions: Some((mode & 0o7777) as u16),
        ..Attributes::default()
    }
}

/// `fchmodat(dirfd, path, mode, flags)`: Linux's system call takes no flags (glibc handles
/// `AT_SYMLINK_NOFOLLOW` itself); a link's target changes.
pub fn fchmodat(dirfd: i64, path: u64, mode: u64) -> SysResult {
    set(resolve(dirfd, path, Follow::Yes)?, &mode_change(mode))
}

pub fn chmod(path: u64, mode: u64) -> SysResult {
    fchmodat(AT_FDCWD, path, mode)
}

pub fn fchmod(fd: u64, mode: u64) -> SysResult {
    set(node_of_fd(fd)?, &mode_change(mode))
}

/// An owner argument: `-1` (as 32 bits) leaves it unchanged.
fn owner(id: u64) -> Option<u32> {
    (id as u32 != u32::MAX).then_some(id as u32)
}

/// `fchownat(dirfd, path, uid, gid, flags)`.
pub fn fchownat(dirfd: i64, path: u64, uid: u64, gid: u64, flags: u64) -> SysResult {
    if flags & !(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH) != 0 {
        return Err(EINVAL);
    }
    let changes = Attributes {
        uid: owner(uid),
        gid: owner(gid),
        ..Attributes::default()
    };
    set(node_at(dirfd, path, flags)?, &changes)
}

pub fn fchown(fd: u64, uid: u64, gid: u64) -> SysResult {
    let changes = Attributes {
        uid: owner(uid),
        gid: owner(gid),
        ..Attributes::default()
    };
    set(node_of_fd(fd)?, &changes)
}

/// `utimensat(dirfd, path, times, flags)`: sets the modification time (to now for a NULL
/// `times` or `UTIME_NOW`; `UTIME_OMIT` keeps it). Kestrel keeps one time per node, so the
/// access time is not recorded. A NULL path means `dirfd` itself (as futimens does).
pub fn utimensat(dirfd: i64, path: u64, times: u64, flags: u64) -> SysResult {
    const UTIME_NOW: i64 = (1 << 30) - 1;
    const UTIME_OMIT: i64 = (1 << 30) - 2;
    if flags & !(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH) != 0 {
        return Err(EINVAL);
    }
    let now = crate::time::uptime().as_secs();
    let mtime = if times == 0 {
        Some(now)
    } else {
        let mut raw = [0u8; 32];
        uaccess::copy_from_user(&mut raw, times)?;
        let field = |i: usize| i64::from_le_bytes(raw[i..i + 8].try_into().expect("8 bytes"));
        for nanos in [field(8), field(24)] {
            if nanos != UTIME_NOW && nanos != UTIME_OMIT && !(0..1_000_000_000).contains(&nanos) {
                return Err(EINVAL);
            }
        }
        match field(24) {
            UTIME_OMIT => None,
            UTIME_NOW => Some(now),
            _ => Some(field(16).max(0) as u64),
        }
    };
    let at = if path == 0 {
        // futimens: the descriptor itself (a NULL path from AT_FDCWD is a bad pointer).
        if dirfd == AT_FDCWD {
            return Err(EFAULT);
        }
        node_of_fd(dirfd as u64)?
    } else {
        node_at(dirfd, path, flags)?
    };
    let vfs = crate::rootfs::vfs();
    // Even with nothing to change, the node must be one the file system could change.
    match set(
        at,
        &Attributes {
            mtime,
            ..Attributes::default()
        },
    ) {
        Err(EROFS) if mtime.is_none() => vfs.metadata(at).map(|_| 0).map_err(fs_err),
        other => other,
    }
}

/// `truncate(path, length)` and `ftruncate(fd, length)`: a regular file's size.
pub fn truncate(path: u64, length: u64) -> SysResult {
    truncate_node(resolve(AT_FDCWD, path, Follow::Yes)?, length)
}

pub fn ftruncate(fd: u64, length: u64) -> SysResult {
    match file(fd)? {
        File::Node(node) if !node.writable => Err(EINVAL),
        File::Node(node) => truncate_node(node.at, length),
        _ => Err(EINVAL),
    }
}

fn truncate_node(at: Location, length: u64) -> SysResult {
    if length as i64 >= 0 {
        let vfs = crate::rootfs::vfs();
        if vfs.metadata(at).map_err(fs_err)?.is_dir() {
            return Err(EISDIR);
        }
        vfs.fs(at)
            .truncate(at.ino, length)
            .map(|_| 0)
            .map_err(fs_err)
    } else {
        Err(EINVAL)
    }
}

/// `umask(mask)`: sets the creation mask, returns the old one.
pub fn umask(mask: u64) -> SysResult {
    let process = current()?;
    Ok(u64::from(
        process.umask.swap((mask & 0o777) as u32, Ordering::Relaxed),
    ))
}
