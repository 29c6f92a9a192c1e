#!/usr/bin/env bash
# Builds the initramfs GRUB loads as a Multiboot2 module: the user programs of user/ under
# /bin, the files of rootfs/ (such as /etc/motd), then each EXTRA directory laid over the root
# as it is (how `make iso ROOTFS_EXTRA=DIR` adds a program without changing the repository).
# Usage: tools/build-rootfs.sh OUTPUT.cpio USER_BIN_DIR [EXTRA_DIR...]
set -euo pipefail

if [ $# -lt 2 ]; then
    echo "usage: $0 OUTPUT.cpio USER_BIN_DIR [EXTRA_DIR...]" >&2
    exit 2
fi
output=$1
bin_dir=$2
shift 2
here=$(cd "$(dirname "$0")/.." && pwd)
# c-*: static musl C programs of user/c/ (make user).
programs=(hello cat ls crash spin true bench efault cow c-hello c-fileio c-forkexec c-devices c-proc c-init c-reboot c-fdshare c-robust)

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
# /tmp, /dev, /proc: the mount points of the kernel's tmpfs, devfs and procfs.
mkdir -p "$stage/bin" "$stage/tmp" "$stage/dev" "$stage/proc"
for program in "${programs[@]}"; do
    if [ ! -f "$bin_dir/$program" ]; then
        echo "build-rootfs: $bin_dir/$program is missing (make user builds it)" >&2
        exit 1
    fi
    strip --strip-debug -o "$stage/bin/$program" "$bin_dir/$program"
done
cp -a "$here/rootfs"/. "$stage"/
SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-0} "$here/tools/mkinitramfs.sh" "$output" "$stage" "$@"
