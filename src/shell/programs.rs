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
    let (argv, background) = match super::words::split(line) {
        Ok(split) => (split.words, split.background),
        Err(err) => return println!("{err}"),
    };
    let Some(path) = argv.first().cloned() else {
        return;
    };
    let pid = match process::spawn(&path, argv, KERNEL_PID) {
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
    tty::set_foreground(Some(pid));
    let reaped = loop {
        while let Some(key) = input::read_key() {
            match key {
                Key::INTERRUPT => {
                    println!("^C");
                    interrupt(pid);
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
    if let Some(reaped) = reaped {
        report(reaped, false);
    }
}

/// Ctrl-C for the foreground program `pid`: SIGINT for what it runs (a shell's commands),
/// else for itself. Until there are process groups and signal handlers, this is how an
/// interactive shell survives the Ctrl-C of a command, as on Linux, where the shell ignores
/// the SIGINT its foreground process group gets: `sleep 10` ends with status 130 and ash
/// prompts again.
fn interrupt(pid: process::Pid) {
    let running: Vec<process::Pid> = process::list()
        .iter()
        .filter(|p| p.pid != pid && p.exit_status().is_none())
        .map(|p| p.pid)
        .filter(|&p| process::is_descendant(p, pid))
        .collect();
    if running.is_empty() {
        process::kill(pid, SIGINT);
    }
    for child in running {
        process::kill(child, SIGINT);
    }
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
