//! procfs: a minimal `/proc`, enough for `ps` and for programs that look at themselves.
//!
//! - `/proc/self`: a symbolic link to the calling process's directory;
//! - `/proc/PID/stat`, `status`, `cmdline` (text made at each read from the process table and
//!   the scheduler, [`format`]), and `/proc/PID/exe`, a link to the program's path;
//! - `/proc/uptime`, `/proc/meminfo`, `/proc/cpuinfo` (one entry per CPU the kernel runs on),
//!   `/proc/mounts` (the mount table, for `df` and `mount`), and for top `/proc/stat` (CPU
//!   time: processes' ticks as user time, the rest idle) and `/proc/loadavg` (no averages
//!   kept: zeros);
//! - listing `/proc` gives those files and one directory per process, zombies included.
//!
//! Inode numbers encode what a node is ([`Node`]), so nothing is stored: a directory of a
//! process that has been reaped answers `ENOENT` from then on.

pub mod format;

use crate::process::{self, Process};
use crate::vfs::{DirEntry, FileSystem, FileType, FsError, FsUsage, InodeId, Metadata};
use alloc::sync::Arc;
use alloc::vec::Vec;
use format::{ProcInfo, USER_HZ};

/// What an inode number names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Node {
    Root,
    SelfLink,
    Uptime,
    Meminfo,
    Cpuinfo,
    Mounts,
    Stat,
    Loadavg,
    Pid(u32, PidFile),
}

/// The nodes in a process's directory (`Dir` is the directory itself).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PidFile {
    Dir,
    Stat,
    Cmdline,
    Status,
    Exe,
}

const PID_FILES: [(PidFile, &[u8]); 4] = [
    (PidFile::Cmdline, b"cmdline"),
    (PidFile::Exe, b"exe"),
    (PidFile::Stat, b"stat"),
    (PidFile::Status, b"status"),
];

const ROOT_FILES: [(Node, &[u8]); 7] = [
    (Node::Cpuinfo, b"cpuinfo"),
    (Node::Loadavg, b"loadavg"),
    (Node::Meminfo, b"meminfo"),
    (Node::Mounts, b"mounts"),
    (Node::SelfLink, b"self"),
    (Node::Stat, b"stat"),
    (Node::Uptime, b"uptime"),
];

impl Node {
    /// The inode number: 1–8 for the fixed nodes, `(pid + 1) << 8 | file` for a process's.
    pub fn ino(self) -> InodeId {
        match self {
            Node::Root => 1,
            Node::SelfLink => 2,
            Node::Uptime => 3,
            Node::Meminfo => 4,
            Node::Cpuinfo => 5,
            Node::Stat => 6,
            Node::Loadavg => 7,
            Node::Mounts => 8,
            Node::Pid(pid, file) => ((u64::from(pid) + 1) << 8) | file as u64,
        }
    }

    pub fn from_ino(ino: InodeId) -> Option<Node> {
        Some(match ino {
            1 => Node::Root,
            2 => Node::SelfLink,
            3 => Node::Uptime,
            4 => Node::Meminfo,
            5 => Node::Cpuinfo,
            6 => Node::Stat,
            7 => Node::Loadavg,
            8 => Node::Mounts,
            _ => {
                let pid = u32::try_from((ino >> 8).checked_sub(1)?).ok()?;
                let file = match ino & 0xff {
                    0 => PidFile::Dir,
                    1 => PidFile::Stat,
                    2 => PidFile::Cmdline,
                    3 => PidFile::Status,
                    4 => PidFile::Exe,
                    _ => return None,
                };
                Node::Pid(pid, file)
            }
        })
    }
}

/// A decimal pid as a name (`b"42"`), into `buf`.
fn pid_name(pid: u32, buf: &mut [u8; 10]) -> &[u8] {
    let mut n = pid;
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            return &buf[i..];
        }
    }
}

fn parse_pid(name: &[u8]) -> Option<u32> {
    if name.is_empty() || name.len() > 10 || (name[0] == b'0' && name.len() > 1) {
        return None;
    }
    core::str::from_utf8(name).ok()?.parse().ok()
}

/// The `/proc` file system.
pub struct Procfs;

fn live(pid: u32) -> Result<Arc<Process>, FsError> {
    process::get(pid).ok_or(FsError::NotFound)
}

fn kernel_ticks_to_user_hz(ticks: u64) -> u64 {
    let nanos = crate::time::tick_period().as_nanos() as u64;
    ticks.saturating_mul(nanos) / (1_000_000_000 / USER_HZ)
}

/// A snapshot of process `p` for [`format`].
fn info(p: &Process) -> ProcInfo {
    let threads: Vec<_> = crate::sched::threads()
        .into_iter()
        .filter(|t| t.pid == Some(p.pid) && t.state != crate::sched::State::Dead)
        .collect();
    let state = if p.exit_status().is_some() || threads.is_empty() {
        'Z'
    } else if p.job.is_stopped() {
        'T'
    } else if threads.iter().any(|t| {
        matches!(
            t.state,
            crate::sched::State::Running | crate::sched::State::Ready
        )
    }) {
        'R'
    } else {
        'S'
    };
    let (vsize, rss) = {
        let memory = p.memory.lock();
        let vsize = memory.vmas.iter().map(|v| v.end - v.start).sum();
        (vsize, memory.resident_pages)
    };
    let ticks: u64 = threads.iter().map(|t| t.ticks).sum();
    ProcInfo {
        pid: p.pid,
        ppid: p.parent(),
        pgrp: p.pgid(),
        session: p.sid(),
        comm: p.name(),
        state,
        tty_nr: (5 << 8) | 1,
        tpgid: process::tty::foreground().map_or(-1, i64::from),
        utime: kernel_ticks_to_user_hz(ticks),
        start_time: kernel_ticks_to_user_hz(p.start_tick),
        threads: threads.len().max(1) as u32,
        vsize,
        rss,
    }
}

/// Threads of live processes: all of them, and those running or ready.
fn process_threads() -> (Vec<crate::sched::ThreadInfo>, usize) {
    let threads: Vec<_> = crate::sched::threads()
        .into_iter()
        .filter(|t| t.pid.is_some() && t.state != crate::sched::State::Dead)
        .collect();
    let running = threads
        .iter()
        .filter(|t| {
            matches!(
                t.state,
                crate::sched::State::Running | crate::sched::State::Ready
            )
        })
        .count();
    (threads, running)
}

fn cpu_stat() -> Vec<u8> {
    let (threads, running) = process_threads();
    let user = kernel_ticks_to_user_hz(threads.iter().map(|t| t.ticks).sum());
    let cpus = u64::from(crate::smp::online_count().max(1));
    let elapsed = kernel_ticks_to_user_hz(crate::time::ticks()).saturating_mul(cpus);
    let idle = elapsed.saturating_sub(user);
    format::cpu_stat(user, idle, process::list().len(), running).into_bytes()
}

fn loadavg() -> Vec<u8> {
    let (threads, running) = process_threads();
    let last_pid = process::list().iter().map(|p| p.pid).max().unwrap_or(0);
    format::loadavg(running, threads.len(), last_pid).into_bytes()
}

fn cpuinfo() -> Vec<u8> {
    let (vendor, brand) = (crate::arch::cpuid::vendor(), crate::arch::cpuid::brand());
    let khz = crate::time::tsc::frequency_khz().unwrap_or(0);
    alloc::format!(
        "processor\t: 0\nvendor_id\t: {}\nmodel name\t: {}\ncpu MHz\t\t: {}.{:03}\n\
         cpu cores\t: 1\n\n",
        alloc::string::String::from_utf8_lossy(&vendor),
        alloc::string::String::from_utf8_lossy(&brand)
            .trim_matches(|c: char| c == '\0' || c == ' '),
        khz / 1000,
        khz % 1000
    )
    .into_bytes()
}

/// One line per mount, as Linux's /proc/mounts: device, mount point, type, options, 0 0.
fn mounts() -> Vec<u8> {
    let vfs = crate::rootfs::vfs();
    let mut out = Vec::new();
    for (fs, mountpoint) in vfs.mounts() {
        let name = fs.name();
        let path = match mountpoint {
            None => alloc::vec![b'/'],
            Some(at) => vfs.path_of(at).unwrap_or_else(|_| b"?".to_vec()),
        };
        let mode = if fs.usage().read_only { "ro" } else { "rw" };
        out.extend_from_slice(name.as_bytes());
        out.push(b' ');
        out.extend_from_slice(&path);
        out.extend_from_slice(alloc::format!(" {name} {mode} 0 0\n").as_bytes());
    }
    out
}

impl Procfs {
    /// The bytes of a file node.
    fn content(&self, node: Node) -> Result<Vec<u8>, FsError> {
        Ok(match node {
            Node::Uptime => {
                let ms = crate::time::uptime().as_millis() as u64;
                format::uptime(ms, 0).into_bytes()
            }
            Node::Meminfo => {
                let stats = crate::memory::frames::stats();
                format::meminfo(stats.total, stats.free).into_bytes()
            }
            Node::Cpuinfo => cpuinfo(),
            Node::Mounts => mounts(),
            Node::Stat => cpu_stat(),
            Node::Loadavg => loadavg(),
            Node::Pid(pid, PidFile::Stat) => format::stat(&info(&*live(pid)?)).into_bytes(),
            Node::Pid(pid, PidFile::Status) => format::status(&info(&*live(pid)?)).into_bytes(),
            Node::Pid(pid, PidFile::Cmdline) => live(pid)?.cmdline.lock().clone(),
            Node::Root | Node::Pid(_, PidFile::Dir) => return Err(FsError::IsADirectory),
            Node::SelfLink | Node::Pid(_, PidFile::Exe) => return Err(FsError::InvalidArgument),
        })
    }

    fn node(ino: InodeId) -> Result<Node, FsError> {
        let node = Node::from_ino(ino).ok_or(FsError::Stale)?;
        if let Node::Pid(pid, _) = node {
            live(pid)?;
        }
        Ok(node)
    }
}

fn self_target() -> Result<Vec<u8>, FsError> {
    let pid = crate::sched::current_process()
        .ok_or(FsError::NotFound)?
        .pid;
    let mut buf = [0u8; 10];
    Ok(pid_name(pid, &mut buf).to_vec())
}

impl FileSystem for Procfs {
    fn name(&self) -> &str {
        "proc"
    }

    fn usage(&self) -> FsUsage {
        FsUsage {
            magic: FsUsage::PROC_SUPER_MAGIC,
            ..FsUsage::default()
        }
    }

    fn root(&self) -> InodeId {
        Node::Root.ino()
    }

    fn metadata(&self, ino: InodeId) -> Result<Metadata, FsError> {
        let node = Self::node(ino)?;
        let (file_type, permissions, nlink, size) = match node {
            Node::Root => (FileType::Directory, 0o555, 2, 0),
            Node::Pid(_, PidFile::Dir) => (FileType::Directory, 0o555, 2, 0),
            Node::SelfLink => (
                FileType::Symlink,
                0o777,
                1,
                self_target().map_or(0, |t| t.len() as u64),
            ),
            Node::Pid(pid, PidFile::Exe) => (
                FileType::Symlink,
                0o777,
                1,
                live(pid)?.exe.lock().len() as u64,
            ),
            // Size 0, as on Linux: the text is made when read.
            _ => (FileType::Regular, 0o444, 1, 0),
        };
        Ok(Metadata {
            ino,
            file_type,
            permissions,
            uid: 0,
            gid: 0,
            size,
            nlink,
            mtime: 0,
            rdev: (0, 0),
        })
    }

    fn lookup(&self, dir: InodeId, name: &[u8]) -> Result<InodeId, FsError> {
        match Self::node(dir)? {
            Node::Root => match name {
                b"." | b".." => Ok(dir),
                _ => {
                    if let Some((node, _)) = ROOT_FILES.iter().find(|(_, n)| *n == name) {
                        return Ok(node.ino());
                    }
                    let pid = parse_pid(name).ok_or(FsError::NotFound)?;
                    live(pid)?;
                    Ok(Node::Pid(pid, PidFile::Dir).ino())
                }
            },
            Node::Pid(pid, PidFile::Dir) => match name {
                b"." => Ok(dir),
                b".." => Ok(Node::Root.ino()),
                _ => PID_FILES
                    .iter()
                    .find(|(_, n)| *n == name)
                    .map(|(file, _)| Node::Pid(pid, *file).ino())
                    .ok_or(FsError::NotFound),
            },
            _ => Err(FsError::NotADirectory),
        }
    }

    fn read(&self, ino: InodeId, offset: u64, buf: &mut [u8]) -> Result<usize, FsError> {
        let content = self.content(Self::node(ino)?)?;
        Ok(format::read_at(&content, offset, buf))
    }

    fn read_link(&self, ino: InodeId, out: &mut Vec<u8>) -> Result<(), FsError> {
        match Self::node(ino)? {
            Node::SelfLink => out.extend_from_slice(&self_target()?),
            Node::Pid(pid, PidFile::Exe) => out.extend_from_slice(&live(pid)?.exe.lock()),
            _ => return Err(FsError::InvalidArgument),
        }
        Ok(())
    }

    fn read_dir(
        &self,
        dir: InodeId,
        start: usize,
        emit: &mut dyn FnMut(DirEntry<'_>) -> bool,
    ) -> Result<usize, FsError> {
        let mut position = start;
        match Self::node(dir)? {
            Node::Root => {
                for (node, name) in ROOT_FILES.iter().skip(start) {
                    let file_type = if *node == Node::SelfLink {
                        FileType::Symlink
                    } else {
                        FileType::Regular
                    };
                    if !emit(DirEntry {
                        name,
                        ino: node.ino(),
                        file_type,
                    }) {
                        return Ok(position);
                    }
                    position += 1;
                }
                let pids: Vec<u32> = process::list().iter().map(|p| p.pid).collect();
                let skip = start.saturating_sub(ROOT_FILES.len());
                for pid in pids.into_iter().skip(skip) {
                    let mut buf = [0u8; 10];
                    if !emit(DirEntry {
                        name: pid_name(pid, &mut buf),
                        ino: Node::Pid(pid, PidFile::Dir).ino(),
                        file_type: FileType::Directory,
                    }) {
                        break;
                    }
                    position += 1;
                }
            }
            Node::Pid(pid, PidFile::Dir) => {
                for (file, name) in PID_FILES.iter().skip(start) {
                    let file_type = if *file == PidFile::Exe {
                        FileType::Symlink
                    } else {
                        FileType::Regular
                    };
                    if !emit(DirEntry {
                        name,
                        ino: Node::Pid(pid, *file).ino(),
                        file_type,
                    }) {
                        break;
                    }
                    position += 1;
                }
            }
            _ => return Err(FsError::NotADirectory),
        }
        Ok(position)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inode_numbers_round_trip() {
        for node in [
            Node::Root,
            Node::SelfLink,
            Node::Uptime,
            Node::Meminfo,
            Node::Cpuinfo,
            Node::Mounts,
            Node::Stat,
            Node::Loadavg,
            Node::Pid(0, PidFile::Dir),
            Node::Pid(1, PidFile::Stat),
            Node::Pid(u32::MAX - 1, PidFile::Exe),
            Node::Pid(42, PidFile::Cmdline),
            Node::Pid(42, PidFile::Status),
        ] {
            assert_eq!(Node::from_ino(node.ino()), Some(node), "{node:?}");
        }
        assert_eq!(Node::from_ino(0), None);
        assert_eq!(Node::from_ino(9), None);
        assert_eq!(Node::from_ino((8 << 8) | 9), None);
    }

    #[test]
    fn pid_names() {
        let mut buf = [0u8; 10];
        assert_eq!(pid_name(0, &mut buf), b"0");
        assert_eq!(pid_name(4_294_967_295, &mut buf), b"4294967295");
        assert_eq!(parse_pid(b"17"), Some(17));
        for bad in [&b""[..], b"017", b"self", b"-1", b"99999999999", b"1a"] {
            assert_eq!(parse_pid(bad), None);
        }
    }
}
