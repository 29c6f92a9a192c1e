//! Process calls: identity, exit_group, fork, execve, wait, kill, yield, TLS.

use super::SysResult;
use super::errno::*;
use super::uaccess;
use crate::arch::user_mode;
use crate::process::layout::USER_END;
use crate::process::{self as proc, WaitError};
use crate::sched;

fn current() -> Result<alloc::sync::Arc<proc::Process>, Errno> {
    sched::current_process().ok_or(EPERM)
}

pub fn getpid() -> SysResult {
    sched::with_current_process(|p| p.map(|p| u64::from(p.pid)).ok_or(EPERM))
}

pub fn getppid() -> SysResult {
    Ok(u64::from(current()?.parent()))
}

pub fn exit(code: u64) -> SysResult {
    proc::exit_current(((code & 0xff) as i32) << 8)
}

const WNOHANG: u64 = 1;
/// wait4's `WUNTRACED`, waitid's `WSTOPPED`: report stopped children.
const WUNTRACED: u64 = 2;
const WEXITED: u64 = 4;
const WCONTINUED: u64 = 8;
const WNOWAIT: u64 = 0x0100_0000;
/// __WNOTHREAD, __WALL and __WCLONE choose among threads, and every child is a process.
const THREAD_CHOICES: u64 = 0x2000_0000 | 0x4000_0000 | 0x8000_0000;

/// `struct rusage`: two timevals and 14 longs.
const RUSAGE_SIZE: usize = 144;

pub fn wait4(pid: i64, status: u64, options: u64, rusage: u64) -> SysResult {
    let process = current()?;
    if options & !(WNOHANG | WUNTRACED | WCONTINUED | THREAD_CHOICES) != 0 {
        return Err(EINVAL);
    }
    if status != 0 {
        uaccess::check_writable(status, 4)?;
    }
    // Linux's pid argument (-1 any, 0 own group, < -1 that group): `process::wait` knows it.
    if pid == i64::MIN {
        return Err(ESRCH);
    }
    if rusage != 0 {
        uaccess::check_writable(rusage, RUSAGE_SIZE as u64)?;
    }
    let choice = proc::WaitFor {
        exited: true,
        stopped: options & WUNTRACED != 0,
        continued: options & WCONTINUED != 0,
        no_hang: options & WNOHANG != 0,
        no_wait: false,
    };
    match proc::wait_for(process.pid, pid, choice) {
        Ok(reaped) => {
            if status != 0 {
                uaccess::write_i32(status, reaped.status)?;
            }
            write_rusage(rusage)?;
            Ok(u64::from(reaped.pid))
        }
        Err(WaitError::NoChild) => Err(ECHILD),
        Err(WaitError::WouldBlock) => Ok(0),
        Err(WaitError::Interrupted) => Err(ERESTARTSYS),
    }
}

fn write_rusage(rusage: u64) -> Result<(), Errno> {
    if rusage != 0 {
        // Known gap: no usage is accounted per child yet; every field reads 0.
        uaccess::copy_to_user(rusage, &[0; RUSAGE_SIZE])?;
    }
    Ok(())
}

/// waitid's `idtype` (Linux `uapi/linux/wait.h`).
const P_ALL: u64 = 0;
const P_PID: u64 = 1;
const P_PGID: u64 = 2;

/// The part of `siginfo_t` waitid fills: signo, errno, code, then pid, uid, status.
const WAITID_INFO: usize = 28;

/// `waitid(idtype, id, infop, options, rusage)` (waitid(2)): `WEXITED`, `WSTOPPED` and
/// `WCONTINUED` choose what to wait for; `infop` gets SIGCHLD with `CLD_EXITED`,
/// `CLD_KILLED`, `CLD_DUMPED`, `CLD_STOPPED` or `CLD_CONTINUED`, or zeros for `WNOHANG`
/// when no child changed.
pub fn waitid(idtype: u64, id: u64, infop: u64, options: u64, rusage: u64) -> SysResult {
    use crate::process::signal::{self, code, jobctl};
    let process = current()?;
    let valid = WNOHANG | WUNTRACED | WEXITED | WCONTINUED | WNOWAIT | THREAD_CHOICES;
    if options & !valid != 0 || options & (WUNTRACED | WEXITED | WCONTINUED) == 0 {
        return Err(EINVAL);
    }
    let id = id as u32;
    let pid = match idtype {
        P_ALL => -1,
        P_PID if id > 0 && id <= i32::MAX as u32 => i64::from(id),
        P_PGID if id == 0 => 0,
        P_PGID if id <= i32::MAX as u32 => -i64::from(id),
        _ => return Err(EINVAL),
    };
    if infop != 0 {
        uaccess::check_writable(infop, WAITID_INFO as u64)?;
    }
    if rusage != 0 {
        uaccess::check_writable(rusage, RUSAGE_SIZE as u64)?;
    }
    let choice = proc::WaitFor {
        exited: options & WEXITED != 0,
        stopped: options & WUNTRACED != 0,
        continued: options & WCONTINUED != 0,
        no_hang: options & WNOHANG != 0,
        no_wait: options & WNOWAIT != 0,
    };
    let info = match proc::wait_for(process.pid, pid, choice) {
        Ok(reaped) => {
            let status = reaped.status;
            let (code, value) = if status == jobctl::CONTINUED_STATUS {
                (code::CLD_CONTINUED, signal::SIGCONT as i32)
            } else {
                match (status & 0x7f, status & 0x80) {
                    (0, _) => (code::CLD_EXITED, (status >> 8) & 0xff),
                    (0x7f, _) => (code::CLD_STOPPED, (status >> 8) & 0xff),
                    (sig, 0) => (code::CLD_KILLED, sig),
                    (sig, _) => (code::CLD_DUMPED, sig),
                }
            };
            signal::SigInfo::child(code, reaped.pid, value).to_bytes()
        }
        Err(WaitError::NoChild) => return Err(ECHILD),
        Err(WaitError::WouldBlock) => [0; signal::SIGINFO_SIZE],
        Err(WaitError::Interrupted) => return Err(ERESTARTSYS),
    };
    if infop != 0 {
        uaccess::copy_to_user(infop, &info[..WAITID_INFO])?;
    }
    write_rusage(rusage)?;
    Ok(0)
}

pub fn sched_yield() -> SysResult {
    sched::yield_now();
    Ok(0)
}

const PR_SET_NAME: u64 = 15;
const PR_GET_NAME: u64 = 16;
/// `comm`'s size on Linux (`TASK_COMM_LEN`), the terminating NUL included.
const COMM_LEN: usize = 16;

/// `prctl(option, arg2, ...)`: PR_SET_NAME and PR_GET_NAME (the name `ps` shows, at most 15
/// bytes); other options are `EINVAL`, as for an option Linux does not know.
pub fn prctl(option: u64, arg2: u64) -> SysResult {
    let process = current()?;
    match option {
        PR_SET_NAME => {
            let mut name = [0u8; COMM_LEN];
            // The name need not be terminated within 16 bytes: Linux takes the first 15.
            for (i, byte) in name.iter_mut().take(COMM_LEN - 1).enumerate() {
                let mut one = [0u8];
                uaccess::copy_from_user(&mut one, arg2 + i as u64)?;
                if one[0] == 0 {
                    break;
                }
                *byte = one[0];
            }
            let len = name.iter().position(|&b| b == 0).unwrap_or(COMM_LEN - 1);
            let name = alloc::string::String::from_utf8_lossy(&name[..len]).into_owned();
            sched::set_current_name(&name);
            proc::rename(&process, name);
            Ok(0)
        }
        PR_GET_NAME => {
            let mut out = [0u8; COMM_LEN];
            let name = process.name();
            let len = name.len().min(COMM_LEN - 1);
            out[..len].copy_from_slice(&name.as_bytes()[..len]);
            uaccess::copy_to_user(arg2, &out)?;
            Ok(0)
        }
        _ => Err(EINVAL),
    }
}

const ARCH_SET_FS: u64 = 0x1002;
const ARCH_GET_FS: u64 = 0x1003;

pub fn arch_prctl(code: u64, addr: u64) -> SysResult {
    match code {
        ARCH_SET_FS => {
            if addr >= USER_END {
                return Err(EPERM);
            }
            user_mode::set_fs_base(addr);
            Ok(0)
        }
        ARCH_GET_FS => {
            uaccess::write_u64(addr, user_mode::fs_base())?;
            Ok(0)
        }
        _ => Err(EINVAL),
    }
}

pub fn fork(frame: &crate::arch::syscall::SyscallFrame) -> SysResult {
    proc::fork(frame, proc::ForkOptions::default())
        .map(u64::from)
        .map_err(|err| err.errno())
}

/// The most arguments plus environment strings `execve` takes, and their total size.
const MAX_STRINGS: usize = 4096;
const MAX_STRING_BYTES: u64 = 128 * 1024;

fn read_string_array(addr: u64) -> Result<alloc::vec::Vec<alloc::vec::Vec<u8>>, Errno> {
    let mut out = alloc::vec::Vec::new();
    if addr == 0 {
        return Ok(out);
    }
    for i in 0..MAX_STRINGS as u64 {
        let pointer = uaccess::read_u64(addr + i * 8)?;
        if pointer == 0 {
            return Ok(out);
        }
        out.push(uaccess::read_user_string(pointer, MAX_STRING_BYTES)?);
    }
    Err(E2BIG)
}

pub fn execve(path: u64, argv: u64, envp: u64) -> SysResult {
    let path = uaccess::read_user_string(path, 4096)?;
    let argv = read_string_array(argv)?;
    let envp = read_string_array(envp)?;
    Err(proc::execve::exec(path, argv, envp).errno())
}
