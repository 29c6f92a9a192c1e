//! Physical and virtual memory management.

pub mod layout;
pub mod stacks;
