//! A fault raised while an earlier fault is being reported ends in a short report and a halt
//! (here: QEMU exits with the failure code), not in a hang or a reset. The runner passes this
//! kernel when it exits with failure and both reports are on the serial console
//! (tests/qemu/fault_while_reporting.conf).

#![no_std]
#![no_main]

use kestrel::boot::BootInfo;
use kestrel::trap::{self, ExceptionReport, FaultAction};

kestrel::entry_point!(main);

fn main(_boot: &'static BootInfo) -> ! {
    kestrel::run_tests!(fault_in_fault_handler_is_reported_briefly);
}

/// Canonical, but never mapped by the boot page tables.
const UNMAPPED: *const u64 = 0x0000_4000_0000_0000 as *const u64;

fn faulting_hook(report: &ExceptionReport) -> FaultAction {
    trap::print_report(report);
    // SAFETY: not sound, on purpose: this read faults inside the exception handler.
    let value = unsafe { UNMAPPED.read_volatile() };
    panic!("read {value:#x} from an unmapped page");
}

fn fault_in_fault_handler_is_reported_briefly() {
    trap::set_test_fault_hook(Some(faulting_hook));
    // SAFETY: ud2 faults into the hook above, which never returns.
    unsafe { core::arch::asm!("ud2") };
    panic!("resumed after ud2");
}
