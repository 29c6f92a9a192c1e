//! W^X holds for real: writing to `.text` or `.rodata` and executing from the heap, the stack or
//! `.data` each raise a page fault with the expected address and error code.
//!
//! This kernel loads a tiny IDT of its own with only a page-fault gate, whose handler records
//! the fault and resumes the test: after a write it continues at a recovery label the test set,
//! after an instruction fetch from a `call` it returns to the caller. Any fault the test did not
//! expect fails the run.

#![no_std]
#![no_main]

extern crate alloc;

use alloc::boxed::Box;
use core::arch::{asm, naked_asm};
use core::sync::atomic::{AtomicU64, Ordering};
use kestrel::boot::BootInfo;
use kestrel::power::{ExitCode, exit_emulator};
use kestrel::serial_println;
use spin::Once;
use x86_64::VirtAddr;
use x86_64::registers::control::Cr2;
use x86_64::structures::idt::InterruptDescriptorTable;

kestrel::entry_point!(main);

/// Page-fault error code bits (Intel SDM vol. 3A §5.7, figure 5-12).
const PRESENT: u64 = 1 << 0;
const WRITE: u64 = 1 << 1;
const INSTRUCTION_FETCH: u64 = 1 << 4;

/// Where a faulting write resumes (0: no fault expected).
static RECOVERY: AtomicU64 = AtomicU64::new(0);
static FAULT_ADDR: AtomicU64 = AtomicU64::new(0);
static FAULT_CODE: AtomicU64 = AtomicU64::new(0);
static IDT: Once<InterruptDescriptorTable> = Once::new();

fn main(_boot: &'static BootInfo) -> ! {
    let idt = IDT.call_once(|| {
        let mut idt = InterruptDescriptorTable::new();
        // SAFETY: the stub below is a complete page-fault handler: it saves the scratch
        // registers, drops the error code and returns with iretq.
        unsafe {
            idt.page_fault
                .set_handler_addr(VirtAddr::new(page_fault_stub as *const () as u64));
        }
        idt
    });
    idt.load();
    kestrel::run_tests!(
        writing_text_faults,
        writing_rodata_faults,
        executing_heap_faults,
        executing_stack_faults,
        executing_data_faults,
    );
}

/// The CPU pushed SS, RSP, RFLAGS, CS, RIP and the error code; the stack was 16-byte aligned
/// before that (64-bit mode aligns it), so after nine pushes one more 8-byte slot realigns it.
#[unsafe(naked)]
extern "C" fn page_fault_stub() {
    naked_asm!(
        "push rax", "push rcx", "push rdx", "push rsi", "push rdi",
        "push r8", "push r9", "push r10", "push r11",
        "lea rdi, [rsp + 72]",
        "sub rsp, 8",
        "call {handler}",
        "add rsp, 8",
        "pop r11", "pop r10", "pop r9", "pop r8",
        "pop rdi", "pop rsi", "pop rdx", "pop rcx", "pop rax",
        "add rsp, 8",
        "iretq",
        handler = sym on_page_fault,
    );
}

/// `frame`: error code, RIP, CS, RFLAGS, RSP, SS.
extern "C" fn on_page_fault(frame: *mut u64) {
    let addr = Cr2::read_raw();
    // SAFETY: the stub passes the address of the hardware-pushed frame on this stack.
    let (code, rip, rsp) = unsafe { (*frame, *frame.add(1), *frame.add(4)) };
    FAULT_ADDR.store(addr, Ordering::SeqCst);
    FAULT_CODE.store(code, Ordering::SeqCst);
    if code & INSTRUCTION_FETCH != 0 && addr == rip {
        // A `call` into a no-execute page: return to the caller, as `ret` would have.
        // SAFETY: the faulting call pushed its return address at the saved RSP.
        unsafe {
            *frame.add(1) = *(rsp as *const u64);
            *frame.add(4) = rsp + 8;
        }
        return;
    }
    let recovery = RECOVERY.swap(0, Ordering::SeqCst);
    if recovery == 0 {
        serial_println!(
            "[failed]\nunexpected page fault at {addr:#x}, rip {rip:#x}, code {code:#x}"
        );
        exit_emulator(ExitCode::Failed);
    }
    // SAFETY: resuming at the label the test set right after its faulting instruction.
    unsafe { *frame.add(1) = recovery };
}

fn reset() {
    FAULT_ADDR.store(0, Ordering::SeqCst);
    FAULT_CODE.store(u64::MAX, Ordering::SeqCst);
}

/// Writes a byte to `target`, expecting a page fault that skips the write.
fn write_expecting_fault(target: *mut u8) {
    reset();
    // SAFETY: the write is expected to fault and be skipped by the handler; if W^X were broken
    // it would overwrite one byte of kernel code or constants with its own value.
    unsafe {
        asm!(
            "lea {tmp}, [rip + 2f]",
            "mov [{recovery}], {tmp}",
            "mov al, [{target}]",
            "mov [{target}], al",
            "2:",
            tmp = out(reg) _,
            recovery = in(reg) RECOVERY.as_ptr(),
            target = in(reg) target,
            out("al") _,
        );
    }
    RECOVERY.store(0, Ordering::SeqCst);
    assert_faulted(target as u64, PRESENT | WRITE, "no fault on the write");
}

/// The page-fault handler saw a fault at `addr` whose error code has all of `bits`.
fn assert_faulted(addr: u64, bits: u64, missing: &str) {
    assert_eq!(FAULT_ADDR.load(Ordering::SeqCst), addr, "{missing}");
    let code = FAULT_CODE.load(Ordering::SeqCst);
    assert_eq!(code & bits, bits, "error code {code:#x}");
}

/// Calls `target`, which holds a `ret`, expecting an instruction-fetch fault instead.
fn call_expecting_fault(target: *const u8) {
    reset();
    // SAFETY: the page holds `ret`, so even a wrongly executable page just returns; the fault
    // handler returns to the caller the same way.
    unsafe {
        asm!("call {target}", target = in(reg) target, clobber_abi("C"));
    }
    assert_faulted(
        target as u64,
        PRESENT | INSTRUCTION_FETCH,
        "code ran from data",
    );
}

static RODATA: [u8; 8] = *b"constant";
/// Eight `ret` bytes; interior mutability puts them in `.data`, without a `static mut`.
static DATA: AtomicU64 = AtomicU64::new(0xC3C3_C3C3_C3C3_C3C3);

fn writing_text_faults() {
    write_expecting_fault(writing_text_faults as *const () as *mut u8);
}

fn writing_rodata_faults() {
    write_expecting_fault(RODATA.as_ptr().cast_mut());
    assert_eq!(&RODATA, b"constant");
}

fn executing_heap_faults() {
    let code = Box::new([0xC3u8; 16]);
    call_expecting_fault(code.as_ptr());
}

fn executing_stack_faults() {
    let code = core::hint::black_box([0xC3u8; 16]);
    call_expecting_fault(code.as_ptr());
}

fn executing_data_faults() {
    call_expecting_fault(DATA.as_ptr().cast());
}
