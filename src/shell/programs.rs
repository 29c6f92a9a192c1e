//! The shell's side of user programs: running one in the foreground (its input comes from
//! here, through the console's terminal: Ctrl-C sends it SIGINT) or in the background
//! (`&`), reporting background jobs that ended,
//! and `ps`, `kill`, `ls`, `cat` over the processes and the root file system.

use crate::console;
use crate::input;
use crate::process::fault::{SIGTERM, signal_name};
use crate::process::signal;
use crate::process::{self, KERNEL_PID, Reaped, WaitError, tty};
use crate::task::runtime;
use crate::vfs::Follow;
use crate::{print, println, sched, time};
use alloc::vec::Vec;

/// How often the shell looks for input and for the foreground program's exit.
const POLL_TICKS: u32 = 2;

/// `PATH ARGS [&]`: starts the program; waits for it unless `&` ends the line.
pub async fn run(line: &str) {
    let (argv, background) = match super::words::split(line) {
        Ok(split) => (split.words, split.background),
        Err(err) => return println!("{err}"),
    };
    let Some(path) = argv.first().cloned() else {
        return;
    };
    let spawned = if background {
        process::spawn(&path, argv, KERNEL_PID)
    } else {
        process::spawn_on_console(&path, argv, None, KERNEL_PID)
    };
    let pid = match spawned {
        Ok(pid) => pid,
        Err(err) => {
            println!("{}: {err}", alloc::string::String::from_utf8_lossy(&path));
            return;
        }
    };
    if background {
        println!("[{pid}]");
        return;
    }
    if let Some(reaped) = foreground(pid).await {
        report(reaped, false);
    }
}

/// Feeds the console to `pid` (spawned on it) until it exits (Ctrl-C kills it); returns how
/// it ended. A program that stops (SIGSTOP: the kernel shell's programs ignore Ctrl-Z, their
/// groups being orphaned) goes on in the background: `kill -CONT PID` continues it there.
async fn foreground(pid: process::Pid) -> Option<Reaped> {
    let wanted = process::WaitFor {
        exited: true,
        stopped: true,
        no_hang: true,
        ..process::WaitFor::default()
    };
    let reaped = loop {
        // Every key goes to the terminal: its line discipline echoes, edits lines and turns
        // Ctrl-C into SIGINT for the foreground process group (`process::tty`).
        while let Some(key) = input::read_key() {
            tty::feed_key(key);
        }
        match process::wait_for(KERNEL_PID, i64::from(pid), wanted) {
            Ok(reaped) if reaped.status & 0xff == 0x7f => {
                let signal = (reaped.status >> 8) & 0x7f;
                println!("[{pid}] stopped by {}", signal_name(signal));
                break None;
            }
            Ok(reaped) => break Some(reaped),
            Err(WaitError::WouldBlock) => {}
            Err(_) => break None,
        }
        runtime::sleep(time::tick_period() * POLL_TICKS).await;
    };
    tty::set_foreground(None);
    reaped
}

/// The environment of the `init=` program.
const INIT_ENVIRONMENT: [&[u8]; 3] = [b"HOME=/", b"PATH=/bin:/usr/bin", b"TERM=linux"];

/// `init=PATH`: runs the program as the first process (PID 1 when nothing ran before it) on
/// the console, with `argv[0]` = PATH, until it ends; then says how it ended. The kernel shell
/// takes over afterwards, as it does when the program cannot start.
pub async fn run_init(path: &[u8]) {
    let shown = alloc::string::String::from_utf8_lossy(path).into_owned();
    let envp = INIT_ENVIRONMENT.iter().map(|v| v.to_vec()).collect();
    // Orphans are its children while it runs (`process::orphans`), from its first
    // instruction on: it cannot run before it is named.
    let spawned = crate::arch::interrupts::without_interrupts(|| {
        let spawned =
            process::spawn_on_console(path, alloc::vec![path.to_vec()], Some(envp), KERNEL_PID);
        if let Ok(pid) = spawned {
            process::orphans::set_init(Some(pid));
        }
        spawned
    });
    let pid = match spawned {
        Ok(pid) => pid,
        Err(err) => {
            log::error!("init: cannot start {shown}: {err}");
            println!("init: {shown}: {err}; starting the kernel shell");
            return;
        }
    };
    log::info!("init: started {shown} as PID {pid}");
    // Test runners wait for this line before they type (the kernel shell prints it too).
    println!("kestrel: ready for input (init {shown} runs as PID {pid} on the console)");
    let reaped = foreground(pid).await;
    process::orphans::set_init(None);
    let Some(reaped) = reaped else {
        return;
    };
    let signal = reaped.status & 0x7f;
    let how = if signal != 0 {
        alloc::format!("was killed by {}", signal_name(signal))
    } else {
        alloc::format!("exited with status {}", (reaped.status >> 8) & 0xff)
    };
    log::warn!("init: PID {pid} ({shown}) {how}");
    println!("init: PID {pid} ({shown}) {how}; starting the kernel shell");
}

/// Says how a program ended, with the status a POSIX shell gives `$?`: the exit code, or
/// 128 plus the signal that killed it.
fn report(reaped: Reaped, background: bool) {
    let signal = reaped.status & 0x7f;
    let code = (reaped.status >> 8) & 0xff;
    if signal != 0 {
        if !background && !console::at_line_start() {
            // After the terminal's echo of `^C` or `^\`.
            println!();
        }
        let core = if reaped.status & 0x80 != 0 {
            " (core dumped)"
        } else {
            ""
        };
        println!(
            "[{}] killed by {}{core}, status {}",
            reaped.pid,
            signal_name(signal),
            128 + signal
        );
    } else if background || code != 0 {
        println!("[{}] exited with status {code}", reaped.pid);
    }
}

/// Reports background programs that ended since the last command.
pub fn reap_background() {
    while let Ok(reaped) = process::wait(KERNEL_PID, -1, true) {
        report(reaped, true);
    }
}

/// `ps`: every thread with its process, state and CPU time.
pub fn ps() {
    println!(
        "  {:>4} {:>4}  {:<11} {:>9}  name",
        "tid", "pid", "state", "cpu ms"
    );
    let ms_per_tick = time::tick_period().as_micros() as u64;
    for thread in sched::threads() {
        let pid = thread
            .pid
            .map_or(alloc::string::String::from("-"), |p| alloc::format!("{p}"));
        println!(
            "  {:>4} {:>4}  {:<11} {:>9}  {}",
            thread.tid,
            pid,
            thread.state.name(),
            thread.ticks * ms_per_tick / 1000,
            thread.name
        );
    }
}

/// `kill [-SIGNAL] PID`: SIGNAL is a number or a name (`-9`, `-KILL`, `-SIGUSR1`).
pub fn kill(argument: &str) {
    let mut words = argument.split_whitespace();
    let (signal, pid) = match (words.next(), words.next(), words.next()) {
        (Some(pid), None, None) => (Some(SIGTERM as u32), pid),
        (Some(signal), Some(pid), None) if signal.starts_with('-') => {
            (signal::parse(&signal[1..]), pid)
        }
        _ => return println!("usage: kill [-SIGNAL] PID"),
    };
    let Some(signal) = signal else {
        return println!(
            "kill: unknown signal {}",
            argument.split_whitespace().next().unwrap_or("")
        );
    };
    match pid.parse::<u32>() {
        Ok(pid) if process::kill(pid, signal as i32) => {
            println!("sent {} to {pid}", signal::name(signal))
        }
        Ok(pid) => println!("kill: no process {pid}"),
        Err(_) => println!("usage: kill [-SIGNAL] PID"),
    }
}

/// `ls [PATH]`. File-system locks are taken with interrupts off everywhere (system calls run
/// so), so the shell must not be preempted while it holds one.
pub fn ls(path: &str) {
    crate::arch::interrupts::without_interrupts(|| list(path));
}

fn list(path: &str) {
    let path = if path.is_empty() { "/" } else { path };
    let vfs = crate::rootfs::vfs();
    let at = match vfs.resolve(vfs.root(), path.as_bytes(), Follow::Yes) {
        Ok(at) => at,
        Err(err) => return println!("ls: {path}: {err}"),
    };
    match vfs.metadata(at) {
        Ok(meta) if !meta.is_dir() => return println!("{path}"),
        Err(err) => return println!("ls: {path}: {err}"),
        Ok(_) => {}
    }
    let mut names = Vec::new();
    let listed = vfs.read_dir(at, 0, &mut |entry| {
        let mut name = alloc::string::String::from_utf8_lossy(entry.name).into_owned();
        if entry.file_type == crate::vfs::FileType::Directory {
            name.push('/');
        }
        names.push(name);
        true
    });
    if let Err(err) = listed {
        return println!("ls: {path}: {err}");
    }
    for name in names {
        println!("{name}");
    }
}

/// `cat PATH` (interrupts off, as for [`ls`]).
pub fn cat(path: &str) {
    crate::arch::interrupts::without_interrupts(|| print_file(path));
}

fn print_file(path: &str) {
    let vfs = crate::rootfs::vfs();
    let at = match vfs.resolve(vfs.root(), path.as_bytes(), Follow::Yes) {
        Ok(at) => at,
        Err(err) => return println!("cat: {path}: {err}"),
    };
    let mut offset = 0;
    let mut buf = [0u8; 512];
    loop {
        match vfs.read(at, offset, &mut buf) {
            Ok(0) => break,
            Ok(n) => {
                for chunk in buf[..n].utf8_chunks() {
                    print!("{}", chunk.valid());
                }
                offset += n as u64;
            }
            Err(err) => return println!("cat: {path}: {err}"),
        }
    }
}
