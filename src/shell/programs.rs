//! The shell's side of user programs: running one in the foreground (its input comes from
//! here, Ctrl-C kills it) or in the background (`&`), reporting background jobs that ended,
//! and `ps`, `kill`, `ls`, `cat` over the processes and the root file system.

use crate::input::{self, Key};
use crate::process::fault::{SIGINT, SIGTERM, signal_name};
use crate::process::{self, KERNEL_PID, Reaped, WaitError, tty};
use crate::task::runtime;
use crate::vfs::Follow;
use crate::{print, println, sched, time};
use alloc::vec::Vec;

/// How often the shell looks for input and for the foreground program's exit.
const POLL_TICKS: u32 = 2;

/// `PATH ARGS [&]`: starts the program; waits for it unless `&` ends the line.
pub async fn run(line: &str) {
    let line = line.trim();
    let (line, background) = match line.strip_suffix('&') {
        Some(rest) => (rest.trim_end(), true),
        None => (line, false),
    };
    let argv: Vec<Vec<u8>> = line
        .split_whitespace()
        .map(|w| w.as_bytes().to_vec())
        .collect();
    let Some(path) = argv.first().cloned() else {
        return;
    };
    let pid = match start(background, || process::spawn(&path, argv, KERNEL_PID)) {
        Ok(pid) => pid,
        Err(err) => {
            println!("{}: {err}", line.split_whitespace().next().unwrap_or(""));
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

/// Spawns with `spawn`, giving the new process the console at once unless `background`: with
/// interrupts off in between, so that it cannot run (and read end of file from a console it
/// does not own yet) before it is the foreground process.
fn start(
    background: bool,
    spawn: impl FnOnce() -> Result<process::Pid, process::SpawnError>,
) -> Result<process::Pid, process::SpawnError> {
    crate::arch::interrupts::without_interrupts(|| {
        let pid = spawn()?;
        if !background {
            tty::set_foreground(Some(pid));
        }
        Ok(pid)
    })
}

/// Keeps the console with `pid` (made the foreground by [`start`]) until it exits (Ctrl-C
/// kills it); returns how it ended.
async fn foreground(pid: process::Pid) -> Option<Reaped> {
    let reaped = loop {
        while let Some(key) = input::read_key() {
            match key {
                Key::INTERRUPT => {
                    println!("^C");
                    process::kill(pid, SIGINT);
                }
                Key::Char(ch) => tty::feed(ch),
                Key::Enter => tty::feed('\n'),
                Key::Tab => tty::feed('\t'),
                Key::Backspace => tty::feed('\u{8}'),
                // Ctrl-D: end of input on an empty line.
                Key::Ctrl('d') => tty::feed('\u{4}'),
                _ => {}
            }
        }
        match process::wait(KERNEL_PID, i64::from(pid), true) {
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
    let argv = alloc::vec![path.to_vec()];
    let pid = match start(false, || {
        process::spawn_with_env(path, argv, Some(envp), KERNEL_PID)
    }) {
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
    let Some(reaped) = foreground(pid).await else {
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

fn report(reaped: Reaped, background: bool) {
    let signal = reaped.status & 0x7f;
    let code = (reaped.status >> 8) & 0xff;
    if signal != 0 {
        println!("[{}] killed by {}", reaped.pid, signal_name(signal));
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

/// `kill PID`.
pub fn kill(argument: &str) {
    match argument.trim().parse::<u32>() {
        Ok(pid) if process::kill(pid, SIGTERM) => println!("killed {pid}"),
        Ok(pid) => println!("kill: no process {pid}"),
        Err(_) => println!("usage: kill PID"),
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
