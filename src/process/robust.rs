//! Robust futex lists (set_robust_list(2), Linux's Documentation/locking/robust-futex-ABI):
//! a thread names one `struct robust_list_head` in its memory, and when it dies holding a
//! lock on that list, the kernel marks the lock's futex word `FUTEX_OWNER_DIED` and wakes one
//! waiter, so that the next `pthread_mutex_lock` returns `EOWNERDEAD` instead of hanging.
//!
//! The head is three words: `next` (the first entry; the list is circular through the head),
//! `futex_offset` (signed: from an entry to its futex word) and `list_op_pending` (an entry
//! being locked or unlocked right now, not linked yet or any more). Bit 0 of an entry pointer
//! marks a PI futex. Kestrel has no PI futexes (`FUTEX_LOCK_PI` is `ENOSYS`), so such an entry
//! gets the plain treatment, waiter wake included: nobody can be queued on it the PI way.
//!
//! Everything is user memory the dying thread may have scribbled on: the walk stops at the
//! first word it cannot read or write (or at an unaligned futex word) and after
//! [`LIST_LIMIT`] entries, so a cyclic or hostile list ends quietly. The word is updated with
//! a plain read and write: user threads run on one CPU and this runs with interrupts off, so
//! no user thread can touch it in between (Linux needs a cmpxchg there).

use alloc::sync::Arc;

/// `sizeof(struct robust_list_head)` on x86_64: the one length set_robust_list accepts.
pub const HEAD_SIZE: u64 = 24;
/// Linux's `ROBUST_LIST_LIMIT`: the most entries walked.
pub const LIST_LIMIT: usize = 2048;
/// The futex word's bits (linux/futex.h).
pub const FUTEX_WAITERS: u32 = 0x8000_0000;
pub const FUTEX_OWNER_DIED: u32 = 0x4000_0000;
pub const FUTEX_TID_MASK: u32 = 0x3fff_ffff;

/// The dying thread's memory as the walk sees it; `None` is a bad address.
pub trait RobustMemory {
    fn read_u64(&mut self, addr: u64) -> Option<u64>;
    fn read_u32(&mut self, addr: u64) -> Option<u32>;
    fn write_u32(&mut self, addr: u64, value: u32) -> Option<()>;
    /// Wakes one waiter on the futex word at `addr`.
    fn wake_one(&mut self, addr: u64);
}

/// Reads an entry pointer: the address without bit 0, and whether bit 0 (PI) was set.
fn read_entry(memory: &mut impl RobustMemory, addr: u64) -> Option<(u64, bool)> {
    let raw = memory.read_u64(addr)?;
    Some((raw & !1, raw & 1 != 0))
}

/// Linux's handle_futex_death for the futex word at `word` of a lock thread `tid` may hold;
/// `pending` for the `list_op_pending` entry. `None` ends the walk (a bad word).
fn release_word(memory: &mut impl RobustMemory, word: u64, tid: u32, pending: bool) -> Option<()> {
    if !word.is_multiple_of(4) {
        return None;
    }
    let value = memory.read_u32(word)?;
    // An unlock that cleared the word but died before its wake: a waiter may sleep on it.
    if pending && value == 0 {
        memory.wake_one(word);
        return Some(());
    }
    if value & FUTEX_TID_MASK != tid {
        return Some(());
    }
    memory.write_u32(word, (value & FUTEX_WAITERS) | FUTEX_OWNER_DIED)?;
    if value & FUTEX_WAITERS != 0 {
        memory.wake_one(word);
    }
    Some(())
}

/// Walks the robust list at `head` of the dying thread `tid` (Linux's exit_robust_list):
/// every lock it still holds is marked `FUTEX_OWNER_DIED` and one of its waiters woken.
/// Returns how many entries were visited (the tests check the bound).
pub fn release_list(memory: &mut impl RobustMemory, head: u64, tid: u32) -> usize {
    let Some((mut entry, _)) = read_entry(memory, head) else {
        return 0;
    };
    let Some(offset) = memory.read_u64(head.wrapping_add(8)) else {
        return 0;
    };
    let Some((pending, _)) = read_entry(memory, head.wrapping_add(16)) else {
        return 0;
    };
    let mut visited = 0;
    while entry != head && visited < LIST_LIMIT {
        visited += 1;
        // The next pointer first: releasing the lock may let its memory be reused.
        let next = read_entry(memory, entry);
        if entry != pending
            && release_word(memory, entry.wrapping_add(offset), tid, false).is_none()
        {
            return visited;
        }
        let Some((next, _)) = next else {
            return visited;
        };
        entry = next;
    }
    if pending != 0 {
        let _ = release_word(memory, pending.wrapping_add(offset), tid, true);
    }
    visited
}

/// The running thread's memory through the kernel's checked user copies.
struct CurrentMemory<'a> {
    process: &'a Arc<super::Process>,
}

impl RobustMemory for CurrentMemory<'_> {
    fn read_u64(&mut self, addr: u64) -> Option<u64> {
        crate::syscall::uaccess::read_u64(addr).ok()
    }

    fn read_u32(&mut self, addr: u64) -> Option<u32> {
        let mut word = [0u8; 4];
        crate::syscall::uaccess::copy_from_user(&mut word, addr).ok()?;
        Some(u32::from_le_bytes(word))
    }

    fn write_u32(&mut self, addr: u64, value: u32) -> Option<()> {
        crate::syscall::uaccess::copy_to_user(addr, &value.to_le_bytes()).ok()
    }

    fn wake_one(&mut self, addr: u64) {
        let key = super::thread::futex_key(self.process, addr);
        super::futex::wake(key, 1, u32::MAX);
    }
}

/// Releases the robust list at `head` of the running thread `tid` of `process`, whose
/// address space is the current one. Interrupts must be off.
pub fn release_current(process: &Arc<super::Process>, head: u64, tid: u32) {
    let visited = release_list(&mut CurrentMemory { process }, head, tid);
    if visited >= LIST_LIMIT {
        log::warn!(
            "robust futex list of thread {tid}: stopped after {LIST_LIMIT} entries (cyclic?)"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::collections::BTreeMap;
    use alloc::vec::Vec;

    /// Sparse memory of 4-byte words; addresses not stored are unmapped.
    #[derive(Default)]
    struct Fake {
        words: BTreeMap<u64, u32>,
        woken: Vec<u64>,
        reads: usize,
    }

    impl Fake {
        fn put64(&mut self, addr: u64, value: u64) {
            self.words.insert(addr, value as u32);
            self.words.insert(addr + 4, (value >> 32) as u32);
        }
        fn word(&self, addr: u64) -> u32 {
            self.words[&addr]
        }
        /// A head at `head` with entries at `entries` (each a lock: next pointer, then the
        /// futex word at offset 8), circular through the head.
        fn list(&mut self, head: u64, entries: &[(u64, u32)], pending: u64) {
            let mut previous = head;
            for &(entry, word) in entries {
                self.put64(previous, entry);
                self.words.insert(entry + 8, word);
                previous = entry;
            }
            self.put64(previous, head);
            self.put64(head + 8, 8);
            self.put64(head + 16, pending);
        }
    }

    impl RobustMemory for Fake {
        fn read_u64(&mut self, addr: u64) -> Option<u64> {
            self.reads += 1;
            let low = *self.words.get(&addr)?;
            let high = *self.words.get(&(addr + 4))?;
            Some(u64::from(low) | u64::from(high) << 32)
        }
        fn read_u32(&mut self, addr: u64) -> Option<u32> {
            self.words.get(&addr).copied()
        }
        fn write_u32(&mut self, addr: u64, value: u32) -> Option<()> {
            *self.words.get_mut(&addr)? = value;
            Some(())
        }
        fn wake_one(&mut self, addr: u64) {
            self.woken.push(addr);
        }
    }

    const TID: u32 = 42;

    #[test]
    fn held_locks_are_marked_owner_died_and_waiters_woken() {
        let mut m = Fake::default();
        m.list(
            0x1000,
            &[
                (0x2000, TID),
                (0x3000, TID | FUTEX_WAITERS),
                (0x4000, 7),
                (0x5000, 7 | FUTEX_WAITERS),
            ],
            0,
        );
        assert_eq!(release_list(&mut m, 0x1000, TID), 4);
        assert_eq!(m.word(0x2008), FUTEX_OWNER_DIED);
        assert_eq!(m.word(0x3008), FUTEX_OWNER_DIED | FUTEX_WAITERS);
        // Another thread's locks are left alone.
        assert_eq!(m.word(0x4008), 7);
        assert_eq!(m.word(0x5008), 7 | FUTEX_WAITERS);
        assert_eq!(m.woken, [0x3008]);
    }

    #[test]
    fn an_empty_list_touches_nothing() {
        let mut m = Fake::default();
        m.list(0x1000, &[], 0);
        assert_eq!(release_list(&mut m, 0x1000, TID), 0);
        assert!(m.woken.is_empty());
    }

    #[test]
    fn the_pending_entry_is_released_once_and_woken_when_cleared() {
        let mut m = Fake::default();
        // Linked and pending: handled as the pending one, once.
        m.list(0x1000, &[(0x2000, TID | FUTEX_WAITERS)], 0x2000);
        release_list(&mut m, 0x1000, TID);
        assert_eq!(m.word(0x2008), FUTEX_OWNER_DIED | FUTEX_WAITERS);
        assert_eq!(m.woken, [0x2008]);
        // Pending and already unlocked (0): its waiter may have missed the wake.
        let mut m = Fake::default();
        m.list(0x1000, &[], 0x6000);
        m.words.insert(0x6008, 0);
        release_list(&mut m, 0x1000, TID);
        assert_eq!(m.word(0x6008), 0);
        assert_eq!(m.woken, [0x6008]);
    }

    #[test]
    fn pi_entries_get_the_plain_treatment() {
        let mut m = Fake::default();
        m.list(0x1000, &[(0x2000, TID | FUTEX_WAITERS)], 0);
        m.put64(0x1000, 0x2001);
        release_list(&mut m, 0x1000, TID);
        assert_eq!(m.word(0x2008), FUTEX_OWNER_DIED | FUTEX_WAITERS);
        assert_eq!(m.woken, [0x2008]);
    }

    #[test]
    fn a_cyclic_list_stops_at_the_limit() {
        let mut m = Fake::default();
        m.list(0x1000, &[(0x2000, TID), (0x3000, TID)], 0);
        // The last entry points back at the first, never at the head.
        m.put64(0x3000, 0x2000);
        assert_eq!(release_list(&mut m, 0x1000, TID), LIST_LIMIT);
        assert!(m.reads <= LIST_LIMIT + 3);
        assert_eq!(m.word(0x2008), FUTEX_OWNER_DIED);
        assert_eq!(m.word(0x3008), FUTEX_OWNER_DIED);
    }

    #[test]
    fn a_self_loop_stops_at_the_limit() {
        let mut m = Fake::default();
        m.list(0x1000, &[(0x2000, 0)], 0);
        m.put64(0x2000, 0x2000);
        assert_eq!(release_list(&mut m, 0x1000, TID), LIST_LIMIT);
    }

    #[test]
    fn bad_memory_ends_the_walk_quietly() {
        // The head itself unmapped.
        let mut m = Fake::default();
        assert_eq!(release_list(&mut m, 0xdead_0000, TID), 0);
        // An entry pointing into unmapped memory: the entries before it are released.
        let mut m = Fake::default();
        m.list(0x1000, &[(0x2000, TID), (0x9000_0000, 0)], 0);
        m.words.remove(&0x9000_0008);
        m.words.remove(&0x9000_0000);
        m.words.remove(&0x9000_0004);
        assert_eq!(release_list(&mut m, 0x1000, TID), 2);
        assert_eq!(m.word(0x2008), FUTEX_OWNER_DIED);
        // An unaligned futex word ends it too.
        let mut m = Fake::default();
        m.list(0x1000, &[(0x2000, TID), (0x3000, TID)], 0);
        m.put64(0x1008, 9);
        assert_eq!(release_list(&mut m, 0x1000, TID), 1);
        assert_eq!(m.word(0x2008), TID);
    }

    #[test]
    fn a_negative_offset_reaches_back() {
        let mut m = Fake::default();
        m.list(0x1000, &[], 0);
        m.put64(0x1000, 0x2010);
        m.put64(0x2010, 0x1000);
        m.words.insert(0x2000, TID);
        m.put64(0x1008, (-16i64) as u64);
        assert_eq!(release_list(&mut m, 0x1000, TID), 1);
        assert_eq!(m.word(0x2000), FUTEX_OWNER_DIED);
    }
}
