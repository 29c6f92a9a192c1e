//! Threads and their calls: clone(2), exit(2) of one thread, gettid, set_tid_address,
//! futex(2), set_robust_list/get_robust_list, sigaltstack(2) (the stack is kept; delivering
//! onto it is the signal code's), sched_getaffinity/sched_setaffinity (one CPU) and prctl's thread name.

use super::SysResult;
use super::clock::{deadline_after, read_timespec};
use super::errno::*;
use super::uaccess;
use crate::arch::syscall::SyscallFrame;
use crate::process::futex::{self, FutexKey, WaitEnd};
use crate::process::layout::USER_END;
use crate::process::robust;
use crate::process::thread::{self, NewThread};
use crate::process::{self as proc, ForkOptions};
use crate::sched;

const CLONE_VM: u64 = 0x100;
const CLONE_FS: u64 = 0x200;
const CLONE_FILES: u64 = 0x400;
const CLONE_SIGHAND: u64 = 0x800;
const CLONE_PIDFD: u64 = 0x1000;
const CLONE_VFORK: u64 = 0x4000;
const CLONE_THREAD: u64 = 0x1_0000;
const CLONE_NEWNS: u64 = 0x2_0000;
const CLONE_SETTLS: u64 = 0x8_0000;
const CLONE_PARENT_SETTID: u64 = 0x10_0000;
const CLONE_CHILD_CLEARTID: u64 = 0x20_0000;
const CLONE_CHILD_SETTID: u64 = 0x100_0000;
/// CLONE_NEWCGROUP .. CLONE_NEWNET, CLONE_NEWNS and CLONE_IO: namespaces Kestrel lacks.
const CLONE_NAMESPACES: u64 = 0xfe00_0000 | CLONE_NEWNS;

/// clone(flags, stack, parent_tid, child_tid, tls), x86_64's argument order.
pub fn clone(
    frame: &SyscallFrame,
    flags: u64,
    stack: u64,
    parent_tid: u64,
    child_tid: u64,
    tls: u64,
) -> SysResult {
    // The rules of Linux's copy_process().
    if flags & CLONE_THREAD != 0 && flags & CLONE_SIGHAND == 0
        || flags & CLONE_SIGHAND != 0 && flags & CLONE_VM == 0
        || flags & (CLONE_NAMESPACES | CLONE_PIDFD) != 0
    {
        return Err(EINVAL);
    }
    if stack >= USER_END || flags & CLONE_SETTLS != 0 && tls >= USER_END {
        return Err(EINVAL);
    }
    if flags & CLONE_PARENT_SETTID != 0 {
        uaccess::check_writable(parent_tid, 4)?;
    }
    if flags & CLONE_CHILD_SETTID != 0 || flags & CLONE_CHILD_CLEARTID != 0 {
        uaccess::check_writable(child_tid, 4)?;
    }
    let tls = (flags & CLONE_SETTLS != 0).then_some(tls);
    let tid = if flags & CLONE_THREAD != 0 {
        // A thread shares the descriptor table and working directory with the whole process.
        if flags & (CLONE_FS | CLONE_FILES) != CLONE_FS | CLONE_FILES {
            log::warn!("clone: a thread without CLONE_FS|CLONE_FILES is not supported");
            return Err(EINVAL);
        }
        let request = NewThread {
            stack,
            tls,
            clear_child_tid: if flags & CLONE_CHILD_CLEARTID != 0 {
                child_tid
            } else {
                0
            },
        };
        let tid = thread::spawn(frame, request).map_err(|e| e.errno())?;
        if flags & CLONE_CHILD_SETTID != 0 {
            uaccess::write_i32(child_tid, tid as i32)?;
        }
        tid
    } else {
        // A new process. CLONE_VM|CLONE_VFORK (posix_spawn's) gets a copy-on-write copy
        // rather than the shared memory it asks for: the child only execs or exits, so it
        // sees the same bytes either way. Sharing descriptor tables across processes is not
        // supported.
        if flags & CLONE_VM != 0 && flags & CLONE_VFORK == 0 || flags & CLONE_FILES != 0 {
            log::warn!(
                "clone: flags {flags:#x} (shared memory or files between processes) are not supported"
            );
            return Err(EINVAL);
        }
        let options = ForkOptions {
            stack,
            tls,
            set_child_tid: if flags & CLONE_CHILD_SETTID != 0 {
                child_tid
            } else {
                0
            },
            clear_child_tid: if flags & CLONE_CHILD_CLEARTID != 0 {
                child_tid
            } else {
                0
            },
        };
        proc::fork(frame, options).map_err(|e| e.errno())?
    };
    if flags & CLONE_PARENT_SETTID != 0 {
        uaccess::write_i32(parent_tid, tid as i32)?;
    }
    Ok(u64::from(tid))
}

pub fn exit(code: u64) -> SysResult {
    thread::exit_thread(code)
}

pub fn gettid() -> SysResult {
    thread::current_tid().map(u64::from).ok_or(EPERM)
}

pub fn set_tid_address(addr: u64) -> SysResult {
    thread::with_current(|t| {
        t.clear_child_tid = addr;
        u64::from(t.tid)
    })
    .ok_or(EPERM)
}

/// set_robust_list(head, len): the head is kept for the thread's exit, unchecked until then
/// ([`crate::process::robust`]); `len` must be the x86_64 size of the head.
pub fn set_robust_list(head: u64, len: u64) -> SysResult {
    if len != robust::HEAD_SIZE {
        return Err(EINVAL);
    }
    thread::with_current(|t| t.robust_list = head).ok_or(EPERM)?;
    Ok(0)
}

/// get_robust_list(pid, head_ptr, len_ptr): the head thread `pid` (0: the caller) set. Any
/// live thread may be asked (everyone is root: no ptrace check to fail).
pub fn get_robust_list(pid: u64, head_ptr: u64, len_ptr: u64) -> SysResult {
    // An int in Linux's ABI.
    let pid = pid as i32;
    let head = if pid == 0 {
        thread::with_current(|t| t.robust_list)
    } else if pid < 0 {
        None
    } else {
        let tid = pid as u32;
        let of = |p: &proc::Process| {
            let threads = p.threads.lock();
            threads.iter().find(|t| t.tid == tid).map(|t| t.robust_list)
        };
        let own = sched::current_process().and_then(|p| of(&p));
        own.or_else(|| proc::list().iter().find_map(|p| of(p)))
    }
    .ok_or(ESRCH)?;
    // Linux's order: the length first.
    uaccess::write_u64(len_ptr, robust::HEAD_SIZE)?;
    uaccess::write_u64(head_ptr, head)?;
    Ok(0)
}

const FUTEX_WAIT: u64 = 0;
const FUTEX_WAKE: u64 = 1;
const FUTEX_REQUEUE: u64 = 3;
const FUTEX_CMP_REQUEUE: u64 = 4;
const FUTEX_WAIT_BITSET: u64 = 9;
const FUTEX_WAKE_BITSET: u64 = 10;
const FUTEX_PRIVATE_FLAG: u64 = 128;
const FUTEX_CLOCK_REALTIME: u64 = 256;

/// futex(uaddr, op, val, timeout or val2, uaddr2, val3).
pub fn futex(uaddr: u64, op: u64, val: u64, timeout: u64, uaddr2: u64, val3: u64) -> SysResult {
    let process = sched::current_process().ok_or(EPERM)?;
    let command = op & !(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME);
    if op & FUTEX_CLOCK_REALTIME != 0 && command != FUTEX_WAIT_BITSET {
        return Err(ENOSYS);
    }
    if !uaddr.is_multiple_of(4) {
        return Err(EINVAL);
    }
    let key_of = |addr: u64| {
        if op & FUTEX_PRIVATE_FLAG != 0 {
            FutexKey::Private {
                pid: process.pid,
                addr,
            }
        } else {
            thread::futex_key(&process, addr)
        }
    };
    let read_word = |addr: u64| -> Result<u32, Errno> {
        let mut word = [0u8; 4];
        uaccess::copy_from_user(&mut word, addr)?;
        Ok(u32::from_le_bytes(word))
    };
    // Counts are ints in Linux's ABI; a negative one wakes as many as INT_MAX.
    let count = |value: u64| (value as u32).min(i32::MAX as u32);
    match command {
        FUTEX_WAIT | FUTEX_WAIT_BITSET => {
            let bitset = if command == FUTEX_WAIT {
                u32::MAX
            } else {
                val3 as u32
            };
            if bitset == 0 {
                return Err(EINVAL);
            }
            let deadline = if timeout == 0 {
                None
            } else {
                let nanos = read_timespec(timeout)?;
                Some(if command == FUTEX_WAIT {
                    deadline_after(nanos)
                } else {
                    // Absolute, on CLOCK_MONOTONIC (or CLOCK_REALTIME with the flag).
                    let now = if op & FUTEX_CLOCK_REALTIME != 0 {
                        super::clock::realtime_nanos()
                    } else {
                        crate::time::uptime().as_nanos() as u64
                    };
                    if nanos <= now {
                        crate::time::clock_ticks()
                    } else {
                        deadline_after(nanos - now)
                    }
                })
            };
            if read_word(uaddr)? != val as u32 {
                return Err(EAGAIN);
            }
            match futex::wait(key_of(uaddr), bitset, deadline) {
                Ok(()) => Ok(0),
                Err(WaitEnd::TimedOut) => Err(ETIMEDOUT),
                Err(WaitEnd::Interrupted) => Err(EINTR),
            }
        }
        FUTEX_WAKE | FUTEX_WAKE_BITSET => {
            let bitset = if command == FUTEX_WAKE {
                u32::MAX
            } else {
                val3 as u32
            };
            if bitset == 0 {
                return Err(EINVAL);
            }
            Ok(u64::from(futex::wake(key_of(uaddr), count(val), bitset)))
        }
        FUTEX_REQUEUE | FUTEX_CMP_REQUEUE => {
            if !uaddr2.is_multiple_of(4) {
                return Err(EINVAL);
            }
            if command == FUTEX_CMP_REQUEUE && read_word(uaddr)? != val3 as u32 {
                return Err(EAGAIN);
            }
            // The timeout argument is `val2`, the most waiters to move.
            let moved = count(timeout);
            Ok(u64::from(futex::requeue(
                key_of(uaddr),
                key_of(uaddr2),
                count(val),
                moved,
            )))
        }
        _ => Err(ENOSYS),
    }
}

/// `pid` names the caller, one of its threads or another live process: `ESRCH` otherwise.
fn check_task(pid: u64) -> Result<(), Errno> {
    if pid == 0 {
        return Ok(());
    }
    let pid = u32::try_from(pid).map_err(|_| ESRCH)?;
    let process = sched::current_process().ok_or(ESRCH)?;
    if process.threads.lock().iter().any(|t| t.tid == pid)
        || proc::get(pid).is_some_and(|p| p.exit_status().is_none())
    {
        Ok(())
    } else {
        Err(ESRCH)
    }
}

/// The CPUs user threads run on: CPU 0 alone (the scheduler runs threads there only).
const CPU_MASK: u64 = 1;

pub fn sched_getaffinity(pid: u64, len: u64, mask: u64) -> SysResult {
    if len == 0 || !len.is_multiple_of(8) {
        return Err(EINVAL);
    }
    check_task(pid)?;
    uaccess::write_u64(mask, CPU_MASK)?;
    Ok(8)
}

pub fn sched_setaffinity(pid: u64, len: u64, mask: u64) -> SysResult {
    check_task(pid)?;
    let mut raw = [0u8; 8];
    let n = len.min(8) as usize;
    uaccess::copy_from_user(&mut raw[..n], mask)?;
    if u64::from_le_bytes(raw) & CPU_MASK == 0 {
        return Err(EINVAL);
    }
    Ok(0)
}
