//! Physical and virtual memory management.

pub mod layout;
