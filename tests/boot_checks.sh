#!/usr/bin/env bash
# Boots the shipped kernel ISO the ways users will and checks what its serial console says:
# PC and Q35 machines under BIOS (SeaBIOS, VGA text console) with 32 MiB, 4 GiB and 6 GiB of
# RAM and under UEFI (OVMF, framebuffer console) with 64 MiB (OVMF's minimum) and 6 GiB; typing
# into it (timer-stamped log lines, keys echoed); Bochs; and a 32-bit CPU that must get a
# readable "no long mode" error and halt rather than reboot.
# Usage: tests/boot_checks.sh KERNEL_ELF ISO
set -uo pipefail

kernel=$1
iso=$2
work=$(mktemp -d "${TMPDIR:-/tmp}/kestrel-boot-checks.XXXXXX")
trap 'rm -rf "$work"' EXIT
passed=0
failed=0

pass() { echo "boot_checks: $* ... [ok]"; passed=$((passed + 1)); }
fail() { echo "boot_checks: $1 ... [failed] $2"; failed=$((failed + 1)); }

# boot NAME PATTERN TIMEOUT QEMU...: boots until PATTERN appears on serial (or TIMEOUT seconds
# pass), leaving the serial log in $work/NAME.log, QEMU's liveness in $alive and the time
# until PATTERN appeared in $elapsed.
boot() {
    local name=$1 pattern=$2 limit=$3
    shift 3
    local log="$work/$name.log"
    : > "$log"
    "$@" -display none -serial "file:$log" -monitor none -net none -no-reboot -cdrom "$iso" \
        2>"$work/$name.err" &
    local qemu=$!
    local deadline=$((SECONDS + limit)) start
    start=$(date +%s%N)
    while [ $SECONDS -lt $deadline ] && kill -0 $qemu 2>/dev/null; do
        grep -qE "$pattern" "$log" && break
        sleep 0.1
    done
    found=false
    grep -qE "$pattern" "$log" && found=true
    local elapsed_ms=$((($(date +%s%N) - start) / 1000000))
    elapsed="$((elapsed_ms / 1000)).$((elapsed_ms % 1000 / 100))s"

    # Give a kernel that was about to crash a moment to do so, then see if it is still up.
    sleep 1
    alive=false
    kill -0 $qemu 2>/dev/null && alive=true
    kill $qemu 2>/dev/null
    wait $qemu 2>/dev/null
}

if grub-file --is-x86-multiboot2 "$kernel"; then
    pass "grub-file accepts the kernel as Multiboot2"
else
    fail "grub-file accepts the kernel as Multiboot2" "(no valid Multiboot2 header)"
fi

# check_boot NAME SCREEN QEMU...: the kernel printed its banner, the console line naming
# SCREEN and the memory summary, reached the shell (which logs the boot time), and is still up.
check_boot() {
    local name=$1 screen=$2
    shift 2
    boot "$name" "INFO  boot: " 60 "$@"
    local log="$work/$name.log"
    if $found && grep -q "booted by GRUB" "$log" && grep -q "console: $screen" "$log" &&
        grep -qE 'usable memory: [0-9]+ KiB' "$log" && grep -q "kestrel> " "$log" && $alive
    then
        pass "$name: $screen console, $(grep -oE 'usable memory: [0-9]+ KiB' "$log")," \
            "$(grep -oE 'boot: [0-9.]+ ms' "$log") to the prompt, shell after $elapsed"
    else
        fail "$name" "(banner, '$screen' console or memory line missing, or the kernel died)"
        cat "$log"
    fi
}

for machine in pc q35; do
    for memory in 32M 4G 6G; do
        check_boot "bios-$machine-$memory" "VGA text" \
            qemu-system-x86_64 -accel tcg -machine "$machine" -m "$memory"
    done
    for memory in 64M 6G; do
        # shellcheck disable=SC2046 # the script prints plain words
        check_boot "uefi-$machine-$memory" "framebuffer" \
            qemu-system-x86_64 -accel tcg -machine "$machine" -m "$memory" \
            $("$(dirname "$0")/../tools/ovmf-args.sh" "$work/ovmf-vars.fd")
    done
done

# A normal boot reaches the shell, whose line editor echoes keys typed on the keyboard (through
# the QEMU monitor) and runs the command; log lines once the TSC is calibrated carry non-zero
# uptime stamps, among them the boot-time figure.
name="shell"
log="$work/$name.log"
: > "$log"
monitor="$work/monitor.sock"
qemu-system-x86_64 -accel tcg -machine pc -m 128M -display none -serial "file:$log" \
    -monitor "unix:$monitor,server=on,wait=off" -net none -no-reboot -cdrom "$iso" \
    </dev/null 2>"$work/$name.err" &
qemu=$!
for _ in $(seq 1 300); do
    grep -q "kestrel: ready for input" "$log" && break
    sleep 0.1
done
for key in e c h o spc k e y s ret; do printf 'sendkey %s\n' "$key"; done |
    python3 "$(dirname "$0")/monitor.py" "$monitor"
for _ in $(seq 1 50); do
    tr -d '\r' < "$log" | grep -qx "keys" && grep -q "INFO  boot: " "$log" && break
    sleep 0.1
done
kill $qemu 2>/dev/null
wait $qemu 2>/dev/null
if grep -qE '^\[ +0\.[0-9]*[1-9][0-9]*\] INFO  boot: ' "$log" &&
   grep -q "echo keys" "$log" && tr -d '\r' < "$log" | grep -qx "keys"; then
    pass "$name: 'echo keys' typed and run; $(grep -oE 'boot: [0-9.]+ ms' "$log")"
else
    fail "$name" "(no shell, the typed command did not run, or no uptime-stamped boot line)"
    cat "$log"
fi

name="no-long-mode"
boot "$name" "kestrel: boot error: no long mode" 30 qemu-system-i386 -accel tcg -m 64M
if $found && $alive; then
    pass "$name: i386 CPU gets the long-mode error and stays halted"
else
    fail "$name" "(found message: $found, still running: $alive)"
    cat "$work/$name.log"
fi

# The same error on the VGA screen, read through the monitor: the text, and no CR or LF drawn
# as glyphs (code page 437's note and inverse circle) where the line ends.
name="no-long-mode-screen"
log="$work/$name.log"
: > "$log"
monitor="$work/$name.sock"
qemu-system-i386 -accel tcg -m 64M -display none -serial "file:$log" \
    -monitor "unix:$monitor,server=on,wait=off" -net none -no-reboot -cdrom "$iso" \
    </dev/null 2>"$work/$name.err" &
qemu=$!
for _ in $(seq 1 300); do
    grep -q "(system halted)" "$log" && break
    sleep 0.1
done
screen=$(python3 "$(dirname "$0")/vga_text.py" "$monitor" 3 2>&1)
kill $qemu 2>/dev/null
wait $qemu 2>/dev/null
flat=$(printf '%s' "$screen" | tr -d '\n')
if [[ $flat == *"kestrel: boot error: no long mode"*"(system halted)"* ]] &&
   [[ $flat != *"<0d>"* && $flat != *"<0a>"* ]]; then
    pass "$name: the error reads cleanly on the VGA screen"
else
    fail "$name" "(message missing from VGA memory, or CR/LF drawn as glyphs)"
    printf '%s\n' "$screen"
fi

# Bochs is stricter than QEMU about the UART (it garbles output until the line control register
# is set and drops bytes written while the transmitter is busy): the log must come out intact.
name="bochs"
log="$work/bochs.log"
: > "$log"
"$(dirname "$0")/../tools/bochs.sh" "$iso" 30 > "$log" 2>&1 &
bochs=$!
deadline=$((SECONDS + 30))
while [ $SECONDS -lt $deadline ] && ! grep -qa "kestrel: ready for input" "$log"; do sleep 0.2; done
kill $bochs 2>/dev/null
wait $bochs 2>/dev/null
if grep -qa "Kestrel .* (x86_64), booted by GRUB" "$log" && grep -qaE "usable memory: [0-9]+ KiB" "$log"; then
    pass "$name: serial output intact"
else
    fail "$name" "(banner or memory line missing or garbled)"
    cat -A "$log" | head -20
fi
# Bochs has ACPI tables and an I/O APIC: the kernel takes the APIC path and reaches the shell.
if grep -qa "interrupts: I/O APIC" "$log" && grep -qa "kestrel: ready for input" "$log"; then
    pass "$name: I/O APIC path, shell reached"
else
    fail "$name" "(no 'interrupts: I/O APIC' line, or no shell prompt)"
    grep -a "interrupts:\|timer:\|acpi:" "$log" | head -10
fi

echo "boot_checks: $passed passed, $failed failed"
[ $failed -eq 0 ]
