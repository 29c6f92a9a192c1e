//! The Kestrel kernel binary: starts the devices, then runs the shell and a status line as
//! tasks on the executor, which halts the CPU whenever no task is ready.

#![no_std]
#![no_main]

use core::sync::atomic::{AtomicU64, Ordering};
use core::time::Duration;
use kestrel::boot::{self, BootInfo};
use kestrel::task::runtime;
use kestrel::time::{self, tsc};
use kestrel::{devices, shell};

kestrel::entry_point!(kernel_main);

/// Tasks the kernel runs at most at once: the shell, the status line, the boot report, and
/// room for what the shell starts.
const MAX_TASKS: usize = 64;

/// The TSC when the shell first showed its prompt.
static PROMPT_TSC: AtomicU64 = AtomicU64::new(0);

fn kernel_main(boot: &'static BootInfo) -> ! {
    // 14. (docs/boot-flow.md) PICs, timer, input; interrupts on.
    devices::start(boot);
    kestrel::sched::init();
    kestrel::smp::start(boot);
    kestrel::rootfs::mount(boot);
    // 15. The shell and its companions on the executor, for good.
    let executor = runtime::new_executor(MAX_TASKS);
    let spawner = executor.spawner();
    // Spawning into an empty executor cannot exceed its limit.
    executor
        .spawn("shell", shell::run(spawner.clone(), mark_prompt))
        .expect("spawn the shell");
    executor
        .spawn_anywhere("status", shell::status::run(spawner))
        .expect("spawn the status line");
    executor
        .spawn_anywhere("boot-report", report_boot_time())
        .expect("spawn the boot report");
    runtime::run(executor)
}

fn mark_prompt() {
    PROMPT_TSC.store(tsc::read(), Ordering::SeqCst);
}

/// Logs how long the boot took, from the trampoline's first TSC sample to the first prompt,
/// once the TSC is calibrated (the timer does that in the background, off the boot path).
async fn report_boot_time() {
    while tsc::frequency_khz().is_none() || PROMPT_TSC.load(Ordering::SeqCst) == 0 {
        runtime::sleep(time::tick_period() * 10).await;
    }
    let cycles = PROMPT_TSC.load(Ordering::SeqCst) - boot::info().boot_tsc;
    let khz = tsc::frequency_khz().unwrap_or(1);
    let elapsed = tsc::cycles_to_duration(cycles).unwrap_or(Duration::ZERO);
    log::info!(
        "boot: {}.{:03} ms from the trampoline to the shell prompt ({} cycles, TSC {}.{:03} MHz)",
        elapsed.as_millis(),
        elapsed.as_micros() % 1000,
        cycles,
        khz / 1000,
        khz % 1000
    );
}
