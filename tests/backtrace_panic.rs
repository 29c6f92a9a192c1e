//! A panic three calls deep prints a backtrace that names the three functions, innermost
//! first: frame pointers, the frame walk and the symbol table (the `symbols` boot module that
//! grub/mkiso.sh ships with every test kernel) all work in a kernel that boots. The runner checks
//! the order of the names on the serial console (tests/qemu/backtrace_panic.conf).

#![no_std]
#![no_main]

use core::hint::black_box;
use kestrel::boot::BootInfo;

kestrel::entry_point!(main);

fn main(_boot: &'static BootInfo) -> ! {
    kestrel::run_tests!(panic_three_calls_deep);
}

fn panic_three_calls_deep() {
    assert!(
        kestrel::debug::symbols().is_some(),
        "the symbol table was not loaded"
    );
    black_box(outer_call(black_box(1)));
}

// Each adds to its callee's result, so none of the calls can become a tail jump that would
// leave its caller out of the chain.
#[inline(never)]
fn outer_call(x: u64) -> u64 {
    middle_call(black_box(x + 1)) + 1
}

#[inline(never)]
fn middle_call(x: u64) -> u64 {
    inner_call(black_box(x + 1)) + 1
}

#[inline(never)]
fn inner_call(x: u64) -> u64 {
    if black_box(x) > 0 {
        panic!("three calls deep");
    }
    x
}
