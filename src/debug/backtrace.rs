//! Walking the frame-pointer chain, as pure logic over a [`FrameMemory`] (host-tested on fake
//! stacks), and printing it.
//!
//! Every kernel is built with `-C force-frame-pointers=yes` (.cargo/config.toml), so each
//! function starts with `push rbp; mov rbp, rsp`: RBP points at the caller's saved RBP, with the
//! return address into the caller right above it (System V ABI AMD64 §3.2.2, figure 3.3). The
//! trampoline zeroes RBP before the first Rust call, which ends the chain.
//!
//! The stack may be what went wrong, so nothing on it is trusted: each frame pointer must be
//! 8-aligned, readable (the kernel's [`FrameMemory`] asks the page tables) and above the one
//! before it (stacks grow down, so a chain that does not climb loops or is corrupt), and the
//! walk stops after [`MAX_FRAMES`]. A bad frame ends the walk and says why; it never faults.

use super::symbols::SymbolTable;
use core::fmt;

/// Frames printed at most; deeper chains end with a note.
pub const MAX_FRAMES: usize = 32;

/// Where the walk reads frame records from.
pub trait FrameMemory {
    /// The 8-byte word at `addr` (8-aligned), or `None` if it cannot be read safely.
    fn read_word(&self, addr: u64) -> Option<u64>;
}

/// One caller found on the chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Frame {
    /// Where execution continues in the caller.
    pub return_address: u64,
    /// The frame record it came from.
    pub frame_pointer: u64,
}

/// Why a walk ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WalkEnd {
    /// A zero frame pointer or return address: the bottom of the stack.
    Bottom,
    Misaligned(u64),
    /// The frame record is not mapped (or could not be checked).
    Unreadable(u64),
    /// A frame pointer at or below the one before: a loop or a corrupt chain.
    NotAscending(u64),
    /// [`MAX_FRAMES`] frames were walked and the chain went on.
    TooDeep,
}

impl fmt::Display for WalkEnd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WalkEnd::Bottom => Ok(()),
            WalkEnd::Misaligned(fp) => write!(f, "frame pointer {fp:#x} is misaligned"),
            WalkEnd::Unreadable(fp) => write!(f, "frame pointer {fp:#x} is not mapped"),
            WalkEnd::NotAscending(fp) => {
                write!(f, "frame pointer {fp:#x} does not climb the stack")
            }
            WalkEnd::TooDeep => write!(f, "more than {MAX_FRAMES} frames"),
        }
    }
}

/// The callers above frame pointer `rbp`, innermost first. After the iterator is done,
/// [`FrameWalk::end`] tells why.
pub struct FrameWalk<'m, M: FrameMemory + ?Sized> {
    memory: &'m M,
    next: u64,
    previous: Option<u64>,
    frames: usize,
    end: Option<WalkEnd>,
}

impl<'m, M: FrameMemory + ?Sized> FrameWalk<'m, M> {
    pub fn new(memory: &'m M, rbp: u64) -> Self {
        FrameWalk {
            memory,
            next: rbp,
            previous: None,
            frames: 0,
            end: None,
        }
    }

    /// Why the walk ended, once it has.
    pub fn end(&self) -> Option<WalkEnd> {
        self.end
    }

    fn step(&mut self) -> Result<Frame, WalkEnd> {
        let fp = self.next;
        if fp == 0 {
            return Err(WalkEnd::Bottom);
        }
        if !fp.is_multiple_of(8) {
            return Err(WalkEnd::Misaligned(fp));
        }
        if self.previous.is_some_and(|previous| fp <= previous) {
            return Err(WalkEnd::NotAscending(fp));
        }
        if self.frames == MAX_FRAMES {
            return Err(WalkEnd::TooDeep);
        }
        let unreadable = WalkEnd::Unreadable(fp);
        let saved_fp = self.memory.read_word(fp).ok_or(unreadable)?;
        let return_address = self
            .memory
            .read_word(fp.checked_add(8).ok_or(unreadable)?)
            .ok_or(unreadable)?;
        if return_address == 0 {
            return Err(WalkEnd::Bottom);
        }
        self.previous = Some(fp);
        self.next = saved_fp;
        self.frames += 1;
        Ok(Frame {
            return_address,
            frame_pointer: fp,
        })
    }
}

impl<M: FrameMemory + ?Sized> Iterator for FrameWalk<'_, M> {
    type Item = Frame;

    fn next(&mut self) -> Option<Frame> {
        if self.end.is_some() {
            return None;
        }
        match self.step() {
            Ok(frame) => Some(frame),
            Err(end) => {
                self.end = Some(end);
                None
            }
        }
    }
}

/// A backtrace to print: the interrupted or current instruction `rip` (if known) as frame #0,
/// then every caller on the chain from `rbp`, each with its function and offset when `symbols`
/// has them.
pub struct Backtrace<'a, M: FrameMemory + ?Sized> {
    pub rip: Option<u64>,
    pub rbp: u64,
    pub memory: &'a M,
    pub symbols: Option<&'a SymbolTable<'a>>,
}

impl<M: FrameMemory + ?Sized> Backtrace<'_, M> {
    fn line(
        &self,
        f: &mut fmt::Formatter<'_>,
        number: usize,
        addr: u64,
        lookup: u64,
    ) -> fmt::Result {
        write!(f, "  #{number:<2} {addr:#018x}")?;
        match self.symbols.and_then(|table| table.lookup(lookup)) {
            Some(symbol) => {
                // The offset is that of the address printed, not of the one looked up.
                let symbol = super::symbols::Symbol {
                    offset: addr - symbol.start,
                    ..symbol
                };
                writeln!(f, " {}", symbol.display())
            }
            None if self.symbols.is_some() => writeln!(f, " ?"),
            None => writeln!(f),
        }
    }
}

impl<M: FrameMemory + ?Sized> fmt::Display for Backtrace<'_, M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "backtrace:")?;
        let mut number = 0;
        if let Some(rip) = self.rip {
            self.line(f, number, rip, rip)?;
            number += 1;
        }
        let mut walk = FrameWalk::new(self.memory, self.rbp);
        // Recursion repeats one return address: it is printed once, then counted, so that a
        // stack overflow's report still fits on a 25-line screen.
        let mut previous = None;
        let mut repeats = 0;
        for frame in walk.by_ref() {
            let addr = frame.return_address;
            if previous == Some(addr) {
                repeats += 1;
                continue;
            }
            write_repeats(f, repeats)?;
            repeats = 0;
            // A return address follows its call, which may be the function's last instruction:
            // the byte before it belongs to the calling function.
            self.line(f, number, addr, addr.wrapping_sub(1))?;
            previous = Some(addr);
            number += 1;
        }
        write_repeats(f, repeats)?;
        match walk.end() {
            Some(WalkEnd::Bottom) | None => Ok(()),
            Some(end) => writeln!(f, "  (walk ended: {end})"),
        }
    }
}

fn write_repeats(f: &mut fmt::Formatter<'_>, repeats: usize) -> fmt::Result {
    match repeats {
        0 => Ok(()),
        n => writeln!(f, "  ... the same return address {n} more times"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::debug::symbols::{self, KernelIdentity};
    use std::collections::BTreeMap;

    /// A fake stack: words at addresses, everything else unmapped.
    #[derive(Default)]
    struct FakeMemory(BTreeMap<u64, u64>);

    impl FakeMemory {
        /// A frame record at `fp`: the saved frame pointer, then the return address.
        fn frame(mut self, fp: u64, saved_fp: u64, return_address: u64) -> Self {
            self.0.insert(fp, saved_fp);
            self.0.insert(fp + 8, return_address);
            self
        }
    }

    impl FrameMemory for FakeMemory {
        fn read_word(&self, addr: u64) -> Option<u64> {
            assert_eq!(addr % 8, 0, "the walk reads only aligned words");
            self.0.get(&addr).copied()
        }
    }

    const STACK: u64 = 0xFFFF_FFFF_8030_0000;

    fn chain() -> FakeMemory {
        FakeMemory::default()
            .frame(STACK + 0x10, STACK + 0x40, 0x1111)
            .frame(STACK + 0x40, STACK + 0x100, 0x2222)
            .frame(STACK + 0x100, 0, 0x3333)
    }

    fn walk(memory: &FakeMemory, rbp: u64) -> (Vec<u64>, Option<WalkEnd>) {
        let mut walk = FrameWalk::new(memory, rbp);
        let addresses = walk.by_ref().map(|frame| frame.return_address).collect();
        (addresses, walk.end())
    }

    #[test]
    fn a_good_chain_is_walked_to_the_bottom() {
        let memory = chain();
        assert_eq!(
            walk(&memory, STACK + 0x10),
            (vec![0x1111, 0x2222, 0x3333], Some(WalkEnd::Bottom))
        );
        assert_eq!(walk(&memory, 0), (vec![], Some(WalkEnd::Bottom)));
    }

    #[test]
    fn a_zero_return_address_is_the_bottom() {
        let memory = FakeMemory::default()
            .frame(STACK, STACK + 0x20, 0x1111)
            .frame(STACK + 0x20, STACK + 0x80, 0);
        assert_eq!(walk(&memory, STACK), (vec![0x1111], Some(WalkEnd::Bottom)));
    }

    #[test]
    fn a_misaligned_frame_pointer_ends_the_walk() {
        let memory = FakeMemory::default().frame(STACK, STACK + 0x43, 0x1111);
        assert_eq!(
            walk(&memory, STACK),
            (vec![0x1111], Some(WalkEnd::Misaligned(STACK + 0x43)))
        );
        assert_eq!(walk(&memory, 4), (vec![], Some(WalkEnd::Misaligned(4))));
    }

    #[test]
    fn an_unmapped_frame_pointer_ends_the_walk() {
        let memory = chain().frame(STACK + 0x100, STACK + 0x10_0000, 0x3333);
        assert_eq!(
            walk(&memory, STACK + 0x10),
            (
                vec![0x1111, 0x2222, 0x3333],
                Some(WalkEnd::Unreadable(STACK + 0x10_0000))
            )
        );
        // The saved frame pointer readable but the return address above it not.
        let mut half = FakeMemory::default();
        half.0.insert(STACK, STACK + 0x10);
        assert_eq!(
            walk(&half, STACK),
            (vec![], Some(WalkEnd::Unreadable(STACK)))
        );
        // A record at the very top of the address space cannot wrap around to address 0.
        let mut top = FakeMemory::default();
        top.0.insert(u64::MAX - 7, 0);
        top.0.insert(0, 0x1111);
        assert_eq!(
            walk(&top, u64::MAX - 7),
            (vec![], Some(WalkEnd::Unreadable(u64::MAX - 7)))
        );
    }

    #[test]
    fn loops_and_descending_chains_end_the_walk() {
        let self_loop = FakeMemory::default().frame(STACK, STACK, 0x1111);
        assert_eq!(
            walk(&self_loop, STACK),
            (vec![0x1111], Some(WalkEnd::NotAscending(STACK)))
        );
        let two_cycle = FakeMemory::default()
            .frame(STACK, STACK + 0x20, 0x1111)
            .frame(STACK + 0x20, STACK, 0x2222);
        assert_eq!(
            walk(&two_cycle, STACK),
            (vec![0x1111, 0x2222], Some(WalkEnd::NotAscending(STACK)))
        );
    }

    #[test]
    fn an_endless_climbing_chain_is_cut_at_the_limit() {
        let mut memory = FakeMemory::default();
        for i in 0..100 {
            let fp = STACK + i * 0x10;
            memory = memory.frame(fp, fp + 0x10, 0x1000 + i);
        }
        let (addresses, end) = walk(&memory, STACK);
        assert_eq!(addresses.len(), MAX_FRAMES);
        assert_eq!(end, Some(WalkEnd::TooDeep));
    }

    #[test]
    fn recursion_is_printed_once_and_counted() {
        let mut memory = FakeMemory::default().frame(STACK, STACK + 0x10, 0x1111);
        for i in 1..40 {
            let fp = STACK + i * 0x10;
            memory = memory.frame(fp, fp + 0x10, 0x2222);
        }
        let text = format!(
            "{}",
            Backtrace {
                rip: None,
                rbp: STACK,
                memory: &memory,
                symbols: None,
            }
        );
        assert_eq!(
            text,
            "backtrace:\n  #0  0x0000000000001111\n  #1  0x0000000000002222\n\
             \x20 ... the same return address 30 more times\n\
             \x20 (walk ended: more than 32 frames)\n"
        );
    }

    #[test]
    fn the_printed_backtrace_names_each_function() {
        let base = 0xFFFF_FFFF_8010_0000;
        let id = KernelIdentity {
            start: base,
            end: base + 0x10_0000,
            entry: base,
        };
        let bytes = symbols::build(
            id,
            base,
            &[
                (
                    base + 0x100,
                    0x80,
                    "_ZN7kestrel5inner5fault17h0123456789abcdefE",
                ),
                (base + 0x200, 0x40, "_ZN7kestrel5outer4callE"),
                (base + 0x300, 0x10, "_ZN7kestrel4tail4lastE"),
            ],
        );
        let table = symbols::SymbolTable::parse(&bytes).unwrap();
        // The last caller's call is its final instruction: its return address is one past its
        // end and still belongs to it. Then a return address no function contains.
        let memory = FakeMemory::default()
            .frame(STACK, STACK + 0x20, base + 0x224)
            .frame(STACK + 0x20, STACK + 0x40, base + 0x310)
            .frame(STACK + 0x40, STACK + 0x33, base + 0x900);
        let text = format!(
            "{}",
            Backtrace {
                rip: Some(base + 0x154),
                rbp: STACK,
                memory: &memory,
                symbols: Some(&table),
            }
        );
        assert_eq!(
            text,
            "backtrace:\n\
             \x20 #0  0xffffffff80100154 kestrel::inner::fault+0x54\n\
             \x20 #1  0xffffffff80100224 kestrel::outer::call+0x24\n\
             \x20 #2  0xffffffff80100310 kestrel::tail::last+0x10\n\
             \x20 #3  0xffffffff80100900 ?\n\
             \x20 (walk ended: frame pointer 0xffffffff80300033 is misaligned)\n"
        );
        // Without symbols (the emergency path): raw addresses only.
        let raw = format!(
            "{}",
            Backtrace {
                rip: None,
                rbp: STACK,
                memory: &memory,
                symbols: None,
            }
        );
        assert!(
            raw.starts_with("backtrace:\n  #0  0xffffffff80100224\n  #1  0xffffffff80100310\n")
        );
    }
}
