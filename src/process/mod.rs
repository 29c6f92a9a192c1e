//! User processes.
//!
//! The pure logic is host-tested and touches no hardware: [`elf`] turns a file into a load
//! plan, [`user_stack`] lays out the System V initial stack, [`usercopy`] checks user pointers
//! before any byte is copied, [`exec`] puts the first two together for `execve`, and
//! [`layout`] fixes the user half of the address space.
//!
//! The kernel side: a [`Process`] owns an address space ([`memory`]), open files ([`files`])
//! and one thread of the scheduler. [`spawn`] plans the program from the root file system,
//! makes the address space and starts the thread, which maps the program and enters ring 3
//! ([`loader`]); [`execve`] replaces the running program. [`exit_current`] frees every page
//! and table of the space, leaves a zombie with the wait status, and wakes waiters; [`wait`]
//! reaps it. User faults end the process ([`fault`]); the console is [`tty`].

pub mod elf;
pub mod exec;
pub mod execve;
pub mod fault;
pub mod files;
pub mod layout;
pub mod loader;
pub mod memory;
pub mod pipe;
pub mod tty;
pub mod user_stack;
pub mod usercopy;

use crate::memory::address_space::{self, AddressSpace};
use crate::sched::irq_mutex::IrqMutex;
use crate::sched::{self, Wait};
use crate::vfs::{Follow, FsError};
use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::fmt;
use core::sync::atomic::{AtomicI32, AtomicU32, Ordering};
use files::FileTable;
use memory::UserMemory;

pub type Pid = u32;

/// The parent of processes the kernel shell starts.
pub const KERNEL_PID: Pid = 0;

pub struct Process {
    pub pid: Pid,
    pub parent: Pid,
    /// The program's file name (changed by `execve`).
    name: IrqMutex<String>,
    pub memory: IrqMutex<UserMemory>,
    pub files: IrqMutex<FileTable>,
    /// The program's path as given to spawn or execve (`/proc/PID/exe`).
    pub exe: IrqMutex<Vec<u8>>,
    /// Its arguments, each ended by a NUL (`/proc/PID/cmdline`).
    pub cmdline: IrqMutex<Vec<u8>>,
    /// Where relative paths start (chdir, getcwd).
    pub cwd: IrqMutex<WorkingDirectory>,
    /// A signal that ends the process at its next return to user mode (0: none).
    kill: AtomicI32,
    /// The wait status once it exited (-1 while it runs).
    status: AtomicI32,
    /// Its thread.
    pub tid: AtomicU32,
    pub start_tick: u64,
}

/// A process's working directory: the node relative paths start from, and its absolute path
/// in lexical normal form (what getcwd answers).
#[derive(Debug, Clone)]
pub struct WorkingDirectory {
    pub at: crate::vfs::Location,
    pub path: Vec<u8>,
}

impl Process {
    pub fn name(&self) -> String {
        self.name.lock().clone()
    }

    /// Records the program's path and arguments for `/proc` (spawn and execve).
    pub fn set_command(&self, path: &[u8], argv: &[Vec<u8>]) {
        *self.exe.lock() = path.to_vec();
        *self.cmdline.lock() = crate::procfs::format::cmdline(argv);
    }

    pub fn kill_pending(&self) -> bool {
        self.kill.load(Ordering::SeqCst) != 0
    }

    /// The wait status for the pending kill (terminated by that signal).
    pub fn kill_status(&self) -> i32 {
        self.kill.load(Ordering::SeqCst) & 0x7f
    }

    pub fn exit_status(&self) -> Option<i32> {
        let status = self.status.load(Ordering::SeqCst);
        (status >= 0).then_some(status)
    }
}

static PROCESSES: IrqMutex<BTreeMap<Pid, Arc<Process>>> = IrqMutex::new(BTreeMap::new());
static NEXT_PID: AtomicU32 = AtomicU32::new(1);

#[derive(Debug)]
pub enum SpawnError {
    Fs(FsError),
    NotAFile,
    Elf(elf::ElfError),
    OutOfMemory,
    TooManyThreads,
}

impl SpawnError {
    pub fn errno(&self) -> i32 {
        match self {
            SpawnError::Fs(e) => e.errno(),
            SpawnError::NotAFile => 13,
            SpawnError::Elf(_) => 8,
            SpawnError::OutOfMemory => 12,
            SpawnError::TooManyThreads => 11,
        }
    }
}

impl fmt::Display for SpawnError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SpawnError::Fs(e) => write!(f, "{e}"),
            SpawnError::NotAFile => write!(f, "not a regular file"),
            SpawnError::Elf(e) => write!(f, "not a program Kestrel runs: {e}"),
            SpawnError::OutOfMemory => write!(f, "out of memory"),
            SpawnError::TooManyThreads => write!(f, "too many threads"),
        }
    }
}

/// Starts the program at `path` (resolved from `/`) with `argv`, as a child of `parent`.
pub fn spawn(path: &[u8], argv: Vec<Vec<u8>>, parent: Pid) -> Result<Pid, SpawnError> {
    spawn_with_env(path, argv, None, parent)
}

/// [`spawn`] with the environment `envp` (`None`: the default one).
pub fn spawn_with_env(
    path: &[u8],
    argv: Vec<Vec<u8>>,
    envp: Option<Vec<Vec<u8>>>,
    parent: Pid,
) -> Result<Pid, SpawnError> {
    let (plan, file) = plan_program(path)?;
    let space = AddressSpace::new().map_err(|_| SpawnError::OutOfMemory)?;
    let memory = UserMemory {
        space: Some(space),
        ..UserMemory::default()
    };
    let process = create(
        program_name(path),
        parent,
        memory,
        FileTable::with_console(),
    );
    process.set_command(path, &argv);
    let program = loader::Program {
        path: path.to_vec(),
        plan,
        file,
        argv,
        envp,
    };
    let body = process.clone();
    start(process, move || loader::start(body, program))
}

/// The last component of `path`, the name `ps` shows.
fn program_name(path: &[u8]) -> String {
    String::from(String::from_utf8_lossy(
        path.rsplit(|&b| b == b'/').next().unwrap_or(path),
    ))
}

/// Resolves and plans the program at `path`: the file bytes stay in the initramfs.
pub fn plan_program(path: &[u8]) -> Result<(elf::LoadPlan, &'static [u8]), SpawnError> {
    let vfs = crate::rootfs::vfs();
    let at = vfs
        .resolve(vfs.root(), path, Follow::Yes)
        .map_err(SpawnError::Fs)?;
    let file = vfs.contents(at).ok_or(SpawnError::NotAFile)?;
    let plan = elf::plan(file, &elf::LoadPolicy::default()).map_err(SpawnError::Elf)?;
    Ok((plan, file))
}

fn create(name: String, parent: Pid, memory: UserMemory, files: FileTable) -> Arc<Process> {
    let pid = NEXT_PID.fetch_add(1, Ordering::SeqCst);
    let process = Arc::new(Process {
        pid,
        parent,
        name: IrqMutex::new(name),
        memory: IrqMutex::new(memory),
        files: IrqMutex::new(files),
        exe: IrqMutex::new(Vec::new()),
        cmdline: IrqMutex::new(Vec::new()),
        cwd: IrqMutex::new(WorkingDirectory {
            at: crate::rootfs::vfs().root(),
            path: alloc::vec![b'/'],
        }),
        kill: AtomicI32::new(0),
        status: AtomicI32::new(-1),
        tid: AtomicU32::new(0),
        start_tick: crate::time::ticks(),
    });
    PROCESSES.lock().insert(pid, process.clone());
    process
}

/// Starts the thread of a process made by [`create`], on the process's P4; undoes the
/// process when no thread can be made (its space must not have user pages yet).
fn start(process: Arc<Process>, body: impl FnOnce() + Send + 'static) -> Result<Pid, SpawnError> {
    let root = process
        .memory
        .lock()
        .space
        .as_ref()
        .map(AddressSpace::root)
        .expect("a new process has a space");
    match sched::spawn(&process.name(), root, Some(process.clone()), body) {
        Ok(tid) => {
            process.tid.store(tid, Ordering::SeqCst);
            Ok(process.pid)
        }
        Err(err) => {
            PROCESSES.lock().remove(&process.pid);
            if let Some(space) = process.memory.lock().space.take() {
                space.discard_unused();
            }
            Err(match err {
                sched::SpawnError::OutOfMemory => SpawnError::OutOfMemory,
                sched::SpawnError::TooManyThreads => SpawnError::TooManyThreads,
            })
        }
    }
}

/// `fork(2)`: a child sharing the running process's memory copy-on-write, with its open files
/// and FS base, that returns 0 from the same system call. Returns the child's pid.
pub fn fork(frame: &crate::arch::syscall::SyscallFrame) -> Result<Pid, SpawnError> {
    let parent = sched::current_process().expect("fork from a process");
    let space = AddressSpace::new().map_err(|_| SpawnError::OutOfMemory)?;
    let mut pages: Vec<(u64, address_space::SharedPage)> = Vec::new();
    let memory = {
        let memory = parent.memory.lock();
        for vma in &memory.vmas {
            for page in (vma.start..vma.end).step_by(layout::PAGE_SIZE as usize) {
                if let Some(shared) = address_space::share_user_page(page) {
                    pages.push((page, shared));
                }
            }
        }
        UserMemory {
            space: Some(space),
            vmas: memory.vmas.clone(),
            brk_start: memory.brk_start,
            brk: memory.brk,
            mmap_next: memory.mmap_next,
            resident_pages: pages.len() as u64,
        }
    };
    let files = parent.files.lock().clone();
    let child = create(parent.name(), parent.pid, memory, files);
    *child.cwd.lock() = parent.cwd.lock().clone();
    *child.exe.lock() = parent.exe.lock().clone();
    *child.cmdline.lock() = parent.cmdline.lock().clone();
    let mut child_frame = *frame;
    child_frame.regs.rax = 0;
    let fs_base = crate::arch::user_mode::fs_base();
    // The parent's x87/SSE registers are still live (the kernel never touches them).
    let fpu = crate::arch::fpu::FpuState::capture();
    start(child, move || {
        let mut pages = pages.into_iter();
        while let Some((addr, page)) = pages.next() {
            if address_space::map_shared_page(addr, page).is_err() {
                // Out of frames for page tables: give back the holds not mapped yet.
                address_space::release_shared(page);
                for (_, page) in pages {
                    address_space::release_shared(page);
                }
                exit_current(fault::SIGKILL);
            }
        }
        // This body never returns: what it owns must go before it leaves for user mode.
        drop(pages);
        crate::arch::user_mode::set_fs_base(fs_base);
        fpu.restore();
        let frame = child_frame;
        // SAFETY: interrupts are off (a new thread starts so); the frame is the parent's
        // at its `syscall`, whose RIP and stack are mapped the same in this copy; it lies
        // on this thread's kernel stack.
        unsafe { crate::arch::syscall::return_to_user(&frame) }
    })
}

/// Ends the running process with wait status `status`: frees its memory and files, leaves a
/// zombie for [`wait`], wakes waiters. Interrupts must be off or are turned off.
pub fn exit_current(status: i32) -> ! {
    crate::arch::interrupts::disable();
    let process = sched::current_process().expect("exit_current in a process thread");
    process.files.lock().close_all();
    let space = process.memory.lock().space.take();
    if let Some(space) = space {
        space.teardown();
    }
    sched::set_current_root(address_space::kernel_p4());
    if tty::foreground() == Some(process.pid) {
        tty::set_foreground(None);
    }
    process.status.store(status, Ordering::SeqCst);
    drop(process);
    sched::wake_all(Wait::Child);
    sched::exit_thread()
}

/// What [`wait`] returns: the child's pid and wait status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reaped {
    pub pid: Pid,
    pub status: i32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WaitError {
    /// No such child (`ECHILD`).
    NoChild,
    /// `WNOHANG` and no child has exited.
    WouldBlock,
    /// The waiting process was killed.
    Interrupted,
}

/// Reaps an exited child of `parent`: `pid` -1 means any. Blocks unless `no_hang`.
/// Interrupts must be off when blocking.
pub fn wait(parent: Pid, pid: i64, no_hang: bool) -> Result<Reaped, WaitError> {
    loop {
        {
            let mut table = PROCESSES.lock();
            let mut children = table
                .values()
                .filter(|p| p.parent == parent && (pid == -1 || i64::from(p.pid) == pid));
            let mut any = false;
            let mut exited = None;
            for child in &mut children {
                any = true;
                if let Some(status) = child.exit_status() {
                    exited = Some(Reaped {
                        pid: child.pid,
                        status,
                    });
                    break;
                }
            }
            if let Some(reaped) = exited {
                table.remove(&reaped.pid);
                return Ok(reaped);
            }
            if !any {
                return Err(WaitError::NoChild);
            }
        }
        if no_hang {
            return Err(WaitError::WouldBlock);
        }
        sched::block(Wait::Child);
        if sched::current_process().is_some_and(|p| p.kill_pending()) {
            return Err(WaitError::Interrupted);
        }
    }
}

/// Sends `signal` to process `pid`: every signal ends it for now (there are no handlers).
/// Returns false when no such process runs.
pub fn kill(pid: Pid, signal: i32) -> bool {
    let Some(process) = PROCESSES.lock().get(&pid).cloned() else {
        return false;
    };
    if process.exit_status().is_some() {
        return false;
    }
    let _ = process
        .kill
        .compare_exchange(0, signal.max(1), Ordering::SeqCst, Ordering::SeqCst);
    sched::wake(process.tid.load(Ordering::SeqCst));
    true
}

/// A snapshot of every process (zombies included).
pub fn list() -> Vec<Arc<Process>> {
    PROCESSES.lock().values().cloned().collect()
}

pub fn get(pid: Pid) -> Option<Arc<Process>> {
    PROCESSES.lock().get(&pid).cloned()
}
