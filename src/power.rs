//! Halting, and leaving the machine: QEMU's isa-debug-exit device and Bochs' shutdown port.

use x86_64::instructions::{hlt, interrupts, port::Port};

/// QEMU exits with status `(code << 1) | 1` when this is written to isa-debug-exit (configured
/// by tests/runner.sh as `iobase=0xf4,iosize=0x04`): Success gives 33, Failed gives 35.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u32)]
pub enum ExitCode {
    Success = 0x10,
    Failed = 0x11,
}

const QEMU_DEBUG_EXIT_PORT: u16 = 0xF4;
/// Bochs powers off when it sees the bytes "Shutdown" on this port; QEMU ignores them.
const BOCHS_SHUTDOWN_PORT: u16 = 0x8900;

/// Ends an emulator run with `code`. On real hardware both ports are unused, so this falls
/// through to halting forever.
pub fn exit_emulator(code: ExitCode) -> ! {
    crate::console::flush();
    // SAFETY: writing to these ports has no effect other than asking an emulator to stop.
    unsafe {
        Port::<u32>::new(QEMU_DEBUG_EXIT_PORT).write(code as u32);
        let mut bochs = Port::<u8>::new(BOCHS_SHUTDOWN_PORT);
        for byte in *b"Shutdown" {
            bochs.write(byte);
        }
    }
    halt_forever()
}

/// Stops this CPU for good: interrupts off, then `hlt` (in a loop, as NMIs still wake it).
pub fn halt_forever() -> ! {
    loop {
        interrupts::disable();
        hlt();
    }
}
