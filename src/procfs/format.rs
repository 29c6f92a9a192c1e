//! The text of `/proc` files, from plain snapshots (host-tested): `/proc/PID/stat` with the 52
//! fields of proc(5) in their order, `/proc/PID/status`, `/proc/PID/cmdline`, `/proc/uptime`,
//! `/proc/meminfo`. Times are in clock ticks of `USER_HZ` (100 a second), as Linux reports them
//! and as `sysconf(_SC_CLK_TCK)` tells programs.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

/// `USER_HZ`: the clock-tick unit of `/proc` times.
pub const USER_HZ: u64 = 100;
/// `TASK_COMM_LEN` less the NUL: the longest `comm` Linux shows.
const COMM_MAX: usize = 15;

/// What `/proc/PID/*` shows of one process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcInfo {
    pub pid: u32,
    pub ppid: u32,
    pub pgrp: u32,
    pub session: u32,
    /// The program name (`comm`), cut to 15 bytes.
    pub comm: String,
    /// `R` running or ready, `S` sleeping, `Z` zombie.
    pub state: char,
    /// `tty_nr` (the console, 5:1, encoded as Linux's `new_encode_dev`), or 0.
    pub tty_nr: u32,
    /// The terminal's foreground process group, or -1.
    pub tpgid: i64,
    /// CPU time in `USER_HZ` ticks.
    pub utime: u64,
    /// Start time after boot, in `USER_HZ` ticks.
    pub start_time: u64,
    pub threads: u32,
    /// Bytes of address space (the sum of the mappings).
    pub vsize: u64,
    /// Resident pages.
    pub rss: u64,
}

impl ProcInfo {
    fn comm(&self) -> &str {
        let mut end = self.comm.len().min(COMM_MAX);
        while !self.comm.is_char_boundary(end) {
            end -= 1;
        }
        &self.comm[..end]
    }

    fn state_word(&self) -> &'static str {
        match self.state {
            'R' => "R (running)",
            'Z' => "Z (zombie)",
            'T' => "T (stopped)",
            _ => "S (sleeping)",
        }
    }
}

/// `/proc/PID/stat`: one line, fields as proc(5) lists them (busybox `ps` and procps read
/// them by position after the last `)`).
pub fn stat(p: &ProcInfo) -> String {
    // flags minflt cminflt majflt cmajflt, utime stime cutime cstime,
    // priority nice num_threads itrealvalue starttime.
    let fields: [u64; 14] = [
        0,
        0,
        0,
        0,
        0,
        p.utime,
        0,
        0,
        0,
        20,
        0,
        p.threads as u64,
        0,
        p.start_time,
    ];
    let mut line = format!(
        "{} ({}) {} {} {} {} {} {}",
        p.pid,
        p.comm(),
        p.state,
        p.ppid,
        p.pgrp,
        p.session,
        p.tty_nr,
        p.tpgid
    );
    for f in fields {
        line.push_str(&format!(" {f}"));
    }
    // vsize rss rsslim startcode endcode startstack kstkesp kstkeip signal blocked sigignore
    // sigcatch wchan nswap cnswap exit_signal processor rt_priority policy
    // delayacct_blkio_ticks guest_time cguest_time start_data end_data start_brk arg_start
    // arg_end env_start env_end exit_code
    line.push_str(&format!(
        " {} {} 18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n",
        p.vsize, p.rss
    ));
    line
}

/// `/proc/PID/status`: the fields programs commonly read.
pub fn status(p: &ProcInfo) -> String {
    format!(
        "Name:\t{}\nUmask:\t0022\nState:\t{}\nTgid:\t{pid}\nNgid:\t0\nPid:\t{pid}\nPPid:\t{}\n\
         TracerPid:\t0\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nFDSize:\t64\nGroups:\t\n\
         VmSize:\t{:>8} kB\nVmRSS:\t{:>8} kB\nThreads:\t{}\n",
        p.comm(),
        p.state_word(),
        p.ppid,
        p.vsize / 1024,
        p.rss * 4,
        p.threads,
        pid = p.pid,
    )
}

/// `/proc/PID/cmdline`: the arguments, each ended by a NUL.
pub fn cmdline(argv: &[Vec<u8>]) -> Vec<u8> {
    let mut out = Vec::new();
    for arg in argv {
        out.extend_from_slice(arg);
        out.push(0);
    }
    out
}

/// `/proc/uptime`: seconds since boot and idle seconds, two decimals each.
pub fn uptime(uptime_ms: u64, idle_ms: u64) -> String {
    format!(
        "{}.{:02} {}.{:02}\n",
        uptime_ms / 1000,
        uptime_ms % 1000 / 10,
        idle_ms / 1000,
        idle_ms % 1000 / 10
    )
}

/// `/proc/stat` (proc(5)): the CPU time line top reads (user, nice, system, idle, then six
/// zero columns Kestrel does not count, in `USER_HZ` ticks, summed over the CPUs) and the
/// process counts.
pub fn cpu_stat(user: u64, idle: u64, processes: usize, running: usize) -> String {
    format!(
        "cpu  {user} 0 0 {idle} 0 0 0 0 0 0\nintr 0\nctxt 0\nbtime 0\nprocesses {processes}\n\
         procs_running {running}\nprocs_blocked 0\n"
    )
}

/// `/proc/loadavg`: no load average is kept, so the three averages read 0.00; then running and
/// all threads of processes, and the newest pid.
pub fn loadavg(running: usize, threads: usize, last_pid: u32) -> String {
    format!("0.00 0.00 0.00 {running}/{threads} {last_pid}\n")
}

/// `/proc/meminfo` from frame counts (4 KiB frames).
pub fn meminfo(total_frames: u64, free_frames: u64) -> String {
    let (total, free) = (total_frames * 4, free_frames * 4);
    format!(
        "MemTotal:       {total:>8} kB\nMemFree:        {free:>8} kB\n\
         MemAvailable:   {free:>8} kB\nBuffers:               0 kB\n\
         Cached:                0 kB\nSwapTotal:             0 kB\nSwapFree:              0 kB\n"
    )
}

/// The slice of `content` a read at `offset` into `buf` gets; returns how many bytes.
pub fn read_at(content: &[u8], offset: u64, buf: &mut [u8]) -> usize {
    let start = usize::try_from(offset)
        .unwrap_or(usize::MAX)
        .min(content.len());
    let n = buf.len().min(content.len() - start);
    buf[..n].copy_from_slice(&content[start..start + n]);
    n
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    fn sample() -> ProcInfo {
        ProcInfo {
            pid: 7,
            ppid: 1,
            pgrp: 7,
            session: 1,
            comm: "a very long program name".to_string(),
            state: 'S',
            tty_nr: (5 << 8) | 1,
            tpgid: -1,
            utime: 42,
            start_time: 300,
            threads: 2,
            vsize: 8 << 20,
            rss: 12,
        }
    }

    #[test]
    fn stat_has_the_52_fields_of_proc5_in_order() {
        let line = stat(&sample());
        assert!(line.ends_with('\n'));
        assert!(line.starts_with("7 (a very long pro) S 1 7 1 1281 -1 "));
        let after = &line[line.rfind(')').unwrap() + 2..];
        let fields: Vec<&str> = after.split_whitespace().collect();
        // Field numbers of proc(5), counted from 1 at pid; `after` starts at field 3.
        let field = |n: usize| fields[n - 3];
        assert_eq!(fields.len() + 2, 52);
        assert_eq!(field(3), "S");
        assert_eq!(field(4), "1", "ppid");
        assert_eq!(field(14), "42", "utime");
        assert_eq!(field(18), "20", "priority");
        assert_eq!(field(19), "0", "nice");
        assert_eq!(field(20), "2", "num_threads");
        assert_eq!(field(22), "300", "starttime");
        assert_eq!(field(23), "8388608", "vsize");
        assert_eq!(field(24), "12", "rss");
        assert_eq!(field(38), "17", "exit_signal");
    }

    #[test]
    fn status_cmdline_uptime_meminfo() {
        let s = status(&sample());
        assert!(s.contains("Name:\ta very long pro\n"));
        assert!(s.contains("State:\tS (sleeping)\n"));
        assert!(s.contains("Pid:\t7\nPPid:\t1\n"));
        assert!(s.contains("VmRSS:\t      48 kB\n"));
        assert_eq!(
            cmdline(&[b"/bin/ps".to_vec(), b"-o".to_vec()]),
            b"/bin/ps\0-o\0"
        );
        assert_eq!(uptime(12_345, 10_009), "12.34 10.00\n");
        assert!(
            meminfo(100, 40)
                .starts_with("MemTotal:            400 kB\nMemFree:             160 kB\n")
        );
        let stat = cpu_stat(120, 880, 3, 1);
        assert!(stat.starts_with("cpu  120 0 0 880 0 0 0 0 0 0\n"));
        assert!(stat.contains("\nprocesses 3\nprocs_running 1\n"));
        assert_eq!(loadavg(1, 4, 9), "0.00 0.00 0.00 1/4 9\n");
        let mut buf = [0u8; 4];
        assert_eq!(read_at(b"abcdef", 4, &mut buf), 2);
        assert_eq!(&buf[..2], b"ef");
        assert_eq!(read_at(b"abc", u64::MAX, &mut buf), 0);
    }
}
