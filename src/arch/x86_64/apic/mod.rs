//! The APICs (Intel SDM vol. 3A chapter 11; the 82093AA I/O APIC datasheet): the local APIC of
//! this CPU ([`local`], xAPIC through MMIO or x2APIC through MSRs) and the I/O APICs that
//! carry the ISA interrupts ([`io`]).

pub mod io;
pub mod local;
