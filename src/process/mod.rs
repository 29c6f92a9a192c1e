//! User processes: the pure logic that `exec` and the system-call layer build on.
//!
//! Everything here is host-tested and touches no hardware: [`elf`] turns a file into a load
//! plan, [`user_stack`] lays out the System V initial stack, [`usercopy`] checks user pointers
//! before any byte is copied, and [`layout`] fixes the user half of the address space. The
//! kernel side (address spaces, ring 3, system calls) maps and copies what these plans say.

pub mod elf;
pub mod layout;
pub mod user_stack;
pub mod usercopy;
