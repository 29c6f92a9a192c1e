//! Halting and leaving the machine. (ACPI power-off needs an AML interpreter and is not
//! implemented: on real hardware `shutdown` halts and the user switches off.) The port I/O is
//! in `arch::power`; this flushes the consoles first, so nothing written is cut off.

pub use crate::arch::power::{ExitCode, halt_forever};

/// Ends an emulator run with `code` (QEMU's isa-debug-exit, Bochs' shutdown port); on real
/// hardware halts forever.
pub fn exit_emulator(code: ExitCode) -> ! {
    crate::console::flush();
    crate::arch::power::exit_emulator(code)
}

/// Powers off where an emulator lets us (QEMU with isa-debug-exit, Bochs); elsewhere halts.
pub fn shutdown() -> ! {
    exit_emulator(ExitCode::Success)
}

/// Resets the machine: the keyboard controller's reset line, else a triple fault.
pub fn reboot() -> ! {
    crate::console::flush();
    crate::arch::power::reset()
}
