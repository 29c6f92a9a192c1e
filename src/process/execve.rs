//! `execve(2)`: the running process drops its memory and runs another program in the same
//! address space (its P4 stays; every user page and table goes). The program is planned
//! before anything is dropped, so a missing or bad file is an error the caller sees; after
//! that point a failure (out of memory) can only end the process.

use super::loader::{self, Program};
use super::{SpawnError, exit_current, fault};
use crate::arch::user_mode;
use crate::sched;
use alloc::vec::Vec;

/// Replaces the running program; returns only when the new one cannot be planned.
pub fn exec(path: Vec<u8>, argv: Vec<Vec<u8>>, envp: Vec<Vec<u8>>) -> SpawnError {
    let (plan, file) = match super::plan_program(&path) {
        Ok(planned) => planned,
        Err(err) => return err,
    };
    let process = sched::current_process().expect("execve from a process");
    // The other threads go first; this one becomes the first thread (its clear-child-tid
    // word and signal stack reset, as on Linux).
    // Its own robust list is released (Linux's exec_mm_release), while its thread id is
    // still the one its locks hold; then the other threads release theirs as they leave.
    super::thread::release_robust_list(&process);
    super::leave_other_threads(&process);
    let name = super::program_name(&path);
    sched::set_current_name(&name);
    *process.name.lock() = name;
    process.set_command(&path, &argv);
    process.files.lock().close_marked();
    process.signals.lock().exec();
    {
        let mut memory = process.memory.lock();
        if let Some(space) = &memory.space {
            space.clear_user_half();
        }
        memory.vmas.clear();
        memory.resident_pages = 0;
        memory.image = None;
    }
    let program = Program {
        path,
        plan,
        file,
        argv,
        envp: Some(envp),
    };
    let loaded = loader::load(&process, &program);
    // Neither way out returns: drop what this frame owns first, or it is never freed.
    drop(program);
    match loaded {
        Ok((entry, rsp)) => {
            user_mode::set_fs_base(0);
            crate::arch::fpu::FpuState::default().restore();
            // Nothing returns to this frame: what it holds must go now.
            drop(process);
            // SAFETY: interrupts are off (a system call); the entry and stack were just mapped
            // as user pages of the current space; the kernel stack is this thread's.
            unsafe { user_mode::enter(entry, rsp) }
        }
        Err(err) => {
            log::error!("execve: {err}");
            drop(process);
            exit_current(fault::SIGKILL)
        }
    }
}
