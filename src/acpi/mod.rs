//! ACPI tables (ACPI Specification 6.5), parsed from bytes: the RSDP and the root tables, the
//! MADT, FADT and HPET tables, and the `\_S5` sleep values in the DSDT and SSDTs.
//!
//! Nothing here touches hardware. The caller hands in bytes, or a [`PhysMemory`] through which
//! tables at physical addresses are mapped (the kernel maps through its device windows; host
//! tests through in-memory images of QEMU's real tables, under `tests/fixtures/acpi/`). Every
//! parser checks every length and checksum, reads fields by offset with bounds checks, and
//! answers bad input with an [`AcpiError`], never a panic.
//!
//! The kernel's path: an [`Rsdp`] from the Multiboot2 ACPI tag ([`Rsdp::parse`]) or the BIOS
//! scan ([`rsdp::find_in_bios`]); then [`AcpiTables::new`], and from it
//! [`AcpiTables::madt`], [`AcpiTables::fadt`], [`AcpiTables::hpet`], [`AcpiTables::s5`] and
//! [`AcpiTables::listing`]. In outline:
//!
//! ```ignore
//! struct Windows; // maps physical ranges through the kernel's device windows
//! impl PhysMemory for Windows {
//!     fn map(&self, phys: u64, len: usize) -> Option<&[u8]> { /* ... */ }
//! }
//! let rsdp = Rsdp::parse(multiboot_acpi_tag_bytes).or_else(|_| rsdp::find_in_bios(&windows).map(|(_, r)| r))?;
//! let tables = AcpiTables::new(&windows, rsdp)?;          // XSDT, else RSDT
//! let madt = tables.madt()?;                               // processors(), io_apics()
//! let timer = madt.resolve_isa_irq(0, |io| io_apic_inputs(io))?;   // GSI 2 on QEMU
//! let fadt = tables.fadt()?;                               // pm_timer, reset, pm1a_control
//! let s5 = tables.s5()?;                                   // SLP_TYPa/b for power-off
//! ```
//!
//! `map` hands back a slice that lives as long as the `PhysMemory` borrow; an implementation
//! that maps on demand keeps its windows (interior mutability) until it is dropped. Tables are
//! at most [`sdt::MAX_TABLE_LEN`] bytes; the BIOS scan maps 0xE0000-0xFFFFF (128 KiB) at once.

mod bytes;
pub mod error;
pub mod fadt;
pub mod gas;
pub mod hpet;
pub mod madt;
pub mod rsdp;
pub mod s5;
pub mod sdt;
pub mod tables;

#[cfg(test)]
mod tests;

pub use error::{AcpiError, Signature};
pub use fadt::Fadt;
pub use gas::{AddressSpace, GenericAddress};
pub use hpet::Hpet;
pub use madt::{IsaRoute, Madt, MadtEntry, RouteError};
pub use rsdp::Rsdp;
pub use s5::SleepType;
pub use sdt::{PhysMemory, Sdt, SdtHeader};
pub use tables::{AcpiTables, RootKind, TableInfo};
