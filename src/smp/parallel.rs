//! `parallel`: one CPU-bound job, run on the calling CPU alone and then split into tasks that
//! every CPU's executor picks up ([`crate::task::executor::Spawner::spawn_anywhere`]), with
//! the time of each and the speedup.
//!
//! The job hashes a range of integers (SplitMix64's finaliser) and adds the results: no memory
//! traffic, no locks, so the speedup shows what the CPUs themselves give. Under QEMU's TCG on a
//! host with two cores, more virtual CPUs than host cores cannot go faster than the host has.

use crate::task::executor::Spawner;
use crate::time;
use alloc::sync::Arc;
use core::ops::Range;
use core::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use core::task::Poll;
use core::time::Duration;
use futures_util::task::AtomicWaker;

/// Integers hashed by the default job.
pub const DEFAULT_SIZE: u64 = 1 << 27;

/// The job's arithmetic on `range`: a sum of hashes, identical however the range is split.
pub fn job(range: Range<u64>) -> u64 {
    range.fold(0u64, |sum, i| {
        let mut z = i.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        sum.wrapping_add(z ^ (z >> 31))
    })
}

/// What [`run`] measured.
#[derive(Clone, Copy, Debug)]
pub struct Speedup {
    pub cpus: u32,
    pub chunks: u64,
    pub one: Duration,
    pub all: Duration,
    /// Both runs computed the same sum.
    pub agrees: bool,
}

impl Speedup {
    /// All-CPU speedup in hundredths (250 = 2.5x).
    pub fn hundredths(&self) -> u64 {
        (self.one.as_nanos() * 100 / self.all.as_nanos().max(1)) as u64
    }
}

struct Join {
    sum: AtomicU64,
    left: AtomicUsize,
    waker: AtomicWaker,
}

/// Runs the job over `0..size` here, then as four chunks per online CPU on any CPU, and waits.
pub async fn run(spawner: &Spawner, size: u64) -> Speedup {
    let start = time::uptime();
    let expected = job(0..size);
    let one = time::uptime() - start;
    let cpus = super::online_count().max(1);
    let chunks = u64::from(cpus) * 4;
    let join = Arc::new(Join {
        sum: AtomicU64::new(0),
        left: AtomicUsize::new(chunks as usize),
        waker: AtomicWaker::new(),
    });
    let start = time::uptime();
    for chunk in 0..chunks {
        let range = size * chunk / chunks..size * (chunk + 1) / chunks;
        let shared = join.clone();
        let task = async move {
            shared.sum.fetch_add(job(range), Ordering::Relaxed);
            if shared.left.fetch_sub(1, Ordering::AcqRel) == 1 {
                shared.waker.wake();
            }
        };
        if spawner.spawn_anywhere("parallel", task).is_err() {
            // A full executor: this chunk runs here instead.
            let range = size * chunk / chunks..size * (chunk + 1) / chunks;
            join.sum.fetch_add(job(range), Ordering::Relaxed);
            join.left.fetch_sub(1, Ordering::AcqRel);
        }
    }
    core::future::poll_fn(|cx| {
        if join.left.load(Ordering::Acquire) == 0 {
            return Poll::Ready(());
        }
        join.waker.register(cx.waker());
        if join.left.load(Ordering::Acquire) == 0 {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    })
    .await;
    let all = time::uptime() - start;
    Speedup {
        cpus,
        chunks,
        one,
        all,
        agrees: join.sum.load(Ordering::Relaxed) == expected,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_job_is_the_same_however_it_is_split() {
        let whole = job(0..10_000);
        let parts = job(0..3_333)
            .wrapping_add(job(3_333..6_666))
            .wrapping_add(job(6_666..10_000));
        assert_eq!(whole, parts);
        assert_ne!(job(0..10), job(1..11));
    }

    #[test]
    fn speedup_in_hundredths() {
        let s = Speedup {
            cpus: 2,
            chunks: 8,
            one: Duration::from_millis(300),
            all: Duration::from_millis(160),
            agrees: true,
        };
        assert_eq!(s.hundredths(), 187);
    }
}
