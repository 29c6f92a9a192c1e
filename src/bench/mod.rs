//! The shell's `bench` and the core of `make bench`: the workloads of docs/bench.md (from the
//! `heap-designs` crate) on the kernel heap, and the frame-allocator workloads. The benchmark
//! kernel (src/bin/bench) runs the same on the teaching heap designs too ([`run_all_with`]).
//!
//! Timing uses the TSC with interrupts disabled around each timed region. Run it in a release
//! build (`make bench` does); debug figures mean little. Before anything big is allocated the
//! heap's headroom is checked, so that on a small machine a workload is skipped with a message
//! instead of exhausting the heap.

pub use heap_designs::bench::{report, rng, workloads};

use crate::arch::interrupts;
use crate::arch::tsc::read_ordered as tsc;
use crate::memory::frames;
use crate::memory::heap::{self, KERNEL_HEAP};
use crate::println;
use alloc::string::String;
use alloc::vec::Vec;
use report::{Figure, FrameResult, HeapResult, per_mcycle, per_op};
use workloads::{BOX_COUNT, BenchHeap, Clock, Global, MixPlan, VEC_COUNT};

pub const ROUNDS: u32 = 3;

/// What the figures count when nobody says otherwise (the shell's `bench`).
pub const MODE_NATIVE: &str =
    "TSC cycles per operation on this machine (under plain QEMU TCG: noisy, not comparable)";

/// The TSC with interrupts off around the timed region.
pub struct Tsc;

impl Clock for Tsc {
    // Inlined into each workload, so that the timed closure is too (a call through
    // `dyn FnMut` would add its own cost to every figure).
    #[inline(always)]
    fn time(&self, f: &mut dyn FnMut()) -> u64 {
        interrupts::without_interrupts(|| {
            let start = tsc();
            f();
            tsc() - start
        })
    }
}

/// Every figure of one run.
#[derive(Default)]
pub struct Results {
    pub heaps: Vec<HeapResult>,
    pub frames: Vec<FrameResult>,
}

/// Runs the heap workloads on `bench` (`random_mix` only with a plan) and records each figure.
pub fn run_heap(
    heap: &'static str,
    bench: &impl BenchHeap,
    plan: Option<&MixPlan>,
    out: &mut Vec<HeapResult>,
) {
    let mut record = |workload, phase, round, figure| {
        let result = HeapResult {
            heap,
            workload,
            phase,
            round,
            figure,
        };
        let mut line = String::new();
        let _ = result.write_line(&mut line);
        crate::print!("{line}");
        out.push(result);
    };
    for round in 1..=ROUNDS {
        let figure = match bench.box_u64(&Tsc) {
            Some(cycles) => Figure::CyclesPerOp(per_op(cycles, BOX_COUNT as u64)),
            None => Figure::Exhausted(0),
        };
        record("box_u64", None, round, figure);
    }
    for round in 1..=ROUNDS {
        match bench.vec_8_4096(&Tsc) {
            Some((alloc, free)) => {
                let n = VEC_COUNT as u64;
                record(
                    "vec_8_4096",
                    Some("alloc"),
                    round,
                    Figure::CyclesPerOp(per_op(alloc, n)),
                );
                record(
                    "vec_8_4096",
                    Some("free"),
                    round,
                    Figure::CyclesPerOp(per_op(free, n)),
                );
            }
            None => {
                record("vec_8_4096", Some("alloc"), round, Figure::Exhausted(0));
                record("vec_8_4096", Some("free"), round, Figure::Exhausted(0));
            }
        }
    }
    let Some(plan) = plan else { return };
    for round in 1..=ROUNDS {
        let (cycles, done) = bench.random_mix(plan, &Tsc);
        let figure = if done == plan.ops.len() {
            Figure::OpsPerMcycle(per_mcycle(done as u64, cycles))
        } else {
            Figure::Exhausted(done)
        };
        record("random_mix", None, round, figure);
    }
}

/// Bytes the kernel heap can still hand out: what it may grow to, less what is in use.
fn heap_headroom() -> u64 {
    let stats = heap::stats();
    stats.limit.saturating_sub(stats.in_use)
}

/// What `random_mix` may need of the kernel heap: each block rounded up to a power of two (at
/// most twice the live bytes), and room for the largest block on its own.
fn mix_bytes_needed(plan: &MixPlan) -> u64 {
    2 * plan.peak_live_bytes + u64::from(plan.largest_bytes).next_power_of_two()
}

/// The buddy heap without its quick lists, to show what they buy (not a docs/bench.md figure).
fn raw_buddy_note() {
    KERNEL_HEAP.set_quick_lists(false);
    let vec = Global.vec_8_4096(&Tsc);
    let boxes = Global.box_u64(&Tsc);
    let vec = Global.vec_8_4096(&Tsc).or(vec);
    KERNEL_HEAP.set_quick_lists(true);
    if let (Some(boxes), Some((alloc, free))) = (boxes, vec) {
        let n = VEC_COUNT as u64;
        println!(
            "note: buddy without quick lists: box_u64 {} c/op, vec_8_4096 alloc {} free {} c/op",
            per_op(boxes, BOX_COUNT as u64),
            per_op(alloc, n),
            per_op(free, n)
        );
    }
}

fn run_frames(count: usize, workload: &'static str, out: &mut Vec<FrameResult>) {
    let free = frames::stats().free as usize;
    if free < count + 1024 {
        println!(
            "bench frames workload={workload}: skipped: it needs {} free frames and {free} are \
             free (boot with more memory, e.g. MEMORY=512M)",
            count + 1024
        );
        return;
    }
    let mut taken = Vec::with_capacity(count);
    let alloc = Tsc.time(&mut || {
        for _ in 0..count {
            taken.push(frames::allocate().expect("checked free count"));
        }
    });
    let free = Tsc.time(&mut || {
        for &frame in &taken {
            frames::deallocate(frame).expect("allocated above");
        }
    });
    for (phase, cycles) in [("alloc", alloc), ("free", free)] {
        let result = FrameResult {
            workload,
            phase,
            cycles_per_op: per_op(cycles, count as u64),
        };
        let mut line = String::new();
        let _ = result.write_line(&mut line);
        crate::print!("{line}");
        out.push(result);
    }
}

/// The frame-allocator workloads; `false` if `stop` ended them early.
fn run_all_frames(out: &mut Vec<FrameResult>, stop: &dyn Fn() -> bool) -> bool {
    // An untimed warm-up, so the first timed loop does not pay for compiling the code (TCG).
    for _ in 0..2 {
        let warm: Vec<_> = (0..100).filter_map(|_| frames::allocate()).collect();
        for frame in warm {
            let _ = frames::deallocate(frame);
        }
    }
    run_frames(5_000, "frames_5k", out);
    if stop() {
        return false;
    }
    run_frames(50_000, "frames_50k", out);
    true
}

/// Runs every workload on the kernel heap and the frame allocator, then `designs` (which the
/// benchmark kernel uses to add the teaching heap designs) with the `random_mix` plan, if there
/// was room to draw one; prints the machine-readable lines, then the table, headed by `mode`.
/// `stop` is asked between workloads (the shell passes its Ctrl-C check): when it answers
/// true, the run says so and ends without its table.
pub fn run_all_with(
    mode: &str,
    stop: fn() -> bool,
    designs: impl FnOnce(Option<&MixPlan>, &mut Vec<HeapResult>),
) {
    let stopped = || {
        let stopped = stop();
        if stopped {
            println!("bench: interrupted");
        }
        stopped
    };
    let mut results = Results::default();
    println!("bench: heap workloads ({ROUNDS} rounds each, round 1 cold)");
    let basics = workloads::vec_bytes_needed() as u64;
    let plan_bytes = MixPlan::bytes_needed(workloads::MIX_ACTIONS, workloads::MIX_MAX_LIVE) as u64;
    let mut peak_live = 0;
    if heap_headroom() < basics + plan_bytes {
        println!(
            "bench: the heap workloads need about {} MiB of heap, and this heap can give {} MiB: \
             skipped (boot with more memory, e.g. MEMORY=512M)",
            (basics + plan_bytes).div_ceil(1 << 20),
            heap_headroom() >> 20
        );
    } else {
        let plan = workloads::mix_plan(workloads::MIX_ACTIONS, workloads::MIX_MAX_LIVE, rng::SEED);
        peak_live = plan.peak_live_bytes;
        let mix_needed = mix_bytes_needed(&plan);
        let buddy_plan = if heap_headroom() >= mix_needed {
            Some(&plan)
        } else {
            println!(
                "bench heap=buddy workload=random_mix: skipped: it needs about {} MiB of heap, \
                 and this heap can give {} MiB (boot with more memory, e.g. MEMORY=512M)",
                mix_needed.div_ceil(1 << 20),
                heap_headroom() >> 20
            );
            None
        };
        run_heap("buddy", &Global, buddy_plan, &mut results.heaps);
        if stopped() {
            return;
        }
        designs(Some(&plan), &mut results.heaps);
        drop(plan);
        if stopped() {
            return;
        }
        raw_buddy_note();
    }
    if !run_all_frames(&mut results.frames, &stopped) || stopped() {
        return;
    }
    let mut table = String::new();
    let _ = report::write_table(&results.heaps, &results.frames, peak_live, mode, &mut table);
    crate::print!("{table}");
}

/// The shell's `bench`: the kernel heap and the frame allocator, checking `stop` between
/// workloads.
pub fn run_all_until(stop: fn() -> bool) {
    run_all_with(MODE_NATIVE, stop, |_, _| {});
}
