//! `statx(dirfd, path, flags, mask, buf)` (`statx(2)`): the same facts as `newfstatat`, in
//! `struct statx`. The answer is built from the `struct stat` bytes (one source for both), so
//! it says the basic fields (`STATX_BASIC_STATS`) whatever `mask` asks, as Linux may; there is
//! no birth time, and no attribute is known.

use super::SysResult;
use super::errno::*;
use super::files::{AT_EMPTY_PATH, AT_NO_AUTOMOUNT, AT_SYMLINK_NOFOLLOW, path_stat};
use super::uaccess::copy_to_user;

/// TYPE, MODE, NLINK, UID, GID, ATIME, MTIME, CTIME, INO, SIZE, BLOCKS.
const STATX_BASIC_STATS: u32 = 0x7ff;
const STATX_RESERVED: u64 = 0x8000_0000;
/// `AT_STATX_FORCE_SYNC` and `AT_STATX_DONT_SYNC`: one of the two sync modes, or neither.
const AT_STATX_SYNC_TYPE: u64 = 0x6000;
pub const STATX_SIZE: usize = 256;

pub fn statx(dirfd: i64, path: u64, flags: u64, mask: u64, buf: u64) -> SysResult {
    let known = AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT | AT_STATX_SYNC_TYPE;
    if flags & !known != 0 || flags & AT_STATX_SYNC_TYPE == AT_STATX_SYNC_TYPE {
        return Err(EINVAL);
    }
    if mask & STATX_RESERVED != 0 {
        return Err(EINVAL);
    }
    let stat = path_stat(dirfd, path, flags & !(AT_STATX_SYNC_TYPE | AT_NO_AUTOMOUNT))?;
    copy_to_user(buf, &from_stat(&stat))?;
    Ok(0)
}

/// `struct statx` from x86_64's `struct stat` (host-tested).
pub fn from_stat(stat: &[u8; 144]) -> [u8; STATX_SIZE] {
    let u64_at = |i: usize| u64::from_le_bytes(stat[i..i + 8].try_into().expect("8 bytes"));
    let u32_at = |i: usize| u32::from_le_bytes(stat[i..i + 4].try_into().expect("4 bytes"));
    let mut out = [0u8; STATX_SIZE];
    let mut put = |i: usize, bytes: &[u8]| out[i..i + bytes.len()].copy_from_slice(bytes);
    let (dev, rdev) = (u64_at(0), u64_at(40));
    put(0, &STATX_BASIC_STATS.to_le_bytes());
    put(4, &(u64_at(56) as u32).to_le_bytes()); // blksize
    put(16, &(u64_at(16) as u32).to_le_bytes()); // nlink
    put(20, &u32_at(28).to_le_bytes()); // uid
    put(24, &u32_at(32).to_le_bytes()); // gid
    put(28, &(u32_at(24) as u16).to_le_bytes()); // mode
    put(32, &u64_at(8).to_le_bytes()); // ino
    put(40, &u64_at(48).to_le_bytes()); // size
    put(48, &u64_at(64).to_le_bytes()); // blocks
    // atime, (no btime), ctime, mtime: seconds and nanoseconds.
    for (to, from) in [(64, 72), (96, 104), (112, 88)] {
        put(to, &u64_at(from).to_le_bytes());
        put(to + 8, &(u64_at(from + 8) as u32).to_le_bytes());
    }
    // Device numbers in the old encoding (major << 8 | minor, for small numbers).
    put(128, &((rdev >> 8) as u32).to_le_bytes());
    put(132, &((rdev & 0xff) as u32).to_le_bytes());
    put(136, &((dev >> 8) as u32).to_le_bytes());
    put(140, &((dev & 0xff) as u32).to_le_bytes());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_lands_where_statx_has_it() {
        let mut stat = [0u8; 144];
        let mut put = |i: usize, bytes: &[u8]| stat[i..i + bytes.len()].copy_from_slice(bytes);
        put(0, &2u64.to_le_bytes()); // dev (0, 2)
        put(8, &77u64.to_le_bytes()); // ino
        put(16, &3u64.to_le_bytes()); // nlink
        put(24, &0o100_644u32.to_le_bytes()); // mode
        put(28, &1000u32.to_le_bytes()); // uid
        put(32, &100u32.to_le_bytes()); // gid
        put(40, &((5u64 << 8) | 1).to_le_bytes()); // rdev (5, 1)
        put(48, &12345u64.to_le_bytes()); // size
        put(56, &4096u64.to_le_bytes()); // blksize
        put(64, &25u64.to_le_bytes()); // blocks
        put(72, &111u64.to_le_bytes()); // atime
        put(88, &222u64.to_le_bytes()); // mtime
        put(96, &9u64.to_le_bytes()); // mtime nsec
        put(104, &333u64.to_le_bytes()); // ctime
        let x = from_stat(&stat);
        let u32_at = |i: usize| u32::from_le_bytes(x[i..i + 4].try_into().unwrap());
        let u64_at = |i: usize| u64::from_le_bytes(x[i..i + 8].try_into().unwrap());
        assert_eq!(u32_at(0), STATX_BASIC_STATS);
        assert_eq!(
            (u32_at(4), u32_at(16), u32_at(20), u32_at(24)),
            (4096, 3, 1000, 100)
        );
        assert_eq!(u16::from_le_bytes([x[28], x[29]]), 0o100_644);
        assert_eq!((u64_at(32), u64_at(40), u64_at(48)), (77, 12345, 25));
        assert_eq!((u64_at(64), u64_at(80), u64_at(96)), (111, 0, 333));
        assert_eq!((u64_at(112), u32_at(120)), (222, 9));
        assert_eq!((u32_at(128), u32_at(132)), (5, 1));
        assert_eq!((u32_at(136), u32_at(140)), (0, 2));
        assert!(x[144..].iter().all(|&b| b == 0));
    }
}
