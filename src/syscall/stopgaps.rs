//! Calls that other work owns (memory protection with the memory-management work, the
//! terminal with the TTY work), answered here just far enough for Debian's busybox to run
//! until the real ones land; each says what it leaves out. Drop an entry when its real
//! implementation arrives.

use super::SysResult;
use super::errno::*;
use crate::process::layout::{PAGE_SIZE, USER_END};

/// `mprotect(addr, len, prot)`: arguments checked, protections unchanged. glibc's static
/// start-up makes its RELRO area read-only with it and gives up when that fails; keeping the
/// area writable loses that hardening and nothing else. Known gap: a program that relies on
/// a fault after taking away access (guard pages, garbage collectors) misbehaves.
pub fn mprotect(addr: u64, len: u64, prot: u64) -> SysResult {
    const PROT_ALL: u64 = 1 | 2 | 4; // PROT_READ | PROT_WRITE | PROT_EXEC
    const PROT_GROWS: u64 = 0x0100_0000 | 0x0200_0000; // PROT_GROWSDOWN | PROT_GROWSUP
    if !addr.is_multiple_of(PAGE_SIZE) || prot & !(PROT_ALL | PROT_GROWS) != 0 {
        return Err(EINVAL);
    }
    let end = addr
        .checked_add(len)
        .and_then(|end| end.checked_next_multiple_of(PAGE_SIZE))
        .ok_or(ENOMEM)?;
    if end > USER_END {
        return Err(ENOMEM);
    }
    Ok(0)
}
