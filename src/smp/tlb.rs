//! TLB shootdown: after the kernel unmaps a page of the shared kernel half, or changes its
//! flags, every other CPU may still hold the old translation in its TLB. [`shootdown`] flushes
//! the pages here and, through one function-call IPI, on every other online CPU, and returns
//! once all have (Intel SDM vol. 3A §4.10.5, "propagation of paging-structure changes to
//! multiple processors").
//!
//! Batching: `memory::paging` collects the pages its lock holder changed and shoots them down
//! in one IPI when the lock is released; past [`BATCH`] pages the targets flush everything.

use crate::arch::cpu;
use core::sync::atomic::{AtomicU64, Ordering};
use x86_64::VirtAddr;

/// Shootdown rounds (one IPI round each, however many pages) since boot.
static ROUNDS: AtomicU64 = AtomicU64::new(0);

/// How many shootdown rounds reached other CPUs since boot.
pub fn rounds() -> u64 {
    ROUNDS.load(Ordering::Relaxed)
}

/// Pages flushed one by one (`invlpg`); more than this and a full flush is cheaper.
pub const BATCH: usize = 32;

/// Pages waiting for a shootdown.
#[derive(Clone, Copy, Debug)]
pub struct Batch {
    pages: [u64; BATCH],
    len: usize,
    /// More pages changed than fit: flush the whole TLB.
    overflowed: bool,
}

impl Batch {
    pub const fn new() -> Self {
        Batch {
            pages: [0; BATCH],
            len: 0,
            overflowed: false,
        }
    }

    pub fn push(&mut self, page: u64) {
        if self.len < BATCH {
            self.pages[self.len] = page;
            self.len += 1;
        } else {
            self.overflowed = true;
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0 && !self.overflowed
    }

    /// Takes the pages out, leaving the batch empty.
    pub fn take(&mut self) -> Batch {
        core::mem::take(self)
    }

    fn flush_here(&self) {
        if self.overflowed {
            cpu::flush_tlb_all();
        } else {
            for &page in &self.pages[..self.len] {
                cpu::flush_tlb_page(VirtAddr::new(page));
            }
        }
    }
}

impl Default for Batch {
    fn default() -> Self {
        Self::new()
    }
}

/// Flushes `batch` on every other online CPU (this one flushed each page as it unmapped it);
/// returns how many CPUs flushed. Same rules as [`shootdown`].
pub fn shootdown_others(batch: &Batch) -> u32 {
    if batch.is_empty() || super::online_count() <= 1 {
        return 0;
    }
    ROUNDS.fetch_add(1, Ordering::Relaxed);
    super::ipi::call_on_others(|| batch.flush_here())
}

/// Flushes `batch` on this CPU and every other online CPU; returns how many other CPUs
/// flushed. Must not be called with a lock held that another CPU may take with interrupts off
/// (`memory::paging` calls it after releasing the page-table lock).
pub fn shootdown(batch: &Batch) -> u32 {
    if batch.is_empty() {
        return 0;
    }
    batch.flush_here();
    shootdown_others(batch)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_batch_overflows_into_a_full_flush() {
        let mut batch = Batch::new();
        assert!(batch.is_empty());
        for page in 0..BATCH as u64 {
            batch.push(page * 4096);
        }
        assert!(!batch.overflowed);
        batch.push(0x1000_0000);
        assert!(batch.overflowed && !batch.is_empty());
        let taken = batch.take();
        assert!(taken.overflowed);
        assert!(batch.is_empty());
    }
}
