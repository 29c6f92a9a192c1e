//! Loading a planned program into the current (fresh) address space and entering it: the
//! first thing a process's thread does, on its own kernel stack and its own P4.

use super::elf::{LoadPlan, Permissions};
use super::image::ProgramImage;
use super::layout::STACK_TOP;
use super::memory::{Vma, VmaKind};
use super::user_stack::{self, ProgramInfo, StackSpec};
use super::{Process, exit_current};
use crate::arch::user_mode;
use crate::memory::address_space::UserAccess;
use crate::syscall::uaccess;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;

/// The environment every program starts with.
const ENVIRONMENT: &[&[u8]] = &[b"PATH=/bin", b"HOME=/", b"TERM=vt100"];

pub struct Program {
    pub path: Vec<u8>,
    pub plan: LoadPlan,
    pub file: &'static [u8],
    pub argv: Vec<Vec<u8>>,
    /// The environment; `None` gives the default one.
    pub envp: Option<Vec<Vec<u8>>>,
}

/// The body of a process's thread: map the program, build its stack, enter ring 3.
pub fn start(process: Arc<Process>, program: Program) -> ! {
    let loaded = load(&process, &program);
    // Entering user mode never returns: the process handle and the program (its argv, its
    // plan) are dropped first, or they would never be freed.
    drop(process);
    let path = match loaded {
        Ok(_) => Vec::new(),
        Err(_) => program.path.clone(),
    };
    drop(program);
    match loaded {
        Ok((entry, rsp)) => {
            // SAFETY: interrupts are off (a new thread starts so); the entry and the stack
            // were just mapped as user pages of the current space; the scheduler named this
            // thread's kernel stack when it switched here.
            unsafe { user_mode::enter(entry, rsp) }
        }
        Err(err) => {
            log::error!("exec {}: {err}", String::from_utf8_lossy(&path));
            drop(path);
            exit_current_with_code(127)
        }
    }
}

fn exit_current_with_code(code: i32) -> ! {
    exit_current((code & 0xff) << 8)
}

fn access(p: Permissions) -> UserAccess {
    UserAccess {
        read: true,
        write: p.write,
        execute: p.execute,
    }
}

pub(super) fn load(process: &Process, program: &Program) -> Result<(u64, u64), &'static str> {
    let plan = &program.plan;
    {
        let mut memory = process.memory.lock();
        // Nothing is mapped yet: each page is filled from the file on first touch.
        for mapping in plan.mappings() {
            memory.add(Vma {
                start: mapping.start,
                end: mapping.end,
                access: access(mapping.permissions),
                kind: VmaKind::Image,
                shared: false,
            });
        }
        memory.image = Some(ProgramImage::new(plan, program.file));
        memory.add_stack_and_heap(plan.image_end());
    }
    let argv: Vec<&[u8]> = program.argv.iter().map(Vec::as_slice).collect();
    let envp: Vec<&[u8]> = match &program.envp {
        Some(envp) => envp.iter().map(Vec::as_slice).collect(),
        None => ENVIRONMENT.to_vec(),
    };
    let mut spec = StackSpec::new(&argv, &envp, ProgramInfo::from_plan(plan));
    spec.random = random_bytes();
    spec.execfn = Some(&program.path);
    spec.platform = Some(b"x86_64");
    let stack = user_stack::build(STACK_TOP, &spec).map_err(|_| "arguments too large")?;
    uaccess::copy_to_user(stack.rsp, &stack.bytes).map_err(|_| "cannot write the stack")?;
    Ok((plan.entry, stack.rsp))
}

/// AT_RANDOM's 16 bytes (the C library's stack-protector and pointer-guard seeds), from the
/// kernel's random source.
fn random_bytes() -> [u8; 16] {
    let mut out = [0; 16];
    crate::random::fill(&mut out);
    out
}
