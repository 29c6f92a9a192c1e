//! The root file system: the initramfs GRUB loads as a Multiboot2 module (`module2
//! /boot/initramfs.cpio initramfs` in grub.cfg), mounted read-only at `/` through [`crate::vfs`].
//!
//! The module stays where GRUB put it (its frames are reserved from the frame allocator) and
//! is mapped read-only through a window, since the identity map is gone after memory::init.
//! The initramfs tree points into those bytes, so nothing is copied. A missing or malformed
//! archive gets a logged error and an empty root; the kernel shell starts either way.
//! A tmpfs is mounted on `/tmp`, the devices ([`Devfs`]) on `/dev`, the processes on `/proc`.

use crate::boot::BootInfo;
use crate::memory::map_boot_module;
use crate::memory::memory_map::PhysRange;
use crate::vfs::{Devfs, Device, Follow, Initramfs, Location, MountId, Tmpfs, Vfs};
use alloc::boxed::Box;
use spin::Once;

static ROOT: Once<Vfs<'static>> = Once::new();
/// The devfs on `/dev`, once mounted.
static DEV: Once<MountId> = Once::new();

/// The module's string in grub.cfg that marks the initramfs; without one marked, the first
/// module that is not the symbol table is taken.
const INITRAMFS_TAG: &[u8] = b"initramfs";

/// Mounts the initramfs module at `/`. Needs memory::init; call once at boot.
pub fn mount(boot: &BootInfo) {
    let modules = boot.modules.as_slice();
    let module = modules
        .iter()
        .find(|m| m.string.as_bytes() == INITRAMFS_TAG)
        .or_else(|| {
            modules
                .iter()
                .find(|m| m.string.as_bytes() != crate::debug::SYMBOLS_MODULE.as_bytes())
        });
    let fs = match module {
        None => {
            log::warn!("initramfs: the boot loader loaded no module; / is empty");
            Initramfs::empty()
        }
        Some(module) => match map_module(module.range) {
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
    let mut vfs = Vfs::new(Box::new(fs));
    mount_tmp(&mut vfs);
    mount_dev(&mut vfs);
    mount_proc(&mut vfs);
    ROOT.call_once(|| vfs);
}

/// A writable tmpfs on `/tmp` (a directory the initramfs provides), holding at most
/// [`TMP_LIMIT`] bytes.
fn mount_tmp(vfs: &mut Vfs<'static>) {
    let tmp = match vfs.resolve(vfs.root(), b"/tmp", Follow::Yes) {
        Ok(at) => at,
        Err(err) => return log::warn!("tmpfs: no /tmp to mount on ({err})"),
    };
    match vfs.mount(tmp, Box::new(Tmpfs::new(TMP_LIMIT))) {
        Ok(_) => log::info!("tmpfs: mounted at /tmp ({} KiB at most)", TMP_LIMIT / 1024),
        Err(err) => log::warn!("tmpfs: cannot mount on /tmp: {err}"),
    }
}

/// The character devices on `/dev` (a directory the initramfs provides).
fn mount_dev(vfs: &mut Vfs<'static>) {
    let dev = match vfs.resolve(vfs.root(), b"/dev", Follow::Yes) {
        Ok(at) => at,
        Err(err) => return log::warn!("devfs: no /dev to mount on ({err})"),
    };
    match vfs.mount(dev, Box::new(Devfs::new(crate::random::fill))) {
        Ok(mount) => {
            DEV.call_once(|| mount);
        }
        Err(err) => log::warn!("devfs: cannot mount on /dev: {err}"),
    }
}

/// The process file system on `/proc` (a directory the initramfs provides).
fn mount_proc(vfs: &mut Vfs<'static>) {
    match vfs.resolve(vfs.root(), b"/proc", Follow::Yes) {
        Ok(at) => {
            if let Err(err) = vfs.mount(at, Box::new(crate::procfs::Procfs)) {
                log::warn!("procfs: cannot mount on /proc: {err}");
            }
        }
        Err(err) => log::warn!("procfs: no /proc to mount on ({err})"),
    }
}

/// The devfs node of `device`: where opening any node with its numbers leads.
pub fn device_node(device: Device) -> Option<Location> {
    DEV.get().map(|&mount| Location {
        mount,
        ino: Devfs::inode(device),
    })
}

const TMP_LIMIT: usize = 16 << 20;

fn map_module(range: PhysRange) -> Result<&'static [u8], crate::memory::MapModuleError> {
    if range.is_empty() {
        return Ok(&[]);
    }
    map_boot_module(range)
}

/// The namespace (an empty root until [`mount`] has run).
pub fn vfs() -> &'static Vfs<'static> {
    ROOT.call_once(|| Vfs::new(Box::new(Initramfs::empty())))
}
