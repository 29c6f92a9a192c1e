#!/usr/bin/env bash
# Regenerates the cpio reader's host-test fixtures in tests/fixtures/initramfs/ with GNU cpio,
# so that the reader is tested against archives it did not write itself:
#   sample.cpio      tools/mkinitramfs.sh output (newc, 070701) of a small tree
#   sample-crc.cpio  the same tree as `cpio -H crc` (070702, with data checksums)
# The tree has nested and empty directories, odd file sizes (padding), a relative and an
# absolute symbolic link, and a file with two hard links.
# Usage: tools/mkcpio-fixtures.sh
set -euo pipefail
umask 022
here=$(cd "$(dirname "$0")/.." && pwd)
out=$here/tests/fixtures/initramfs
tree=$(mktemp -d)
trap 'rm -rf "$tree"' EXIT

mkdir -p "$tree/bin" "$tree/etc" "$tree/usr/share/empty"
printf 'Welcome to Kestrel\n' >"$tree/etc/motd"
printf 'abc' >"$tree/etc/three"
printf '#!/bin/sh\necho hello\n' >"$tree/bin/hello"
chmod 755 "$tree/bin/hello"
ln "$tree/bin/hello" "$tree/bin/hello-again"
ln -s hello "$tree/bin/hi"
ln -s /etc/motd "$tree/motd"

SOURCE_DATE_EPOCH=0 "$here/tools/mkinitramfs.sh" "$out/sample.cpio" "$tree"
(
    cd "$tree"
    find . -mindepth 1 -exec touch -h -d @0 {} +
    find . -mindepth 1 -print0 | LC_ALL=C sort -z |
        cpio --create --null --format=crc --owner=0:0 --reproducible --quiet
) >"$out/sample-crc.cpio"
ls -l "$out"
