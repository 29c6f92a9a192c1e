//! Teaching heap designs, each managing one arena handed to it whole, and the benchmark
//! workloads that compare them with Kestrel's kernel heap (docs/bench.md). Nothing here is part
//! of the shipped kernel's own allocator: the kernel heap is `kestrel::memory::heap` (a buddy
//! heap with quick lists); the shell's `bench` runs the workloads on it, and the benchmark
//! kernel (`make bench`) runs them on these designs too.
//!
//! - [`bump`]: a pointer that only moves up; memory comes back when every allocation is gone.
//! - [`linked_list`]: an address-ordered free list, first fit, merging freed neighbours.
//! - [`fixed_size_block`]: per-size free lists for small blocks, the linked list for the rest.
//! - [`bench`]: the workloads, their random numbers and the report table.
//!
//! Each design is plain logic over raw memory, so the host unit tests run it over a `Vec`'s
//! buffer; tests/heap_designs.rs in the kernel uses each as the global allocator.

#![cfg_attr(not(test), no_std)]

extern crate alloc;

pub mod bench;
pub mod bump;
pub mod fixed_size_block;
pub mod linked_list;

use core::alloc::{GlobalAlloc, Layout};
use spin::Mutex;

/// An allocator over one arena, without locking.
pub trait RawHeap {
    /// Takes over `[start, start + size)` and forgets everything handed out before.
    ///
    /// # Safety
    /// The arena must be valid, writable and used by nothing else while this heap manages it.
    unsafe fn init(&mut self, start: usize, size: usize);

    /// A block fitting `layout`, or null when the arena cannot provide one.
    fn alloc(&mut self, layout: Layout) -> *mut u8;

    /// # Safety
    /// `ptr` came from `alloc` on this heap with the same `layout` and was not freed since.
    unsafe fn dealloc(&mut self, ptr: *mut u8, layout: Layout);
}

/// A [`RawHeap`] behind a spin lock, usable as a [`GlobalAlloc`].
pub struct Locked<H> {
    inner: Mutex<H>,
}

impl<H: RawHeap> Locked<H> {
    pub const fn new(heap: H) -> Self {
        Locked {
            inner: Mutex::new(heap),
        }
    }

    /// # Safety
    /// As [`RawHeap::init`]; nothing allocated before may be used or freed afterwards.
    pub unsafe fn init(&self, start: usize, size: usize) {
        // SAFETY: forwarded from the caller.
        unsafe { self.inner.lock().init(start, size) }
    }

    pub fn lock(&self) -> spin::MutexGuard<'_, H> {
        self.inner.lock()
    }
}

// SAFETY: every call is serialised by the lock, and each heap hands out disjoint blocks of its
// own arena that fit the layout (each design's unit tests check size and alignment).
unsafe impl<H: RawHeap> GlobalAlloc for Locked<H> {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        self.inner.lock().alloc(layout)
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded from the caller.
        unsafe { self.inner.lock().dealloc(ptr, layout) }
    }
}

/// `addr` rounded up to `align`, a power of two; `None` on overflow.
pub const fn align_up(addr: usize, align: usize) -> Option<usize> {
    match addr.checked_add(align - 1) {
        Some(sum) => Some(sum & !(align - 1)),
        None => None,
    }
}

/// Shared checks every design must pass, over an arena in host memory (also used by the
/// kernel's own buddy heap tests, through the `test-support` feature).
#[cfg(any(test, feature = "test-support"))]
pub mod test_support {
    use super::RawHeap;
    use alloc::vec;
    use alloc::vec::Vec;
    use core::alloc::Layout;

    /// A host buffer standing in for mapped arena memory, aligned to its own size (rounded up
    /// to a power of two) as the kernel's arenas are.
    pub struct Arena {
        buffer: Vec<u8>,
        size: usize,
    }

    impl Arena {
        pub fn new(size: usize) -> Self {
            Arena {
                buffer: vec![0; size + size.next_power_of_two()],
                size,
            }
        }

        pub fn start(&self) -> usize {
            (self.buffer.as_ptr() as usize).next_multiple_of(self.size.next_power_of_two())
        }

        pub fn size(&self) -> usize {
            self.size
        }

        pub fn contains(&self, ptr: *mut u8, size: usize) -> bool {
            let addr = ptr as usize;
            addr >= self.start() && addr + size <= self.start() + self.size()
        }
    }

    pub fn heap_over<H: RawHeap>(mut heap: H, arena: &Arena) -> H {
        // SAFETY: the arena buffer outlives every use of the heap in a test.
        unsafe { heap.init(arena.start(), arena.size()) };
        heap
    }

    /// Alignments from 1 to 4096 are honoured and blocks do not overlap.
    pub fn alignment_is_honoured<H: RawHeap>(heap: &mut H, arena: &Arena) {
        let mut blocks = Vec::new();
        for shift in 0..=12 {
            let align = 1usize << shift;
            for size in [1, 7, 24, align] {
                let layout = Layout::from_size_align(size, align).unwrap();
                let ptr = heap.alloc(layout);
                assert!(!ptr.is_null(), "size {size} align {align}");
                assert_eq!(ptr as usize % align, 0, "size {size} align {align}");
                assert!(arena.contains(ptr, size));
                // SAFETY: the block is `size` bytes inside the arena.
                unsafe { ptr.write_bytes(shift as u8, size) };
                blocks.push((ptr, layout, shift as u8));
            }
        }
        for &(ptr, layout, fill) in &blocks {
            // SAFETY: each block was filled above and is still allocated.
            let bytes = unsafe { core::slice::from_raw_parts(ptr, layout.size()) };
            assert!(bytes.iter().all(|&b| b == fill), "blocks overlap");
        }
        for (ptr, layout, _) in blocks {
            // SAFETY: allocated above with this layout.
            unsafe { heap.dealloc(ptr, layout) };
        }
    }

    /// Allocating and freeing far more than the arena holds works when little is live.
    pub fn memory_is_reused<H: RawHeap>(heap: &mut H, arena: &Arena) {
        let layout = Layout::from_size_align(512, 8).unwrap();
        for _ in 0..(arena.size() / 512) * 4 {
            let ptr = heap.alloc(layout);
            assert!(!ptr.is_null(), "freed memory was not reused");
            // SAFETY: allocated just above.
            unsafe { heap.dealloc(ptr, layout) };
        }
    }

    /// Filling the arena ends in null, not in overlapping blocks or a panic.
    pub fn exhaustion_returns_null<H: RawHeap>(heap: &mut H, arena: &Arena) -> Vec<*mut u8> {
        let layout = Layout::from_size_align(1000, 8).unwrap();
        let mut blocks = Vec::new();
        loop {
            let ptr = heap.alloc(layout);
            if ptr.is_null() {
                break;
            }
            assert!(arena.contains(ptr, 1000));
            blocks.push(ptr);
            assert!(
                blocks.len() <= arena.size() / 1000,
                "handed out more than the arena"
            );
        }
        assert!(
            blocks.len() >= arena.size() / 1000 / 4,
            "gave up early: {}",
            blocks.len()
        );
        let huge = Layout::from_size_align(arena.size() * 2, 8).unwrap();
        assert!(heap.alloc(huge).is_null());
        blocks
    }
}
