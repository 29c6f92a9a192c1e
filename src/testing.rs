//! The in-kernel test runner shared by the test kernels in `tests/`. Each test kernel boots,
//! runs its tests in order and reports over COM1 in a fixed format that tests/runner.sh reads:
//! `name ... [ok]` per test, then `<kernel>: N passed, 0 failed`. A failing test panics, and the
//! panic handler prints `[failed]` and exits QEMU with the failure code.

use crate::power::{ExitCode, exit_emulator};
use crate::{serial_print, serial_println};
use core::sync::atomic::{AtomicU8, AtomicUsize, Ordering};
use spin::Once;

pub struct Test {
    pub name: &'static str,
    pub run: fn(),
}

/// What the panic handler should make of a panic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum PanicExpectation {
    /// A normal kernel: report and halt.
    NotTesting = 0,
    /// A test is running that must not panic.
    Unexpected = 1,
    /// A `should_panic` test is running: a panic is its success.
    Expected = 2,
}

static EXPECTATION: AtomicU8 = AtomicU8::new(PanicExpectation::NotTesting as u8);
static KERNEL_NAME: Once<&'static str> = Once::new();
static TEST_COUNT: AtomicUsize = AtomicUsize::new(0);
static CURRENT_TEST: AtomicUsize = AtomicUsize::new(0);

pub fn expectation() -> PanicExpectation {
    match EXPECTATION.load(Ordering::SeqCst) {
        1 => PanicExpectation::Unexpected,
        2 => PanicExpectation::Expected,
        _ => PanicExpectation::NotTesting,
    }
}

fn expect(expectation: PanicExpectation) {
    EXPECTATION.store(expectation as u8, Ordering::SeqCst);
}

pub fn is_test_kernel() -> bool {
    expectation() != PanicExpectation::NotTesting
}

/// For a test kernel that runs the real kernel loop instead of [`run_tests`] (the shell test,
/// whose verdict the runner reads from the serial output): a panic now ends the run as failed
/// instead of halting until the timeout.
pub fn exit_on_panic(kernel: &'static str) {
    KERNEL_NAME.call_once(|| kernel);
    expect(PanicExpectation::Unexpected);
}

/// Runs every test, then exits QEMU with success; a failing test never returns here.
pub fn run_tests(kernel: &'static str, tests: &[Test]) -> ! {
    KERNEL_NAME.call_once(|| kernel);
    expect(PanicExpectation::Unexpected);
    TEST_COUNT.store(tests.len(), Ordering::SeqCst);
    serial_println!("running {} tests in {}", tests.len(), kernel);
    for (index, test) in tests.iter().enumerate() {
        CURRENT_TEST.store(index, Ordering::SeqCst);
        serial_print!("{} ... ", test.name);
        (test.run)();
        serial_println!("[ok]");
    }
    serial_println!("{}: {} passed, 0 failed", kernel, tests.len());
    exit_emulator(ExitCode::Success)
}

/// Ends the run from inside the current test, counting it as passed, for a test that cannot
/// return: a stack overflow caught by the double-fault handler leaves no stack to return on.
/// Only the kernel's last test may do this. Reports without taking any lock.
pub fn pass_and_exit() -> ! {
    let kernel = KERNEL_NAME.get().copied().unwrap_or("kernel");
    let total = TEST_COUNT.load(Ordering::SeqCst);
    if CURRENT_TEST.load(Ordering::SeqCst) + 1 != total {
        crate::console::emergency_write(format_args!(
            "[failed] (pass_and_exit called by a test that is not the last)\n"
        ));
        exit_emulator(ExitCode::Failed);
    }
    crate::console::emergency_write(format_args!("[ok]\n{kernel}: {total} passed, 0 failed\n"));
    exit_emulator(ExitCode::Success)
}

/// Runs one test that passes only by panicking.
pub fn run_should_panic(kernel: &'static str, test: Test) -> ! {
    KERNEL_NAME.call_once(|| kernel);
    serial_println!("running 1 should-panic test in {}", kernel);
    serial_print!("{} ... ", test.name);
    expect(PanicExpectation::Expected);
    (test.run)();
    expect(PanicExpectation::Unexpected);
    serial_println!("[failed] (returned without panicking)");
    exit_emulator(ExitCode::Failed)
}

/// The verdict line for a `should_panic` kernel whose test panicked, printed by the panic
/// handler without taking any lock.
pub fn report_expected_panic() {
    let kernel = KERNEL_NAME.get().copied().unwrap_or("kernel");
    crate::console::emergency_write(format_args!(
        "[ok] (panicked as expected)\n{kernel}: 1 passed, 0 failed\n"
    ));
}

/// `run_tests!(a, b, c)` runs the named test functions in this test kernel.
#[macro_export]
macro_rules! run_tests {
    ($($test:path),* $(,)?) => {
        $crate::testing::run_tests(
            env!("CARGO_CRATE_NAME"),
            &[$($crate::testing::Test { name: stringify!($test), run: $test }),*],
        )
    };
}
