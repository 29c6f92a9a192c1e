//! What each shell command does.

use super::command::{COMMANDS, Command};
use crate::arch::cpu;
use crate::input;
use crate::task::executor::Spawner;
use crate::task::runtime;
use crate::trap;
use crate::{console, memory, power, println, time};

/// Canonical, in the lower half, and never mapped: the `pagefault` command reads it.
const UNMAPPED_ADDRESS: u64 = 0x0000_7FFF_DEAD_0000;

pub async fn execute(command: Command<'_>, spawner: &Spawner) {
    if crate::sched::is_running() {
        super::programs::reap_background();
    }
    match command {
        Command::Run(line) => super::programs::run(line).await,
        Command::Ps => super::programs::ps(),
        Command::Kill(pid) => super::programs::kill(pid),
        Command::Ls(path) => super::programs::ls(path),
        Command::Cat(path) => super::programs::cat(path),
        Command::Dmesg => dmesg(),
        Command::Empty => {}
        Command::Help => {
            for spec in COMMANDS {
                println!("  {:<20} {}", spec.usage, spec.summary);
            }
        }
        Command::Echo(text) => println!("{text}"),
        Command::Clear => console::clear(),
        Command::Uptime => {
            let uptime = time::uptime();
            println!("up {}.{:03} s", uptime.as_secs(), uptime.subsec_millis());
        }
        Command::Mem => {
            let frames = memory::frames::stats();
            let heap = memory::heap::stats();
            println!(
                "frames: {} total, {} used, {} free ({} KiB free)",
                frames.total,
                frames.used,
                frames.free,
                frames.free * 4
            );
            println!(
                "heap:   {} KiB in use, {} KiB mapped, may grow to {} KiB",
                heap.in_use / 1024,
                heap.mapped / 1024,
                heap.limit / 1024
            );
        }
        Command::Tasks => {
            println!("  {:>4}  {:<12} {:>8}", "id", "name", "polls");
            for task in spawner.tasks() {
                println!("  {:>4}  {:<12} {:>8}", task.id, task.name, task.polls);
            }
            println!(
                "{} of at most {} tasks",
                spawner.task_count(),
                spawner.task_limit()
            );
        }
        Command::Sleep(duration) => {
            runtime::sleep(duration).await;
            println!("slept {:?}", duration);
        }
        Command::Bench => crate::bench::run_all_until(input::scan_for_interrupt),
        Command::Keyboard(layout) => {
            input::set_layout(layout);
            println!("keyboard layout: {}", layout.name());
        }
        Command::Breakpoint => {
            cpu::breakpoint();
            // The count since boot: this one and every earlier one.
            println!(
                "back from the breakpoint ({} so far)",
                trap::breakpoint_count()
            );
        }
        Command::PageFault => {
            println!("reading {UNMAPPED_ADDRESS:#x}, which is not mapped...");
            // SAFETY: not sound, on purpose: the read faults and the page-fault handler reports
            // it and halts the kernel. Volatile, so the compiler keeps the access.
            let value = unsafe { core::ptr::read_volatile(UNMAPPED_ADDRESS as *const u64) };
            println!("read {value:#x}: the page fault did not happen");
        }
        Command::StackOverflow => {
            println!("recursing until the kernel stack runs out...");
            println!("depth {}", recurse(0));
        }
        Command::Reboot => {
            println!("rebooting...");
            power::reboot();
        }
        Command::Halt => {
            println!("kestrel: halted; it is now safe to turn off the machine");
            power::exit_emulator(power::ExitCode::Success);
        }
        Command::Shutdown => {
            println!("powering off...");
            power::shutdown();
        }
        Command::Acpi => super::platform_commands::acpi(),
        Command::Interrupts => super::platform_commands::interrupts(),
        Command::Cpus => super::platform_commands::cpus(),
        Command::Parallel => {
            let size = crate::smp::parallel::DEFAULT_SIZE;
            println!("hashing {size} integers on this CPU, then on every CPU...");
            let result = crate::smp::parallel::run(spawner, size).await;
            let hundredths = result.hundredths();
            println!(
                "one CPU: {} ms; {} CPUs ({} tasks): {} ms; speedup {}.{:02}x{}",
                result.one.as_millis(),
                result.cpus,
                result.chunks,
                result.all.as_millis(),
                hundredths / 100,
                hundredths % 100,
                if result.agrees { "" } else { " (SUMS DIFFER)" }
            );
        }
    }
}

/// The kernel log as the console showed it: `[uptime] LEVEL message`.
fn dmesg() {
    use crate::logger::{self, UptimeStamp, kmsg};
    let snapshot = match kmsg::snapshot() {
        Ok(snapshot) => snapshot,
        Err(err) => return println!("dmesg: the kernel log cannot be read now ({err:?})"),
    };
    let mut text = alloc::vec::Vec::new();
    for entry in snapshot.view().entries(0) {
        text.clear();
        text.extend(entry.text_bytes());
        let (name, color) = logger::level_style(entry.level);
        console::print_with_colored(
            format_args!(
                "{} ",
                UptimeStamp(core::time::Duration::from_micros(entry.micros))
            ),
            color,
            format_args!("{name:<5} "),
            format_args!("{}\n", alloc::string::String::from_utf8_lossy(&text)),
        );
    }
    let dropped = kmsg::dropped();
    if dropped > 0 {
        println!("dmesg: {dropped} records were not kept (the log was busy)");
    }
}

/// Never returns: each frame keeps a buffer alive past the recursive call, so the compiler can
/// turn this into neither a loop nor a tail call.
#[inline(never)]
#[allow(
    unconditional_recursion,
    reason = "the point: it ends in the double-fault handler"
)]
fn recurse(depth: u64) -> u64 {
    let buffer = core::hint::black_box([depth; 64]);
    recurse(depth + 1) + buffer[depth as usize % 64]
}
