//! The kernel heap: a fixed virtual range ([`HEAP_START`]) that grows on demand, managed by
//! [`CachedBuddy`] (buddy_system_allocator with per-size quick lists).
//!
//! The heap starts small and maps more frames when a request finds no block: first the quick
//! lists are drained back into the buddy heap, then the mapped part at least doubles (or grows
//! by what the request needs) until the mapped bytes reach the limit `memory::init` sets. A
//! buddy block is aligned to its own size, so a large request needs a fresh aligned block:
//! when mapping everything up to it would pass the limit, the heap maps the block alone and
//! leaves the gap below it unmapped (virtual space is plentiful, frames are not). A request
//! that still cannot be met returns null, as `GlobalAlloc` allows: fallible callers
//! (`try_reserve`, the benchmarks' raw allocations) get an error to report, the others end in
//! `handle_alloc_error`'s panic, which the panic report completes with [`last_failure`].
//! Nothing is ever handed out twice.
//!
//! Interrupts: no interrupt handler allocates or frees (issue 3's handlers are written that
//! way), so the lock does not disable interrupts, which keeps `Box::new` at a few dozen cycles.
//! Two checks back the rule. In every build, finding the lock already taken by this same CPU
//! can only mean an interrupt arrived mid-allocation and its handler is allocating: that panics
//! with a message instead of deadlocking ([`CpuMutex`]; another CPU holding it is waited
//! for). In debug builds, code that must not allocate (an interrupt handler) holds a
//! [`ForbidAllocation`] guard, and any allocation on its CPU meanwhile panics even when it
//! would not have collided.

use super::buddy::{CachedBuddy, block_order};
use super::layout::{HEAP_MAX_SIZE, HEAP_START};
use super::paging::{MapError, PAGE_TABLES};
use crate::sync::{CpuMutex, CpuMutexGuard};
use core::alloc::{GlobalAlloc, Layout};
use core::fmt;
use core::ptr::{self, NonNull};
use core::sync::atomic::Ordering;
use x86_64::VirtAddr;
use x86_64::structures::paging::{Page, PageTableFlags as Flags};

pub struct KernelHeap {
    state: CpuMutex<HeapState>,
}

struct HeapState {
    buddy: CachedBuddy,
    /// One past the highest mapped heap byte (below it there may be unmapped gaps).
    mapped_end: u64,
    /// Bytes backed by frames.
    mapped_bytes: u64,
    /// The heap never maps more bytes than this.
    limit: u64,
    growths: u32,
    /// The last request the heap could not meet.
    last_failure: Option<AllocFailure>,
}

/// The heap every `Box`, `Vec` and `String` of the kernel lives on.
pub static KERNEL_HEAP: KernelHeap = KernelHeap {
    state: CpuMutex::new(HeapState {
        buddy: CachedBuddy::new(),
        mapped_end: HEAP_START,
        mapped_bytes: 0,
        limit: 0,
        growths: 0,
        last_failure: None,
    }),
};

/// A zero-sized handle on [`KERNEL_HEAP`] for `#[global_allocator]`, which
/// [`entry_point!`](crate::entry_point) declares in every kernel binary.
pub struct GlobalKernelHeap;

// SAFETY: forwards to KERNEL_HEAP, whose implementation below upholds the contract.
unsafe impl GlobalAlloc for GlobalKernelHeap {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded from the caller.
        unsafe { KERNEL_HEAP.alloc(layout) }
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded from the caller.
        unsafe { KERNEL_HEAP.dealloc(ptr, layout) }
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: forwarded from the caller.
        unsafe { KERNEL_HEAP.realloc(ptr, layout, new_size) }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KernelHeapStats {
    /// Bytes of the heap range backed by frames.
    pub mapped: u64,
    /// How far the heap may grow.
    pub limit: u64,
    /// Bytes in blocks that are allocated (rounded to block sizes).
    pub in_use: u64,
    /// Bytes of freed small blocks waiting in the quick lists.
    pub quick: u64,
    /// How often the heap has grown since boot.
    pub growths: u32,
}

/// Why the heap could not grow for a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GrowError {
    /// The request needs a block of `block` bytes, more than the `room` bytes the heap may
    /// still map before it reaches its limit.
    NoRoom {
        block: u64,
        room: u64,
    },
    /// The request is larger than the heap's whole virtual range.
    TooLarge {
        block: u64,
    },
    Map(MapError),
}

impl fmt::Display for GrowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GrowError::NoRoom { block, room } => write!(
                f,
                "it needs a fresh {} KiB block, and the heap may map only {} KiB more",
                block / 1024,
                room / 1024
            ),
            GrowError::TooLarge { block } => write!(
                f,
                "it needs a {} KiB block, larger than the heap's address range",
                block / 1024
            ),
            GrowError::Map(err) => write!(f, "{err}"),
        }
    }
}

/// A request the heap could not meet, with the heap's state at the time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AllocFailure {
    pub size: usize,
    pub align: usize,
    pub reason: GrowError,
    pub stats: KernelHeapStats,
}

impl fmt::Display for AllocFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the kernel heap cannot allocate {} bytes (align {}): {}; {} KiB in use, {} KiB \
             mapped, limit {} KiB",
            self.size,
            self.align,
            self.reason,
            self.stats.in_use / 1024,
            self.stats.mapped / 1024,
            self.stats.limit / 1024
        )
    }
}

impl HeapState {
    fn stats(&self) -> KernelHeapStats {
        let buddy = self.buddy.stats();
        KernelHeapStats {
            mapped: self.mapped_bytes,
            limit: self.limit,
            in_use: buddy.in_use as u64,
            quick: buddy.quick as u64,
            growths: self.growths,
        }
    }

    /// Maps `[start, new_end)` (at or above `mapped_end`) with fresh frames and gives it to the
    /// buddy heap. Stops at the first failure, keeping what was mapped.
    fn map_more(&mut self, start: u64, new_end: u64) -> Result<(), MapError> {
        debug_assert!(start >= self.mapped_end && start.is_multiple_of(4096));
        self.mapped_end = start;
        let flags = Flags::PRESENT | Flags::WRITABLE | Flags::NO_EXECUTE;
        let mut tables = PAGE_TABLES.lock();
        let mut result = Ok(());
        while self.mapped_end < new_end {
            let page = Page::containing_address(VirtAddr::new(self.mapped_end));
            let Some(frame) = super::frames::allocate() else {
                result = Err(MapError::OutOfFrames);
                break;
            };
            if let Err(err) = tables.map_to(page, frame, flags, &mut super::frames::GlobalFrames) {
                let _ = super::frames::deallocate(frame);
                result = Err(err);
                break;
            }
            self.mapped_end += 4096;
            self.mapped_bytes += 4096;
        }
        drop(tables);
        if self.mapped_end > start {
            // SAFETY: the range was just mapped to frames nothing else uses.
            unsafe {
                self.buddy
                    .add_memory(start as usize, self.mapped_end as usize)
            };
        }
        result
    }

    /// Grows the heap so that a block for `layout` exists: maps one naturally aligned block of
    /// the request's size, from the end of the mapped part if the limit leaves room for the
    /// gap up to the block, else the block alone; and, where the limit allows, at least doubles
    /// the mapped bytes.
    fn grow(&mut self, layout: Layout) -> Result<(), GrowError> {
        let block = 1u64 << block_order(layout);
        let room = self.limit.saturating_sub(self.mapped_bytes);
        let block_start = self
            .mapped_end
            .checked_next_multiple_of(block)
            .filter(|start| {
                start
                    .checked_add(block)
                    .is_some_and(|end| end <= HEAP_START + HEAP_MAX_SIZE)
            })
            .ok_or(GrowError::TooLarge { block })?;
        if block > room {
            return Err(GrowError::NoRoom { block, room });
        }
        let gap = block_start - self.mapped_end;
        let start = if gap + block <= room {
            self.mapped_end
        } else {
            block_start
        };
        let room_end = start + room;
        let doubled = start + self.mapped_bytes.max(4096);
        let new_end = (block_start + block).max(doubled.min(room_end));
        self.growths += 1;
        self.map_more(start, new_end).map_err(GrowError::Map)
    }

    #[cold]
    #[inline(never)]
    fn alloc_slow(&mut self, layout: Layout) -> *mut u8 {
        assert!(
            self.limit > 0,
            "heap allocation of {} bytes before memory::init",
            layout.size()
        );
        self.buddy.drain();
        loop {
            if let Some(block) = self.buddy.alloc(layout) {
                return block.as_ptr();
            }
            if let Err(err) = self.grow(layout) {
                // One more try: a failed growth may still have mapped part of what it wanted.
                if let Some(block) = self.buddy.alloc(layout) {
                    return block.as_ptr();
                }
                self.last_failure = Some(AllocFailure {
                    size: layout.size(),
                    align: layout.align(),
                    reason: err,
                    stats: self.stats(),
                });
                return ptr::null_mut();
            }
        }
    }
}

impl KernelHeap {
    #[inline(always)]
    fn lock(&self) -> CpuMutexGuard<'_, HeapState> {
        self.state.lock(reentered)
    }

    /// Whether code on this CPU holds the heap right now (see [`super::frames::is_in_use`]).
    pub fn is_in_use(&self) -> bool {
        self.state.is_held_here()
    }

    pub fn stats(&self) -> KernelHeapStats {
        self.lock().stats()
    }

    /// Turns the quick lists off (so `make bench` can measure the bare buddy heap) or on.
    pub fn set_quick_lists(&self, enabled: bool) {
        self.lock().buddy.set_quick_lists(enabled);
    }
}

#[cold]
#[inline(never)]
fn reentered() -> ! {
    panic!("kernel heap re-entered: an interrupt handler allocated while the heap was in use")
}

// SAFETY: the buddy heap hands out disjoint blocks of mapped heap memory fitting the layout;
// the lock serialises all access; growth maps fresh frames before adding them.
unsafe impl GlobalAlloc for KernelHeap {
    #[inline(always)]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        #[cfg(debug_assertions)]
        check_allocation_allowed(layout);
        let mut state = self.lock();
        match state.buddy.alloc(layout) {
            Some(block) => block.as_ptr(),
            None => state.alloc_slow(layout),
        }
    }

    #[inline(always)]
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        #[cfg(debug_assertions)]
        check_allocation_allowed(layout);
        // SAFETY: `ptr` came from `alloc` with `layout` (GlobalAlloc contract), so it is
        // non-null and the block it names is free now.
        unsafe {
            self.lock()
                .buddy
                .dealloc(NonNull::new_unchecked(ptr), layout)
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // A request that lands in the same buddy order keeps its block: no copy.
        if CachedBuddy::fits_in_place(layout, new_size) {
            return ptr;
        }
        // SAFETY: the caller guarantees a valid layout for `new_size` (GlobalAlloc contract).
        let new_layout = unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
        // SAFETY: as GlobalAlloc's default realloc: new block, copy, free the old one.
        unsafe {
            let new = self.alloc(new_layout);
            if !new.is_null() {
                ptr::copy_nonoverlapping(ptr, new, layout.size().min(new_size));
                self.dealloc(ptr, layout);
            }
            new
        }
    }
}

/// Maps the first `initial` bytes of the heap range and lets it grow to `limit` bytes.
pub(super) fn init(initial: u64, limit: u64) -> Result<(), MapError> {
    let limit = limit.clamp(initial, HEAP_MAX_SIZE);
    let mut state = KERNEL_HEAP.lock();
    state.limit = limit;
    state.map_more(HEAP_START, HEAP_START + initial)
}

pub fn stats() -> KernelHeapStats {
    KERNEL_HEAP.stats()
}

/// The last request the heap could not meet, if any (for the panic report: it does not wait
/// for the heap lock, and says nothing when the lock is taken).
pub fn last_failure() -> Option<AllocFailure> {
    KERNEL_HEAP
        .state
        .try_lock()
        .and_then(|state| state.last_failure)
}

/// While one of these lives, any heap use on this CPU panics in debug builds. Interrupt handlers hold one
/// for their whole run.
pub struct ForbidAllocation {
    _private: (),
}

impl ForbidAllocation {
    #[must_use = "allocation is forbidden only while the guard lives"]
    pub fn enter() -> Self {
        crate::arch::percpu::this()
            .forbid_allocation
            .fetch_add(1, Ordering::Relaxed);
        ForbidAllocation { _private: () }
    }
}

impl Drop for ForbidAllocation {
    fn drop(&mut self) {
        crate::arch::percpu::this()
            .forbid_allocation
            .fetch_sub(1, Ordering::Relaxed);
    }
}

#[cfg(debug_assertions)]
fn check_allocation_allowed(layout: Layout) {
    // Per CPU: an interrupt handler on one CPU forbids nothing to the others.
    if crate::arch::percpu::this()
        .forbid_allocation
        .load(Ordering::Relaxed)
        != 0
    {
        panic!(
            "heap used where allocation is forbidden (an interrupt handler?): {} bytes, align {}",
            layout.size(),
            layout.align()
        );
    }
}
