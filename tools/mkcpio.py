#!/usr/bin/env python3
"""Writes a `newc` cpio archive (the initramfs format both Linux and Kestrel read).

Usage: mkcpio.py OUT.cpio [ENTRY ...]
  DEST=SRC          a regular file copied from SRC (mode 0755 if SRC is executable, else 0644)
  DEST/             a directory
  DEST@TARGET       a symbolic link to TARGET
  DEST%c:MAJ:MIN    a character device (no root needed: the archive only describes it)

Parent directories are added automatically. Entries are written in order, directories first,
and the archive ends with the TRAILER!!! entry. Format: the `newc` header of cpio(5) and the
Linux kernel's Documentation/driver-api/early-userspace/buffer-format.rst: 110 ASCII bytes,
13 fields of 8 hex digits after the magic 070701, name and data each padded to 4 bytes.
"""
import os
import stat
import sys


def header(ino, mode, size, name, rdev=(0, 0), nlink=1):
    fields = [ino, mode, 0, 0, nlink, 0, size, 0, 0, rdev[0], rdev[1], len(name) + 1, 0]
    return b"070701" + b"".join(b"%08X" % f for f in fields)


def pad(n):
    return b"\0" * (-n % 4)


def main(out, entries):
    records = {}  # path -> (mode, data, rdev)

    def add_dirs(path):
        parts = path.split("/")[:-1]
        for i in range(1, len(parts) + 1):
            records.setdefault("/".join(parts[:i]), (stat.S_IFDIR | 0o755, b"", (0, 0)))

    for spec in entries:
        if "=" in spec:
            dest, src = spec.split("=", 1)
            data = open(src, "rb").read()
            perm = 0o755 if os.access(src, os.X_OK) else 0o644
            record = (stat.S_IFREG | perm, data, (0, 0))
        elif "@" in spec:
            dest, target = spec.split("@", 1)
            record = (stat.S_IFLNK | 0o777, target.encode(), (0, 0))
        elif "%c:" in spec:
            dest, dev = spec.split("%c:", 1)
            major, minor = (int(x) for x in dev.split(":"))
            record = (stat.S_IFCHR | 0o600, b"", (major, minor))
        elif spec.endswith("/"):
            dest, record = spec[:-1], (stat.S_IFDIR | 0o755, b"", (0, 0))
        else:
            sys.exit(f"mkcpio: cannot read entry '{spec}'")
        dest = dest.strip("/")
        add_dirs(dest)
        records[dest] = record

    blob = bytearray()
    ordered = sorted(records.items(), key=lambda kv: (not stat.S_ISDIR(kv[1][0]), kv[0]))
    for ino, (name, (mode, data, rdev)) in enumerate(ordered, start=1):
        encoded = name.encode()
        blob += header(ino, mode, len(data), encoded, rdev) + encoded + b"\0"
        blob += pad(110 + len(encoded) + 1)
        blob += data + pad(len(data))
    trailer = b"TRAILER!!!"
    blob += header(0, 0, 0, trailer) + trailer + b"\0" + pad(110 + len(trailer) + 1)
    with open(out, "wb") as f:
        f.write(blob)


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2:])
