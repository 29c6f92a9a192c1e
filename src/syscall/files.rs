//! File system calls: the console on descriptors 0–2, the read-only root file system behind
//! the rest.

use super::SysResult;
use super::errno::*;
use super::uaccess::{self, copy_from_user, copy_to_user};
use crate::process::files::{File, OpenNode};
use crate::process::tty;
use crate::sched;
use crate::vfs::{FileType, Follow, Location, Metadata};
use alloc::vec;
use alloc::vec::Vec;

pub const AT_FDCWD: i64 = -100;
pub(super) const AT_SYMLINK_NOFOLLOW: u64 = 0x100;
pub(super) const AT_EMPTY_PATH: u64 = 0x1000;
/// Accepted and meaningless: Kestrel has no automounts.
pub(super) const AT_NO_AUTOMOUNT: u64 = 0x800;
const O_ACCMODE: u64 = 3;
const O_CREAT: u64 = 0o100;
const O_TRUNC: u64 = 0o1000;
const O_DIRECTORY: u64 = 0o200000;
pub const O_CLOEXEC: u64 = 0o2000000;
pub const PATH_MAX: u64 = 4096;
/// The most bytes one read or write moves through a kernel buffer at a time.
const CHUNK: usize = 64 * 1024;
const IOV_MAX: u64 = 1024;

pub(super) fn current() -> Result<alloc::sync::Arc<crate::process::Process>, Errno> {
    sched::current_process().ok_or(EPERM)
}

pub(super) fn file(fd: u64) -> Result<File, Errno> {
    current()?.files.lock().get(fd).cloned().ok_or(EBADF)
}

pub fn read(fd: u64, buf: u64, count: u64) -> SysResult {
    let process = current()?;
    let count = count.min(i32::MAX as u64);
    uaccess::check_writable(buf, count)?;
    match file(fd)? {
        File::Console => {
            let bytes = tty::read(&process, count.min(CHUNK as u64) as usize)?;
            copy_to_user(buf, &bytes)?;
            Ok(bytes.len() as u64)
        }
        File::PipeRead(pipe) => {
            let bytes = pipe
                .read((count as usize).min(CHUNK))
                .map_err(|_| ERESTARTSYS)?;
            copy_to_user(buf, &bytes)?;
            Ok(bytes.len() as u64)
        }
        File::PipeWrite(_) => Err(EBADF),
        File::Node(node) if node.directory => Err(EISDIR),
        File::Node(node) if !node.readable => Err(EBADF),
        File::Node(node) => {
            let vfs = crate::rootfs::vfs();
            let mut kernel = vec![0; (count as usize).min(CHUNK)];
            // The shared offset stays locked until it has moved past what was read.
            let mut offset = node.offset.lock();
            let n = vfs
                .read(node.at, *offset, &mut kernel)
                .map_err(|e| e.errno())?;
            copy_to_user(buf, &kernel[..n])?;
            *offset += n as u64;
            Ok(n as u64)
        }
    }
}

pub fn pread64(fd: u64, buf: u64, count: u64, offset: u64) -> SysResult {
    if (offset as i64) < 0 {
        return Err(EINVAL);
    }
    uaccess::check_writable(buf, count.min(i32::MAX as u64))?;
    match file(fd)? {
        File::Console | File::PipeRead(_) | File::PipeWrite(_) => Err(ESPIPE),
        File::Node(node) if node.directory => Err(EISDIR),
        File::Node(node) if !node.readable => Err(EBADF),
        File::Node(node) => {
            let mut kernel = vec![0; (count as usize).min(CHUNK)];
            let n = crate::rootfs::vfs()
                .read(node.at, offset, &mut kernel)
                .map_err(|e| e.errno())?;
            copy_to_user(buf, &kernel[..n])?;
            Ok(n as u64)
        }
    }
}

pub fn write(fd: u64, buf: u64, count: u64) -> SysResult {
    let file = file(fd)?;
    if !is_writable(&file) {
        return Err(EBADF);
    }
    let mut kernel = vec![0; (count as usize).min(CHUNK)];
    let mut done = 0;
    while done < count {
        let n = ((count - done) as usize).min(CHUNK);
        copy_from_user(&mut kernel[..n], buf + done)?;
        match write_chunk(&file, &kernel[..n]) {
            Ok(written) => {
                done += written as u64;
                if written < n {
                    break;
                }
            }
            // What went out before the error counts, as on Linux.
            Err(_) if done > 0 => break,
            Err(err) => return Err(err),
        }
    }
    Ok(done)
}

fn is_writable(file: &File) -> bool {
    match file {
        File::Console | File::PipeWrite(_) => true,
        File::Node(node) => node.writable,
        File::PipeRead(_) => false,
    }
}

/// Writes kernel bytes to `file` at its (shared) offset: what `write` and `sendfile` share.
/// Returns how many went out.
fn write_chunk(file: &File, data: &[u8]) -> Result<usize, Errno> {
    match file {
        File::Console => {
            tty::check_write(&*current()?)?;
            tty::write(data);
            Ok(data.len())
        }
        File::PipeWrite(pipe) => match pipe.write(data) {
            Ok(written) => Ok(written),
            Err(crate::process::pipe::PipeError::Broken) => {
                // Linux sends SIGPIPE to the writer as well (pipe(7)).
                let process = current()?;
                crate::process::signal::deliver::send(
                    &process,
                    crate::process::signal::Target::Process,
                    crate::process::signal::SigInfo::user(
                        crate::process::signal::SIGPIPE,
                        process.pid,
                    ),
                );
                Err(EPIPE)
            }
            Err(crate::process::pipe::PipeError::Interrupted) => Err(ERESTARTSYS),
        },
        File::Node(node) if node.writable => {
            let fs = crate::rootfs::vfs().fs(node.at);
            // The shared offset stays locked for the whole chunk, as Linux's f_pos_lock.
            let mut offset = node.offset.lock();
            if node.append() {
                *offset = fs.metadata(node.at.ino).map_err(|e| e.errno())?.size;
            }
            let written = fs
                .write(node.at.ino, *offset, data)
                .map_err(|e| e.errno())?;
            *offset += written as u64;
            Ok(written)
        }
        File::Node(_) | File::PipeRead(_) => Err(EBADF),
    }
}

/// `sendfile(out_fd, in_fd, offset, count)`: copies from a regular file to any writable
/// descriptor inside the kernel (busybox's `cp` and `cat` try it first). With `offset` not
/// NULL, reading starts there, the new offset is stored back and `in_fd`'s own offset stays.
pub fn sendfile(out_fd: u64, in_fd: u64, offset: u64, count: u64) -> SysResult {
    let input = file(in_fd)?;
    let output = file(out_fd)?;
    let node = match &input {
        File::Node(node) if !node.readable => return Err(EBADF),
        File::Node(node) if !node.directory => node.clone(),
        _ => return Err(EINVAL),
    };
    let at = node.at;
    let position = *node.offset.lock();
    if !is_writable(&output) {
        return Err(EBADF);
    }
    let mut pos = if offset != 0 {
        let start = uaccess::read_u64(offset)? as i64;
        u64::try_from(start).map_err(|_| EINVAL)?
    } else {
        position
    };
    if offset != 0 {
        uaccess::check_writable(offset, 8)?;
    }
    let count = count.min(i32::MAX as u64 & !0xfff);
    let mut kernel = vec![0; (count as usize).min(CHUNK)];
    let vfs = crate::rootfs::vfs();
    let mut done = 0u64;
    while done < count {
        let want = ((count - done) as usize).min(CHUNK);
        let n = vfs
            .read(at, pos, &mut kernel[..want])
            .map_err(|e| e.errno())?;
        if n == 0 {
            break;
        }
        let written = match write_chunk(&output, &kernel[..n]) {
            Ok(written) => written,
            Err(_) if done > 0 => break,
            Err(err) => return Err(err),
        };
        pos += written as u64;
        done += written as u64;
        if written < n {
            break;
        }
    }
    if offset != 0 {
        uaccess::write_u64(offset, pos)?;
    } else {
        *node.offset.lock() = pos;
    }
    Ok(done)
}

/// `pipe2(fds, flags)` (and `pipe`): two descriptors, read end first.
pub fn pipe2(fds: u64, flags: u64) -> SysResult {
    const O_NONBLOCK: u64 = 0o4000;
    if flags & !(O_CLOEXEC | O_NONBLOCK) != 0 {
        return Err(EINVAL);
    }
    uaccess::check_writable(fds, 8)?;
    let process = current()?;
    let pipe = crate::process::pipe::Pipe::new();
    let mut files = process.files.lock();
    let read = files.open(File::PipeRead(pipe.clone()));
    let write = read.and_then(|_| files.open(File::PipeWrite(pipe.clone())));
    let (Some(read), Some(write)) = (read, write) else {
        if let Some(read) = read {
            files.close(read);
        } else {
            pipe.close_end(false);
        }
        pipe.close_end(true);
        return Err(EMFILE);
    };
    files.set_close_on_exec(read, flags & O_CLOEXEC != 0);
    files.set_close_on_exec(write, flags & O_CLOEXEC != 0);
    drop(files);
    let mut raw = [0u8; 8];
    raw[..4].copy_from_slice(&(read as u32).to_le_bytes());
    raw[4..].copy_from_slice(&(write as u32).to_le_bytes());
    copy_to_user(fds, &raw)?;
    Ok(0)
}

pub fn writev(fd: u64, iov: u64, count: u64) -> SysResult {
    vectored(fd, iov, count, write)
}

pub fn readv(fd: u64, iov: u64, count: u64) -> SysResult {
    vectored(fd, iov, count, read)
}

fn vectored(fd: u64, iov: u64, count: u64, op: fn(u64, u64, u64) -> SysResult) -> SysResult {
    // The descriptor first: EBADF even for an empty vector, as on Linux.
    file(fd)?;
    if count > IOV_MAX {
        return Err(EINVAL);
    }
    let mut raw = vec![0; count as usize * 16];
    copy_from_user(&mut raw, iov)?;
    let mut total = 0;
    for entry in raw.chunks_exact(16) {
        let base = u64::from_le_bytes(entry[..8].try_into().expect("8 bytes"));
        let len = u64::from_le_bytes(entry[8..].try_into().expect("8 bytes"));
        if len == 0 {
            continue;
        }
        let n = op(fd, base, len)?;
        total += n;
        if n < len {
            break;
        }
    }
    Ok(total)
}

/// Resolves a user path against `dirfd` (only `AT_FDCWD` and absolute paths: the working
/// directory is always `/`).
pub(super) fn resolve(dirfd: i64, path: u64, follow: Follow) -> Result<Location, Errno> {
    let path = uaccess::read_user_string(path, PATH_MAX)?;
    let vfs = crate::rootfs::vfs();
    let base = if path.first() == Some(&b'/') {
        vfs.root()
    } else if dirfd == AT_FDCWD {
        current()?.cwd.lock().at
    } else {
        match file(dirfd as u64)? {
            File::Node(node) if node.directory => node.at,
            _ => return Err(ENOTDIR),
        }
    };
    vfs.resolve(base, &path, follow).map_err(|e| e.errno())
}

pub fn openat(dirfd: i64, path: u64, flags: u64, mode: u64) -> SysResult {
    const O_EXCL: u64 = 0o200;
    const O_APPEND: u64 = 0o2000;
    let process = current()?;
    let vfs = crate::rootfs::vfs();
    let access = flags & O_ACCMODE;
    if access == O_ACCMODE {
        return Err(EINVAL);
    }
    let at = match resolve(dirfd, path, Follow::Yes) {
        Ok(_) if flags & O_CREAT != 0 && flags & O_EXCL != 0 => return Err(EEXIST),
        Ok(at) => at,
        Err(ENOENT) if flags & O_CREAT != 0 => create_node(dirfd, path, FileType::Regular, mode)?,
        Err(err) => return Err(err),
    };
    let mut meta = vfs.metadata(at).map_err(|e| e.errno())?;
    let mut at = at;
    if meta.file_type == FileType::CharDevice {
        // A device node anywhere (devfs, or one the initramfs carries) leads to the device
        // with its numbers.
        let device = crate::vfs::Device::from_rdev(meta.rdev).ok_or(ENXIO)?;
        if device.is_terminal() {
            return open_console(&process, flags);
        }
        at = crate::rootfs::device_node(device).ok_or(ENXIO)?;
        meta = vfs.metadata(at).map_err(|e| e.errno())?;
    }
    if flags & O_DIRECTORY != 0 && !meta.is_dir() {
        return Err(ENOTDIR);
    }
    let writable = access != 0;
    if writable || flags & O_TRUNC != 0 {
        if meta.is_dir() {
            return Err(EISDIR);
        }
        // A zero-length write asks the file system whether it takes writes at all.
        vfs.fs(at).write(at.ino, 0, &[]).map_err(|e| e.errno())?;
    }
    if flags & O_TRUNC != 0 && writable {
        vfs.fs(at).truncate(at.ino, 0).map_err(|e| e.errno())?;
    }
    vfs.fs(at).retain(at.ino).map_err(|e| e.errno())?;
    // The description gives the hold back when its last descriptor closes (or at once, when
    // no descriptor is free).
    let node = OpenNode::new(
        at,
        meta.is_dir(),
        access != 1,
        writable,
        flags & O_APPEND != 0,
    );
    let mut files = process.files.lock();
    let fd = files.open(File::Node(node)).ok_or(EMFILE)?;
    files.set_close_on_exec(fd, flags & O_CLOEXEC != 0);
    Ok(fd)
}

/// `/dev/console` and `/dev/tty`: another descriptor on the console.
fn open_console(process: &crate::process::Process, flags: u64) -> SysResult {
    let mut files = process.files.lock();
    let fd = files.open(File::Console).ok_or(EMFILE)?;
    files.set_close_on_exec(fd, flags & O_CLOEXEC != 0);
    Ok(fd)
}

/// Creates the last component of a user path (which must not exist) in its parent directory.
fn create_node(dirfd: i64, path: u64, kind: FileType, mode: u64) -> Result<Location, Errno> {
    let path = uaccess::read_user_string(path, PATH_MAX)?;
    let vfs = crate::rootfs::vfs();
    let base = directory_base(dirfd, &path)?;
    // Through the namespace, which answers EEXIST before EROFS (`mkdir /tmp`, a mount point
    // on the read-only root).
    let umask = u64::from(current()?.umask.load(core::sync::atomic::Ordering::Relaxed));
    let permissions = (mode & 0o7777 & !umask) as u16;
    match kind {
        FileType::Directory => vfs.mkdir(base, &path, permissions),
        _ => vfs.create_file(base, &path, permissions),
    }
    .map_err(|e| e.errno())
}

pub(super) fn directory_base(dirfd: i64, path: &[u8]) -> Result<Location, Errno> {
    let vfs = crate::rootfs::vfs();
    if path.first() == Some(&b'/') {
        return Ok(vfs.root());
    }
    if dirfd == AT_FDCWD {
        return Ok(current()?.cwd.lock().at);
    }
    match file(dirfd as u64)? {
        File::Node(node) if node.directory => Ok(node.at),
        _ => Err(ENOTDIR),
    }
}

pub fn mkdirat(dirfd: i64, path: u64, mode: u64) -> SysResult {
    create_node(dirfd, path, FileType::Directory, mode).map(|_| 0)
}

/// `unlinkat(dirfd, path, flags)`: `AT_REMOVEDIR` removes an empty directory.
pub fn unlinkat(dirfd: i64, path: u64, flags: u64) -> SysResult {
    const AT_REMOVEDIR: u64 = 0x200;
    if flags & !AT_REMOVEDIR != 0 {
        return Err(EINVAL);
    }
    let path = uaccess::read_user_string(path, PATH_MAX)?;
    let vfs = crate::rootfs::vfs();
    let base = directory_base(dirfd, &path)?;
    // Through the namespace: EISDIR for a directory (a mount point too), EBUSY for a mount.
    if flags & AT_REMOVEDIR != 0 {
        vfs.rmdir(base, &path)
    } else {
        vfs.unlink(base, &path)
    }
    .map(|_| 0)
    .map_err(|e| e.errno())
}

pub fn close(fd: u64) -> SysResult {
    if current()?.files.lock().close(fd) {
        Ok(0)
    } else {
        Err(EBADF)
    }
}

pub fn lseek(fd: u64, offset: i64, whence: u64) -> SysResult {
    let node = match file(fd)? {
        File::Node(node) => node,
        _ => return Err(ESPIPE),
    };
    let mut pos = node.offset.lock();
    let base = match whence {
        0 => 0,
        1 => *pos as i64,
        2 => {
            crate::rootfs::vfs()
                .metadata(node.at)
                .map_err(|e| e.errno())?
                .size as i64
        }
        _ => return Err(EINVAL),
    };
    let new = base.checked_add(offset).filter(|&n| n >= 0).ok_or(EINVAL)?;
    *pos = new as u64;
    Ok(new as u64)
}

/// `struct stat` for x86_64 (144 bytes; `arch/x86/include/uapi/asm/stat.h`) of the node at
/// `at`. `st_dev` tells the mounts apart (`find -xdev`, `cp` checking for a copy onto
/// itself): device (0, mount index + 1), as Linux numbers its anonymous devices.
fn stat_bytes(at: Location, meta: &Metadata) -> [u8; 144] {
    let mut out = [0; 144];
    let mut put =
        |offset: usize, bytes: &[u8]| out[offset..offset + bytes.len()].copy_from_slice(bytes);
    put(0, &(at.mount as u64 + 1).to_le_bytes());
    put(8, &meta.ino.to_le_bytes());
    put(16, &u64::from(meta.nlink).to_le_bytes());
    put(24, &meta.mode().to_le_bytes());
    put(28, &meta.uid.to_le_bytes());
    put(32, &meta.gid.to_le_bytes());
    let rdev = (u64::from(meta.rdev.0) << 8) | u64::from(meta.rdev.1);
    put(40, &rdev.to_le_bytes());
    put(48, &meta.size.to_le_bytes());
    put(56, &4096u64.to_le_bytes());
    put(64, &meta.size.div_ceil(512).to_le_bytes());
    for time in [72, 88, 104] {
        put(time, &meta.mtime.to_le_bytes());
    }
    out
}

fn pipe_stat() -> [u8; 144] {
    let mut out = [0; 144];
    out[16..24].copy_from_slice(&1u64.to_le_bytes());
    out[24..28].copy_from_slice(&0o10600u32.to_le_bytes()); // S_IFIFO | rw-------
    out[56..64].copy_from_slice(&4096u64.to_le_bytes());
    out
}

fn console_stat() -> [u8; 144] {
    let mut out = [0; 144];
    out[16..24].copy_from_slice(&1u64.to_le_bytes());
    out[24..28].copy_from_slice(&0o20620u32.to_le_bytes()); // S_IFCHR | rw--w----
    out[40..48].copy_from_slice(&((5u64 << 8) | 1).to_le_bytes()); // /dev/console (5, 1)
    out[56..64].copy_from_slice(&1024u64.to_le_bytes());
    out
}

/// `fsync`/`fdatasync`: only the descriptor is checked; everything lives in RAM already.
pub fn check_fd(fd: u64) -> SysResult {
    file(fd).map(|_| 0)
}

pub fn fstat(fd: u64, buf: u64) -> SysResult {
    copy_to_user(buf, &fd_stat(fd)?)?;
    Ok(0)
}

/// The `struct stat` of what descriptor `fd` refers to.
pub(super) fn fd_stat(fd: u64) -> Result<[u8; 144], Errno> {
    Ok(match file(fd)? {
        File::Console => console_stat(),
        File::PipeRead(_) | File::PipeWrite(_) => pipe_stat(),
        File::Node(node) => stat_bytes(
            node.at,
            &crate::rootfs::vfs()
                .metadata(node.at)
                .map_err(|e| e.errno())?,
        ),
    })
}

/// The `struct stat` of what `path` (from `dirfd`) names, as newfstatat's `flags` say:
/// `AT_SYMLINK_NOFOLLOW`, and `AT_EMPTY_PATH` with an empty path for `dirfd` itself.
pub(super) fn path_stat(dirfd: i64, path: u64, flags: u64) -> Result<[u8; 144], Errno> {
    if flags & AT_EMPTY_PATH != 0 && uaccess::read_user_string(path, PATH_MAX)?.is_empty() {
        return fd_stat(dirfd as u64);
    }
    let follow = if flags & AT_SYMLINK_NOFOLLOW == 0 {
        Follow::Yes
    } else {
        Follow::No
    };
    let at = resolve(dirfd, path, follow)?;
    let meta = crate::rootfs::vfs().metadata(at).map_err(|e| e.errno())?;
    Ok(stat_bytes(at, &meta))
}

pub fn stat(dirfd: i64, path: u64, buf: u64, follow: bool) -> SysResult {
    let flags = if follow { 0 } else { AT_SYMLINK_NOFOLLOW };
    copy_to_user(buf, &path_stat(dirfd, path, flags)?)?;
    Ok(0)
}

pub fn newfstatat(dirfd: i64, path: u64, buf: u64, flags: u64) -> SysResult {
    if flags & !(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT) != 0 {
        return Err(EINVAL);
    }
    copy_to_user(buf, &path_stat(dirfd, path, flags)?)?;
    Ok(0)
}

/// `getdents64`: `struct linux_dirent64 { u64 d_ino; i64 d_off; u16 d_reclen; u8 d_type;
/// char d_name[]; }`, each record padded to 8 bytes. Positions 0 and 1 are `.` and `..`.
pub fn getdents64(fd: u64, buf: u64, count: u64) -> SysResult {
    let node = match file(fd)? {
        File::Node(node) if node.directory => node,
        _ => return Err(ENOTDIR),
    };
    let at = node.at;
    let mut offset = node.offset.lock();
    let position = *offset;
    let limit = count.min(CHUNK as u64) as usize;
    let mut out: Vec<u8> = Vec::with_capacity(limit.min(4096));
    let mut next = position;
    let mut full = false;
    let push = |out: &mut Vec<u8>, ino: u64, kind: u8, name: &[u8], next: u64| -> bool {
        let len = (19 + name.len() + 1).next_multiple_of(8);
        if out.len() + len > limit {
            return false;
        }
        out.extend_from_slice(&ino.to_le_bytes());
        out.extend_from_slice(&next.to_le_bytes());
        out.extend_from_slice(&(len as u16).to_le_bytes());
        out.push(kind);
        out.extend_from_slice(name);
        out.resize(out.len() + len - 19 - name.len(), 0);
        true
    };
    let vfs = crate::rootfs::vfs();
    let ino = at.ino;
    while next < 2 {
        let name: &[u8] = if next == 0 { b"." } else { b".." };
        if !push(&mut out, ino, 4, name, next + 1) {
            full = true;
            break;
        }
        next += 1;
    }
    if !full {
        let start = (next - 2) as usize;
        let mut emitted = 0u64;
        vfs.read_dir(at, start, &mut |entry| {
            let here = next + emitted + 1;
            if push(
                &mut out,
                entry.ino,
                entry.file_type.dirent_type(),
                entry.name,
                here,
            ) {
                emitted += 1;
                true
            } else {
                false
            }
        })
        .map_err(|e| e.errno())?;
        next += emitted;
    }
    if out.is_empty() && full {
        return Err(EINVAL);
    }
    copy_to_user(buf, &out)?;
    *offset = next;
    Ok(out.len() as u64)
}

pub fn ioctl(fd: u64, request: u64, arg: u64) -> SysResult {
    match file(fd)? {
        File::Console => tty::ioctl(&*current()?, request, arg),
        _ => Err(ENOTTY),
    }
}
