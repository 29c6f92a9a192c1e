#!/usr/bin/env bash
# Usage: tools/bochs.sh ISO [SECONDS]
# Boots ISO in Bochs with tools/bochsrc and shows COM1 on this terminal. With a display and the
# bochs-x plugin Bochs opens a window; otherwise it runs headless (VNC/RFB server that does not
# wait for a viewer). With SECONDS it stops after that long; otherwise when the kernel powers off
# (it writes "Shutdown" to port 0x8900) or on Ctrl-C.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
iso=$(realpath "$1")
limit=${2:-}
work=$(mktemp -d "${TMPDIR:-/tmp}/kestrel-bochs.XXXXXX")

export BXSHARE=${BXSHARE:-/usr/share/bochs}
export KESTREL_ISO=$iso
export KESTREL_SERIAL_LOG=$work/serial.log
export KESTREL_BOCHS_LOG=$work/bochs.log
if [ -n "${DISPLAY:-}" ] && ls /usr/lib/x86_64-linux-gnu/bochs/plugins/libbx_x.so* >/dev/null 2>&1; then
    export KESTREL_BOCHS_DISPLAY=x KESTREL_BOCHS_DISPLAY_OPTIONS=nokeyrepeat
else
    export KESTREL_BOCHS_DISPLAY=rfb KESTREL_BOCHS_DISPLAY_OPTIONS=timeout=0
fi
: > "$KESTREL_SERIAL_LOG"

# Debian's Bochs has its debugger built in and stops before the first instruction: "c" runs.
echo c > "$work/debugger.rc"
bochs -q -f "$here/bochsrc" -rc "$work/debugger.rc" </dev/null >"$work/console.log" 2>&1 &
bochs_pid=$!
tail -f "$KESTREL_SERIAL_LOG" &
tail_pid=$!
cleanup() {
    kill $bochs_pid $tail_pid 2>/dev/null
    [ -n "${KEEP_BOCHS_WORK:-}" ] || rm -rf "$work"
}
trap cleanup EXIT INT TERM

if [ -n "$limit" ]; then
    deadline=$((SECONDS + limit))
    while [ $SECONDS -lt $deadline ] && kill -0 $bochs_pid 2>/dev/null; do sleep 0.2; done
else
    wait $bochs_pid
fi
sleep 0.3
if grep -qiE "panic|fatal" "$KESTREL_BOCHS_LOG" 2>/dev/null; then
    echo "bochs: problems in its log:" >&2
    grep -iE "panic|fatal" "$KESTREL_BOCHS_LOG" | head -5 >&2
fi
