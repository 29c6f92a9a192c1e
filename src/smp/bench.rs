//! `make bench`'s SMP figures (src/bin/bench_smp.rs boots them with `-smp 2` and `-smp 4`):
//! the function-call IPI's round trip, the latency of waking a task that another CPU runs, box
//! allocation and freeing on all CPUs at once against one CPU alone, and `parallel`'s speedup.
//! Each prints a `bench smp ...` line; times are guest TSC ticks (instructions under icount).

use super::{cpu_id, online_count};
use crate::arch::tsc;
use crate::println;
use crate::task::executor::Spawner;
use crate::task::runtime;
use alloc::boxed::Box;
use alloc::sync::Arc;
use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use core::task::Poll;
use futures_util::task::AtomicWaker;

const IPI_ROUNDS: u64 = 2000;
const WAKE_ROUNDS: u64 = 500;
const BOXES: u64 = 20_000;

/// Runs every SMP benchmark and prints its line. Needs `smp::start` and the timer.
pub fn run() {
    let cpus = online_count();
    println!("bench smp: {cpus} CPUs online");
    if cpus < 2 {
        println!("bench smp: needs two CPUs or more (-smp 2); skipped");
        return;
    }
    ipi_round_trip();
    let mut executor = runtime::new_executor(64);
    let spawner = executor.spawner();
    executor
        .spawn("bench-smp", async move {
            boxes(&spawner).await;
            wake_latency(&spawner).await;
            speedup(&spawner).await;
        })
        .expect("an empty executor takes a task");
    runtime::run_until_done(&mut executor);
}

fn ipi_round_trip() {
    // Warm up: the first call pages nothing in, but takes the cold paths.
    super::ipi::call_on(1, || {});
    let start = tsc::read();
    for _ in 0..IPI_ROUNDS {
        super::ipi::call_on(1, || {});
    }
    let per = (tsc::read() - start) / IPI_ROUNDS;
    println!(
        "bench smp ipi_round_trip: {per} ticks (CPU 0 -> CPU 1 runs a call -> CPU 0 sees it done)"
    );
}

fn alloc_free() {
    for i in 0..BOXES {
        drop(core::hint::black_box(Box::new(i)));
    }
}

/// Box allocation and freeing on this CPU alone, then on every CPU at once: the others run it
/// as executor tasks (allocation is not allowed in an IPI handler), started together behind a
/// barrier while this CPU spins inside its own task's poll.
async fn boxes(spawner: &Spawner) {
    let start = tsc::read();
    alloc_free();
    let alone = (tsc::read() - start) / BOXES;
    let others = online_count() - 1;
    let ready = Arc::new(AtomicU64::new(0));
    let done = Arc::new(AtomicU64::new(0));
    for _ in 0..others {
        let (ready, done) = (ready.clone(), done.clone());
        let task = async move {
            ready.fetch_add(1, Ordering::SeqCst);
            let give_up = tsc::read() + 2_000_000_000;
            while ready.load(Ordering::SeqCst) <= u64::from(others) && tsc::read() < give_up {
                core::hint::spin_loop();
            }
            alloc_free();
            done.fetch_add(1, Ordering::SeqCst);
        };
        if spawner.spawn_anywhere("boxes", task).is_err() {
            println!("bench smp box_alloc_free: no room for the tasks; skipped");
            return;
        }
    }
    let give_up = tsc::read() + 2_000_000_000;
    while ready.load(Ordering::SeqCst) < u64::from(others) && tsc::read() < give_up {
        core::hint::spin_loop();
    }
    let together = ready.load(Ordering::SeqCst) == u64::from(others);
    let start = tsc::read();
    ready.fetch_add(1, Ordering::SeqCst);
    alloc_free();
    while done.load(Ordering::SeqCst) < u64::from(others) {
        core::hint::spin_loop();
    }
    let wall = tsc::read() - start;
    let cpus = u64::from(others) + 1;
    println!(
        "bench smp box_alloc_free: one CPU alone {alone} ticks per pair; {cpus} CPUs at once {} ticks per pair per CPU, {} ticks per pair overall{}",
        wall / BOXES,
        wall / (BOXES * cpus),
        if together {
            ""
        } else {
            " (the CPUs did not start together)"
        }
    );
}

struct Latch {
    set: AtomicBool,
    waker: AtomicWaker,
    woken_at: AtomicU64,
    ran: AtomicBool,
    cpu: AtomicU64,
}

async fn wait(latch: &Latch) {
    core::future::poll_fn(|cx| {
        latch.waker.register(cx.waker());
        if latch.set.swap(false, Ordering::AcqRel) {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    })
    .await
}

async fn wake_latency(spawner: &Spawner) {
    let latch = Arc::new(Latch {
        set: AtomicBool::new(false),
        waker: AtomicWaker::new(),
        woken_at: AtomicU64::new(0),
        ran: AtomicBool::new(false),
        cpu: AtomicU64::new(0),
    });
    let target = latch.clone();
    let spawned = spawner.spawn_anywhere("wakee", async move {
        for _ in 0..=WAKE_ROUNDS {
            wait(&target).await;
            target.woken_at.store(tsc::read(), Ordering::SeqCst);
            target.cpu.store(u64::from(cpu_id()), Ordering::SeqCst);
            target.ran.store(true, Ordering::SeqCst);
        }
    });
    if spawned.is_err() {
        println!("bench smp wake_latency: no room for the task; skipped");
        return;
    }
    // Let the task reach its first wait (on another CPU: this one is inside our poll).
    for _ in 0..100 {
        crate::task::runtime::sleep(core::time::Duration::from_millis(1)).await;
    }
    let mut total = 0;
    let mut remote = 0;
    for _ in 0..WAKE_ROUNDS {
        latch.ran.store(false, Ordering::SeqCst);
        let start = tsc::read();
        latch.set.store(true, Ordering::Release);
        latch.waker.wake();
        // Spin inside this poll: this CPU cannot run the task, another one must.
        let deadline = start + 1_000_000_000;
        while !latch.ran.load(Ordering::SeqCst) && tsc::read() < deadline {
            core::hint::spin_loop();
        }
        if !latch.ran.load(Ordering::SeqCst) {
            println!("bench smp wake_latency: the task did not run; stopped");
            return;
        }
        total += latch.woken_at.load(Ordering::SeqCst) - start;
        if latch.cpu.load(Ordering::SeqCst) != 0 {
            remote += 1;
        }
    }
    // The last round lets the task end.
    latch.set.store(true, Ordering::Release);
    latch.waker.wake();
    println!(
        "bench smp wake_latency: {} ticks from wake() on CPU 0 to the task running on another CPU ({remote} of {WAKE_ROUNDS} rounds remote, the others halted until the wake IPI)",
        total / WAKE_ROUNDS
    );
}

async fn speedup(spawner: &Spawner) {
    let result = super::parallel::run(spawner, 1 << 25).await;
    let h = result.hundredths();
    println!(
        "bench smp parallel: one CPU {} us, {} CPUs {} us, speedup {}.{:02}x{}",
        result.one.as_micros(),
        result.cpus,
        result.all.as_micros(),
        h / 100,
        h % 100,
        if result.agrees { "" } else { " (SUMS DIFFER)" }
    );
}
