//! The on-disk structures the planner reads: the ELF64 file header and program headers, decoded
//! field by field from little-endian bytes through bounds-checked reads (System V gABI, "ELF
//! Header" and "Program Header"; the x86_64 psABI fixes ELFCLASS64 and ELFDATA2LSB).

/// `e_ident[EI_CLASS]`, `e_ident[EI_DATA]` and the version fields' only valid values here.
pub const ELFCLASS64: u8 = 2;
pub const ELFDATA2LSB: u8 = 1;
pub const EV_CURRENT: u8 = 1;
/// `e_ident[EI_OSABI]`: System V, and GNU/Linux (what GNU ld writes for some binaries).
pub const ELFOSABI_SYSV: u8 = 0;
pub const ELFOSABI_GNU: u8 = 3;

pub const ET_REL: u16 = 1;
pub const ET_EXEC: u16 = 2;
pub const ET_DYN: u16 = 3;
pub const ET_CORE: u16 = 4;

pub const EM_386: u16 = 3;
pub const EM_ARM: u16 = 40;
pub const EM_X86_64: u16 = 62;
pub const EM_AARCH64: u16 = 183;
pub const EM_RISCV: u16 = 243;

pub const PT_LOAD: u32 = 1;
pub const PT_DYNAMIC: u32 = 2;
pub const PT_INTERP: u32 = 3;
pub const PT_PHDR: u32 = 6;
pub const PT_TLS: u32 = 7;
pub const PT_GNU_STACK: u32 = 0x6474_e551;

pub const PF_X: u32 = 1;
pub const PF_W: u32 = 2;
pub const PF_R: u32 = 4;

/// `sizeof(Elf64_Ehdr)` and `sizeof(Elf64_Phdr)`.
pub const EHDR_SIZE: usize = 64;
pub const PHDR_SIZE: usize = 56;

/// The fields of the ELF64 file header that loading needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileHeader {
    pub class: u8,
    pub data: u8,
    pub ident_version: u8,
    pub os_abi: u8,
    pub kind: u16,
    pub machine: u16,
    pub version: u32,
    pub entry: u64,
    pub phoff: u64,
    pub ehsize: u16,
    pub phentsize: u16,
    pub phnum: u16,
}

/// One ELF64 program header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProgramHeader {
    pub kind: u32,
    pub flags: u32,
    pub offset: u64,
    pub vaddr: u64,
    pub filesz: u64,
    pub memsz: u64,
    pub align: u64,
}

fn bytes<const N: usize>(data: &[u8], at: usize) -> Option<[u8; N]> {
    data.get(at..at.checked_add(N)?)?.try_into().ok()
}

fn u16_at(data: &[u8], at: usize) -> Option<u16> {
    bytes(data, at).map(u16::from_le_bytes)
}

fn u32_at(data: &[u8], at: usize) -> Option<u32> {
    bytes(data, at).map(u32::from_le_bytes)
}

fn u64_at(data: &[u8], at: usize) -> Option<u64> {
    bytes(data, at).map(u64::from_le_bytes)
}

/// Whether `data` starts with the ELF magic `\x7fELF`.
pub fn has_magic(data: &[u8]) -> bool {
    data.starts_with(b"\x7fELF")
}

impl FileHeader {
    /// Decodes the header at the start of `data`; `None` when `data` is shorter than one.
    pub fn parse(data: &[u8]) -> Option<FileHeader> {
        let header = data.get(..EHDR_SIZE)?;
        Some(FileHeader {
            class: header[4],
            data: header[5],
            ident_version: header[6],
            os_abi: header[7],
            kind: u16_at(header, 16)?,
            machine: u16_at(header, 18)?,
            version: u32_at(header, 20)?,
            entry: u64_at(header, 24)?,
            phoff: u64_at(header, 32)?,
            ehsize: u16_at(header, 52)?,
            phentsize: u16_at(header, 54)?,
            phnum: u16_at(header, 56)?,
        })
    }
}

impl ProgramHeader {
    /// Decodes the program header at byte `at` of `data`; `None` when it does not fit.
    pub fn parse(data: &[u8], at: usize) -> Option<ProgramHeader> {
        let raw = data.get(at..at.checked_add(PHDR_SIZE)?)?;
        Some(ProgramHeader {
            kind: u32_at(raw, 0)?,
            flags: u32_at(raw, 4)?,
            offset: u64_at(raw, 8)?,
            vaddr: u64_at(raw, 16)?,
            filesz: u64_at(raw, 32)?,
            memsz: u64_at(raw, 40)?,
            align: u64_at(raw, 48)?,
        })
    }
}
