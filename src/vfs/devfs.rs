//! devfs: the character devices under `/dev`, with Linux's numbers (`devices.txt` in the Linux
//! documentation): `null` (1, 3), `zero` (1, 5), `random` (1, 8), `urandom` (1, 9), `tty`
//! (5, 0) and `console` (5, 1).
//!
//! The memory devices are read and written through the [`FileSystem`] calls like files:
//! `null` reads end of file and swallows writes, `zero` reads zeros, `random` and `urandom`
//! read the kernel's random source (handed in, so that host tests can give a fake one) and take
//! writes without using them (Linux mixes them in without crediting entropy). The terminals
//! have no data here: opening a node with their numbers gives the console
//! ([`Device::from_rdev`]), wherever the node lives (an initramfs may carry its own `/dev`).

use alloc::vec::Vec;

use super::FsError;
use super::node::{DirEntry, FileSystem, FileType, FsUsage, InodeId, Metadata};

/// The devices Kestrel provides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Device {
    Null,
    Zero,
    Random,
    Urandom,
    /// `/dev/tty`: the caller's controlling terminal, which is always the console.
    Tty,
    Console,
}

impl Device {
    pub const ALL: [Device; 6] = [
        Device::Console,
        Device::Null,
        Device::Random,
        Device::Tty,
        Device::Urandom,
        Device::Zero,
    ];

    /// (major, minor), as Linux numbers them.
    pub const fn rdev(self) -> (u32, u32) {
        match self {
            Device::Null => (1, 3),
            Device::Zero => (1, 5),
            Device::Random => (1, 8),
            Device::Urandom => (1, 9),
            Device::Tty => (5, 0),
            Device::Console => (5, 1),
        }
    }

    pub fn from_rdev(rdev: (u32, u32)) -> Option<Device> {
        Device::ALL.into_iter().find(|d| d.rdev() == rdev)
    }

    pub const fn name(self) -> &'static [u8] {
        match self {
            Device::Null => b"null",
            Device::Zero => b"zero",
            Device::Random => b"random",
            Device::Urandom => b"urandom",
            Device::Tty => b"tty",
            Device::Console => b"console",
        }
    }

    /// Whether opening it gives the console (a terminal) rather than a memory device.
    pub const fn is_terminal(self) -> bool {
        matches!(self, Device::Tty | Device::Console)
    }

    const fn permissions(self) -> u16 {
        match self {
            Device::Console => 0o600,
            _ => 0o666,
        }
    }
}

const ROOT: InodeId = 1;

/// The `/dev` file system: a root directory holding [`Device::ALL`] (in name order).
pub struct Devfs {
    random: fn(&mut [u8]),
}

impl Devfs {
    /// A devfs whose random devices read from `random`.
    pub fn new(random: fn(&mut [u8])) -> Self {
        Devfs { random }
    }

    /// The inode of `device`'s node.
    pub fn inode(device: Device) -> InodeId {
        let index = Device::ALL.iter().position(|&d| d == device).unwrap_or(0);
        ROOT + 1 + index as InodeId
    }

    fn device(ino: InodeId) -> Result<Device, FsError> {
        ino.checked_sub(ROOT + 1)
            .and_then(|i| Device::ALL.get(usize::try_from(i).ok()?).copied())
            .ok_or(FsError::Stale)
    }
}

impl FileSystem for Devfs {
    fn name(&self) -> &str {
        "devfs"
    }

    /// As Linux's devtmpfs, a tmpfs.
    fn usage(&self) -> FsUsage {
        FsUsage {
            magic: FsUsage::TMPFS_MAGIC,
            ..FsUsage::default()
        }
    }

    fn root(&self) -> InodeId {
        ROOT
    }

    fn metadata(&self, ino: InodeId) -> Result<Metadata, FsError> {
        let mut meta = Metadata::directory(ino, 0o755);
        if ino != ROOT {
            let device = Self::device(ino)?;
            meta.file_type = FileType::CharDevice;
            meta.permissions = device.permissions();
            meta.nlink = 1;
            meta.rdev = device.rdev();
        }
        Ok(meta)
    }

    fn lookup(&self, dir: InodeId, name: &[u8]) -> Result<InodeId, FsError> {
        if dir != ROOT {
            Self::device(dir)?;
            return Err(FsError::NotADirectory);
        }
        match name {
            b"." | b".." => Ok(ROOT),
            _ => Device::ALL
                .into_iter()
                .find(|d| d.name() == name)
                .map(Self::inode)
                .ok_or(FsError::NotFound),
        }
    }

    fn read(&self, ino: InodeId, _offset: u64, buf: &mut [u8]) -> Result<usize, FsError> {
        if ino == ROOT {
            return Err(FsError::IsADirectory);
        }
        match Self::device(ino)? {
            Device::Null => Ok(0),
            Device::Zero => {
                buf.fill(0);
                Ok(buf.len())
            }
            Device::Random | Device::Urandom => {
                (self.random)(buf);
                Ok(buf.len())
            }
            // Opened as the console; never read through here.
            Device::Tty | Device::Console => Err(FsError::InvalidArgument),
        }
    }

    fn write(&self, ino: InodeId, _offset: u64, data: &[u8]) -> Result<usize, FsError> {
        if ino == ROOT {
            return Err(FsError::IsADirectory);
        }
        match Self::device(ino)? {
            Device::Tty | Device::Console => Err(FsError::InvalidArgument),
            _ => Ok(data.len()),
        }
    }

    fn truncate(&self, ino: InodeId, _size: u64) -> Result<(), FsError> {
        // O_TRUNC on a device is ignored, as on Linux.
        Self::metadata(self, ino).map(|_| ())
    }

    fn read_link(&self, _ino: InodeId, _out: &mut Vec<u8>) -> Result<(), FsError> {
        Err(FsError::InvalidArgument)
    }

    fn read_dir(
        &self,
        dir: InodeId,
        start: usize,
        emit: &mut dyn FnMut(DirEntry<'_>) -> bool,
    ) -> Result<usize, FsError> {
        if dir != ROOT {
            Self::device(dir)?;
            return Err(FsError::NotADirectory);
        }
        let mut position = start;
        for device in Device::ALL.iter().skip(start) {
            let entry = DirEntry {
                name: device.name(),
                ino: Self::inode(*device),
                file_type: FileType::CharDevice,
            };
            if !emit(entry) {
                break;
            }
            position += 1;
        }
        Ok(position)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vfs::cpio::tests::Builder;
    use crate::vfs::{Follow, Initramfs, Vfs};
    use alloc::boxed::Box;
    use alloc::vec;

    fn fake_random(buf: &mut [u8]) {
        for (i, b) in buf.iter_mut().enumerate() {
            *b = i as u8 ^ 0xA5;
        }
    }

    #[test]
    fn nodes_have_linux_numbers() {
        let fs = Devfs::new(fake_random);
        for (name, rdev) in [
            (&b"null"[..], (1, 3)),
            (b"zero", (1, 5)),
            (b"random", (1, 8)),
            (b"urandom", (1, 9)),
            (b"tty", (5, 0)),
            (b"console", (5, 1)),
        ] {
            let ino = fs.lookup(ROOT, name).unwrap();
            let meta = fs.metadata(ino).unwrap();
            assert_eq!(meta.file_type, FileType::CharDevice);
            assert_eq!(meta.rdev, rdev);
            assert_eq!(meta.mode() & 0o170000, 0o020000);
            assert_eq!(Device::from_rdev(rdev).map(Device::name), Some(name));
        }
        assert_eq!(fs.lookup(ROOT, b"sda"), Err(FsError::NotFound));
        assert_eq!(Device::from_rdev((8, 0)), None);
        assert_eq!(fs.metadata(99), Err(FsError::Stale));
    }

    #[test]
    fn memory_devices_read_and_write() {
        let fs = Devfs::new(fake_random);
        let ino = |d| Devfs::inode(d);
        let mut buf = vec![7u8; 10];
        assert_eq!(fs.read(ino(Device::Null), 0, &mut buf), Ok(0));
        assert_eq!(fs.read(ino(Device::Zero), 5, &mut buf), Ok(10));
        assert!(buf.iter().all(|&b| b == 0));
        assert_eq!(fs.read(ino(Device::Urandom), 0, &mut buf), Ok(10));
        assert_eq!(buf[1], 1 ^ 0xA5);
        for device in [Device::Null, Device::Zero, Device::Random, Device::Urandom] {
            assert_eq!(fs.write(ino(device), 0, b"abc"), Ok(3));
        }
        assert!(fs.read(ino(Device::Console), 0, &mut buf).is_err());
        assert_eq!(fs.read(ROOT, 0, &mut buf), Err(FsError::IsADirectory));
    }

    #[test]
    fn listing_and_mounting() {
        let fs = Devfs::new(fake_random);
        let mut names = vec![];
        let end = fs
            .read_dir(ROOT, 0, &mut |e| {
                names.push(e.name.to_vec());
                true
            })
            .unwrap();
        assert_eq!(end, 6);
        assert_eq!(names[0], b"console");
        let mut two = 0;
        assert_eq!(
            fs.read_dir(ROOT, 4, &mut |_| {
                two += 1;
                true
            }),
            Ok(6)
        );
        assert_eq!(two, 2);

        let archive = Builder::default().dir("dev").trailer().finish();
        let root = Initramfs::from_archives(&[&archive]).unwrap();
        let mut vfs = Vfs::new(Box::new(root));
        let dev = vfs.resolve(vfs.root(), b"/dev", Follow::Yes).unwrap();
        vfs.mount(dev, Box::new(Devfs::new(fake_random))).unwrap();
        let null = vfs.resolve(vfs.root(), b"/dev/null", Follow::Yes).unwrap();
        assert_eq!(vfs.metadata(null).unwrap().rdev, (1, 3));
        let up = vfs
            .resolve(vfs.root(), b"/dev/../dev/zero", Follow::Yes)
            .unwrap();
        assert_eq!(vfs.metadata(up).unwrap().rdev, (1, 5));
        assert_eq!(
            vfs.resolve(vfs.root(), b"/dev/null/x", Follow::Yes),
            Err(FsError::NotADirectory)
        );
    }
}
