//! `crash KIND`: faults on purpose, so that the kernel's user-fault reports can be seen and
//! tested. The kernel must kill the process with a report and carry on.

#![no_std]
#![no_main]

use core::arch::asm;
use rt::{Args, eprintln, println};

rt::entry!(main);

/// Each kind and the fault it raises. Every one of them ends the process before anything it
/// breaks could be used, which is what makes the `unsafe` blocks below sound.
const KINDS: [(&str, fn()); 7] = [
    ("pagefault", page_fault),
    ("write-text", write_text),
    ("gp", general_protection),
    ("ud", invalid_opcode),
    ("div", divide_error),
    ("breakpoint", breakpoint),
    ("kernel-read", kernel_read),
];

fn main(args: Args) -> i32 {
    let wanted = args.str(1).unwrap_or("");
    let Some((kind, fault)) = KINDS.iter().find(|(name, _)| *name == wanted) else {
        eprintln!("usage: crash KIND, where KIND is one of:");
        for (name, _) in KINDS {
            eprintln!("  {name}");
        }
        return 2;
    };
    println!("crash: {kind}");
    fault();
    eprintln!("crash: {kind} did not fault");
    1
}

/// A read of an address nothing maps: #PF, SIGSEGV.
fn page_fault() {
    // SAFETY: the read faults; see KINDS.
    unsafe { core::ptr::read_volatile(0xdead_0000 as *const u64) };
}

/// A write to the program's own code, mapped read-only: #PF (protection), SIGSEGV.
fn write_text() {
    // SAFETY: the write faults; see KINDS.
    unsafe { core::ptr::write_volatile(main as *const () as *mut u8, 0xCC) };
}

/// A privileged instruction in ring 3: #GP, SIGSEGV.
fn general_protection() {
    // SAFETY: `hlt` faults in user mode; see KINDS.
    unsafe { asm!("hlt") };
}

/// An undefined opcode: #UD, SIGILL.
fn invalid_opcode() {
    // SAFETY: `ud2` faults; see KINDS.
    unsafe { asm!("ud2") };
}

/// An unsigned division by zero: #DE, SIGFPE.
fn divide_error() {
    // SAFETY: the division faults; see KINDS.
    unsafe {
        asm!("xor edx, edx", "xor ecx, ecx", "div ecx", out("eax") _, out("edx") _, out("ecx") _)
    };
}

/// `int3`: #BP, SIGTRAP.
fn breakpoint() {
    // SAFETY: the trap ends the process (no debugger is attached); see KINDS.
    unsafe { asm!("int3") };
}

/// A read of the kernel's half, present but supervisor-only: #PF, SIGSEGV.
fn kernel_read() {
    // SAFETY: the read faults; see KINDS.
    unsafe { core::ptr::read_volatile(0xffff_ffff_8010_0000usize as *const u64) };
}
