//! Bump allocation: hand out the next free bytes and never look back.
//!
//! Allocation is a pointer increment. Memory returns only when the most recent allocation is
//! freed (the pointer steps back over it) or when nothing at all is allocated (the pointer
//! returns to the start), so one long-lived block pins everything allocated after it.

use super::{RawHeap, align_up};
use core::alloc::Layout;
use core::ptr;

pub struct BumpHeap {
    start: usize,
    end: usize,
    next: usize,
    live: usize,
}

impl Default for BumpHeap {
    fn default() -> Self {
        Self::new()
    }
}

impl BumpHeap {
    pub const fn new() -> Self {
        BumpHeap {
            start: 0,
            end: 0,
            next: 0,
            live: 0,
        }
    }

    /// Bytes between the arena start and the bump pointer.
    pub fn used(&self) -> usize {
        self.next - self.start
    }
}

impl RawHeap for BumpHeap {
    unsafe fn init(&mut self, start: usize, size: usize) {
        self.start = start;
        self.end = start + size;
        self.next = start;
        self.live = 0;
    }

    fn alloc(&mut self, layout: Layout) -> *mut u8 {
        let Some(block) = align_up(self.next, layout.align()) else {
            return ptr::null_mut();
        };
        match block.checked_add(layout.size()) {
            Some(end) if end <= self.end => {
                self.next = end;
                self.live += 1;
                block as *mut u8
            }
            _ => ptr::null_mut(),
        }
    }

    unsafe fn dealloc(&mut self, ptr: *mut u8, layout: Layout) {
        self.live -= 1;
        if self.live == 0 {
            self.next = self.start;
        } else if ptr as usize + layout.size() == self.next {
            self.next = ptr as usize;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use super::*;

    fn heap(arena: &Arena) -> BumpHeap {
        heap_over(BumpHeap::new(), arena)
    }

    #[test]
    fn alignment() {
        let arena = Arena::new(1 << 20);
        alignment_is_honoured(&mut heap(&arena), &arena);
    }

    #[test]
    fn reuse_after_everything_is_freed() {
        let arena = Arena::new(64 << 10);
        let mut heap = heap(&arena);
        memory_is_reused(&mut heap, &arena);
        assert_eq!(heap.used(), 0);
    }

    #[test]
    fn the_top_block_is_reclaimed_alone() {
        let arena = Arena::new(64 << 10);
        let mut heap = heap(&arena);
        let layout = Layout::from_size_align(100, 8).unwrap();
        let a = heap.alloc(layout);
        let b = heap.alloc(layout);
        // SAFETY: `b` was allocated with `layout` and is the most recent block.
        unsafe { heap.dealloc(b, layout) };
        assert_eq!(heap.alloc(layout), b);
        // SAFETY: `a` is allocated; freeing a block below the top does not move the pointer.
        unsafe { heap.dealloc(a, layout) };
        // 100 bytes, padded to 104 for the second block's 8-byte alignment, plus 100.
        assert_eq!(heap.used(), 204);
    }

    #[test]
    fn fragmentation_one_long_lived_block_pins_the_arena() {
        let arena = Arena::new(64 << 10);
        let mut heap = heap(&arena);
        let keep = heap.alloc(Layout::new::<u64>());
        let layout = Layout::from_size_align(1024, 8).unwrap();
        let mut count = 0;
        loop {
            let a = heap.alloc(layout);
            let b = heap.alloc(Layout::new::<u8>());
            if a.is_null() || b.is_null() {
                break;
            }
            // SAFETY: `a` is allocated and not the top block, so the pointer stays; `b` stays
            // live, which is what pins the memory.
            unsafe { heap.dealloc(a, layout) };
            count += 1;
        }
        // The bump pointer only ever moved up: far fewer rounds than alloc/free pairs suggest.
        assert!(count < 64, "{count}");
        assert!(!keep.is_null());
    }

    #[test]
    fn exhaustion() {
        let arena = Arena::new(64 << 10);
        let mut heap = heap(&arena);
        let blocks = exhaustion_returns_null(&mut heap, &arena);
        assert_eq!(blocks.len(), 65);
    }
}
