//! The teaching heap designs of the `heap-designs` crate, each over a fresh arena mapped for its
//! runs and unmapped after.

use alloc::vec::Vec;
use heap_designs::bench::report::HeapResult;
use heap_designs::bench::workloads::{Arena, MixPlan};
use heap_designs::bump::BumpHeap;
use heap_designs::fixed_size_block::FixedSizeBlockHeap;
use heap_designs::linked_list::LinkedListHeap;
use heap_designs::{Locked, RawHeap};
use kestrel::memory::{frames, map_anonymous};
use kestrel::println;

extern crate alloc;

/// Every design's arena: random_mix keeps up to 26 MB live (slots grow up to 3x, repeatedly),
/// so this is room for it with fragmentation. Smaller machines get a smaller arena (see
/// [`arena_size`]).
pub const ARENA_SIZE: u64 = 128 << 20;

/// [`ARENA_SIZE`], or a quarter of the free memory (a power of two) if that is less.
pub fn arena_size() -> u64 {
    let quarter = frames::stats().free * 4096 / 4;
    let fits = 1u64 << (63 - quarter.max(1).leading_zeros());
    ARENA_SIZE.min(fits)
}

/// Runs a design over a fresh arena, unmapped afterwards.
fn run_design<H: RawHeap + Send>(
    name: &'static str,
    heap: H,
    size: u64,
    plan: Option<&MixPlan>,
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
    kestrel::bench::run_heap(name, &Arena(&locked), plan, out);
    drop(locked);
    drop(arena);
}

/// The three designs, after the kernel heap.
pub fn run_all(plan: Option<&MixPlan>, out: &mut Vec<HeapResult>) {
    let size = arena_size();
    println!("bench: each design gets a {} MiB arena", size >> 20);
    run_design("bump", BumpHeap::new(), size, plan, out);
    run_design("linked_list", LinkedListHeap::new(), size, plan, out);
    run_design("fixed_block", FixedSizeBlockHeap::new(), size, plan, out);
}
