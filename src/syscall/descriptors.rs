//! Descriptor calls: dup, dup2, dup3, fcntl; and access/faccessat, getcwd and chdir.
//!
//! A duplicate shares the open file description of the original (its offset and `O_APPEND`),
//! as on Linux; close-on-exec is the descriptor's own (`crate::process::files`).

use super::SysResult;
use super::errno::*;
use super::files::{AT_FDCWD, O_CLOEXEC, resolve};
use crate::process::files::{File, FileTable, MAX_FILES};
use crate::sched;
use crate::vfs::Follow;

const F_DUPFD: u64 = 0;
const F_GETFD: u64 = 1;
const F_SETFD: u64 = 2;
const F_GETFL: u64 = 3;
const F_SETFL: u64 = 4;
const F_DUPFD_CLOEXEC: u64 = 1030;
const FD_CLOEXEC: u64 = 1;
const O_WRONLY: u64 = 1;
const O_RDWR: u64 = 2;
const O_APPEND: u64 = 0o2000;

fn process() -> Result<alloc::sync::Arc<crate::process::Process>, Errno> {
    sched::current_process().ok_or(EPERM)
}

fn file(fd: u64) -> Result<File, Errno> {
    process()?.files.lock().get(fd).cloned().ok_or(EBADF)
}

/// A copy of `old` at the lowest free descriptor at or above `min`.
fn duplicate(old: u64, min: u64, close_on_exec: bool) -> SysResult {
    let copy = file(old)?;
    if min >= MAX_FILES as u64 {
        return Err(EINVAL);
    }
    FileTable::hold(&copy);
    let process = process()?;
    let mut files = process.files.lock();
    match files.open_from(copy.clone(), min) {
        Some(fd) => {
            files.set_close_on_exec(fd, close_on_exec);
            Ok(fd)
        }
        None => {
            drop(files);
            FileTable::unhold(&copy);
            Err(EMFILE)
        }
    }
}

pub fn dup(old: u64) -> SysResult {
    duplicate(old, 0, false)
}

/// `dup2(old, new)`: `new` (closed first if open) becomes a copy of `old`; `old == new`
/// only checks that `old` is open.
pub fn dup2(old: u64, new: u64) -> SysResult {
    if old == new {
        return file(old).map(|_| new);
    }
    install(old, new, false)
}

/// `dup3(old, new, flags)`: as dup2, but `old == new` is `EINVAL` and `O_CLOEXEC` may be set.
pub fn dup3(old: u64, new: u64, flags: u64) -> SysResult {
    if flags & !O_CLOEXEC != 0 || old == new {
        return Err(EINVAL);
    }
    install(old, new, flags & O_CLOEXEC != 0)
}

fn install(old: u64, new: u64, close_on_exec: bool) -> SysResult {
    let copy = file(old)?;
    if new >= MAX_FILES as u64 {
        return Err(EBADF);
    }
    FileTable::hold(&copy);
    let process = process()?;
    let mut files = process.files.lock();
    let fd = files.install(new, copy).ok_or(EBADF)?;
    files.set_close_on_exec(fd, close_on_exec);
    Ok(fd)
}

/// `fcntl(fd, cmd, arg)`: F_DUPFD(_CLOEXEC), F_GETFD/F_SETFD (FD_CLOEXEC), F_GETFL, and
/// F_SETFL for O_APPEND (the other status flags, such as O_NONBLOCK, are accepted and
/// ignored: nothing here blocks differently for them yet). Other commands are `EINVAL`.
pub fn fcntl(fd: u64, cmd: u64, arg: u64) -> SysResult {
    match cmd {
        F_DUPFD => duplicate(fd, arg, false),
        F_DUPFD_CLOEXEC => duplicate(fd, arg, true),
        F_GETFD | F_SETFD | F_GETFL | F_SETFL => {
            let process = process()?;
            let mut files = process.files.lock();
            let file = files.get(fd).ok_or(EBADF)?;
            match (cmd, file) {
                (F_GETFL, File::Console) => Ok(O_RDWR),
                (F_GETFL, File::PipeRead(_)) => Ok(0),
                (F_GETFL, File::PipeWrite(_)) => Ok(O_WRONLY),
                (F_GETFL, File::Node(node)) => {
                    let access = match (node.readable, node.writable) {
                        (true, true) => O_RDWR,
                        (false, true) => O_WRONLY,
                        _ => 0,
                    };
                    Ok(access | if node.append() { O_APPEND } else { 0 })
                }
                (F_SETFL, File::Node(node)) => {
                    node.set_append(arg & O_APPEND != 0);
                    Ok(0)
                }
                (F_SETFL, _) => Ok(0),
                (F_GETFD, _) => Ok(u64::from(files.close_on_exec(fd))),
                _ => {
                    files.set_close_on_exec(fd, arg & FD_CLOEXEC != 0);
                    Ok(0)
                }
            }
        }
        _ => Err(EINVAL),
    }
}

/// `faccessat(dirfd, path, mode, flags)` (and `access`): every process is root, so only
/// existence, writes to a read-only file system (`EROFS`) and execute bits (`EACCES`) can
/// fail. Known gap: W_OK on a directory of the read-only initramfs answers 0.
pub fn faccessat(dirfd: i64, path: u64, mode: u64, flags: u64) -> SysResult {
    const X_OK: u64 = 1;
    const W_OK: u64 = 2;
    const AT_SYMLINK_NOFOLLOW: u64 = 0x100;
    const AT_EACCESS: u64 = 0x200;
    if mode & !7 != 0 || flags & !(AT_SYMLINK_NOFOLLOW | AT_EACCESS) != 0 {
        return Err(EINVAL);
    }
    let follow = if flags & AT_SYMLINK_NOFOLLOW != 0 {
        Follow::No
    } else {
        Follow::Yes
    };
    let at = resolve(dirfd, path, follow)?;
    let vfs = crate::rootfs::vfs();
    let meta = vfs.metadata(at).map_err(|e| e.errno())?;
    if mode & X_OK != 0 && !meta.is_dir() && meta.permissions & 0o111 == 0 {
        return Err(EACCES);
    }
    if mode & W_OK != 0 && !meta.is_dir() {
        // A zero-length write asks the file system whether it takes writes at all.
        vfs.fs(at).write(at.ino, 0, &[]).map_err(|e| e.errno())?;
    }
    Ok(0)
}

pub fn access(path: u64, mode: u64) -> SysResult {
    faccessat(AT_FDCWD, path, mode, 0)
}

/// `getcwd(buf, size)`: the working directory's path with its NUL; returns its length with
/// the NUL, as the Linux system call does (`ERANGE` when it does not fit).
pub fn getcwd(buf: u64, size: u64) -> SysResult {
    let mut path = process()?.cwd.lock().path.clone();
    path.push(0);
    if size < path.len() as u64 {
        return Err(ERANGE);
    }
    super::uaccess::copy_to_user(buf, &path)?;
    Ok(path.len() as u64)
}

/// `chdir(path)`: the directory must exist (`ENOENT`) and be one (`ENOTDIR`). The new path is
/// worked out lexically (known gap: `..` after a symbolic link goes to the link's parent, not
/// the target's).
pub fn chdir(path: u64) -> SysResult {
    let at = resolve(AT_FDCWD, path, Follow::Yes)?;
    if !crate::rootfs::vfs()
        .metadata(at)
        .map_err(|e| e.errno())?
        .is_dir()
    {
        return Err(ENOTDIR);
    }
    let name = super::uaccess::read_user_string(path, super::files::PATH_MAX)?;
    let process = process()?;
    let mut cwd = process.cwd.lock();
    let joined = if crate::vfs::path::is_absolute(&name) {
        name
    } else {
        let mut joined = cwd.path.clone();
        joined.push(b'/');
        joined.extend_from_slice(&name);
        joined
    };
    cwd.path = crate::vfs::path::normalize(&joined);
    cwd.at = at;
    Ok(0)
}

/// `fchdir(fd)`: the working directory becomes the directory open on `fd` (`ENOTDIR` for
/// anything else); its path is found by walking `..` up to the root.
pub fn fchdir(fd: u64) -> SysResult {
    let at = match file(fd)? {
        File::Node(node) if node.directory => node.at,
        _ => return Err(ENOTDIR),
    };
    let path = crate::rootfs::vfs().path_of(at).map_err(|e| e.errno())?;
    let process = process()?;
    let mut cwd = process.cwd.lock();
    cwd.path = path;
    cwd.at = at;
    Ok(0)
}
