//! A free list in address order: first fit on allocation, merging with both neighbours on free.
//!
//! Every block size and address is a multiple of [`GRANULE`] (16 bytes, the size of a free-list
//! node), so whatever is left in front of or behind an allocation is either nothing or a whole
//! node, and no bytes are ever lost to slivers. Both operations walk the list, so their cost
//! grows with the number of free blocks; that is the price of the simplicity.

use super::{RawHeap, align_up};
use core::alloc::Layout;
use core::mem::size_of;
use core::ptr::{self, null_mut};

struct FreeBlock {
    size: usize,
    next: *mut FreeBlock,
}

pub const GRANULE: usize = size_of::<FreeBlock>();
const _: () = assert!(GRANULE == 16 && GRANULE.is_power_of_two());

pub struct LinkedListHeap {
    /// The lowest free block; the list is sorted by address.
    head: *mut FreeBlock,
    free_bytes: usize,
}

// SAFETY: the heap only points into the arena it was given, which it owns exclusively; moving
// it to another thread moves that ownership.
unsafe impl Send for LinkedListHeap {}

impl Default for LinkedListHeap {
    fn default() -> Self {
        Self::new()
    }
}

/// The size and alignment the heap really uses for `layout`.
fn normalise(layout: Layout) -> Option<(usize, usize)> {
    let size = align_up(layout.size().max(GRANULE), GRANULE)?;
    Some((size, layout.align().max(GRANULE)))
}

impl LinkedListHeap {
    pub const fn new() -> Self {
        LinkedListHeap {
            head: null_mut(),
            free_bytes: 0,
        }
    }

    pub fn free_bytes(&self) -> usize {
        self.free_bytes
    }

    /// Number of free blocks (fragments); 1 means the free memory is one piece.
    pub fn free_blocks(&self) -> usize {
        let mut count = 0;
        let mut block = self.head;
        while !block.is_null() {
            count += 1;
            // SAFETY: list nodes live in the arena and are only linked while free.
            block = unsafe { (*block).next };
        }
        count
    }

    /// Writes a free-block node at `addr`.
    ///
    /// # Safety
    /// `[addr, addr + size)` must be free arena memory, `addr` aligned to `GRANULE`.
    unsafe fn node(addr: usize, size: usize, next: *mut FreeBlock) -> *mut FreeBlock {
        let block = addr as *mut FreeBlock;
        // SAFETY: per the caller, the memory is free and aligned for a node.
        unsafe { block.write(FreeBlock { size, next }) };
        block
    }

    /// Inserts the free range `[addr, addr + size)` in address order, merging neighbours.
    ///
    /// # Safety
    /// The range must be free arena memory, `GRANULE`-aligned in address and size.
    unsafe fn insert(&mut self, addr: usize, size: usize) {
        self.free_bytes += size;
        let mut prev: *mut FreeBlock = null_mut();
        let mut next = self.head;
        // SAFETY: every pointer followed is a node of this list, in the arena.
        unsafe {
            while !next.is_null() && (next as usize) < addr {
                prev = next;
                next = (*next).next;
            }
            let merges_next = !next.is_null() && addr + size == next as usize;
            let merges_prev = !prev.is_null() && prev as usize + (*prev).size == addr;
            match (merges_prev, merges_next) {
                (true, true) => {
                    (*prev).size += size + (*next).size;
                    (*prev).next = (*next).next;
                }
                (true, false) => (*prev).size += size,
                (false, true) => {
                    let block = Self::node(addr, size + (*next).size, (*next).next);
                    self.link(prev, block);
                }
                (false, false) => {
                    let block = Self::node(addr, size, next);
                    self.link(prev, block);
                }
            }
        }
    }

    /// Makes `block` follow `prev` (or become the head when `prev` is null).
    ///
    /// # Safety
    /// `prev` is null or a node of this list.
    unsafe fn link(&mut self, prev: *mut FreeBlock, block: *mut FreeBlock) {
        if prev.is_null() {
            self.head = block;
        } else {
            // SAFETY: per the caller.
            unsafe { (*prev).next = block };
        }
    }
}

impl RawHeap for LinkedListHeap {
    unsafe fn init(&mut self, start: usize, size: usize) {
        self.head = null_mut();
        self.free_bytes = 0;
        let Some(first) = align_up(start, GRANULE) else {
            return;
        };
        let end = (start + size) & !(GRANULE - 1);
        if end > first {
            // SAFETY: the caller hands over the arena; the range is granule-aligned.
            unsafe { self.insert(first, end - first) };
        }
    }

    fn alloc(&mut self, layout: Layout) -> *mut u8 {
        let Some((size, align)) = normalise(layout) else {
            return null_mut();
        };
        let mut prev: *mut FreeBlock = null_mut();
        let mut current = self.head;
        // SAFETY: every pointer followed is a node of this list, in the arena, and
        // the pieces carved off stay inside the block they came from.
        unsafe {
            while !current.is_null() {
                let block_start = current as usize;
                let block_end = block_start + (*current).size;
                let next = (*current).next;
                if let Some(start) = align_up(block_start, align)
                    && let Some(end) = start.checked_add(size)
                    && end <= block_end
                {
                    // Both remainders are whole granules (or nothing): see the module docs.
                    let front = start - block_start;
                    let back = block_end - end;
                    let after = if back > 0 {
                        Self::node(end, back, next)
                    } else {
                        next
                    };
                    if front > 0 {
                        (*current).size = front;
                        (*current).next = after;
                    } else {
                        self.link(prev, after);
                    }
                    self.free_bytes -= size;
                    return start as *mut u8;
                }
                prev = current;
                current = next;
            }
        }
        ptr::null_mut()
    }

    unsafe fn dealloc(&mut self, ptr: *mut u8, layout: Layout) {
        let (size, _) = normalise(layout).expect("layout was allocatable");
        // SAFETY: the block came from `alloc` with this layout, so it spans `size` bytes of
        // granule-aligned arena memory that is now free.
        unsafe { self.insert(ptr as usize, size) };
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use super::*;

    fn heap(arena: &Arena) -> LinkedListHeap {
        heap_over(LinkedListHeap::new(), arena)
    }

    #[test]
    fn alignment() {
        let arena = Arena::new(1 << 20);
        let mut heap = heap(&arena);
        alignment_is_honoured(&mut heap, &arena);
        assert_eq!(heap.free_bytes(), arena.size());
        assert_eq!(
            heap.free_blocks(),
            1,
            "alignment padding was not merged back"
        );
    }

    #[test]
    fn reuse() {
        let arena = Arena::new(64 << 10);
        memory_is_reused(&mut heap(&arena), &arena);
    }

    #[test]
    fn first_fit_takes_the_lowest_hole() {
        let arena = Arena::new(64 << 10);
        let mut heap = heap(&arena);
        let layout = Layout::from_size_align(256, 16).unwrap();
        let blocks: Vec<*mut u8> = (0..8).map(|_| heap.alloc(layout)).collect();
        // SAFETY: both were allocated above with `layout`.
        unsafe {
            heap.dealloc(blocks[5], layout);
            heap.dealloc(blocks[2], layout);
        }
        assert_eq!(heap.alloc(layout), blocks[2]);
        assert_eq!(heap.alloc(layout), blocks[5]);
    }

    #[test]
    fn fragmentation_heals_in_any_free_order() {
        let arena = Arena::new(256 << 10);
        let mut heap = heap(&arena);
        let layouts: Vec<Layout> = (0..200)
            .map(|i| Layout::from_size_align(16 + (i * 37) % 900, 1 << (i % 7)).unwrap())
            .collect();
        let blocks: Vec<*mut u8> = layouts.iter().map(|&l| heap.alloc(l)).collect();
        assert!(blocks.iter().all(|b| !b.is_null()));
        // Free every other block, then the rest: holes first, then merges on both sides.
        for i in (0..200).step_by(2).chain((1..200).step_by(2)) {
            // SAFETY: each block is freed exactly once with its own layout.
            unsafe { heap.dealloc(blocks[i], layouts[i]) };
        }
        assert_eq!(heap.free_blocks(), 1);
        assert_eq!(heap.free_bytes(), arena.size());
        // The healed arena serves one allocation of nearly all of it.
        let big = Layout::from_size_align(arena.size() - 4096, 4096).unwrap();
        assert!(!heap.alloc(big).is_null());
    }

    #[test]
    fn exhaustion() {
        let arena = Arena::new(64 << 10);
        let mut heap = heap(&arena);
        let blocks = exhaustion_returns_null(&mut heap, &arena);
        // 1000 bytes round up to 1008: 65 fit in 64 KiB.
        assert_eq!(blocks.len(), 65);
    }
}
