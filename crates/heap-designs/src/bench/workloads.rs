//! The heap workloads of docs/bench.md, generic over the heap and the clock so the
//! host tests can run them too.
//!
//! The global heap runs them through `Box`/`Vec` exactly as written ([`Global`]); the other
//! designs run them through their `GlobalAlloc` implementation ([`Arena`]).

use super::rng::XorShift64;
use alloc::boxed::Box;
use alloc::vec::Vec;
use core::alloc::{GlobalAlloc, Layout};
use core::hint::black_box;

pub const BOX_COUNT: usize = 100_000;
pub const VEC_COUNT: usize = 10_000;
pub const MIX_ACTIONS: usize = 200_000;
pub const MIX_MAX_LIVE: usize = 1_000;

/// Times a closure: the kernel disables interrupts and reads the TSC; host tests count calls.
pub trait Clock {
    fn time(&self, f: &mut dyn FnMut()) -> u64;
}

/// A heap the workloads can run on.
pub trait BenchHeap {
    /// `box_u64`: total cycles, or `None` if the heap ran out.
    fn box_u64(&self, clock: &impl Clock) -> Option<u64>;
    /// `vec_8_4096`: (alloc cycles, free cycles).
    fn vec_8_4096(&self, clock: &impl Clock) -> Option<(u64, u64)>;
    /// Executes `plan`; returns cycles and how many actions completed (fewer on exhaustion).
    fn random_mix(&self, plan: &MixPlan, clock: &impl Clock) -> (u64, usize);
}

/// The size of vector `i` in `vec_8_4096`: 8, 16, ..., 4096 bytes, repeating.
pub const fn vec_capacity(i: usize) -> usize {
    8 << (i % 10)
}

/// The global allocator, through `Box` and `Vec` as the workloads are written.
pub struct Global;

impl BenchHeap for Global {
    fn box_u64(&self, clock: &impl Clock) -> Option<u64> {
        Some(clock.time(&mut || {
            for i in 0..BOX_COUNT {
                black_box(Box::new(i as u64));
            }
        }))
    }

    fn vec_8_4096(&self, clock: &impl Clock) -> Option<(u64, u64)> {
        let mut vecs: Vec<Vec<u8>> = Vec::with_capacity(VEC_COUNT);
        let alloc = clock.time(&mut || {
            for i in 0..VEC_COUNT {
                let mut vec = Vec::with_capacity(vec_capacity(i));
                vec.push(1u8);
                vecs.push(vec);
            }
        });
        let free = clock.time(&mut || {
            // Drains front to back: freed in allocation order, the outer vector kept.
            for vec in vecs.drain(..) {
                drop(black_box(vec));
            }
        });
        Some((alloc, free))
    }

    fn random_mix(&self, plan: &MixPlan, clock: &impl Clock) -> (u64, usize) {
        run_mix(&GlobalAllocFns, plan, clock)
    }
}

/// `alloc::alloc`'s free functions, the very path `Box` and `Vec` take.
struct GlobalAllocFns;

// SAFETY: forwards to the global allocator.
unsafe impl GlobalAlloc for GlobalAllocFns {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded from the caller.
        unsafe { alloc::alloc::alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded from the caller.
        unsafe { alloc::alloc::dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: forwarded from the caller.
        unsafe { alloc::alloc::realloc(ptr, layout, new_size) }
    }
}

/// A design run through its `GlobalAlloc` implementation.
pub struct Arena<'a>(pub &'a dyn GlobalAlloc);

impl BenchHeap for Arena<'_> {
    fn box_u64(&self, clock: &impl Clock) -> Option<u64> {
        let layout = Layout::new::<u64>();
        let mut ok = true;
        let cycles = clock.time(&mut || {
            for i in 0..BOX_COUNT {
                // SAFETY: non-zero size; freed right away with the same layout.
                unsafe {
                    let ptr = self.0.alloc(layout).cast::<u64>();
                    if ptr.is_null() {
                        ok = false;
                        return;
                    }
                    ptr.write(i as u64);
                    self.0.dealloc(black_box(ptr).cast(), layout);
                }
            }
        });
        ok.then_some(cycles)
    }

    fn vec_8_4096(&self, clock: &impl Clock) -> Option<(u64, u64)> {
        let mut blocks: Vec<(*mut u8, Layout)> = Vec::with_capacity(VEC_COUNT);
        let mut ok = true;
        let alloc = clock.time(&mut || {
            for i in 0..VEC_COUNT {
                let layout = Layout::array::<u8>(vec_capacity(i)).expect("small");
                // SAFETY: non-zero size.
                let ptr = unsafe { self.0.alloc(layout) };
                if ptr.is_null() {
                    ok = false;
                    return;
                }
                // SAFETY: the block has room for at least one byte: the "push".
                unsafe { ptr.write(1) };
                blocks.push((ptr, layout));
            }
        });
        let free = clock.time(&mut || {
            for &(ptr, layout) in &blocks {
                // SAFETY: each block is freed once, with its layout, in allocation order.
                unsafe { self.0.dealloc(black_box(ptr), layout) };
            }
        });
        ok.then_some((alloc, free))
    }

    fn random_mix(&self, plan: &MixPlan, clock: &impl Clock) -> (u64, usize) {
        run_mix(self.0, plan, clock)
    }
}

/// One action of `random_mix`, with the random choices already made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MixOp {
    Alloc {
        size: u32,
        align: u32,
    },
    /// Frees live slot `slot`; the last slot moves into its place.
    Free {
        slot: u32,
    },
    /// Reallocates live slot `slot` to `new_size` (up to 3x its size).
    Grow {
        slot: u32,
        new_size: u32,
    },
}

/// The whole `random_mix` action stream, drawn before timing starts.
pub struct MixPlan {
    pub ops: Vec<MixOp>,
    /// The most bytes live at once (requested sizes), the same on every heap.
    pub peak_live_bytes: u64,
    /// The largest single block ever requested.
    pub largest_bytes: u32,
}

impl MixPlan {
    /// The bytes a plan of `actions` actions and `max_live` slots takes itself, to check there
    /// is room before drawing it.
    pub const fn bytes_needed(actions: usize, max_live: usize) -> usize {
        actions * size_of::<MixOp>() + max_live * size_of::<u32>()
    }
}

/// The bytes `vec_8_4096` keeps live at its peak (requested sizes, and the outer vector).
pub const fn vec_bytes_needed() -> usize {
    let mut total = VEC_COUNT * size_of::<(usize, usize, usize)>();
    let mut i = 0;
    while i < VEC_COUNT {
        total += vec_capacity(i);
        i += 1;
    }
    total
}

/// Draws the stream: each action is allocate, free or grow with equal odds; with nothing live
/// it allocates, and with `max_live` slots live an allocation becomes a free.
pub fn mix_plan(actions: usize, max_live: usize, seed: u64) -> MixPlan {
    let mut rng = XorShift64::new(seed);
    let mut sizes: Vec<u32> = Vec::with_capacity(max_live);
    let mut ops = Vec::with_capacity(actions);
    let (mut live, mut peak, mut largest) = (0u64, 0u64, 0u32);
    for _ in 0..actions {
        let mut kind = rng.below(3);
        if sizes.is_empty() {
            kind = 0;
        } else if sizes.len() == max_live && kind == 0 {
            kind = 1;
        }
        let op = match kind {
            0 => {
                let size = 8 + rng.below(2041) as u32;
                let align = if rng.below(2) == 0 { 8 } else { 16 };
                sizes.push(size);
                largest = largest.max(size);
                live += u64::from(size);
                MixOp::Alloc { size, align }
            }
            1 => {
                let slot = rng.below(sizes.len() as u64) as usize;
                live -= u64::from(sizes.swap_remove(slot));
                MixOp::Free { slot: slot as u32 }
            }
            _ => {
                let slot = rng.below(sizes.len() as u64) as usize;
                let old = sizes[slot];
                let new_size = old + 1 + rng.below(2 * u64::from(old)) as u32;
                sizes[slot] = new_size;
                largest = largest.max(new_size);
                live += u64::from(new_size - old);
                MixOp::Grow {
                    slot: slot as u32,
                    new_size,
                }
            }
        };
        peak = peak.max(live);
        ops.push(op);
    }
    MixPlan {
        ops,
        peak_live_bytes: peak,
        largest_bytes: largest,
    }
}

fn run_mix(heap: &dyn GlobalAlloc, plan: &MixPlan, clock: &impl Clock) -> (u64, usize) {
    let mut live: Vec<(*mut u8, Layout)> = Vec::with_capacity(MIX_MAX_LIVE);
    let mut done = 0;
    let cycles = clock.time(&mut || {
        for op in &plan.ops {
            // SAFETY: sizes are non-zero, every pointer freed or reallocated is a
            // live block of this heap with its recorded layout.
            unsafe {
                match *op {
                    MixOp::Alloc { size, align } => {
                        let layout =
                            Layout::from_size_align_unchecked(size as usize, align as usize);
                        let ptr = heap.alloc(layout);
                        if ptr.is_null() {
                            return;
                        }
                        ptr.write(1);
                        live.push((ptr, layout));
                    }
                    MixOp::Free { slot } => {
                        let (ptr, layout) = live.swap_remove(slot as usize);
                        heap.dealloc(ptr, layout);
                    }
                    MixOp::Grow { slot, new_size } => {
                        let (ptr, layout) = live[slot as usize];
                        let new = heap.realloc(ptr, layout, new_size as usize);
                        if new.is_null() {
                            return;
                        }
                        let new_layout =
                            Layout::from_size_align_unchecked(new_size as usize, layout.align());
                        live[slot as usize] = (new, new_layout);
                    }
                }
            }
            done += 1;
        }
    });
    for (ptr, layout) in live {
        // SAFETY: what is still live is freed once (untimed), leaving the heap empty.
        unsafe { heap.dealloc(ptr, layout) };
    }
    (cycles, done)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Locked;
    use crate::bench::rng::SEED;
    use crate::bump::BumpHeap;
    use crate::linked_list::LinkedListHeap;
    use crate::test_support::Arena as HostArena;
    use std::cell::Cell;

    /// Counts one "cycle" per timed call, so results are checkable.
    struct CallCounter(Cell<u64>);

    impl Clock for CallCounter {
        fn time(&self, f: &mut dyn FnMut()) -> u64 {
            self.0.set(self.0.get() + 1);
            f();
            1
        }
    }

    #[test]
    fn plan_respects_its_bounds() {
        let plan = mix_plan(MIX_ACTIONS, MIX_MAX_LIVE, SEED);
        assert_eq!(plan.ops.len(), MIX_ACTIONS);
        let mut live = Vec::new();
        for op in &plan.ops {
            match *op {
                MixOp::Alloc { size, align } => {
                    assert!((8..=2048).contains(&size));
                    assert!(align == 8 || align == 16);
                    live.push(size);
                    assert!(live.len() <= MIX_MAX_LIVE);
                }
                MixOp::Free { slot } => {
                    live.swap_remove(slot as usize);
                }
                MixOp::Grow { slot, new_size } => {
                    let old = live[slot as usize];
                    assert!(new_size > old && new_size <= 3 * old);
                    live[slot as usize] = new_size;
                }
            }
        }
        assert!(plan.peak_live_bytes > 100_000, "{}", plan.peak_live_bytes);
        // The same seed draws the same stream.
        assert_eq!(mix_plan(1000, MIX_MAX_LIVE, SEED).ops, plan.ops[..1000]);
    }

    #[test]
    fn workloads_run_on_a_design_and_leave_it_empty() {
        let arena = HostArena::new(32 << 20);
        let heap = Locked::new(LinkedListHeap::new());
        // SAFETY: the host arena outlives the heap's use in this test.
        unsafe { heap.init(arena.start(), arena.size()) };
        let clock = CallCounter(Cell::new(0));
        let design = Arena(&heap);
        assert_eq!(design.box_u64(&clock), Some(1));
        assert_eq!(design.vec_8_4096(&clock), Some((1, 1)));
        let plan = mix_plan(20_000, MIX_MAX_LIVE, SEED);
        assert_eq!(design.random_mix(&plan, &clock), (1, 20_000));
        assert_eq!(clock.0.get(), 4);
        assert_eq!(heap.lock().free_bytes(), arena.size());
        assert_eq!(heap.lock().free_blocks(), 1);
    }

    #[test]
    fn exhaustion_stops_the_mix_early() {
        let arena = HostArena::new(1 << 20);
        let heap = Locked::new(BumpHeap::new());
        // SAFETY: the host arena outlives the heap's use in this test.
        unsafe { heap.init(arena.start(), arena.size()) };
        let clock = CallCounter(Cell::new(0));
        let plan = mix_plan(MIX_ACTIONS, MIX_MAX_LIVE, SEED);
        let (_, done) = Arena(&heap).random_mix(&plan, &clock);
        assert!(done > 100 && done < MIX_ACTIONS, "{done}");
        assert_eq!(heap.lock().used(), 0, "leftovers were not freed");
    }

    #[test]
    fn global_heap_path_runs() {
        let clock = CallCounter(Cell::new(0));
        assert!(Global.box_u64(&clock).is_some());
        assert!(Global.vec_8_4096(&clock).is_some());
        let plan = mix_plan(5_000, MIX_MAX_LIVE, SEED);
        assert_eq!(Global.random_mix(&plan, &clock).1, 5_000);
    }
}
