//! The test runner itself: a test that panics must count as a pass here, and only a panic may
//! end this kernel with success.

#![no_std]
#![no_main]

use kestrel::boot::BootInfo;
use kestrel::testing::{Test, run_should_panic};

kestrel::entry_point!(main);

fn main(_boot: &'static BootInfo) -> ! {
    run_should_panic(
        env!("CARGO_CRATE_NAME"),
        Test {
            name: "failing_assertion_panics",
            run: failing_assertion_panics,
        },
    )
}

fn failing_assertion_panics() {
    assert_eq!(1 + 1, 3, "this assertion is meant to fail");
}
