//! The executor on the real timer: concurrent sleepers wake in deadline order and on time, an
//! idle executor halts instead of spinning, tasks spawn tasks, and a full executor refuses
//! spawns without panicking.

#![no_std]
#![no_main]

extern crate alloc;

use alloc::sync::Arc;
use alloc::vec::Vec;
use core::time::Duration;
use kestrel::boot::BootInfo;
use kestrel::task::SpawnError;
use kestrel::task::executor::Executor;
use kestrel::task::runtime;
use kestrel::time;
use spin::Mutex;

kestrel::entry_point!(main);

fn main(boot: &'static BootInfo) -> ! {
    kestrel::devices::start(boot);
    kestrel::run_tests!(
        sleepers_wake_in_deadline_order,
        idle_executor_halts,
        tasks_spawn_tasks,
        full_executor_refuses_spawns,
    );
}

fn sleepers_wake_in_deadline_order() {
    let woke: Arc<Mutex<Vec<(u64, u64)>>> = Arc::new(Mutex::new(Vec::new()));
    let mut executor = Executor::new(32);
    // The timers' own clock (uptime in ticks), not the interrupt count: under TCG on a busy
    // host QEMU merges late ticks, so the interrupt count falls behind the uptime and a
    // sleeper could look early.
    let start = time::clock_ticks();
    // 24 sleepers from 5 to 120 ms, spawned in a scrambled order.
    for i in 0..24u64 {
        let ms = 5 + (i * 7) % 24 * 5;
        let woke = woke.clone();
        executor
            .spawn("sleeper", async move {
                runtime::sleep(Duration::from_millis(ms)).await;
                woke.lock().push((ms, time::clock_ticks() - start));
            })
            .unwrap();
    }
    runtime::run_until_done(&mut executor);
    let woke = woke.lock();
    assert_eq!(woke.len(), 24);
    assert!(
        woke.windows(2).all(|pair| pair[0].0 <= pair[1].0),
        "wake order: {:?}",
        woke.iter().map(|&(ms, _)| ms).collect::<Vec<_>>()
    );
    for &(ms, ticks) in woke.iter() {
        // Never early (1 tick = 1 ms); late by at most a few ticks even under a busy host.
        assert!(ticks >= ms, "{ms} ms sleeper woke after {ticks} ticks");
        assert!(ticks <= ms + 50, "{ms} ms sleeper woke after {ticks} ticks");
    }
}

/// A task asleep for 200 ms costs one loop round per timer interrupt at most: the loop halts
/// until each one. A busy-waiting loop would go round millions of times.
fn idle_executor_halts() {
    let mut executor = Executor::new(4);
    executor
        .spawn("sleeper", runtime::sleep(Duration::from_millis(200)))
        .unwrap();
    let (ticks, clock) = (time::ticks(), time::clock_ticks());
    let rounds = runtime::run_until_done(&mut executor);
    let (elapsed, slept) = (time::ticks() - ticks, time::clock_ticks() - clock);
    assert!(slept >= 200, "slept only {slept} ms");
    assert!(
        rounds <= 2 * elapsed + 10,
        "{rounds} rounds in {elapsed} ticks"
    );
}

fn tasks_spawn_tasks() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let mut executor = Executor::new(8);
    let spawner = executor.spawner();
    let parent_log = log.clone();
    executor
        .spawn("parent", async move {
            for child in 0..3 {
                let log = parent_log.clone();
                spawner
                    .spawn("child", async move {
                        runtime::sleep(Duration::from_millis(10 * (3 - child))).await;
                        log.lock().push(child);
                    })
                    .unwrap();
            }
        })
        .unwrap();
    runtime::run_until_done(&mut executor);
    assert_eq!(*log.lock(), [2, 1, 0]);
}

fn full_executor_refuses_spawns() {
    let mut executor = Executor::new(3);
    for _ in 0..3 {
        executor
            .spawn("sleeper", runtime::sleep(Duration::from_millis(5)))
            .unwrap();
    }
    let refused = executor.spawn("extra", async {});
    assert_eq!(refused, Err(SpawnError::TooManyTasks { limit: 3 }));
    runtime::run_until_done(&mut executor);
    // The slots are free again once the tasks finish.
    executor.spawn("after", async {}).unwrap();
    runtime::run_until_done(&mut executor);
}
