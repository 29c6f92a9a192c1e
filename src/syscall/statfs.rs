//! `statfs(path, buf)` and `fstatfs(fd, buf)` (statfs(2)): a file system's type and size, what
//! `df` prints. The figures come from [`FileSystem::usage`](crate::vfs::FileSystem::usage).

use super::SysResult;
use super::files::{AT_FDCWD, file, resolve};
use super::uaccess::copy_to_user;
use crate::process::files::File;
use crate::vfs::{Follow, FsUsage};

/// `sizeof(struct statfs)` on x86_64: seven words, `f_fsid` (two ints), three words and four
/// spare words.
pub const STATFS_SIZE: usize = 120;
/// Pipes live on Linux's pipefs.
const PIPEFS_MAGIC: u64 = 0x5049_5045;
/// `ST_RDONLY`, and `ST_VALID`, which Linux sets to say `f_flags` is filled in.
const ST_RDONLY: u64 = 0x1;
const ST_VALID: u64 = 0x20;
const NAME_MAX: u64 = 255;

pub fn statfs(path: u64, buf: u64) -> SysResult {
    let at = resolve(AT_FDCWD, path, Follow::Yes)?;
    let usage = crate::rootfs::vfs().fs(at).usage();
    copy_to_user(buf, &encode(&usage, at.mount as u64))?;
    Ok(0)
}

pub fn fstatfs(fd: u64, buf: u64) -> SysResult {
    let vfs = crate::rootfs::vfs();
    let (usage, fsid) = match file(fd)? {
        File::Node(node) => (vfs.fs(node.at).usage(), node.at.mount as u64),
        // /dev/console, on the devtmpfs.
        File::Console => (
            FsUsage {
                magic: FsUsage::TMPFS_MAGIC,
                ..FsUsage::default()
            },
            0,
        ),
        File::PipeRead(_) | File::PipeWrite(_) => (
            FsUsage {
                magic: PIPEFS_MAGIC,
                ..FsUsage::default()
            },
            0,
        ),
    };
    copy_to_user(buf, &encode(&usage, fsid))?;
    Ok(0)
}

/// `struct statfs` (host-tested): every block figure in 4 KiB blocks, `f_bavail` as
/// `f_bfree` (no blocks are reserved), `f_fsid` the mount's number.
pub fn encode(usage: &FsUsage, fsid: u64) -> [u8; STATFS_SIZE] {
    let flags = ST_VALID | if usage.read_only { ST_RDONLY } else { 0 };
    let words = [
        usage.magic,
        FsUsage::BLOCK_SIZE,
        usage.blocks,
        usage.free_blocks,
        usage.free_blocks,
        usage.files,
        usage.free_files,
        fsid,
        NAME_MAX,
        FsUsage::BLOCK_SIZE,
        flags,
    ];
    let mut out = [0u8; STATFS_SIZE];
    for (slot, word) in out.chunks_exact_mut(8).zip(words) {
        slot.copy_from_slice(&word.to_le_bytes());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_layout_is_linuxs() {
        let usage = FsUsage {
            magic: FsUsage::TMPFS_MAGIC,
            blocks: 4096,
            free_blocks: 4000,
            files: 130_000,
            free_files: 129_000,
            read_only: true,
        };
        let out = encode(&usage, 2);
        let word = |i: usize| u64::from_le_bytes(out[i * 8..i * 8 + 8].try_into().unwrap());
        assert_eq!(word(0), 0x0102_1994); // f_type
        assert_eq!(word(1), 4096); // f_bsize
        assert_eq!((word(2), word(3), word(4)), (4096, 4000, 4000)); // blocks, bfree, bavail
        assert_eq!((word(5), word(6)), (130_000, 129_000)); // files, ffree
        assert_eq!(word(7), 2); // f_fsid: val[0] = 2, val[1] = 0
        assert_eq!(word(8), 255); // f_namelen
        assert_eq!(word(9), 4096); // f_frsize
        assert_eq!(word(10), ST_VALID | ST_RDONLY); // f_flags
        assert!(out[88..].iter().all(|&b| b == 0)); // f_spare
    }
}
