//! The physical frame allocator over the real memory map: counts add up, every frame it hands
//! out is usable RAM (never the first MiB, the kernel image, the boot information or the frame
//! bitmap), none twice, and bad frees are refused.

#![no_std]
#![no_main]

extern crate alloc;

use alloc::vec::Vec;
use kestrel::boot::{self, BootInfo};
use kestrel::memory::frame_bitmap::FrameError;
use kestrel::memory::layout::{BOOT_INFO_START, FRAME_BITMAP_START, virt_to_phys};
use kestrel::memory::memory_map::PhysRange;
use kestrel::memory::{self, frames, paging};
use x86_64::structures::paging::PhysFrame;
use x86_64::{PhysAddr, VirtAddr};

kestrel::entry_point!(main);

fn main(_boot: &'static BootInfo) -> ! {
    kestrel::run_tests!(
        counts_add_up,
        freed_frames_come_back,
        bad_frees_are_refused,
        never_hands_out_reserved_frames,
    );
}

fn counts_add_up() {
    let stats = frames::stats();
    assert_eq!(stats.total, stats.used + stats.free);
    // A 128 MiB machine (tests/qemu/frame_allocator.conf) has nearly all of it usable.
    assert!((28_000..32_768).contains(&stats.total), "{stats:?}");
    let frame = frames::allocate().unwrap();
    assert_eq!(frames::stats().used, stats.used + 1);
    frames::deallocate(frame).unwrap();
    assert_eq!(frames::stats(), stats);
}

fn freed_frames_come_back() {
    let a = frames::allocate().unwrap();
    let b = frames::allocate().unwrap();
    frames::deallocate(a).unwrap();
    // Lowest first: the hole just made is filled before anything higher.
    assert_eq!(frames::allocate(), Some(a));
    frames::deallocate(a).unwrap();
    frames::deallocate(b).unwrap();
}

fn bad_frees_are_refused() {
    let frame = frames::allocate().unwrap();
    frames::deallocate(frame).unwrap();
    let addr = frame.start_address().as_u64();
    assert_eq!(frames::deallocate(frame), Err(FrameError::DoubleFree(addr)));
    let text = virt_to_phys(bad_frees_are_refused as *const () as u64) & !0xFFF;
    let kernel = PhysFrame::containing_address(PhysAddr::new(text));
    assert_eq!(
        frames::deallocate(kernel),
        Err(FrameError::NotManaged(text))
    );
    let low = PhysFrame::containing_address(PhysAddr::new(0x8000));
    assert_eq!(frames::deallocate(low), Err(FrameError::NotManaged(0x8000)));
}

/// The physical pages behind `[start, start + len)` of virtual memory.
fn backing(start: u64, len: u64) -> Vec<u64> {
    (start & !0xFFF..start + len)
        .step_by(4096)
        .filter_map(|addr| paging::translate_addr(VirtAddr::new(addr)))
        .map(|phys| phys.as_u64() & !0xFFF)
        .collect()
}

fn never_hands_out_reserved_frames() {
    let before = frames::stats();
    let image = memory::kernel_image();
    let boot_bss = memory::boot_bss();
    // The kernel image stays reserved except its boot page tables, freed after the remap.
    let kernel = [
        PhysRange::new(image.start, boot_bss.start),
        PhysRange::new(boot_bss.end, image.end),
    ];
    let info = boot::info().info_range;
    let info_frames = backing(BOOT_INFO_START, info.len());
    let bitmap_frames = backing(FRAME_BITMAP_START, 4096);
    assert!(!info_frames.is_empty() && !bitmap_frames.is_empty());

    let mut taken: Vec<u64> = Vec::with_capacity(before.free as usize);
    while let Some(frame) = frames::allocate() {
        taken.push(frame.start_address().as_u64());
    }
    assert_eq!(taken.len() as u64, before.free, "free count was wrong");
    for &frame in &taken {
        assert!(frame >= 0x10_0000, "frame {frame:#x} in the first MiB");
        assert!(
            !kernel.iter().any(|r| r.contains(frame)),
            "frame {frame:#x} inside the kernel image"
        );
        assert!(
            !info_frames.contains(&frame),
            "frame {frame:#x} holds the boot info"
        );
        assert!(
            !bitmap_frames.contains(&frame),
            "frame {frame:#x} holds the bitmap"
        );
    }
    let count = taken.len();
    taken.sort_unstable();
    taken.dedup();
    assert_eq!(taken.len(), count, "a frame was handed out twice");
    assert_eq!(frames::allocate(), None);
    for &frame in &taken {
        frames::deallocate(PhysFrame::containing_address(PhysAddr::new(frame))).unwrap();
    }
    assert_eq!(frames::stats(), before);
}
