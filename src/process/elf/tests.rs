//! Host tests of the planner: the committed fixtures (tests/fixtures/elf, rebuilt by
//! tools/mkelf-fixtures.sh), hand-made bad files, and seeded random mutations of the fixtures.

use super::raw::*;
use super::*;
use alloc::format;
use alloc::string::String;
use alloc::vec;

static STATIC_EXEC: &[u8] = include_bytes!("../../../tests/fixtures/elf/static-exec.elf");
static STATIC_PIE: &[u8] = include_bytes!("../../../tests/fixtures/elf/static-pie.elf");

fn policy() -> LoadPolicy {
    LoadPolicy::default()
}

/// One program header for [`elf`].
#[derive(Clone, Copy)]
struct Ph {
    kind: u32,
    flags: u32,
    offset: u64,
    vaddr: u64,
    filesz: u64,
    memsz: u64,
    align: u64,
}

fn load(flags: u32, offset: u64, vaddr: u64, filesz: u64, memsz: u64) -> Ph {
    Ph {
        kind: PT_LOAD,
        flags,
        offset,
        vaddr,
        filesz,
        memsz,
        align: 0x1000,
    }
}

/// A file with an ELF64 header (type `kind`, entry `entry`), the program headers at 64, and
/// enough zero bytes after them to hold every header's file range.
fn elf(kind: u16, entry: u64, phdrs: &[Ph]) -> Vec<u8> {
    let table_end = 64 + phdrs.len() * 56;
    let len = phdrs
        .iter()
        .filter(|p| p.kind == PT_LOAD)
        .filter_map(|p| p.offset.checked_add(p.filesz).filter(|&end| end < 1 << 20))
        .map(|end| end as usize)
        .chain([table_end])
        .max()
        .unwrap();
    let mut f = vec![0u8; len];
    f[..4].copy_from_slice(b"\x7fELF");
    f[4] = ELFCLASS64;
    f[5] = ELFDATA2LSB;
    f[6] = EV_CURRENT;
    f[16..18].copy_from_slice(&kind.to_le_bytes());
    f[18..20].copy_from_slice(&EM_X86_64.to_le_bytes());
    f[20..24].copy_from_slice(&1u32.to_le_bytes());
    f[24..32].copy_from_slice(&entry.to_le_bytes());
    f[32..40].copy_from_slice(&64u64.to_le_bytes());
    f[52..54].copy_from_slice(&64u16.to_le_bytes());
    f[54..56].copy_from_slice(&56u16.to_le_bytes());
    f[56..58].copy_from_slice(&(phdrs.len() as u16).to_le_bytes());
    for (i, p) in phdrs.iter().enumerate() {
        let at = 64 + i * 56;
        f[at..at + 4].copy_from_slice(&p.kind.to_le_bytes());
        f[at + 4..at + 8].copy_from_slice(&p.flags.to_le_bytes());
        f[at + 8..at + 16].copy_from_slice(&p.offset.to_le_bytes());
        f[at + 16..at + 24].copy_from_slice(&p.vaddr.to_le_bytes());
        f[at + 24..at + 32].copy_from_slice(&p.vaddr.to_le_bytes());
        f[at + 32..at + 40].copy_from_slice(&p.filesz.to_le_bytes());
        f[at + 40..at + 48].copy_from_slice(&p.memsz.to_le_bytes());
        f[at + 48..at + 56].copy_from_slice(&p.align.to_le_bytes());
    }
    f
}

/// A valid two-segment static executable: headers and code at 0x400000, data at 0x401000.
fn good_exec() -> Vec<Ph> {
    vec![
        load(PF_R | PF_X, 0, 0x40_0000, 0x200, 0x200),
        load(PF_R | PF_W, 0x1000, 0x40_1000, 0x10, 0x3000),
    ]
}

fn plan_of(kind: u16, entry: u64, phdrs: &[Ph]) -> Result<LoadPlan, ElfError> {
    plan(&elf(kind, entry, phdrs), &policy())
}

/// What every `Ok` plan must satisfy, whatever file it came from.
fn check_invariants(file: &[u8], plan: &LoadPlan, policy: &LoadPolicy) {
    assert!(!plan.segments.is_empty());
    for s in &plan.segments {
        let pages = s.pages();
        assert!(
            pages.start >= policy.min_addr && pages.end <= policy.user_end,
            "{s:?}"
        );
        assert!(s.file_size <= s.mem_size);
        assert_eq!(s.file_bytes(file).len() as u64, s.file_size, "{s:?}");
        assert_eq!(pages.start % PAGE_SIZE, 0);
        assert_eq!(pages.end % PAGE_SIZE, 0);
    }
    for pair in plan.segments.windows(2) {
        assert!(pair[0].memory().end <= pair[1].vaddr, "{pair:?}");
    }
    assert!(
        plan.segments
            .iter()
            .any(|s| s.permissions.execute && s.memory().contains(&plan.entry))
    );
    let maps = plan.mappings();
    for pair in maps.windows(2) {
        assert!(pair[0].end <= pair[1].start, "{maps:?}");
    }
    for m in &maps {
        assert!(m.start < m.end && m.start % PAGE_SIZE == 0 && m.end % PAGE_SIZE == 0);
    }
    let mapped: u64 = maps.iter().map(|m| m.end - m.start).sum();
    assert!(mapped <= policy.max_image_bytes);
    for s in &plan.segments {
        for page in s.pages().step_by(PAGE_SIZE as usize) {
            assert!(maps.iter().any(|m| m.start <= page && page < m.end));
        }
    }
    if let Some(phdr) = plan.phdr_addr {
        let len = u64::from(plan.phnum) * 56;
        assert!(
            plan.segments
                .iter()
                .any(|s| s.vaddr <= phdr && phdr + len <= s.memory().end)
        );
    }
    assert!(plan.image_start() < plan.image_end());
}

#[test]
fn static_executable_fixture_plans_at_link_addresses() {
    let plan = plan(STATIC_EXEC, &policy()).unwrap();
    check_invariants(STATIC_EXEC, &plan, &policy());
    assert_eq!(plan.kind, ElfKind::Executable);
    assert_eq!(plan.bias, 0);
    assert_eq!(plan.entry, 0x40_1000);
    assert_eq!(plan.segments.len(), 4);
    assert_eq!((plan.phent, plan.phnum), (56, 7));
    // The first segment maps the file from offset 0, so the header table is at 0x400040.
    assert_eq!(plan.phdr_addr, Some(0x40_0040));
    assert!(!plan.stack_executable);
    let text = plan.segments[1];
    assert_eq!(
        text.permissions,
        Permissions {
            read: true,
            write: false,
            execute: true
        }
    );
    let data = plan.segments[3];
    assert!(data.permissions.write && !data.permissions.execute);
    assert!(data.mem_size > data.file_size, ".bss is zero-filled");
    let tls = plan.tls.expect("the fixture has a TLS variable");
    assert_eq!((tls.file_size, tls.mem_size, tls.align), (8, 8, 8));
    assert_eq!(
        &data.file_bytes(STATIC_EXEC)[..8],
        &7u64.to_le_bytes(),
        "tls_value = 7"
    );
    assert_eq!(plan.image_start(), 0x40_0000);
    assert_eq!(plan.image_end() % PAGE_SIZE, 0);
}

#[test]
fn static_pie_fixture_moves_to_the_pie_base() {
    let plan = plan(STATIC_PIE, &policy()).unwrap();
    check_invariants(STATIC_PIE, &plan, &policy());
    assert_eq!(plan.kind, ElfKind::PositionIndependent);
    assert_eq!(plan.bias, PIE_BASE);
    assert_eq!(plan.image_start(), PIE_BASE);
    assert_eq!(plan.entry, PIE_BASE + 0x1000);
    assert_eq!(plan.phdr_addr, Some(PIE_BASE + 0x40));
    assert!(plan.has_dynamic);
    assert!(plan.tls.unwrap().vaddr > PIE_BASE);

    // Any aligned base works; an unaligned one is rounded up to the segments' alignment.
    let moved = LoadPolicy {
        pie_base: 0x20_0123,
        ..policy()
    };
    let plan = super::plan(STATIC_PIE, &moved).unwrap();
    assert_eq!(plan.bias, 0x20_1000);
    check_invariants(STATIC_PIE, &plan, &moved);
}

#[test]
fn hand_made_file_plans() {
    let plan = plan_of(ET_EXEC, 0x40_0100, &good_exec()).unwrap();
    assert_eq!(plan.segments.len(), 2);
    assert_eq!(plan.image_end(), 0x40_4000);
    assert_eq!(plan.phdr_addr, Some(0x40_0040));
}

#[test]
fn truncated_files() {
    for len in [0, 3, 4, 63] {
        let err = plan(&STATIC_EXEC[..len], &policy()).unwrap_err();
        assert!(matches!(err, ElfError::TooShort { .. }), "{len}: {err}");
    }
    // Past the header but before the end of the program headers.
    let err = plan(&STATIC_EXEC[..100], &policy()).unwrap_err();
    assert!(
        matches!(err, ElfError::ProgramHeadersOutsideFile { .. }),
        "{err}"
    );
    // Program headers intact, segments cut off.
    let err = plan(&STATIC_EXEC[..0x1800], &policy()).unwrap_err();
    assert!(
        matches!(err, ElfError::SegmentOutsideFile { index: 2, .. }),
        "{err}"
    );
    assert!(format!("{err}").contains("truncated"));
}

#[test]
fn wrong_identity() {
    let mut f = STATIC_EXEC.to_vec();
    f[0] = b'M';
    assert_eq!(plan(&f, &policy()), Err(ElfError::NotElf));

    let cases: [(usize, u8, ElfError); 5] = [
        (4, 1, ElfError::WrongClass(1)),
        (5, 2, ElfError::WrongByteOrder(2)),
        (6, 0, ElfError::WrongVersion(0)),
        (7, 9, ElfError::WrongAbi(9)),
        (16, 1, ElfError::WrongType(ET_REL)),
    ];
    for (at, value, expected) in cases {
        let mut f = STATIC_EXEC.to_vec();
        f[at] = value;
        assert_eq!(plan(&f, &policy()), Err(expected));
    }
    let mut f = STATIC_EXEC.to_vec();
    f[7] = ELFOSABI_GNU;
    assert!(plan(&f, &policy()).is_ok(), "GNU/Linux OS/ABI is fine");
}

#[test]
fn wrong_machine_is_named() {
    for (machine, name) in [
        (EM_AARCH64, "AArch64"),
        (EM_386, "i386"),
        (0x1234, "unknown"),
    ] {
        let mut f = STATIC_EXEC.to_vec();
        f[18..20].copy_from_slice(&machine.to_le_bytes());
        let err = plan(&f, &policy()).unwrap_err();
        assert_eq!(err, ElfError::WrongMachine(machine));
        assert!(format!("{err}").contains(name), "{err}");
    }
}

#[test]
fn header_sizes_and_counts() {
    let mut f = STATIC_EXEC.to_vec();
    f[54] = 32;
    assert!(matches!(
        plan(&f, &policy()),
        Err(ElfError::BadHeaderSize { .. })
    ));
    let mut f = STATIC_EXEC.to_vec();
    f[56..58].copy_from_slice(&0u16.to_le_bytes());
    assert_eq!(plan(&f, &policy()), Err(ElfError::NoProgramHeaders));
    let mut f = STATIC_EXEC.to_vec();
    f[56..58].copy_from_slice(&0xffffu16.to_le_bytes());
    assert_eq!(
        plan(&f, &policy()),
        Err(ElfError::TooManyProgramHeaders(0xffff))
    );
    let mut f = STATIC_EXEC.to_vec();
    f[32..40].copy_from_slice(&u64::MAX.to_le_bytes());
    assert!(matches!(
        plan(&f, &policy()),
        Err(ElfError::ProgramHeadersOutsideFile { .. })
    ));
}

#[test]
fn interpreters_are_refused_with_a_clear_message() {
    let mut phdrs = good_exec();
    phdrs.insert(
        0,
        Ph {
            kind: PT_INTERP,
            flags: PF_R,
            ..load(0, 0x200, 0, 0x1c, 0x1c)
        },
    );
    let err = plan_of(ET_EXEC, 0x40_0100, &phdrs).unwrap_err();
    assert_eq!(err, ElfError::DynamicallyLinked);
    assert!(format!("{err}").contains("dynamic binaries are not supported"));
}

#[test]
fn overlapping_segments() {
    let mut phdrs = good_exec();
    phdrs[1] = load(PF_R | PF_W, 0x100, 0x40_0100, 0x10, 0x10);
    assert_eq!(
        plan_of(ET_EXEC, 0x40_0010, &phdrs),
        Err(ElfError::SegmentsOverlap {
            first: 0,
            second: 1
        })
    );
    // Listed in the other order, and overlapping only through .bss.
    let phdrs = [
        load(PF_R | PF_W, 0x1000, 0x40_1000, 0x10, 0x10),
        load(PF_R | PF_X, 0, 0x40_0000, 0x200, 0x1001),
    ];
    assert_eq!(
        plan_of(ET_EXEC, 0x40_0010, &phdrs),
        Err(ElfError::SegmentsOverlap {
            first: 0,
            second: 1
        })
    );
}

#[test]
fn segments_sharing_a_page_merge_permissions() {
    // Text ends at 0x400210; data starts in the same page at 0x400800 (file offset 0x800).
    let phdrs = [
        load(PF_R | PF_X, 0, 0x40_0000, 0x210, 0x210),
        load(PF_R | PF_W, 0x800, 0x40_0800, 0x10, 0x2000),
    ];
    let plan = plan_of(ET_EXEC, 0x40_0100, &phdrs).unwrap();
    let maps = plan.mappings();
    let rwx = Permissions {
        read: true,
        write: true,
        execute: true,
    };
    let rw = Permissions {
        read: true,
        write: true,
        execute: false,
    };
    assert_eq!(
        maps,
        [
            Mapping {
                start: 0x40_0000,
                end: 0x40_1000,
                permissions: rwx
            },
            Mapping {
                start: 0x40_1000,
                end: 0x40_3000,
                permissions: rw
            },
        ]
    );
}

#[test]
fn kernel_half_and_low_segments() {
    for vaddr in [
        0xFFFF_FFFF_8000_0000u64,
        0xFFFF_8000_0000_0000,
        1 << 47,
        USER_END,
    ] {
        let phdrs = [load(PF_R | PF_X, 0, vaddr, 0x100, 0x100)];
        let err = plan_of(ET_EXEC, vaddr, &phdrs).unwrap_err();
        assert!(
            matches!(err, ElfError::SegmentOutsideUserSpace { index: 0, .. }),
            "{err}"
        );
    }
    // Straddling the end of user space, and wrapping around the address space.
    let phdrs = [load(PF_R | PF_X, 0, USER_END - 0x1000, 0x100, 0x2000)];
    assert!(matches!(
        plan_of(ET_EXEC, USER_END - 0x1000, &phdrs),
        Err(ElfError::SegmentOutsideUserSpace { .. })
    ));
    let phdrs = [load(PF_R | PF_X, 0, 0x40_0000, 0x100, u64::MAX - 0x1000)];
    assert!(matches!(
        plan_of(ET_EXEC, 0x40_0000, &phdrs),
        Err(ElfError::SegmentOutsideUserSpace { .. } | ElfError::ImageTooLarge { .. })
    ));
    // The null page and the first 64 KiB.
    let phdrs = [load(PF_R | PF_X, 0, 0, 0x100, 0x100)];
    assert!(plan_of(ET_EXEC, 0x10, &phdrs).is_err());
    let phdrs = [load(PF_R | PF_X, 0, 0xf000, 0x100, 0x100)];
    assert!(plan_of(ET_EXEC, 0xf010, &phdrs).is_err());
    let phdrs = [load(PF_R | PF_X, 0, 0x1_0000, 0x100, 0x100)];
    assert!(plan_of(ET_EXEC, 0x1_0010, &phdrs).is_ok());
    // A PIE whose bias would push it into the kernel half.
    let high = LoadPolicy {
        pie_base: USER_END - 0x1000,
        ..policy()
    };
    assert!(matches!(
        plan(STATIC_PIE, &high),
        Err(ElfError::SegmentOutsideUserSpace { .. })
    ));
}

#[test]
fn absurd_sizes() {
    let phdrs = [
        load(PF_R | PF_X, 0, 0x40_0000, 0x100, 0x100),
        load(PF_R | PF_W, 0x1000, 0x40_1000, 0, 0x7000_0000_0000),
    ];
    let err = plan_of(ET_EXEC, 0x40_0000, &phdrs).unwrap_err();
    assert!(matches!(err, ElfError::ImageTooLarge { .. }), "{err}");
    assert!(format!("{err}").contains("MiB"));

    let phdrs = [load(PF_R | PF_X, 0, 0x40_0000, u64::MAX, u64::MAX)];
    assert!(matches!(
        plan_of(ET_EXEC, 0x40_0000, &phdrs),
        Err(ElfError::SegmentOutsideFile { .. })
    ));
    let phdrs = [load(PF_R | PF_X, u64::MAX - 1, 0x40_0000, 4, 4)];
    assert!(matches!(
        plan_of(ET_EXEC, 0x40_0000, &phdrs),
        Err(ElfError::SegmentOutsideFile { .. })
    ));
    let phdrs = [load(PF_R | PF_X, 0, 0x40_0000, 0x100, 0x80)];
    assert!(matches!(
        plan_of(ET_EXEC, 0x40_0000, &phdrs),
        Err(ElfError::FileSizeExceedsMemSize { .. })
    ));
    let many: Vec<Ph> = (0..40)
        .map(|i| load(PF_R | PF_X, 0, 0x40_0000 + i * 0x1000, 1, 1))
        .collect();
    assert!(matches!(
        plan_of(ET_EXEC, 0x40_0000, &many),
        Err(ElfError::TooManySegments(_))
    ));
}

#[test]
fn alignment_and_congruence() {
    let mut phdrs = good_exec();
    phdrs[1].align = 0x1800;
    assert!(matches!(
        plan_of(ET_EXEC, 0x40_0100, &phdrs),
        Err(ElfError::BadAlignment { .. })
    ));
    let mut phdrs = good_exec();
    phdrs[1].offset = 0x1010;
    assert!(matches!(
        plan_of(ET_EXEC, 0x40_0100, &phdrs),
        Err(ElfError::NotPageCongruent { index: 1, .. })
    ));
    // p_align 0 or 1 means none, but the page congruence still holds.
    let mut phdrs = good_exec();
    phdrs[1].align = 0;
    assert!(plan_of(ET_EXEC, 0x40_0100, &phdrs).is_ok());
    // Congruent modulo a page but not modulo the 2 MiB alignment the segment asks for.
    let mut phdrs = good_exec();
    phdrs[1].vaddr = 0x40_2000;
    phdrs[1].align = 0x20_0000;
    assert!(matches!(
        plan_of(ET_EXEC, 0x40_0100, &phdrs),
        Err(ElfError::NotPageCongruent { .. })
    ));
}

#[test]
fn entry_point_must_be_executable() {
    assert!(matches!(
        plan_of(ET_EXEC, 0x40_1000, &good_exec()),
        Err(ElfError::EntryNotExecutable { entry: 0x40_1000 })
    ));
    assert!(plan_of(ET_EXEC, 0x50_0000, &good_exec()).is_err());
    assert!(plan_of(ET_EXEC, 0, &good_exec()).is_err());
}

#[test]
fn no_loadable_segment() {
    let phdrs = [Ph {
        kind: PT_GNU_STACK,
        ..load(PF_R | PF_W, 0, 0, 0, 0)
    }];
    assert_eq!(
        plan_of(ET_EXEC, 0, &phdrs),
        Err(ElfError::NoLoadableSegments)
    );
    // Empty PT_LOADs do not count.
    let phdrs = [load(PF_R | PF_X, 0, 0x40_0000, 0, 0)];
    assert_eq!(
        plan_of(ET_EXEC, 0x40_0000, &phdrs),
        Err(ElfError::NoLoadableSegments)
    );
}

#[test]
fn gnu_stack_decides_stack_execution() {
    let mut phdrs = good_exec();
    phdrs.push(Ph {
        kind: PT_GNU_STACK,
        ..load(PF_R | PF_W | PF_X, 0, 0, 0, 0)
    });
    assert!(
        plan_of(ET_EXEC, 0x40_0100, &phdrs)
            .unwrap()
            .stack_executable
    );
    phdrs.last_mut().unwrap().flags = PF_R | PF_W;
    assert!(
        !plan_of(ET_EXEC, 0x40_0100, &phdrs)
            .unwrap()
            .stack_executable
    );
}

#[test]
fn tls_and_phdr_headers() {
    let tls = Ph {
        kind: PT_TLS,
        flags: PF_R,
        ..load(0, 0x1000, 0x40_1000, 8, 16)
    };
    let mut phdrs = good_exec();
    phdrs.push(Ph { align: 8, ..tls });
    let plan = plan_of(ET_EXEC, 0x40_0100, &phdrs).unwrap();
    assert_eq!(
        plan.tls,
        Some(TlsTemplate {
            vaddr: 0x40_1000,
            file_size: 8,
            mem_size: 16,
            align: 8
        })
    );
    // Initial values beyond the data segment's file bytes.
    phdrs.last_mut().unwrap().filesz = 0x20;
    phdrs.last_mut().unwrap().memsz = 0x20;
    assert!(matches!(
        plan_of(ET_EXEC, 0x40_0100, &phdrs),
        Err(ElfError::BadTls { index: 2 })
    ));
    // Two of them.
    let mut phdrs = good_exec();
    phdrs.push(tls);
    phdrs.push(tls);
    assert!(matches!(
        plan_of(ET_EXEC, 0x40_0100, &phdrs),
        Err(ElfError::DuplicateHeader {
            kind: "PT_TLS",
            index: 3
        })
    ));

    // PT_PHDR pointing at the table, and pointing at nothing loaded.
    let phdr = Ph {
        kind: PT_PHDR,
        flags: PF_R,
        ..load(0, 64, 0x40_0040, 3 * 56, 3 * 56)
    };
    let mut phdrs = good_exec();
    phdrs.push(phdr);
    assert_eq!(
        plan_of(ET_EXEC, 0x40_0100, &phdrs).unwrap().phdr_addr,
        Some(0x40_0040)
    );
    phdrs.last_mut().unwrap().vaddr = 0x40_3000;
    assert!(matches!(
        plan_of(ET_EXEC, 0x40_0100, &phdrs),
        Err(ElfError::BadPhdrSegment { index: 2 })
    ));
    // No PT_PHDR and the table outside every segment: no AT_PHDR, but loadable.
    let phdrs = [load(PF_R | PF_X, 0x1000, 0x40_0000, 0x10, 0x10)];
    assert_eq!(plan_of(ET_EXEC, 0x40_0000, &phdrs).unwrap().phdr_addr, None);
}

#[test]
fn every_error_has_words() {
    let errors = [
        ElfError::TooShort { len: 3 },
        ElfError::NotElf,
        ElfError::WrongClass(1),
        ElfError::WrongByteOrder(2),
        ElfError::WrongType(ET_CORE),
        ElfError::WrongMachine(EM_ARM),
        ElfError::TooManySegments(33),
        ElfError::SegmentsOverlap {
            first: 1,
            second: 2,
        },
        ElfError::EntryNotExecutable { entry: 0 },
    ];
    for e in errors {
        let text = format!("{e}");
        assert!(text.len() > 10, "{e:?}: {text}");
    }
}

/// xorshift64*: reproducible pseudo-random numbers for the mutation test.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Values that tend to sit on boundaries the planner checks.
const INTERESTING: [u64; 12] = [
    0,
    1,
    0xfff,
    0x1000,
    0x1_0000,
    0x40_0000,
    USER_END - 0x1000,
    USER_END,
    1 << 47,
    0xFFFF_FFFF_8000_0000,
    i64::MAX as u64,
    u64::MAX,
];

fn mutate(rng: &mut Rng, file: &mut Vec<u8>) {
    for _ in 0..1 + rng.below(6) {
        if file.is_empty() {
            return;
        }
        // Most mutations hit the headers, where the interesting fields are.
        let hot = (64 + 8 * 56).min(file.len());
        let at = if rng.below(4) == 0 {
            rng.below(file.len() as u64)
        } else {
            rng.below(hot as u64)
        } as usize;
        match rng.below(5) {
            0 => file[at] = rng.next() as u8,
            1 => file[at] ^= 1 << rng.below(8),
            2 | 3 => {
                let value = INTERESTING[rng.below(INTERESTING.len() as u64) as usize];
                let value = if rng.below(2) == 0 {
                    value
                } else {
                    value.wrapping_add(rng.below(64))
                };
                let width = [2usize, 4, 8][rng.below(3) as usize];
                let at = at & !(width - 1);
                let end = (at + width).min(file.len());
                file[at..end].copy_from_slice(&value.to_le_bytes()[..end - at]);
            }
            _ => {
                let len = rng.below(file.len() as u64 + 1) as usize;
                file.truncate(len);
            }
        }
    }
}

#[test]
fn random_mutations_never_panic_and_ok_plans_keep_their_promises() {
    let mut rng = Rng(0x4b65_7374_7265_6c21);
    let mut outcomes = std::collections::BTreeMap::<String, usize>::new();
    for round in 0..20_000 {
        let base = if round % 2 == 0 {
            STATIC_EXEC
        } else {
            STATIC_PIE
        };
        let mut file = base.to_vec();
        mutate(&mut rng, &mut file);
        let policy = if round % 7 == 0 {
            LoadPolicy {
                pie_base: rng.next() & !0xfff,
                ..policy()
            }
        } else {
            policy()
        };
        let key = match plan(&file, &policy) {
            Ok(plan) => {
                check_invariants(&file, &plan, &policy);
                String::from("ok")
            }
            Err(e) => {
                assert!(!format!("{e}").is_empty());
                let debug = format!("{e:?}");
                String::from(debug.split([' ', '(']).next().unwrap())
            }
        };
        *outcomes.entry(key).or_default() += 1;
    }
    // The mutations must reach deep checks, not only the magic: a test that only ever hits
    // NotElf proves nothing.
    for kind in [
        "ok",
        "SegmentOutsideFile",
        "SegmentOutsideUserSpace",
        "NotPageCongruent",
    ] {
        assert!(
            outcomes.get(kind).copied().unwrap_or(0) > 20,
            "{kind}: {outcomes:?}"
        );
    }
    assert!(outcomes.len() >= 20, "{outcomes:?}");
}

#[test]
fn random_bytes_behind_a_valid_header_never_panic() {
    let mut rng = Rng(12345);
    for _ in 0..5_000 {
        let len = rng.below(1024) as usize;
        let mut file: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        let header = &STATIC_EXEC[..64.min(len)];
        file[..header.len()].copy_from_slice(header);
        if let Ok(plan) = plan(&file, &policy()) {
            check_invariants(&file, &plan, &policy());
        }
    }
}
