//! The root file system: the initramfs GRUB loads as a Multiboot2 module (`module2
//! /boot/initramfs.cpio initramfs` in grub.cfg), mounted read-only at `/` through [`crate::vfs`].
//!
//! The module stays where GRUB put it (its frames are reserved from the frame allocator) and
//! is mapped read-only through a window, since the identity map is gone after memory::init.
//! The initramfs tree points into those bytes, so nothing is copied. A missing or malformed
//! archive gets a logged error and an empty root; the kernel shell starts either way.

use crate::boot::BootInfo;
use crate::memory::device::map_physical_read_only;
use crate::vfs::{Initramfs, Vfs};
use alloc::boxed::Box;
use spin::Once;

static ROOT: Once<Vfs<'static>> = Once::new();

/// The module's string in grub.cfg that marks the initramfs; without one marked, the first
/// module is taken.
const INITRAMFS_TAG: &[u8] = b"initramfs";

/// Mounts the initramfs module at `/`. Needs memory::init; call once at boot.
pub fn mount(boot: &BootInfo) {
    let modules = boot.modules.as_slice();
    let module = modules
        .iter()
        .find(|m| m.string.as_bytes() == INITRAMFS_TAG)
        .or(modules.first());
    let fs = match module {
        None => {
            log::warn!("initramfs: the boot loader loaded no module; / is empty");
            Initramfs::empty()
        }
        Some(module) => match map_module(module.range.start, module.range.len()) {
            Err(err) => {
                log::error!("initramfs: cannot map the module: {err}; / is empty");
                Initramfs::empty()
            }
            Ok(bytes) => match Initramfs::from_archives(&[bytes]) {
                Ok(fs) => {
                    log::info!(
                        "initramfs: {} KiB, {} nodes, mounted read-only at /",
                        bytes.len() / 1024,
                        fs.node_count()
                    );
                    fs
                }
                Err(err) => {
                    log::error!("initramfs: malformed archive: {err}; / is empty");
                    Initramfs::empty()
                }
            },
        },
    };
    ROOT.call_once(|| Vfs::new(Box::new(fs)));
}

fn map_module(phys: u64, len: u64) -> Result<&'static [u8], crate::memory::MapDeviceError> {
    if len == 0 {
        return Ok(&[]);
    }
    let virt = map_physical_read_only(phys, len)?;
    // SAFETY: the window maps the module's `len` bytes read-only for good, and the frame
    // allocator never hands the module's frames out, so nothing writes them.
    Ok(unsafe { core::slice::from_raw_parts(virt.as_ptr::<u8>(), len as usize) })
}

/// The namespace (an empty root until [`mount`] has run).
pub fn vfs() -> &'static Vfs<'static> {
    ROOT.call_once(|| Vfs::new(Box::new(Initramfs::empty())))
}
