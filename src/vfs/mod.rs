//! The virtual file system: one namespace of mounted file systems, read through paths.
//!
//! - [`cpio`] reads `newc` archives (the initramfs format) without copying;
//! - [`initramfs`] builds a read-only tree over such archives;
//! - [`devfs`] holds the character devices of `/dev` (null, zero, random, the console);
//! - [`tmpfs`] is a writable file system in RAM with a size limit, for `/tmp`;
//! - [`node`] is what every file system implements ([`FileSystem`]);
//! - [`namespace`] holds the mount table and resolves paths across it ([`Vfs`]);
//! - [`path`] is the lexical part (limits, components, normalising);
//! - [`FsError`] carries the Linux errno that system calls return.
//!
//! The kernel builds the initramfs from the boot modules, mounts it as `/`, and mounts more
//! file systems (a tmpfs on `/tmp`) on its directories.

pub mod cpio;
pub mod devfs;
mod error;
pub mod initramfs;
pub mod namespace;
pub mod node;
pub mod path;
#[cfg(test)]
mod tests;
pub mod tmpfs;

pub use devfs::{Devfs, Device};
pub use error::FsError;
pub use initramfs::{BuildError, Initramfs};
pub use namespace::{Follow, Location, MAX_SYMLINKS, MountId, Vfs};
pub use node::{Attributes, DirEntry, FileSystem, FileType, FsUsage, InodeId, Metadata};
pub use tmpfs::Tmpfs;
