//! `make bench` and the shell's `bench` command: the workloads of shared/bench/WORKLOADS.md on
//! the kernel heap and on each allocator design, and the frame allocator workloads.
//!
//! Each design gets a fresh arena of [`ARENA_SIZE`] mapped for its runs and unmapped after.
//! Timing uses the TSC with interrupts disabled around each timed region. Run it in a release
//! build (`make bench` does); debug figures mean little.

pub mod report;
pub mod rng;
pub mod workloads;

use crate::allocator::Locked;
use crate::allocator::bump::BumpHeap;
use crate::allocator::fixed_size_block::FixedSizeBlockHeap;
use crate::allocator::linked_list::LinkedListHeap;
use crate::memory::heap::KERNEL_HEAP;
use crate::memory::{frames, map_anonymous};
use crate::println;
use alloc::string::String;
use alloc::vec::Vec;
use report::{Figure, FrameResult, HeapResult, per_mcycle, per_op};
use workloads::{Arena, BOX_COUNT, BenchHeap, Clock, Global, MixPlan, VEC_COUNT};
use x86_64::instructions::interrupts;

/// Every design's arena: random_mix keeps up to 26 MB live (slots grow up to 3x, repeatedly),
/// so this is room for it with fragmentation. Smaller machines get a smaller arena (see
/// [`arena_size`]).
pub const ARENA_SIZE: u64 = 128 << 20;
pub const ROUNDS: u32 = 3;

/// The TSC, read after earlier instructions finished (LFENCE orders RDTSC after them).
fn tsc() -> u64 {
    // SAFETY: LFENCE and RDTSC only wait and read the time-stamp counter.
    unsafe {
        core::arch::asm!("lfence", options(nostack, preserves_flags));
        core::arch::x86_64::_rdtsc()
    }
}

struct Tsc;

impl Clock for Tsc {
    fn time(&self, f: &mut dyn FnMut()) -> u64 {
        interrupts::without_interrupts(|| {
            let start = tsc();
            f();
            tsc() - start
        })
    }
}

fn run_heap(heap: &'static str, bench: &impl BenchHeap, plan: &MixPlan, out: &mut Vec<HeapResult>) {
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

/// [`ARENA_SIZE`], or a quarter of the free memory (a power of two) if that is less.
pub fn arena_size() -> u64 {
    let quarter = frames::stats().free * 4096 / 4;
    let fits = 1u64 << (63 - quarter.max(1).leading_zeros());
    ARENA_SIZE.min(fits)
}

/// Runs a design over a fresh arena, unmapped afterwards.
fn run_design<H: crate::allocator::RawHeap + Send>(
    name: &'static str,
    heap: H,
    size: u64,
    plan: &MixPlan,
    out: &mut Vec<HeapResult>,
) {
    let Ok(arena) = map_anonymous(size, 4096) else {
        println!("bench: no memory for the {name} arena: skipped");
        return;
    };
    let locked = Locked::new(heap);
    // SAFETY: the arena was just mapped for this heap alone; it is unmapped (dropped) only
    // after the heap's last use below.
    unsafe { locked.init(arena.start().as_u64() as usize, size as usize) };
    run_heap(name, &Arena(&locked), plan, out);
    drop(locked);
    drop(arena);
}

/// The buddy heap without its quick lists, to show what they buy (not a WORKLOADS.md figure).
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
    if (frames::stats().free as usize) < count + 1024 {
        println!("bench frames workload={workload}: skipped (needs -m 512M or more)");
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

/// Runs every workload and prints the machine-readable lines, then the table.
pub fn run_all() {
    run_all_until(|| false);
}

/// [`run_all`], checking `stop` between workloads (the shell passes its Ctrl-C check); says
/// so and returns early when it answers true.
pub fn run_all_until(stop: fn() -> bool) {
    let stopped = || {
        let stop = stop();
        if stop {
            println!("bench: interrupted");
        }
        stop
    };
    println!("bench: heap workloads ({ROUNDS} rounds each, round 1 cold)");
    let plan = workloads::mix_plan(workloads::MIX_ACTIONS, workloads::MIX_MAX_LIVE, rng::SEED);
    let mut heaps = Vec::new();
    run_heap("buddy", &Global, &plan, &mut heaps);
    if stopped() {
        return;
    }
    let size = arena_size();
    println!("bench: each design gets a {} MiB arena", size >> 20);
    run_design("bump", BumpHeap::new(), size, &plan, &mut heaps);
    if stopped() {
        return;
    }
    run_design(
        "linked_list",
        LinkedListHeap::new(),
        size,
        &plan,
        &mut heaps,
    );
    if stopped() {
        return;
    }
    run_design(
        "fixed_block",
        FixedSizeBlockHeap::new(),
        size,
        &plan,
        &mut heaps,
    );
    if stopped() {
        return;
    }
    drop(plan);
    raw_buddy_note();

    let mut frame_results = Vec::new();
    // An untimed warm-up, so the first timed loop does not pay for compiling the code (TCG).
    for _ in 0..2 {
        let warm: Vec<_> = (0..100).filter_map(|_| frames::allocate()).collect();
        for frame in warm {
            let _ = frames::deallocate(frame);
        }
    }
    run_frames(5_000, "frames_5k", &mut frame_results);
    if stopped() {
        return;
    }
    run_frames(50_000, "frames_50k", &mut frame_results);
    if stopped() {
        return;
    }

    let peak = workloads::mix_plan(workloads::MIX_ACTIONS, workloads::MIX_MAX_LIVE, rng::SEED)
        .peak_live_bytes;
    let mut table = String::new();
    let _ = report::write_table(&heaps, &frame_results, peak, &mut table);
    crate::print!("{table}");
}
