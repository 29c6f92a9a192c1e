//! A symbol table that fails validation (tests/qemu/bad_symbols.conf ships
//! tests/fixtures/symbols/unsorted.sym as the module) is refused with a message, and a panic
//! still gets a backtrace, of raw addresses, instead of a fault.

#![no_std]
#![no_main]

use kestrel::boot::BootInfo;

kestrel::entry_point!(main);

fn main(_boot: &'static BootInfo) -> ! {
    kestrel::run_tests!(no_table_then_a_raw_backtrace);
}

fn no_table_then_a_raw_backtrace() {
    assert!(
        kestrel::debug::symbols().is_none(),
        "a table out of address order was accepted"
    );
    panic!("panicking without symbols");
}
