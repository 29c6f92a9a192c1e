//! A page fault's report ends in a backtrace whose first frame, the faulting instruction,
//! names the function that faulted, followed by its caller (tests/qemu/backtrace_page_fault.conf).

#![no_std]
#![no_main]

use core::hint::black_box;
use kestrel::boot::BootInfo;

kestrel::entry_point!(main);

fn main(_boot: &'static BootInfo) -> ! {
    kestrel::run_tests!(page_fault_names_the_faulting_function);
}

/// Canonical, but never mapped.
const UNMAPPED: u64 = 0x0000_4000_0000_0000;

fn page_fault_names_the_faulting_function() {
    let value = black_box(read_unmapped(black_box(UNMAPPED)));
    panic!("read {value:#x} from an unmapped page");
}

#[inline(never)]
fn read_unmapped(addr: u64) -> u64 {
    // SAFETY: not sound, on purpose: the read faults and the report ends the run.
    unsafe { (addr as *const u64).read_volatile() + 1 }
}
