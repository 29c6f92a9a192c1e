//! `execve`'s pure half: from a program file and its arguments to everything the kernel maps
//! and the registers it starts with. The kernel then builds the address space from
//! [`ExecImage::plan`]'s mappings and segments, maps [`ExecImage::stack_pages`], copies
//! [`ExecImage::stack`]'s bytes to its `rsp`, and enters ring 3 at `entry` with that `rsp`
//! (and `rdx` = 0: no function for `atexit`, System V AMD64 ABI §3.4.1).

use core::fmt;
use core::ops::Range;

use super::elf::{self, ElfError, LoadPlan, LoadPolicy};
use super::layout::{PAGE_SIZE, STACK_TOP, page_floor};
use super::user_stack::{self, Credentials, InitialStack, ProgramInfo, StackError, StackSpec};

/// The address range kept for the main stack below its top: 8 MiB, Linux's default
/// `RLIMIT_STACK`. No segment may lie in it; the kernel maps it on demand, and the page below
/// it stays unmapped as a guard.
pub const STACK_RESERVE: u64 = 8 << 20;

/// What `execve` was asked to run.
#[derive(Debug, Clone, Copy)]
pub struct ExecRequest<'a> {
    /// The whole program file (an initramfs file's contents, without copying).
    pub file: &'a [u8],
    pub argv: &'a [&'a [u8]],
    pub envp: &'a [&'a [u8]],
    /// The path it was run by, for `AT_EXECFN`.
    pub path: &'a [u8],
    /// 16 fresh random bytes for `AT_RANDOM`.
    pub random: [u8; 16],
    pub credentials: Credentials,
    /// CPUID.01H:EDX, for `AT_HWCAP`.
    pub hwcap: u64,
    pub policy: LoadPolicy,
    /// Where the stack starts (exclusive); [`STACK_TOP`] unless randomised.
    pub stack_top: u64,
}

impl<'a> ExecRequest<'a> {
    /// A request with the default policy, stack top and root credentials.
    pub fn new(file: &'a [u8], path: &'a [u8], argv: &'a [&'a [u8]], envp: &'a [&'a [u8]]) -> Self {
        ExecRequest {
            file,
            argv,
            envp,
            path,
            random: [0; 16],
            credentials: Credentials::default(),
            hwcap: 0,
            policy: LoadPolicy::default(),
            stack_top: STACK_TOP,
        }
    }
}

/// A program ready to be mapped and started.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecImage {
    pub plan: LoadPlan,
    pub stack: InitialStack,
    /// Where execution starts (`rip`).
    pub entry: u64,
    /// The pages the initial stack occupies, which must be mapped before copying it.
    pub stack_pages: Range<u64>,
    /// The whole stack reserve `[top - STACK_RESERVE, top)`; no segment lies in it.
    pub stack_reserve: Range<u64>,
}

/// Why `execve` refused the program.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExecError {
    /// The file is a `#!` script; the caller (or the shell) runs its interpreter.
    Script,
    Elf(ElfError),
    Stack(StackError),
    /// A segment lies in the stack reserve (or the stack top is below the image).
    StackCollides {
        image_end: u64,
        stack_bottom: u64,
    },
}

impl ExecError {
    /// The errno for `execve`.
    pub const fn errno(&self) -> i32 {
        match self {
            ExecError::Script => 8, // ENOEXEC: the shell then runs it with /bin/sh
            ExecError::Elf(e) => e.errno(),
            ExecError::Stack(e) => e.errno(),
            ExecError::StackCollides { .. } => 12, // ENOMEM
        }
    }
}

impl fmt::Display for ExecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExecError::Script => write!(f, "a #! script, not an ELF program"),
            ExecError::Elf(e) => write!(f, "{e}"),
            ExecError::Stack(e) => write!(f, "{e}"),
            ExecError::StackCollides {
                image_end,
                stack_bottom,
            } => write!(
                f,
                "program image (ends at {image_end:#x}) reaches into the stack reserve (from \
                 {stack_bottom:#x})"
            ),
        }
    }
}

/// Plans the program and lays out its stack.
pub fn prepare(request: &ExecRequest<'_>) -> Result<ExecImage, ExecError> {
    if request.file.starts_with(b"#!") {
        return Err(ExecError::Script);
    }
    let plan = elf::plan(request.file, &request.policy).map_err(ExecError::Elf)?;
    let top = request.stack_top;
    let stack_bottom = top.saturating_sub(STACK_RESERVE);
    let collides = plan
        .segments
        .iter()
        .any(|s| s.pages().start < top && stack_bottom < s.pages().end);
    if collides || stack_bottom < request.policy.min_addr {
        return Err(ExecError::StackCollides {
            image_end: plan.image_end(),
            stack_bottom,
        });
    }

    let mut spec = StackSpec::new(request.argv, request.envp, ProgramInfo::from_plan(&plan));
    spec.execfn = Some(request.path);
    spec.random = request.random;
    spec.credentials = request.credentials;
    spec.hwcap = request.hwcap;
    let stack = user_stack::build(top, &spec).map_err(ExecError::Stack)?;
    let stack_pages = page_floor(stack.rsp)..top.next_multiple_of(PAGE_SIZE);
    Ok(ExecImage {
        entry: plan.entry,
        plan,
        stack,
        stack_pages,
        stack_reserve: stack_bottom..top,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    static STATIC_EXEC: &[u8] = include_bytes!("../../tests/fixtures/elf/static-exec.elf");
    static STATIC_PIE: &[u8] = include_bytes!("../../tests/fixtures/elf/static-pie.elf");

    #[test]
    fn prepares_both_fixtures() {
        let argv: [&[u8]; 2] = [b"/bin/hello", b"world"];
        let envp: [&[u8]; 1] = [b"PATH=/bin"];
        for file in [STATIC_EXEC, STATIC_PIE] {
            let mut request = ExecRequest::new(file, b"/bin/hello", &argv, &envp);
            request.random = [9; 16];
            let image = prepare(&request).unwrap();
            assert_eq!(image.entry, image.plan.entry);
            assert!(image.stack_pages.start <= image.stack.rsp);
            assert_eq!(image.stack_pages.end, STACK_TOP);
            assert_eq!(image.stack_pages.start % PAGE_SIZE, 0);
            assert!(image.stack_reserve.start > image.plan.image_end());
            assert_eq!(image.stack.rsp % 16, 0);
        }
    }

    #[test]
    fn scripts_bad_files_and_collisions() {
        let argv: [&[u8]; 1] = [b"x"];
        let request = ExecRequest::new(b"#!/bin/sh\necho hi\n", b"/x", &argv, &[]);
        assert_eq!(prepare(&request), Err(ExecError::Script));
        assert_eq!(ExecError::Script.errno(), 8);

        let request = ExecRequest::new(b"MZ\x90\x00", b"/x", &argv, &[]);
        let err = prepare(&request).unwrap_err();
        assert_eq!(err, ExecError::Elf(ElfError::NotElf));
        assert_eq!(err.errno(), 8);

        // A static-PIE placed right under the stack top collides with the stack reserve.
        let mut request = ExecRequest::new(STATIC_PIE, b"/x", &argv, &[]);
        request.policy.pie_base = STACK_TOP - 0x10_0000;
        let err = prepare(&request).unwrap_err();
        assert!(matches!(err, ExecError::StackCollides { .. }), "{err}");
        assert_eq!(err.errno(), 12);

        // Too many arguments: E2BIG.
        let big = [b'a'; 4000];
        let many: alloc::vec::Vec<&[u8]> = (0..100).map(|_| &big[..]).collect();
        let err = prepare(&ExecRequest::new(STATIC_EXEC, b"/x", &many, &[])).unwrap_err();
        assert_eq!(err.errno(), 7);
    }
}
