//! The console as a terminal (termios(3), tty_ioctl(4), credentials(7) on sessions): a line
//! discipline ([`discipline`]) over the keyboard and the serial line, the settings programs
//! change with TCSETS ([`termios`]), job control (a foreground process group, the session
//! whose controlling terminal the console is) and the window size.
//!
//! Input: whoever owns the keyboard while a program runs (the kernel shell) hands each key to
//! [`feed_key`], which turns it into the bytes a terminal sends ([`keys`]) and runs them
//! through the discipline: echo is printed, VINTR/VQUIT/VSUSP signal the foreground group,
//! completed input wakes readers. Output: [`write`] prints a program's bytes (OCRNL applied;
//! the console itself starts a new line at NL, so ONLCR is always in effect).
//!
//! Job control: at boot the console is the controlling terminal of session 0, where the
//! kernel shell starts every program as a process group of its own. A process of the
//! terminal's session outside the foreground group (a background job) that reads it gets
//! SIGTTIN for its group, and the read is restarted once the group is continued; the read
//! fails with `EIO` instead when the reader ignores or blocks SIGTTIN or its group is
//! orphaned (no shell to continue it), or when the terminal has no foreground group. A
//! background write with TOSTOP set, and a background TCSETS*, TIOCSPGRP, TCFLSH or
//! TCXONC, get SIGTTOU the same way, and go through when SIGTTOU is ignored or blocked (a
//! shell taking the terminal back), `EIO` for an orphaned group (Linux `tty_check_change`).
//! A process in another session (after setsid) reads without these checks, as Linux allows
//! for a terminal that is not one's controlling terminal, unless it takes the console with
//! TIOCSCTTY.

pub mod discipline;
pub mod keys;
pub mod termios;

use super::signal::{self, SigInfo, Target};
use super::{Pid, Process};
use crate::input::Key;
use crate::sched::irq_mutex::IrqMutex;
use crate::sched::{self, Wait};
use crate::syscall::SysResult;
use crate::syscall::errno::*;
use crate::syscall::uaccess::{copy_from_user, copy_to_user};
use alloc::vec::Vec;
use discipline::Discipline;
use termios::{TERMIOS_SIZE, Termios, VERASE, VMIN, VTIME};

struct Console {
    discipline: Option<Discipline>,
    /// The foreground process group, which reads and gets the signal characters' signals.
    foreground: Option<Pid>,
    /// The session whose controlling terminal the console is (0: the kernel's).
    session: Option<Pid>,
    /// Set by TIOCSWINSZ; until then the screen's size.
    winsize: Option<[u16; 4]>,
    /// Threads blocked in a read (woken by input, whatever they wait for).
    readers: Vec<u32>,
}

static TTY: IrqMutex<Console> = IrqMutex::new(Console {
    discipline: None,
    foreground: None,
    session: Some(0),
    winsize: None,
    readers: Vec::new(),
});

impl Console {
    fn discipline(&mut self) -> &mut Discipline {
        self.discipline.get_or_insert_with(Discipline::new)
    }

    fn is_controlling(&self, process: &Process) -> bool {
        self.session == Some(process.sid())
    }
}

/// Gives the console to process group `pgid` (the kernel shell's foreground program), or to
/// nobody. Unread input is dropped and the settings go back to Linux's defaults, so a
/// program that left the terminal raw does not leave it so for the next one.
pub fn set_foreground(pgid: Option<u32>) {
    let mut tty = TTY.lock();
    tty.foreground = pgid;
    tty.session = Some(0);
    tty.discipline = Some(Discipline::new());
}

pub fn foreground() -> Option<u32> {
    TTY.lock().foreground
}

/// One typed key for the foreground program.
pub fn feed_key(key: Key) {
    let erase = TTY.lock().discipline().termios.cc[VERASE];
    receive(&keys::encode(key, erase));
}

/// One typed character for the foreground program (`\n` is Enter, `\u{8}` Backspace).
pub fn feed(ch: char) {
    match ch {
        '\n' | '\r' => feed_key(Key::Enter),
        '\u{8}' => feed_key(Key::Backspace),
        ch => {
            let mut utf8 = [0; 4];
            receive(ch.encode_utf8(&mut utf8).as_bytes());
        }
    }
}

/// Bytes as a terminal sends them, through the line discipline.
pub fn receive(bytes: &[u8]) {
    for &byte in bytes {
        let (fx, foreground, echo) = {
            let mut tty = TTY.lock();
            let foreground = tty.foreground;
            let fx = tty.discipline().receive(byte);
            let echo = tty.discipline().output(&fx.echo);
            (fx, foreground, echo)
        };
        if !echo.is_empty() {
            print_bytes(&echo);
        }
        if let (Some(signal), Some(group)) = (fx.signal, foreground) {
            signal_group(group, signal);
        }
        if fx.readable {
            wake_readers();
        }
    }
}

fn wake_readers() {
    let readers = core::mem::take(&mut TTY.lock().readers);
    for tid in readers {
        sched::wake(tid);
    }
    sched::wake_all(Wait::Console);
}

/// Sends `signal` from the terminal to every process of group `pgid`.
fn signal_group(pgid: Pid, signal: u32) {
    for process in super::list() {
        if process.pgid() == pgid {
            signal::deliver::send(&process, Target::Process, SigInfo::kernel(signal));
        }
    }
}

/// Whether `process` is in the terminal's session but not its foreground group, and so
/// whether there is a foreground group at all.
fn background(process: &Process) -> (bool, bool) {
    let tty = TTY.lock();
    let outside = tty.is_controlling(process) && tty.foreground != Some(process.pgid());
    (outside, tty.foreground.is_some())
}

/// Job control for a background process touching the terminal (Linux `__tty_check_change`
/// for SIGTTOU, n_tty's `job_control` for SIGTTIN): `Ok` to go on, `ERESTARTSYS` after
/// sending `signal` to the caller's group (the call runs again once it is continued),
/// `EIO` when the group cannot be stopped. `refused` is the answer when the caller ignores
/// or blocks `signal`: `EIO` for a read, `Ok` for output and settings.
fn job_control(process: &Process, signal: u32, refused: Result<(), Errno>) -> Result<(), Errno> {
    let (outside, has_foreground) = background(process);
    if !outside {
        return Ok(());
    }
    if !has_foreground {
        // Nobody owns the terminal (the kernel shell between programs): reads end at once,
        // as before job control; output and settings go through.
        return if signal == signal::SIGTTIN {
            Err(EIO)
        } else {
            Ok(())
        };
    }
    if process.signals.lock().refuses(sched::current(), signal) {
        return refused;
    }
    let pgid = process.pgid();
    if signal::jobctl::orphaned(pgid) {
        return Err(EIO);
    }
    signal_group(pgid, signal);
    Err(ERESTARTSYS)
}

/// Before `process` writes to the console: with TOSTOP set, a background job gets SIGTTOU.
pub fn check_write(process: &Process) -> Result<(), Errno> {
    let tostop = TTY.lock().discipline().termios.local(termios::TOSTOP);
    if !tostop {
        return Ok(());
    }
    job_control(process, signal::SIGTTOU, Ok(()))
}

/// Before `process` changes the terminal's settings or foreground group: a background job
/// gets SIGTTOU.
fn check_change(process: &Process) -> Result<(), Errno> {
    job_control(process, signal::SIGTTOU, Ok(()))
}

/// A program's output to the console.
pub fn write(bytes: &[u8]) {
    let out = TTY.lock().discipline().output(bytes);
    print_bytes(&out);
    // A cursor position request (ash sends one with every prompt): the screen's answer comes
    // back as input, after the screen lock is let go (the answer's echo prints).
    if let Some(reply) = crate::console::take_screen_reply() {
        receive(reply.as_bytes());
    }
}

fn print_bytes(bytes: &[u8]) {
    for chunk in bytes.utf8_chunks() {
        crate::print!("{}", chunk.valid());
        if !chunk.invalid().is_empty() {
            crate::print!("\u{FFFD}");
        }
    }
}

/// VTIME is in tenths of a second.
fn deciseconds_to_ticks(tenths: u8) -> u64 {
    let period = crate::time::tick_period().as_nanos() as u64;
    (u64::from(tenths) * 100_000_000).div_ceil(period.max(1))
}

/// For poll(2): whether a read of the console by `process` would not block (input is ready,
/// or the read fails at once: a background read of the controlling terminal is `EIO`).
pub fn readable(process: &Process) -> bool {
    let mut tty = TTY.lock();
    (tty.is_controlling(process) && tty.foreground != Some(process.pgid()))
        || tty.discipline().readable()
}

/// `read(2)` of the console by `process`: a line in canonical mode, else as VMIN and VTIME
/// say (termios(3): MIN bytes, or what came before TIME ran out between bytes, or after the
/// read began when MIN is 0). Interrupts must be off. `ERESTARTSYS` when a signal arrived
/// before any byte.
pub fn read(process: &Process, max: usize) -> Result<Vec<u8>, Errno> {
    if max == 0 {
        return Ok(Vec::new());
    }
    let tid = sched::current();
    let start = crate::time::clock_ticks();
    let mut out = Vec::new();
    let mut deadline = None;
    loop {
        job_control(process, signal::SIGTTIN, Err(EIO))?;
        {
            let mut tty = TTY.lock();
            let d = tty.discipline();
            if d.termios.local(termios::ICANON) {
                if let Some(line) = d.read_line(max) {
                    return Ok(line);
                }
            } else {
                let (vmin, vtime) = (d.termios.cc[VMIN], d.termios.cc[VTIME]);
                let before = out.len();
                out.extend(d.read_raw(max - out.len()));
                let minimum = usize::from(vmin.max(1)).min(max);
                if out.len() >= minimum || (vmin == 0 && vtime == 0) {
                    return Ok(out);
                }
                let now = crate::time::clock_ticks();
                if vtime > 0 {
                    if vmin == 0 {
                        deadline.get_or_insert(start + deciseconds_to_ticks(vtime));
                    } else if out.len() > before {
                        // The timer runs between bytes, from the latest one.
                        deadline = Some(now + deciseconds_to_ticks(vtime));
                    }
                }
                if deadline.is_some_and(|d| now >= d) {
                    return Ok(out);
                }
            }
            // Input that came with a signal is read first (as Linux's n_tty_read).
            if process.kill_pending() {
                return if out.is_empty() {
                    Err(ERESTARTSYS)
                } else {
                    Ok(out)
                };
            }
            tty.readers.push(tid);
        }
        match deadline {
            Some(until) => sched::block(Wait::Sleep(until)),
            None => sched::block(Wait::Console),
        }
        TTY.lock().readers.retain(|&t| t != tid);
    }
}

/// Whether a read of the console by `process` would return at once (poll's POLLIN): input
/// is there, or the read fails (`EIO` for a background process). Readers wait on
/// `Wait::Console`, which every input wakes.
pub fn read_ready(process: &Process) -> bool {
    let mut tty = TTY.lock();
    if tty.is_controlling(process) && tty.foreground != Some(process.pgid()) {
        return true;
    }
    tty.discipline().readable()
}

// ioctl requests (Linux `asm-generic/ioctls.h`).
const TCGETS: u64 = 0x5401;
const TCSETS: u64 = 0x5402;
const TCSETSW: u64 = 0x5403;
const TCSETSF: u64 = 0x5404;
const TCSBRK: u64 = 0x5409;
const TCXONC: u64 = 0x540A;
const TCFLSH: u64 = 0x540B;
const TIOCSCTTY: u64 = 0x540E;
const TIOCGPGRP: u64 = 0x540F;
const TIOCSPGRP: u64 = 0x5410;
const TIOCGWINSZ: u64 = 0x5413;
const TIOCSWINSZ: u64 = 0x5414;
const FIONREAD: u64 = 0x541B;
const TIOCNOTTY: u64 = 0x5422;
const TIOCGSID: u64 = 0x5429;

fn read_i32(addr: u64) -> Result<i32, Errno> {
    let mut raw = [0u8; 4];
    copy_from_user(&mut raw, addr)?;
    Ok(i32::from_le_bytes(raw))
}

fn write_i32(addr: u64, value: i32) -> Result<(), Errno> {
    copy_to_user(addr, &value.to_le_bytes())
}

/// The window size: set by TIOCSWINSZ, else the screen's text grid (less its status row),
/// else the classic 80x24 when there is no screen.
fn winsize(tty: &Console) -> [u16; 4] {
    if let Some(size) = tty.winsize {
        return size;
    }
    let (columns, rows) = crate::console::screen_size();
    if columns == 0 || rows <= 1 {
        return [24, 80, 0, 0];
    }
    [(rows - 1) as u16, columns as u16, 0, 0]
}

/// Whether any live process of session `sid` is in group `pgid`.
fn group_in_session(pgid: Pid, sid: Pid) -> Option<bool> {
    let mut found = None;
    for process in super::list() {
        if process.pgid() == pgid && process.exit_status().is_none() {
            found = Some(found.unwrap_or(false) || process.sid() == sid);
        }
    }
    found
}

/// The terminal ioctls on the console (tty_ioctl(4)).
pub fn ioctl(process: &Process, request: u64, arg: u64) -> SysResult {
    match request {
        TCGETS => {
            let termios = TTY.lock().discipline().termios;
            copy_to_user(arg, &termios.to_bytes())?;
            Ok(0)
        }
        TCSETS | TCSETSW | TCSETSF => {
            check_change(process)?;
            let mut raw = [0u8; TERMIOS_SIZE];
            copy_from_user(&mut raw, arg)?;
            let mut tty = TTY.lock();
            let d = tty.discipline();
            if request == TCSETSF {
                d.flush_input();
            }
            d.set_termios(Termios::from_bytes(&raw));
            drop(tty);
            // Leaving canonical mode can make typed bytes readable.
            wake_readers();
            Ok(0)
        }
        TCSBRK => Ok(0),
        TCXONC => match check_change(process).map(|()| arg)? {
            0..=3 => Ok(0),
            _ => Err(EINVAL),
        },
        TCFLSH => match check_change(process).map(|()| arg)? {
            0 | 2 => {
                TTY.lock().discipline().flush_input();
                Ok(0)
            }
            1 => Ok(0),
            _ => Err(EINVAL),
        },
        FIONREAD => {
            let available = TTY.lock().discipline().available();
            write_i32(arg, available as i32)?;
            Ok(0)
        }
        TIOCGWINSZ => {
            let size = winsize(&TTY.lock());
            let mut raw = [0u8; 8];
            for (i, v) in size.iter().enumerate() {
                raw[i * 2..i * 2 + 2].copy_from_slice(&v.to_le_bytes());
            }
            copy_to_user(arg, &raw)?;
            Ok(0)
        }
        TIOCSWINSZ => {
            let mut raw = [0u8; 8];
            copy_from_user(&mut raw, arg)?;
            let size: [u16; 4] =
                core::array::from_fn(|i| u16::from_le_bytes([raw[i * 2], raw[i * 2 + 1]]));
            let (changed, foreground) = {
                let mut tty = TTY.lock();
                let changed = winsize(&tty) != size;
                tty.winsize = Some(size);
                (changed, tty.foreground)
            };
            if let (true, Some(group)) = (changed, foreground) {
                signal_group(group, signal::SIGWINCH);
            }
            Ok(0)
        }
        TIOCGPGRP => {
            let foreground = {
                let tty = TTY.lock();
                if !tty.is_controlling(process) {
                    return Err(ENOTTY);
                }
                tty.foreground.unwrap_or(0)
            };
            write_i32(arg, foreground as i32)?;
            Ok(0)
        }
        TIOCSPGRP => {
            if !TTY.lock().is_controlling(process) {
                return Err(ENOTTY);
            }
            let pgid = read_i32(arg)?;
            let pgid = Pid::try_from(pgid).map_err(|_| EINVAL)?;
            check_change(process)?;
            match group_in_session(pgid, process.sid()) {
                None => Err(ESRCH),
                Some(false) => Err(EPERM),
                Some(true) => {
                    TTY.lock().foreground = Some(pgid);
                    Ok(0)
                }
            }
        }
        TIOCGSID => {
            let session = {
                let tty = TTY.lock();
                if !tty.is_controlling(process) {
                    return Err(ENOTTY);
                }
                tty.session.unwrap_or(0)
            };
            write_i32(arg, session as i32)?;
            Ok(0)
        }
        TIOCSCTTY => {
            let sid = process.sid();
            if sid != process.pid {
                return Err(EPERM);
            }
            let mut tty = TTY.lock();
            if tty.session == Some(sid) {
                return Ok(0);
            }
            // The kernel's session 0 has no leader to keep the console; another live
            // session keeps it unless the caller (root) insists with arg 1.
            let owner_alive = tty.session.is_some_and(|owner| {
                owner != 0 && super::get(owner).is_some_and(|p| p.exit_status().is_none())
            });
            if owner_alive && arg != 1 {
                return Err(EPERM);
            }
            tty.session = Some(sid);
            tty.foreground = Some(process.pgid());
            Ok(0)
        }
        TIOCNOTTY => {
            let mut tty = TTY.lock();
            if !tty.is_controlling(process) {
                return Err(ENOTTY);
            }
            if process.sid() == process.pid {
                tty.session = None;
                tty.foreground = None;
            }
            Ok(0)
        }
        _ => Err(ENOTTY),
    }
}
