//! Kernel stacks for threads: fixed slots in their own P4 slot ([`layout::KERNEL_STACKS_START`]),
//! each a 4 KiB guard page (never mapped) below [`STACK_SIZE`] of mapped stack. Slots are
//! reused, so the page tables under them are made once and a thread's exit gives back exactly
//! the frames its stack took.

use super::irq_mutex::IrqMutex;
use crate::memory::frames::{self, GlobalFrames};
use crate::memory::layout::{self, KERNEL_STACK_SLOT_SIZE};
use crate::memory::paging::{MapError, PAGE_TABLES};
use alloc::vec::Vec;
use x86_64::VirtAddr;
use x86_64::structures::paging::{Page, PageTableFlags as Flags};

/// 32 KiB: system calls run on it, in unoptimised test builds too.
pub const STACK_SIZE: u64 = 32 << 10;
const GUARD_SIZE: u64 = 4096;
const _: () = assert!(GUARD_SIZE + STACK_SIZE <= KERNEL_STACK_SLOT_SIZE);

struct Slots {
    free: Vec<u64>,
    next: u64,
}

static SLOTS: IrqMutex<Slots> = IrqMutex::new(Slots {
    free: Vec::new(),
    next: 0,
});

/// A mapped kernel stack; unmapped and its slot freed on drop.
#[derive(Debug)]
pub struct KernelStack {
    slot: u64,
}

impl KernelStack {
    pub fn new() -> Result<Self, MapError> {
        let slot = {
            let mut slots = SLOTS.lock();
            match slots.free.pop() {
                Some(slot) => slot,
                None => {
                    slots.next += 1;
                    slots.next - 1
                }
            }
        };
        let stack = KernelStack { slot };
        let flags = Flags::PRESENT | Flags::WRITABLE | Flags::NO_EXECUTE;
        let mut tables = PAGE_TABLES.lock();
        for offset in (0..STACK_SIZE).step_by(4096) {
            let page = Page::containing_address(VirtAddr::new(stack.bottom() + offset));
            let frame = frames::allocate().ok_or(MapError::OutOfFrames)?;
            if let Err(err) = tables.map_to(page, frame, flags, &mut GlobalFrames) {
                let _ = frames::deallocate(frame);
                return Err(err);
            }
        }
        Ok(stack)
    }

    fn base(&self) -> u64 {
        layout::KERNEL_STACKS_START + self.slot * KERNEL_STACK_SLOT_SIZE
    }

    pub fn bottom(&self) -> u64 {
        self.base() + GUARD_SIZE
    }

    pub fn top(&self) -> u64 {
        self.bottom() + STACK_SIZE
    }

    /// Whether `addr` is in this stack's guard page (a kernel stack overflow).
    pub fn guard_contains(&self, addr: u64) -> bool {
        (self.base()..self.bottom()).contains(&addr)
    }
}

impl Drop for KernelStack {
    fn drop(&mut self) {
        {
            let mut tables = PAGE_TABLES.lock();
            for offset in (0..STACK_SIZE).step_by(4096) {
                let page = Page::containing_address(VirtAddr::new(self.bottom() + offset));
                if let Ok(frame) = tables.unmap(page) {
                    let _ = frames::deallocate(frame);
                }
            }
        }
        SLOTS.lock().free.push(self.slot);
    }
}
