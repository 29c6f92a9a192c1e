//! Which interrupt controller delivers the kernel's IRQ lines, and acknowledging them.
//!
//! Lines 0-15 are the ISA IRQs, line 16 the local APIC timer; line `n` always arrives as
//! vector `32 + n`, through the 8259 pair or through an I/O APIC (or the local APIC itself), so
//! drivers name lines and never care which controller is in use. The 8259s answer until
//! [`use_apic`]; from then on EOIs go to the local APIC and masking to the I/O APIC entries
//! that [`set_route`] recorded.

use super::apic::{io::IoApic, local};
use super::pic::{self, Acknowledge};
use core::sync::atomic::{AtomicBool, AtomicU32, Ordering};

pub const FIRST_VECTOR: u8 = pic::MASTER_OFFSET;
pub const ISA_LINES: u8 = pic::IRQ_COUNT;
/// The local APIC timer's line.
pub const LOCAL_TIMER_LINE: u8 = ISA_LINES;
pub const LINE_COUNT: u8 = ISA_LINES + 1;
/// Inter-processor interrupts (`crate::smp`): run the queued function calls; end a `hlt`.
pub const CALL_FUNCTION_VECTOR: u8 = 0xF8;
pub const WAKE_VECTOR: u8 = 0xF9;
/// The local APIC's error and spurious vectors (spurious: low four bits set, SDM §11.9).
pub const ERROR_VECTOR: u8 = 0xFE;
pub const SPURIOUS_VECTOR: u8 = 0xFF;
pub const MAX_IO_APICS: usize = 8;

/// The I/O APICs the MADT names, attached by the platform code in MADT order.
pub static IO_APICS: [IoApic; MAX_IO_APICS] = [const { IoApic::unmapped() }; MAX_IO_APICS];

static APIC: AtomicBool = AtomicBool::new(false);
/// Per ISA line: 0 when not routed, else `(I/O APIC index << 8 | pin) + 1`.
static ROUTES: [AtomicU32; ISA_LINES as usize] = [const { AtomicU32::new(0) }; ISA_LINES as usize];

pub fn line_for_vector(vector: u8) -> Option<u8> {
    vector
        .checked_sub(FIRST_VECTOR)
        .filter(|&line| line < LINE_COUNT)
}

pub const fn vector_for_line(line: u8) -> u8 {
    FIRST_VECTOR + line
}

/// Whether the APICs deliver interrupts (else the 8259 pair does).
pub fn is_apic() -> bool {
    APIC.load(Ordering::Relaxed)
}

/// Records that ISA `irq` arrives on `pin` of I/O APIC `index` (already programmed, masked).
pub fn set_route(irq: u8, index: usize, pin: u32) {
    let encoded = ((index as u32) << 8 | pin) + 1;
    ROUTES[usize::from(irq)].store(encoded, Ordering::SeqCst);
}

/// The I/O APIC index and pin ISA `irq` is routed to.
pub fn route(irq: u8) -> Option<(usize, u32)> {
    let encoded = ROUTES.get(usize::from(irq))?.load(Ordering::SeqCst);
    let encoded = encoded.checked_sub(1)?;
    Some(((encoded >> 8) as usize, encoded & 0xFF))
}

/// Hands the lines to the APICs: the local APIC is enabled and the routes are set.
pub fn use_apic() {
    APIC.store(true, Ordering::SeqCst);
}

fn set_masked(line: u8, masked: bool) {
    assert!(line < LINE_COUNT, "IRQ line {line} does not exist");
    if !is_apic() {
        if line < ISA_LINES {
            if masked {
                pic::mask(line)
            } else {
                pic::unmask(line)
            }
        }
        return;
    }
    if let Some((index, pin)) = route(line) {
        super::interrupts::without_interrupts(|| IO_APICS[index].set_masked(pin, masked));
    } else if line < ISA_LINES && !masked {
        log::warn!("interrupts: IRQ {line} has no I/O APIC route; it stays masked");
    }
}

/// Lets `line` interrupt (the local timer line is gated by the timer itself).
pub fn unmask(line: u8) {
    set_masked(line, false);
}

pub fn mask(line: u8) {
    set_masked(line, true);
}

/// How to acknowledge `line` as it arrives (the 8259s may deliver spurious IRQ 7 and 15).
pub fn classify(line: u8) -> Acknowledge {
    if is_apic() || line >= ISA_LINES {
        Acknowledge::Handle
    } else {
        pic::classify(line)
    }
}

pub fn end_of_interrupt(line: u8, ack: Acknowledge) {
    if is_apic() {
        local::end_of_interrupt();
    } else if line < ISA_LINES {
        pic::end_of_interrupt(line, ack);
    }
}

/// The controller in use, for the log and the `interrupts` command.
pub fn describe() -> &'static str {
    if is_apic() { "I/O APIC" } else { "8259 PIC" }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_vectors() {
        assert_eq!(line_for_vector(31), None);
        assert_eq!(line_for_vector(32), Some(0));
        assert_eq!(line_for_vector(48), Some(LOCAL_TIMER_LINE));
        assert_eq!(line_for_vector(49), None);
        assert_eq!(vector_for_line(LOCAL_TIMER_LINE), 48);
    }

    #[test]
    fn routes_round_trip() {
        assert_eq!(route(9), None);
        set_route(9, 1, 23);
        assert_eq!(route(9), Some((1, 23)));
    }
}
