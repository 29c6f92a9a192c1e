//! The one checked path between user memory and the kernel: [`copy_from_user`],
//! [`copy_to_user`] and [`read_user_string`]. Each range first passes the address checks of
//! [`crate::process::usercopy`] (below the canonical hole, no wrap-around); then every page it
//! touches must be mapped for user mode with the needed permission, or be demand-paged memory
//! of the process that may be mapped now. Only then is a byte copied, so a bad pointer is
//! `EFAULT`, never a kernel page fault. System calls run with interrupts off, so nothing can
//! unmap a page between the check and the copy.

use super::errno::{EFAULT, ENAMETOOLONG, Errno};
use crate::memory::address_space;
use crate::process::layout::page_floor;
use crate::process::usercopy;
use crate::sched;
use alloc::vec::Vec;

/// Makes sure the page holding `addr` is mapped for a user access (`write` or read).
fn ensure_page(addr: u64, write: bool) -> Result<(), Errno> {
    match address_space::user_page(page_floor(addr)) {
        Some(access) if access.write || !write => Ok(()),
        // Shared copy-on-write since a fork: copy it now.
        Some(_) => {
            let process = sched::current_process().ok_or(EFAULT)?;
            process
                .memory
                .lock()
                .fault_write_protected(addr)
                .map_err(|_| EFAULT)
        }
        None => {
            let process = sched::current_process().ok_or(EFAULT)?;
            process
                .memory
                .lock()
                .fault_in(addr, write, false)
                .map_err(|_| EFAULT)
        }
    }
}

fn check(addr: u64, len: u64, write: bool) -> Result<(), Errno> {
    let range = usercopy::check_range(addr, len).map_err(|_| EFAULT)?;
    for page in range.pages() {
        ensure_page(page, write)?;
    }
    Ok(())
}

/// Checks that `[addr, addr + len)` may be written (mapping demand-paged pages), without
/// copying: for calls that must fail with `EFAULT` before they block.
pub fn check_writable(addr: u64, len: u64) -> Result<(), Errno> {
    check(addr, len, true)
}

pub fn copy_from_user(dst: &mut [u8], src: u64) -> Result<(), Errno> {
    check(src, dst.len() as u64, false)?;
    // SAFETY: every page of the source range is mapped readable for user mode in the current
    // space, and stays so (interrupts are off); the kernel may read user pages (no SMAP).
    unsafe { core::ptr::copy_nonoverlapping(src as *const u8, dst.as_mut_ptr(), dst.len()) };
    Ok(())
}

pub fn copy_to_user(dst: u64, src: &[u8]) -> Result<(), Errno> {
    check(dst, src.len() as u64, true)?;
    // SAFETY: every page of the destination range is mapped writable for user mode in the
    // current space, and belongs to the process alone.
    unsafe { core::ptr::copy_nonoverlapping(src.as_ptr(), dst as *mut u8, src.len()) };
    Ok(())
}

pub fn read_u64(addr: u64) -> Result<u64, Errno> {
    let mut bytes = [0; 8];
    copy_from_user(&mut bytes, addr)?;
    Ok(u64::from_le_bytes(bytes))
}

pub fn write_u64(addr: u64, value: u64) -> Result<(), Errno> {
    copy_to_user(addr, &value.to_le_bytes())
}

pub fn write_i32(addr: u64, value: i32) -> Result<(), Errno> {
    copy_to_user(addr, &value.to_le_bytes())
}

/// A NUL-terminated string of at most `max` bytes (terminator included), without the NUL.
/// `ENAMETOOLONG` when no NUL comes within `max`, `EFAULT` when it runs into unmapped memory.
pub fn read_user_string(addr: u64, max: u64) -> Result<Vec<u8>, Errno> {
    let chunks = usercopy::string_chunks(addr, max).map_err(|_| EFAULT)?;
    let too_long = !chunks.ends_at_user_end();
    let mut out = Vec::new();
    for chunk in chunks {
        ensure_page(chunk.start(), false)?;
        // SAFETY: the chunk lies in one page, just checked to be mapped readable for user
        // mode in the current space.
        let bytes = unsafe {
            core::slice::from_raw_parts(chunk.start() as *const u8, chunk.len() as usize)
        };
        if let Some(nul) = bytes.iter().position(|&b| b == 0) {
            out.extend_from_slice(&bytes[..nul]);
            return Ok(out);
        }
        out.extend_from_slice(bytes);
    }
    Err(if too_long { ENAMETOOLONG } else { EFAULT })
}
