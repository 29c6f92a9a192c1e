//! The kernel log: one [`LogRing`] of [`KMSG_BYTES`] in a static, so that it holds the first
//! boot messages (before the heap exists) as well as the last ones, for `syslog(2)` (busybox
//! `dmesg`) and the kernel shell's `dmesg`.
//!
//! A writer may be anything that logs: an interrupt handler, any CPU, a panicking kernel. It
//! must never wait for ever, so the lock is only ever tried: with interrupts off (no handler on
//! this CPU can interrupt a holder), a writer waits a bounded while for another CPU and gives up
//! at once when this CPU holds the lock (an NMI or fault handler that interrupted a holder) or
//! when the CPUs are being halted (the holder may be one of them). A record given up is
//! counted in [`dropped`], never half-written. Readers copy the ring out in one short section
//! ([`snapshot`]) and format the copy without the lock.

use super::ring::{Cursors, LogRing, View};
use crate::arch::{interrupts, percpu};
use alloc::vec::Vec;
use core::fmt;
use core::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use spin::Mutex;

/// The ring's size (`SYSLOG_ACTION_SIZE_BUFFER`): Linux's default `CONFIG_LOG_BUF_SHIFT` of 17
/// is twice this; Kestrel's boot log is a few kilobytes.
pub const KMSG_BYTES: usize = 64 * 1024;

static RING: Mutex<LogRing<KMSG_BYTES>> = Mutex::new(LogRing::new());
/// The holder's CPU number + 1; 0 while free.
static HOLDER: AtomicU32 = AtomicU32::new(0);
/// Records given up because the ring was busy.
static DROPPED: AtomicU64 = AtomicU64::new(0);
/// How long a writer waits for another CPU: far more than the longest section (a 64 KiB copy,
/// microseconds), far less than anyone would notice.
const SPIN_LIMIT: u32 = 200_000;

/// Runs `f` on the ring under its lock, or returns `None` when the lock could not be had
/// without waiting for ever.
fn with_ring<R>(f: impl FnOnce(&mut LogRing<KMSG_BYTES>) -> R) -> Option<R> {
    interrupts::without_interrupts(|| {
        let me = percpu::cpu_id() + 1;
        let limit = if crate::smp::halting() { 0 } else { SPIN_LIMIT };
        let mut spins = 0;
        let mut ring = loop {
            if let Some(ring) = RING.try_lock() {
                break ring;
            }
            // Only this CPU writes its own number here, and clears it before unlocking.
            if HOLDER.load(Ordering::Relaxed) == me || spins >= limit {
                return None;
            }
            spins += 1;
            core::hint::spin_loop();
        };
        HOLDER.store(me, Ordering::Relaxed);
        let result = f(&mut ring);
        HOLDER.store(0, Ordering::Relaxed);
        Some(result)
    })
}

/// Keeps a record (Linux level, microseconds of uptime, message), or counts it as dropped.
pub fn record(level: u8, micros: u64, message: fmt::Arguments) {
    if with_ring(|ring| ring.push(level, micros, message)).is_none() {
        DROPPED.fetch_add(1, Ordering::Relaxed);
    }
}

/// Records the ring could not take since boot.
pub fn dropped() -> u64 {
    DROPPED.load(Ordering::Relaxed)
}

/// A copy of the ring to read at leisure.
pub struct Snapshot {
    bytes: Vec<u8>,
    cursors: Cursors,
}

impl Snapshot {
    pub fn view(&self) -> View<'_> {
        View::over(&self.bytes, self.cursors)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SnapshotError {
    /// No heap for the copy.
    NoMemory,
    /// The ring stayed busy (a writer on another CPU stuck, or a halt under way).
    Busy,
}

pub fn snapshot() -> Result<Snapshot, SnapshotError> {
    let mut bytes = Vec::new();
    bytes
        .try_reserve_exact(KMSG_BYTES)
        .map_err(|_| SnapshotError::NoMemory)?;
    bytes.resize(KMSG_BYTES, 0);
    let cursors = with_ring(|ring| ring.snapshot(&mut bytes)).ok_or(SnapshotError::Busy)?;
    Ok(Snapshot { bytes, cursors })
}

/// Moves `SYSLOG_ACTION_READ`'s cursor (from [`View::read`] on a snapshot).
pub fn consume(read: u64, partial: usize) -> bool {
    with_ring(|ring| ring.consume(read, partial)).is_some()
}

/// Makes `READ_ALL` start at `pos` (a snapshot's head), or at the head now when `None`.
pub fn clear(pos: Option<u64>) -> bool {
    with_ring(|ring| match pos {
        Some(pos) => ring.clear_to(pos),
        None => ring.clear(),
    })
    .is_some()
}

/// Whether `SYSLOG_ACTION_READ` would return something now.
pub fn has_unread() -> bool {
    with_ring(|ring| ring.has_unread()).unwrap_or(false)
}
