//! Regions of fresh RAM mapped at a new virtual range: arenas for the allocator benchmarks and
//! tests that need memory outside the heap.

use super::layout::{ANONYMOUS_SIZE, ANONYMOUS_START};
use super::paging::{MapError, PAGE_TABLES};
use super::vspace::VirtualArea;
use super::{frames, require_initialised};
use spin::Mutex;
use x86_64::VirtAddr;
use x86_64::structures::paging::{Page, PageTableFlags as Flags};

static AREA: Mutex<VirtualArea> = Mutex::new(VirtualArea::new(ANONYMOUS_START, ANONYMOUS_SIZE));

/// A mapped region of RAM, readable and writable, never executable. Its frames go back to the
/// frame allocator when it is dropped.
#[derive(Debug)]
pub struct AnonymousRegion {
    start: VirtAddr,
    size: u64,
}

impl AnonymousRegion {
    pub fn start(&self) -> VirtAddr {
        self.start
    }

    pub fn size(&self) -> u64 {
        self.size
    }

    pub fn as_mut_ptr(&self) -> *mut u8 {
        self.start.as_mut_ptr()
    }
}

impl Drop for AnonymousRegion {
    fn drop(&mut self) {
        unmap_range(self.start, self.size);
    }
}

fn unmap_range(start: VirtAddr, size: u64) {
    let mut tables = PAGE_TABLES.lock();
    for offset in (0..size).step_by(4096) {
        let page = Page::containing_address(start + offset);
        if let Ok(frame) = tables.unmap(page) {
            frames::deallocate(frame).expect("anonymous region frame was allocated");
        }
    }
}

/// Maps `size` bytes (rounded up to whole pages) of fresh frames, aligned to `align` (a power
/// of two of at least 4 KiB). Their contents are whatever the frames held.
pub fn map_anonymous(size: u64, align: u64) -> Result<AnonymousRegion, MapError> {
    require_initialised();
    let size = size.next_multiple_of(4096);
    let start = AREA
        .lock()
        .allocate(size, align.max(4096))
        .ok_or(MapError::OutOfFrames)?;
    let start = VirtAddr::new(start);
    let flags = Flags::PRESENT | Flags::WRITABLE | Flags::NO_EXECUTE;
    let mut tables = PAGE_TABLES.lock();
    for offset in (0..size).step_by(4096) {
        let page = Page::containing_address(start + offset);
        let mapped = frames::allocate()
            .ok_or(MapError::OutOfFrames)
            .and_then(|frame| {
                tables
                    .map_to(page, frame, flags, &mut frames::GlobalFrames)
                    .inspect_err(|_| {
                        let _ = frames::deallocate(frame);
                    })
            });
        if let Err(err) = mapped {
            drop(tables);
            unmap_range(start, offset);
            return Err(err);
        }
    }
    Ok(AnonymousRegion { start, size })
}
