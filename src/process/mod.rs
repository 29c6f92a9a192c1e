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
pub mod futex;
pub mod image;
pub mod itimer;
pub mod layout;
pub mod loader;
pub mod memory;
pub mod orphans;
pub mod pipe;
pub mod robust;
pub mod signal;
pub mod thread;
pub mod tty;
pub mod user_stack;
pub mod usercopy;
pub mod vma;

use crate::memory::address_space::{self, AddressSpace};
use crate::sched::irq_mutex::IrqMutex;
use crate::sched::{self, Wait};
use crate::vfs::{Follow, FsError};
use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::fmt;
use core::sync::atomic::{AtomicBool, AtomicI32, AtomicU32, Ordering};
use files::FileTable;
use memory::UserMemory;

pub type Pid = u32;

/// The parent of processes the kernel shell starts.
pub const KERNEL_PID: Pid = 0;

pub struct Process {
    pub pid: Pid,
    /// The parent's pid: [`KERNEL_PID`] for what the kernel started, an adopting process's
    /// for an orphan, [`orphans::KERNEL_REAPS`] for an orphan the kernel reaps ([`orphans`]).
    parent: AtomicU32,
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
    /// The file-mode creation mask (`umask(2)`): 0o022 at first, inherited by `fork`.
    pub umask: AtomicU32,
    /// Dispositions, pending signals and each thread's mask (`signal`).
    pub signals: IrqMutex<signal::Signals>,
    /// Set whenever a signal is generated, cleared when nothing is pending: the return path
    /// to user mode looks at it before taking the lock.
    signal_hint: AtomicBool,
    /// Stopped or running, and what `wait` has not reported of it (`signal::jobctl`).
    pub job: signal::jobctl::JobState,
    /// Process group and session (setpgid, setsid; inherited by fork).
    pub pgid: AtomicU32,
    pub sid: AtomicU32,
    /// The wait status once it exited (-1 while it runs).
    status: AtomicI32,
    /// The wait status `exit_group` (or a fatal signal) gave while threads were still
    /// leaving (-1: none): every thread ends at its next return towards user mode.
    group_exit: AtomicI32,
    /// Its first thread (the scheduler's id).
    pub tid: AtomicU32,
    /// Its threads ([`thread`]), each registered by itself when it first runs.
    pub threads: IrqMutex<Vec<thread::UserThread>>,
    /// Threads started and not yet gone (counted before they first run): the last one to
    /// leave frees the address space.
    live_threads: AtomicU32,
    /// The scheduler id of a thread in `execve` waiting for the others to leave (0: none).
    exec_thread: AtomicU32,
    pub start_tick: u64,
    /// `ITIMER_VIRTUAL` and `ITIMER_PROF` (`ITIMER_REAL` waits in `itimer`'s queue).
    pub cpu_timers: itimer::CpuTimers,
}

/// A process's working directory: the node relative paths start from, and its absolute path
/// in lexical normal form (what getcwd answers).
#[derive(Debug, Clone)]
pub struct WorkingDirectory {
    pub at: crate::vfs::Location,
    pub path: Vec<u8>,
}

impl Process {
    /// The parent's pid as getppid(2) reports it: 0 for the kernel, also when the kernel
    /// adopted the process as an orphan.
    pub fn parent(&self) -> Pid {
        match self.parent.load(Ordering::SeqCst) {
            orphans::KERNEL_REAPS => KERNEL_PID,
            pid => pid,
        }
    }

    /// Whether `pid` is this process's parent, the one that reaps it with [`wait`] (the
    /// kernel's orphans are nobody's children).
    pub fn is_child_of(&self, pid: Pid) -> bool {
        self.parent.load(Ordering::SeqCst) == pid
    }

    pub fn name(&self) -> String {
        self.name.lock().clone()
    }

    /// Records the program's path and arguments for `/proc` (spawn and execve).
    pub fn set_command(&self, path: &[u8], argv: &[Vec<u8>]) {
        *self.exe.lock() = path.to_vec();
        *self.cmdline.lock() = crate::procfs::format::cmdline(argv);
    }

    /// Another thread of the process is in `execve`: the running one must go.
    fn leaving_for_exec(&self) -> bool {
        let exec = self.exec_thread.load(Ordering::SeqCst);
        exec != 0 && exec != sched::current()
    }

    /// Whether the running thread must leave on its way back to user mode, and with what
    /// status should it be the last: the process is exiting, or another thread is in
    /// `execve` (then the status does not matter: the exec thread stays).
    pub fn must_leave(&self) -> Option<i32> {
        self.exiting()
            .or_else(|| self.leaving_for_exec().then_some(0))
    }

    /// The wait status of an `exit_group` (or a fatal signal) under way, while threads are
    /// still leaving: every thread ends at its next return towards user mode.
    pub fn exiting(&self) -> Option<i32> {
        let status = self.group_exit.load(Ordering::SeqCst);
        (status >= 0).then_some(status)
    }

    /// Makes every thread of the process ready, so that each sees a kill or exit.
    fn wake_threads(&self) {
        sched::wake(self.tid.load(Ordering::SeqCst));
        for thread in self.threads.lock().iter() {
            sched::wake(thread.sched_tid);
        }
    }

    /// Whether the running thread of this process has a signal to take (a handler to run or a
    /// fatal default): blocking calls end early when it does.
    pub fn kill_pending(&self) -> bool {
        self.must_leave().is_some() || signal::deliver::interrupted(self)
    }

    /// Makes the return path look at the signal state (a mask changed).
    pub fn hint_signals(&self) {
        self.signal_hint.store(true, Ordering::SeqCst);
    }

    pub fn pgid(&self) -> Pid {
        self.pgid.load(Ordering::SeqCst)
    }

    pub fn sid(&self) -> Pid {
        self.sid.load(Ordering::SeqCst)
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
    spawn_inner(path, argv, envp, parent, false)
}

/// [`spawn_with_env`] for a program that owns the console from its first instruction: the
/// console is handed over before the program can run, so that a read it makes at once is
/// not taken for a background read (end of file).
pub fn spawn_on_console(
    path: &[u8],
    argv: Vec<Vec<u8>>,
    envp: Option<Vec<Vec<u8>>>,
    parent: Pid,
) -> Result<Pid, SpawnError> {
    spawn_inner(path, argv, envp, parent, true)
}

fn spawn_inner(
    path: &[u8],
    argv: Vec<Vec<u8>>,
    envp: Option<Vec<Vec<u8>>>,
    parent: Pid,
    on_console: bool,
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
    // A program the kernel starts leads a process group of its own in the kernel's session
    // (0), whose controlling terminal is the console: as a job-control shell runs a job.
    process.pgid.store(process.pid, Ordering::SeqCst);
    let program = loader::Program {
        path: path.to_vec(),
        plan,
        file,
        argv,
        envp,
    };
    if on_console {
        tty::set_foreground(Some(process.pid));
    }
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
        parent: AtomicU32::new(parent),
        name: IrqMutex::new(name),
        memory: IrqMutex::new(memory),
        files: IrqMutex::new(files),
        exe: IrqMutex::new(Vec::new()),
        cmdline: IrqMutex::new(Vec::new()),
        cwd: IrqMutex::new(WorkingDirectory {
            at: crate::rootfs::vfs().root(),
            path: alloc::vec![b'/'],
        }),
        umask: AtomicU32::new(0o022),
        signals: IrqMutex::new(signal::Signals::default()),
        signal_hint: AtomicBool::new(false),
        job: signal::jobctl::JobState::new(),
        pgid: AtomicU32::new(0),
        sid: AtomicU32::new(0),
        status: AtomicI32::new(-1),
        group_exit: AtomicI32::new(-1),
        tid: AtomicU32::new(0),
        threads: IrqMutex::new(Vec::new()),
        live_threads: AtomicU32::new(1),
        exec_thread: AtomicU32::new(0),
        start_tick: crate::time::ticks(),
        cpu_timers: itimer::CpuTimers::default(),
    });
    PROCESSES.lock().insert(pid, process.clone());
    process
}

/// Starts the thread of a process made by [`create`], on the process's P4; undoes the
/// process when no thread can be made (its space must not have user pages yet).
fn start<F: FnOnce() + Send + 'static>(process: Arc<Process>, body: F) -> Result<Pid, SpawnError> {
    let root = process
        .memory
        .lock()
        .space
        .as_ref()
        .map(AddressSpace::root)
        .expect("a new process has a space");
    // The first thread registers itself (its id is the pid) before anything else runs there.
    let first = process.clone();
    let body = move || {
        let me = thread::UserThread::new(first.pid, sched::current());
        first.threads.lock().push(me);
        drop(first);
        body()
    };
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

/// What `clone` without `CLONE_VM` asks of a forked child beyond `fork`.
#[derive(Debug, Clone, Copy, Default)]
pub struct ForkOptions {
    /// The user stack pointer the child starts with (0: the parent's).
    pub stack: u64,
    /// `CLONE_SETTLS`: the child's FS base.
    pub tls: Option<u64>,
    /// `CLONE_CHILD_SETTID`: the child's word that gets its pid.
    pub set_child_tid: u64,
    /// `CLONE_CHILD_CLEARTID`: the child's word zeroed and woken when it exits.
    pub clear_child_tid: u64,
}

/// `fork(2)`: a child sharing the running process's memory copy-on-write (`MAP_SHARED` areas
/// writable), with its open files and FS base, that returns 0 from the same system call.
/// Only the calling thread is copied, as on Linux. Returns the child's pid.
pub fn fork(
    frame: &crate::arch::syscall::SyscallFrame,
    options: ForkOptions,
) -> Result<Pid, SpawnError> {
    let parent = sched::current_process().expect("fork from a process");
    let space = AddressSpace::new().map_err(|_| SpawnError::OutOfMemory)?;
    let mut pages: Vec<(u64, address_space::SharedPage)> = Vec::new();
    let memory = {
        let memory = parent.memory.lock();
        for vma in memory.vmas.iter() {
            memory::for_each_present(vma.start, vma.end, |page| {
                if let Some(shared) = address_space::share_user_page(page, vma.shared) {
                    pages.push((page, shared));
                }
            });
        }
        UserMemory {
            space: Some(space),
            vmas: memory.vmas.clone(),
            brk_start: memory.brk_start,
            brk: memory.brk,
            resident_pages: pages.len() as u64,
            image: memory.image.clone(),
        }
    };
    let files = parent.files.lock().clone();
    let child = create(parent.name(), parent.pid, memory, files);
    *child.cwd.lock() = parent.cwd.lock().clone();
    *child.exe.lock() = parent.exe.lock().clone();
    *child.cmdline.lock() = parent.cmdline.lock().clone();
    child
        .umask
        .store(parent.umask.load(Ordering::Relaxed), Ordering::Relaxed);
    child.pgid.store(parent.pgid(), Ordering::SeqCst);
    child.sid.store(parent.sid(), Ordering::SeqCst);
    // The child's thread id is known once it is started; until then its state sits at 0.
    *child.signals.lock() = parent.signals.lock().fork(sched::current(), 0);
    let mut child_frame = *frame;
    child_frame.regs.rax = 0;
    if options.stack != 0 {
        child_frame.user_rsp = options.stack;
    }
    let fs_base = options.tls.unwrap_or_else(crate::arch::user_mode::fs_base);
    let child_pid = child.pid;
    // The parent's x87/SSE registers are still live (the kernel never touches them).
    let fpu = crate::arch::fpu::FpuState::capture();
    let signals = child.clone();
    let started = start(child, move || {
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
        // The mapping list's buffer: nothing returns to this frame to free it.
        drop(pages);
        if options.set_child_tid != 0 {
            let pid = child_pid.to_le_bytes();
            let _ = crate::syscall::uaccess::copy_to_user(options.set_child_tid, &pid);
        }
        if options.clear_child_tid != 0 {
            thread::with_current(|t| t.clear_child_tid = options.clear_child_tid);
        }
        crate::arch::user_mode::set_fs_base(fs_base);
        fpu.restore();
        let frame = child_frame;
        // SAFETY: interrupts are off (a new thread starts so); the frame is the parent's
        // at its `syscall`, whose RIP and stack are mapped the same in this copy; it lies
        // on this thread's kernel stack.
        unsafe { crate::arch::syscall::return_to_user(&frame) }
    });
    // The child has not run yet (interrupts are off in a system call).
    let tid = signals.tid.load(Ordering::SeqCst);
    signals.signals.lock().rename_thread(0, tid);
    started
}

/// Ends the running process with wait status `status` (`exit_group`, a fatal fault, a kill):
/// every other thread is woken to leave as well; the last thread to go frees its memory and
/// files, leaves a zombie for [`wait`], wakes waiters. Interrupts must be off or are turned
/// off. When the process is exiting already, the first status stays.
pub fn exit_current(status: i32) -> ! {
    crate::arch::interrupts::disable();
    let process = sched::current_process().expect("exit_current in a process thread");
    if process.exiting().is_none() && process.leaving_for_exec() {
        // Another thread execs: this one leaves alone (that one stays, so this is not last).
        leave(process, status);
    }
    let _ = process
        .group_exit
        .compare_exchange(-1, status, Ordering::SeqCst, Ordering::SeqCst);
    // The system-call exit of the other threads looks only at the hint on its fast path.
    process.hint_signals();
    process.wake_threads();
    let status = process.exiting().unwrap_or(status);
    leave(process, status)
}

/// `execve` in a process with several threads (Linux's de_thread): every other thread leaves
/// before the program is replaced; the caller becomes the first thread, with the pid as its
/// thread id. A kill meanwhile ends the whole process instead. Interrupts must be off.
pub fn leave_other_threads(process: &Arc<Process>) {
    let me = sched::current();
    if process.live_threads.load(Ordering::SeqCst) > 1 {
        process.exec_thread.store(me, Ordering::SeqCst);
        process.hint_signals();
        process.wake_threads();
        while process.live_threads.load(Ordering::SeqCst) > 1 {
            if let Some(status) = process.exiting() {
                process.exec_thread.store(0, Ordering::SeqCst);
                exit_current(status);
            }
            sched::block(Wait::Sleep(crate::time::clock_ticks() + 1));
        }
        process.exec_thread.store(0, Ordering::SeqCst);
    }
    process.tid.store(me, Ordering::SeqCst);
    let pid = process.pid;
    thread::with_current(|t| *t = thread::UserThread::new(pid, me));
}

/// The running thread leaves `process`; `status` is the process's wait status should it be
/// the last thread (a group exit's status wins).
fn leave(process: Arc<Process>, status: i32) -> ! {
    if process.live_threads.fetch_sub(1, Ordering::SeqCst) > 1 {
        thread::leave_shared(&process);
        drop(process);
        sched::exit_thread();
    }
    let group = process.group_exit.load(Ordering::SeqCst);
    let status = if group >= 0 { group } else { status };
    thread::leave_last(&process);
    process.files.lock().close_all();
    let space = process.memory.lock().space.take();
    if let Some(space) = space {
        space.teardown();
    }
    sched::set_current_root(address_space::kernel_p4());
    // Its timers cannot fire into it any more.
    itimer::process_exited(process.pid);
    process.status.store(status, Ordering::SeqCst);
    // The orphaned-group check finds the children by their parent: before they move.
    signal::jobctl::exited(&process);
    orphans::hand_over_children(&process);
    let reap_now = signal::deliver::notify_parent(&process, status);
    if reap_now || process.is_child_of(orphans::KERNEL_REAPS) {
        // The parent ignores SIGCHLD (or set SA_NOCLDWAIT), or the kernel adopted it: no
        // zombie is left to reap.
        PROCESSES.lock().remove(&process.pid);
    }
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

/// Reaps an exited child of `parent`, as wait4(2) chooses: `pid` > 0 that child, -1 any, 0
/// any in the caller's process group, < -1 any in group `-pid`. Blocks unless `no_hang`.
/// Interrupts must be off when blocking.
pub fn wait(parent: Pid, pid: i64, no_hang: bool) -> Result<Reaped, WaitError> {
    wait_for(
        parent,
        pid,
        WaitFor {
            exited: true,
            no_hang,
            ..WaitFor::default()
        },
    )
}

/// What [`wait_for`] waits for (wait4's and waitid's options).
#[derive(Debug, Clone, Copy, Default)]
pub struct WaitFor {
    /// An exited child (`WEXITED`; always for wait4).
    pub exited: bool,
    /// A stopped child not reported yet (`WUNTRACED`, `WSTOPPED`).
    pub stopped: bool,
    /// A continued child not reported yet (`WCONTINUED`).
    pub continued: bool,
    pub no_hang: bool,
    /// `WNOWAIT`: report, but leave the child (or its report) for a later wait.
    pub no_wait: bool,
}

/// [`wait`] with waitid's choices: exited, stopped (status `0x7f | signal << 8`) and
/// continued (`0xffff`) children, each stop or continue reported once.
pub fn wait_for(parent: Pid, pid: i64, options: WaitFor) -> Result<Reaped, WaitError> {
    let no_hang = options.no_hang;
    let group = match pid {
        0 => Some(get(parent).map_or(0, |p| p.pgid())),
        p if p < -1 => Some(u32::try_from(-p).unwrap_or(u32::MAX)),
        _ => None,
    };
    let chosen = |p: &Process| match group {
        Some(group) => p.pgid() == group,
        None => pid == -1 || i64::from(p.pid) == pid,
    };
    loop {
        {
            let mut table = PROCESSES.lock();
            let mut children = table
                .values()
                .filter(|p| p.is_child_of(parent) && chosen(p));
            let mut any = false;
            let mut exited = None;
            let mut changed = None;
            for child in &mut children {
                any = true;
                if let Some(status) = child.exit_status() {
                    if options.exited {
                        exited = Some(Reaped {
                            pid: child.pid,
                            status,
                        });
                        break;
                    }
                } else if let Some(report) = signal::jobctl::take_report(
                    child,
                    options.stopped,
                    options.continued,
                    !options.no_wait,
                ) {
                    changed = Some(Reaped {
                        pid: child.pid,
                        status: report.status(),
                    });
                    break;
                }
            }
            if let Some(reaped) = exited {
                if !options.no_wait {
                    table.remove(&reaped.pid);
                }
                return Ok(reaped);
            }
            if let Some(reaped) = changed {
                return Ok(reaped);
            }
            if !any {
                return Err(WaitError::NoChild);
            }
        }
        if no_hang {
            return Err(WaitError::WouldBlock);
        }
        // A child that exited wins over a signal that came with it (Linux's do_wait).
        if sched::current_process().is_some_and(|p| p.kill_pending()) {
            return Err(WaitError::Interrupted);
        }
        sched::block(Wait::Child);
    }
}

/// Sends `signal` to process `pid` from the kernel (the shell's `kill`, tests). Returns false
/// when no such process runs.
pub fn kill(pid: Pid, signal: i32) -> bool {
    let Some(process) = PROCESSES.lock().get(&pid).cloned() else {
        return false;
    };
    let Ok(signal) = u32::try_from(signal) else {
        return false;
    };
    if process.exit_status().is_some() || !signal::valid(u64::from(signal)) {
        return false;
    }
    signal::deliver::send(
        &process,
        signal::Target::Process,
        signal::SigInfo::user(signal, KERNEL_PID),
    );
    true
}

/// Renames `process` (`prctl(PR_SET_NAME)`); the caller renames its thread.
pub fn rename(process: &Process, name: String) {
    *process.name.lock() = name;
}

/// A snapshot of every process (zombies included).
pub fn list() -> Vec<Arc<Process>> {
    PROCESSES.lock().values().cloned().collect()
}

pub fn get(pid: Pid) -> Option<Arc<Process>> {
    PROCESSES.lock().get(&pid).cloned()
}
