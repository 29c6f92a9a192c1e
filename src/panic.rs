//! The kernel's panic handler: the report goes out on both consoles through the lock-free
//! emergency path (the panicking code may hold a console lock), then the kernel halts, or a
//! test kernel exits QEMU with the verdict the test expects.

use crate::console::{emergency_write, emergency_write_serial};
use crate::power::{ExitCode, exit_emulator, halt_forever};
use crate::testing::{self, PanicExpectation};
use core::fmt;
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
    // `handle_alloc_error` only knows the size; the heap knows why.
    if is_allocation_failure(info)
        && let Some(failure) = crate::memory::heap::last_failure()
    {
        emergency_write(format_args!("    ({failure})\n"));
    }
    crate::debug::print_current_backtrace();
}

/// Whether the panic is `handle_alloc_error`'s ("memory allocation of N bytes failed").
fn is_allocation_failure(info: &PanicInfo) -> bool {
    struct StartsWith<'a> {
        prefix: &'a [u8],
        matched: usize,
        differs: bool,
    }
    impl fmt::Write for StartsWith<'_> {
        fn write_str(&mut self, s: &str) -> fmt::Result {
            for &byte in s.as_bytes() {
                match self.prefix.get(self.matched) {
                    Some(&expected) if expected == byte && !self.differs => self.matched += 1,
                    Some(_) => self.differs = true,
                    None => return Err(fmt::Error),
                }
            }
            Ok(())
        }
    }
    let prefix = b"memory allocation of ";
    let mut check = StartsWith {
        prefix,
        matched: 0,
        differs: false,
    };
    // Writing stops with an error once the prefix has been seen whole.
    let _ = fmt::write(&mut check, format_args!("{}", info.message()));
    !check.differs && check.matched == prefix.len()
}

fn finish(code: ExitCode) -> ! {
    if testing::is_test_kernel() {
        exit_emulator(code);
    }
    halt_forever()
}
