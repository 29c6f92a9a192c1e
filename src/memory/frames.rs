//! The kernel's physical frame allocator: one [`FrameBitmap`] behind a lock.
//!
//! Interrupt handlers never allocate frames. Finding the lock taken by this very CPU means an
//! interrupt or fault hit the allocator mid-operation, and waiting would hang for ever: that is
//! reported as a panic instead ([`CpuMutex`]); another CPU holding it is waited for.

use super::frame_bitmap::{FrameBitmap, FrameError};
use super::memory_map::PhysRange;
use crate::sync::{CpuMutex, CpuMutexGuard};
use x86_64::PhysAddr;
use x86_64::structures::paging::PhysFrame;

/// Where page tables and other callers get 4 KiB frames from.
pub trait FrameSource {
    fn allocate_frame(&mut self) -> Option<PhysFrame>;
}

static FRAMES: CpuMutex<Option<FrameBitmap>> = CpuMutex::new(None);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameStats {
    pub total: u64,
    pub used: u64,
    pub free: u64,
}

fn lock() -> CpuMutexGuard<'static, Option<FrameBitmap>> {
    FRAMES.lock(reentered)
}

#[cold]
fn reentered() -> ! {
    panic!("frame allocator re-entered (from an interrupt handler?)")
}

/// Whether code on this CPU holds the allocator right now: the scheduler preempts kernel code
/// only when it does not, since the next thread could otherwise re-enter it.
pub fn is_in_use() -> bool {
    FRAMES.is_held_here()
}

/// Runs `f` on the allocator.
///
/// # Panics
/// Before [`install`] has run.
pub(super) fn with<R>(f: impl FnOnce(&mut FrameBitmap) -> R) -> R {
    let mut guard = lock();
    f(guard.as_mut().expect("frame allocator not initialised"))
}

pub(super) fn install(bitmap: FrameBitmap) {
    *lock() = Some(bitmap);
}

/// A free 4 KiB frame (the lowest one), or `None` when physical memory is exhausted.
#[inline]
pub fn allocate() -> Option<PhysFrame> {
    let addr = lock().as_mut()?.allocate()?;
    Some(PhysFrame::containing_address(PhysAddr::new(addr)))
}

/// Gives `frame` back. Freeing a frame that is not RAM, or is already free, is an error.
#[inline]
pub fn deallocate(frame: PhysFrame) -> Result<(), FrameError> {
    with(|frames| frames.deallocate(frame.start_address().as_u64()))
}

/// Hands memory that was reserved until now (such as the boot page tables) to the allocator.
pub(super) fn add_range(range: PhysRange) -> Result<(), FrameError> {
    with(|frames| frames.add_range(range))
}

pub fn stats() -> FrameStats {
    match lock().as_ref() {
        Some(frames) => FrameStats {
            total: frames.total_frames(),
            used: frames.used_frames(),
            free: frames.free_frames(),
        },
        None => FrameStats {
            total: 0,
            used: 0,
            free: 0,
        },
    }
}

/// Whether `addr` lies in memory the allocator manages (usable RAM, not reserved).
pub fn is_managed(addr: PhysAddr) -> bool {
    lock()
        .as_ref()
        .is_some_and(|frames| frames.managed().iter().any(|r| r.contains(addr.as_u64())))
}

/// The managed physical ranges, copied out (sorted, at most `N`).
pub fn managed_ranges<const N: usize>() -> ([PhysRange; N], usize) {
    let mut out = [PhysRange::default(); N];
    let guard = lock();
    let ranges = guard.as_ref().map_or(&[][..], |frames| frames.managed());
    let count = ranges.len().min(N);
    out[..count].copy_from_slice(&ranges[..count]);
    (out, count)
}

/// The global allocator as a [`FrameSource`].
pub struct GlobalFrames;

impl FrameSource for GlobalFrames {
    fn allocate_frame(&mut self) -> Option<PhysFrame> {
        allocate()
    }
}
