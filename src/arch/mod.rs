//! The machine-specific code, one folder per architecture. Kestrel runs on x86_64 only; the rest
//! of the kernel names `crate::arch::...`, which re-exports that architecture's modules.

pub mod x86_64;

pub use self::x86_64::*;
