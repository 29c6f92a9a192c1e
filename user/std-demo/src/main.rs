//! A Rust std program that runs unchanged on Linux and on Kestrel: arguments and environment,
//! std::fs on the initramfs and /tmp, std::time, threads (spawn/join, an `Arc<Mutex>` counter,
//! an mpsc channel, a panicking thread) and, in the `panic` mode, a clean panic (status 101).
//! Every line starts with `std-demo:`; tests/qemu/std.conf checks them.
//!
//! Usage: std-demo [all|args|fs|time|threads|panic|bench] [ARGS...]
//!
//! `bench` prints `bench user workload=... cycles_per_op=N` lines in guest TSC ticks (the
//! format of user/bench, which tools/bench-user.sh reads): thread spawn+join, and a futex
//! wake round trip between two threads. Started as `/init` (PID 1 of Linux in
//! tools/bench-linux.sh) it runs `bench` and then powers the machine off.
//!
//! It never uses `HashMap`'s default hasher (which needs getrandom): `BTreeMap` instead.

use std::collections::BTreeMap;
use std::env;
use std::fs;
use std::io::{self, Read, Write};
use std::process::ExitCode;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

fn main() -> ExitCode {
    let args: Vec<String> = env::args().collect();
    let as_init = args.first().is_some_and(|a| a == "/init");
    let mode = if as_init {
        "bench"
    } else {
        args.get(1).map_or("all", String::as_str)
    };
    let result = match mode {
        "all" => args_and_env(&args)
            .and_then(|()| files())
            .and_then(|()| time())
            .and_then(|()| threads()),
        "args" => args_and_env(&args),
        "fs" => files(),
        "time" => time(),
        "threads" => threads(),
        "bench" => {
            bench();
            if as_init {
                power_off();
            }
            Ok(())
        }
        "panic" => {
            println!("std-demo: panicking now");
            panic!("std-demo: deliberate panic");
        }
        other => Err(format!("unknown mode {other}")),
    };
    match result {
        Ok(()) => {
            println!("std-demo: {mode} done");
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("std-demo: FAILED: {err}");
            ExitCode::FAILURE
        }
    }
}

fn check(ok: bool, what: impl FnOnce() -> String) -> Result<(), String> {
    if ok { Ok(()) } else { Err(what()) }
}

fn args_and_env(args: &[String]) -> Result<(), String> {
    println!("std-demo: {} args: {}", args.len(), args.join(" "));
    let vars: BTreeMap<String, String> = env::vars().collect();
    println!(
        "std-demo: {} env vars, HOME={} PATH={}",
        vars.len(),
        vars.get("HOME").map_or("(unset)", String::as_str),
        vars.get("PATH").map_or("(unset)", String::as_str),
    );
    check(env::var("NO_SUCH_VARIABLE").is_err(), || {
        "an unset variable is set".into()
    })?;
    let cwd = env::current_dir().map_err(|e| format!("current_dir: {e}"))?;
    println!("std-demo: cwd {}", cwd.display());
    // /proc/self/exe: whatever the kernel has (not checked).
    let exe = env::current_exe().map_or_else(|e| format!("({e})"), |p| p.display().to_string());
    println!("std-demo: current_exe {exe}");
    Ok(())
}

fn files() -> Result<(), String> {
    let io = |what: &'static str| move |e: io::Error| format!("{what}: {e}");
    // The initramfs: read-only.
    let motd = fs::read_to_string("/etc/motd").map_err(io("read /etc/motd"))?;
    println!(
        "std-demo: /etc/motd has {} bytes, {} lines",
        motd.len(),
        motd.lines().count()
    );
    let refused = fs::write("/etc/std-demo", b"x").map_err(|e| e.kind());
    println!("std-demo: writing to the initramfs: {refused:?}");
    let bin: Vec<String> = fs::read_dir("/bin")
        .map_err(io("read_dir /bin"))?
        .map(|e| e.map(|e| e.file_name().to_string_lossy().into_owned()))
        .collect::<Result<_, _>>()
        .map_err(io("read_dir entry"))?;
    println!(
        "std-demo: /bin lists std-demo={} (entries>1={})",
        bin.iter().any(|n| n == "std-demo"),
        bin.len() > 1
    );

    // /tmp: a directory, two files written, read back, listed and removed.
    let dir = "/tmp/std-demo";
    fs::create_dir(dir).map_err(io("create_dir"))?;
    let again = fs::create_dir(dir).map_err(|e| e.kind());
    println!("std-demo: create_dir twice: {again:?}");
    let text = "written by Rust std\n";
    fs::write(format!("{dir}/a.txt"), text).map_err(io("write a.txt"))?;
    {
        let mut file = fs::OpenOptions::new()
            .append(true)
            .open(format!("{dir}/a.txt"))
            .map_err(io("open for append"))?;
        file.write_all(b"second line\n").map_err(io("append"))?;
    }
    let mut back = String::new();
    fs::File::open(format!("{dir}/a.txt"))
        .and_then(|mut f| f.read_to_string(&mut back))
        .map_err(io("read back"))?;
    check(back == format!("{text}second line\n"), || {
        format!("read back {back:?}")
    })?;
    let meta = fs::metadata(format!("{dir}/a.txt")).map_err(io("metadata"))?;
    println!(
        "std-demo: /tmp file round trip: {} bytes, is_file={} lines={}",
        meta.len(),
        meta.is_file(),
        back.lines().count()
    );
    fs::write(format!("{dir}/b.bin"), vec![7u8; 10_000]).map_err(io("write b.bin"))?;
    let big = fs::read(format!("{dir}/b.bin")).map_err(io("read b.bin"))?;
    check(big.len() == 10_000 && big.iter().all(|&b| b == 7), || {
        "b.bin came back different".into()
    })?;
    let mut names: Vec<String> = fs::read_dir(dir)
        .map_err(io("read_dir /tmp/std-demo"))?
        .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
        .collect();
    names.sort();
    println!("std-demo: read_dir {dir}: {}", names.join(" "));
    let busy = fs::remove_dir(dir).map_err(|e| e.kind());
    println!("std-demo: remove_dir of a full directory: {busy:?}");
    fs::remove_file(format!("{dir}/a.txt")).map_err(io("remove a.txt"))?;
    fs::remove_file(format!("{dir}/b.bin")).map_err(io("remove b.bin"))?;
    fs::remove_dir(dir).map_err(io("remove_dir"))?;
    let gone = fs::metadata(dir).map_err(|e| e.kind());
    println!("std-demo: after remove: {gone:?}");
    Ok(())
}

fn time() -> Result<(), String> {
    let start = Instant::now();
    thread::sleep(Duration::from_millis(20));
    let slept = start.elapsed();
    println!(
        "std-demo: slept 20 ms: elapsed>=20ms={} elapsed<2s={}",
        slept >= Duration::from_millis(20),
        slept < Duration::from_secs(2)
    );
    check(Instant::now() >= start, || "Instant went backwards".into())?;
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_err(|e| format!("SystemTime before 1970: {e}"))?;
    // 2020-01-01 .. 2100-01-01: a wall clock, not an uptime.
    println!(
        "std-demo: SystemTime is a date after 2020: {}",
        (1_577_836_800..4_102_444_800).contains(&now.as_secs())
    );
    Ok(())
}

fn threads() -> Result<(), String> {
    // One thread, joined with its result.
    let worker = thread::Builder::new()
        .name("worker".into())
        .spawn(|| {
            let name = thread::current().name().map(str::to_owned);
            (name, (1..=10u64).product::<u64>())
        })
        .map_err(|e| format!("spawn: {e}"))?;
    let (name, product) = worker.join().map_err(|_| "worker panicked".to_string())?;
    println!(
        "std-demo: thread {} returned 10! = {product}",
        name.as_deref().unwrap_or("?")
    );

    // Several threads sharing a counter: the exact total.
    const THREADS: u64 = 4;
    const ROUNDS: u64 = 20_000;
    let counter = Arc::new(Mutex::new(0u64));
    let handles: Vec<_> = (0..THREADS)
        .map(|_| {
            let counter = Arc::clone(&counter);
            thread::spawn(move || {
                for i in 0..ROUNDS {
                    *counter.lock().unwrap() += 1;
                    if i % 1000 == 0 {
                        thread::yield_now();
                    }
                }
            })
        })
        .collect();
    for handle in handles {
        handle
            .join()
            .map_err(|_| "a counter thread panicked".to_string())?;
    }
    let total = *counter.lock().unwrap();
    println!(
        "std-demo: {THREADS} threads counted {total} (expected {})",
        THREADS * ROUNDS
    );
    check(total == THREADS * ROUNDS, || "lost increments".into())?;

    // A channel: a producer thread sends 1..=100, the main thread adds them up.
    let (tx, rx) = mpsc::channel::<u64>();
    let producer = thread::spawn(move || {
        for i in 1..=100 {
            tx.send(i).unwrap();
        }
    });
    let sum: u64 = rx.iter().sum();
    producer
        .join()
        .map_err(|_| "producer panicked".to_string())?;
    println!("std-demo: channel sum {sum}");

    // A rendezvous channel: every send waits for the receiver (futex waits both ways).
    let (tx, rx) = mpsc::sync_channel::<u32>(0);
    let echo = thread::spawn(move || rx.iter().map(|v| v * 2).sum::<u32>());
    for i in 0..50 {
        tx.send(i).unwrap();
    }
    drop(tx);
    let doubled = echo.join().map_err(|_| "echo panicked".to_string())?;
    println!("std-demo: rendezvous sum {doubled}");

    // A thread that panics: join reports it, the process goes on.
    let panicked = thread::spawn(|| panic!("std-demo: panic in a thread")).join();
    println!(
        "std-demo: panicking thread joined as error: {}",
        panicked.is_err()
    );

    let cpus = thread::available_parallelism().map_or(0, |n| n.get());
    println!("std-demo: available_parallelism {cpus}");
    Ok(())
}

/// Raw system calls for what std does not offer: futex(2) and reboot(2).
mod sys {
    use std::arch::asm;

    pub const FUTEX_WAIT_PRIVATE: u64 = 128;
    pub const FUTEX_WAKE_PRIVATE: u64 = 129;

    /// # Safety
    /// The arguments must be valid for system call `number` (Linux x86_64 ABI).
    pub unsafe fn syscall4(number: u64, a0: u64, a1: u64, a2: u64, a3: u64) -> i64 {
        let ret: i64;
        // SAFETY: the caller vouches for the arguments; `syscall` clobbers RCX and R11.
        unsafe {
            asm!("syscall", inlateout("rax") number as i64 => ret, in("rdi") a0, in("rsi") a1,
                 in("rdx") a2, in("r10") a3, lateout("rcx") _, lateout("r11") _,
                 options(nostack));
        }
        ret
    }

    pub fn futex_wait(word: &std::sync::atomic::AtomicU32, expected: u32) {
        // SAFETY: `word` is a live, aligned u32 for the whole call; no timeout pointer.
        unsafe {
            syscall4(
                202,
                word.as_ptr() as u64,
                FUTEX_WAIT_PRIVATE,
                u64::from(expected),
                0,
            )
        };
    }

    pub fn futex_wake(word: &std::sync::atomic::AtomicU32) {
        // SAFETY: `word` is a live, aligned u32; waking takes no other pointer.
        unsafe { syscall4(202, word.as_ptr() as u64, FUTEX_WAKE_PRIVATE, 1, 0) };
    }
}

fn ticks() -> u64 {
    // SAFETY: RDTSC only reads the time-stamp counter (every x86_64 CPU has it).
    unsafe { std::arch::x86_64::_rdtsc() }
}

fn report(name: &str, ops: u64, run: impl FnOnce()) {
    let start = ticks();
    run();
    let per_op = (ticks() - start) / ops;
    println!("bench user workload={name} cycles_per_op={per_op}");
}

/// Thread spawn+join, and a futex wake round trip: the main thread and a partner take turns
/// on one word, each waking the other and sleeping until woken back.
fn bench() {
    const SPAWNS: u64 = 200;
    for _ in 0..10 {
        thread::spawn(|| ()).join().unwrap();
    }
    report("thread_spawn_join", SPAWNS, || {
        for _ in 0..SPAWNS {
            thread::spawn(|| ()).join().unwrap();
        }
    });

    const ROUNDS: u32 = 2000;
    // Even: the main thread's turn; odd: the partner's.
    let turn = Arc::new(AtomicU32::new(0));
    let partner = {
        let turn = Arc::clone(&turn);
        thread::spawn(move || {
            for round in 0..ROUNDS + 10 {
                let mine = 2 * round + 1;
                while turn.load(Ordering::Acquire) != mine {
                    sys::futex_wait(&turn, mine - 1);
                }
                turn.store(mine + 1, Ordering::Release);
                sys::futex_wake(&turn);
            }
        })
    };
    let round_trip = |round: u32| {
        turn.store(2 * round + 1, Ordering::Release);
        sys::futex_wake(&turn);
        while turn.load(Ordering::Acquire) != 2 * round + 2 {
            sys::futex_wait(&turn, 2 * round + 1);
        }
    };
    for round in 0..10 {
        round_trip(round);
    }
    report("futex_pingpong", u64::from(ROUNDS), || {
        for round in 10..ROUNDS + 10 {
            round_trip(round);
        }
    });
    partner.join().unwrap();
}

/// reboot(LINUX_REBOOT_CMD_POWER_OFF), for a run as PID 1.
fn power_off() -> ! {
    let _ = io::stdout().flush();
    // SAFETY: reboot(2) takes its magic numbers and a command; it returns only on failure.
    unsafe { sys::syscall4(169, 0xfee1_dead, 672_274_793, 0x4321_fedc, 0) };
    std::process::exit(0)
}
