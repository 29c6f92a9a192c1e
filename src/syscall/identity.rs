//! Who a process is and what it may use: every process runs as root (uid and gid 0, no
//! supplementary groups), and the resource limits are the ones Kestrel enforces.

use super::SysResult;
use super::errno::*;
use super::uaccess::copy_to_user;

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
