//! Faults raised in ring 3. A page fault inside an anonymous area that is not mapped yet is
//! demand paging: the page is mapped and the instruction runs again. Anything else ends the
//! process with a report (signal, RIP, faulting address) and the kernel carries on.

use super::memory::BadAccess;
use crate::arch::interrupt_frame::InterruptFrame;
use crate::arch::{cpu, exception};
use crate::sched;

/// Linux's signal numbers for the faults (`asm-generic/signal.h`).
pub const SIGILL: i32 = 4;
pub const SIGTRAP: i32 = 5;
pub const SIGBUS: i32 = 7;
pub const SIGFPE: i32 = 8;
pub const SIGKILL: i32 = 9;
pub const SIGSEGV: i32 = 11;
pub const SIGTERM: i32 = 15;
pub const SIGINT: i32 = 2;

pub const fn signal_name(signal: i32) -> &'static str {
    match signal {
        SIGINT => "SIGINT",
        SIGILL => "SIGILL",
        SIGTRAP => "SIGTRAP",
        SIGBUS => "SIGBUS",
        SIGFPE => "SIGFPE",
        SIGKILL => "SIGKILL",
        SIGSEGV => "SIGSEGV",
        SIGTERM => "SIGTERM",
        _ => "signal",
    }
}

/// The page-fault error code bits (Intel SDM vol. 3A §4.7).
const PF_PRESENT: u64 = 1 << 0;
const PF_WRITE: u64 = 1 << 1;
const PF_INSTRUCTION: u64 = 1 << 4;

/// The dispatcher's hook for exceptions from ring 3 (interrupts off).
pub fn user_fault(frame: &mut InterruptFrame) {
    let vector = frame.vector as u8;
    let Some(process) = sched::current_process() else {
        // A kernel thread never runs in ring 3; report it like any other kernel fault.
        panic!("exception {vector} in ring 3 without a process");
    };
    let mut address = None;
    let mut detail = "";
    let signal = match vector {
        0 => SIGFPE,
        3 => SIGTRAP,
        6 => SIGILL,
        16 | 19 => SIGFPE,
        17 => SIGBUS,
        14 => {
            let addr = cpu::page_fault_address();
            address = Some(addr);
            let code = frame.error_code;
            if code & PF_PRESENT == 0 {
                let result = process.memory.lock().fault_in(
                    addr,
                    code & PF_WRITE != 0,
                    code & PF_INSTRUCTION != 0,
                );
                match result {
                    Ok(()) => return,
                    Err(BadAccess::OutOfMemory) => detail = "out of memory",
                    Err(BadAccess::Unmapped) => detail = "unmapped address",
                    Err(BadAccess::Permission) => detail = "access not allowed",
                }
            } else if code & PF_WRITE != 0 {
                match process.memory.lock().fault_write_protected(addr) {
                    Ok(()) => return,
                    Err(BadAccess::OutOfMemory) => detail = "out of memory",
                    Err(_) => detail = "access not allowed",
                }
            } else {
                detail = "access not allowed";
            }
            SIGSEGV
        }
        _ => SIGSEGV,
    };
    let name = exception::name(vector);
    match address {
        Some(addr) => log::error!(
            "pid {} ({}): {} ({name}, {detail}) at RIP {:#x}, address {addr:#x}, error code {:#x}",
            process.pid,
            process.name(),
            signal_name(signal),
            frame.rip,
            frame.error_code
        ),
        None => log::error!(
            "pid {} ({}): {} ({name}) at RIP {:#x}, RSP {:#x}",
            process.pid,
            process.name(),
            signal_name(signal),
            frame.rip,
            frame.rsp
        ),
    }
    // exit_current never returns: this frame's reference must go first, or the process
    // would never be freed.
    drop(process);
    super::exit_current(signal);
}
