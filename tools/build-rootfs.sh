#!/usr/bin/env bash
# Builds the initramfs GRUB loads as a Multiboot2 module: the user programs of user/ under
# /bin, Debian's static busybox as /bin/busybox with a symbolic link /bin/NAME -> busybox for
# each applet it lists (`busybox --list`; a user program of the same name keeps its place), the
# files of rootfs/ (such as /etc/motd), then each EXTRA directory laid over the root as it is
# (how `make iso ROOTFS_EXTRA=DIR` adds a program without changing the repository).
# Usage: tools/build-rootfs.sh OUTPUT.cpio USER_BIN_DIR [EXTRA_DIR...]
# BUSYBOX=PATH takes another static busybox binary (default /bin/busybox, from Debian's
# busybox-static, which tools/install-deps.sh busybox installs); BUSYBOX=none leaves it out.
set -euo pipefail

if [ $# -lt 2 ]; then
    echo "usage: $0 OUTPUT.cpio USER_BIN_DIR [EXTRA_DIR...]" >&2
    exit 2
fi
output=$1
bin_dir=$2
shift 2
here=$(cd "$(dirname "$0")/.." && pwd)
# c-*: static musl C programs of user/c/ (make user); std-demo: the Rust std program.
programs=(hello cat ls crash spin true bench efault cow c-hello c-fileio c-forkexec c-devices c-proc c-init c-reboot c-vm c-signals c-fdshare c-robust c-paths c-jobctl c-timers c-orphans c-robust_futex std-demo)

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
busybox=${BUSYBOX:-/bin/busybox}
if [ "$busybox" != none ]; then
    # Kestrel loads static programs only: a dynamic busybox (Debian's `busybox` package)
    # would be refused at every exec.
    if [ ! -x "$busybox" ] || readelf -lW "$busybox" 2>/dev/null | grep -q INTERP; then
        echo "build-rootfs: $busybox is missing or not static (tools/install-deps.sh busybox" \
             "installs Debian's busybox-static; BUSYBOX=none leaves it out)" >&2
        exit 1
    fi
    cp "$busybox" "$stage/bin/busybox"
    links=0
    for applet in $("$busybox" --list); do
        case $applet in */*|busybox) continue ;; esac
        [ -e "$stage/bin/$applet" ] && continue   # a user program of that name stays
        ln -s busybox "$stage/bin/$applet"
        links=$((links + 1))
    done
    echo "build-rootfs: /bin/busybox ($(du -k "$busybox" | cut -f1) KiB) and $links applet links"
fi
cp -a "$here/rootfs"/. "$stage"/
SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-0} "$here/tools/mkinitramfs.sh" "$output" "$stage" "$@"
