//! The kernel heap's allocator: `buddy_system_allocator` with per-size quick stacks in front.
//!
//! The buddy heap keeps one singly linked free list per block order. Freeing a block searches
//! that order's list for the block's buddy to merge with, so a free costs time proportional to
//! how many blocks of that size are free, and a small allocation splits a large block down
//! order by order (`make bench` prints the figures without the quick stacks: about 1,000 cycles
//! per `Box<u64>`). In front of it sit "quick" stacks, one per order from 8 bytes to 4 KiB: a
//! freed small block's address is pushed there without merging, and an allocation of that
//! order pops it again, so the common case is O(1) either way.
//!
//! The stacks are arrays of addresses rather than lists threaded through the free blocks: a
//! free then touches only the stack, not the block, which under emulation (and on hardware, in
//! the TLB and cache) matters when thousands of blocks spread over megabytes are freed at once.
//! A full stack sends further frees to the buddy heap, which bounds what the stacks hold.
//!
//! Blocks on the stacks are still allocated as far as the buddy heap knows. When the buddy heap
//! cannot serve a request, [`CachedBuddy::drain`] returns them all, merging as it goes, before
//! anyone concludes the heap is full; the same idea as dlmalloc's fast bins.

use buddy_system_allocator::Heap;
use core::alloc::Layout;
use core::mem::size_of;
use core::ptr::NonNull;

/// The smallest buddy block is a `usize` (order 3); quick stacks cover orders 3..=12.
pub const QUICK_MIN_ORDER: usize = 3;
/// Blocks up to 4 KiB.
pub const QUICK_MAX_ORDER: usize = 12;
const QUICK_CLASSES: usize = QUICK_MAX_ORDER - QUICK_MIN_ORDER + 1;
/// Addresses each stack holds: at most 1024 blocks of each size (8 MiB in all) wait there.
pub const QUICK_CAPACITY: usize = 1024;

/// Largest block order the buddy heap handles: 2^31 bytes.
pub const BUDDY_ORDER: usize = 32;

/// The fields every quick allocation touches come first and together (`repr(C)`), right after
/// the lock that wraps the heap: the limit and all stack lengths share one cache line, and the
/// smallest class's stack starts on the same page. Before, each length sat after its 8 KiB
/// stack, so one allocation touched three or four pages; under QEMU that made the fast path's
/// cost swing 2-3x with where the linker happened to put `.data`.
#[repr(C)]
pub struct CachedBuddy {
    /// Freed blocks up to this order go to the quick stacks: [`QUICK_MAX_ORDER`], or 0 (no
    /// block is that small) while they are off. One compare on the hot path, and no byte
    /// counting there either: [`stats`](Self::stats) adds the stacks up instead.
    quick_limit: usize,
    quick_len: [usize; QUICK_CLASSES],
    quick: [[*mut u8; QUICK_CAPACITY]; QUICK_CLASSES],
    buddy: Heap<BUDDY_ORDER>,
}

// SAFETY: the quick stacks point only into the heap's own memory, which it owns exclusively.
unsafe impl Send for CachedBuddy {}

impl Default for CachedBuddy {
    fn default() -> Self {
        Self::new()
    }
}

/// The buddy order serving `layout`: the same block size `buddy_system_allocator` computes,
/// `max(size.next_power_of_two(), align, 8)`, so a quick-stacked block is the very block the
/// buddy heap would hand out. As `align` is a power of two that equals the next power of two of
/// `max(size, align, 8)`, which takes fewer instructions on the hot path.
#[inline(always)]
pub fn block_order(layout: Layout) -> usize {
    let size = layout.size().max(layout.align()).max(size_of::<usize>());
    (usize::BITS - (size - 1).leading_zeros()) as usize
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HeapStats {
    /// Bytes given to the heap.
    pub total: usize,
    /// Bytes in blocks handed out and not freed (block sizes, not request sizes).
    pub in_use: usize,
    /// Bytes of freed blocks parked on the quick stacks.
    pub quick: usize,
}

impl CachedBuddy {
    pub const fn new() -> Self {
        CachedBuddy {
            quick_limit: QUICK_MAX_ORDER,
            quick_len: [0; QUICK_CLASSES],
            quick: [[core::ptr::null_mut(); QUICK_CAPACITY]; QUICK_CLASSES],
            buddy: Heap::new(),
        }
    }

    /// Adds `[start, end)` to the heap.
    ///
    /// # Safety
    /// The range must be valid writable memory used by nothing else, for the heap's life.
    pub unsafe fn add_memory(&mut self, start: usize, end: usize) {
        // SAFETY: forwarded from the caller.
        unsafe { self.buddy.add_to_heap(start, end) };
    }

    #[inline(always)]
    pub fn alloc(&mut self, layout: Layout) -> Option<NonNull<u8>> {
        let order = block_order(layout);
        if order <= QUICK_MAX_ORDER {
            let class = order - QUICK_MIN_ORDER;
            let len = &mut self.quick_len[class];
            if *len > 0 {
                *len -= 1;
                // SAFETY: a length only grows in `dealloc`, and only while it is below
                // QUICK_CAPACITY, so `*len` indexes the stack (the compiler cannot know that, and
                // its bounds check cost two instructions on every allocation). Stacked addresses
                // are free blocks of this order, never null.
                return Some(unsafe {
                    NonNull::new_unchecked(*self.quick[class].get_unchecked(*len))
                });
            }
        }
        self.buddy.alloc(layout).ok()
    }

    /// # Safety
    /// `ptr` came from [`alloc`](Self::alloc) with `layout` and is not used after this.
    #[inline(always)]
    pub unsafe fn dealloc(&mut self, ptr: NonNull<u8>, layout: Layout) {
        let order = block_order(layout);
        if order <= self.quick_limit {
            let class = order - QUICK_MIN_ORDER;
            let len = &mut self.quick_len[class];
            if *len < QUICK_CAPACITY {
                self.quick[class][*len] = ptr.as_ptr();
                *len += 1;
                return;
            }
        }
        self.buddy.dealloc(ptr, layout);
    }

    /// Whether a block for `old` can also serve `new_size` in place (same buddy order).
    pub fn fits_in_place(old: Layout, new_size: usize) -> bool {
        Layout::from_size_align(new_size, old.align())
            .is_ok_and(|new| block_order(new) == block_order(old))
    }

    /// Returns every quick-stacked block to the buddy heap, merging buddies.
    pub fn drain(&mut self) {
        for (class, (stack, len)) in self.quick.iter().zip(&mut self.quick_len).enumerate() {
            // A one-byte request of this alignment has exactly this order; the buddy heap's
            // request-size statistic only ever sees it shrink by one, never underflow.
            let layout =
                Layout::from_size_align(1, 1 << (class + QUICK_MIN_ORDER)).expect("power of two");
            for &block in &stack[..*len] {
                // SAFETY: stacked addresses are free blocks, never null.
                let block = unsafe { NonNull::new_unchecked(block) };
                self.buddy.dealloc(block, layout);
            }
            *len = 0;
        }
    }

    /// Turns the quick stacks off (for measuring the buddy heap alone) or back on.
    pub fn set_quick_lists(&mut self, enabled: bool) {
        if !enabled {
            self.drain();
        }
        self.quick_limit = if enabled { QUICK_MAX_ORDER } else { 0 };
    }

    /// Bytes parked on the quick stacks.
    fn quick_bytes(&self) -> usize {
        self.quick_len
            .iter()
            .enumerate()
            .map(|(class, len)| len << (class + QUICK_MIN_ORDER))
            .sum()
    }

    pub fn stats(&self) -> HeapStats {
        let quick = self.quick_bytes();
        HeapStats {
            total: self.buddy.stats_total_bytes(),
            in_use: self.buddy.stats_alloc_actual() - quick,
            quick,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use heap_designs::RawHeap;
    use heap_designs::test_support::*;

    /// The kernel heap's design over a fixed arena, so that it passes the same checks as the
    /// teaching designs.
    impl RawHeap for CachedBuddy {
        unsafe fn init(&mut self, start: usize, size: usize) {
            self.drain();
            self.buddy = Heap::new();
            self.quick_limit = QUICK_MAX_ORDER;
            // SAFETY: forwarded from the caller.
            unsafe { self.add_memory(start, start + size) };
        }

        fn alloc(&mut self, layout: Layout) -> *mut u8 {
            if let Some(block) = CachedBuddy::alloc(self, layout) {
                return block.as_ptr();
            }
            self.drain();
            CachedBuddy::alloc(self, layout).map_or(core::ptr::null_mut(), NonNull::as_ptr)
        }

        unsafe fn dealloc(&mut self, ptr: *mut u8, layout: Layout) {
            let ptr = NonNull::new(ptr).expect("freeing null");
            // SAFETY: forwarded from the caller.
            unsafe { CachedBuddy::dealloc(self, ptr, layout) }
        }
    }

    fn heap(arena: &Arena) -> Box<CachedBuddy> {
        // Boxed: the quick stacks make the heap 80 KiB, too much to move around on a stack.
        let mut heap = Box::new(CachedBuddy::new());
        // SAFETY: the arena outlives the heap's use in each test.
        unsafe { RawHeap::init(&mut *heap, arena.start(), arena.size()) };
        heap
    }

    #[test]
    fn orders_match_the_buddy_heap() {
        let l = |size, align| Layout::from_size_align(size, align).unwrap();
        assert_eq!(block_order(l(1, 1)), 3);
        assert_eq!(block_order(l(8, 8)), 3);
        assert_eq!(block_order(l(9, 8)), 4);
        assert_eq!(block_order(l(5, 64)), 6);
        assert_eq!(block_order(l(4096, 8)), 12);
        assert_eq!(block_order(l(4097, 8)), 13);
        // Exhaustively against the crate's formula for small sizes and every alignment.
        for size in 1..=5000 {
            for shift in 0..=13 {
                let layout = l(size, 1 << shift);
                let reference = size
                    .next_power_of_two()
                    .max(1 << shift)
                    .max(8)
                    .trailing_zeros() as usize;
                assert_eq!(block_order(layout), reference, "{layout:?}");
            }
        }
    }

    #[test]
    fn alignment() {
        let arena = Arena::new(1 << 20);
        alignment_is_honoured(&mut *heap(&arena), &arena);
    }

    #[test]
    fn reuse() {
        let arena = Arena::new(64 << 10);
        memory_is_reused(&mut *heap(&arena), &arena);
    }

    #[test]
    fn quick_lists_hand_back_the_last_freed_block() {
        let arena = Arena::new(64 << 10);
        let mut heap = heap(&arena);
        let layout = Layout::new::<u64>();
        let a = RawHeap::alloc(&mut *heap, layout);
        // SAFETY: allocated above with `layout`.
        unsafe { RawHeap::dealloc(&mut *heap, a, layout) };
        assert_eq!(heap.stats().quick, 8);
        assert_eq!(heap.stats().in_use, 0);
        assert_eq!(RawHeap::alloc(&mut *heap, layout), a);
        assert_eq!(heap.stats().in_use, 8);
    }

    #[test]
    fn fragmentation_drain_merges_quick_blocks_back() {
        let arena = Arena::new(64 << 10);
        let mut heap = heap(&arena);
        let small = Layout::from_size_align(64, 8).unwrap();
        let blocks: Vec<*mut u8> = std::iter::from_fn(|| Some(RawHeap::alloc(&mut *heap, small)))
            .take_while(|p| !p.is_null())
            .collect();
        assert_eq!(blocks.len(), 1024);
        for &block in &blocks {
            // SAFETY: each block is freed once with its layout.
            unsafe { RawHeap::dealloc(&mut *heap, block, small) };
        }
        // Everything sits in the 64-byte quick list, yet a request for the whole arena
        // succeeds: the failed first attempt drains and merges.
        let whole = Layout::from_size_align(64 << 10, 8).unwrap();
        assert!(!RawHeap::alloc(&mut *heap, whole).is_null());
        assert_eq!(heap.stats().quick, 0);
    }

    #[test]
    fn a_full_quick_stack_sends_frees_to_the_buddy_heap() {
        let arena = Arena::new(64 << 10);
        let mut heap = heap(&arena);
        let layout = Layout::from_size_align(16, 8).unwrap();
        let blocks: Vec<*mut u8> = (0..QUICK_CAPACITY + 10)
            .map(|_| RawHeap::alloc(&mut *heap, layout))
            .collect();
        for &block in &blocks {
            // SAFETY: each block is freed once with its layout.
            unsafe { RawHeap::dealloc(&mut *heap, block, layout) };
        }
        assert_eq!(heap.stats().quick, QUICK_CAPACITY * 16);
        assert_eq!(heap.stats().in_use, 0);
    }

    #[test]
    fn without_quick_lists_frees_merge_at_once() {
        let arena = Arena::new(64 << 10);
        let mut heap = heap(&arena);
        heap.set_quick_lists(false);
        let layout = Layout::from_size_align(1024, 8).unwrap();
        let a = RawHeap::alloc(&mut *heap, layout);
        // SAFETY: allocated above.
        unsafe { RawHeap::dealloc(&mut *heap, a, layout) };
        assert_eq!(heap.stats().quick, 0);
        assert_eq!(heap.stats().in_use, 0);
    }

    #[test]
    fn in_place_growth_within_an_order() {
        let l = Layout::from_size_align(100, 8).unwrap();
        assert!(CachedBuddy::fits_in_place(l, 128));
        assert!(!CachedBuddy::fits_in_place(l, 129));
    }

    #[test]
    fn exhaustion() {
        let arena = Arena::new(64 << 10);
        let mut heap = heap(&arena);
        let blocks = exhaustion_returns_null(&mut *heap, &arena);
        // 1000 bytes take a 1024-byte buddy block: 64 fit.
        assert_eq!(blocks.len(), 64);
    }
}
