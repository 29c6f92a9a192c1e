//! Signals with Linux's numbers and semantics (signal(7), sigaction(2)): per-process
//! dispositions, per-thread masks, pending sets, default actions. This module is the pure
//! bookkeeping (host-tested); [`deliver`] runs handlers at the return to user mode and
//! sends signals to processes, groups and threads.
//!
//! - A signal is *generated* into a pending set: the thread's own (faults, `tkill`) or the
//!   process's shared one (`kill`, the terminal, `SIGCHLD`). A signal whose disposition is to
//!   be ignored (`SIG_IGN`, or `SIG_DFL` with the default action "ignore") and that is not
//!   blocked is discarded at once, as Linux does; so a pending, unblocked signal always has a
//!   handler or a fatal default.
//! - Standard signals (1–31) are pending at most once; real-time ones (32–64) queue, up to
//!   [`RT_QUEUE_LIMIT`] in all.
//! - Stop signals (SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU) stop the whole process and SIGCONT
//!   continues it ([`jobctl`]); for the pending sets SIGCONT's default counts as "ignore"
//!   (its effect happens when it is generated, as on Linux).

pub mod deliver;
pub mod jobctl;

use alloc::collections::{BTreeMap, VecDeque};

pub use crate::arch::signal_frame::{STACK_T_SIZE, StackT};

pub type Signal = u32;

/// Signals 1 to 64 (Linux `_NSIG`).
pub const NSIG: u32 = 64;

pub const SIGHUP: Signal = 1;
pub const SIGINT: Signal = 2;
pub const SIGQUIT: Signal = 3;
pub const SIGILL: Signal = 4;
pub const SIGTRAP: Signal = 5;
pub const SIGABRT: Signal = 6;
pub const SIGBUS: Signal = 7;
pub const SIGFPE: Signal = 8;
pub const SIGKILL: Signal = 9;
pub const SIGUSR1: Signal = 10;
pub const SIGSEGV: Signal = 11;
pub const SIGUSR2: Signal = 12;
pub const SIGPIPE: Signal = 13;
pub const SIGALRM: Signal = 14;
pub const SIGTERM: Signal = 15;
pub const SIGSTKFLT: Signal = 16;
pub const SIGCHLD: Signal = 17;
pub const SIGCONT: Signal = 18;
pub const SIGSTOP: Signal = 19;
pub const SIGTSTP: Signal = 20;
pub const SIGTTIN: Signal = 21;
pub const SIGTTOU: Signal = 22;
pub const SIGURG: Signal = 23;
pub const SIGXCPU: Signal = 24;
pub const SIGXFSZ: Signal = 25;
pub const SIGVTALRM: Signal = 26;
pub const SIGPROF: Signal = 27;
pub const SIGWINCH: Signal = 28;
pub const SIGIO: Signal = 29;
pub const SIGPWR: Signal = 30;
pub const SIGSYS: Signal = 31;
pub const SIGRTMIN: Signal = 32;

/// `sa_handler` values.
pub const SIG_DFL: u64 = 0;
pub const SIG_IGN: u64 = 1;

/// `sa_flags` (Linux `uapi/asm-generic/signal-defs.h`, x86 `SA_RESTORER`).
pub const SA_NOCLDSTOP: u64 = 0x1;
pub const SA_NOCLDWAIT: u64 = 0x2;
pub const SA_SIGINFO: u64 = 0x4;
pub const SA_RESTORER: u64 = 0x0400_0000;
pub const SA_ONSTACK: u64 = 0x0800_0000;
pub const SA_RESTART: u64 = 0x1000_0000;
pub const SA_NODEFER: u64 = 0x4000_0000;
pub const SA_RESETHAND: u64 = 0x8000_0000;

/// `ss_flags` of `sigaltstack(2)`.
pub const SS_ONSTACK: i32 = 1;
pub const SS_DISABLE: i32 = 2;
pub const SS_AUTODISARM: i32 = 1 << 31;
/// The smallest alternate stack `sigaltstack` takes (x86 `MINSIGSTKSZ`).
pub const MINSIGSTKSZ: u64 = 2048;

/// How many real-time signals may wait in one pending set.
pub const RT_QUEUE_LIMIT: usize = 64;

/// The most entries a pending set ever holds: each standard signal once, besides the
/// real-time queue.
const MAX_QUEUED: usize = (SIGRTMIN - 1) as usize + RT_QUEUE_LIMIT;

/// The bit of `signal` in a 64-bit `sigset_t`.
pub const fn bit(signal: Signal) -> u64 {
    1 << (signal - 1)
}

/// SIGKILL and SIGSTOP can be neither blocked, caught nor ignored.
pub const UNBLOCKABLE: u64 = bit(SIGKILL) | bit(SIGSTOP);

/// The signals whose default action stops the process.
pub const STOP_SIGNALS: u64 = bit(SIGSTOP) | bit(SIGTSTP) | bit(SIGTTIN) | bit(SIGTTOU);

/// The signals the CPU raises for the instruction that faulted: delivered before others, so
/// that the handler sees the fault it is about (Linux `SYNCHRONOUS_MASK`).
const SYNCHRONOUS: u64 =
    bit(SIGSEGV) | bit(SIGBUS) | bit(SIGILL) | bit(SIGTRAP) | bit(SIGFPE) | bit(SIGSYS);

pub fn valid(signal: u64) -> bool {
    (1..=u64::from(NSIG)).contains(&signal)
}

/// What happens to a signal nobody handles (signal(7), "Standard signals").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DefaultAction {
    Terminate,
    /// Terminate and dump core (no core file is written: see [`termination_status`]).
    Core,
    Ignore,
    Stop,
    Continue,
}

pub const fn default_action(signal: Signal) -> DefaultAction {
    match signal {
        SIGQUIT | SIGILL | SIGTRAP | SIGABRT | SIGBUS | SIGFPE | SIGSEGV | SIGXCPU | SIGXFSZ
        | SIGSYS => DefaultAction::Core,
        SIGCHLD | SIGURG | SIGWINCH => DefaultAction::Ignore,
        SIGSTOP | SIGTSTP | SIGTTIN | SIGTTOU => DefaultAction::Stop,
        SIGCONT => DefaultAction::Continue,
        _ => DefaultAction::Terminate,
    }
}

/// The wait status of a process ended by `signal`'s default action (wait(2): the signal in
/// bits 0–6, bit 7 when a core file was written). Kestrel writes no core file (RLIMIT_CORE
/// reads 0), so bit 7 stays clear even for the "core" signals, as on a Linux whose core
/// limit is 0: shells say "Segmentation fault", not "(core dumped)".
pub const fn termination_status(signal: Signal) -> i32 {
    signal as i32
}

pub const fn name(signal: Signal) -> &'static str {
    match signal {
        SIGHUP => "SIGHUP",
        SIGINT => "SIGINT",
        SIGQUIT => "SIGQUIT",
        SIGILL => "SIGILL",
        SIGTRAP => "SIGTRAP",
        SIGABRT => "SIGABRT",
        SIGBUS => "SIGBUS",
        SIGFPE => "SIGFPE",
        SIGKILL => "SIGKILL",
        SIGUSR1 => "SIGUSR1",
        SIGSEGV => "SIGSEGV",
        SIGUSR2 => "SIGUSR2",
        SIGPIPE => "SIGPIPE",
        SIGALRM => "SIGALRM",
        SIGTERM => "SIGTERM",
        SIGSTKFLT => "SIGSTKFLT",
        SIGCHLD => "SIGCHLD",
        SIGCONT => "SIGCONT",
        SIGSTOP => "SIGSTOP",
        SIGTSTP => "SIGTSTP",
        SIGTTIN => "SIGTTIN",
        SIGTTOU => "SIGTTOU",
        SIGURG => "SIGURG",
        SIGXCPU => "SIGXCPU",
        SIGXFSZ => "SIGXFSZ",
        SIGVTALRM => "SIGVTALRM",
        SIGPROF => "SIGPROF",
        SIGWINCH => "SIGWINCH",
        SIGIO => "SIGIO",
        SIGPWR => "SIGPWR",
        SIGSYS => "SIGSYS",
        _ => "a real-time signal",
    }
}

/// A signal from its number or name, with or without `SIG` (`9`, `KILL`, `sigusr1`).
pub fn parse(text: &str) -> Option<Signal> {
    if let Ok(number) = text.parse::<u32>() {
        return valid(u64::from(number)).then_some(number);
    }
    let upper = text.to_ascii_uppercase();
    let bare = upper.strip_prefix("SIG").unwrap_or(&upper);
    (1..SIGRTMIN).find(|&signal| name(signal).strip_prefix("SIG") == Some(bare))
}

/// `struct sigaction` as the kernel ABI has it (`rt_sigaction`): handler, flags, restorer,
/// mask, 32 bytes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Action {
    pub handler: u64,
    pub flags: u64,
    pub restorer: u64,
    pub mask: u64,
}

pub const ACTION_SIZE: usize = 32;

impl Action {
    pub fn from_bytes(bytes: &[u8; ACTION_SIZE]) -> Self {
        let q = |i: usize| u64::from_le_bytes(bytes[i * 8..i * 8 + 8].try_into().expect("8"));
        Action {
            handler: q(0),
            flags: q(1),
            restorer: q(2),
            mask: q(3) & !UNBLOCKABLE,
        }
    }

    pub fn to_bytes(self) -> [u8; ACTION_SIZE] {
        let mut out = [0; ACTION_SIZE];
        for (i, value) in [self.handler, self.flags, self.restorer, self.mask]
            .into_iter()
            .enumerate()
        {
            out[i * 8..i * 8 + 8].copy_from_slice(&value.to_le_bytes());
        }
        out
    }

    /// A function of the program's runs for the signal.
    pub fn is_handler(&self) -> bool {
        self.handler != SIG_DFL && self.handler != SIG_IGN
    }
}

/// `si_code` values (Linux `uapi/asm-generic/siginfo.h`).
pub mod code {
    pub const SI_USER: i32 = 0;
    pub const SI_KERNEL: i32 = 0x80;
    pub const SI_TKILL: i32 = -6;
    pub const ILL_ILLOPN: i32 = 2;
    pub const FPE_INTDIV: i32 = 1;
    pub const FPE_FLTDIV: i32 = 3;
    pub const FPE_FLTOVF: i32 = 4;
    pub const FPE_FLTUND: i32 = 5;
    pub const FPE_FLTRES: i32 = 6;
    pub const FPE_FLTINV: i32 = 7;
    pub const SEGV_MAPERR: i32 = 1;
    pub const SEGV_ACCERR: i32 = 2;
    pub const BUS_ADRALN: i32 = 1;
    pub const TRAP_BRKPT: i32 = 1;
    pub const CLD_EXITED: i32 = 1;
    pub const CLD_KILLED: i32 = 2;
    pub const CLD_DUMPED: i32 = 3;
    pub const CLD_STOPPED: i32 = 5;
    pub const CLD_CONTINUED: i32 = 6;
}

/// The union part of `siginfo_t` that Kestrel fills.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detail {
    None,
    /// `kill`, `tkill`, the terminal: the sender's pid and uid.
    Sender {
        pid: u32,
        uid: u32,
    },
    /// A fault: the address (`si_addr`).
    Fault {
        addr: u64,
    },
    /// `SIGCHLD`: the child, its exit code or signal, CPU time in clock ticks (100 Hz).
    Child {
        pid: u32,
        uid: u32,
        status: i32,
        utime: i64,
        stime: i64,
    },
}

/// One generated signal: `siginfo_t` in the making.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SigInfo {
    pub signal: Signal,
    pub code: i32,
    pub detail: Detail,
}

pub const SIGINFO_SIZE: usize = crate::arch::signal_frame::SIGINFO_SIZE;

impl SigInfo {
    pub fn user(signal: Signal, pid: u32) -> Self {
        SigInfo {
            signal,
            code: code::SI_USER,
            detail: Detail::Sender { pid, uid: 0 },
        }
    }

    pub fn kernel(signal: Signal) -> Self {
        SigInfo {
            signal,
            code: code::SI_KERNEL,
            detail: Detail::Sender { pid: 0, uid: 0 },
        }
    }

    /// SIGCHLD about child `pid` with `code` (`CLD_*`) and `status` (exit code or signal).
    /// `si_uid`, `si_utime` and `si_stime` are 0: everyone is root, and no per-child CPU
    /// times are kept.
    pub fn child(code: i32, pid: u32, status: i32) -> Self {
        SigInfo {
            signal: SIGCHLD,
            code,
            detail: Detail::Child {
                pid,
                uid: 0,
                status,
                utime: 0,
                stime: 0,
            },
        }
    }

    pub fn fault(signal: Signal, code: i32, addr: u64) -> Self {
        SigInfo {
            signal,
            code,
            detail: Detail::Fault { addr },
        }
    }

    /// `siginfo_t` (128 bytes): signo, errno, code, then the union at offset 16.
    pub fn to_bytes(&self) -> [u8; SIGINFO_SIZE] {
        let mut out = [0u8; SIGINFO_SIZE];
        out[0..4].copy_from_slice(&(self.signal as i32).to_le_bytes());
        out[8..12].copy_from_slice(&self.code.to_le_bytes());
        match self.detail {
            Detail::None => {}
            Detail::Sender { pid, uid } => {
                out[16..20].copy_from_slice(&pid.to_le_bytes());
                out[20..24].copy_from_slice(&uid.to_le_bytes());
            }
            Detail::Fault { addr } => out[16..24].copy_from_slice(&addr.to_le_bytes()),
            Detail::Child {
                pid,
                uid,
                status,
                utime,
                stime,
            } => {
                out[16..20].copy_from_slice(&pid.to_le_bytes());
                out[20..24].copy_from_slice(&uid.to_le_bytes());
                out[24..28].copy_from_slice(&status.to_le_bytes());
                out[32..40].copy_from_slice(&utime.to_le_bytes());
                out[40..48].copy_from_slice(&stime.to_le_bytes());
            }
        }
        out
    }
}

/// A set of pending signals with the `siginfo` of each.
#[derive(Debug, Clone, Default)]
pub struct Pending {
    set: u64,
    queue: VecDeque<SigInfo>,
}

impl Pending {
    pub fn set(&self) -> u64 {
        self.set
    }

    /// Adds `info`; false when it was dropped (a standard signal already pending, or the
    /// real-time queue full).
    pub fn push(&mut self, info: SigInfo) -> bool {
        let b = bit(info.signal);
        if info.signal < SIGRTMIN && self.set & b != 0 {
            return false;
        }
        if info.signal >= SIGRTMIN && self.queue.len() >= RT_QUEUE_LIMIT {
            return false;
        }
        self.set |= b;
        self.queue.push_back(info);
        true
    }

    /// The signal to deliver next among those `allowed`: a synchronous one first, else the
    /// lowest number (signal(7): standard signals before real-time ones, real-time in order).
    pub fn next(&self, allowed: u64) -> Option<Signal> {
        let ready = self.set & allowed;
        if ready == 0 {
            return None;
        }
        let pick = if ready & SYNCHRONOUS != 0 {
            ready & SYNCHRONOUS
        } else {
            ready
        };
        Some(pick.trailing_zeros() + 1)
    }

    /// Takes the oldest instance of `signal`.
    pub fn take(&mut self, signal: Signal) -> Option<SigInfo> {
        let index = self.queue.iter().position(|i| i.signal == signal)?;
        let info = self.queue.remove(index);
        if !self.queue.iter().any(|i| i.signal == signal) {
            self.set &= !bit(signal);
        }
        info
    }

    /// Drops every instance of `signal` (its disposition became "ignore").
    pub fn discard(&mut self, signal: Signal) {
        self.queue.retain(|i| i.signal != signal);
        self.set &= !bit(signal);
    }

    pub fn clear(&mut self) {
        self.queue.clear();
        self.set = 0;
    }

    /// Makes room for as many entries as the set can hold, so that no later [`push`] allocates
    /// (an interrupt handler generates timer signals; the queue never shrinks).
    ///
    /// [`push`]: Pending::push
    pub fn reserve_all(&mut self) -> Result<(), alloc::collections::TryReserveError> {
        self.queue
            .try_reserve(MAX_QUEUED.saturating_sub(self.queue.len()))
    }
}

/// One thread's share: its mask, its own pending set, its alternate stack.
#[derive(Debug, Clone, Default)]
pub struct ThreadSignals {
    pub mask: u64,
    pub pending: Pending,
    /// The mask `rt_sigsuspend` replaced, put back by the handler frame or at return.
    pub saved_mask: Option<u64>,
    pub altstack: StackT,
}

/// Where a generated signal goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// The process: any thread that does not block it may take it.
    Process,
    /// One thread (scheduler thread id).
    Thread(u32),
}

/// A process's signal state.
#[derive(Debug, Clone)]
pub struct Signals {
    actions: [Action; NSIG as usize],
    shared: Pending,
    threads: BTreeMap<u32, ThreadSignals>,
}

impl Default for Signals {
    fn default() -> Self {
        Signals {
            actions: [Action::default(); NSIG as usize],
            shared: Pending::default(),
            threads: BTreeMap::new(),
        }
    }
}

impl Signals {
    pub fn action(&self, signal: Signal) -> Action {
        self.actions[(signal - 1) as usize]
    }

    /// Sets a disposition (the caller refused SIGKILL and SIGSTOP). An action that ignores
    /// the signal discards its pending instances (POSIX, sigaction).
    pub fn set_action(&mut self, signal: Signal, action: Action) {
        self.actions[(signal - 1) as usize] = action;
        if self.ignores(signal) {
            self.shared.discard(signal);
            for thread in self.threads.values_mut() {
                thread.pending.discard(signal);
            }
        }
    }

    /// Whether `signal` would be thrown away on delivery (so it need not be kept pending).
    pub fn ignores(&self, signal: Signal) -> bool {
        if signal == SIGKILL {
            return false;
        }
        match self.action(signal).handler {
            SIG_IGN => true,
            SIG_DFL => matches!(
                default_action(signal),
                DefaultAction::Ignore | DefaultAction::Continue
            ),
            _ => false,
        }
    }

    /// Thread `tid`'s state (made on first use: a thread starts with an empty mask).
    pub fn thread(&mut self, tid: u32) -> &mut ThreadSignals {
        self.threads.entry(tid).or_default()
    }

    pub fn mask(&self, tid: u32) -> u64 {
        self.threads.get(&tid).map_or(0, |t| t.mask)
    }

    pub fn set_mask(&mut self, tid: u32, mask: u64) {
        self.thread(tid).mask = mask & !UNBLOCKABLE;
    }

    /// Generates `info` for `target` (`main` is the process's first thread, for a process
    /// target). Returns false when it was discarded (ignored and not blocked, or already
    /// pending).
    pub fn post(&mut self, target: Target, main: u32, info: SigInfo) -> bool {
        if !self.blocked(target, main, info.signal) && self.ignores(info.signal) {
            return false;
        }
        match target {
            Target::Thread(tid) => self.thread(tid).pending.push(info),
            Target::Process => self.shared.push(info),
        }
    }

    /// Whether `target` blocks `signal` (a process blocks it when every thread does).
    fn blocked(&self, target: Target, main: u32, signal: Signal) -> bool {
        let b = bit(signal);
        match target {
            Target::Thread(tid) => self.mask(tid) & b != 0,
            Target::Process => {
                self.mask(main) & b != 0 && self.threads.values().all(|t| t.mask & b != 0)
            }
        }
    }

    /// Whether generating `signal` for `target` stops the process at once: a stop signal
    /// with the default action that is not blocked (a blocked one waits, pending, and stops
    /// the process when it is delivered).
    pub fn stops_now(&self, target: Target, main: u32, signal: Signal) -> bool {
        bit(signal) & STOP_SIGNALS != 0
            && self.action(signal).handler == SIG_DFL
            && !self.blocked(target, main, signal)
    }

    /// Whether thread `tid` ignores or blocks `signal`: then the terminal does not send
    /// SIGTTIN or SIGTTOU to its group (a read fails with `EIO`, a write goes through).
    pub fn refuses(&self, tid: u32, signal: Signal) -> bool {
        self.action(signal).handler == SIG_IGN || self.mask(tid) & bit(signal) != 0
    }

    /// Drops every pending instance of the signals in `set`, the process's and each
    /// thread's (SIGCONT drops pending stop signals, a stop signal drops a pending SIGCONT).
    pub fn discard_set(&mut self, set: u64) {
        for signal in 1..=NSIG {
            if set & bit(signal) != 0 {
                self.shared.discard(signal);
                for thread in self.threads.values_mut() {
                    thread.pending.discard(signal);
                }
            }
        }
    }

    /// Whether SIGKILL waits for thread `tid` (it ends a stopped process).
    pub fn kill_pending(&self, tid: u32) -> bool {
        let own = self.threads.get(&tid).map_or(0, |t| t.pending.set());
        (own | self.shared.set()) & bit(SIGKILL) != 0
    }

    /// A signal the thread cannot refuse (a fault, a bad signal frame; Linux `force_sig`):
    /// blocked or ignored, it is unblocked and its action reset to the default.
    pub fn force(&mut self, tid: u32, info: SigInfo) {
        let b = bit(info.signal);
        let index = (info.signal - 1) as usize;
        let thread = self.threads.entry(tid).or_default();
        if thread.mask & b != 0 || self.actions[index].handler == SIG_IGN {
            thread.mask &= !b;
            self.actions[index].handler = SIG_DFL;
        }
        self.thread(tid).pending.push(info);
    }

    /// Whether thread `tid` has a signal to take now: what interrupts its blocking calls.
    pub fn deliverable(&self, tid: u32) -> bool {
        let (mask, own) = self
            .threads
            .get(&tid)
            .map_or((0, 0), |t| (t.mask, t.pending.set()));
        (own | self.shared.set()) & !mask != 0
    }

    /// Pending and blocked (`rt_sigpending`).
    pub fn pending_blocked(&self, tid: u32) -> u64 {
        let (mask, own) = self
            .threads
            .get(&tid)
            .map_or((0, 0), |t| (t.mask, t.pending.set()));
        (own | self.shared.set()) & mask
    }

    /// Anything pending at all, blocked or not (a cheap hint for the return path).
    pub fn any_pending(&self) -> bool {
        self.shared.set() != 0 || self.threads.values().any(|t| t.pending.set() != 0)
    }

    /// The next signal thread `tid` takes, its own before the process's.
    pub fn dequeue(&mut self, tid: u32) -> Option<SigInfo> {
        let allowed = !self.mask(tid);
        let thread = self.thread(tid);
        if let Some(signal) = thread.pending.next(allowed) {
            return thread.pending.take(signal);
        }
        let signal = self.shared.next(allowed)?;
        self.shared.take(signal)
    }

    /// `execve`: handlers go back to the default (a caught signal cannot stay caught in a
    /// program that no longer has the handler); ignored signals stay ignored; masks and
    /// pending signals stay; alternate stacks go.
    pub fn exec(&mut self) {
        for action in &mut self.actions {
            if action.is_handler() {
                *action = Action::default();
            } else {
                action.flags = 0;
                action.restorer = 0;
                action.mask = 0;
            }
        }
        for thread in self.threads.values_mut() {
            thread.altstack = StackT::default();
        }
    }

    /// `fork`: the child gets the dispositions, the forking thread's mask and alternate
    /// stack for its only thread `child_tid`, and nothing pending.
    pub fn fork(&self, parent_tid: u32, child_tid: u32) -> Signals {
        let mut threads = BTreeMap::new();
        if let Some(parent) = self.threads.get(&parent_tid) {
            threads.insert(
                child_tid,
                ThreadSignals {
                    mask: parent.mask,
                    pending: Pending::default(),
                    saved_mask: None,
                    altstack: parent.altstack,
                },
            );
        }
        Signals {
            actions: self.actions,
            shared: Pending::default(),
            threads,
        }
    }

    /// Lets the process-wide pending set take any signal without allocating (the timers send
    /// theirs from the tick: `process::itimer`).
    pub fn reserve_shared(&mut self) -> Result<(), alloc::collections::TryReserveError> {
        self.shared.reserve_all()
    }

    /// A thread of the process ended: its own pending signals go with it.
    pub fn thread_exited(&mut self, tid: u32) {
        self.threads.remove(&tid);
    }

    /// A thread `new_tid` made by `creator` inherits its mask (clone(2)), without its pending
    /// signals or alternate stack.
    pub fn thread_created(&mut self, creator: u32, new_tid: u32) {
        let mask = self.mask(creator);
        self.thread(new_tid).mask = mask;
    }

    /// Renames thread state when a thread's id changes (a forked child's thread gets its id
    /// only once it is started).
    pub fn rename_thread(&mut self, from: u32, to: u32) {
        if let Some(state) = self.threads.remove(&from) {
            self.threads.insert(to, state);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAIN: u32 = 7;

    fn handler() -> Action {
        Action {
            handler: 0x40_1000,
            flags: SA_RESTORER,
            restorer: 0x40_2000,
            mask: 0,
        }
    }

    #[test]
    fn default_actions_follow_signal_7() {
        assert_eq!(default_action(SIGINT), DefaultAction::Terminate);
        assert_eq!(default_action(SIGPIPE), DefaultAction::Terminate);
        assert_eq!(default_action(SIGSEGV), DefaultAction::Core);
        assert_eq!(default_action(SIGQUIT), DefaultAction::Core);
        assert_eq!(default_action(SIGCHLD), DefaultAction::Ignore);
        assert_eq!(default_action(SIGTSTP), DefaultAction::Stop);
        assert_eq!(default_action(SIGRTMIN + 3), DefaultAction::Terminate);
        assert_eq!(termination_status(SIGINT), 2);
        assert_eq!(termination_status(SIGSEGV), 11);
        assert_eq!(termination_status(SIGKILL), 9);
    }

    #[test]
    fn signals_by_number_and_name() {
        assert_eq!(parse("9"), Some(SIGKILL));
        assert_eq!(parse("KILL"), Some(SIGKILL));
        assert_eq!(parse("sigusr1"), Some(SIGUSR1));
        assert_eq!(parse("SIGWINCH"), Some(SIGWINCH));
        assert_eq!(parse("0"), None);
        assert_eq!(parse("65"), None);
        assert_eq!(parse("NOPE"), None);
    }

    #[test]
    fn actions_round_trip_and_never_block_kill() {
        let action = Action {
            handler: 1,
            flags: 2,
            restorer: 3,
            mask: u64::MAX,
        };
        let back = Action::from_bytes(&action.to_bytes());
        assert_eq!(back.mask, !UNBLOCKABLE);
        assert_eq!(back.handler, 1);
        assert_eq!(back.restorer, 3);
    }

    #[test]
    fn ignored_signals_are_discarded_unless_blocked() {
        let mut s = Signals::default();
        assert!(!s.post(Target::Process, MAIN, SigInfo::kernel(SIGCHLD)));
        assert!(!s.deliverable(MAIN));
        s.set_mask(MAIN, bit(SIGCHLD));
        assert!(s.post(Target::Process, MAIN, SigInfo::kernel(SIGCHLD)));
        assert_eq!(s.pending_blocked(MAIN), bit(SIGCHLD));
        assert!(!s.deliverable(MAIN));
        // Ignoring it explicitly drops the blocked instance.
        s.set_action(
            SIGCHLD,
            Action {
                handler: SIG_IGN,
                ..Action::default()
            },
        );
        assert_eq!(s.pending_blocked(MAIN), 0);
    }

    #[test]
    fn standard_signals_do_not_queue_real_time_ones_do() {
        let mut s = Signals::default();
        s.set_action(SIGUSR1, handler());
        s.set_action(SIGRTMIN + 1, handler());
        assert!(s.post(Target::Process, MAIN, SigInfo::user(SIGUSR1, 3)));
        assert!(!s.post(Target::Process, MAIN, SigInfo::user(SIGUSR1, 4)));
        assert!(s.post(Target::Process, MAIN, SigInfo::user(SIGRTMIN + 1, 5)));
        assert!(s.post(Target::Process, MAIN, SigInfo::user(SIGRTMIN + 1, 6)));
        assert_eq!(s.dequeue(MAIN).unwrap(), SigInfo::user(SIGUSR1, 3));
        assert_eq!(
            s.dequeue(MAIN).unwrap().detail,
            Detail::Sender { pid: 5, uid: 0 }
        );
        assert_eq!(
            s.dequeue(MAIN).unwrap().detail,
            Detail::Sender { pid: 6, uid: 0 }
        );
        assert_eq!(s.dequeue(MAIN), None);
    }

    #[test]
    fn masks_hold_signals_back_and_faults_come_first() {
        let mut s = Signals::default();
        s.set_action(SIGINT, handler());
        s.set_action(SIGSEGV, handler());
        s.set_mask(MAIN, bit(SIGINT) | UNBLOCKABLE);
        assert_eq!(s.mask(MAIN), bit(SIGINT), "SIGKILL cannot be blocked");
        s.post(Target::Process, MAIN, SigInfo::kernel(SIGINT));
        assert!(!s.deliverable(MAIN));
        s.post(Target::Process, MAIN, SigInfo::kernel(SIGHUP));
        s.post(
            Target::Thread(MAIN),
            MAIN,
            SigInfo::fault(SIGSEGV, code::SEGV_MAPERR, 8),
        );
        assert_eq!(s.dequeue(MAIN).unwrap().signal, SIGSEGV);
        assert_eq!(s.dequeue(MAIN).unwrap().signal, SIGHUP);
        assert_eq!(s.dequeue(MAIN), None);
        s.set_mask(MAIN, 0);
        assert_eq!(s.dequeue(MAIN).unwrap().signal, SIGINT);
    }

    #[test]
    fn a_forced_fault_unblocks_and_resets_an_ignored_signal() {
        let mut s = Signals::default();
        s.set_action(
            SIGSEGV,
            Action {
                handler: SIG_IGN,
                ..Action::default()
            },
        );
        s.set_mask(MAIN, bit(SIGSEGV));
        s.force(MAIN, SigInfo::fault(SIGSEGV, code::SEGV_MAPERR, 0));
        assert_eq!(s.action(SIGSEGV).handler, SIG_DFL);
        assert_eq!(s.mask(MAIN), 0);
        assert!(s.deliverable(MAIN));
    }

    #[test]
    fn exec_resets_handlers_and_fork_copies_dispositions() {
        let mut s = Signals::default();
        s.set_action(SIGUSR1, handler());
        s.set_action(
            SIGUSR2,
            Action {
                handler: SIG_IGN,
                ..Action::default()
            },
        );
        s.set_mask(MAIN, bit(SIGHUP));
        s.post(Target::Process, MAIN, SigInfo::kernel(SIGUSR1));
        let child = s.fork(MAIN, 9);
        assert_eq!(child.action(SIGUSR1), handler());
        assert_eq!(child.mask(9), bit(SIGHUP));
        assert!(!child.any_pending(), "a child starts with nothing pending");
        s.exec();
        assert_eq!(s.action(SIGUSR1).handler, SIG_DFL);
        assert_eq!(s.action(SIGUSR2).handler, SIG_IGN);
        assert_eq!(s.mask(MAIN), bit(SIGHUP));
        assert!(s.any_pending());
    }

    #[test]
    fn stop_signals_stop_unless_blocked_or_handled() {
        let mut s = Signals::default();
        assert!(s.stops_now(Target::Process, MAIN, SIGSTOP));
        assert!(s.stops_now(Target::Thread(MAIN), MAIN, SIGTSTP));
        assert!(!s.stops_now(Target::Process, MAIN, SIGCONT));
        assert!(!s.stops_now(Target::Process, MAIN, SIGINT));
        // Blocked, SIGTSTP waits pending (its default is no longer "ignore").
        s.set_mask(MAIN, bit(SIGTSTP) | bit(SIGSTOP));
        assert!(!s.stops_now(Target::Process, MAIN, SIGTSTP));
        assert!(
            s.stops_now(Target::Process, MAIN, SIGSTOP),
            "SIGSTOP cannot be blocked"
        );
        assert!(s.post(Target::Process, MAIN, SigInfo::kernel(SIGTSTP)));
        assert_eq!(s.pending_blocked(MAIN), bit(SIGTSTP));
        // SIGCONT's generation drops pending stop signals.
        s.discard_set(STOP_SIGNALS);
        assert!(!s.any_pending());
        s.set_mask(MAIN, 0);
        s.set_action(SIGTSTP, handler());
        assert!(!s.stops_now(Target::Process, MAIN, SIGTSTP));
        // SIGCONT with the default action continues at generation and is not kept.
        assert!(!s.post(Target::Process, MAIN, SigInfo::kernel(SIGCONT)));
    }

    #[test]
    fn the_terminal_asks_whether_a_thread_refuses_ttin_and_ttou() {
        let mut s = Signals::default();
        assert!(!s.refuses(MAIN, SIGTTIN));
        s.set_mask(MAIN, bit(SIGTTIN));
        assert!(s.refuses(MAIN, SIGTTIN));
        s.set_action(
            SIGTTOU,
            Action {
                handler: SIG_IGN,
                ..Action::default()
            },
        );
        assert!(s.refuses(MAIN, SIGTTOU));
        assert!(!s.kill_pending(MAIN));
        s.post(Target::Process, MAIN, SigInfo::kernel(SIGKILL));
        assert!(s.kill_pending(MAIN));
    }

    #[test]
    fn a_reserved_pending_set_never_grows() {
        let mut s = Signals::default();
        s.set_mask(MAIN, u64::MAX);
        s.reserve_shared().unwrap();
        let room = s.shared.queue.capacity();
        // Real-time signals first fill their queue; then every standard one still fits.
        for round in 0..2 * RT_QUEUE_LIMIT as u32 {
            s.post(
                Target::Process,
                MAIN,
                SigInfo::kernel(SIGRTMIN + round % 33),
            );
        }
        for signal in 1..SIGRTMIN {
            s.post(Target::Process, MAIN, SigInfo::kernel(signal));
            s.post(Target::Process, MAIN, SigInfo::kernel(signal));
        }
        // SIGSTOP cannot be blocked, so it may be taken at once instead of kept.
        assert!(s.shared.queue.len() >= MAX_QUEUED - 1);
        assert_eq!(s.shared.queue.capacity(), room);
    }

    #[test]
    fn siginfo_has_linuxs_layout() {
        let info = SigInfo {
            signal: SIGCHLD,
            code: code::CLD_EXITED,
            detail: Detail::Child {
                pid: 42,
                uid: 0,
                status: 3,
                utime: 1,
                stime: 2,
            },
        };
        let bytes = info.to_bytes();
        assert_eq!(&bytes[0..4], &17i32.to_le_bytes());
        assert_eq!(&bytes[8..12], &1i32.to_le_bytes());
        assert_eq!(&bytes[16..20], &42u32.to_le_bytes());
        assert_eq!(&bytes[24..28], &3i32.to_le_bytes());
        let fault = SigInfo::fault(SIGSEGV, code::SEGV_ACCERR, 0xdead_beef).to_bytes();
        assert_eq!(&fault[16..24], &0xdead_beefu64.to_le_bytes());
    }
}
