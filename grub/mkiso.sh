#!/usr/bin/env bash
# Usage: [KESTREL_SYMBOLS=TABLE] [INITRAMFS=archive.cpio] grub/mkiso.sh KERNEL_ELF OUTPUT_ISO
#        [KERNEL_COMMAND_LINE]
# Stages KERNEL_ELF, its symbol table (tools/mksyms.py) and grub/grub.cfg in a tree (STAGE_DIR,
# default a scratch directory) and builds a bootable GRUB ISO from it: one hybrid image for BIOS
# and UEFI (grub-pc-bin and grub-efi-amd64-bin must both be installed; tools/install-deps.sh
# does that). With INITRAMFS set, the archive goes in as /boot/initramfs.cpio, loaded by GRUB
# as a Multiboot2 module tagged `initramfs`.
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
# The function names for backtraces, as a boot module the kernel maps (docs/backtraces.md).
# KESTREL_SYMBOLS=FILE ships FILE instead (tests of bad tables).
if [ -n "${KESTREL_SYMBOLS:-}" ]; then
    cp "$KESTREL_SYMBOLS" "$stage/boot/kestrel.sym"
else
    python3 "$here/../tools/mksyms.py" "$kernel" "$stage/boot/kestrel.sym" ${MKSYMS_VERBOSE:+-v}
fi
modules_line=""
if [ -n "${INITRAMFS:-}" ]; then
    [ -f "$INITRAMFS" ] || { echo "mkiso: initramfs '$INITRAMFS' does not exist" >&2; exit 1; }
    cp "$INITRAMFS" "$stage/boot/initramfs.cpio"
    modules_line="module2 /boot/initramfs.cpio initramfs"
fi
sed -e "s|@CMDLINE@|$cmdline|" -e "s|@MODULES@|$modules_line|" "$here/grub.cfg" \
    > "$stage/boot/grub/grub.cfg"

# Only what booting needs: no locales, fonts or themes, and a short module list, which keeps
# the hybrid image under 5 MB instead of 20. Every module must exist for both platforms
# (i386-pc and x86_64-efi), or grub-mkrescue fails: `all_video` loads each platform's own
# drivers (VBE, or the UEFI GOP). The EFI image loads every partition-map module GRUB has
# (partmap.lst) at start-up, so all of them are listed, or it prints "file not found" errors.
modules=(multiboot2 normal configfile iso9660 serial terminal test echo all_video
         part_acorn part_amiga part_apple part_bsd part_dfly part_dvh part_gpt part_msdos
         part_plan part_sun part_sunpc)
mkdir -p "$(dirname "$output")"
# COMPRESS=xz (what `make iso` ships) packs GRUB's modules: 4.6 MB instead of 5.2 MB, for
# 0.4 s more per image, which test images skip.
grub-mkrescue --output="$output" --compress="${COMPRESS:-no}" \
    --locales= --fonts= --themes= \
    --install-modules="${modules[*]}" \
    "$stage" 2>"$output.log" || { cat "$output.log" >&2; exit 1; }
rm -f "$output.log"
