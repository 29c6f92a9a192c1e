//! Physical and virtual memory management.

pub mod guard;
pub mod layout;
pub mod stacks;
