//! The kernel's panic handler: the report goes out on both consoles through the lock-free
//! emergency path (the panicking code may hold a console lock), then the kernel halts, or a
//! test kernel exits QEMU with the verdict the test expects.

use crate::console::{emergency_write, emergency_write_serial};
use crate::power::{ExitCode, exit_emulator, halt_forever};
use crate::testing::{self, PanicExpectation};
use core::fmt;
use core::panic::PanicInfo;
use core::sync::atomic::{AtomicU32, Ordering};

/// The CPU that panicked first (its number + 1; 0 while none has).
static PANICKING: AtomicU32 = AtomicU32::new(0);

#[panic_handler]
fn panic(info: &PanicInfo) -> ! {
    crate::arch::interrupts::disable();
    let me = crate::smp::cpu_id() + 1;
    match PANICKING.compare_exchange(0, me, Ordering::SeqCst, Ordering::SeqCst) {
        Ok(_) => {}
        Err(first) if first == me => {
            // Formatting or drawing the first report panicked again: say so without
            // formatting anything, and on serial only, in case drawing on the screen is what
            // panics.
            emergency_write_serial(format_args!("\nkestrel: panic while panicking\n"));
            finish(ExitCode::Failed);
        }
        // Another CPU is reporting its panic and stops this one: one report, not two.
        Err(_) => halt_forever(),
    }
    // The other CPUs stop before anything is printed, so the report comes out in one block.
    crate::smp::halt_others();
    crate::console::flush_before_report();
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
        "\nKERNEL PANIC at {file}:{line}:{}\n    {}\n",
        OnCpu,
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

/// ` on CPU n (the others are stopped)` when several CPUs run; nothing on one.
struct OnCpu;

impl fmt::Display for OnCpu {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if crate::smp::listed_count() > 1 && crate::smp::halting() {
            write!(
                f,
                " on CPU {} (the others are stopped)",
                crate::smp::cpu_id()
            )?;
        }
        Ok(())
    }
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
