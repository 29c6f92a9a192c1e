//! The kernel log's ring buffer as pure logic: records of a Linux level, a timestamp and a
//! message, packed end to end in a fixed array of `N` bytes, the oldest overwritten first.
//!
//! Byte positions count every byte ever written (position `p` lives at `bytes[p % N]`), so a
//! cursor is a plain number: one below [`Cursors::tail`] names a record that has been
//! overwritten, and every cursor at or above it sits on a record boundary, because the tail
//! only ever moves over whole records. The ring itself takes no lock and never allocates: the
//! kernel keeps one in a static (`logger::kmsg`), and readers format a copy of it
//! ([`LogRing::snapshot`], [`View`]) in the text `syslog(2)` returns:
//! `<level>[seconds.micros] message\n`, as Linux's `kernel/printk/printk.c` writes it.

use alloc::vec::Vec;
use core::fmt::{self, Write};

/// A record's header: text length (`u16`), Linux level, a spare byte, microseconds of uptime
/// (`u64`), all little-endian.
pub const HEADER: usize = 12;
/// The longest message kept; longer ones are cut (Linux cuts at `PRINTK_MESSAGE_MAX`, 2048).
pub const MAX_TEXT: usize = 1024;

/// Where the records and the readers are, as byte positions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Cursors {
    /// The oldest record kept.
    pub tail: u64,
    /// One past the newest record.
    pub head: u64,
    /// The first record `SYSLOG_ACTION_READ` has not returned yet...
    pub read: u64,
    /// ...and how many bytes of that record's text it returned already (a read too short for
    /// the whole record, as Linux's `syslog_partial`).
    pub read_partial: usize,
    /// Where `SYSLOG_ACTION_READ_ALL` starts: `CLEAR` moves it to the head.
    pub clear: u64,
}

pub struct LogRing<const N: usize> {
    bytes: [u8; N],
    cursors: Cursors,
}

impl<const N: usize> Default for LogRing<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> LogRing<N> {
    pub const fn new() -> Self {
        assert!(N > HEADER, "a ring must hold a header and some text");
        LogRing {
            bytes: [0; N],
            cursors: Cursors {
                tail: 0,
                head: 0,
                read: 0,
                read_partial: 0,
                clear: 0,
            },
        }
    }

    pub fn cursors(&self) -> Cursors {
        self.cursors
    }

    /// Appends a record, overwriting the oldest ones to make room. The message is formatted
    /// straight into the ring (no buffer), and cut at [`MAX_TEXT`] bytes or at what the ring
    /// holds, on a character boundary.
    pub fn push(&mut self, level: u8, micros: u64, message: fmt::Arguments) {
        let start = self.cursors.head;
        self.make_room(start, start + HEADER as u64);
        let mut text = Appender {
            at: start + HEADER as u64,
            room: MAX_TEXT.min(N - HEADER),
            start,
            ring: self,
        };
        // An error only says the message was cut.
        let _ = text.write_fmt(message);
        let end = text.at;
        let len = (end - start) as usize - HEADER;
        let mut header = [0u8; HEADER];
        header[0..2].copy_from_slice(&(len as u16).to_le_bytes());
        header[2] = level;
        header[4..12].copy_from_slice(&micros.to_le_bytes());
        self.put(start, &header);
        self.cursors.head = end;
    }

    /// Drops the oldest records until `[.., end)` fits in the ring, never the one being written
    /// at `start`.
    fn make_room(&mut self, start: u64, end: u64) {
        while end - self.cursors.tail > N as u64 && self.cursors.tail < start {
            let len = self.view().text_len_at(self.cursors.tail);
            self.cursors.tail += (HEADER + len) as u64;
        }
    }

    fn put(&mut self, pos: u64, data: &[u8]) {
        let at = (pos % N as u64) as usize;
        let first = data.len().min(N - at);
        self.bytes[at..at + first].copy_from_slice(&data[..first]);
        self.bytes[..data.len() - first].copy_from_slice(&data[first..]);
    }

    pub fn view(&self) -> View<'_> {
        View {
            bytes: &self.bytes,
            cursors: self.cursors,
        }
    }

    /// Copies the ring into `into` (which must be `N` bytes long) for [`View::over`], so that
    /// a reader formats and copies out without holding up the writers.
    pub fn snapshot(&self, into: &mut [u8]) -> Cursors {
        into.copy_from_slice(&self.bytes);
        self.cursors
    }

    /// Moves `SYSLOG_ACTION_READ`'s cursor past what a read returned.
    pub fn consume(&mut self, read: u64, partial: usize) {
        self.cursors.read = read;
        self.cursors.read_partial = partial;
    }

    /// Makes `READ_ALL` start at `pos` (the head of the snapshot a `READ_CLEAR` returned, or
    /// the head itself for `CLEAR`).
    pub fn clear_to(&mut self, pos: u64) {
        self.cursors.clear = pos.min(self.cursors.head);
    }

    pub fn clear(&mut self) {
        self.clear_to(self.cursors.head);
    }

    /// Whether `SYSLOG_ACTION_READ` has something to return.
    pub fn has_unread(&self) -> bool {
        self.cursors.read.max(self.cursors.tail) < self.cursors.head
    }
}

/// Writes message text into the ring at `at`, up to `room` bytes.
struct Appender<'r, const N: usize> {
    ring: &'r mut LogRing<N>,
    start: u64,
    at: u64,
    room: usize,
}

impl<const N: usize> fmt::Write for Appender<'_, N> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let mut take = s.len().min(self.room);
        while !s.is_char_boundary(take) {
            take -= 1;
        }
        self.ring.make_room(self.start, self.at + take as u64);
        self.ring.put(self.at, &s.as_bytes()[..take]);
        self.at += take as u64;
        self.room -= take;
        if take < s.len() {
            Err(fmt::Error)
        } else {
            Ok(())
        }
    }
}

/// The ring's bytes and cursors, read-only: the ring itself, or a snapshot of it.
#[derive(Clone, Copy)]
pub struct View<'a> {
    bytes: &'a [u8],
    cursors: Cursors,
}

/// One record as a reader sees it.
#[derive(Debug, Clone, Copy)]
pub struct Entry<'a> {
    /// Linux's level: 3 error, 4 warning, 6 info, 7 debug.
    pub level: u8,
    pub micros: u64,
    /// The message, in two pieces where it wraps around the end of the ring.
    pub text: [&'a [u8]; 2],
    /// The record's position, and the next one's.
    pub start: u64,
    pub end: u64,
}

impl<'a> View<'a> {
    /// A snapshot's view (`bytes` from [`LogRing::snapshot`]).
    pub fn over(bytes: &'a [u8], cursors: Cursors) -> Self {
        View { bytes, cursors }
    }

    pub fn cursors(&self) -> Cursors {
        self.cursors
    }

    /// The `len` bytes at `pos`, in two pieces where they wrap.
    fn slices(&self, pos: u64, len: usize) -> [&'a [u8]; 2] {
        let n = self.bytes.len();
        let at = (pos % n as u64) as usize;
        let first = len.min(n - at);
        [&self.bytes[at..at + first], &self.bytes[..len - first]]
    }

    fn header_at(&self, pos: u64) -> [u8; HEADER] {
        let mut header = [0u8; HEADER];
        let [a, b] = self.slices(pos, HEADER);
        header[..a.len()].copy_from_slice(a);
        header[a.len()..].copy_from_slice(b);
        header
    }

    fn text_len_at(&self, pos: u64) -> usize {
        let header = self.header_at(pos);
        u16::from_le_bytes([header[0], header[1]]) as usize
    }

    /// The records from `from` on (from the oldest kept, if `from` was overwritten).
    pub fn entries(&self, from: u64) -> impl Iterator<Item = Entry<'a>> + use<'a> {
        let view = *self;
        let mut pos = from.max(self.cursors.tail);
        core::iter::from_fn(move || {
            if pos >= view.cursors.head {
                return None;
            }
            let header = view.header_at(pos);
            let len = u16::from_le_bytes([header[0], header[1]]) as usize;
            let mut micros = [0u8; 8];
            micros.copy_from_slice(&header[4..12]);
            let entry = Entry {
                level: header[2],
                micros: u64::from_le_bytes(micros),
                text: view.slices(pos + HEADER as u64, len),
                start: pos,
                end: pos + (HEADER + len) as u64,
            };
            pos = entry.end;
            Some(entry)
        })
    }

    /// The length of every record's text since the last clear (what `READ_ALL` returns when
    /// given room).
    pub fn all_len(&self) -> usize {
        self.entries(self.cursors.clear)
            .map(|e| e.linux_len())
            .sum()
    }

    /// `SYSLOG_ACTION_READ_ALL`: the newest whole records since the last clear whose text fits
    /// in `len` bytes, oldest first, appended to `out`.
    pub fn read_all(&self, len: usize, out: &mut Vec<u8>) {
        let mut total = self.all_len();
        let mut entries = self.entries(self.cursors.clear).peekable();
        while total > len
            && let Some(entry) = entries.next()
        {
            total -= entry.linux_len();
        }
        for entry in entries {
            entry.write_linux(&mut Window::all(out));
        }
    }

    /// `SYSLOG_ACTION_READ`: the unread records whose text fits in `len` bytes (the first one
    /// in part, when not even it fits), appended to `out`. Returns the cursor and partial
    /// count to [`LogRing::consume`] once the text reached the reader.
    pub fn read(&self, len: usize, out: &mut Vec<u8>) -> (u64, usize) {
        let (mut pos, mut partial) = self.read_cursor();
        let mut room = len;
        for entry in self.entries(pos) {
            let left = entry.linux_len() - partial;
            if left <= room {
                entry.write_linux(&mut Window::new(out, partial, left));
                room -= left;
                pos = entry.end;
                partial = 0;
            } else {
                if room == len {
                    entry.write_linux(&mut Window::new(out, partial, room));
                    partial += room;
                }
                break;
            }
        }
        (pos, partial)
    }

    /// `SYSLOG_ACTION_SIZE_UNREAD`: the bytes [`View::read`] would return, given room.
    pub fn unread_len(&self) -> usize {
        let (pos, partial) = self.read_cursor();
        self.entries(pos).map(|e| e.linux_len()).sum::<usize>() - partial
    }

    /// The read cursor, moved to the oldest record kept if its record was overwritten.
    fn read_cursor(&self) -> (u64, usize) {
        if self.cursors.read < self.cursors.tail {
            (self.cursors.tail, 0)
        } else {
            (self.cursors.read, self.cursors.read_partial)
        }
    }
}

impl Entry<'_> {
    /// `<level>[seconds.micros] `, Linux's syslog prefix (`%5lu.%06lu`).
    pub fn linux_prefix(&self) -> Prefix {
        let mut prefix = Prefix::default();
        // 40 bytes hold any level and u64 seconds, so this cannot fail.
        let _ = write!(
            prefix,
            "<{}>[{:>5}.{:06}] ",
            self.level,
            self.micros / 1_000_000,
            self.micros % 1_000_000
        );
        prefix
    }

    /// The message's bytes in order (its two pieces).
    pub fn text_bytes(&self) -> impl Iterator<Item = u8> + '_ {
        self.text[0].iter().chain(self.text[1]).copied()
    }

    fn lines(&self) -> usize {
        1 + self.text_bytes().filter(|&b| b == b'\n').count()
    }

    /// The length of [`Entry::write_linux`]'s text.
    pub fn linux_len(&self) -> usize {
        self.linux_prefix().len() * self.lines() + self.text[0].len() + self.text[1].len() + 1
    }

    /// The record as syslog(2) returns it: each line of the message behind the prefix (as
    /// Linux's `record_print_text`), and a newline.
    fn write_linux(&self, out: &mut Window) {
        let prefix = self.linux_prefix();
        out.put(prefix.as_bytes());
        for piece in self.text {
            let mut rest = piece;
            while let Some(nl) = rest.iter().position(|&b| b == b'\n') {
                out.put(&rest[..=nl]);
                out.put(prefix.as_bytes());
                rest = &rest[nl + 1..];
            }
            out.put(rest);
        }
        out.put(b"\n");
    }
}

/// A record's prefix, formatted without allocating.
pub struct Prefix {
    bytes: [u8; 40],
    len: usize,
}

impl Default for Prefix {
    fn default() -> Self {
        Prefix {
            bytes: [0; 40],
            len: 0,
        }
    }
}

impl Prefix {
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len]
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

impl fmt::Write for Prefix {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let end = self.len + s.len();
        self.bytes
            .get_mut(self.len..end)
            .ok_or(fmt::Error)?
            .copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

/// Keeps `take` bytes of a text after skipping `skip` (a partial read's window).
struct Window<'o> {
    out: &'o mut Vec<u8>,
    skip: usize,
    take: usize,
}

impl<'o> Window<'o> {
    fn new(out: &'o mut Vec<u8>, skip: usize, take: usize) -> Self {
        Window { out, skip, take }
    }

    fn all(out: &'o mut Vec<u8>) -> Self {
        Self::new(out, 0, usize::MAX)
    }

    fn put(&mut self, mut data: &[u8]) {
        let skipped = self.skip.min(data.len());
        self.skip -= skipped;
        data = &data[skipped..];
        let taken = self.take.min(data.len());
        self.out.extend_from_slice(&data[..taken]);
        self.take -= taken;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    extern crate std;
    use std::string::String;
    use std::vec;

    fn texts<const N: usize>(ring: &LogRing<N>) -> Vec<String> {
        ring.view()
            .entries(0)
            .map(|e| String::from_utf8(e.text_bytes().collect()).unwrap())
            .collect()
    }

    fn read_all<const N: usize>(ring: &LogRing<N>, len: usize) -> String {
        let mut out = Vec::new();
        ring.view().read_all(len, &mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn records_come_back_in_linux_format() {
        let mut ring = LogRing::<256>::new();
        ring.push(
            6,
            1_234_567,
            format_args!("smp: {} of {} CPUs online", 2, 2),
        );
        ring.push(3, 86_400_000_001, format_args!("oops"));
        assert_eq!(
            read_all(&ring, 1000),
            "<6>[    1.234567] smp: 2 of 2 CPUs online\n<3>[86400.000001] oops\n"
        );
        assert_eq!(ring.view().all_len(), read_all(&ring, 1000).len());
    }

    #[test]
    fn every_line_of_a_message_gets_the_prefix() {
        let mut ring = LogRing::<256>::new();
        ring.push(4, 0, format_args!("one\ntwo"));
        let text = read_all(&ring, 1000);
        assert_eq!(text, "<4>[    0.000000] one\n<4>[    0.000000] two\n");
        assert_eq!(ring.view().all_len(), text.len());
    }

    #[test]
    fn the_oldest_records_make_room_and_wrap_stays_whole() {
        // 64 bytes: header 12 + text 8 = 20 per record, so three fit and the fourth wraps.
        let mut ring = LogRing::<64>::new();
        for i in 0..50u32 {
            ring.push(6, u64::from(i), format_args!("record{i:02}"));
            let kept = texts(&ring);
            // The newest is always there, whole, and so is everything kept: no half record.
            assert_eq!(kept.last().unwrap(), &std::format!("record{i:02}"));
            for (k, text) in kept.iter().rev().enumerate() {
                assert_eq!(text, &std::format!("record{:02}", i - k as u32));
            }
            assert!(kept.len() <= 3);
            let c = ring.cursors();
            assert!(c.head - c.tail <= 64);
        }
        assert_eq!(texts(&ring), ["record47", "record48", "record49"]);
    }

    #[test]
    fn records_of_mixed_sizes_wrap_many_times() {
        let mut ring = LogRing::<100>::new();
        let mut all = Vec::new();
        for i in 0..500usize {
            let text = "x".repeat(i * 7 % 60);
            ring.push(7, i as u64, format_args!("{text}"));
            all.push(text);
            let kept = texts(&ring);
            assert_eq!(&all[all.len() - kept.len()..], &kept[..], "after {i}");
        }
    }

    #[test]
    fn a_record_longer_than_the_ring_is_cut_to_fit() {
        let mut ring = LogRing::<64>::new();
        ring.push(6, 0, format_args!("before"));
        let long = "y".repeat(500);
        ring.push(6, 1, format_args!("{long}"));
        assert_eq!(texts(&ring), ["y".repeat(64 - HEADER)]);
        ring.push(6, 2, format_args!("after"));
        assert_eq!(texts(&ring), ["after"]);
    }

    #[test]
    fn long_messages_are_cut_at_max_text_on_a_char_boundary() {
        let mut ring = LogRing::<4096>::new();
        let long = "ä".repeat(MAX_TEXT); // two bytes each
        ring.push(6, 0, format_args!("{long}"));
        let kept = texts(&ring);
        assert_eq!(kept[0].len(), MAX_TEXT);
        ring.push(6, 0, format_args!("a{long}"));
        assert_eq!(
            texts(&ring)[1].len(),
            MAX_TEXT - 1,
            "a half letter is dropped"
        );
    }

    #[test]
    fn read_all_returns_the_newest_whole_records_that_fit() {
        let mut ring = LogRing::<1024>::new();
        for i in 0..5 {
            ring.push(6, 0, format_args!("m{i}"));
        }
        let one = "<6>[    0.000000] m0\n".len();
        assert_eq!(
            read_all(&ring, 2 * one),
            "<6>[    0.000000] m3\n<6>[    0.000000] m4\n"
        );
        assert_eq!(read_all(&ring, 2 * one + 5).len(), 2 * one);
        assert_eq!(read_all(&ring, one - 1), "", "not even the newest fits");
        assert_eq!(read_all(&ring, 1 << 20).len(), 5 * one);
    }

    #[test]
    fn clear_hides_old_records_from_read_all_only() {
        let mut ring = LogRing::<1024>::new();
        ring.push(6, 0, format_args!("old"));
        ring.clear();
        assert_eq!(read_all(&ring, 1000), "");
        ring.push(6, 0, format_args!("new"));
        assert_eq!(read_all(&ring, 1000), "<6>[    0.000000] new\n");
        // READ still has both.
        assert_eq!(
            ring.view().unread_len(),
            2 * "<6>[    0.000000] new\n".len()
        );
    }

    #[test]
    fn read_consumes_and_resumes_inside_a_record() {
        let mut ring = LogRing::<1024>::new();
        ring.push(6, 0, format_args!("first"));
        ring.push(6, 0, format_args!("second"));
        let whole = "<6>[    0.000000] first\n<6>[    0.000000] second\n";
        assert!(ring.has_unread());
        assert_eq!(ring.view().unread_len(), whole.len());
        let mut got = Vec::new();
        // Five bytes at a time: the first read of a record may stop inside it.
        loop {
            let mut out = Vec::new();
            let (pos, partial) = ring.view().read(5, &mut out);
            if out.is_empty() {
                break;
            }
            assert!(out.len() <= 5);
            ring.consume(pos, partial);
            got.extend_from_slice(&out);
            assert_eq!(ring.view().unread_len(), whole.len() - got.len());
        }
        assert_eq!(String::from_utf8(got).unwrap(), whole);
        assert!(!ring.has_unread());
        // A read with room takes whole records only, as many as fit.
        ring.push(6, 0, format_args!("third"));
        ring.push(6, 0, format_args!("fourth"));
        let mut out = Vec::new();
        let third = "<6>[    0.000000] third\n";
        let (pos, partial) = ring.view().read(third.len() + 3, &mut out);
        assert_eq!(out, third.as_bytes());
        assert_eq!(partial, 0);
        ring.consume(pos, partial);
        assert_eq!(ring.view().unread_len(), "<6>[    0.000000] fourth\n".len());
    }

    #[test]
    fn a_reader_overtaken_by_the_writer_goes_on_at_the_oldest_record() {
        let mut ring = LogRing::<64>::new();
        ring.push(6, 0, format_args!("aaaaaaaa"));
        let mut out = Vec::new();
        let (pos, partial) = ring.view().read(3, &mut out);
        ring.consume(pos, partial);
        for i in 0..10 {
            ring.push(6, 0, format_args!("b{i}"));
        }
        let mut out = Vec::new();
        ring.view().read(1000, &mut out);
        let text = String::from_utf8(out).unwrap();
        assert!(text.starts_with("<6>[    0.000000] b"), "{text}");
        assert_eq!(text.len(), ring.view().unread_len());
    }

    #[test]
    fn a_snapshot_reads_as_the_ring() {
        let mut ring = LogRing::<128>::new();
        for i in 0..20 {
            ring.push(4, i, format_args!("snap {i}"));
        }
        let mut copy = vec![0u8; 128];
        let cursors = ring.snapshot(&mut copy);
        let mut a = Vec::new();
        let mut b = Vec::new();
        ring.view().read_all(1000, &mut a);
        View::over(&copy, cursors).read_all(1000, &mut b);
        assert_eq!(a, b);
        assert!(!a.is_empty());
    }
}
