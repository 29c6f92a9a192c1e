//! The kernel heap: boxes, vectors and collections work, memory is reused, and the heap grows
//! when it runs out.

#![no_std]
#![no_main]

extern crate alloc;

use alloc::boxed::Box;
use alloc::collections::BTreeMap;
use alloc::rc::Rc;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::alloc::Layout;
use kestrel::boot::BootInfo;
use kestrel::memory::heap::{self, KERNEL_HEAP};
use kestrel::memory::layout::HEAP_START;
use kestrel::memory::{INITIAL_HEAP_SIZE, paging};
use x86_64::VirtAddr;

kestrel::entry_point!(main);

fn main(_boot: &'static BootInfo) -> ! {
    kestrel::run_tests!(
        simple_allocation,
        large_vec,
        many_boxes,
        many_boxes_long_lived,
        collections,
        alignment_up_to_a_page,
        realloc_keeps_contents,
        heap_grows_on_demand,
        heap_memory_is_mapped_no_execute,
        a_block_larger_than_half_the_limit_fits,
        exhaustion_is_an_error_for_fallible_callers,
    );
}

fn simple_allocation() {
    let a = Box::new(41);
    let b = Box::new(13);
    assert_eq!(*a + 1, 42);
    assert_eq!(*b, 13);
    let addr = VirtAddr::from_ptr(&*a);
    assert!(
        addr.as_u64() >= HEAP_START,
        "box at {addr:?} is not on the heap"
    );
}

fn large_vec() {
    let n = 1000u64;
    let vec: Vec<u64> = (0..n).collect();
    assert_eq!(vec.iter().sum::<u64>(), (n - 1) * n / 2);
}

/// Ten times more boxes than the initial heap holds at once: freed memory is reused.
fn many_boxes() {
    let before = heap::stats();
    for i in 0..(INITIAL_HEAP_SIZE as usize / 8) * 10 / 64 {
        let x = Box::new(i);
        assert_eq!(*x, i);
    }
    let after = heap::stats();
    assert_eq!(after.in_use, before.in_use, "boxes leaked");
    assert_eq!(after.mapped, before.mapped, "freed boxes were not reused");
}

fn many_boxes_long_lived() {
    let long_lived = Box::new(1);
    let before = heap::stats();
    for i in 0..INITIAL_HEAP_SIZE as usize {
        let x = Box::new(i);
        assert_eq!(*x, i);
    }
    assert_eq!(*long_lived, 1);
    assert_eq!(heap::stats().mapped, before.mapped);
}

fn collections() {
    let mut map = BTreeMap::new();
    for i in 0..500u32 {
        map.insert(i, alloc::format!("value {i}"));
    }
    assert_eq!(map.get(&321).map(String::as_str), Some("value 321"));
    let mut text = String::new();
    for word in ["heap", "allocated", "string"] {
        text.push_str(word);
        text.push(' ');
    }
    assert_eq!(text.trim_end(), "heap allocated string");
    let shared = Rc::new(Vec::from([1, 2, 3]));
    let other = Rc::clone(&shared);
    assert_eq!(Rc::strong_count(&shared), 2);
    drop(other);
    assert_eq!(Rc::strong_count(&shared), 1);
    let atomic = Arc::new(7u64);
    assert_eq!(*Arc::clone(&atomic) + 1, 8);
}

fn alignment_up_to_a_page() {
    for shift in 0..=12 {
        let layout = Layout::from_size_align(24, 1 << shift).unwrap();
        // SAFETY: the layout has non-zero size; the block is freed with the same layout.
        unsafe {
            let ptr = alloc::alloc::alloc(layout);
            assert!(!ptr.is_null());
            assert_eq!(ptr as usize % layout.align(), 0, "align {}", layout.align());
            ptr.write_bytes(0xAB, 24);
            alloc::alloc::dealloc(ptr, layout);
        }
    }
}

fn realloc_keeps_contents() {
    let mut vec = Vec::new();
    for i in 0..100_000u32 {
        vec.push(i);
    }
    assert!(vec.iter().enumerate().all(|(i, &v)| v == i as u32));
    let mut text = String::from("a");
    for _ in 0..12 {
        text = text.clone() + &text;
    }
    assert_eq!(text.len(), 4096);
}

/// A buddy block is aligned to its own size: a block larger than half the limit lies above
/// the mapped part's next aligned boundary, and the heap must map it alone rather than up to
/// it (which would pass the limit). The request is the largest power of two the heap still
/// has room for, so more than half the limit.
fn a_block_larger_than_half_the_limit_fits() {
    let before = KERNEL_HEAP.stats();
    let room = before.limit - before.mapped;
    let block = 1u64 << (63 - room.leading_zeros());
    assert!(
        block > before.limit / 2,
        "the test machine's heap does not make this test meaningful: {before:?}"
    );
    let size = (block / 2 + 1) as usize;
    let mut big: Vec<u8> = Vec::new();
    assert_eq!(big.try_reserve_exact(size), Ok(()), "{before:?}");
    big.resize(size, 0xA5);
    assert!(big[size - 1] == 0xA5 && big[0] == 0xA5);
    let after = KERNEL_HEAP.stats();
    assert!(after.mapped <= after.limit, "{after:?}");
    drop(big);
}

/// A request the heap cannot meet is an error the caller can report, not a panic, and the
/// heap keeps working afterwards; the heap remembers why, in words.
fn exhaustion_is_an_error_for_fallible_callers() {
    let limit = heap::stats().limit as usize;
    let mut vec: Vec<u8> = Vec::new();
    assert!(vec.try_reserve_exact(limit + 1).is_err());
    let failure = heap::last_failure().expect("the failure was recorded");
    assert_eq!(failure.size, limit + 1);
    let text = alloc::format!("{failure}");
    assert!(
        text.contains("may map only") && !text.contains("size limit"),
        "{text}"
    );
    let small: Vec<u64> = (0..1000).collect();
    assert_eq!(small.iter().sum::<u64>(), 499_500);
}

/// An allocation far larger than the mapped heap maps more frames instead of failing.
fn heap_grows_on_demand() {
    let before = KERNEL_HEAP.stats();
    let size = 8 * INITIAL_HEAP_SIZE as usize;
    let mut big: Vec<u8> = Vec::with_capacity(size);
    big.resize(size, 0x5A);
    assert!(big.iter().all(|&b| b == 0x5A));
    let after = KERNEL_HEAP.stats();
    assert!(
        after.mapped >= before.mapped + size as u64,
        "{before:?} -> {after:?}"
    );
    assert!(after.growths > before.growths);
    assert!(after.mapped <= after.limit);
    // The new heap memory is mapped page by page.
    let last = VirtAddr::from_ptr(&big[size - 1]);
    assert!(paging::translate(last).is_some());
}

fn heap_memory_is_mapped_no_execute() {
    let boxed = Box::new([0u8; 64]);
    let flags = paging::translate(VirtAddr::from_ptr(&*boxed))
        .unwrap()
        .flags;
    use x86_64::structures::paging::PageTableFlags as Flags;
    assert!(
        flags.contains(Flags::WRITABLE | Flags::NO_EXECUTE),
        "{flags:?}"
    );
}
