//! Locks that know which CPU holds them.

pub mod cpu_mutex;

pub use cpu_mutex::{CpuMutex, CpuMutexGuard};
