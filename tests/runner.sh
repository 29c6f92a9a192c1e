#!/usr/bin/env bash
# Cargo's runner for the test kernels in tests/ (see .cargo/config.toml): wraps the ELF in a
# GRUB ISO, boots it headless in QEMU with serial on stdout, enforces a timeout and turns the
# isa-debug-exit status into the process status cargo reads.
#
# Per-kernel settings come from tests/qemu/<name>.conf when it exists, a bash fragment that may
# set QEMU_ARGS (array, appended), CMDLINE (kernel command line), TIMEOUT (seconds) and
# KEYS (array of QEMU monitor `sendkey` arguments typed once the kernel says it is ready).
set -uo pipefail

elf=$1
root=$(cd "$(dirname "$0")/.." && pwd)
name=$(basename "$elf")
name=${name%-*}             # cargo names test binaries <name>-<hash>

QEMU_ARGS=()
CMDLINE=""
TIMEOUT=60
KEYS=()
conf="$root/tests/qemu/$name.conf"
# shellcheck source=/dev/null
[ -f "$conf" ] && source "$conf"

work="$root/target/test-runs/$name"
mkdir -p "$work"
iso="$work/$name.iso"
log="$work/serial.log"
"$root/grub/mkiso.sh" "$elf" "$iso" "$CMDLINE" || { echo "$name: could not build ISO"; exit 1; }

monitor="$work/monitor.sock"
rm -f "$monitor"
qemu=(qemu-system-x86_64 -accel tcg -machine pc -m 128M -cpu max
      -display none -serial stdio -monitor "unix:$monitor,server=on,wait=off"
      -net none -no-reboot
      -device isa-debug-exit,iobase=0xf4,iosize=0x04
      -cdrom "$iso" "${QEMU_ARGS[@]}")

type_keys() {
    # Wait until the kernel announces it reads input, then type through the monitor.
    for _ in $(seq 1 400); do
        grep -q "kestrel: ready for input" "$log" 2>/dev/null && break
        sleep 0.05
    done
    for key in "${KEYS[@]}"; do
        printf 'sendkey %s\n' "$key"
        sleep 0.02
    done | python3 "$root/tests/monitor.py" "$monitor"
}

start=$(date +%s%N)
if [ ${#KEYS[@]} -gt 0 ]; then
    type_keys &
fi
timeout --kill-after=5 "$TIMEOUT" "${qemu[@]}" < /dev/null | tee "$log"
status=${PIPESTATUS[0]}
wait
elapsed_ms=$((($(date +%s%N) - start) / 1000000))
elapsed="$((elapsed_ms / 1000)).$((elapsed_ms % 1000 / 100))"

passed=$(grep -c '\[ok\]' "$log")
case $status in
    33) echo "runner: $name passed in ${elapsed}s"; exit 0 ;;
    35) verdict="a test failed" ;;
    124|137) verdict="timed out after ${TIMEOUT}s (hang?)" ;;
    0) verdict="QEMU stopped without an exit code: the kernel reset (triple fault?)" ;;
    *) verdict="QEMU exited with status $status" ;;
esac
echo "runner: $name FAILED: $verdict after ${elapsed}s"
echo "$name: $passed passed, 1 failed"
exit 1
