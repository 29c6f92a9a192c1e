//! Reader for `newc` cpio archives, the format of Linux initramfs images
//! (`cpio -o -H newc`; Linux `Documentation/driver-api/early-userspace/buffer-format.rst`).
//!
//! Each entry is a 110-byte ASCII header (magic `070701`, or `070702` when the header carries
//! a checksum of a regular file's data, then thirteen 8-digit hexadecimal fields), the
//! NUL-terminated name, padding to a multiple of 4 bytes, the data, and padding to 4 again.
//! The entry named `TRAILER!!!` ends an archive. Several archives may follow one another,
//! separated by NUL padding, as when a boot loader passes the modules back to back; the reader
//! goes on through all of them.
//!
//! Nothing is copied: names and data are slices of the archive. Every offset and size is
//! checked against the archive's length, so a malformed archive gives a [`CpioError`] naming
//! the byte offset where it went wrong, never a panic.

use core::fmt;

const HEADER_LEN: usize = 110;
const MAGIC: &[u8; 6] = b"070701";
const MAGIC_CRC: &[u8; 6] = b"070702";
const TRAILER: &[u8] = b"TRAILER!!!";

/// Names longer than this (terminator included) are refused: Linux's `PATH_MAX`.
pub const MAX_NAME: usize = 4096;

/// The file-type bits of `mode` (`S_IFMT`) and their values (`inode(7)`).
pub const S_IFMT: u32 = 0o170_000;
pub const S_IFSOCK: u32 = 0o140_000;
pub const S_IFLNK: u32 = 0o120_000;
pub const S_IFREG: u32 = 0o100_000;
pub const S_IFBLK: u32 = 0o060_000;
pub const S_IFDIR: u32 = 0o040_000;
pub const S_IFCHR: u32 = 0o020_000;
pub const S_IFIFO: u32 = 0o010_000;

/// One archive member.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry<'a> {
    /// The path as stored, without its NUL (`./bin/sh`, `bin/sh` and `/bin/sh` all occur).
    pub name: &'a [u8],
    pub ino: u32,
    /// File type and permission bits, as `st_mode`.
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    pub nlink: u32,
    pub mtime: u32,
    pub dev_major: u32,
    pub dev_minor: u32,
    pub rdev_major: u32,
    pub rdev_minor: u32,
    /// The file's contents; a symbolic link's target.
    pub data: &'a [u8],
    /// Where the entry's header starts in the archive.
    pub offset: usize,
}

impl Entry<'_> {
    pub const fn file_type(&self) -> u32 {
        self.mode & S_IFMT
    }
}

/// What is wrong with an archive, and where (a byte offset into it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CpioError {
    /// A header does not start with `070701` or `070702` (`070707` is the old binary format).
    BadMagic { offset: usize },
    /// The archive ends inside a header, a name or the data it announces.
    Truncated {
        offset: usize,
        needed: usize,
        len: usize,
    },
    /// A header field is not eight hexadecimal digits.
    BadField { offset: usize, field: &'static str },
    /// The name is empty, not NUL-terminated where its size says, or contains a NUL.
    BadName { offset: usize },
    /// The name is longer than [`MAX_NAME`].
    NameTooLong { offset: usize, len: usize },
    /// A `070702` entry's data does not add up to its checksum.
    ChecksumMismatch {
        offset: usize,
        expected: u32,
        actual: u32,
    },
    /// The archive ends without a `TRAILER!!!` entry.
    MissingTrailer { offset: usize },
    /// Something other than NUL padding follows a trailer at an unaligned offset.
    JunkAfterTrailer { offset: usize },
}

impl fmt::Display for CpioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            CpioError::BadMagic { offset } => write!(
                f,
                "cpio: no newc header at byte {offset} (magic must be 070701 or 070702)"
            ),
            CpioError::Truncated {
                offset,
                needed,
                len,
            } => write!(
                f,
                "cpio: entry at byte {offset} needs {needed} bytes but the archive has {len} \
                 (truncated)"
            ),
            CpioError::BadField { offset, field } => {
                write!(
                    f,
                    "cpio: header at byte {offset}: field {field} is not 8 hex digits"
                )
            }
            CpioError::BadName { offset } => {
                write!(
                    f,
                    "cpio: entry at byte {offset} has an empty or unterminated name"
                )
            }
            CpioError::NameTooLong { offset, len } => {
                write!(
                    f,
                    "cpio: entry at byte {offset} has a {len}-byte name (limit {MAX_NAME})"
                )
            }
            CpioError::ChecksumMismatch {
                offset,
                expected,
                actual,
            } => write!(
                f,
                "cpio: entry at byte {offset}: data sums to {actual:#010x}, header says \
                 {expected:#010x}"
            ),
            CpioError::MissingTrailer { offset } => {
                write!(
                    f,
                    "cpio: archive ends at byte {offset} without a TRAILER!!! entry"
                )
            }
            CpioError::JunkAfterTrailer { offset } => {
                write!(f, "cpio: unaligned data at byte {offset} after the trailer")
            }
        }
    }
}

/// The thirteen header fields, in order.
const FIELDS: [&str; 13] = [
    "c_ino",
    "c_mode",
    "c_uid",
    "c_gid",
    "c_nlink",
    "c_mtime",
    "c_filesize",
    "c_devmajor",
    "c_devminor",
    "c_rdevmajor",
    "c_rdevminor",
    "c_namesize",
    "c_check",
];

fn hex_field(header: &[u8], index: usize, offset: usize) -> Result<u32, CpioError> {
    let digits = &header[6 + 8 * index..6 + 8 * (index + 1)];
    let mut value: u32 = 0;
    for &d in digits {
        let nibble = match d {
            b'0'..=b'9' => d - b'0',
            b'a'..=b'f' => d - b'a' + 10,
            b'A'..=b'F' => d - b'A' + 10,
            _ => {
                return Err(CpioError::BadField {
                    offset,
                    field: FIELDS[index],
                });
            }
        };
        value = value << 4 | u32::from(nibble);
    }
    Ok(value)
}

/// `at` rounded up to a multiple of 4, saturating (the bounds checks then fail).
const fn align4(at: usize) -> usize {
    match at.checked_next_multiple_of(4) {
        Some(v) => v,
        None => usize::MAX,
    }
}

/// Iterates over the entries of one archive or several concatenated ones. Yields each error
/// once and then stops.
pub fn entries(archive: &[u8]) -> Entries<'_> {
    Entries {
        archive,
        pos: 0,
        done: false,
    }
}

/// Iterator of [`entries`].
#[derive(Debug, Clone)]
pub struct Entries<'a> {
    archive: &'a [u8],
    pos: usize,
    done: bool,
}

impl<'a> Entries<'a> {
    fn slice(&self, offset: usize, start: usize, len: usize) -> Result<&'a [u8], CpioError> {
        let end = start
            .checked_add(len)
            .filter(|&end| end <= self.archive.len());
        match end {
            Some(end) => Ok(&self.archive[start..end]),
            None => Err(CpioError::Truncated {
                offset,
                needed: start.saturating_add(len) - offset,
                len: self.archive.len(),
            }),
        }
    }

    /// Parses the entry at `self.pos`: `Ok(None)` for a trailer.
    fn parse(&mut self) -> Result<Option<Entry<'a>>, CpioError> {
        let offset = self.pos;
        if self.archive.len() - offset < 6 {
            return Err(CpioError::Truncated {
                offset,
                needed: HEADER_LEN,
                len: self.archive.len(),
            });
        }
        let magic = &self.archive[offset..offset + 6];
        if magic != MAGIC && magic != MAGIC_CRC {
            return Err(CpioError::BadMagic { offset });
        }
        let header = self.slice(offset, offset, HEADER_LEN)?;
        let mut f = [0u32; 13];
        for (i, value) in f.iter_mut().enumerate() {
            *value = hex_field(header, i, offset)?;
        }
        let [
            ino,
            mode,
            uid,
            gid,
            nlink,
            mtime,
            filesize,
            dev_major,
            dev_minor,
            rdev_major,
            rdev_minor,
            namesize,
            check,
        ] = f;
        let namesize = namesize as usize;
        if namesize > MAX_NAME {
            return Err(CpioError::NameTooLong {
                offset,
                len: namesize,
            });
        }
        let name_start = offset + HEADER_LEN;
        let raw_name = self.slice(offset, name_start, namesize)?;
        let Some((&0, name)) = raw_name.split_last() else {
            return Err(CpioError::BadName { offset });
        };
        if name.is_empty() || name.contains(&0) {
            return Err(CpioError::BadName { offset });
        }
        let data_start = align4(name_start + namesize);
        let data = self.slice(offset, data_start, filesize as usize)?;
        // Only regular files' data is summed: GNU cpio writes 0 for symbolic links, and Linux
        // checks the sum only while copying a regular file.
        if magic == MAGIC_CRC && mode & S_IFMT == S_IFREG {
            let actual = data
                .iter()
                .fold(0u32, |sum, &b| sum.wrapping_add(u32::from(b)));
            if actual != check {
                return Err(CpioError::ChecksumMismatch {
                    offset,
                    expected: check,
                    actual,
                });
            }
        }
        self.pos = align4(data_start + data.len()).min(self.archive.len());
        if name == TRAILER {
            return Ok(None);
        }
        Ok(Some(Entry {
            name,
            ino,
            mode,
            uid,
            gid,
            nlink,
            mtime,
            dev_major,
            dev_minor,
            rdev_major,
            rdev_minor,
            data,
            offset,
        }))
    }

    /// After a trailer: skips NUL padding. `Ok(true)` when another archive starts.
    fn skip_padding(&mut self) -> Result<bool, CpioError> {
        let rest = &self.archive[self.pos..];
        let zeros = rest.iter().take_while(|&&b| b == 0).count();
        self.pos += zeros;
        if self.pos == self.archive.len() {
            return Ok(false);
        }
        if !self.pos.is_multiple_of(4) {
            return Err(CpioError::JunkAfterTrailer { offset: self.pos });
        }
        Ok(true)
    }
}

impl<'a> Iterator for Entries<'a> {
    type Item = Result<Entry<'a>, CpioError>;

    fn next(&mut self) -> Option<Self::Item> {
        while !self.done {
            if self.pos >= self.archive.len() {
                self.done = true;
                return Some(Err(CpioError::MissingTrailer { offset: self.pos }));
            }
            let result = match self.parse() {
                Ok(Some(entry)) => return Some(Ok(entry)),
                Ok(None) => self.skip_padding(),
                Err(e) => Err(e),
            };
            match result {
                Ok(true) => continue,
                Ok(false) => self.done = true,
                Err(e) => {
                    self.done = true;
                    return Some(Err(e));
                }
            }
        }
        None
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use alloc::format;
    use alloc::vec::Vec;

    /// Builds a newc archive, as `cpio -o -H newc` would, for the tests here and in the VFS.
    #[derive(Default)]
    pub struct Builder {
        pub bytes: Vec<u8>,
        next_ino: u32,
        pub with_checksums: bool,
    }

    impl Builder {
        pub fn entry(&mut self, name: &str, mode: u32, data: &[u8]) -> &mut Self {
            self.next_ino += 1;
            self.entry_with(name, mode, data, self.next_ino, 1)
        }

        pub fn entry_with(
            &mut self,
            name: &str,
            mode: u32,
            data: &[u8],
            ino: u32,
            nlink: u32,
        ) -> &mut Self {
            let magic = if self.with_checksums {
                "070702"
            } else {
                "070701"
            };
            let check = if self.with_checksums {
                data.iter().map(|&b| u32::from(b)).sum::<u32>()
            } else {
                0
            };
            let fields = [
                ino,
                mode,
                0,
                0,
                nlink,
                0,
                data.len() as u32,
                0,
                0,
                0,
                0,
                name.len() as u32 + 1,
                check,
            ];
            self.bytes.extend_from_slice(magic.as_bytes());
            for v in fields {
                self.bytes.extend_from_slice(format!("{v:08X}").as_bytes());
            }
            self.bytes.extend_from_slice(name.as_bytes());
            self.bytes.push(0);
            self.pad();
            self.bytes.extend_from_slice(data);
            self.pad();
            self
        }

        pub fn file(&mut self, name: &str, data: &[u8]) -> &mut Self {
            self.entry(name, S_IFREG | 0o644, data)
        }

        pub fn dir(&mut self, name: &str) -> &mut Self {
            self.entry(name, S_IFDIR | 0o755, b"")
        }

        pub fn symlink(&mut self, name: &str, target: &str) -> &mut Self {
            self.entry(name, S_IFLNK | 0o777, target.as_bytes())
        }

        pub fn trailer(&mut self) -> &mut Self {
            self.entry_with("TRAILER!!!", 0, b"", 0, 1)
        }

        fn pad(&mut self) {
            while !self.bytes.len().is_multiple_of(4) {
                self.bytes.push(0);
            }
        }

        pub fn finish(&mut self) -> Vec<u8> {
            core::mem::take(&mut self.bytes)
        }
    }

    fn collect(archive: &[u8]) -> Result<Vec<Entry<'_>>, CpioError> {
        entries(archive).collect()
    }

    #[test]
    fn reads_entries_without_copying() {
        let archive = Builder::default()
            .dir(".")
            .dir("bin")
            .file("bin/hello", b"\x7fELF...")
            .symlink("bin/sh", "busybox")
            .trailer()
            .finish();
        let list = collect(&archive).unwrap();
        let names: Vec<&[u8]> = list.iter().map(|e| e.name).collect();
        assert_eq!(names, [&b"."[..], b"bin", b"bin/hello", b"bin/sh"]);
        assert_eq!(list[2].data, b"\x7fELF...");
        assert_eq!(list[2].file_type(), S_IFREG);
        assert_eq!(list[2].mode & 0o7777, 0o644);
        assert_eq!(list[3].data, b"busybox");
        assert_eq!(list[3].file_type(), S_IFLNK);
        // Zero-copy: the data is a slice of the archive itself.
        let range = archive.as_ptr_range();
        assert!(range.contains(&list[2].data.as_ptr()));
        assert_eq!(list[0].offset, 0);
    }

    #[test]
    fn checksummed_archives() {
        let mut b = Builder {
            with_checksums: true,
            ..Builder::default()
        };
        let mut archive = b.file("etc/motd", b"welcome\n").trailer().finish();
        assert_eq!(collect(&archive).unwrap().len(), 1);
        // Corrupt one data byte: the checksum catches it.
        let at = archive.windows(7).position(|w| w == b"welcome").unwrap();
        archive[at] = b'W';
        assert!(matches!(
            collect(&archive),
            Err(CpioError::ChecksumMismatch { offset: 0, .. })
        ));
    }

    #[test]
    fn concatenated_archives_with_padding() {
        let mut first = Builder::default().file("a", b"1").trailer().finish();
        first.resize(512, 0); // cpio pads to its block size
        let second = Builder::default().file("b", b"22").trailer().finish();
        first.extend_from_slice(&second);
        first.extend_from_slice(&[0; 100]);
        let names: Vec<&[u8]> = collect(&first).unwrap().iter().map(|e| e.name).collect();
        assert_eq!(names, [&b"a"[..], b"b"]);
    }

    #[test]
    fn malformed_archives_get_errors_with_offsets() {
        let good = Builder::default()
            .file("bin/x", b"abcdef")
            .trailer()
            .finish();

        assert_eq!(collect(b""), Err(CpioError::MissingTrailer { offset: 0 }));
        let no_trailer = Builder::default().file("x", b"1").finish();
        assert!(matches!(
            collect(&no_trailer),
            Err(CpioError::MissingTrailer { .. })
        ));

        let mut bad = good.clone();
        bad[..6].copy_from_slice(b"070707");
        assert_eq!(collect(&bad), Err(CpioError::BadMagic { offset: 0 }));

        let mut bad = good.clone();
        bad[6 + 8 * 6] = b'g'; // c_filesize
        assert_eq!(
            collect(&bad),
            Err(CpioError::BadField {
                offset: 0,
                field: "c_filesize"
            })
        );

        for len in [3, 50, 110, 113, 118, 121] {
            let err = collect(&good[..len]).unwrap_err();
            assert!(
                matches!(err, CpioError::Truncated { offset: 0, .. }),
                "{len}: {err}"
            );
        }

        // A file size far past the end.
        let mut bad = good.clone();
        bad[6 + 8 * 6..6 + 8 * 7].copy_from_slice(b"FFFFFFFF");
        assert!(matches!(collect(&bad), Err(CpioError::Truncated { .. })));

        // Name size 0, a name without its NUL, a NUL inside the name, an absurd name size.
        for (size, expected) in [(b"00000000", "BadName"), (b"00000002", "BadName")] {
            let mut bad = good.clone();
            bad[6 + 8 * 11..6 + 8 * 12].copy_from_slice(size);
            let err = collect(&bad).unwrap_err();
            assert!(format!("{err:?}").starts_with(expected), "{err:?}");
        }
        let mut bad = good.clone();
        bad[HEADER_LEN + 1] = 0;
        assert_eq!(collect(&bad), Err(CpioError::BadName { offset: 0 }));
        let mut bad = good.clone();
        bad[6 + 8 * 11..6 + 8 * 12].copy_from_slice(b"7FFFFFFF");
        assert!(matches!(collect(&bad), Err(CpioError::NameTooLong { .. })));

        // Junk after the trailer.
        let mut bad = good.clone();
        bad.extend_from_slice(b"\0\0\0xyz");
        assert!(matches!(
            collect(&bad),
            Err(CpioError::JunkAfterTrailer { .. })
        ));
        // Garbage after a trailer at an aligned offset is a bad header.
        let mut bad = good.clone();
        bad.extend_from_slice(b"garbage!");
        assert!(matches!(collect(&bad), Err(CpioError::BadMagic { .. })));
    }

    #[test]
    fn errors_are_reported_once_and_have_words() {
        let mut it = entries(b"junk that is not cpio");
        let err = it.next().unwrap().unwrap_err();
        assert!(format!("{err}").contains("070701"));
        assert!(it.next().is_none());
    }

    #[test]
    fn random_corruption_never_panics() {
        let good = Builder::default()
            .dir("bin")
            .file("bin/hello", &[7u8; 300])
            .symlink("bin/sh", "hello")
            .trailer()
            .finish();
        let mut state = 0x1234_5678_9abc_def1u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut seen_ok = 0;
        for _ in 0..20_000 {
            let mut a = good.clone();
            for _ in 0..1 + next() % 4 {
                let at = (next() % a.len() as u64) as usize;
                a[at] = match next() % 3 {
                    0 => next() as u8,
                    1 => b"0123456789ABCDEFfg"[(next() % 18) as usize],
                    _ => 0,
                };
            }
            if next() % 5 == 0 {
                a.truncate((next() % (a.len() as u64 + 1)) as usize);
            }
            let mut total = 0usize;
            for entry in entries(&a) {
                match entry {
                    Ok(e) => {
                        assert!(e.offset < a.len());
                        total += e.data.len() + e.name.len();
                    }
                    Err(e) => assert!(!format!("{e}").is_empty()),
                }
            }
            assert!(total <= a.len());
            seen_ok += usize::from(collect(&a).is_ok());
        }
        assert!(
            seen_ok > 100,
            "the mutations must leave some archives valid: {seen_ok}"
        );
    }
}
