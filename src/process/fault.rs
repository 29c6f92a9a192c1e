//! Faults raised in ring 3. A page fault inside an anonymous area that is not mapped yet is
//! demand paging: the page is mapped and the instruction runs again. Anything else raises the
//! signal Linux raises (SIGSEGV for #PF and #GP, SIGILL for #UD, SIGFPE for #DE, #MF and #XM,
//! SIGBUS for #AC, SIGTRAP for #BP and #DB), with Linux's `si_code` and address: a handler
//! gets it, or the process ends with a report (signal, RIP, faulting address) and the kernel
//! carries on.

use super::memory::BadAccess;
use super::signal::{self, SigInfo, code, deliver};
use crate::arch::interrupt_frame::InterruptFrame;
use crate::arch::signal_frame::FaultDetails;
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
    if signal <= 0 || signal > 64 {
        return "signal";
    }
    signal::name(signal as u32)
}

/// The page-fault error code bits (Intel SDM vol. 3A §4.7).
const PF_PRESENT: u64 = 1 << 0;
const PF_WRITE: u64 = 1 << 1;
const PF_INSTRUCTION: u64 = 1 << 4;

/// The dispatcher's hook for exceptions from ring 3 (interrupts off): demand paging and
/// copy-on-write, else the signal Linux raises for the fault, delivered to the program's
/// handler or ending it (`signal::deliver::on_fault`).
pub fn user_fault(frame: &mut InterruptFrame) {
    let vector = frame.vector as u8;
    let Some(process) = sched::current_process() else {
        // A kernel thread never runs in ring 3; report it like any other kernel fault.
        panic!("exception {vector} in ring 3 without a process");
    };
    let mut address = None;
    let mut detail = "";
    let info = match vector {
        0 => SigInfo::fault(signal::SIGFPE, code::FPE_INTDIV, frame.rip),
        3 => SigInfo::kernel(signal::SIGTRAP),
        1 => SigInfo::fault(signal::SIGTRAP, code::TRAP_BRKPT, frame.rip),
        6 => SigInfo::fault(signal::SIGILL, code::ILL_ILLOPN, frame.rip),
        16 | 19 => SigInfo::fault(signal::SIGFPE, simd_code(), frame.rip),
        17 => SigInfo::fault(signal::SIGBUS, code::BUS_ADRALN, frame.rip),
        14 => {
            let addr = cpu::page_fault_address();
            address = Some(addr);
            let code = frame.error_code;
            let mut si_code = code::SEGV_ACCERR;
            if code & PF_PRESENT == 0 {
                let result = process.memory.lock().fault_in(
                    addr,
                    code & PF_WRITE != 0,
                    code & PF_INSTRUCTION != 0,
                );
                match result {
                    Ok(()) => return,
                    Err(BadAccess::OutOfMemory) => detail = "out of memory",
                    Err(BadAccess::Unmapped) => {
                        detail = "unmapped address";
                        si_code = code::SEGV_MAPERR;
                    }
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
            SigInfo::fault(signal::SIGSEGV, si_code, addr)
        }
        // #GP and the rest: Linux gives SI_KERNEL with no address.
        _ => SigInfo::kernel(signal::SIGSEGV),
    };
    let name = exception::name(vector);
    let sig = info.signal;
    if !deliver::will_catch(&process, sig) {
        match address {
            Some(addr) => log::error!(
                "pid {} ({}): {} ({name}, {detail}) at RIP {:#x}, address {addr:#x}, error code {:#x}",
                process.pid,
                process.name(),
                signal::name(sig),
                frame.rip,
                frame.error_code
            ),
            None => log::error!(
                "pid {} ({}): {} ({name}) at RIP {:#x}, RSP {:#x}",
                process.pid,
                process.name(),
                signal::name(sig),
                frame.rip,
                frame.rsp
            ),
        }
    }
    let fault = FaultDetails {
        trapno: frame.vector,
        error_code: frame.error_code,
        cr2: address.unwrap_or(0),
    };
    drop(process);
    deliver::on_fault(frame, info, fault);
}

/// `si_code` for an x87 or SIMD floating-point exception: the first unmasked exception
/// flagged in MXCSR (Linux `fpu__exception_code` order).
fn simd_code() -> i32 {
    let state = crate::arch::fpu::FpuState::capture();
    let bytes = state.as_bytes();
    let mxcsr = u32::from_le_bytes(bytes[24..28].try_into().expect("4 bytes"));
    let fsw = u16::from_le_bytes(bytes[2..4].try_into().expect("2 bytes"));
    let fcw = u16::from_le_bytes(bytes[0..2].try_into().expect("2 bytes"));
    // Raised and unmasked, x87 or SSE (flags in bits 0-5, masks in bits 7-12 of MXCSR).
    let raised = (u32::from(fsw & !fcw) | (mxcsr & !(mxcsr >> 7))) & 0x3f;
    if raised & 0x01 != 0 {
        code::FPE_FLTINV
    } else if raised & 0x04 != 0 {
        code::FPE_FLTDIV
    } else if raised & 0x08 != 0 {
        code::FPE_FLTOVF
    } else if raised & 0x12 != 0 {
        code::FPE_FLTUND
    } else if raised & 0x20 != 0 {
        code::FPE_FLTRES
    } else {
        0
    }
}
