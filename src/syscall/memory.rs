//! `mmap`, `munmap`, `mprotect`, `mremap`, `madvise` and `brk`, with Linux's argument checks
//! and errno values (mmap(2), mprotect(2), mremap(2), madvise(2)); the areas themselves are
//! `process::memory`'s.
//!
//! Anonymous mappings may be private or shared (`MAP_SHARED` pages are made at once and stay
//! shared across `fork`). A file mapping is a private copy of an initramfs or tmpfs file made
//! at `mmap` time: right for `MAP_PRIVATE`, and for a read-only `MAP_SHARED` of a file nobody
//! writes; a writable `MAP_SHARED` file mapping is refused with `ENODEV`.

use super::SysResult;
use super::errno::*;
use crate::memory::address_space::UserAccess;
use crate::process::files::File;
use crate::process::layout::{PAGE_SIZE, USER_END};
use crate::process::memory::{MapFailure, Placement};
use crate::sched;

const PROT_READ: u64 = 1;
const PROT_WRITE: u64 = 2;
const PROT_EXEC: u64 = 4;
/// PROT_SEM, PROT_GROWSDOWN and PROT_GROWSUP: accepted, no effect here.
const PROT_IGNORED: u64 = 0x8 | 0x0100_0000 | 0x0200_0000;
const MAP_SHARED: u64 = 0x01;
const MAP_PRIVATE: u64 = 0x02;
const MAP_TYPE: u64 = 0x0f;
const MAP_SHARED_VALIDATE: u64 = 0x03;
const MAP_FIXED: u64 = 0x10;
const MAP_ANONYMOUS: u64 = 0x20;
const MAP_FIXED_NOREPLACE: u64 = 0x10_0000;
/// The flags `MAP_SHARED_VALIDATE` accepts (every flag Linux defines but MAP_SYNC and
/// MAP_UNINITIALIZED, whose requests Kestrel cannot honour).
const MAP_KNOWN: u64 = 0x0f
    | 0x10
    | 0x20
    | 0x100
    | 0x800
    | 0x1000
    | 0x2000
    | 0x4000
    | 0x8000
    | 0x1_0000
    | 0x2_0000
    | 0x4_0000
    | 0x10_0000
    | (0x3f << 26);

const MREMAP_MAYMOVE: u64 = 1;
const MREMAP_FIXED: u64 = 2;
const MREMAP_DONTUNMAP: u64 = 4;

fn access(prot: u64) -> UserAccess {
    UserAccess {
        read: prot & PROT_READ != 0,
        write: prot & PROT_WRITE != 0,
        execute: prot & PROT_EXEC != 0,
    }
}

fn errno(failure: MapFailure) -> Errno {
    match failure {
        MapFailure::NoMemory => ENOMEM,
        MapFailure::Exists => EEXIST,
        MapFailure::Fault => EFAULT,
        MapFailure::Invalid => EINVAL,
    }
}

/// A page-aligned `[addr, addr + len)` wholly in the user half, or `EINVAL` (`ENOMEM` for a
/// range past the end, as Linux's range checks say).
fn user_range(addr: u64, len: u64) -> Result<(u64, u64), Errno> {
    if !addr.is_multiple_of(PAGE_SIZE) {
        return Err(EINVAL);
    }
    let end = addr
        .checked_add(len)
        .and_then(|end| end.checked_next_multiple_of(PAGE_SIZE))
        .ok_or(ENOMEM)?;
    if end > USER_END {
        return Err(ENOMEM);
    }
    Ok((addr, end))
}

pub fn mmap(addr: u64, len: u64, prot: u64, flags: u64, fd: u64, offset: u64) -> SysResult {
    let process = sched::current_process().ok_or(EPERM)?;
    let anonymous = flags & MAP_ANONYMOUS != 0;
    let file = if anonymous {
        None
    } else {
        let file = process.files.lock().get(fd).cloned().ok_or(EBADF)?;
        Some(file)
    };
    if len == 0 || !offset.is_multiple_of(PAGE_SIZE) {
        return Err(EINVAL);
    }
    if len
        .checked_next_multiple_of(PAGE_SIZE)
        .is_none_or(|l| l > USER_END)
    {
        return Err(ENOMEM);
    }
    if prot & !(PROT_READ | PROT_WRITE | PROT_EXEC | PROT_IGNORED) != 0 {
        return Err(EINVAL);
    }
    let shared = match flags & MAP_TYPE {
        MAP_SHARED => true,
        MAP_PRIVATE => false,
        MAP_SHARED_VALIDATE if flags & !MAP_KNOWN == 0 => true,
        MAP_SHARED_VALIDATE => return Err(EOPNOTSUPP),
        _ => return Err(EINVAL),
    };
    let placement = if flags & MAP_FIXED_NOREPLACE != 0 {
        Placement::FixedNoReplace(addr)
    } else if flags & MAP_FIXED != 0 {
        Placement::Fixed(addr)
    } else {
        Placement::Hint(addr)
    };
    let access = access(prot);
    let Some(file) = file else {
        return process
            .memory
            .lock()
            .map(placement, len, access, shared)
            .map_err(errno);
    };
    // A file: a private copy of its bytes from `offset` (zeros past the end of the file).
    let File::Node(node) = file else {
        return Err(ENODEV);
    };
    if node.directory {
        return Err(ENODEV);
    }
    let (at, readable) = (node.at, node.readable);
    if !readable {
        return Err(EACCES);
    }
    if shared && access.write {
        return Err(ENODEV);
    }
    let mut memory = process.memory.lock();
    let start = memory.map(placement, len, access, false).map_err(errno)?;
    if let Err(err) = copy_file(&mut memory, start, len, at, offset) {
        memory.unmap(start, start + len);
        return Err(err);
    }
    Ok(start)
}

/// Fills the fresh private mapping at `start` with the file's bytes from `offset`.
fn copy_file(
    memory: &mut crate::process::memory::UserMemory,
    start: u64,
    len: u64,
    at: crate::vfs::Location,
    offset: u64,
) -> Result<(), Errno> {
    let vfs = crate::rootfs::vfs();
    let mut page = alloc::vec![0u8; PAGE_SIZE as usize];
    for done in (0..len).step_by(PAGE_SIZE as usize) {
        page.fill(0);
        let n = vfs
            .read(at, offset + done, &mut page)
            .map_err(|e| e.errno())?;
        if n == 0 {
            break;
        }
        memory.fault_in_any(start + done).map_err(|_| ENOMEM)?;
        crate::arch::user_mode::with_read_only_writable(|| {
            // SAFETY: the page at `start + done` was just mapped in the current space, in an
            // area this call made, so it belongs to this process alone; CR0.WP is clear for
            // a read-only one.
            unsafe { core::ptr::copy_nonoverlapping(page.as_ptr(), (start + done) as *mut u8, n) }
        });
    }
    Ok(())
}

pub fn munmap(addr: u64, len: u64) -> SysResult {
    let process = sched::current_process().ok_or(EPERM)?;
    if len == 0 {
        return Err(EINVAL);
    }
    let (start, end) = user_range(addr, len).map_err(|_| EINVAL)?;
    process.memory.lock().unmap(start, end);
    Ok(0)
}

pub fn mprotect(addr: u64, len: u64, prot: u64) -> SysResult {
    let process = sched::current_process().ok_or(EPERM)?;
    if prot & !(PROT_READ | PROT_WRITE | PROT_EXEC | PROT_IGNORED) != 0 {
        return Err(EINVAL);
    }
    let (start, end) = user_range(addr, len)?;
    if start == end {
        return Ok(0);
    }
    process
        .memory
        .lock()
        .protect(start, end, access(prot))
        .map(|()| 0)
        .map_err(errno)
}

const MADV_DONTNEED: u64 = 4;
const MADV_FREE: u64 = 8;
const MADV_REMOVE: u64 = 9;

pub fn madvise(addr: u64, len: u64, advice: u64) -> SysResult {
    let process = sched::current_process().ok_or(EPERM)?;
    let (start, end) = user_range(addr, len).map_err(|e| if e == ENOMEM { EINVAL } else { e })?;
    match advice {
        // NORMAL, RANDOM, SEQUENTIAL, WILLNEED: hints with nothing to do here.
        0..=3 => {}
        // MADV_FREE may drop the pages at once, which is what DONTNEED does.
        MADV_DONTNEED | MADV_FREE => {}
        // REMOVE: a hole in a shared mapping's backing; refused as for private ones.
        MADV_REMOVE => return Err(EINVAL),
        // DONTFORK .. COLLAPSE (10–25): accepted, no effect.
        10..=25 => {}
        _ => return Err(EINVAL),
    }
    let mut memory = process.memory.lock();
    if matches!(advice, MADV_DONTNEED | MADV_FREE) {
        memory.discard(start, end).map_err(errno)?;
    } else if start != end && !memory.vmas.covers(start, end) {
        return Err(ENOMEM);
    }
    Ok(0)
}

pub fn mremap(old: u64, old_len: u64, new_len: u64, flags: u64, new_addr: u64) -> SysResult {
    let process = sched::current_process().ok_or(EPERM)?;
    if flags & !(MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP) != 0
        || !old.is_multiple_of(PAGE_SIZE)
        || new_len == 0
    {
        return Err(EINVAL);
    }
    if flags & MREMAP_FIXED != 0 && flags & MREMAP_MAYMOVE == 0 {
        return Err(EINVAL);
    }
    // DONTUNMAP keeps the old range mapped (empty): not supported.
    if flags & MREMAP_DONTUNMAP != 0 {
        return Err(EINVAL);
    }
    let old_len = old_len.checked_next_multiple_of(PAGE_SIZE).ok_or(EINVAL)?;
    let new_len = new_len.checked_next_multiple_of(PAGE_SIZE).ok_or(EINVAL)?;
    let fixed = (flags & MREMAP_FIXED != 0).then_some(new_addr);
    process
        .memory
        .lock()
        .remap(old, old_len, new_len, flags & MREMAP_MAYMOVE != 0, fixed)
        .map_err(errno)
}

pub fn brk(addr: u64) -> SysResult {
    let process = sched::current_process().ok_or(EPERM)?;
    Ok(process.memory.lock().set_brk(addr))
}
