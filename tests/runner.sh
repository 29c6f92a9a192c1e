#!/usr/bin/env bash
# Cargo's runner for the test kernels in tests/ (see .cargo/config.toml): wraps the ELF in a
# GRUB ISO, boots it headless in QEMU with serial on stdout, enforces a timeout and turns the
# isa-debug-exit status into the process status cargo reads.
#
# Per-kernel settings come from tests/qemu/<name>.conf when it exists, a bash fragment that may
# set:
#   QEMU_ARGS    array, appended to the QEMU command line
#   CMDLINE      the kernel command line
#   SYMBOLS      a symbol table to ship instead of the kernel's own (path from the repository
#                root; grub/mkiso.sh)
#   TIMEOUT      seconds per boot before the run counts as a hang
#   KEYS         array of input steps, run once the kernel prints "kestrel: ready for input":
#                  a QEMU `sendkey` argument (`a`, `shift-b`, `ret`) types that key;
#                  `wait=TEXT` waits until TEXT appears on the serial console;
#                  `after=TEXT` waits until TEXT appears in what the serial console printed
#                  since the last input step (so an earlier prompt does not count);
#                  `delay=SECONDS` sets the pause between the following keys (default 0.02);
#                  `serial=TEXT` sends TEXT (printf %b escapes, e.g. \r) to the serial port;
#                  `paced=TEXT` sends it at the pace of a 115200-baud line (11520 bytes/s), as
#                  a terminal paste arrives (QEMU's serial port is far faster unpaced);
#                  `pause=SECONDS` waits that long;
#                  `screen=NAME` saves what VGA text memory shows now, as NAME, for
#                  SCREEN_EXPECT.
#   EXPECT       array of strings that must appear on the serial console for a pass
#   EXPECT_LINES array of strings that must each be a whole line of the serial console
#   REJECT       array of strings that must not appear on the serial console
#   REJECT_AFTER array of pairs MARKER TEXT: TEXT must not appear after the first MARKER (a
#                report that must come out in one block)
#   EXPECT_IN_ORDER array of strings that must appear on the serial console in this order
#   SCREEN_EXPECT array of pairs NAME TEXT: TEXT must appear in the VGA screen saved by the
#                `screen=NAME` step, as `tests/vga_text.py --dump` shows it (colours as
#                `{xx}` attribute bytes where they change; BIOS boots only)
#   EXPECT_EXIT  `failure` for a kernel that passes by exiting with the failure code (a fault
#                report test), `reset` for one that passes by resetting the machine (QEMU runs
#                with -no-reboot, so a reset ends it with status 0), `poweroff` for one that
#                passes by powering the machine off (ACPI S5: QEMU exits with status 0); the
#                EXPECT strings then carry the verdict.
#   DEBUG_EXIT   `no` boots without the isa-debug-exit device (default `yes`), so that only a
#                real power-off can end the run
#   MACHINES     array of QEMU machine types (default `pc`); each boots under every firmware
#   INITRAMFS    `default` for the initramfs `make kernel-test` built (KESTREL_INITRAMFS), or a
#                path (relative to the repository) of an archive to load as the module instead
#   ROOTFS_EXTRA a directory (relative to the repository) laid over the default tree in an
#                archive built for this kernel alone (tools/build-rootfs.sh)
#   FIRMWARES    array of `bios` and/or `uefi` (default `bios`): the kernel boots once under
#                each, SeaBIOS or OVMF, and must pass every time. A kernel booted under more
#                than one firmware must also report the screen that firmware calls for: VGA
#                text under BIOS, a framebuffer under UEFI.
#   SMP          processors per boot (`-smp N`; default QEMU's one)
#   SMP_UEFI     processors for the UEFI boots instead, when they differ (OVMF takes longer
#                per CPU)
set -uo pipefail

elf=$1
root=$(cd "$(dirname "$0")/.." && pwd)
name=$(basename "$elf")
name=${name%-*}             # cargo names test binaries <name>-<hash>

QEMU_ARGS=()
CMDLINE=""
SYMBOLS=""
TIMEOUT=60
KEYS=()
EXPECT=()
EXPECT_LINES=()
REJECT=()
REJECT_AFTER=()
EXPECT_IN_ORDER=()
EXPECT_EXIT=success
DEBUG_EXIT=yes
FIRMWARES=(bios)
MACHINES=(pc)
INITRAMFS=""
ROOTFS_EXTRA=""
SMP=""
SMP_UEFI=""
SCREEN_EXPECT=()
conf="$root/tests/qemu/$name.conf"
# A conf that does not parse would leave its expectations empty, and the test would pass
# whatever the kernel printed.
if [ -f "$conf" ] && ! bash -n "$conf"; then
    echo "runner: $conf does not parse (above); $name cannot be checked" >&2
    exit 1
fi
# shellcheck source=/dev/null
[ -f "$conf" ] && source "$conf"

work="$root/target/test-runs/$name"
mkdir -p "$work"
iso="$work/$name.iso"
initramfs=""
if [ -n "$ROOTFS_EXTRA" ]; then
    # A staged copy, which the conf's optional rootfs_extra_setup may add to.
    initramfs="$work/initramfs.cpio"
    rm -rf "$work/rootfs-extra"
    cp -a "$root/$ROOTFS_EXTRA" "$work/rootfs-extra"
    if declare -F rootfs_extra_setup >/dev/null; then
        rootfs_extra_setup "$work/rootfs-extra"
    fi
    "$root/tools/build-rootfs.sh" "$initramfs" "${KESTREL_USER_BIN:?make kernel-test sets it}" \
        "$work/rootfs-extra" >/dev/null || { echo "$name: could not build the initramfs"; exit 1; }
elif [ "$INITRAMFS" = default ]; then
    initramfs=${KESTREL_INITRAMFS:?make kernel-test builds the initramfs and sets it}
elif [ -n "$INITRAMFS" ]; then
    initramfs="$root/$INITRAMFS"
fi
INITRAMFS="$initramfs" KESTREL_SYMBOLS=${SYMBOLS:+$root/$SYMBOLS} "$root/grub/mkiso.sh" "$elf" "$iso" "$CMDLINE" \
    || { echo "$name: could not build ISO"; exit 1; }

monitor="$work/monitor.sock"
serial_in="$work/serial.in"
qemu_done="$work/qemu.done"

# Waits (up to 20 s) until TEXT appears on the serial console (from byte FROM on, default
# the start); fails once QEMU has exited.
wait_for_output() {
    local from=${2:-0}
    for _ in $(seq 1 400); do
        # grep -c reads all its input: with -q, tail could die of SIGPIPE and pipefail
        # would count the match as a miss.
        [ "$(tail -c +$((from + 1)) "$log" 2>/dev/null | grep -cF -- "$1")" -gt 0 ] && return 0
        [ -e "$qemu_done" ] && return 1
        sleep 0.05
    done
    echo "runner: gave up waiting for '$1' on the serial console" >&2
    return 1
}

type_keys() {
    wait_for_output "kestrel: ready for input" || return
    local delay=0.02 mark=0
    for step in "${KEYS[@]}"; do
        case $step in
            wait=*|after=*|delay=*|pause=*|screen=*) ;;
            *) mark=$(stat -c %s "$log") ;;
        esac
        case $step in
            wait=*) wait_for_output "${step#wait=}" || break ;;
            after=*) wait_for_output "${step#after=}" "$mark" || break ;;
            delay=*) delay=${step#delay=} ;;
            serial=*) printf '%b' "${step#serial=}" > "$serial_in" ;;
            paced=*) printf '%b' "${step#paced=}" | python3 "$root/tests/pace.py" "$serial_in" ;;
            pause=*) sleep "${step#pause=}" ;;
            screen=*) printf 'dump %s xp /2000hx 0xb8000\n' "$work/screen-${step#screen=}.txt" ;;
            *)
                printf 'sendkey %s\n' "$step"
                [ "$delay" = 0 ] || sleep "$delay"
                ;;
        esac
    done | python3 "$root/tests/monitor.py" "$monitor"
}

# boot FIRMWARE MACHINE: one run of the kernel; prints the verdict and returns its status.
boot() {
    local firmware=$1 machine=$2 label=$name firmware_args=() debug_exit=() smp=() cpus=$SMP
    [ "$DEBUG_EXIT" = no ] || debug_exit=(-device isa-debug-exit,iobase=0xf4,iosize=0x04)
    [ "$firmware" = uefi ] && [ -n "$SMP_UEFI" ] && cpus=$SMP_UEFI
    [ -z "$cpus" ] || smp=(-smp "$cpus")
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
    if [ ${#MACHINES[@]} -gt 1 ]; then
        label="$name ($machine, $firmware)"
    elif [ ${#FIRMWARES[@]} -gt 1 ]; then
        label="$name ($firmware)"
    fi

    rm -f "$monitor" "$serial_in" "$qemu_done" "$work"/screen-*.txt
    mkfifo "$serial_in"
    # Held open read-write so that neither QEMU's read end nor the writers above ever block or
    # see end-of-file.
    exec 3<>"$serial_in"
    local qemu=(qemu-system-x86_64 -accel tcg -machine "$machine" -m 128M -cpu max
                -display none -serial stdio -monitor "unix:$monitor,server=on,wait=off"
                -net none -no-reboot "${debug_exit[@]}" "${smp[@]}"
                "${firmware_args[@]}" -cdrom "$iso" "${QEMU_ARGS[@]}")
    local start status elapsed_ms elapsed verdict screen passed
    start=$(date +%s%N)
    : > "$log"
    if [ ${#KEYS[@]} -gt 0 ]; then
        type_keys &
    fi
    timeout --kill-after=5 "$TIMEOUT" "${qemu[@]}" <&3 | tee "$log"
    status=${PIPESTATUS[0]}
    touch "$qemu_done"
    wait
    elapsed_ms=$((($(date +%s%N) - start) / 1000000))
    elapsed="$((elapsed_ms / 1000)).$((elapsed_ms % 1000 / 100))"
    exec 3>&-
    rm -f "$serial_in" "$qemu_done"

    local missing=()
    for text in "${EXPECT[@]}"; do
        grep -qF -- "$text" "$log" || missing+=("$text")
    done
    # Stripped once into a file: grep -q on a pipe would end the pipe early, and pipefail
    # would then count a line that was found as missing.
    tr -d '\r' < "$log" > "$log.lines"
    for line in "${EXPECT_LINES[@]}"; do
        grep -qxF -- "$line" "$log.lines" || missing+=("$line (as a whole line)")
    done
    local rest rest_all
    rest=$(tr -d '\r' < "$log")
    rest_all=$rest
    for text in "${EXPECT_IN_ORDER[@]}"; do
        case $rest in
            *"$text"*) rest=${rest#*"$text"} ;;
            *) missing+=("$text (in this order)"); break ;;
        esac
    done
    if [ ${#missing[@]} -gt 0 ]; then
        printf "runner: $label: expected on the serial console but missing: '%s'\n" "${missing[@]}"
    fi
    local shown i
    for ((i = 0; i + 1 < ${#SCREEN_EXPECT[@]}; i += 2)); do
        [ "$firmware" = bios ] || continue
        shown=$(python3 "$root/tests/vga_text.py" --dump "$work/screen-${SCREEN_EXPECT[i]}.txt" 2>&1)
        case $shown in
            *"${SCREEN_EXPECT[i + 1]}"*) ;;
            *) printf "runner: $label: the screen '%s' lacks '%s'; it shows:\n%s\n" \
                   "${SCREEN_EXPECT[i]}" "${SCREEN_EXPECT[i + 1]}" "$shown"
               missing+=("${SCREEN_EXPECT[i + 1]} (on the screen '${SCREEN_EXPECT[i]}')") ;;
        esac
    done
    local rejected=()
    for text in "${REJECT[@]}"; do
        grep -qF -- "$text" "$log" && rejected+=("$text")
    done
    local i after
    for ((i = 0; i + 1 < ${#REJECT_AFTER[@]}; i += 2)); do
        case $rest_all in
            *"${REJECT_AFTER[i]}"*)
                after=${rest_all#*"${REJECT_AFTER[i]}"}
                case $after in
                    *"${REJECT_AFTER[i + 1]}"*)
                        rejected+=("${REJECT_AFTER[i + 1]} (after '${REJECT_AFTER[i]}')") ;;
                esac ;;
        esac
    done
    if [ ${#rejected[@]} -gt 0 ]; then
        printf "runner: $label: on the serial console but must not be: '%s'\n" "${rejected[@]}"
        missing+=("${rejected[@]}")
    fi
    if [ "$status" = 33 ] && [ ${#FIRMWARES[@]} -gt 1 ]; then
        screen="console: VGA text"
        [ "$firmware" = uefi ] && screen="console: framebuffer"
        grep -q "$screen" "$log" || status=screen
    fi

    passed=$(grep -c '\[ok\]' "$log")
    if [ "$EXPECT_EXIT" != success ]; then
        local expected_status=35
        [ "$EXPECT_EXIT" = reset ] && expected_status=0
        [ "$EXPECT_EXIT" = poweroff ] && expected_status=0
        if [ "$status" = "$expected_status" ] && [ ${#missing[@]} -eq 0 ]; then
            echo "runner: $label passed (ended by $EXPECT_EXIT as expected) in ${elapsed}s"
            echo "$name: 1 passed, 0 failed"
            return 0
        fi
        [ "$status" = 33 ] && status=unexpected-success
    fi
    case $status in
        33) if [ ${#missing[@]} -eq 0 ]; then
                echo "runner: $label passed in ${elapsed}s"
                return 0
            fi
            verdict="expected output missing" ;;
        35) verdict="a test failed" ;;
        screen) verdict="the boot log lacks '$screen' under $firmware" ;;
        unexpected-success) verdict="the kernel exited with success but was meant to end by $EXPECT_EXIT" ;;
        124|137) verdict="timed out after ${TIMEOUT}s (hang?)" ;;
        0) verdict="QEMU stopped without an exit code: the kernel reset (triple fault?)" ;;
        *) verdict="QEMU exited with status $status" ;;
    esac
    echo "runner: $label FAILED: $verdict after ${elapsed}s"
    echo "$name: $passed passed, 1 failed"
    return 1
}

failed=0
for machine in "${MACHINES[@]}"; do
    for firmware in "${FIRMWARES[@]}"; do
        log="$work/serial-$machine-$firmware.log"
        boot "$firmware" "$machine" || failed=1
    done
done
exit $failed
