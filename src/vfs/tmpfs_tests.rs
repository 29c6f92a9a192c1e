//! Host tests of tmpfs, alone and mounted on `/tmp` of an initramfs.

use super::*;
use crate::vfs::cpio::tests::Builder;
use crate::vfs::{Follow, Initramfs, Vfs};
use alloc::boxed::Box;
use alloc::vec;

const MIB: usize = 1 << 20;

fn read_all(fs: &Tmpfs, ino: InodeId) -> Vec<u8> {
    let mut buf = vec![0u8; 4096];
    let n = fs.read(ino, 0, &mut buf).unwrap();
    buf.truncate(n);
    buf
}

#[test]
fn create_write_read_truncate() {
    let fs = Tmpfs::new(MIB);
    let f = fs.create(ROOT, b"f", FileType::Regular, 0o644).unwrap();
    assert_eq!(fs.write(f, 0, b"hello"), Ok(5));
    assert_eq!(fs.write(f, 5, b" world"), Ok(6));
    assert_eq!(read_all(&fs, f), b"hello world");
    // A write past the end fills the gap with zeros.
    assert_eq!(fs.write(f, 13, b"!"), Ok(1));
    assert_eq!(read_all(&fs, f), b"hello world\0\0!");
    assert_eq!(fs.metadata(f).unwrap().size, 14);
    fs.truncate(f, 5).unwrap();
    assert_eq!(read_all(&fs, f), b"hello");
    fs.truncate(f, 7).unwrap();
    assert_eq!(read_all(&fs, f), b"hello\0\0");
    let mut buf = [0u8; 3];
    assert_eq!(fs.read(f, 3, &mut buf), Ok(3));
    assert_eq!(&buf, b"lo\0");
    assert_eq!(fs.read(f, u64::MAX, &mut buf), Ok(0));
    let meta = fs.metadata(f).unwrap();
    assert_eq!((meta.mode(), meta.nlink), (0o100_644, 1));
}

#[test]
fn directories_and_names() {
    let fs = Tmpfs::new(MIB);
    let d = fs.create(ROOT, b"d", FileType::Directory, 0o755).unwrap();
    let f = fs.create(d, b"f", FileType::Regular, 0o600).unwrap();
    assert_eq!(fs.lookup(d, b"f"), Ok(f));
    assert_eq!(fs.lookup(d, b".."), Ok(ROOT));
    assert_eq!(fs.lookup(ROOT, b".."), Ok(ROOT));
    assert_eq!(fs.metadata(ROOT).unwrap().nlink, 3);
    assert_eq!(
        fs.create(d, b"f", FileType::Regular, 0o600),
        Err(FsError::Exists)
    );
    assert_eq!(
        fs.create(f, b"x", FileType::Regular, 0o600),
        Err(FsError::NotADirectory)
    );
    for bad in [&b""[..], b".", b"..", b"a/b", b"a\0b"] {
        assert_eq!(
            fs.create(d, bad, FileType::Regular, 0),
            Err(FsError::InvalidArgument)
        );
    }
    assert_eq!(
        fs.create(d, &[b'n'; 256], FileType::Regular, 0),
        Err(FsError::NameTooLong)
    );
    assert_eq!(
        fs.create(d, b"dev", FileType::CharDevice, 0),
        Err(FsError::InvalidArgument)
    );
    assert_eq!(fs.write(d, 0, b"x"), Err(FsError::IsADirectory));
    assert_eq!(fs.read(d, 0, &mut [0; 4]), Err(FsError::IsADirectory));

    assert_eq!(fs.rmdir(ROOT, b"d"), Err(FsError::NotEmpty));
    assert_eq!(fs.unlink(ROOT, b"d"), Err(FsError::IsADirectory));
    assert_eq!(fs.rmdir(d, b"f"), Err(FsError::NotADirectory));
    fs.unlink(d, b"f").unwrap();
    assert_eq!(fs.unlink(d, b"f"), Err(FsError::NotFound));
    assert_eq!(fs.metadata(f), Err(FsError::Stale));
    fs.rmdir(ROOT, b"d").unwrap();
    assert_eq!(fs.lookup(ROOT, b"d"), Err(FsError::NotFound));
    assert_eq!(fs.rmdir(ROOT, b".."), Err(FsError::InvalidArgument));
}

#[test]
fn symlinks_and_hard_links() {
    let fs = Tmpfs::new(MIB);
    let f = fs.create(ROOT, b"f", FileType::Regular, 0o644).unwrap();
    fs.write(f, 0, b"data").unwrap();
    let l = fs.symlink(ROOT, b"l", b"f").unwrap();
    let mut target = Vec::new();
    fs.read_link(l, &mut target).unwrap();
    assert_eq!(target, b"f");
    assert_eq!(fs.metadata(l).unwrap().size, 1);
    assert_eq!(fs.symlink(ROOT, b"e", b""), Err(FsError::NotFound));
    assert_eq!(
        fs.symlink(ROOT, b"e", &[b'x'; PATH_MAX]),
        Err(FsError::NameTooLong)
    );

    fs.link(ROOT, b"g", f).unwrap();
    assert_eq!(fs.metadata(f).unwrap().nlink, 2);
    fs.unlink(ROOT, b"f").unwrap();
    assert_eq!(read_all(&fs, fs.lookup(ROOT, b"g").unwrap()), b"data");
    assert_eq!(fs.link(ROOT, b"g", f), Err(FsError::Exists));
    let d = fs.create(ROOT, b"d", FileType::Directory, 0o755).unwrap();
    assert_eq!(fs.link(ROOT, b"d2", d), Err(FsError::InvalidArgument));
}

#[test]
fn an_open_unlinked_file_lives_until_released() {
    let fs = Tmpfs::new(MIB);
    let before = fs.used_bytes();
    let f = fs.create(ROOT, b"f", FileType::Regular, 0o644).unwrap();
    fs.write(f, 0, b"still here").unwrap();
    fs.retain(f).unwrap();
    fs.unlink(ROOT, b"f").unwrap();
    assert_eq!(fs.lookup(ROOT, b"f"), Err(FsError::NotFound));
    assert_eq!(read_all(&fs, f), b"still here");
    assert_eq!(fs.metadata(f).unwrap().nlink, 0);
    fs.release(f);
    assert_eq!(fs.metadata(f), Err(FsError::Stale));
    assert_eq!(fs.used_bytes(), before);
    // The number is reused afterwards.
    let g = fs.create(ROOT, b"g", FileType::Regular, 0o644).unwrap();
    assert_eq!(g, f);
}

#[test]
fn the_size_limit_gives_enospc_not_a_full_heap() {
    let fs = Tmpfs::new(64 * 1024);
    let f = fs.create(ROOT, b"big", FileType::Regular, 0o644).unwrap();
    assert_eq!(fs.write(f, 0, &vec![1u8; 32 * 1024]), Ok(32 * 1024));
    assert_eq!(
        fs.write(f, 32 * 1024, &vec![2u8; 64 * 1024]),
        Err(FsError::NoSpace)
    );
    assert_eq!(
        fs.metadata(f).unwrap().size,
        32 * 1024,
        "a refused write changes nothing"
    );
    assert_eq!(fs.write(f, u64::MAX, b"x"), Err(FsError::NoSpace));
    assert_eq!(fs.truncate(f, 1 << 40), Err(FsError::NoSpace));
    let mut created = 0;
    while fs
        .create(
            ROOT,
            alloc::format!("f{created}").as_bytes(),
            FileType::Regular,
            0,
        )
        .is_ok()
    {
        created += 1;
    }
    assert!(created > 10 && created < 300, "{created}");
    assert_eq!(FsError::NoSpace.errno(), 28);
}

#[test]
fn usage_returns_to_its_starting_figure() {
    let fs = Tmpfs::new(MIB);
    let start = (fs.used_bytes(), fs.node_count());
    for round in 0..50u64 {
        let d = fs.create(ROOT, b"dir", FileType::Directory, 0o755).unwrap();
        let f = fs.create(d, b"file", FileType::Regular, 0o644).unwrap();
        fs.write(f, round, &vec![7u8; 1000]).unwrap();
        fs.symlink(d, b"link", b"file").unwrap();
        fs.link(d, b"again", f).unwrap();
        fs.truncate(f, 10).unwrap();
        for name in [&b"file"[..], b"link", b"again"] {
            fs.unlink(d, name).unwrap();
        }
        fs.rmdir(ROOT, b"dir").unwrap();
        assert_eq!((fs.used_bytes(), fs.node_count()), start, "round {round}");
    }
}

#[test]
fn read_dir_lists_in_order_and_may_call_back_in() {
    let fs = Tmpfs::new(MIB);
    for name in [&b"b"[..], b"a", b"c"] {
        fs.create(ROOT, name, FileType::Regular, 0o644).unwrap();
    }
    let mut names = Vec::new();
    let end = fs
        .read_dir(ROOT, 0, &mut |e| {
            // Calling the file system from the callback must not deadlock.
            assert!(fs.metadata(e.ino).is_ok());
            names.push(e.name.to_vec());
            true
        })
        .unwrap();
    assert_eq!(names, [&b"a"[..], b"b", b"c"]);
    assert_eq!(end, 3);
}

#[test]
fn mounted_on_tmp_of_an_initramfs() {
    let archive = Builder::default()
        .dir("tmp")
        .file("etc/motd", b"hi")
        .trailer()
        .finish();
    let mut v = Vfs::new(Box::new(Initramfs::from_archives(&[&archive]).unwrap()));
    let tmp = v.resolve(v.root(), b"/tmp", Follow::Yes).unwrap();
    v.mount(tmp, Box::new(Tmpfs::new(MIB))).unwrap();

    let (dir, name) = v.resolve_parent(v.root(), b"/tmp/f").unwrap();
    let ino = v
        .fs(dir)
        .create(dir.ino, name, FileType::Regular, 0o644)
        .unwrap();
    v.fs(dir).write(ino, 0, b"hi > /tmp/f").unwrap();
    let f = v.resolve(v.root(), b"/tmp/f", Follow::Yes).unwrap();
    let mut buf = [0u8; 32];
    let n = v.read(f, 0, &mut buf).unwrap();
    assert_eq!(&buf[..n], b"hi > /tmp/f");
    assert_eq!(v.fs(f).name(), "tmpfs");
    assert_eq!(
        v.path_of(v.resolve(v.root(), b"/tmp/.", Follow::Yes).unwrap())
            .unwrap(),
        b"/tmp"
    );

    // A symlink in tmpfs into the initramfs, and back out with `..`.
    let (dir, name) = v.resolve_parent(v.root(), b"/tmp/motd").unwrap();
    v.fs(dir).symlink(dir.ino, name, b"../etc/motd").unwrap();
    let motd = v.resolve(v.root(), b"/tmp/motd", Follow::Yes).unwrap();
    assert_eq!(motd.mount, 0);
    let n = v.read(motd, 0, &mut buf).unwrap();
    assert_eq!(&buf[..n], b"hi");

    // The initramfs around it stays read-only.
    let (dir, name) = v.resolve_parent(v.root(), b"/etc/new").unwrap();
    assert_eq!(
        v.fs(dir).create(dir.ino, name, FileType::Regular, 0),
        Err(FsError::ReadOnly)
    );
}

#[test]
fn namespace_calls_over_tmpfs() {
    let archive = Builder::default()
        .dir("tmp")
        .file("etc/motd", b"hi")
        .trailer()
        .finish();
    let mut v = Vfs::new(Box::new(Initramfs::from_archives(&[&archive]).unwrap()));
    let root = v.root();
    let tmp = v.resolve(root, b"/tmp", Follow::Yes).unwrap();
    v.mount(tmp, Box::new(Tmpfs::new(MIB))).unwrap();

    let d = v.mkdir(root, b"/tmp/d", 0o755).unwrap();
    assert_eq!(v.mkdir(root, b"/tmp/d", 0o755), Err(FsError::Exists));
    assert_eq!(
        v.mkdir(root, b"/tmp", 0o755),
        Err(FsError::Exists),
        "EEXIST before EROFS"
    );
    assert_eq!(v.mkdir(root, b"/etc/new", 0o755), Err(FsError::ReadOnly));
    let f = v.create_file(d, b"f", 0o644).unwrap();
    assert_eq!(v.resolve(root, b"/tmp/d/f", Follow::Yes), Ok(f));
    assert_eq!(
        v.create_file(root, b"/tmp/d/g/", 0o644),
        Err(FsError::IsADirectory)
    );
    v.symlink(root, b"f", b"/tmp/d/s").unwrap();
    assert_eq!(v.resolve(root, b"/tmp/d/s", Follow::Yes), Ok(f));
    v.link(root, b"/tmp/d/f", b"/tmp/d/h").unwrap();
    assert_eq!(
        v.link(root, b"/etc/motd", b"/tmp/m"),
        Err(FsError::CrossDevice)
    );
    assert_eq!(FsError::CrossDevice.errno(), 18);

    assert_eq!(v.rmdir(root, b"/tmp/d"), Err(FsError::NotEmpty));
    assert_eq!(v.unlink(root, b"/tmp/d"), Err(FsError::IsADirectory));
    for name in [&b"/tmp/d/f"[..], b"/tmp/d/s", b"/tmp/d/h"] {
        v.unlink(root, name).unwrap();
    }
    assert_eq!(v.unlink(root, b"/tmp/d/f"), Err(FsError::NotFound));
    v.rmdir(root, b"/tmp/d").unwrap();
    assert_eq!(v.rmdir(root, b"/tmp"), Err(FsError::Busy), "a mount point");
    assert_eq!(v.rmdir(root, b"/tmp/."), Err(FsError::InvalidArgument));

    // rename: within the tmpfs, not across mounts, never a mount point.
    v.create_file(root, b"/tmp/x", 0o644).unwrap();
    let tmp_root = v.resolve(root, b"/tmp", Follow::Yes).unwrap();
    v.rename(root, b"/tmp/x", tmp_root, b"y").unwrap();
    assert!(v.resolve(root, b"/tmp/y", Follow::Yes).is_ok());
    assert_eq!(
        v.rename(root, b"/tmp/y", root, b"/etc/y"),
        Err(FsError::CrossDevice)
    );
    assert_eq!(
        v.rename(root, b"/etc/motd", root, b"/etc/m"),
        Err(FsError::ReadOnly)
    );
    assert_eq!(v.rename(root, b"/tmp", root, b"/tmp2"), Err(FsError::Busy));
    assert_eq!(
        v.rename(root, b"/tmp/nope", root, b"/tmp/z"),
        Err(FsError::NotFound)
    );
}

#[test]
fn rename_moves_and_replaces_as_linux_does() {
    let fs = Tmpfs::new(MIB);
    let start = (fs.used_bytes(), fs.node_count());
    let a = fs.create(ROOT, b"a", FileType::Regular, 0o644).unwrap();
    fs.write(a, 0, b"A").unwrap();
    let d = fs.create(ROOT, b"d", FileType::Directory, 0o755).unwrap();
    // A plain move into another directory, under a new name.
    fs.rename(ROOT, b"a", d, b"b").unwrap();
    assert_eq!(fs.lookup(ROOT, b"a"), Err(FsError::NotFound));
    assert_eq!(fs.lookup(d, b"b"), Ok(a));
    // Replacing a file: the old one goes (its data is refunded).
    let c = fs.create(ROOT, b"c", FileType::Regular, 0o644).unwrap();
    fs.write(c, 0, &vec![1u8; 500]).unwrap();
    fs.rename(d, b"b", ROOT, b"c").unwrap();
    assert_eq!(fs.lookup(ROOT, b"c"), Ok(a));
    assert_eq!(read_all(&fs, a), b"A");
    assert_eq!(fs.metadata(c), Err(FsError::Stale));
    // Two names of one file: nothing happens.
    fs.link(ROOT, b"c2", a).unwrap();
    fs.rename(ROOT, b"c", ROOT, b"c2").unwrap();
    assert_eq!(fs.lookup(ROOT, b"c"), Ok(a));
    fs.unlink(ROOT, b"c2").unwrap();
    // File over directory, directory over file, directory over a non-empty directory.
    assert_eq!(
        fs.rename(ROOT, b"c", ROOT, b"d"),
        Err(FsError::IsADirectory)
    );
    let e = fs.create(ROOT, b"e", FileType::Directory, 0o755).unwrap();
    assert_eq!(
        fs.rename(ROOT, b"e", ROOT, b"c"),
        Err(FsError::NotADirectory)
    );
    fs.create(d, b"inside", FileType::Regular, 0o644).unwrap();
    assert_eq!(fs.rename(ROOT, b"e", ROOT, b"d"), Err(FsError::NotEmpty));
    // A directory into itself or below itself.
    assert_eq!(
        fs.rename(ROOT, b"d", d, b"x"),
        Err(FsError::InvalidArgument)
    );
    let sub = fs.create(d, b"sub", FileType::Directory, 0o755).unwrap();
    assert_eq!(
        fs.rename(ROOT, b"d", sub, b"x"),
        Err(FsError::InvalidArgument)
    );
    // A directory moved: `..` follows; an empty directory replaced.
    fs.rename(d, b"sub", e, b"sub").unwrap();
    assert_eq!(fs.lookup(sub, b".."), Ok(e));
    let empty = fs
        .create(ROOT, b"empty", FileType::Directory, 0o755)
        .unwrap();
    fs.rename(ROOT, b"e", ROOT, b"empty").unwrap();
    assert_eq!(fs.lookup(ROOT, b"empty"), Ok(e));
    assert_eq!(fs.metadata(empty), Err(FsError::Stale));
    // Missing and bad names.
    assert_eq!(fs.rename(ROOT, b"nope", ROOT, b"x"), Err(FsError::NotFound));
    assert_eq!(
        fs.rename(ROOT, b"c", ROOT, b".."),
        Err(FsError::InvalidArgument)
    );
    assert_eq!(
        fs.rename(ROOT, b"c", ROOT, b"a/b"),
        Err(FsError::InvalidArgument)
    );
    // Everything removed: the usage is back where it started.
    fs.rmdir(e, b"sub").unwrap();
    fs.rmdir(ROOT, b"empty").unwrap();
    fs.unlink(d, b"inside").unwrap();
    fs.rmdir(ROOT, b"d").unwrap();
    fs.unlink(ROOT, b"c").unwrap();
    assert_eq!((fs.used_bytes(), fs.node_count()), start);
}

#[test]
fn rename_past_the_limit_is_enospc_and_changes_nothing() {
    let fs = Tmpfs::new(NODE_COST * 2 + 1);
    fs.create(ROOT, b"a", FileType::Regular, 0o644).unwrap();
    assert_eq!(
        fs.rename(ROOT, b"a", ROOT, b"a-much-longer-name"),
        Err(FsError::NoSpace)
    );
    assert!(fs.lookup(ROOT, b"a").is_ok());
}

#[test]
fn attributes_change_what_is_named() {
    let fs = Tmpfs::new(MIB);
    let f = fs.create(ROOT, b"f", FileType::Regular, 0o644).unwrap();
    fs.set_attributes(
        f,
        &Attributes {
            permissions: Some(0o4755),
            mtime: Some(1_700_000_000),
            ..Attributes::default()
        },
    )
    .unwrap();
    let meta = fs.metadata(f).unwrap();
    assert_eq!(
        (meta.mode(), meta.uid, meta.mtime),
        (0o104_755, 0, 1_700_000_000)
    );
    fs.set_attributes(
        f,
        &Attributes {
            uid: Some(1000),
            gid: Some(100),
            ..Attributes::default()
        },
    )
    .unwrap();
    let meta = fs.metadata(f).unwrap();
    assert_eq!((meta.permissions, meta.uid, meta.gid), (0o4755, 1000, 100));
    assert_eq!(
        fs.set_attributes(99, &Attributes::default()),
        Err(FsError::Stale)
    );
}
