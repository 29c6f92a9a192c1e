//! The initial stack of a new program, as the System V AMD64 ABI lays it out (§3.4.1 "Initial
//! Stack and Register State", figure 3.9) and as Linux fills it in (`create_elf_tables`).
//!
//! From `rsp` upwards at entry:
//!
//! ```text
//! rsp ->  argc
//!         argv[0] .. argv[argc-1], NULL
//!         envp[0] .. envp[n-1], NULL
//!         auxv: (type, value) pairs, ending with (AT_NULL, 0)
//!         padding to 16 bytes
//!         AT_RANDOM's 16 bytes, the AT_PLATFORM string
//!         argument strings, environment strings, the AT_EXECFN string
//!         8 zero bytes (end marker)
//! top ->
//! ```
//!
//! `rsp` is 16-byte aligned, as the ABI requires at process entry (no return address is
//! pushed). [`build`] returns the bytes of `[rsp, top)` and `rsp`; the kernel copies them to the
//! top of the new stack mapping and enters user mode with that `rsp`.

use alloc::vec::Vec;
use core::fmt;

use super::elf::LoadPlan;
use super::layout::{PAGE_SIZE, USER_END, USER_MIN};

/// Auxiliary vector types (System V AMD64 ABI §3.4.3, Linux `include/uapi/linux/auxvec.h`).
pub mod auxv {
    pub const AT_NULL: u64 = 0;
    pub const AT_PHDR: u64 = 3;
    pub const AT_PHENT: u64 = 4;
    pub const AT_PHNUM: u64 = 5;
    pub const AT_PAGESZ: u64 = 6;
    pub const AT_BASE: u64 = 7;
    pub const AT_FLAGS: u64 = 8;
    pub const AT_ENTRY: u64 = 9;
    pub const AT_UID: u64 = 11;
    pub const AT_EUID: u64 = 12;
    pub const AT_GID: u64 = 13;
    pub const AT_EGID: u64 = 14;
    pub const AT_PLATFORM: u64 = 15;
    pub const AT_HWCAP: u64 = 16;
    pub const AT_CLKTCK: u64 = 17;
    pub const AT_SECURE: u64 = 23;
    pub const AT_RANDOM: u64 = 25;
    pub const AT_HWCAP2: u64 = 26;
    pub const AT_EXECFN: u64 = 31;
    pub const AT_SYSINFO_EHDR: u64 = 33;
    pub const AT_MINSIGSTKSZ: u64 = 51;
}

/// The argument and environment bytes (strings, terminators and pointers) a stack may hold by
/// default: 128 KiB, the `ARG_MAX` Linux had before it scaled with the stack limit.
pub const DEFAULT_MAX_BYTES: usize = 128 * 1024;

/// Linux's `MAX_ARG_STRLEN`: no single argument or environment string may be longer (32 pages).
pub const MAX_STRING_LEN: usize = 32 * PAGE_SIZE as usize;

/// Linux errno values for [`StackError::errno`].
const E2BIG: i32 = 7;
const EINVAL: i32 = 22;

/// The loaded program, as the auxiliary vector describes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ProgramInfo {
    /// `AT_PHDR`; 0 when the program headers are not in memory.
    pub phdr: u64,
    pub phent: u16,
    pub phnum: u16,
    pub entry: u64,
    /// `AT_BASE`: the interpreter's base; 0 for a static program.
    pub base: u64,
}

impl ProgramInfo {
    pub fn from_plan(plan: &LoadPlan) -> Self {
        ProgramInfo {
            phdr: plan.phdr_addr.unwrap_or(0),
            phent: plan.phent,
            phnum: plan.phnum,
            entry: plan.entry,
            base: 0,
        }
    }
}

/// The identities the new program runs with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Credentials {
    pub uid: u32,
    pub euid: u32,
    pub gid: u32,
    pub egid: u32,
}

impl Credentials {
    /// `AT_SECURE`: the C library distrusts the environment when the effective identity differs
    /// from the real one (a set-user-ID program).
    pub const fn secure(&self) -> bool {
        self.uid != self.euid || self.gid != self.egid
    }
}

/// Everything that goes on the stack.
#[derive(Debug, Clone, Copy)]
pub struct StackSpec<'a> {
    /// Argument strings, without their NUL terminators.
    pub argv: &'a [&'a [u8]],
    /// Environment strings (`NAME=value`), without terminators.
    pub envp: &'a [&'a [u8]],
    /// The path the program was executed by (`AT_EXECFN`), if given.
    pub execfn: Option<&'a [u8]>,
    /// `AT_PLATFORM`, e.g. `b"x86_64"`, if given.
    pub platform: Option<&'a [u8]>,
    /// The 16 random bytes `AT_RANDOM` points at (stack protector and pointer guard seeds).
    pub random: [u8; 16],
    pub program: ProgramInfo,
    pub credentials: Credentials,
    /// `AT_HWCAP`: on x86, CPUID.01H:EDX, as Linux passes it.
    pub hwcap: u64,
    /// `AT_CLKTCK`: the `times()` tick rate, 100 on Linux.
    pub clock_ticks: u64,
    /// More (type, value) pairs, placed before `AT_NULL`: `AT_SYSINFO_EHDR` once there is a
    /// vDSO, `AT_MINSIGSTKSZ`, ...
    pub extra_aux: &'a [(u64, u64)],
    /// The most bytes [`build`] may produce (see [`DEFAULT_MAX_BYTES`]).
    pub max_bytes: usize,
}

impl<'a> StackSpec<'a> {
    /// A stack for `argv` and `envp` with the other fields at their defaults: no execfn, root
    /// credentials, platform `x86_64`, 100 clock ticks, zero random bytes (fill them in).
    pub fn new(argv: &'a [&'a [u8]], envp: &'a [&'a [u8]], program: ProgramInfo) -> Self {
        StackSpec {
            argv,
            envp,
            execfn: None,
            platform: Some(b"x86_64"),
            random: [0; 16],
            program,
            credentials: Credentials::default(),
            hwcap: 0,
            clock_ticks: 100,
            extra_aux: &[],
            max_bytes: DEFAULT_MAX_BYTES,
        }
    }
}

/// The built stack: `bytes` go to `[rsp, top)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InitialStack {
    pub bytes: Vec<u8>,
    /// The initial stack pointer, 16-byte aligned; `argc` is at this address.
    pub rsp: u64,
    /// Where `argv[0]` and `envp[0]`'s pointers are: the C runtime's `argv` and `environ`.
    pub argv: u64,
    pub envp: u64,
    /// Where the auxiliary vector starts.
    pub auxv: u64,
    /// Where the 16 `AT_RANDOM` bytes are.
    pub random: u64,
}

/// Which string a [`StackError`] is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StringKind {
    Argument,
    Environment,
    ExecFn,
    Platform,
}

/// Why a stack could not be built.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StackError {
    /// Arguments and environment need more than the limit (`E2BIG`).
    TooLarge { bytes: usize, limit: usize },
    /// One string is longer than [`MAX_STRING_LEN`] (`E2BIG`).
    StringTooLong {
        kind: StringKind,
        index: usize,
        len: usize,
    },
    /// A string contains a NUL byte, so the program would see it cut short (`EINVAL`).
    InteriorNul { kind: StringKind, index: usize },
    /// The stack top is not 16-byte aligned or not in user space: a kernel bug (`EINVAL`).
    BadTop(u64),
    /// The stack would reach below the lowest user address (`E2BIG`).
    BelowUserSpace { rsp_needed: usize },
    /// An extra auxv entry uses `AT_NULL`, which would end the vector early (`EINVAL`).
    ExtraAuxNull,
}

impl StackError {
    pub const fn errno(&self) -> i32 {
        match self {
            StackError::TooLarge { .. }
            | StackError::StringTooLong { .. }
            | StackError::BelowUserSpace { .. } => E2BIG,
            StackError::InteriorNul { .. } | StackError::BadTop(_) | StackError::ExtraAuxNull => {
                EINVAL
            }
        }
    }
}

impl fmt::Display for StringKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            StringKind::Argument => "argument",
            StringKind::Environment => "environment string",
            StringKind::ExecFn => "executable path",
            StringKind::Platform => "platform string",
        })
    }
}

impl fmt::Display for StackError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            StackError::TooLarge { bytes, limit } => write!(
                f,
                "arguments and environment need {bytes} bytes of stack, more than the {limit} \
                 allowed"
            ),
            StackError::StringTooLong { kind, index, len } => write!(
                f,
                "{kind} {index} is {len} bytes long, more than the {MAX_STRING_LEN} allowed"
            ),
            StackError::InteriorNul { kind, index } => {
                write!(f, "{kind} {index} contains a NUL byte")
            }
            StackError::BadTop(top) => {
                write!(
                    f,
                    "stack top {top:#x} is not a 16-byte aligned user address"
                )
            }
            StackError::BelowUserSpace { rsp_needed } => {
                write!(
                    f,
                    "a {rsp_needed}-byte initial stack does not fit above the lowest user address"
                )
            }
            StackError::ExtraAuxNull => write!(f, "an extra auxv entry is AT_NULL"),
        }
    }
}

/// Lays out the initial stack below `top` (exclusive, 16-byte aligned, at most [`USER_END`]).
pub fn build(top: u64, spec: &StackSpec<'_>) -> Result<InitialStack, StackError> {
    if !top.is_multiple_of(16) || !(USER_MIN..=USER_END).contains(&top) {
        return Err(StackError::BadTop(top));
    }
    if spec.extra_aux.iter().any(|&(key, _)| key == auxv::AT_NULL) {
        return Err(StackError::ExtraAuxNull);
    }

    // Sizes first, so that nothing is allocated for a request over the limit.
    let mut strings = 0usize;
    let mut check = |kind: StringKind, index: usize, s: &[u8]| {
        if s.len() > MAX_STRING_LEN {
            return Err(StackError::StringTooLong {
                kind,
                index,
                len: s.len(),
            });
        }
        if s.contains(&0) {
            return Err(StackError::InteriorNul { kind, index });
        }
        strings = strings.saturating_add(s.len() + 1);
        Ok(())
    };
    for (i, s) in spec.argv.iter().enumerate() {
        check(StringKind::Argument, i, s)?;
    }
    for (i, s) in spec.envp.iter().enumerate() {
        check(StringKind::Environment, i, s)?;
    }
    if let Some(s) = spec.execfn {
        check(StringKind::ExecFn, 0, s)?;
    }
    if let Some(s) = spec.platform {
        check(StringKind::Platform, 0, s)?;
    }

    let aux = aux_entries(spec);
    let address_valued =
        usize::from(spec.platform.is_some()) + 1 + usize::from(spec.execfn.is_some());
    let aux_count = aux.len() + address_valued + spec.extra_aux.len() + 1; // + AT_NULL
    let pointers = 1usize
        .saturating_add(spec.argv.len() + 1)
        .saturating_add(spec.envp.len() + 1)
        .saturating_mul(8)
        .saturating_add(aux_count * 16);
    // End marker, strings, random bytes, and at most 15 + 15 bytes of alignment padding.
    let total = (8 + 16 + 30usize)
        .saturating_add(strings)
        .saturating_add(pointers);
    if total > spec.max_bytes {
        return Err(StackError::TooLarge {
            bytes: total,
            limit: spec.max_bytes,
        });
    }
    if top - USER_MIN < total as u64 {
        return Err(StackError::BelowUserSpace { rsp_needed: total });
    }

    // Addresses, from the top down.
    let strings_start = top - 8 - strings as u64;
    let random = (strings_start - 16) & !15;
    let block_bytes = pointers as u64;
    let rsp = (random - block_bytes) & !15;

    let mut stack = Writer {
        bytes: alloc::vec![0u8; (top - rsp) as usize],
        base: rsp,
    };
    // Strings ascending from strings_start: platform, argv, envp, execfn.
    let mut at = strings_start;
    let platform = spec.platform.map(|s| stack.put_string(&mut at, s));
    let argv_addrs: Vec<u64> = spec
        .argv
        .iter()
        .map(|s| stack.put_string(&mut at, s))
        .collect();
    let envp_addrs: Vec<u64> = spec
        .envp
        .iter()
        .map(|s| stack.put_string(&mut at, s))
        .collect();
    let execfn = spec.execfn.map(|s| stack.put_string(&mut at, s));
    debug_assert_eq!(at, top - 8);
    stack.put(random, &spec.random);

    let mut at = rsp;
    stack.put_word(&mut at, spec.argv.len() as u64);
    let argv = at;
    for &addr in &argv_addrs {
        stack.put_word(&mut at, addr);
    }
    stack.put_word(&mut at, 0);
    let envp = at;
    for &addr in &envp_addrs {
        stack.put_word(&mut at, addr);
    }
    stack.put_word(&mut at, 0);
    let auxv_addr = at;
    let tail = [
        platform.map(|p| (auxv::AT_PLATFORM, p)),
        Some((auxv::AT_RANDOM, random)),
        execfn.map(|p| (auxv::AT_EXECFN, p)),
    ];
    for (key, value) in aux.iter().copied().chain(tail.into_iter().flatten()) {
        stack.put_word(&mut at, key);
        stack.put_word(&mut at, value);
    }
    for &(key, value) in spec.extra_aux {
        stack.put_word(&mut at, key);
        stack.put_word(&mut at, value);
    }
    stack.put_word(&mut at, auxv::AT_NULL);
    stack.put_word(&mut at, 0);
    debug_assert!(at <= random && at - rsp == block_bytes);

    Ok(InitialStack {
        bytes: stack.bytes,
        rsp,
        argv,
        envp,
        auxv: auxv_addr,
        random,
    })
}

/// The auxv entries with fixed values; [`build`] appends the three whose values are stack
/// addresses (AT_PLATFORM, AT_RANDOM, AT_EXECFN), then the extra ones and AT_NULL.
fn aux_entries(spec: &StackSpec<'_>) -> [(u64, u64); 14] {
    let p = &spec.program;
    let c = &spec.credentials;
    [
        (auxv::AT_HWCAP, spec.hwcap),
        (auxv::AT_PAGESZ, PAGE_SIZE),
        (auxv::AT_CLKTCK, spec.clock_ticks),
        (auxv::AT_PHDR, p.phdr),
        (auxv::AT_PHENT, u64::from(p.phent)),
        (auxv::AT_PHNUM, u64::from(p.phnum)),
        (auxv::AT_BASE, p.base),
        (auxv::AT_FLAGS, 0),
        (auxv::AT_ENTRY, p.entry),
        (auxv::AT_UID, u64::from(c.uid)),
        (auxv::AT_EUID, u64::from(c.euid)),
        (auxv::AT_GID, u64::from(c.gid)),
        (auxv::AT_EGID, u64::from(c.egid)),
        (auxv::AT_SECURE, u64::from(c.secure())),
    ]
}

/// Writes into the stack image by user address.
struct Writer {
    bytes: Vec<u8>,
    base: u64,
}

impl Writer {
    fn put(&mut self, addr: u64, data: &[u8]) {
        let at = (addr - self.base) as usize;
        self.bytes[at..at + data.len()].copy_from_slice(data);
    }

    fn put_word(&mut self, at: &mut u64, value: u64) {
        self.put(*at, &value.to_le_bytes());
        *at += 8;
    }

    /// Writes `s` and its NUL at `*at`, advances `*at`, returns where `s` starts.
    fn put_string(&mut self, at: &mut u64, s: &[u8]) -> u64 {
        let start = *at;
        self.put(start, s);
        self.put(start + s.len() as u64, &[0]);
        *at += s.len() as u64 + 1;
        start
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    const TOP: u64 = 0x7fff_ffff_e000;

    /// The stack as a program sees it, read back through its pointers.
    #[derive(Debug)]
    struct Parsed {
        argv: Vec<Vec<u8>>,
        envp: Vec<Vec<u8>>,
        auxv: Vec<(u64, u64)>,
    }

    fn word(stack: &InitialStack, addr: u64) -> u64 {
        let at = (addr - stack.rsp) as usize;
        u64::from_le_bytes(stack.bytes[at..at + 8].try_into().unwrap())
    }

    fn c_string(stack: &InitialStack, addr: u64) -> Vec<u8> {
        assert!(
            addr >= stack.rsp && addr < TOP,
            "string pointer {addr:#x} outside the stack"
        );
        let rest = &stack.bytes[(addr - stack.rsp) as usize..];
        let len = rest
            .iter()
            .position(|&b| b == 0)
            .expect("unterminated string");
        rest[..len].to_vec()
    }

    fn parse(stack: &InitialStack) -> Parsed {
        assert_eq!(stack.rsp % 16, 0, "rsp must be 16-byte aligned at entry");
        assert_eq!(stack.bytes.len() as u64, TOP - stack.rsp);
        let argc = word(stack, stack.rsp);
        let mut at = stack.rsp + 8;
        assert_eq!(at, stack.argv);
        let mut argv = Vec::new();
        for _ in 0..argc {
            argv.push(c_string(stack, word(stack, at)));
            at += 8;
        }
        assert_eq!(word(stack, at), 0, "argv ends with NULL");
        at += 8;
        assert_eq!(at, stack.envp);
        let mut envp = Vec::new();
        while word(stack, at) != 0 {
            envp.push(c_string(stack, word(stack, at)));
            at += 8;
        }
        at += 8;
        assert_eq!(at, stack.auxv);
        let mut auxv = Vec::new();
        loop {
            let (key, value) = (word(stack, at), word(stack, at + 8));
            at += 16;
            if key == auxv::AT_NULL {
                break;
            }
            auxv.push((key, value));
        }
        assert_eq!(&stack.bytes[stack.bytes.len() - 8..], &[0; 8], "end marker");
        Parsed { argv, envp, auxv }
    }

    fn aux(parsed: &Parsed, key: u64) -> Option<u64> {
        parsed
            .auxv
            .iter()
            .find(|&&(k, _)| k == key)
            .map(|&(_, v)| v)
    }

    fn program() -> ProgramInfo {
        ProgramInfo {
            phdr: 0x40_0040,
            phent: 56,
            phnum: 7,
            entry: 0x40_1000,
            base: 0,
        }
    }

    #[test]
    fn argv_envp_and_auxv_read_back() {
        let argv: [&[u8]; 3] = [b"/bin/cat", b"-n", b"/etc/motd"];
        let envp: [&[u8]; 2] = [b"PATH=/bin", b"HOME=/"];
        let mut spec = StackSpec::new(&argv, &envp, program());
        spec.execfn = Some(b"/bin/cat");
        spec.random = *b"0123456789abcdef";
        spec.credentials = Credentials {
            uid: 1000,
            euid: 1000,
            gid: 100,
            egid: 100,
        };
        spec.hwcap = 0x178b_fbff;
        let stack = build(TOP, &spec).unwrap();
        let parsed = parse(&stack);
        assert_eq!(parsed.argv, argv.map(<[u8]>::to_vec));
        assert_eq!(parsed.envp, envp.map(<[u8]>::to_vec));

        use auxv::*;
        assert_eq!(aux(&parsed, AT_PHDR), Some(0x40_0040));
        assert_eq!(aux(&parsed, AT_PHENT), Some(56));
        assert_eq!(aux(&parsed, AT_PHNUM), Some(7));
        assert_eq!(aux(&parsed, AT_PAGESZ), Some(4096));
        assert_eq!(aux(&parsed, AT_ENTRY), Some(0x40_1000));
        assert_eq!(aux(&parsed, AT_BASE), Some(0));
        assert_eq!(aux(&parsed, AT_UID), Some(1000));
        assert_eq!(aux(&parsed, AT_EUID), Some(1000));
        assert_eq!(aux(&parsed, AT_GID), Some(100));
        assert_eq!(aux(&parsed, AT_EGID), Some(100));
        assert_eq!(aux(&parsed, AT_SECURE), Some(0));
        assert_eq!(aux(&parsed, AT_HWCAP), Some(0x178b_fbff));
        assert_eq!(aux(&parsed, AT_CLKTCK), Some(100));
        let random = aux(&parsed, AT_RANDOM).unwrap();
        assert_eq!(random, stack.random);
        let at = (random - stack.rsp) as usize;
        assert_eq!(&stack.bytes[at..at + 16], b"0123456789abcdef");
        assert_eq!(
            c_string(&stack, aux(&parsed, AT_EXECFN).unwrap()),
            b"/bin/cat"
        );
        assert_eq!(
            c_string(&stack, aux(&parsed, AT_PLATFORM).unwrap()),
            b"x86_64"
        );
        // Every key once.
        let mut keys: Vec<u64> = parsed.auxv.iter().map(|&(k, _)| k).collect();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), parsed.auxv.len());
    }

    #[test]
    fn rsp_is_aligned_for_every_count_and_length() {
        let long = [b'x'; 40];
        for argc in 0..6 {
            for envc in 0..4 {
                for len in 0..17 {
                    let argv: Vec<&[u8]> = (0..argc).map(|_| &long[..len]).collect();
                    let envp: Vec<&[u8]> = (0..envc).map(|_| &long[..len + 1]).collect();
                    let mut spec = StackSpec::new(&argv, &envp, program());
                    if len % 2 == 0 {
                        spec.execfn = Some(&long[..len]);
                        spec.platform = None;
                    }
                    let stack = build(TOP, &spec).unwrap();
                    let parsed = parse(&stack);
                    assert_eq!(parsed.argv.len(), argc);
                    assert_eq!(parsed.envp.len(), envc);
                    assert_eq!(stack.random % 16, 0);
                    assert_eq!(aux(&parsed, auxv::AT_PLATFORM).is_some(), len % 2 == 1);
                }
            }
        }
    }

    #[test]
    fn secure_when_identities_differ_and_extra_entries_pass_through() {
        let argv: [&[u8]; 1] = [b"su"];
        let mut spec = StackSpec::new(&argv, &[], program());
        spec.credentials = Credentials {
            uid: 1000,
            euid: 0,
            gid: 1000,
            egid: 1000,
        };
        spec.extra_aux = &[
            (auxv::AT_SYSINFO_EHDR, 0x7fff_f000_0000),
            (auxv::AT_MINSIGSTKSZ, 2048),
        ];
        let parsed = parse(&build(TOP, &spec).unwrap());
        assert_eq!(aux(&parsed, auxv::AT_SECURE), Some(1));
        assert_eq!(aux(&parsed, auxv::AT_SYSINFO_EHDR), Some(0x7fff_f000_0000));
        assert_eq!(aux(&parsed, auxv::AT_MINSIGSTKSZ), Some(2048));
        assert_eq!(aux(&parsed, auxv::AT_EXECFN), None);

        spec.extra_aux = &[(auxv::AT_NULL, 1)];
        assert_eq!(build(TOP, &spec), Err(StackError::ExtraAuxNull));
    }

    #[test]
    fn hostile_requests_are_refused() {
        let huge = vec![b'a'; MAX_STRING_LEN + 1];
        let argv: [&[u8]; 2] = [b"ok", &huge];
        let mut spec = StackSpec::new(&argv, &[], program());
        spec.max_bytes = usize::MAX;
        let err = build(TOP, &spec).unwrap_err();
        assert_eq!(
            err,
            StackError::StringTooLong {
                kind: StringKind::Argument,
                index: 1,
                len: huge.len()
            }
        );
        assert_eq!(err.errno(), 7);

        let chunk = vec![b'e'; 1000];
        let envp: Vec<&[u8]> = (0..200).map(|_| &chunk[..]).collect();
        let spec = StackSpec::new(&[], &envp, program());
        let err = build(TOP, &spec).unwrap_err();
        assert!(matches!(err, StackError::TooLarge { .. }), "{err}");
        assert!(alloc::format!("{err}").contains("131072"));

        let envp: [&[u8]; 2] = [b"A=1", b"B=\x002"];
        let err = build(TOP, &StackSpec::new(&[], &envp, program())).unwrap_err();
        assert_eq!(
            err,
            StackError::InteriorNul {
                kind: StringKind::Environment,
                index: 1
            }
        );
        assert_eq!(err.errno(), 22);

        for top in [TOP + 8, USER_END + 16, 0xffff_8000_0000_0000, 0] {
            assert_eq!(
                build(top, &StackSpec::new(&[], &[], program())),
                Err(StackError::BadTop(top))
            );
        }
        // A top just above the lowest user address leaves no room.
        let err = build(USER_MIN + 64, &StackSpec::new(&[], &[], program())).unwrap_err();
        assert!(matches!(err, StackError::BelowUserSpace { .. }));
    }

    #[test]
    fn the_stack_never_exceeds_its_limit() {
        let argv: [&[u8]; 2] = [b"a", b"bc"];
        let envp: [&[u8]; 1] = [b"X=1"];
        let mut first_ok = None;
        for limit in 0..600 {
            let mut spec = StackSpec::new(&argv, &envp, program());
            spec.max_bytes = limit;
            match build(TOP, &spec) {
                Ok(stack) => {
                    assert!(
                        stack.bytes.len() <= limit,
                        "{} > {limit}",
                        stack.bytes.len()
                    );
                    first_ok.get_or_insert(limit);
                }
                Err(e) => assert!(matches!(e, StackError::TooLarge { .. }), "{e}"),
            }
        }
        // The estimate is tight to within the alignment slack.
        let spec = StackSpec::new(&argv, &envp, program());
        let actual = build(TOP, &spec).unwrap().bytes.len();
        assert!(first_ok.unwrap() <= actual + 30, "{first_ok:?} vs {actual}");
    }

    #[test]
    fn from_plan_copies_the_auxv_fields() {
        let file = include_bytes!("../../tests/fixtures/elf/static-exec.elf");
        let plan = super::super::elf::plan(file, &Default::default()).unwrap();
        let info = ProgramInfo::from_plan(&plan);
        assert_eq!(
            info,
            ProgramInfo {
                phdr: 0x40_0040,
                phent: 56,
                phnum: 7,
                entry: 0x40_1000,
                base: 0
            }
        );
    }
}
