//! Halting and leaving the machine. `shutdown` enters ACPI S5 (`platform::power`), which
//! powers off real PCs, VirtualBox and QEMU; `reboot` tries the FADT reset register, then the
//! keyboard controller, then a triple fault. The port I/O is in `arch::power`; this flushes the
//! consoles first, so nothing written is cut off.

pub use crate::arch::power::{ExitCode, halt_forever};

/// Ends an emulator run with `code` (QEMU's isa-debug-exit, Bochs' shutdown port); on real
/// hardware halts forever. Test kernels report their verdict this way.
pub fn exit_emulator(code: ExitCode) -> ! {
    crate::console::flush();
    crate::arch::power::exit_emulator(code)
}

/// Powers off: ACPI S5; where that fails, the emulators' exit ports (success); else halts.
pub fn shutdown() -> ! {
    log::info!("power: entering ACPI S5 (soft off)");
    crate::console::flush();
    let reason = crate::platform::power::power_off();
    log::warn!("power: ACPI power-off failed ({reason}); halting");
    exit_emulator(ExitCode::Success)
}

/// Resets the machine: the FADT reset register, else the keyboard controller's reset line,
/// else a triple fault.
pub fn reboot() -> ! {
    crate::console::flush();
    let reason = crate::platform::power::reset();
    log::info!("power: {reason}; resetting through the keyboard controller");
    crate::console::flush();
    crate::arch::power::reset()
}
