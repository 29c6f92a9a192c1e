//! An allocation the heap can never meet panics (reporting size and alignment) instead of
//! returning memory it does not have.

#![no_std]
#![no_main]

extern crate alloc;

use alloc::vec::Vec;
use kestrel::boot::BootInfo;
use kestrel::memory::heap;
use kestrel::testing::{Test, run_should_panic};

kestrel::entry_point!(main);

fn main(_boot: &'static BootInfo) -> ! {
    run_should_panic(
        env!("CARGO_CRATE_NAME"),
        Test {
            name: "allocation_beyond_the_limit_panics",
            run: allocation_beyond_the_limit_panics,
        },
    )
}

fn allocation_beyond_the_limit_panics() {
    let limit = heap::stats().limit as usize;
    let vec: Vec<u8> = Vec::with_capacity(limit + 1);
    // Only reached if the allocation wrongly succeeded.
    core::hint::black_box(vec);
}
