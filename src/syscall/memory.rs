//! `mmap` (anonymous only), `munmap` and `brk`.

use super::SysResult;
use super::errno::*;
use crate::memory::address_space::UserAccess;
use crate::process::layout::{PAGE_SIZE, USER_END};
use crate::sched;

const PROT_WRITE: u64 = 2;
const PROT_EXEC: u64 = 4;
const MAP_SHARED: u64 = 0x01;
const MAP_PRIVATE: u64 = 0x02;
const MAP_FIXED: u64 = 0x10;
const MAP_ANONYMOUS: u64 = 0x20;

pub fn mmap(_addr: u64, len: u64, prot: u64, flags: u64, fd: u64) -> SysResult {
    let process = sched::current_process().ok_or(EPERM)?;
    if len == 0 {
        return Err(EINVAL);
    }
    // Longer than the user half (or wrapping when rounded up to pages): ENOMEM, as Linux.
    if len > USER_END {
        return Err(ENOMEM);
    }
    if flags & (MAP_SHARED | MAP_PRIVATE) == 0 {
        return Err(EINVAL);
    }
    if flags & MAP_ANONYMOUS == 0 {
        // File mappings come with the Linux-ABI work.
        return Err(if fd as i64 >= 0 { ENODEV } else { EBADF });
    }
    if flags & MAP_FIXED != 0 {
        return Err(EINVAL);
    }
    let access = UserAccess {
        write: prot & PROT_WRITE != 0,
        execute: prot & PROT_EXEC != 0,
    };
    process
        .memory
        .lock()
        .map_anonymous(len, access)
        .ok_or(ENOMEM)
}

pub fn munmap(addr: u64, len: u64) -> SysResult {
    let process = sched::current_process().ok_or(EPERM)?;
    if !addr.is_multiple_of(PAGE_SIZE) || len == 0 {
        return Err(EINVAL);
    }
    let end = addr
        .checked_add(len)
        .and_then(|end| end.checked_next_multiple_of(PAGE_SIZE))
        .filter(|&end| end <= USER_END)
        .ok_or(EINVAL)?;
    process.memory.lock().unmap(addr, end);
    Ok(0)
}

pub fn brk(addr: u64) -> SysResult {
    let process = sched::current_process().ok_or(EPERM)?;
    Ok(process.memory.lock().set_brk(addr))
}
