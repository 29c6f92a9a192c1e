//! Who a process is and what it may use: every process runs as root (uid and gid 0, no
//! supplementary groups), and the resource limits are the ones Kestrel enforces.

use super::SysResult;
use super::errno::*;
use super::uaccess::{copy_from_user, copy_to_user};

/// `getresuid(ruid, euid, suid)` and `getresgid`: all three are 0.
pub fn getres(real: u64, effective: u64, saved: u64) -> SysResult {
    for addr in [real, effective, saved] {
        copy_to_user(addr, &0u32.to_le_bytes())?;
    }
    Ok(0)
}

/// `getgroups(size, list)`: no supplementary groups, so 0 whatever the size (Linux checks
/// `size` only against the count, and a negative one is `EINVAL`).
pub fn getgroups(size: u64) -> SysResult {
    if (size as i32) < 0 {
        return Err(EINVAL);
    }
    Ok(0)
}

/// `setuid`, `setgid`, `setreuid`, `setresuid`, ... and `setgroups`: the identity can only
/// stay root. An id of 0 or `-1` (unchanged) succeeds; any other is `EPERM`, since Kestrel
/// has no other users to become (known gap).
pub fn set_ids(ids: &[u64]) -> SysResult {
    if ids
        .iter()
        .all(|&id| id as u32 == 0 || id as u32 == u32::MAX)
    {
        Ok(0)
    } else {
        Err(EPERM)
    }
}

pub fn setgroups(size: u64, _list: u64) -> SysResult {
    if size == 0 { Ok(0) } else { Err(EPERM) }
}

const RLIM_INFINITY: u64 = u64::MAX;
const RLIMIT_CORE: u64 = 4;
const RLIMIT_STACK: u64 = 3;
const RLIMIT_NOFILE: u64 = 7;
const RLIMIT_NLIMITS: u64 = 16;

/// The (soft, hard) limit of `resource` as Kestrel enforces it.
fn limit(resource: u64) -> (u64, u64) {
    match resource {
        RLIMIT_STACK => (crate::process::memory::STACK_SIZE, RLIM_INFINITY),
        RLIMIT_NOFILE => {
            let files = crate::process::files::MAX_FILES as u64;
            (files, files)
        }
        RLIMIT_CORE => (0, RLIM_INFINITY),
        _ => (RLIM_INFINITY, RLIM_INFINITY),
    }
}

/// `prlimit64(pid, resource, new, old)`: the old limit is what Kestrel enforces; a new one is
/// checked (soft at most hard, `EINVAL`; raising NOFILE above [`MAX_FILES`], `EPERM`) and
/// then not recorded (known gap: lowering a limit does not take effect). `pid` 0 is the
/// caller; any other process has the same limits, and a missing one is `ESRCH`.
///
/// [`MAX_FILES`]: crate::process::files::MAX_FILES
pub fn prlimit64(pid: u64, resource: u64, new: u64, old: u64) -> SysResult {
    let pid = pid as i32;
    if pid < 0 {
        return Err(EINVAL);
    }
    if pid != 0 && crate::process::get(pid as u32).is_none() {
        return Err(ESRCH);
    }
    if resource >= RLIMIT_NLIMITS {
        return Err(EINVAL);
    }
    if new != 0 {
        let mut raw = [0u8; 16];
        copy_from_user(&mut raw, new)?;
        let soft = u64::from_le_bytes(raw[..8].try_into().expect("8 bytes"));
        let hard = u64::from_le_bytes(raw[8..].try_into().expect("8 bytes"));
        if soft > hard {
            return Err(EINVAL);
        }
        if resource == RLIMIT_NOFILE && hard > limit(RLIMIT_NOFILE).1 {
            return Err(EPERM);
        }
    }
    if old != 0 {
        let (soft, hard) = limit(resource);
        let mut raw = [0u8; 16];
        raw[..8].copy_from_slice(&soft.to_le_bytes());
        raw[8..].copy_from_slice(&hard.to_le_bytes());
        copy_to_user(old, &raw)?;
    }
    Ok(0)
}

/// `getrlimit(resource, old)`: unlike prlimit64's, its pointer is not optional (NULL is
/// `EFAULT`, as on Linux).
pub fn getrlimit(resource: u64, old: u64) -> SysResult {
    if old == 0 {
        return Err(EFAULT);
    }
    prlimit64(0, resource, 0, old)
}

pub fn setrlimit(resource: u64, new: u64) -> SysResult {
    if new == 0 {
        return Err(EFAULT);
    }
    prlimit64(0, resource, new, 0)
}
