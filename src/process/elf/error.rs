//! Why a file cannot be loaded, in words an `exec` failure report can print as they are.

use core::fmt;

use super::raw;

/// Every reason [`super::plan`] refuses a file. `index` fields name the program header (from 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ElfError {
    /// The file is shorter than the 64-byte ELF64 header.
    TooShort {
        len: usize,
    },
    /// The file does not start with `\x7fELF`.
    NotElf,
    /// `EI_CLASS` is not ELFCLASS64 (1 is a 32-bit file).
    WrongClass(u8),
    /// `EI_DATA` is not little endian.
    WrongByteOrder(u8),
    /// `EI_VERSION` or `e_version` is not 1.
    WrongVersion(u32),
    /// `EI_OSABI` is neither System V nor GNU/Linux.
    WrongAbi(u8),
    /// `e_type` is not ET_EXEC or ET_DYN.
    WrongType(u16),
    /// `e_machine` is not x86_64.
    WrongMachine(u16),
    /// `e_ehsize` or `e_phentsize` differs from the ELF64 structure sizes.
    BadHeaderSize {
        ehsize: u16,
        phentsize: u16,
    },
    /// `e_phnum` is 0: nothing to load.
    NoProgramHeaders,
    /// The program-header table is larger than the 64 KiB Linux also accepts.
    TooManyProgramHeaders(u16),
    /// The program-header table reaches past the end of the file.
    ProgramHeadersOutsideFile {
        offset: u64,
        len: u64,
        file_len: usize,
    },
    /// The program asks for an interpreter: it is dynamically linked.
    DynamicallyLinked,
    /// A segment's file bytes reach past the end of the file, or its ranges overflow.
    SegmentOutsideFile {
        index: u16,
        offset: u64,
        filesz: u64,
        file_len: usize,
    },
    /// A segment holds more file bytes than memory.
    FileSizeExceedsMemSize {
        index: u16,
        filesz: u64,
        memsz: u64,
    },
    /// `p_align` is not a power of two, or larger than the planner accepts.
    BadAlignment {
        index: u16,
        align: u64,
    },
    /// `p_offset` and `p_vaddr` differ modulo the page size or `p_align`, so the file's pages
    /// cannot be mapped where the segment wants them.
    NotPageCongruent {
        index: u16,
        offset: u64,
        vaddr: u64,
        align: u64,
    },
    /// More loadable segments than the planner accepts.
    TooManySegments(usize),
    /// No PT_LOAD segment with any memory.
    NoLoadableSegments,
    /// A segment (after the load bias) reaches below the lowest user address, past the user
    /// half into the canonical hole or the kernel, or past the end of the address space.
    SegmentOutsideUserSpace {
        index: u16,
        start: u64,
        end: u64,
    },
    /// The segments' memory adds up to more than the limit.
    ImageTooLarge {
        bytes: u64,
        limit: u64,
    },
    /// Two segments claim the same virtual bytes.
    SegmentsOverlap {
        first: u16,
        second: u16,
    },
    /// The entry point lies in no executable segment.
    EntryNotExecutable {
        entry: u64,
    },
    /// More than one PT_TLS or PT_PHDR header.
    DuplicateHeader {
        kind: &'static str,
        index: u16,
    },
    /// The TLS template (or PT_PHDR) is not inside a loaded segment, or its sizes are wrong.
    BadTls {
        index: u16,
    },
    BadPhdrSegment {
        index: u16,
    },
}

fn machine_name(machine: u16) -> &'static str {
    match machine {
        raw::EM_386 => "i386",
        raw::EM_ARM => "32-bit ARM",
        raw::EM_AARCH64 => "AArch64",
        raw::EM_RISCV => "RISC-V",
        _ => "an unknown machine",
    }
}

impl fmt::Display for ElfError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            ElfError::TooShort { len } => {
                write!(
                    f,
                    "file of {len} bytes is too short for an ELF header (64 bytes)"
                )
            }
            ElfError::NotElf => write!(f, "not an ELF file (no \\x7fELF magic)"),
            ElfError::WrongClass(1) => write!(f, "32-bit ELF file; only 64-bit programs run"),
            ElfError::WrongClass(c) => write!(f, "unknown ELF class {c}"),
            ElfError::WrongByteOrder(2) => {
                write!(f, "big-endian ELF file; x86_64 is little endian")
            }
            ElfError::WrongByteOrder(d) => write!(f, "unknown ELF byte order {d}"),
            ElfError::WrongVersion(v) => write!(f, "unknown ELF version {v}"),
            ElfError::WrongAbi(a) => write!(f, "ELF OS/ABI {a} is neither System V nor Linux"),
            ElfError::WrongType(raw::ET_REL) => {
                write!(
                    f,
                    "relocatable object file (ET_REL), not a program: link it first"
                )
            }
            ElfError::WrongType(raw::ET_CORE) => write!(f, "core dump (ET_CORE), not a program"),
            ElfError::WrongType(t) => write!(f, "ELF type {t:#x} is not an executable"),
            ElfError::WrongMachine(m) => {
                write!(
                    f,
                    "program is for {} (e_machine {m}), not x86_64",
                    machine_name(m)
                )
            }
            ElfError::BadHeaderSize { ehsize, phentsize } => write!(
                f,
                "ELF header says it is {ehsize} bytes with {phentsize}-byte program headers \
                 (ELF64 has 64 and 56)"
            ),
            ElfError::NoProgramHeaders => write!(f, "ELF file has no program headers"),
            ElfError::TooManyProgramHeaders(n) => {
                write!(
                    f,
                    "{n} program headers are more than the 64 KiB table allowed"
                )
            }
            ElfError::ProgramHeadersOutsideFile {
                offset,
                len,
                file_len,
            } => write!(
                f,
                "program headers at {offset:#x}+{len:#x} reach past the end of the \
                 {file_len}-byte file (truncated?)"
            ),
            ElfError::DynamicallyLinked => write!(
                f,
                "dynamically linked program (it names an interpreter, PT_INTERP): dynamic \
                 binaries are not supported, link it statically"
            ),
            ElfError::SegmentOutsideFile {
                index,
                offset,
                filesz,
                file_len,
            } => write!(
                f,
                "segment {index}: file bytes {offset:#x}+{filesz:#x} reach past the end of the \
                 {file_len}-byte file (truncated?)"
            ),
            ElfError::FileSizeExceedsMemSize {
                index,
                filesz,
                memsz,
            } => write!(
                f,
                "segment {index}: {filesz:#x} file bytes do not fit in {memsz:#x} bytes of memory"
            ),
            ElfError::BadAlignment { index, align } => {
                write!(
                    f,
                    "segment {index}: alignment {align:#x} is not a sane power of two"
                )
            }
            ElfError::NotPageCongruent {
                index,
                offset,
                vaddr,
                align,
            } => write!(
                f,
                "segment {index}: file offset {offset:#x} and address {vaddr:#x} differ modulo \
                 {align:#x}, so it cannot be mapped page by page"
            ),
            ElfError::TooManySegments(n) => write!(
                f,
                "{n} loadable segments are more than the {} accepted",
                super::MAX_LOAD_SEGMENTS
            ),
            ElfError::NoLoadableSegments => write!(f, "ELF file has no loadable segment"),
            ElfError::SegmentOutsideUserSpace { index, start, end } => write!(
                f,
                "segment {index}: {start:#x}..{end:#x} is outside the user address range \
                 (a kernel-half, non-canonical or too-low address)"
            ),
            ElfError::ImageTooLarge { bytes, limit } => write!(
                f,
                "segments need {} MiB of memory, more than the {} MiB limit",
                bytes >> 20,
                limit >> 20
            ),
            ElfError::SegmentsOverlap { first, second } => {
                write!(f, "segments {first} and {second} overlap in memory")
            }
            ElfError::EntryNotExecutable { entry } => {
                write!(
                    f,
                    "entry point {entry:#x} is not inside an executable segment"
                )
            }
            ElfError::DuplicateHeader { kind, index } => {
                write!(f, "program header {index}: a second {kind} header")
            }
            ElfError::BadTls { index } => write!(
                f,
                "program header {index}: the TLS template is malformed or not inside a loaded \
                 segment"
            ),
            ElfError::BadPhdrSegment { index } => write!(
                f,
                "program header {index}: PT_PHDR does not describe the program-header table \
                 inside a loaded segment"
            ),
        }
    }
}
