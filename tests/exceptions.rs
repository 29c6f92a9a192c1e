//! Exceptions are dispatched, decoded and reported: breakpoints resume, and faults provoked at
//! known instructions arrive at the test hook with the right vector, error code, CR2 and RIP.
//!
//! Each provoking `asm!` block loads the address to resume at into RDX and the address of the
//! faulting instruction into RCX; the hook resumes at the saved RDX.

#![no_std]
#![no_main]

use core::arch::asm;
use kestrel::arch::exception::PageFaultError;
use kestrel::boot::BootInfo;
use kestrel::console::{SCREEN, SERIAL};
use kestrel::trap::{self, ExceptionReport, FaultAction};
use spin::Mutex;
use x86_64::instructions::interrupts::without_interrupts;

kestrel::entry_point!(main);

fn main(_boot: &'static BootInfo) -> ! {
    kestrel::run_tests!(
        breakpoint_resumes,
        invalid_opcode_is_decoded,
        page_fault_on_read_is_decoded,
        page_fault_on_write_is_decoded,
        page_fault_on_instruction_fetch_is_decoded,
        general_protection_fault_names_the_selector,
        stray_software_interrupt_is_caught,
        page_fault_with_console_locks_held_still_reports,
    );
}

/// Canonical, but P4 entry 128 is empty in the boot page tables: never mapped.
const UNMAPPED: u64 = 0x0000_4000_0000_0000;

static SEEN: Mutex<Option<ExceptionReport>> = Mutex::new(None);

fn record_and_resume(report: &ExceptionReport) -> FaultAction {
    *SEEN.lock() = Some(*report);
    FaultAction::ResumeAt(report.frame.regs.rdx)
}

fn record_and_continue(report: &ExceptionReport) -> FaultAction {
    *SEEN.lock() = Some(*report);
    FaultAction::Default
}

/// Runs `provoke` with `hook` installed and returns what the hook saw and where `provoke` said
/// the fault would be.
fn expect_fault(hook: trap::FaultHook, provoke: fn() -> u64) -> (ExceptionReport, u64) {
    *SEEN.lock() = None;
    trap::set_test_fault_hook(Some(hook));
    let fault_at = provoke();
    trap::set_test_fault_hook(None);
    let report = SEEN.lock().take().expect("the hook saw no exception");
    (report, fault_at)
}

fn breakpoint_resumes() {
    let before = trap::breakpoint_count();
    let (report, after_int3) = expect_fault(record_and_continue, || {
        let after: u64;
        // SAFETY: int3 traps to the breakpoint handler, which returns right after it.
        unsafe { asm!("lea {0}, [rip + 2f]", "int3", "2:", out(reg) after) };
        after
    });
    assert_eq!(report.vector, 3);
    // A trap: the saved RIP is already past the int3.
    assert_eq!(report.frame.rip, after_int3);
    assert_eq!(trap::breakpoint_count(), before + 1);
}

fn invalid_opcode_is_decoded() {
    let (report, fault_at) = expect_fault(record_and_resume, || {
        let at: u64;
        // SAFETY: ud2 faults; the hook resumes at label 3, leaving RDX and RCX clobbered.
        unsafe {
            asm!("lea rdx, [rip + 3f]", "lea rcx, [rip + 2f]", "2: ud2", "3:",
                 out("rdx") _, out("rcx") at)
        };
        at
    });
    assert_eq!(report.vector, 6);
    assert_eq!(report.name(), "invalid opcode");
    assert_eq!(report.frame.error_code, 0);
    // A fault: the saved RIP is the faulting instruction itself.
    assert_eq!(report.frame.rip, fault_at);
    assert_eq!(report.overflowed_stack, None);
}

fn read_unmapped() -> u64 {
    let at: u64;
    // SAFETY: the load faults; the hook resumes at label 3. RAX receives nothing.
    unsafe {
        asm!("lea rdx, [rip + 3f]", "lea rcx, [rip + 2f]", "2: mov rax, [{addr}]", "3:",
             addr = in(reg) UNMAPPED, out("rdx") _, out("rcx") at, out("rax") _)
    };
    at
}

fn write_unmapped() -> u64 {
    let at: u64;
    // SAFETY: the store faults and writes nothing; the hook resumes at label 3.
    unsafe {
        asm!("lea rdx, [rip + 3f]", "lea rcx, [rip + 2f]", "2: mov [{addr}], rax", "3:",
             addr = in(reg) UNMAPPED, out("rdx") _, out("rcx") at, out("rax") _)
    };
    at
}

fn page_fault_on_read_is_decoded() {
    let (report, fault_at) = expect_fault(record_and_resume, read_unmapped);
    assert_eq!(report.vector, 14);
    assert_eq!(report.cr2, UNMAPPED);
    assert_eq!(report.frame.rip, fault_at);
    assert_eq!(report.frame.error_code, 0);
    let error = report.page_fault_error().unwrap();
    assert!(!error.contains(PageFaultError::PRESENT));
    assert!(!error.contains(PageFaultError::WRITE));
    assert!(!error.contains(PageFaultError::USER));
}

fn page_fault_on_write_is_decoded() {
    let (report, fault_at) = expect_fault(record_and_resume, write_unmapped);
    assert_eq!(
        (report.vector, report.cr2, report.frame.rip),
        (14, UNMAPPED, fault_at)
    );
    assert_eq!(report.page_fault_error(), Some(PageFaultError::WRITE));
}

fn page_fault_on_instruction_fetch_is_decoded() {
    let (report, _) = expect_fault(record_and_resume, || {
        // SAFETY: the jump faults fetching from an unmapped page; the hook resumes at label 3.
        unsafe {
            asm!("lea rdx, [rip + 3f]", "jmp {addr}", "3:",
                 addr = in(reg) UNMAPPED, out("rdx") _)
        };
        UNMAPPED
    });
    assert_eq!(report.vector, 14);
    // Fetching from an unmapped page faults with RIP and CR2 both at the target.
    assert_eq!((report.frame.rip, report.cr2), (UNMAPPED, UNMAPPED));
    if kestrel::boot::info().nx_enabled {
        // The instruction-fetch bit is only reported with EFER.NXE (SDM vol. 3A §4.7).
        assert!(
            report
                .page_fault_error()
                .unwrap()
                .contains(PageFaultError::INSTRUCTION_FETCH)
        );
    }
}

fn general_protection_fault_names_the_selector() {
    let (report, fault_at) = expect_fault(record_and_resume, || {
        let at: u64;
        // SAFETY: GDT entry 511 is past the GDT's limit, so loading it into DS faults before DS
        // changes; the hook resumes at label 3.
        unsafe {
            asm!("lea rdx, [rip + 3f]", "lea rcx, [rip + 2f]", "mov ax, 0xff8", "2: mov ds, ax",
                 "3:", out("rdx") _, out("rcx") at, out("ax") _)
        };
        at
    });
    assert_eq!(report.vector, 13);
    assert_eq!(report.frame.rip, fault_at);
    assert_eq!(report.frame.error_code, 0xFF8);
    let selector = report.selector_error().unwrap();
    assert_eq!(selector.index, 511);
    assert_eq!(
        selector.table,
        kestrel::arch::exception::DescriptorTable::Gdt
    );
}

fn stray_software_interrupt_is_caught() {
    let (report, _) = expect_fault(record_and_resume, || {
        // SAFETY: vector 0x80 has a gate (every vector does); the hook resumes at label 3.
        unsafe { asm!("lea rdx, [rip + 3f]", "int 0x80", "3:", out("rdx") _) };
        0
    });
    assert_eq!(report.vector, 0x80);
    assert_eq!(report.name(), "unexpected interrupt");
}

fn report_and_resume(report: &ExceptionReport) -> FaultAction {
    trap::print_report(report);
    record_and_resume(report)
}

/// A fault inside the console (both locks held, as in the middle of a `println!`) must still get
/// its report out; tests/qemu/exceptions.conf checks the serial side, this checks the screen.
fn page_fault_with_console_locks_held_still_reports() {
    *SEEN.lock() = None;
    trap::set_test_fault_hook(Some(report_and_resume));
    without_interrupts(|| {
        let screen = SCREEN.lock();
        let serial = SERIAL.lock();
        read_unmapped();
        drop(serial);
        drop(screen);
    });
    trap::set_test_fault_hook(None);
    let report = SEEN.lock().take().expect("the hook saw no exception");
    assert_eq!((report.vector, report.cr2), (14, UNMAPPED));
    let screen = SCREEN.lock();
    let shown = (0..screen.rows()).any(|row| {
        screen
            .row_bytes(row)
            .eq(*b"EXCEPTION: page fault (#PF, vector 14)")
    });
    assert!(shown, "the report is not on the screen");
}
