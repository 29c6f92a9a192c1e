//! The two cascaded 8259A PICs (via `pic8259`), remapped so IRQ 0–15 arrive as vectors 32–47,
//! clear of the CPU's exceptions. Every line starts masked except the cascade; drivers unmask
//! the lines they handle.

use pic8259::ChainedPics;
use spin::Mutex;
use x86_64::instructions::interrupts::without_interrupts;
use x86_64::instructions::port::Port;

pub const MASTER_OFFSET: u8 = 32;
pub const SLAVE_OFFSET: u8 = MASTER_OFFSET + 8;
pub const IRQ_COUNT: u8 = 16;
/// The master's input that the slave is wired to.
const CASCADE_IRQ: u8 = 2;

const MASTER_COMMAND: u16 = 0x20;
const SLAVE_COMMAND: u16 = 0xA0;
/// OCW3 "read in-service register on the next read of the command port" (8259A datasheet).
const OCW3_READ_ISR: u8 = 0x0B;
const EOI: u8 = 0x20;

// SAFETY: 32–47 are free for IRQs (exceptions end at 31), and this is the only handle on the
// PICs' ports.
static PICS: Mutex<ChainedPics> =
    Mutex::new(unsafe { ChainedPics::new(MASTER_OFFSET, SLAVE_OFFSET) });

pub fn irq_for_vector(vector: u8) -> Option<u8> {
    vector
        .checked_sub(MASTER_OFFSET)
        .filter(|&irq| irq < IRQ_COUNT)
}

/// Remaps both PICs and masks every line but the cascade.
pub fn init() {
    without_interrupts(|| {
        let mut pics = PICS.lock();
        // SAFETY: interrupts are off, so no IRQ arrives while the PICs are reprogrammed.
        unsafe {
            pics.initialize();
            pics.write_masks(!(1 << CASCADE_IRQ), 0xFF);
        }
    });
}

/// Masks every line, the cascade too: for when the APICs take over (the pair stays remapped,
/// so a spurious IRQ 7 or 15 it may still raise lands on its own vector, not an exception's).
pub fn mask_all() {
    without_interrupts(|| {
        // SAFETY: writing the mask registers only gates IRQ lines.
        unsafe { PICS.lock().write_masks(0xFF, 0xFF) }
    });
}

fn update_mask(irq: u8, masked: bool) {
    assert!(irq < IRQ_COUNT, "IRQ {irq} does not exist");
    without_interrupts(|| {
        let mut pics = PICS.lock();
        // SAFETY: reading and writing the mask registers only gates IRQ lines.
        unsafe {
            let [master, slave] = pics.read_masks();
            let mut masks = u16::from(master) | u16::from(slave) << 8;
            if masked {
                masks |= 1 << irq;
            } else {
                masks &= !(1 << irq);
            }
            pics.write_masks(masks as u8, (masks >> 8) as u8);
        }
    });
}

pub fn unmask(irq: u8) {
    update_mask(irq, false);
}

pub fn mask(irq: u8) {
    update_mask(irq, true);
}

/// How to acknowledge an IRQ the PICs delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Acknowledge {
    /// A real interrupt: run the handler, then send EOI (to both PICs for IRQ 8–15).
    Handle,
    /// A spurious IRQ 7: the master never set its in-service bit, so it wants no EOI.
    SpuriousMaster,
    /// A spurious IRQ 15: the slave wants no EOI, but the master did see a real IRQ 2 from the
    /// slave and needs its EOI.
    SpuriousSlave,
}

/// Decides from the in-service register of the PIC that raised `irq`. IRQ 7 and 15 are the
/// lowest-priority lines, which a PIC reports when a request vanished before the CPU
/// acknowledged it; the in-service bit tells a real one from a spurious one.
pub fn acknowledge_for(irq: u8, in_service: u8) -> Acknowledge {
    let real = in_service & (1 << (irq % 8)) != 0;
    match irq {
        7 if !real => Acknowledge::SpuriousMaster,
        15 if !real => Acknowledge::SpuriousSlave,
        _ => Acknowledge::Handle,
    }
}

fn read_in_service(command_port: u16) -> u8 {
    let mut port = Port::<u8>::new(command_port);
    // SAFETY: OCW3 only selects which register the command port reads back; nothing else
    // reads that port.
    unsafe {
        port.write(OCW3_READ_ISR);
        port.read()
    }
}

/// Classifies an IRQ as it arrives (only IRQ 7 and 15 need a look at the hardware).
pub fn classify(irq: u8) -> Acknowledge {
    match irq {
        7 => acknowledge_for(irq, read_in_service(MASTER_COMMAND)),
        15 => acknowledge_for(irq, read_in_service(SLAVE_COMMAND)),
        _ => Acknowledge::Handle,
    }
}

/// Sends the EOIs `ack` calls for.
pub fn end_of_interrupt(irq: u8, ack: Acknowledge) {
    match ack {
        Acknowledge::Handle => {
            // SAFETY: the IRQ was delivered and handled; EOI lets the PIC deliver the next.
            unsafe { PICS.lock().notify_end_of_interrupt(MASTER_OFFSET + irq) }
        }
        Acknowledge::SpuriousMaster => {}
        Acknowledge::SpuriousSlave => {
            // SAFETY: acknowledges the master's real cascade interrupt only.
            unsafe { Port::<u8>::new(MASTER_COMMAND).write(EOI) }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vectors_map_to_irqs() {
        assert_eq!(irq_for_vector(31), None);
        assert_eq!(irq_for_vector(32), Some(0));
        assert_eq!(irq_for_vector(47), Some(15));
        assert_eq!(irq_for_vector(48), None);
    }

    #[test]
    fn spurious_irqs_are_told_apart_by_the_in_service_bit() {
        assert_eq!(acknowledge_for(7, 0), Acknowledge::SpuriousMaster);
        assert_eq!(acknowledge_for(7, 0x80), Acknowledge::Handle);
        // Another line in service does not make IRQ 7 real.
        assert_eq!(acknowledge_for(7, 0x01), Acknowledge::SpuriousMaster);
        assert_eq!(acknowledge_for(15, 0), Acknowledge::SpuriousSlave);
        assert_eq!(acknowledge_for(15, 0x80), Acknowledge::Handle);
        // Other lines are never treated as spurious.
        assert_eq!(acknowledge_for(1, 0), Acknowledge::Handle);
        assert_eq!(acknowledge_for(14, 0), Acknowledge::Handle);
    }
}
