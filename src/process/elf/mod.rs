//! The ELF loader's planner: from the bytes of a static x86_64 program to a [`LoadPlan`] that
//! says what to map where, without touching memory.
//!
//! Static `ET_EXEC` programs load at their link addresses; static-PIE `ET_DYN` programs are
//! moved by a load bias chosen from [`LoadPolicy::pie_base`] (they relocate themselves, musl's
//! `rcrt1` and Rust's static-pie startup both do). Programs that name an interpreter
//! (`PT_INTERP`) are refused: there is no dynamic linker.
//!
//! Every field read from the file is distrusted. Reads are bounds-checked, sums are checked for
//! overflow, and each refusal is an [`ElfError`] that says what is wrong. What the plan promises
//! when it is `Ok`:
//! - every segment's file bytes lie inside the file ([`Segment::file_bytes`] cannot fail);
//! - every segment lies, page-rounded, inside `[policy.min_addr, policy.user_end)`;
//! - segments are sorted by address and share no byte (two may share a page, which
//!   [`LoadPlan::mappings`] merges);
//! - the entry point lies inside an executable segment.
//!
//! Sources: System V gABI ("Program Header", "Program Loading") and the x86_64 psABI §5.

mod error;
mod raw;
#[cfg(test)]
mod tests;

use alloc::vec::Vec;
use core::ops::Range;

pub use error::ElfError;

use super::layout::{PAGE_SIZE, PIE_BASE, USER_END, USER_MIN, page_ceil, page_floor};

/// At most this many non-empty PT_LOAD segments (static programs have three to five).
pub const MAX_LOAD_SEGMENTS: usize = 32;

/// Linux refuses program-header tables larger than 64 KiB (`load_elf_phdrs`); so does Kestrel.
const MAX_PHDR_TABLE: u64 = 64 * 1024;

/// The largest `p_align` accepted: 1 GiB, a huge page; anything larger is nonsense.
const MAX_ALIGN: u64 = 1 << 30;

/// Where a program may go and how large it may be. [`LoadPolicy::default`] is the user half of
/// [`super::layout`] with a 1 GiB limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoadPolicy {
    /// Where the lowest segment of an `ET_DYN` program goes (rounded up to its alignment).
    /// The kernel may randomise it; `ET_EXEC` programs ignore it.
    pub pie_base: u64,
    /// The lowest address a segment may touch.
    pub min_addr: u64,
    /// One past the highest address a segment may touch.
    pub user_end: u64,
    /// The most memory (page-rounded `p_memsz`, summed) a program may ask for.
    pub max_image_bytes: u64,
}

impl Default for LoadPolicy {
    fn default() -> Self {
        LoadPolicy {
            pie_base: PIE_BASE,
            min_addr: USER_MIN,
            user_end: USER_END,
            max_image_bytes: 1 << 30,
        }
    }
}

/// Static executable at a fixed address, or static PIE moved by the load bias.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ElfKind {
    Executable,
    PositionIndependent,
}

/// What a mapping allows, from a segment's `p_flags`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Permissions {
    pub read: bool,
    pub write: bool,
    pub execute: bool,
}

impl Permissions {
    fn from_flags(flags: u32) -> Self {
        Permissions {
            read: flags & raw::PF_R != 0,
            write: flags & raw::PF_W != 0,
            execute: flags & raw::PF_X != 0,
        }
    }

    /// What a page shared by two segments needs: everything either allows.
    pub const fn union(self, other: Permissions) -> Permissions {
        Permissions {
            read: self.read || other.read,
            write: self.write || other.write,
            execute: self.execute || other.execute,
        }
    }
}

/// One PT_LOAD segment, with the load bias applied.
///
/// Memory `[vaddr, vaddr + mem_size)` is the file's `[file_offset, file_offset + file_size)`
/// followed by zeros (`.bss`). The loader maps zeroed pages over [`Segment::pages`], copies
/// [`Segment::file_bytes`] to `vaddr`, and applies the permissions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Segment {
    /// Index of its program header, for messages.
    pub index: u16,
    pub vaddr: u64,
    pub mem_size: u64,
    pub file_offset: u64,
    pub file_size: u64,
    pub permissions: Permissions,
}

impl Segment {
    /// The virtual bytes the segment covers.
    pub const fn memory(&self) -> Range<u64> {
        self.vaddr..self.vaddr + self.mem_size
    }

    /// The page-aligned virtual range to map.
    pub const fn pages(&self) -> Range<u64> {
        // The planner checked that the page-rounded end fits below `user_end`.
        let end = (self.vaddr + self.mem_size).next_multiple_of(PAGE_SIZE);
        page_floor(self.vaddr)..end
    }

    /// The segment's bytes in `file`, which must be the file the plan was made from.
    /// Returns an empty slice rather than panicking when handed another, shorter file.
    pub fn file_bytes<'a>(&self, file: &'a [u8]) -> &'a [u8] {
        let start = self.file_offset as usize;
        start
            .checked_add(self.file_size as usize)
            .and_then(|end| file.get(start..end))
            .unwrap_or(&[])
    }
}

/// One page run to map, with the permissions of every segment that touches it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mapping {
    pub start: u64,
    pub end: u64,
    pub permissions: Permissions,
}

/// The thread-local storage template from PT_TLS, with the load bias applied: the initial
/// values are `[vaddr, vaddr + file_size)` in the loaded image, followed by zeros up to
/// `mem_size`. The C library (or the kernel, for `arch_prctl`-less programs) builds each
/// thread's block from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TlsTemplate {
    pub vaddr: u64,
    pub file_size: u64,
    pub mem_size: u64,
    pub align: u64,
}

/// What to map for a program and how to start it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadPlan {
    pub kind: ElfKind,
    /// Added to every address in the file: 0 for `ET_EXEC`.
    pub bias: u64,
    /// Where execution starts (`AT_ENTRY`), bias applied.
    pub entry: u64,
    /// The loadable segments, sorted by address, pairwise disjoint.
    pub segments: Vec<Segment>,
    /// Where the program headers are in the loaded image (`AT_PHDR`), if they are loaded:
    /// from PT_PHDR, or from the segment whose file bytes contain the table. C libraries find
    /// their TLS template and, for static PIE, their own base through it.
    pub phdr_addr: Option<u64>,
    /// `AT_PHENT` and `AT_PHNUM`.
    pub phent: u16,
    pub phnum: u16,
    /// PT_GNU_STACK asked for an executable stack. Without PT_GNU_STACK the stack is not
    /// executable either: Kestrel does not keep Linux's legacy default for old binaries.
    pub stack_executable: bool,
    pub tls: Option<TlsTemplate>,
    /// The program has a PT_DYNAMIC table (a static PIE relocates itself through it).
    pub has_dynamic: bool,
}

impl LoadPlan {
    /// The lowest mapped address.
    pub fn image_start(&self) -> u64 {
        self.segments.first().map_or(0, |s| s.pages().start)
    }

    /// One past the highest mapped page: where the program break (`brk`) starts.
    pub fn image_end(&self) -> u64 {
        self.segments
            .iter()
            .map(|s| s.pages().end)
            .max()
            .unwrap_or(0)
    }

    /// The page runs to map, sorted and disjoint. A page that two segments share (the end of
    /// one, the start of the next: linkers do this to save file space) appears once, with the
    /// union of their permissions, so it may be writable and executable at once.
    pub fn mappings(&self) -> Vec<Mapping> {
        let mut out: Vec<Mapping> = Vec::with_capacity(self.segments.len() + 2);
        for segment in &self.segments {
            let pages = segment.pages();
            let permissions = segment.permissions;
            match out.last_mut() {
                Some(last) if pages.start < last.end => {
                    // Segments share no byte, so only the previous run's last page is shared.
                    let shared_end = pages.end.min(last.end);
                    let union = last.permissions.union(permissions);
                    last.end = pages.start;
                    if last.start == last.end {
                        out.pop();
                    }
                    out.push(Mapping {
                        start: pages.start,
                        end: shared_end,
                        permissions: union,
                    });
                    if pages.end > shared_end {
                        out.push(Mapping {
                            start: shared_end,
                            end: pages.end,
                            permissions,
                        });
                    }
                }
                _ => out.push(Mapping {
                    start: pages.start,
                    end: pages.end,
                    permissions,
                }),
            }
        }
        out
    }
}

/// A PT_LOAD header that passed the per-header checks, before the bias is applied.
struct RawLoad {
    index: u16,
    header: raw::ProgramHeader,
}

/// What the program-header pass collects.
#[derive(Default)]
struct Headers {
    loads: Vec<RawLoad>,
    phdr: Option<(u16, raw::ProgramHeader)>,
    tls: Option<(u16, raw::ProgramHeader)>,
    stack_executable: bool,
    has_dynamic: bool,
    /// The largest alignment among the loads, at least a page.
    max_align: u64,
}

/// Checks `file` and plans how to load it under `policy`.
pub fn plan(file: &[u8], policy: &LoadPolicy) -> Result<LoadPlan, ElfError> {
    let header = check_file_header(file)?;
    let headers = read_program_headers(file, &header)?;
    let kind = if header.kind == raw::ET_DYN {
        ElfKind::PositionIndependent
    } else {
        ElfKind::Executable
    };
    let bias = match kind {
        ElfKind::Executable => 0,
        ElfKind::PositionIndependent => pie_bias(&headers, policy),
    };

    let mut segments = Vec::with_capacity(headers.loads.len());
    let mut total: u64 = 0;
    for load in &headers.loads {
        let h = &load.header;
        let vaddr = h.vaddr.wrapping_add(bias);
        let outside = ElfError::SegmentOutsideUserSpace {
            index: load.index,
            start: vaddr,
            end: vaddr.wrapping_add(h.memsz),
        };
        let end = vaddr
            .checked_add(h.memsz)
            .and_then(page_ceil)
            .ok_or(outside)?;
        if page_floor(vaddr) < policy.min_addr || end > policy.user_end {
            return Err(outside);
        }
        total = total.saturating_add(end - page_floor(vaddr));
        segments.push(Segment {
            index: load.index,
            vaddr,
            mem_size: h.memsz,
            file_offset: h.offset,
            file_size: h.filesz,
            permissions: Permissions::from_flags(h.flags),
        });
    }
    if total > policy.max_image_bytes {
        return Err(ElfError::ImageTooLarge {
            bytes: total,
            limit: policy.max_image_bytes,
        });
    }

    segments.sort_unstable_by_key(|s| s.vaddr);
    for pair in segments.windows(2) {
        if pair[0].memory().end > pair[1].vaddr {
            let (a, b) = (pair[0].index, pair[1].index);
            return Err(ElfError::SegmentsOverlap {
                first: a.min(b),
                second: a.max(b),
            });
        }
    }

    let entry = header.entry.wrapping_add(bias);
    if !segments
        .iter()
        .any(|s| s.permissions.execute && s.memory().contains(&entry))
    {
        return Err(ElfError::EntryNotExecutable { entry });
    }

    let phdr_len = u64::from(header.phnum) * raw::PHDR_SIZE as u64;
    let phdr_addr = match headers.phdr {
        Some((index, h)) => {
            let addr = h.vaddr.wrapping_add(bias);
            let file_backed = |s: &Segment| {
                let loaded = s.vaddr..s.vaddr + s.file_size;
                addr.checked_add(phdr_len)
                    .is_some_and(|end| loaded.start <= addr && end <= loaded.end)
            };
            if h.memsz < phdr_len || !segments.iter().any(file_backed) {
                return Err(ElfError::BadPhdrSegment { index });
            }
            Some(addr)
        }
        None => segments.iter().find_map(|s| {
            let start = header.phoff.checked_sub(s.file_offset)?;
            (start.checked_add(phdr_len)? <= s.file_size).then(|| s.vaddr + start)
        }),
    };

    let tls = match headers.tls {
        Some((index, h)) => Some(check_tls(index, &h, bias, &segments)?),
        None => None,
    };

    Ok(LoadPlan {
        kind,
        bias,
        entry,
        segments,
        phdr_addr,
        phent: header.phentsize,
        phnum: header.phnum,
        stack_executable: headers.stack_executable,
        tls,
        has_dynamic: headers.has_dynamic,
    })
}

fn check_file_header(file: &[u8]) -> Result<raw::FileHeader, ElfError> {
    if !raw::has_magic(file) {
        return Err(if file.len() < 4 {
            ElfError::TooShort { len: file.len() }
        } else {
            ElfError::NotElf
        });
    }
    let header = raw::FileHeader::parse(file).ok_or(ElfError::TooShort { len: file.len() })?;
    if header.class != raw::ELFCLASS64 {
        return Err(ElfError::WrongClass(header.class));
    }
    if header.data != raw::ELFDATA2LSB {
        return Err(ElfError::WrongByteOrder(header.data));
    }
    if header.ident_version != raw::EV_CURRENT {
        return Err(ElfError::WrongVersion(header.ident_version.into()));
    }
    if header.version != u32::from(raw::EV_CURRENT) {
        return Err(ElfError::WrongVersion(header.version));
    }
    if !matches!(header.os_abi, raw::ELFOSABI_SYSV | raw::ELFOSABI_GNU) {
        return Err(ElfError::WrongAbi(header.os_abi));
    }
    if !matches!(header.kind, raw::ET_EXEC | raw::ET_DYN) {
        return Err(ElfError::WrongType(header.kind));
    }
    if header.machine != raw::EM_X86_64 {
        return Err(ElfError::WrongMachine(header.machine));
    }
    if usize::from(header.ehsize) != raw::EHDR_SIZE
        || usize::from(header.phentsize) != raw::PHDR_SIZE
    {
        return Err(ElfError::BadHeaderSize {
            ehsize: header.ehsize,
            phentsize: header.phentsize,
        });
    }
    if header.phnum == 0 {
        return Err(ElfError::NoProgramHeaders);
    }
    let len = u64::from(header.phnum) * raw::PHDR_SIZE as u64;
    if len > MAX_PHDR_TABLE {
        return Err(ElfError::TooManyProgramHeaders(header.phnum));
    }
    let fits = header
        .phoff
        .checked_add(len)
        .is_some_and(|end| end <= file.len() as u64);
    if !fits {
        return Err(ElfError::ProgramHeadersOutsideFile {
            offset: header.phoff,
            len,
            file_len: file.len(),
        });
    }
    Ok(header)
}

fn read_program_headers(file: &[u8], header: &raw::FileHeader) -> Result<Headers, ElfError> {
    let mut found = Headers {
        max_align: PAGE_SIZE,
        ..Headers::default()
    };
    for index in 0..header.phnum {
        // In bounds: check_file_header checked the whole table against the file.
        let at = header.phoff as usize + usize::from(index) * raw::PHDR_SIZE;
        let Some(h) = raw::ProgramHeader::parse(file, at) else {
            return Err(ElfError::ProgramHeadersOutsideFile {
                offset: header.phoff,
                len: u64::from(header.phnum) * raw::PHDR_SIZE as u64,
                file_len: file.len(),
            });
        };
        match h.kind {
            raw::PT_INTERP => return Err(ElfError::DynamicallyLinked),
            raw::PT_LOAD => {
                check_load(file, index, &h)?;
                if h.memsz == 0 {
                    continue; // Nothing to map.
                }
                if found.loads.len() == MAX_LOAD_SEGMENTS {
                    return Err(ElfError::TooManySegments(MAX_LOAD_SEGMENTS + 1));
                }
                found.max_align = found.max_align.max(h.align);
                found.loads.push(RawLoad { index, header: h });
            }
            raw::PT_PHDR if found.phdr.is_some() => {
                return Err(ElfError::DuplicateHeader {
                    kind: "PT_PHDR",
                    index,
                });
            }
            raw::PT_PHDR => found.phdr = Some((index, h)),
            raw::PT_TLS if found.tls.is_some() => {
                return Err(ElfError::DuplicateHeader {
                    kind: "PT_TLS",
                    index,
                });
            }
            raw::PT_TLS => found.tls = Some((index, h)),
            raw::PT_GNU_STACK => found.stack_executable = h.flags & raw::PF_X != 0,
            raw::PT_DYNAMIC => found.has_dynamic = true,
            _ => {} // Notes, RELRO, EH frames and the like need no loading.
        }
    }
    if found.loads.is_empty() {
        return Err(ElfError::NoLoadableSegments);
    }
    Ok(found)
}

fn check_load(file: &[u8], index: u16, h: &raw::ProgramHeader) -> Result<(), ElfError> {
    let in_file = h
        .offset
        .checked_add(h.filesz)
        .is_some_and(|end| end <= file.len() as u64);
    if !in_file {
        return Err(ElfError::SegmentOutsideFile {
            index,
            offset: h.offset,
            filesz: h.filesz,
            file_len: file.len(),
        });
    }
    if h.filesz > h.memsz {
        return Err(ElfError::FileSizeExceedsMemSize {
            index,
            filesz: h.filesz,
            memsz: h.memsz,
        });
    }
    // 0 and 1 both mean "no alignment" (gABI); mapping file pages still needs page congruence.
    if h.align > MAX_ALIGN || (h.align > 1 && !h.align.is_power_of_two()) {
        return Err(ElfError::BadAlignment {
            index,
            align: h.align,
        });
    }
    let align = h.align.max(PAGE_SIZE);
    if h.offset % align != h.vaddr % align {
        return Err(ElfError::NotPageCongruent {
            index,
            offset: h.offset,
            vaddr: h.vaddr,
            align,
        });
    }
    Ok(())
}

/// The bias that moves the lowest segment of a PIE to `policy.pie_base`, rounded so that every
/// segment keeps its alignment. It may be "negative" (wrapping) for a PIE linked high; the
/// caller checks the biased addresses either way.
fn pie_bias(headers: &Headers, policy: &LoadPolicy) -> u64 {
    let align = headers.max_align;
    let lowest = headers
        .loads
        .iter()
        .map(|l| l.header.vaddr)
        .min()
        .unwrap_or(0);
    let base = policy
        .pie_base
        .checked_next_multiple_of(align)
        .unwrap_or(policy.pie_base);
    base.wrapping_sub(lowest & !(align - 1))
}

fn check_tls(
    index: u16,
    h: &raw::ProgramHeader,
    bias: u64,
    segments: &[Segment],
) -> Result<TlsTemplate, ElfError> {
    let bad = ElfError::BadTls { index };
    if h.filesz > h.memsz || (h.align > 1 && !h.align.is_power_of_two()) || h.align > MAX_ALIGN {
        return Err(bad);
    }
    let vaddr = h.vaddr.wrapping_add(bias);
    let init_end = vaddr.checked_add(h.filesz).ok_or(bad)?;
    // The initial values must be file bytes of one loaded segment.
    let inside = segments
        .iter()
        .any(|s| s.vaddr <= vaddr && init_end <= s.vaddr + s.file_size);
    if !inside && h.filesz > 0 {
        return Err(bad);
    }
    Ok(TlsTemplate {
        vaddr,
        file_size: h.filesz,
        mem_size: h.memsz,
        align: h.align.max(1),
    })
}
