//! The kernel's symbol table: a sorted address-to-name table that `tools/mksyms.py` writes from
//! the kernel ELF and GRUB loads as a boot module (see docs/backtraces.md). Parsing and lookup
//! are pure logic over bytes (host-tested): the table comes from outside the kernel, so a
//! truncated, unsorted or stale one is refused with a message, never trusted.
//!
//! Format, all little-endian:
//!
//! | offset | size | field |
//! | --- | --- | --- |
//! | 0 | 8 | magic `KSYMTAB1` |
//! | 8 | 4 | `count`: entries |
//! | 12 | 4 | `names_len`: bytes of the name area |
//! | 16 | 8 | `base`: the address the entry offsets count from |
//! | 24 | 8 | `kernel_start`, `__kernel_start` of the kernel the table was made from |
//! | 32 | 8 | `kernel_end`, its `__kernel_end` |
//! | 40 | 8 | `entry`, its `kernel_entry` |
//! | 48 | 12 × count | entries: start − base (u32), size (u32, 0 when unknown), name offset (u32) |
//! | … | names_len | names: mangled, without the legacy `h<16 hex>` hash, NUL-terminated, each once |

use core::fmt;

pub const MAGIC: &[u8; 8] = b"KSYMTAB1";
pub const HEADER_LEN: usize = 48;
pub const ENTRY_LEN: usize = 12;

/// Why a table was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SymbolTableError {
    TooShort {
        len: usize,
    },
    BadMagic,
    /// The header's counts do not add up to the table's length.
    BadLength {
        expected: u64,
        actual: usize,
    },
    /// Entry `index` starts below the entry before it, or inside it.
    NotSorted {
        index: usize,
    },
    /// Entry `index` names bytes outside the name area, or a name without its NUL.
    BadName {
        index: usize,
    },
    /// Entry `index` runs past the end of the address space.
    BadRange {
        index: usize,
    },
    /// The table describes another build of the kernel.
    WrongKernel {
        table: [u64; 3],
        kernel: [u64; 3],
    },
}

impl fmt::Display for SymbolTableError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SymbolTableError::TooShort { len } => {
                write!(f, "{len} bytes, shorter than the {HEADER_LEN}-byte header")
            }
            SymbolTableError::BadMagic => write!(f, "no KSYMTAB1 magic"),
            SymbolTableError::BadLength { expected, actual } => write!(
                f,
                "the header announces {expected} bytes, the table has {actual}"
            ),
            SymbolTableError::NotSorted { index } => {
                write!(f, "entry {index} is out of address order")
            }
            SymbolTableError::BadName { index } => {
                write!(f, "entry {index} has a name outside the name area")
            }
            SymbolTableError::BadRange { index } => {
                write!(f, "entry {index} runs past the end of the address space")
            }
            SymbolTableError::WrongKernel { table, kernel } => write!(
                f,
                "made for another kernel build (start, end, entry {:#x}, {:#x}, {:#x}; this \
                 kernel has {:#x}, {:#x}, {:#x})",
                table[0], table[1], table[2], kernel[0], kernel[1], kernel[2]
            ),
        }
    }
}

/// The addresses that tie a table to one kernel build: `__kernel_start`, `__kernel_end`,
/// `kernel_entry`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KernelIdentity {
    pub start: u64,
    pub end: u64,
    pub entry: u64,
}

/// A validated table. Every lookup stays inside the bytes it was made from.
#[derive(Debug, Clone, Copy)]
pub struct SymbolTable<'a> {
    entries: &'a [u8],
    names: &'a [u8],
    base: u64,
    count: usize,
    identity: KernelIdentity,
}

/// The function an address lies in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Symbol<'a> {
    /// As stored: mangled, or plain for assembly and `no_mangle` symbols.
    pub name: &'a str,
    pub start: u64,
    /// Bytes from `start` to the address looked up.
    pub offset: u64,
}

impl<'a> Symbol<'a> {
    /// `name+0xoffset`, demangled (`rustc-demangle`; plain names as they are).
    pub fn display(&self) -> SymbolDisplay<'a> {
        SymbolDisplay(*self)
    }
}

pub struct SymbolDisplay<'a>(Symbol<'a>);

impl fmt::Display for SymbolDisplay<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let symbol = &self.0;
        match rustc_demangle::try_demangle(symbol.name) {
            // `{:#}`: without the hash (legacy names) or crate disambiguators (v0 names).
            Ok(demangled) => write!(f, "{demangled:#}")?,
            Err(_) => f.write_str(symbol.name)?,
        }
        write!(f, "+{:#x}", symbol.offset)
    }
}

fn u32_at(bytes: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(bytes[at..at + 4].try_into().expect("4 bytes"))
}

fn u64_at(bytes: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(bytes[at..at + 8].try_into().expect("8 bytes"))
}

impl<'a> SymbolTable<'a> {
    /// Checks the header, the length, the order of the entries and that every name lies in the
    /// name area and is valid UTF-8; lookups then need no checks of their own.
    pub fn parse(bytes: &'a [u8]) -> Result<Self, SymbolTableError> {
        if bytes.len() < HEADER_LEN {
            return Err(SymbolTableError::TooShort { len: bytes.len() });
        }
        if &bytes[..8] != MAGIC {
            return Err(SymbolTableError::BadMagic);
        }
        let count = u32_at(bytes, 8) as usize;
        let names_len = u32_at(bytes, 12) as usize;
        let expected = HEADER_LEN as u64 + count as u64 * ENTRY_LEN as u64 + names_len as u64;
        if expected != bytes.len() as u64 {
            return Err(SymbolTableError::BadLength {
                expected,
                actual: bytes.len(),
            });
        }
        let (entries, names) = bytes[HEADER_LEN..].split_at(count * ENTRY_LEN);
        let table = SymbolTable {
            entries,
            names,
            base: u64_at(bytes, 16),
            count,
            identity: KernelIdentity {
                start: u64_at(bytes, 24),
                end: u64_at(bytes, 32),
                entry: u64_at(bytes, 40),
            },
        };
        let mut previous_end = 0u64;
        for index in 0..count {
            let (start, size, name_at) = table.raw_entry(index);
            let start = table
                .base
                .checked_add(u64::from(start))
                .ok_or(SymbolTableError::BadRange { index })?;
            let end = start
                .checked_add(u64::from(size))
                .ok_or(SymbolTableError::BadRange { index })?;
            if index > 0 && start < previous_end.max(table.start_of(index - 1) + 1) {
                return Err(SymbolTableError::NotSorted { index });
            }
            previous_end = end;
            table
                .name_at(name_at as usize)
                .ok_or(SymbolTableError::BadName { index })?;
        }
        Ok(table)
    }

    /// Refuses a table made from another build than `kernel`.
    pub fn check_identity(&self, kernel: KernelIdentity) -> Result<(), SymbolTableError> {
        if self.identity == kernel {
            return Ok(());
        }
        let triple = |id: KernelIdentity| [id.start, id.end, id.entry];
        Err(SymbolTableError::WrongKernel {
            table: triple(self.identity),
            kernel: triple(kernel),
        })
    }

    pub fn len(&self) -> usize {
        self.count
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Bytes the table occupies.
    pub fn size_bytes(&self) -> usize {
        HEADER_LEN + self.entries.len() + self.names.len()
    }

    fn raw_entry(&self, index: usize) -> (u32, u32, u32) {
        let at = index * ENTRY_LEN;
        (
            u32_at(self.entries, at),
            u32_at(self.entries, at + 4),
            u32_at(self.entries, at + 8),
        )
    }

    fn start_of(&self, index: usize) -> u64 {
        // Cannot overflow: `parse` checked every entry's start and end.
        self.base + u64::from(self.raw_entry(index).0)
    }

    fn name_at(&self, at: usize) -> Option<&'a str> {
        let rest = self.names.get(at..)?;
        let len = rest.iter().position(|&b| b == 0)?;
        core::str::from_utf8(&rest[..len]).ok()
    }

    /// The function containing `addr`: the last entry starting at or below it, if `addr` lies
    /// inside its size (or, for an entry of unknown size, before the next entry).
    pub fn lookup(&self, addr: u64) -> Option<Symbol<'a>> {
        // The number of entries starting at or below `addr` (binary search over the sorted
        // starts).
        let (mut low, mut high) = (0, self.count);
        while low < high {
            let mid = low + (high - low) / 2;
            if self.start_of(mid) <= addr {
                low = mid + 1;
            } else {
                high = mid;
            }
        }
        let index = low.checked_sub(1)?;
        let (_, size, name_at) = self.raw_entry(index);
        let start = self.start_of(index);
        let inside = match size {
            0 => index + 1 == self.count || addr < self.start_of(index + 1),
            size => addr - start < u64::from(size),
        };
        if !inside {
            return None;
        }
        Some(Symbol {
            name: self.name_at(name_at as usize)?,
            start,
            offset: addr - start,
        })
    }
}

/// Builds a table in the format above, for tests (the real ones come from tools/mksyms.py).
#[cfg(test)]
pub fn build(identity: KernelIdentity, base: u64, symbols: &[(u64, u32, &str)]) -> Vec<u8> {
    let mut names = Vec::new();
    let mut entries = Vec::new();
    for &(start, size, name) in symbols {
        entries.extend_from_slice(&((start - base) as u32).to_le_bytes());
        entries.extend_from_slice(&size.to_le_bytes());
        entries.extend_from_slice(&(names.len() as u32).to_le_bytes());
        names.extend_from_slice(name.as_bytes());
        names.push(0);
    }
    let mut table = MAGIC.to_vec();
    table.extend_from_slice(&(symbols.len() as u32).to_le_bytes());
    table.extend_from_slice(&(names.len() as u32).to_le_bytes());
    for word in [base, identity.start, identity.end, identity.entry] {
        table.extend_from_slice(&word.to_le_bytes());
    }
    table.extend_from_slice(&entries);
    table.extend_from_slice(&names);
    table
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: KernelIdentity = KernelIdentity {
        start: 0xFFFF_FFFF_8010_0000,
        end: 0xFFFF_FFFF_8020_0000,
        entry: 0xFFFF_FFFF_8010_0040,
    };
    const BASE: u64 = 0xFFFF_FFFF_8010_0000;

    fn sample() -> Vec<u8> {
        build(
            ID,
            BASE,
            &[
                (BASE, 0, "_start"),
                (BASE + 0x100, 0x40, "_ZN7kestrel5shell4exec3runE"),
                (BASE + 0x140, 0x20, "_ZN7kestrel5panic5panicE"),
                (
                    BASE + 0x200,
                    0x10,
                    "_RNvNtCsg3SjgaGcPXb_4core9panicking9panic_fmt",
                ),
                (BASE + 0x300, 0, "interrupt_common"),
            ],
        )
    }

    #[test]
    fn lookup_finds_the_containing_function() {
        let bytes = sample();
        let table = SymbolTable::parse(&bytes).unwrap();
        assert_eq!(table.len(), 5);
        assert_eq!(table.size_bytes(), bytes.len());
        let symbol = table.lookup(BASE + 0x154).unwrap();
        assert_eq!(symbol.name, "_ZN7kestrel5panic5panicE");
        assert_eq!((symbol.start, symbol.offset), (BASE + 0x140, 0x14));
        assert_eq!(
            table.lookup(BASE + 0x100).unwrap().name,
            "_ZN7kestrel5shell4exec3runE"
        );
        assert_eq!(
            table.lookup(BASE + 0x13F).unwrap().name,
            "_ZN7kestrel5shell4exec3runE"
        );
    }

    #[test]
    fn addresses_outside_every_function_have_no_symbol() {
        let bytes = sample();
        let table = SymbolTable::parse(&bytes).unwrap();
        assert_eq!(table.lookup(BASE - 1), None, "below the first entry");
        assert_eq!(
            table.lookup(BASE + 0x160),
            None,
            "in the gap after a sized entry"
        );
        assert_eq!(table.lookup(BASE + 0x210), None, "one past a sized entry");
        // An entry of unknown size reaches to the next entry, the last one to the end.
        assert_eq!(table.lookup(BASE + 0xFF).unwrap().name, "_start");
        assert_eq!(table.lookup(u64::MAX).unwrap().name, "interrupt_common");
    }

    #[test]
    fn names_are_demangled_without_hashes() {
        let bytes = sample();
        let table = SymbolTable::parse(&bytes).unwrap();
        let show = |addr| format!("{}", table.lookup(addr).unwrap().display());
        assert_eq!(show(BASE + 0x154), "kestrel::panic::panic+0x14");
        assert_eq!(show(BASE + 0x205), "core::panicking::panic_fmt+0x5");
        assert_eq!(show(BASE + 0x300), "interrupt_common+0x0");
        // A legacy name with its hash still prints without it.
        let hashed = Symbol {
            name: "_ZN7kestrel4main17h0123456789abcdefE",
            start: 0,
            offset: 0x54,
        };
        assert_eq!(format!("{}", hashed.display()), "kestrel::main+0x54");
    }

    #[test]
    fn an_empty_table_is_valid_and_finds_nothing() {
        let bytes = build(ID, 0, &[]);
        let table = SymbolTable::parse(&bytes).unwrap();
        assert!(table.is_empty());
        assert_eq!(table.lookup(BASE), None);
    }

    #[test]
    fn identity_ties_a_table_to_its_kernel() {
        let bytes = sample();
        let table = SymbolTable::parse(&bytes).unwrap();
        assert_eq!(table.check_identity(ID), Ok(()));
        let other = KernelIdentity {
            entry: ID.entry + 0x10,
            ..ID
        };
        let err = table.check_identity(other).unwrap_err();
        assert!(matches!(err, SymbolTableError::WrongKernel { .. }));
        assert!(format!("{err}").contains("another kernel build"));
    }

    #[test]
    fn bad_tables_are_refused_with_a_reason() {
        let good = sample();
        let parse = |bytes: &[u8]| SymbolTable::parse(bytes).map(|_| ()).unwrap_err();

        assert_eq!(parse(&good[..10]), SymbolTableError::TooShort { len: 10 });
        let mut bad_magic = good.clone();
        bad_magic[0] = b'X';
        assert_eq!(parse(&bad_magic), SymbolTableError::BadMagic);
        assert!(matches!(
            parse(&good[..good.len() - 1]),
            SymbolTableError::BadLength { .. }
        ));
        // A count so large that count × 12 overflows 32 bits must not wrap into a match.
        let mut huge = good.clone();
        huge[8..12].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(matches!(parse(&huge), SymbolTableError::BadLength { .. }));

        let unsorted = build(ID, BASE, &[(BASE + 0x10, 4, "b"), (BASE, 4, "a")]);
        assert_eq!(parse(&unsorted), SymbolTableError::NotSorted { index: 1 });
        let duplicate = build(ID, BASE, &[(BASE, 0, "a"), (BASE, 0, "b")]);
        assert_eq!(parse(&duplicate), SymbolTableError::NotSorted { index: 1 });
        let overlapping = build(ID, BASE, &[(BASE, 0x20, "a"), (BASE + 0x10, 4, "b")]);
        assert_eq!(
            parse(&overlapping),
            SymbolTableError::NotSorted { index: 1 }
        );

        // A name offset past the name area, and a name area without its final NUL.
        let mut far_name = good.clone();
        let name_field = HEADER_LEN + 2 * ENTRY_LEN + 8;
        far_name[name_field..name_field + 4].copy_from_slice(&0xFFFF_u32.to_le_bytes());
        assert_eq!(parse(&far_name), SymbolTableError::BadName { index: 2 });
        let mut no_nul = good.clone();
        *no_nul.last_mut().unwrap() = b'x';
        assert_eq!(parse(&no_nul), SymbolTableError::BadName { index: 4 });
        let mut not_utf8 = good.clone();
        let last = not_utf8.len() - 2;
        not_utf8[last] = 0xFF;
        assert_eq!(parse(&not_utf8), SymbolTableError::BadName { index: 4 });

        // An entry whose end wraps around the address space.
        let wrapping = build(ID, u64::MAX - 0x10, &[(u64::MAX - 0x10, 0x100, "a")]);
        assert_eq!(parse(&wrapping), SymbolTableError::BadRange { index: 0 });
    }

    #[test]
    fn every_truncation_and_byte_flip_is_survived() {
        // Whatever the bytes, parsing and lookups return; they never panic.
        let good = sample();
        for len in 0..good.len() {
            let _ = SymbolTable::parse(&good[..len]);
        }
        for at in 0..good.len() {
            for flip in [0x01, 0x80, 0xFF] {
                let mut bytes = good.clone();
                bytes[at] ^= flip;
                if let Ok(table) = SymbolTable::parse(&bytes) {
                    for addr in [0, BASE, BASE + 0x150, BASE + 0x300, u64::MAX] {
                        if let Some(symbol) = table.lookup(addr) {
                            let _ = format!("{}", symbol.display());
                        }
                    }
                }
            }
        }
    }
}
