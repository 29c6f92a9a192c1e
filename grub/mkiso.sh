#!/usr/bin/env bash
# Usage: grub/mkiso.sh KERNEL_ELF OUTPUT_ISO [KERNEL_COMMAND_LINE]
# Stages KERNEL_ELF and grub/grub.cfg in a tree (STAGE_DIR, default a scratch directory) and
# builds a bootable GRUB ISO from it: BIOS and, where grub-efi-amd64-bin is installed, UEFI.
set -euo pipefail

kernel=$1
output=$2
cmdline=${3:-}
here=$(cd "$(dirname "$0")" && pwd)

if [ -n "${STAGE_DIR:-}" ]; then
    stage=$STAGE_DIR
    rm -rf "$stage/boot"
else
    stage=$(mktemp -d "${TMPDIR:-/tmp}/kestrel-iso.XXXXXX")
    trap 'rm -rf "$stage"' EXIT
fi
mkdir -p "$stage/boot/grub"
# Debug info stays in the ELF under target/ for gdb; the ISO carries only what runs.
strip --strip-debug -o "$stage/boot/kestrel.elf" "$kernel"
sed "s|@CMDLINE@|$cmdline|" "$here/grub.cfg" > "$stage/boot/grub/grub.cfg"

# Only what booting needs: no locales, fonts or themes, and a short module list, which keeps
# the image a few MiB instead of 20.
mkdir -p "$(dirname "$output")"
grub-mkrescue --output="$output" \
    --locales= --fonts= --themes= \
    --install-modules="multiboot2 normal configfile iso9660 part_msdos part_gpt serial terminal test echo" \
    "$stage" 2>"$output.log" || { cat "$output.log" >&2; exit 1; }
rm -f "$output.log"
