//! The kernel's panic handler: the report goes out on both consoles through the lock-free
//! emergency path (the panicking code may hold a console lock), then the kernel halts, or a
//! test kernel exits QEMU with the verdict the test expects.

use crate::console::{emergency_write, emergency_write_serial};
use crate::power::{ExitCode, exit_emulator, halt_forever};
use crate::testing::{self, PanicExpectation};
use core::panic::PanicInfo;
use core::sync::atomic::{AtomicBool, Ordering};

static PANICKING: AtomicBool = AtomicBool::new(false);

#[panic_handler]
fn panic(info: &PanicInfo) -> ! {
    crate::arch::interrupts::disable();
    if PANICKING.swap(true, Ordering::SeqCst) {
        // Formatting or drawing the first report panicked again: say so without formatting
        // anything, and on serial only, in case drawing on the screen is what panics.
        emergency_write_serial(format_args!("\nkestrel: panic while panicking\n"));
        finish(ExitCode::Failed);
    }
    match testing::expectation() {
        PanicExpectation::Expected => {
            testing::report_expected_panic();
            finish(ExitCode::Success);
        }
        PanicExpectation::Unexpected => {
            emergency_write(format_args!("[failed]\n"));
            report(info);
            finish(ExitCode::Failed);
        }
        PanicExpectation::NotTesting => {
            report(info);
            finish(ExitCode::Failed);
        }
    }
}

fn report(info: &PanicInfo) {
    let (file, line) = info
        .location()
        .map_or(("<unknown>", 0), |l| (l.file(), l.line()));
    emergency_write(format_args!(
        "\nKERNEL PANIC at {file}:{line}:\n    {}\n",
        info.message()
    ));
    crate::debug::print_current_backtrace();
}

fn finish(code: ExitCode) -> ! {
    if testing::is_test_kernel() {
        exit_emulator(code);
    }
    halt_forever()
}
