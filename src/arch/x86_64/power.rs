//! The port-I/O ways out of the machine: QEMU's isa-debug-exit device and Bochs' shutdown port,
//! resetting through the keyboard controller, and halting. The portable `crate::power` flushes
//! the consoles first.

use x86_64::VirtAddr;
use x86_64::instructions::tables::lidt;
use x86_64::instructions::{hlt, interrupts, port::Port};
use x86_64::structures::DescriptorTablePointer;

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
const KBC_STATUS_COMMAND: u16 = 0x64;
const KBC_INPUT_BUFFER_FULL: u8 = 1 << 1;
/// "Pulse output line 0", wired to the CPU's reset line on PCs.
const KBC_PULSE_RESET: u8 = 0xFE;

/// Ends an emulator run with `code`. On real hardware both ports are unused, so this falls
/// through to halting forever.
pub fn exit_emulator(code: ExitCode) -> ! {
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

/// Resets the machine: first the keyboard controller's reset line, which every PC and emulator
/// honours; should that do nothing, a triple fault (an empty IDT, then an exception) resets
/// any x86 CPU.
pub fn reset() -> ! {
    interrupts::disable();
    let mut controller = Port::<u8>::new(KBC_STATUS_COMMAND);
    // SAFETY: polling the 8042's status and sending it the reset pulse command touch nothing
    // but the controller; the machine resets, which is the point.
    unsafe {
        for _ in 0..100_000 {
            if controller.read() & KBC_INPUT_BUFFER_FULL == 0 {
                break;
            }
        }
        controller.write(KBC_PULSE_RESET);
    }
    // Give the controller time to act before the fallback.
    for _ in 0..10_000_000 {
        core::hint::spin_loop();
    }
    let empty = DescriptorTablePointer {
        limit: 0,
        base: VirtAddr::zero(),
    };
    // SAFETY: deliberately unsound: with an empty IDT the breakpoint below cannot be delivered,
    // nor can the resulting double fault, so the CPU shuts down and the chipset resets it.
    unsafe {
        lidt(&empty);
        core::arch::asm!("int3");
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
