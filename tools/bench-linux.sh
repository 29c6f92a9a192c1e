#!/usr/bin/env bash
# The Linux anchor for the user-level benchmarks: boots Debian's Linux kernel (the package
# linux-image-amd64 depends on) under the same deterministic QEMU as `make bench`, with the
# user benchmark program as PID 1 of an initramfs, and prints its `bench user` lines.
# With STD_DEMO=ELF, a second boot runs that program (user/std-demo) as PID 1: started as
# /init it runs its thread benchmarks and powers off.
# Usage: [STD_DEMO=ELF] tools/bench-linux.sh BENCH_ELF TRUE_ELF [OUT_LOG]
set -euo pipefail
bench=$1 true_elf=$2 log=${3:-build/bench-linux.log}
std_demo=${STD_DEMO:-}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$root/build/linux
mkdir -p "$work"

# The kernel package, downloaded and unpacked once (no root needed for either step).
vmlinuz=$(ls "$work"/boot/vmlinuz-* 2>/dev/null | head -n 1 || true)
if [ -z "$vmlinuz" ]; then
    package=$(apt-cache depends linux-image-amd64 2>/dev/null | sed -n 's/^ *Depends: \(linux-image-[0-9].*\)/\1/p' | head -n 1)
    if [ -z "$package" ]; then
        echo "bench-linux: apt-cache knows no linux-image-amd64 (run apt-get update)" >&2
        exit 1
    fi
    (cd "$work" && apt-get download -q "$package" >/dev/null && dpkg -x "$package"_*.deb . && rm -f "$package"_*.deb)
    vmlinuz=$(ls "$work"/boot/vmlinuz-* | head -n 1)
fi

python3 "$root/tools/mkcpio.py" "$work/initrd.cpio" \
    init="$bench" bin/true="$true_elf" tmp/ dev/console%c:5:1
echo "bench-linux: $(basename "$vmlinuz") with $(basename "$bench") as /init"
# -icount: the guest TSC advances with executed instructions, so figures repeat exactly.
timeout 300 qemu-system-x86_64 -accel tcg -icount shift=0,align=off -machine pc -m 512M -cpu max \
    -kernel "$vmlinuz" -initrd "$work/initrd.cpio" -append "console=ttyS0 quiet panic=-1" \
    -serial stdio -display none -monitor none -net none -no-reboot </dev/null \
    | tr -d '\r' | tee "$log" | grep '^bench user'

if [ -n "$std_demo" ]; then
    python3 "$root/tools/mkcpio.py" "$work/initrd-std.cpio" init="$std_demo" tmp/ dev/console%c:5:1
    echo "bench-linux: $(basename "$vmlinuz") with $(basename "$std_demo") as /init"
    timeout 300 qemu-system-x86_64 -accel tcg -icount shift=0,align=off -machine pc -m 512M -cpu max \
        -kernel "$vmlinuz" -initrd "$work/initrd-std.cpio" -append "console=ttyS0 quiet panic=-1" \
        -serial stdio -display none -monitor none -net none -no-reboot </dev/null \
        | tr -d '\r' | tee -a "$log" | grep '^bench user'
fi
