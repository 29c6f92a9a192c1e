//! Fixed-size blocks: one free list per power-of-two size from 8 to 2048 bytes, and the linked
//! list allocator for everything larger (and for fresh blocks when a size's list is empty).
//!
//! Small allocations and frees are a list pop and push. Freed blocks stay in their size's list
//! for good, so memory that once held 8-byte blocks never serves a 2 KiB one; that is the
//! fragmentation this design trades for speed.

use super::RawHeap;
use super::linked_list::LinkedListHeap;
use core::alloc::Layout;
use core::ptr::null_mut;

pub const BLOCK_SIZES: [usize; 9] = [8, 16, 32, 64, 128, 256, 512, 1024, 2048];

struct FreeBlock {
    next: *mut FreeBlock,
}

pub struct FixedSizeBlockHeap {
    lists: [*mut FreeBlock; BLOCK_SIZES.len()],
    fallback: LinkedListHeap,
}

// SAFETY: the heap owns its arena exclusively; the list pointers lead only into it.
unsafe impl Send for FixedSizeBlockHeap {}

impl Default for FixedSizeBlockHeap {
    fn default() -> Self {
        Self::new()
    }
}

/// The index of the smallest block size that fits `layout` in size and alignment.
fn list_index(layout: Layout) -> Option<usize> {
    let needed = layout.size().max(layout.align());
    BLOCK_SIZES.iter().position(|&size| size >= needed)
}

impl FixedSizeBlockHeap {
    pub const fn new() -> Self {
        FixedSizeBlockHeap {
            lists: [null_mut(); BLOCK_SIZES.len()],
            fallback: LinkedListHeap::new(),
        }
    }

    /// Blocks waiting in the list for `BLOCK_SIZES[index]`.
    pub fn cached_blocks(&self, index: usize) -> usize {
        let mut count = 0;
        let mut block = self.lists[index];
        while !block.is_null() {
            count += 1;
            // SAFETY: list nodes are freed blocks inside the arena.
            block = unsafe { (*block).next };
        }
        count
    }

    pub fn fallback(&self) -> &LinkedListHeap {
        &self.fallback
    }
}

impl RawHeap for FixedSizeBlockHeap {
    unsafe fn init(&mut self, start: usize, size: usize) {
        self.lists = [null_mut(); BLOCK_SIZES.len()];
        // SAFETY: forwarded from the caller.
        unsafe { self.fallback.init(start, size) };
    }

    fn alloc(&mut self, layout: Layout) -> *mut u8 {
        match list_index(layout) {
            Some(index) => {
                let head = self.lists[index];
                if head.is_null() {
                    // A block of size S aligned to S serves every layout mapped to this list.
                    let size = BLOCK_SIZES[index];
                    let block = Layout::from_size_align(size, size).expect("power of two");
                    self.fallback.alloc(block)
                } else {
                    // SAFETY: `head` is a freed block of this size inside the arena.
                    self.lists[index] = unsafe { (*head).next };
                    head.cast()
                }
            }
            None => self.fallback.alloc(layout),
        }
    }

    unsafe fn dealloc(&mut self, ptr: *mut u8, layout: Layout) {
        match list_index(layout) {
            Some(index) => {
                let block = ptr.cast::<FreeBlock>();
                // SAFETY: the block is at least 8 bytes, 8-aligned (block sizes are their own
                // alignment) and no longer in use.
                unsafe {
                    block.write(FreeBlock {
                        next: self.lists[index],
                    })
                };
                self.lists[index] = block;
            }
            // SAFETY: large blocks came from the fallback with this layout.
            None => unsafe { self.fallback.dealloc(ptr, layout) },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use super::*;

    fn heap(arena: &Arena) -> FixedSizeBlockHeap {
        heap_over(FixedSizeBlockHeap::new(), arena)
    }

    #[test]
    fn alignment() {
        let arena = Arena::new(1 << 20);
        alignment_is_honoured(&mut heap(&arena), &arena);
    }

    #[test]
    fn reuse() {
        let arena = Arena::new(64 << 10);
        memory_is_reused(&mut heap(&arena), &arena);
    }

    #[test]
    fn small_blocks_come_back_from_their_list() {
        let arena = Arena::new(64 << 10);
        let mut heap = heap(&arena);
        let layout = Layout::new::<u64>();
        let a = heap.alloc(layout);
        // SAFETY: allocated above with `layout`.
        unsafe { heap.dealloc(a, layout) };
        assert_eq!(heap.cached_blocks(0), 1);
        assert_eq!(heap.alloc(layout), a);
        assert_eq!(heap.cached_blocks(0), 0);
        // A 5-byte block with 16-byte alignment uses the 16-byte list.
        let odd = Layout::from_size_align(5, 16).unwrap();
        let b = heap.alloc(odd);
        assert_eq!(b as usize % 16, 0);
        // SAFETY: allocated above with `odd`.
        unsafe { heap.dealloc(b, odd) };
        assert_eq!(heap.cached_blocks(1), 1);
    }

    #[test]
    fn large_blocks_use_the_fallback() {
        let arena = Arena::new(64 << 10);
        let mut heap = heap(&arena);
        let big = Layout::from_size_align(4096, 8).unwrap();
        let free_before = heap.fallback().free_bytes();
        let ptr = heap.alloc(big);
        assert_eq!(heap.fallback().free_bytes(), free_before - 4096);
        // SAFETY: allocated above with `big`.
        unsafe { heap.dealloc(ptr, big) };
        assert_eq!(heap.fallback().free_bytes(), free_before);
    }

    #[test]
    fn fragmentation_small_blocks_never_return_to_the_fallback() {
        let arena = Arena::new(64 << 10);
        let mut heap = heap(&arena);
        let small = Layout::from_size_align(2048, 8).unwrap();
        let blocks: Vec<*mut u8> = std::iter::from_fn(|| Some(heap.alloc(small)))
            .take_while(|p| !p.is_null())
            .collect();
        for &block in &blocks {
            // SAFETY: each block is freed once with its layout.
            unsafe { heap.dealloc(block, small) };
        }
        // All memory sits in the 2048-byte list: a 4 KiB request fails although it is all free.
        assert!(
            heap.alloc(Layout::from_size_align(4096, 8).unwrap())
                .is_null()
        );
        assert_eq!(heap.cached_blocks(8), blocks.len());
    }

    #[test]
    fn exhaustion() {
        let arena = Arena::new(64 << 10);
        let mut heap = heap(&arena);
        let blocks = exhaustion_returns_null(&mut heap, &arena);
        // 1000 bytes take a 1024-byte block: 64 fit.
        assert_eq!(blocks.len(), 64);
    }
}
