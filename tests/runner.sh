#!/usr/bin/env bash
# Cargo's runner for the test kernels in tests/ (see .cargo/config.toml): wraps the ELF in a
# GRUB ISO, boots it headless in QEMU with serial on stdout, enforces a timeout and turns the
# isa-debug-exit status into the process status cargo reads.
#
# Per-kernel settings come from tests/qemu/<name>.conf when it exists, a bash fragment that may
# set QEMU_ARGS (array, appended), CMDLINE (kernel command line), TIMEOUT (seconds per boot),
# KEYS (array of QEMU monitor `sendkey` arguments typed once the kernel says it is ready) and
# FIRMWARES (array of `bios` and/or `uefi`, default `bios`): the kernel boots once under each,
# SeaBIOS or OVMF, and must pass every time. A kernel booted under more than one firmware must
# also report the screen that firmware calls for: VGA text under BIOS, a framebuffer under UEFI.
set -uo pipefail

elf=$1
root=$(cd "$(dirname "$0")/.." && pwd)
name=$(basename "$elf")
name=${name%-*}             # cargo names test binaries <name>-<hash>

QEMU_ARGS=()
CMDLINE=""
TIMEOUT=60
KEYS=()
FIRMWARES=(bios)
conf="$root/tests/qemu/$name.conf"
# shellcheck source=/dev/null
[ -f "$conf" ] && source "$conf"

work="$root/target/test-runs/$name"
mkdir -p "$work"
iso="$work/$name.iso"
"$root/grub/mkiso.sh" "$elf" "$iso" "$CMDLINE" || { echo "$name: could not build ISO"; exit 1; }

monitor="$work/monitor.sock"

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

# boot FIRMWARE: one run of the kernel; prints the verdict and returns its status.
boot() {
    local firmware=$1 label=$name firmware_args=()
    case $firmware in
        bios) ;;
        uefi)
            # shellcheck disable=SC2207 # the script prints plain words
            if ! firmware_args=($("$root/tools/ovmf-args.sh" "$work/ovmf-vars.fd")); then
                echo "$name: 0 passed, 1 failed"
                return 1
            fi ;;
        *)
            echo "runner: $name: unknown firmware '$firmware' in FIRMWARES"
            echo "$name: 0 passed, 1 failed"
            return 1 ;;
    esac
    [ ${#FIRMWARES[@]} -gt 1 ] && label="$name ($firmware)"
    rm -f "$monitor"
    local qemu=(qemu-system-x86_64 -accel tcg -machine pc -m 128M -cpu max
                -display none -serial stdio -monitor "unix:$monitor,server=on,wait=off"
                -net none -no-reboot
                -device isa-debug-exit,iobase=0xf4,iosize=0x04
                "${firmware_args[@]}" -cdrom "$iso" "${QEMU_ARGS[@]}")
    local start status elapsed_ms elapsed verdict
    start=$(date +%s%N)
    : > "$log"
    if [ ${#KEYS[@]} -gt 0 ]; then
        type_keys &
    fi
    timeout --kill-after=5 "$TIMEOUT" "${qemu[@]}" < /dev/null | tee "$log"
    status=${PIPESTATUS[0]}
    wait
    elapsed_ms=$((($(date +%s%N) - start) / 1000000))
    elapsed="$((elapsed_ms / 1000)).$((elapsed_ms % 1000 / 100))"

    if [ "$status" -eq 33 ] && [ ${#FIRMWARES[@]} -gt 1 ]; then
        local screen="console: VGA text"
        [ "$firmware" = uefi ] && screen="console: framebuffer"
        if ! grep -q "$screen" "$log"; then
            status=screen
        fi
    fi
    case $status in
        33) echo "runner: $label passed in ${elapsed}s"; return 0 ;;
        35) verdict="a test failed" ;;
        screen) verdict="the boot log lacks '$screen' under $firmware" ;;
        124|137) verdict="timed out after ${TIMEOUT}s (hang?)" ;;
        0) verdict="QEMU stopped without an exit code: the kernel reset (triple fault?)" ;;
        *) verdict="QEMU exited with status $status" ;;
    esac
    echo "runner: $label FAILED: $verdict after ${elapsed}s"
    echo "$name: $(grep -c '\[ok\]' "$log") passed, 1 failed"
    return 1
}

failed=0
for firmware in "${FIRMWARES[@]}"; do
    log="$work/serial-$firmware.log"
    boot "$firmware" || failed=1
done
exit $failed
