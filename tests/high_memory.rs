//! With 6 GiB, QEMU puts about 3 GiB above 4 GiB (past the PCI hole): the frame allocator
//! counts it, hands it out, and the kernel can map and use it.

#![no_std]
#![no_main]

extern crate alloc;

use alloc::vec::Vec;
use kestrel::boot::BootInfo;
use kestrel::memory::frames;
use kestrel::memory::paging::PAGE_TABLES;
use x86_64::VirtAddr;
use x86_64::structures::paging::{Page, PageTableFlags as Flags};

kestrel::entry_point!(main);

const FOUR_GIB: u64 = 1 << 32;

fn main(_boot: &'static BootInfo) -> ! {
    kestrel::run_tests!(ram_above_4_gib_is_managed, ram_above_4_gib_is_usable);
}

fn ram_above_4_gib_is_managed() {
    let (ranges, count) = frames::managed_ranges::<16>();
    let above: u64 = ranges[..count]
        .iter()
        .map(|r| r.end.saturating_sub(r.start.max(FOUR_GIB)))
        .sum();
    assert!(above >= 2 << 30, "only {} MiB above 4 GiB", above >> 20);
    // The PCI hole below 4 GiB is not RAM.
    assert!(!ranges[..count].iter().any(|r| r.contains(0xFEC0_0000)));
    let total = frames::stats().total * 4096;
    assert!(total > 5 << 30, "only {} MiB usable", total >> 20);
}

/// Takes frames (lowest first) until one lies above 4 GiB, then maps it and uses it.
fn ram_above_4_gib_is_usable() {
    let mut taken = Vec::with_capacity(1 << 20);
    let high = loop {
        let frame = frames::allocate().expect("ran out before reaching 4 GiB");
        if frame.start_address().as_u64() >= FOUR_GIB {
            break frame;
        }
        taken.push(frame);
    };
    let page = Page::containing_address(VirtAddr::new(0x0000_4000_0000_0000));
    let flags = Flags::PRESENT | Flags::WRITABLE | Flags::NO_EXECUTE;
    let mut tables = PAGE_TABLES.lock();
    tables
        .map_to(page, high, flags, &mut frames::GlobalFrames)
        .unwrap();
    let words = page.start_address().as_mut_ptr::<u64>();
    for i in 0..512 {
        // SAFETY: the page maps the frame just taken, which nothing else uses.
        unsafe { words.add(i).write_volatile(i as u64 * 0x0101_0101) };
    }
    for i in 0..512 {
        // SAFETY: as above.
        let word = unsafe { words.add(i).read_volatile() };
        assert_eq!(word, i as u64 * 0x0101_0101);
    }
    assert_eq!(tables.unmap(page), Ok(high));
    drop(tables);
    frames::deallocate(high).unwrap();
    for frame in taken {
        frames::deallocate(frame).unwrap();
    }
}
