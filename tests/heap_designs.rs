//! Every allocator design serves as the global allocator in turn: `Box`, `Vec`, `String`,
//! `BTreeMap`, `Rc` and `Arc` work on each, with reuse and alignment as the kernel heap's tests
//! demand. This kernel brings its own `#[global_allocator]`, which forwards to the design under
//! test and routes each free to the design whose arena holds the block.

#![no_std]
#![no_main]

extern crate alloc;

use alloc::boxed::Box;
use alloc::collections::BTreeMap;
use alloc::rc::Rc;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::alloc::{GlobalAlloc, Layout};
use core::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use heap_designs::Locked;
use heap_designs::bump::BumpHeap;
use heap_designs::fixed_size_block::FixedSizeBlockHeap;
use heap_designs::linked_list::LinkedListHeap;
use kestrel::boot::BootInfo;
use kestrel::memory::heap::KERNEL_HEAP;
use kestrel::memory::map_anonymous;

kestrel::entry_point!(main, custom_global_allocator);

const ARENA_SIZE: u64 = 1 << 20;

static BUMP: Locked<BumpHeap> = Locked::new(BumpHeap::new());
static LINKED_LIST: Locked<LinkedListHeap> = Locked::new(LinkedListHeap::new());
static FIXED_SIZE_BLOCK: Locked<FixedSizeBlockHeap> = Locked::new(FixedSizeBlockHeap::new());

/// The design serving new allocations: 0 is the kernel heap, then BUMP, LINKED_LIST,
/// FIXED_SIZE_BLOCK.
static CURRENT: AtomicUsize = AtomicUsize::new(0);
static ARENA_STARTS: [AtomicU64; 3] = [const { AtomicU64::new(0) }; 3];

fn design(index: usize) -> &'static dyn GlobalAlloc {
    match index {
        1 => &BUMP,
        2 => &LINKED_LIST,
        3 => &FIXED_SIZE_BLOCK,
        _ => &KERNEL_HEAP,
    }
}

/// The design whose arena holds `ptr`.
fn owner(ptr: *mut u8) -> usize {
    let addr = ptr as u64;
    ARENA_STARTS
        .iter()
        .position(|start| {
            let start = start.load(Ordering::Relaxed);
            start != 0 && (start..start + ARENA_SIZE).contains(&addr)
        })
        .map_or(0, |i| i + 1)
}

struct Dispatch;

// SAFETY: each call goes to one of the allocators above, and each block is freed by the one
// that handed it out (arenas are disjoint from each other and from the kernel heap).
unsafe impl GlobalAlloc for Dispatch {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded from the caller.
        unsafe { design(CURRENT.load(Ordering::Relaxed)).alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded to the allocator that owns the block.
        unsafe { design(owner(ptr)).dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Dispatch = Dispatch;

fn main(_boot: &'static BootInfo) -> ! {
    for (i, arena_start) in ARENA_STARTS.iter().enumerate() {
        let arena = map_anonymous(ARENA_SIZE, 4096).expect("arena");
        let (start, size) = (arena.start().as_u64() as usize, ARENA_SIZE as usize);
        // The arenas live for the whole run.
        core::mem::forget(arena);
        // SAFETY: each arena was just mapped for its heap alone and is never unmapped.
        unsafe {
            match i {
                0 => BUMP.init(start, size),
                1 => LINKED_LIST.init(start, size),
                _ => FIXED_SIZE_BLOCK.init(start, size),
            }
        }
        arena_start.store(start as u64, Ordering::Relaxed);
    }
    kestrel::run_tests!(buddy, bump, linked_list, fixed_size_block);
}

fn buddy() {
    run_on(0);
}

fn bump() {
    run_on(1);
}

fn linked_list() {
    run_on(2);
}

fn fixed_size_block() {
    run_on(3);
}

fn run_on(index: usize) {
    CURRENT.store(index, Ordering::Relaxed);
    for check in [
        simple_allocation,
        large_vec,
        many_boxes,
        many_boxes_long_lived,
        collections,
        alignment,
    ] {
        check(index);
    }
    CURRENT.store(0, Ordering::Relaxed);
}

fn simple_allocation(index: usize) {
    let a = Box::new(41);
    assert_eq!(*a + 1, 42);
    assert_eq!(
        owner(&*a as *const i32 as *mut u8),
        index,
        "served by the wrong heap"
    );
}

fn large_vec(_: usize) {
    let n = 1000u64;
    let vec: Vec<u64> = (0..n).collect();
    assert_eq!(vec.iter().sum::<u64>(), (n - 1) * n / 2);
}

/// Far more boxes than the arena holds at once.
fn many_boxes(_: usize) {
    for i in 0..ARENA_SIZE as usize / 8 * 2 {
        let x = Box::new(i);
        assert_eq!(*x, i);
    }
}

fn many_boxes_long_lived(_: usize) {
    let long_lived = Box::new(1);
    for i in 0..ARENA_SIZE as usize / 8 * 2 {
        let x = Box::new(i);
        assert_eq!(*x, i);
    }
    assert_eq!(*long_lived, 1);
}

fn collections(_: usize) {
    let mut map = BTreeMap::new();
    for i in 0..200u32 {
        map.insert(i, alloc::format!("value {i}"));
    }
    assert_eq!(map.get(&123).map(String::as_str), Some("value 123"));
    let shared = Rc::new(Vec::from([1, 2, 3]));
    assert_eq!(Rc::strong_count(&Rc::clone(&shared)), 2);
    assert_eq!(*Arc::new(7u64) + 1, 8);
}

fn alignment(_: usize) {
    for shift in 0..=12 {
        let layout = Layout::from_size_align(24, 1 << shift).unwrap();
        // SAFETY: non-zero size; freed with the same layout.
        unsafe {
            let ptr = alloc::alloc::alloc(layout);
            assert!(!ptr.is_null());
            assert_eq!(ptr as usize % layout.align(), 0);
            alloc::alloc::dealloc(ptr, layout);
        }
    }
}
