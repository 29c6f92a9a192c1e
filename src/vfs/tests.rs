//! Host tests of the initramfs tree and of path resolution across mounts.

use super::cpio::tests::Builder;
use super::cpio::{S_IFCHR, S_IFREG};
use super::*;
use alloc::boxed::Box;
use alloc::vec;
use alloc::vec::Vec;

fn sample() -> Vec<u8> {
    Builder::default()
        .dir(".")
        .dir("bin")
        .file("bin/busybox", b"\x7fELF busybox")
        .symlink("bin/sh", "busybox")
        .symlink("bin/ls", "/bin/busybox")
        .file("./etc/motd", b"Welcome to Kestrel\n") // implies etc/
        .symlink("etc/self", ".")
        .symlink("etc/up", "..")
        .symlink("etc/dangling", "nowhere")
        .symlink("etc/loop", "loop")
        .symlink("etc/ping", "pong")
        .symlink("etc/pong", "ping")
        .symlink("lib", "usr/lib")
        .file("usr/lib/libc.txt", b"no libc here")
        .symlink("motd", "etc/motd")
        .dir("tmp")
        .entry("dev/console", S_IFCHR | 0o600, b"")
        .trailer()
        .finish()
}

fn vfs(archive: &[u8]) -> Vfs<'_> {
    Vfs::new(Box::new(Initramfs::from_archives(&[archive]).unwrap()))
}

fn read_all(v: &Vfs<'_>, at: Location) -> Vec<u8> {
    let mut out = vec![0u8; 256];
    let n = v.read(at, 0, &mut out).unwrap();
    out.truncate(n);
    out
}

fn open<'a>(v: &Vfs<'a>, path: &str) -> Result<Location, FsError> {
    v.resolve(v.root(), path.as_bytes(), Follow::Yes)
}

fn list(v: &Vfs<'_>, dir: Location) -> Vec<Vec<u8>> {
    let mut names = Vec::new();
    v.read_dir(dir, 0, &mut |e| {
        names.push(e.name.to_vec());
        true
    })
    .unwrap();
    names
}

#[test]
fn implied_directories_and_files() {
    let archive = sample();
    let v = vfs(&archive);
    let motd = open(&v, "/etc/motd").unwrap();
    assert_eq!(read_all(&v, motd), b"Welcome to Kestrel\n");
    let etc = open(&v, "/etc").unwrap();
    let meta = v.metadata(etc).unwrap();
    assert!(meta.is_dir());
    assert_eq!(meta.permissions, 0o755);
    assert_eq!(
        list(&v, v.root()),
        [&b"bin"[..], b"dev", b"etc", b"lib", b"motd", b"tmp", b"usr"]
    );
    let console = v.metadata(open(&v, "/dev/console").unwrap()).unwrap();
    assert_eq!(console.file_type, FileType::CharDevice);
    assert_eq!(console.mode(), S_IFCHR | 0o600);
    // The root has 2 + (number of subdirectories) links.
    assert_eq!(v.metadata(v.root()).unwrap().nlink, 2 + 5);
}

#[test]
fn files_point_into_the_archive() {
    let archive = sample();
    let v = vfs(&archive);
    let busybox = open(&v, "/bin/busybox").unwrap();
    let contents = v.contents(busybox).unwrap();
    assert_eq!(contents, b"\x7fELF busybox");
    assert!(archive.as_ptr_range().contains(&contents.as_ptr()));
    // Partial and past-the-end reads.
    let mut buf = [0u8; 4];
    assert_eq!(v.read(busybox, 5, &mut buf), Ok(4));
    assert_eq!(&buf, b"busy");
    assert_eq!(v.read(busybox, 1000, &mut buf), Ok(0));
    assert_eq!(v.read(busybox, u64::MAX, &mut buf), Ok(0));
    assert_eq!(
        v.read(open(&v, "/etc").unwrap(), 0, &mut buf),
        Err(FsError::IsADirectory)
    );
}

#[test]
fn symlinks_relative_absolute_and_in_the_middle() {
    let archive = sample();
    let v = vfs(&archive);
    let busybox = open(&v, "/bin/busybox").unwrap();
    assert_eq!(open(&v, "/bin/sh"), Ok(busybox));
    assert_eq!(open(&v, "/bin/ls"), Ok(busybox));
    assert_eq!(open(&v, "/lib/libc.txt"), open(&v, "/usr/lib/libc.txt"));
    assert_eq!(open(&v, "/etc/self/self/self/motd"), open(&v, "/etc/motd"));
    assert_eq!(open(&v, "/etc/up/bin/sh"), Ok(busybox));
    // `..` after a link means the parent of the target: /lib/.. is /usr, not /.
    assert_eq!(open(&v, "/lib/.."), open(&v, "/usr"));
    // Not following the last component.
    let link = v.resolve(v.root(), b"/bin/sh", Follow::No).unwrap();
    assert_ne!(link, busybox);
    assert_eq!(v.metadata(link).unwrap().file_type, FileType::Symlink);
    assert_eq!(v.metadata(link).unwrap().size, 7);
    assert_eq!(v.read_link(link).unwrap(), b"busybox");
    assert_eq!(v.read_link(busybox), Err(FsError::InvalidArgument));
    // A trailing slash follows even with Follow::No.
    assert_eq!(
        v.resolve(v.root(), b"/lib/", Follow::No),
        open(&v, "/usr/lib")
    );
}

#[test]
fn loops_and_dangling_links() {
    let archive = sample();
    let v = vfs(&archive);
    assert_eq!(open(&v, "/etc/loop"), Err(FsError::TooManySymlinks));
    assert_eq!(open(&v, "/etc/ping"), Err(FsError::TooManySymlinks));
    assert_eq!(open(&v, "/etc/loop/x"), Err(FsError::TooManySymlinks));
    assert_eq!(open(&v, "/etc/dangling"), Err(FsError::NotFound));
    assert!(v.resolve(v.root(), b"/etc/loop", Follow::No).is_ok());
    assert_eq!(FsError::TooManySymlinks.errno(), 40);
}

#[test]
fn forty_links_are_fine_forty_one_are_not() {
    let mut b = Builder::default();
    b.file("target", b"end");
    let names: Vec<alloc::string::String> = (0..=41).map(|i| alloc::format!("l{i}")).collect();
    b.symlink(&names[0], "target");
    for i in 1..=41 {
        b.symlink(&names[i], &names[i - 1]);
    }
    let archive = b.trailer().finish();
    let v = vfs(&archive);
    assert!(open(&v, "/l39").is_ok(), "40 links");
    assert_eq!(open(&v, "/l40"), Err(FsError::TooManySymlinks), "41 links");
}

#[test]
fn enoent_and_enotdir_are_told_apart() {
    let archive = sample();
    let v = vfs(&archive);
    assert_eq!(open(&v, "/nope"), Err(FsError::NotFound));
    assert_eq!(open(&v, "/nope/deeper"), Err(FsError::NotFound));
    assert_eq!(open(&v, "/etc/motd/x"), Err(FsError::NotADirectory));
    assert_eq!(open(&v, "/etc/motd/"), Err(FsError::NotADirectory));
    assert_eq!(open(&v, "/etc/motd/."), Err(FsError::NotADirectory));
    assert_eq!(
        open(&v, "/motd/"),
        Err(FsError::NotADirectory),
        "link to a file, then slash"
    );
    assert_eq!(open(&v, ""), Err(FsError::NotFound));
    assert_eq!(FsError::NotFound.errno(), 2);
    assert_eq!(FsError::NotADirectory.errno(), 20);
}

#[test]
fn long_names_and_paths() {
    let archive = sample();
    let v = vfs(&archive);
    let long_name = alloc::format!("/{}", "n".repeat(256));
    assert_eq!(open(&v, &long_name), Err(FsError::NameTooLong));
    let long_path = "/etc".repeat(1100);
    assert_eq!(open(&v, &long_path), Err(FsError::NameTooLong));
}

#[test]
fn relative_lookup_from_a_cwd_and_dot_dot_at_the_root() {
    let archive = sample();
    let v = vfs(&archive);
    let etc = open(&v, "/etc").unwrap();
    assert_eq!(v.resolve(etc, b"motd", Follow::Yes), open(&v, "/etc/motd"));
    assert_eq!(
        v.resolve(etc, b"../bin/sh", Follow::Yes),
        open(&v, "/bin/busybox")
    );
    assert_eq!(v.resolve(etc, b".", Follow::Yes), Ok(etc));
    assert_eq!(v.resolve(etc, b"/", Follow::Yes), Ok(v.root()));
    assert_eq!(open(&v, "/../../.."), Ok(v.root()));
    assert_eq!(open(&v, "//etc//./motd"), open(&v, "/etc/motd"));
    // Absolute link targets restart at the root, whatever the cwd.
    let bin = open(&v, "/bin").unwrap();
    assert_eq!(v.resolve(bin, b"ls", Follow::Yes), open(&v, "/bin/busybox"));
}

#[test]
fn path_of_directories() {
    let archive = sample();
    let v = vfs(&archive);
    assert_eq!(v.path_of(v.root()).unwrap(), b"/");
    assert_eq!(
        v.path_of(open(&v, "/usr/lib").unwrap()).unwrap(),
        b"/usr/lib"
    );
    assert_eq!(v.path_of(open(&v, "/lib").unwrap()).unwrap(), b"/usr/lib");
}

#[test]
fn mounts_are_entered_and_left() {
    let archive = sample();
    let tmp_archive = Builder::default()
        .file("scratch", b"tmp data")
        .dir("sub")
        .trailer()
        .finish();
    let mut v = vfs(&archive);
    let tmp = open(&v, "/tmp").unwrap();
    let mount = v
        .mount(
            tmp,
            Box::new(Initramfs::from_archives(&[&tmp_archive]).unwrap()),
        )
        .unwrap();
    assert_eq!(mount, 1);
    let scratch = open(&v, "/tmp/scratch").unwrap();
    assert_eq!(scratch.mount, 1);
    assert_eq!(read_all(&v, scratch), b"tmp data");
    assert_eq!(open(&v, "/tmp/sub/../../etc/motd"), open(&v, "/etc/motd"));
    assert_eq!(open(&v, "/tmp/.."), Ok(v.root()));
    let sub = open(&v, "/tmp/sub").unwrap();
    assert_eq!(v.path_of(sub).unwrap(), b"/tmp/sub");
    assert_eq!(v.path_of(open(&v, "/tmp").unwrap()).unwrap(), b"/tmp");
    // Mounting twice on the same place, on a file, or on a mount's root is refused.
    let again = Box::new(Initramfs::empty());
    assert_eq!(v.mount(tmp, again).err(), Some(FsError::Busy));
    let motd = open(&v, "/etc/motd").unwrap();
    assert_eq!(
        v.mount(motd, Box::new(Initramfs::empty())).err(),
        Some(FsError::NotADirectory)
    );
    let mounted_root = open(&v, "/tmp").unwrap();
    assert_eq!(
        v.mount(mounted_root, Box::new(Initramfs::empty())).err(),
        Some(FsError::Busy)
    );
    let names: Vec<&str> = v.mounts().map(|(fs, _)| fs.name()).collect();
    assert_eq!(names, ["initramfs", "initramfs"]);
}

#[test]
fn the_initramfs_is_read_only() {
    let archive = sample();
    let v = vfs(&archive);
    let root = v.root();
    let fs = v.fs(root);
    assert_eq!(
        fs.create(root.ino, b"new", FileType::Regular, 0o644),
        Err(FsError::ReadOnly)
    );
    assert_eq!(fs.write(root.ino, 0, b"x"), Err(FsError::ReadOnly));
    assert_eq!(fs.unlink(root.ino, b"etc"), Err(FsError::ReadOnly));
    assert_eq!(FsError::ReadOnly.errno(), 30);
    assert_eq!(fs.metadata(999_999), Err(FsError::Stale));
    assert_eq!(fs.metadata(0), Err(FsError::Stale));
}

#[test]
fn resolve_parent_for_creating_calls() {
    let archive = sample();
    let v = vfs(&archive);
    let (dir, name) = v.resolve_parent(v.root(), b"/tmp/newfile").unwrap();
    assert_eq!((dir, name), (open(&v, "/tmp").unwrap(), &b"newfile"[..]));
    let (dir, name) = v.resolve_parent(open(&v, "/etc").unwrap(), b"x/").unwrap();
    assert_eq!((dir, name), (open(&v, "/etc").unwrap(), &b"x"[..]));
    assert_eq!(
        v.resolve_parent(v.root(), b"/etc/motd/x").err(),
        Some(FsError::NotADirectory)
    );
    assert_eq!(
        v.resolve_parent(v.root(), b"/nope/x").err(),
        Some(FsError::NotFound)
    );
    assert_eq!(
        v.resolve_parent(v.root(), b"/etc/..").err(),
        Some(FsError::InvalidArgument)
    );
    assert_eq!(v.resolve_parent(v.root(), b"/").err(), Some(FsError::Busy));
    // Creating calls find that `/`, `.` and `..` exist (`mkdir -p` relies on it).
    for path in [&b"/"[..], b"/tmp/.", b"/tmp/..", b".", b"//"] {
        assert_eq!(
            v.mkdir(v.root(), path, 0o755).err(),
            Some(FsError::Exists),
            "{path:?}"
        );
    }
    assert_eq!(
        v.mkdir(v.root(), b"/nope/..", 0o755).err(),
        Some(FsError::NotFound)
    );
}

#[test]
fn later_members_replace_earlier_ones_and_hard_links_share_a_node() {
    let archive = Builder::default()
        .file("a", b"first")
        .file("a", b"second")
        .dir("d")
        .entry("d", cpio::S_IFDIR | 0o700, b"")
        .file("d/inner", b"kept")
        // Two names for inode 77; newc carries the data with the last one.
        .entry_with("x/one", S_IFREG | 0o755, b"", 77, 2)
        .entry_with("x/two", S_IFREG | 0o755, b"shared", 77, 2)
        .trailer()
        .finish();
    let v = vfs(&archive);
    assert_eq!(read_all(&v, open(&v, "/a").unwrap()), b"second");
    let d = open(&v, "/d").unwrap();
    assert_eq!(v.metadata(d).unwrap().permissions, 0o700);
    assert!(open(&v, "/d/inner").is_ok());
    let one = open(&v, "/x/one").unwrap();
    let two = open(&v, "/x/two").unwrap();
    assert_eq!(one, two);
    assert_eq!(read_all(&v, one), b"shared");
    assert_eq!(v.metadata(one).unwrap().nlink, 2);
}

#[test]
fn several_archives_overlay_in_order() {
    let base = Builder::default()
        .file("etc/motd", b"base")
        .file("bin/a", b"A")
        .trailer()
        .finish();
    let extra = Builder::default()
        .file("etc/motd", b"extra")
        .file("bin/b", b"B")
        .trailer()
        .finish();
    let fs = Initramfs::from_archives(&[&base, &extra]).unwrap();
    let v = Vfs::new(Box::new(fs));
    assert_eq!(read_all(&v, open(&v, "/etc/motd").unwrap()), b"extra");
    assert_eq!(list(&v, open(&v, "/bin").unwrap()), [&b"a"[..], b"b"]);
}

#[test]
fn bad_members_are_refused_with_reasons() {
    type Expect = fn(&BuildError) -> bool;
    let cases: [(Vec<u8>, Expect); 5] = [
        (
            Builder::default()
                .file("../etc/passwd", b"x")
                .trailer()
                .finish(),
            |e| matches!(e, BuildError::BadPath { .. }),
        ),
        (
            Builder::default()
                .file("f", b"x")
                .file("f/g", b"y")
                .trailer()
                .finish(),
            |e| matches!(e, BuildError::NotADirectory { .. }),
        ),
        (Builder::default().file(".", b"x").trailer().finish(), |e| {
            matches!(e, BuildError::RootNotADirectory { .. })
        }),
        (
            Builder::default().symlink("s", "").trailer().finish(),
            |e| matches!(e, BuildError::BadSymlink { .. }),
        ),
        (
            Builder::default()
                .entry("weird", 0o170_644, b"")
                .trailer()
                .finish(),
            |e| matches!(e, BuildError::BadMode { .. }),
        ),
    ];
    for (archive, expected) in cases {
        let err = Initramfs::from_archives(&[&archive]).err().unwrap();
        assert!(expected(&err), "{err:?}");
        assert!(!alloc::format!("{err}").is_empty());
    }
    let truncated = &sample()[..300];
    let err = Initramfs::from_archives(&[truncated]).err().unwrap();
    assert!(
        matches!(err, BuildError::Archive(cpio::CpioError::Truncated { .. })),
        "{err}"
    );
}

#[test]
fn read_dir_resumes_from_a_position() {
    let archive = sample();
    let v = vfs(&archive);
    let etc = open(&v, "/etc").unwrap();
    let mut first = Vec::new();
    let next = v
        .read_dir(etc, 0, &mut |e| {
            first.push(e.name.to_vec());
            first.len() < 2
        })
        .unwrap();
    assert_eq!(next, 1, "the entry refused by the callback is not consumed");
    let mut rest = Vec::new();
    let end = v
        .read_dir(etc, next, &mut |e| {
            rest.push((e.name.to_vec(), e.file_type));
            true
        })
        .unwrap();
    assert_eq!(end, 7);
    assert_eq!(rest[0].0, first[1]);
    assert!(
        rest.iter()
            .any(|(n, t)| n == b"motd" && *t == FileType::Regular)
    );
    assert_eq!(
        v.read_dir(open(&v, "/etc/motd").unwrap(), 0, &mut |_| true),
        Err(FsError::NotADirectory)
    );
}

#[test]
fn random_paths_never_panic() {
    let archive = sample();
    let v = vfs(&archive);
    let alphabet: [&[u8]; 12] = [
        b"/", b".", b"..", b"etc", b"bin", b"sh", b"self", b"up", b"loop", b"motd", b"lib", b"x",
    ];
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    // Successes, ENOENT, ENOTDIR, ELOOP: each must be reached.
    let mut outcomes = [0usize; 4];
    for _ in 0..20_000 {
        let mut path = Vec::new();
        for _ in 0..state % 12 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            path.extend_from_slice(alphabet[(state % alphabet.len() as u64) as usize]);
            if state & 0x100 != 0 {
                path.push(b'/');
            }
        }
        state = state.wrapping_add(1);
        for follow in [Follow::Yes, Follow::No] {
            match v.resolve(v.root(), &path, follow) {
                Ok(at) => {
                    let meta = v.metadata(at).unwrap();
                    if path::has_trailing_slash(&path) {
                        assert!(meta.is_dir(), "{:?}", core::str::from_utf8(&path));
                    }
                    if follow == Follow::Yes {
                        assert_ne!(meta.file_type, FileType::Symlink);
                    }
                    outcomes[0] += 1;
                }
                Err(FsError::NotFound) => outcomes[1] += 1,
                Err(FsError::NotADirectory) => outcomes[2] += 1,
                Err(FsError::TooManySymlinks) => outcomes[3] += 1,
                Err(e) => panic!("{e:?} for {:?}", core::str::from_utf8(&path)),
            }
        }
    }
    assert!(outcomes.iter().all(|&n| n > 100), "{outcomes:?}");
}

/// Archives written by GNU cpio (tools/mkcpio-fixtures.sh), not by the test builder.
static GNU_NEWC: &[u8] = include_bytes!("../../tests/fixtures/initramfs/sample.cpio");
static GNU_CRC: &[u8] = include_bytes!("../../tests/fixtures/initramfs/sample-crc.cpio");

#[test]
fn archives_from_gnu_cpio() {
    for archive in [GNU_NEWC, GNU_CRC] {
        let v = vfs(archive);
        assert_eq!(
            read_all(&v, open(&v, "/etc/motd").unwrap()),
            b"Welcome to Kestrel\n"
        );
        assert_eq!(read_all(&v, open(&v, "/etc/three").unwrap()), b"abc");
        assert_eq!(
            read_all(&v, open(&v, "/motd").unwrap()),
            b"Welcome to Kestrel\n"
        );
        let hello = open(&v, "/bin/hello").unwrap();
        assert_eq!(read_all(&v, hello), b"#!/bin/sh\necho hello\n");
        assert_eq!(
            open(&v, "/bin/hello-again"),
            Ok(hello),
            "hard links share a node"
        );
        assert_eq!(open(&v, "/bin/hi"), Ok(hello));
        let meta = v.metadata(hello).unwrap();
        assert_eq!(
            (meta.permissions, meta.nlink, meta.uid, meta.size),
            (0o755, 2, 0, 21)
        );
        let empty = open(&v, "/usr/share/empty").unwrap();
        assert!(list(&v, empty).is_empty());
        assert_eq!(list(&v, v.root()), [&b"bin"[..], b"etc", b"motd", b"usr"]);
    }
}

#[test]
fn a_corrupted_gnu_crc_archive_is_caught() {
    let mut archive = GNU_CRC.to_vec();
    let at = archive.windows(7).position(|w| w == b"Welcome").unwrap();
    archive[at] ^= 0x20;
    let err = Initramfs::from_archives(&[&archive]).err().unwrap();
    assert!(
        matches!(
            err,
            BuildError::Archive(cpio::CpioError::ChecksumMismatch { .. })
        ),
        "{err}"
    );
}
