//! The PS/2 keyboard behind the 8042 controller, which BIOS and GRUB leave translating to
//! scancode set 1: the port side only. Decoding scancodes into keys is `input::keyboard`'s.

use x86_64::instructions::port::Port;

const DATA_PORT: u16 = 0x60;
const STATUS_PORT: u16 = 0x64;
const STATUS_OUTPUT_FULL: u8 = 1 << 0;
pub const KEYBOARD_IRQ: u8 = 1;

/// Takes the byte the controller holds: call it from IRQ 1, which announced the byte (reading
/// it also lets the controller raise the next interrupt).
pub fn read_scancode() -> u8 {
    // SAFETY: reading the 8042 data port takes the byte this interrupt announced.
    unsafe { Port::<u8>::new(DATA_PORT).read() }
}

/// Throws away bytes that arrived before the handler was installed: while a byte sits unread,
/// the controller raises no further interrupts.
pub fn discard_pending() {
    let mut status = Port::<u8>::new(STATUS_PORT);
    let mut data = Port::<u8>::new(DATA_PORT);
    for _ in 0..32 {
        // SAFETY: reading the status and data ports only consumes stale input.
        unsafe {
            if status.read() & STATUS_OUTPUT_FULL == 0 {
                break;
            }
            data.read();
        }
    }
}
