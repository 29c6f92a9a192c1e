//! Resource limits (getrlimit(2), setrlimit, prlimit64): the limits Kestrel has, reported as
//! Linux reports them. Setting a limit is checked and accepted, but changes nothing: none of
//! them can be lowered yet.

use super::SysResult;
use super::errno::*;
use super::uaccess;
use crate::process::files::MAX_FILES;
use crate::process::memory::STACK_SIZE;

const RLIM_INFINITY: u64 = u64::MAX;
const RLIMIT_STACK: u64 = 3;
const RLIMIT_NPROC: u64 = 6;
const RLIMIT_NOFILE: u64 = 7;
/// RLIMIT_CPU .. RLIMIT_RTTIME.
const RLIM_NLIMITS: u64 = 16;

/// (soft, hard) for `resource`.
fn limit(resource: u64) -> (u64, u64) {
    match resource {
        RLIMIT_STACK => (STACK_SIZE, RLIM_INFINITY),
        RLIMIT_NOFILE => (MAX_FILES as u64, MAX_FILES as u64),
        RLIMIT_NPROC => {
            let n = crate::sched::MAX_THREADS as u64;
            (n, n)
        }
        // RLIMIT_CORE, MEMLOCK (Linux's default 8 MiB), the rest unlimited.
        4 => (0, RLIM_INFINITY),
        8 => (8 << 20, 8 << 20),
        _ => (RLIM_INFINITY, RLIM_INFINITY),
    }
}

pub fn prlimit64(pid: u64, resource: u64, new: u64, old: u64) -> SysResult {
    if resource >= RLIM_NLIMITS {
        return Err(EINVAL);
    }
    let own = crate::sched::current_process().map(|p| u64::from(p.pid));
    if pid != 0 && Some(pid) != own {
        let exists = u32::try_from(pid)
            .ok()
            .and_then(crate::process::get)
            .is_some();
        if !exists {
            return Err(ESRCH);
        }
    }
    if new != 0 {
        let mut raw = [0u8; 16];
        uaccess::copy_from_user(&mut raw, new)?;
        let soft = u64::from_le_bytes(raw[..8].try_into().expect("8 bytes"));
        let hard = u64::from_le_bytes(raw[8..].try_into().expect("8 bytes"));
        if soft > hard {
            return Err(EINVAL);
        }
        // The descriptor table cannot grow past MAX_FILES: raising the limit is refused.
        if resource == RLIMIT_NOFILE && hard > MAX_FILES as u64 {
            return Err(EPERM);
        }
    }
    if old != 0 {
        let (soft, hard) = limit(resource);
        let mut raw = [0u8; 16];
        raw[..8].copy_from_slice(&soft.to_le_bytes());
        raw[8..].copy_from_slice(&hard.to_le_bytes());
        uaccess::copy_to_user(old, &raw)?;
    }
    Ok(0)
}

pub fn getrlimit(resource: u64, rlim: u64) -> SysResult {
    if rlim == 0 {
        return Err(EFAULT);
    }
    prlimit64(0, resource, 0, rlim)
}

pub fn setrlimit(resource: u64, rlim: u64) -> SysResult {
    if rlim == 0 {
        return Err(EFAULT);
    }
    prlimit64(0, resource, rlim, 0)
}
