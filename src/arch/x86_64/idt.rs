//! The interrupt descriptor table: all 256 vectors point at the stubs in asm/interrupts.asm.
//!
//! Kestrel builds its own table rather than the `x86_64` crate's, whose typed fields hide the
//! reserved exception vectors (15, 22–27, 31): a stray `int 15` must be reported too.

use super::gdt;
use super::vectors::BREAKPOINT;
use spin::Once;
use x86_64::VirtAddr;
use x86_64::instructions::tables::lidt;
use x86_64::structures::DescriptorTablePointer;

pub const VECTOR_COUNT: usize = 256;

/// One 16-byte IDT entry (Intel SDM vol. 3A §6.14.1, figure 6-8).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(C)]
pub struct Gate {
    offset_low: u16,
    selector: u16,
    /// Bits 0–2: IST index; bits 8–11: gate type; bits 13–14: DPL; bit 15: present.
    options: u16,
    offset_middle: u16,
    offset_high: u32,
    reserved: u32,
}

const GATE_TYPE_INTERRUPT: u16 = 0xE << 8;
const GATE_PRESENT: u16 = 1 << 15;

impl Gate {
    pub const MISSING: Gate = Gate {
        offset_low: 0,
        selector: 0,
        options: 0,
        offset_middle: 0,
        offset_high: 0,
        reserved: 0,
    };

    /// A present ring-0 interrupt gate: the CPU clears IF on entry, so handlers never nest
    /// except through exceptions and NMIs. `ist` 0 keeps the current stack, 1–7 switch to that
    /// TSS interrupt-stack-table entry.
    pub const fn interrupt(handler: u64, selector: u16, ist: u8) -> Gate {
        assert!(ist <= 7);
        Gate {
            offset_low: handler as u16,
            selector,
            options: GATE_PRESENT | GATE_TYPE_INTERRUPT | ist as u16,
            offset_middle: (handler >> 16) as u16,
            offset_high: (handler >> 32) as u32,
            reserved: 0,
        }
    }

    /// The same gate, callable with `int n` from ring 3 (DPL 3): `int3` in a user program
    /// then raises #BP instead of a #GP (Intel SDM vol. 3A §6.12.1.1).
    pub const fn user_callable(mut self) -> Gate {
        self.options |= 3 << 13;
        self
    }

    pub const fn handler(&self) -> u64 {
        self.offset_low as u64 | (self.offset_middle as u64) << 16 | (self.offset_high as u64) << 32
    }

    pub const fn ist(&self) -> u8 {
        (self.options & 0b111) as u8
    }
}

const _: () = assert!(size_of::<Gate>() == 16);

#[repr(C, align(16))]
struct Idt([Gate; VECTOR_COUNT]);

static IDT: Once<Idt> = Once::new();

unsafe extern "C" {
    /// asm/interrupts.asm: the entry stub of every vector, in vector order.
    static interrupt_stubs: [u64; VECTOR_COUNT];
}

/// Builds the table and loads it. Needs the GDT loaded first: gates name its code segment and
/// its TSS's interrupt stacks.
pub fn init() {
    let idt = IDT.call_once(|| {
        let selector = gdt::selectors().kernel_code.0;
        let mut gates = [Gate::MISSING; VECTOR_COUNT];
        for (vector, gate) in gates.iter_mut().enumerate() {
            // SAFETY: the stub table is initialised data in the kernel image, never written.
            let stub = unsafe { interrupt_stubs[vector] };
            *gate = Gate::interrupt(stub, selector, gdt::ist_for_vector(vector as u8));
            if vector == usize::from(BREAKPOINT) {
                *gate = gate.user_callable();
            }
        }
        Idt(gates)
    });
    let pointer = DescriptorTablePointer {
        limit: (size_of::<Idt>() - 1) as u16,
        base: VirtAddr::from_ptr(idt),
    };
    // SAFETY: the table is 'static and every present gate points at a stub that follows the
    // dispatcher's frame contract and ends in iretq.
    unsafe { lidt(&pointer) };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gate_encoding_matches_the_sdm_layout() {
        let gate = Gate::interrupt(0xFFFF_FFFF_8012_3456, 0x08, 1);
        // SAFETY: Gate is plain old data of exactly 16 bytes.
        let raw: [u64; 2] = unsafe { core::mem::transmute(gate) };
        // Low quadword: offset 15..0, selector, IST 1, type 0xE, present; then offset 31..16.
        assert_eq!(raw[0], 0x8012_8E01_0008_3456);
        assert_eq!(raw[1], 0x0000_0000_FFFF_FFFF);
        assert_eq!(gate.handler(), 0xFFFF_FFFF_8012_3456);
        assert_eq!(gate.ist(), 1);
    }

    #[test]
    fn missing_gate_is_not_present() {
        // SAFETY: as above.
        let raw: [u64; 2] = unsafe { core::mem::transmute(Gate::MISSING) };
        assert_eq!(raw, [0, 0]);
    }
}
