#!/usr/bin/env bash
# Builds a newc cpio initramfs from one or more directories, later ones laid over earlier ones
# (how `ROOTFS_EXTRA=DIR` adds files to the archive's root as they are). GRUB loads the result
# as a Multiboot2 module; the kernel reads it with src/vfs/cpio.rs.
# Usage: tools/mkinitramfs.sh OUTPUT.cpio DIR [DIR...]
# Every file is owned by root (0:0), members are sorted, inode numbers renumbered, and with
# SOURCE_DATE_EPOCH set every time stamp is that, so the same tree gives the same bytes.
set -euo pipefail

if [ $# -lt 2 ]; then
    echo "usage: $0 OUTPUT.cpio DIR [DIR...]" >&2
    exit 2
fi
command -v cpio >/dev/null || { echo "mkinitramfs: cpio is missing (tools/install-deps.sh installs it)" >&2; exit 1; }
output=$1
shift

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
for dir in "$@"; do
    if [ ! -d "$dir" ]; then
        echo "mkinitramfs: '$dir' is not a directory" >&2
        exit 1
    fi
    # -a keeps modes and symbolic links; a later tree replaces files of an earlier one.
    cp -a "$dir"/. "$stage"/
done
if [ -n "${SOURCE_DATE_EPOCH:-}" ]; then
    find "$stage" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
fi

mkdir -p "$(dirname "$output")"
(
    cd "$stage"
    find . -mindepth 1 -print0 | LC_ALL=C sort -z |
        cpio --create --null --format=newc --owner=0:0 --reproducible --quiet
) >"$output.tmp"
mv "$output.tmp" "$output"
echo "mkinitramfs: $output ($(find "$stage" -mindepth 1 | wc -l) entries, $(du -h "$output" | cut -f1))"
