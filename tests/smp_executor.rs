//! The executor on four CPUs (tests/qemu/smp_executor.conf): thousands of tasks spawned from
//! tasks, each allocating, yielding and waking a partner that another CPU may be running. Every
//! task runs to the end exactly once, never on two CPUs at a time; every CPU polls some; the
//! heap and the frame allocator are back at their starting figures afterwards.

#![no_std]
#![no_main]

extern crate alloc;

use alloc::boxed::Box;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::future::Future;
use core::pin::Pin;
use core::sync::atomic::{AtomicBool, AtomicU8, AtomicU64, Ordering};
use core::task::{Context, Poll};
use futures_util::task::AtomicWaker;
use kestrel::boot::BootInfo;
use kestrel::smp::{self, CpuState, MAX_CPUS};
use kestrel::task::executor::Spawner;
use kestrel::task::runtime;
use kestrel::{memory, serial_println};

kestrel::entry_point!(main);

/// Pairs of tasks: a waiter and the waker that sets it free.
const PAIRS: usize = 1500;

static FINISHED: [AtomicU8; 2 * PAIRS] = [const { AtomicU8::new(0) }; 2 * PAIRS];
static POLLING: [AtomicBool; 2 * PAIRS] = [const { AtomicBool::new(false) }; 2 * PAIRS];
static TWICE: AtomicU64 = AtomicU64::new(0);

fn main(boot: &'static BootInfo) -> ! {
    kestrel::devices::start(boot);
    kestrel::sched::init();
    smp::start(boot);
    kestrel::run_tests!(
        thousands_of_tasks_run_once_each_on_every_cpu,
        idle_cpus_halt
    );
}

/// Wraps a task's future: marks it as being polled, and counts a poll that finds it marked
/// already (two CPUs at once).
struct Exclusive<F> {
    index: usize,
    inner: Pin<Box<F>>,
}

impl<F: Future<Output = ()>> Future for Exclusive<F> {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let flag = &POLLING[self.index];
        if flag.swap(true, Ordering::SeqCst) {
            TWICE.fetch_add(1, Ordering::SeqCst);
        }
        // Some work between the marks, so that an overlap would be seen.
        let mut spin = 0u64;
        for i in 0..200 {
            spin = spin.wrapping_add(core::hint::black_box(i));
        }
        core::hint::black_box(spin);
        let result = self.inner.as_mut().poll(cx);
        flag.store(false, Ordering::SeqCst);
        result
    }
}

struct Latch {
    set: AtomicBool,
    waker: AtomicWaker,
}

async fn wait(latch: &Latch) {
    core::future::poll_fn(|cx| {
        if latch.set.load(Ordering::Acquire) {
            return Poll::Ready(());
        }
        latch.waker.register(cx.waker());
        if latch.set.load(Ordering::Acquire) {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    })
    .await
}

async fn yield_now() {
    let mut yielded = false;
    core::future::poll_fn(|cx| {
        if yielded {
            Poll::Ready(())
        } else {
            yielded = true;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    })
    .await
}

fn finish(index: usize) {
    FINISHED[index].fetch_add(1, Ordering::SeqCst);
}

/// Spawns `future` as task `index` on any CPU. The driver keeps the executor below its limit.
fn spawn_exclusive(
    spawner: &Spawner,
    index: usize,
    future: impl Future<Output = ()> + Send + 'static,
) {
    let exclusive = Exclusive {
        index,
        inner: Box::pin(future),
    };
    spawner
        .spawn_anywhere("stress", exclusive)
        .expect("the driver stays below the task limit");
}

fn thousands_of_tasks_run_once_each_on_every_cpu() {
    let heap_before = memory::heap::stats();
    let frames_before = memory::frames::stats();
    let mut executor = runtime::new_executor(256);
    let spawner = executor.spawner();
    let polled_before: [u64; MAX_CPUS] = core::array::from_fn(|id| {
        smp::cpus()
            .find(|c| c.id == id as u32)
            .map_or(0, |c| c.tasks_polled)
    });
    let driver_spawner = spawner.clone();
    executor
        .spawn_anywhere("driver", async move {
            for pair in 0..PAIRS {
                // Keep well below the limit: each pair takes two slots.
                while driver_spawner.task_count() > 200 {
                    yield_now().await;
                }
                let latch = Arc::new(Latch {
                    set: AtomicBool::new(false),
                    waker: AtomicWaker::new(),
                });
                let waiter_latch = latch.clone();
                spawn_exclusive(&driver_spawner, 2 * pair, async move {
                    let data: Vec<u64> = (0..16).collect();
                    wait(&waiter_latch).await;
                    assert_eq!(data.iter().sum::<u64>(), 120);
                    finish(2 * pair);
                });
                spawn_exclusive(&driver_spawner, 2 * pair + 1, async move {
                    let boxed = Box::new([pair as u64; 8]);
                    yield_now().await;
                    latch.set.store(true, Ordering::Release);
                    latch.waker.wake();
                    yield_now().await;
                    assert_eq!(boxed[7], pair as u64);
                    finish(2 * pair + 1);
                });
            }
        })
        .expect("spawn the driver");
    runtime::run_until_done(&mut executor);
    let lost = FINISHED
        .iter()
        .filter(|f| f.load(Ordering::SeqCst) == 0)
        .count();
    let twice = FINISHED
        .iter()
        .filter(|f| f.load(Ordering::SeqCst) > 1)
        .count();
    assert_eq!(lost, 0, "{lost} tasks never finished");
    assert_eq!(twice, 0, "{twice} tasks finished twice");
    assert_eq!(
        TWICE.load(Ordering::SeqCst),
        0,
        "a task was polled on two CPUs at once"
    );
    let mut busy = 0;
    for cpu in smp::cpus().filter(|c| c.state == CpuState::Online) {
        let polled = cpu.tasks_polled - polled_before[cpu.id as usize];
        serial_println!("(CPU {} polled {polled}) ", cpu.id);
        if polled > 0 {
            busy += 1;
        }
    }
    assert_eq!(
        busy,
        smp::online_count(),
        "every CPU should have polled tasks"
    );
    drop(spawner);
    drop(executor);
    let heap_after = memory::heap::stats();
    let frames_after = memory::frames::stats();
    serial_println!(
        "(heap in use {} -> {} bytes, frames used {} -> {}) ",
        heap_before.in_use,
        heap_after.in_use,
        frames_before.used,
        frames_after.used
    );
    assert_eq!(
        heap_after.in_use, heap_before.in_use,
        "heap bytes were not returned"
    );
    assert_eq!(
        frames_after.used, frames_before.used,
        "frames were not returned"
    );
}

fn idle_cpus_halt() {
    // With nothing to run, every other CPU sits in `hlt` and wakes only on its tick: its tick
    // count grows by about one per millisecond, and it polls nothing.
    let before: Vec<_> = smp::cpus().collect();
    kestrel::time::sleep(core::time::Duration::from_millis(20));
    for (old, new) in before.iter().zip(smp::cpus()) {
        assert_eq!(
            old.tasks_polled, new.tasks_polled,
            "CPU {} polled while idle",
            new.id
        );
    }
}
