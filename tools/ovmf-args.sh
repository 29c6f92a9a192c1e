#!/usr/bin/env bash
# Usage: tools/ovmf-args.sh VARS_COPY
# Prints the QEMU options that boot UEFI firmware (OVMF). Where the ovmf package ships the
# code/variable-store split, the store is copied fresh to VARS_COPY on every call, so boot
# entries or settings from an earlier run never leak into this one; otherwise the combined
# OVMF.fd, which keeps no variables, is used.
set -euo pipefail
vars_copy=$1

for dir in /usr/share/OVMF /usr/share/ovmf; do
    # The plain (not .secboot/.ms) builds: GRUB on the ISO is not signed for Secure Boot.
    for size in _4M ""; do
        code=$dir/OVMF_CODE$size.fd
        vars=$dir/OVMF_VARS$size.fd
        if [ -f "$code" ] && [ -f "$vars" ]; then
            mkdir -p "$(dirname "$vars_copy")"
            cp "$vars" "$vars_copy"
            echo "-drive if=pflash,format=raw,unit=0,readonly=on,file=$code" \
                 "-drive if=pflash,format=raw,unit=1,file=$vars_copy"
            exit 0
        fi
    done
done
for firmware in /usr/share/ovmf/OVMF.fd /usr/share/OVMF/OVMF.fd /usr/share/qemu/OVMF.fd; do
    if [ -f "$firmware" ]; then
        echo "-bios $firmware"
        exit 0
    fi
done
echo "ovmf-args: no OVMF firmware found: install the ovmf package (make deps)" >&2
exit 1
