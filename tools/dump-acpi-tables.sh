#!/usr/bin/env bash
# Dumps the ACPI tables QEMU's firmware builds, for the host tests of src/acpi/.
#
# Boots Debian's Linux kernel in QEMU with a tiny initramfs whose /init (a busybox sh script)
# prints, as base64 on the serial console, every table of /sys/firmware/acpi/tables and the
# index of tables Linux logged (signature, physical address, length). The RSDP, RSDT and XSDT
# are not in sysfs, and reading them through Debian's /dev/mem fails (EFAULT); so once the
# guest has printed its index, this script reads them (and, under SeaBIOS, the BIOS data area,
# the EBDA and 0xE0000-0xFFFFF) straight out of guest memory through the QEMU monitor's
# `pmemsave`. Everything lands in tests/fixtures/acpi/<machine>-<firmware>/.
#
# Needs: a vmlinuz (KERNEL=..., e.g. from `apt-get download linux-image-6.1.0-57-amd64` and
# `dpkg -x`), a static busybox (BUSYBOX=..., default /bin/busybox from busybox-static), cpio,
# qemu-system-x86_64 and OVMF (/usr/share/ovmf/OVMF.fd).
#
# Usage: KERNEL=/path/vmlinuz tools/dump-acpi-tables.sh [pc-seabios|pc-ovmf|q35-seabios|q35-ovmf]...
# (default: all four). Each boot takes well under a minute under TCG.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
KERNEL=${KERNEL:?set KERNEL to a Linux bzImage (vmlinuz)}
BUSYBOX=${BUSYBOX:-/bin/busybox}
OVMF=${OVMF:-/usr/share/ovmf/OVMF.fd}
OUT=${OUT:-$ROOT/tests/fixtures/acpi}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# The guest side. Every blob is framed by "=== BEGIN name" / "=== END name" lines.
mkdir -p "$WORK/root/bin" "$WORK/root/dev" "$WORK/root/proc" "$WORK/root/sys" "$WORK/root/tmp"
cp "$BUSYBOX" "$WORK/root/bin/busybox"
ln -s busybox "$WORK/root/bin/sh"
cat >"$WORK/root/init" <<'EOF'
#!/bin/sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
# The archive holds no /dev/console (building it would need mknod, so root): the kernel then
# starts /init with no output, and the console is opened here from devtmpfs instead.
exec >/dev/console 2>&1
emit() { echo "=== BEGIN $1"; base64 "$2"; echo "=== END $1"; }
# Linux logs every table it found as "ACPI: SIG 0xADDRESS LENGTH (vNN OEMID ...)".
dmesg | sed -n 's/^.*ACPI: \([A-Z0-9 ]\{4\}\) \(0x[0-9A-F]*\) \([0-9A-F]*\) .*$/\1 \2 0x\3/p' >/tmp/index
echo "=== BEGIN index"; cat /tmp/index; echo "=== END index"
echo "=== BEGIN dmesg-acpi"; dmesg | grep -i acpi; echo "=== END dmesg-acpi"
for f in /sys/firmware/acpi/tables/*; do
  [ -f "$f" ] && emit "$(basename "$f")" "$f"
done
echo "=== DONE"
# The host now reads memory through the monitor and quits QEMU.
sleep 600
poweroff -f
EOF
chmod +x "$WORK/root/init"
(cd "$WORK/root" && find . | cpio -o -H newc --quiet) >"$WORK/initrd.cpio"

dump() { # machine firmware
  local machine=$1 firmware=$2 dir="$OUT/$1-$2" log="$WORK/$1-$2.log"
  local bios=()
  [ "$firmware" = ovmf ] && bios=(-bios "$OVMF")
  echo "dumping $machine-$firmware" >&2
  rm -rf "$dir" && mkdir -p "$dir"
  qemu-system-x86_64 -accel tcg -machine "$machine" -cpu max -smp 4 -m 512M \
    "${bios[@]}" -net none -display none -no-reboot -serial "file:$log" \
    -monitor "unix:$WORK/monitor,server=on,wait=off" \
    -kernel "$KERNEL" -initrd "$WORK/initrd.cpio" -append "console=ttyS0 quiet panic=-1" &
  local qemu=$!
  # shellcheck disable=SC2064 # the pid is meant to be expanded now
  trap "kill $qemu 2>/dev/null; rm -rf '$WORK'" EXIT
  python3 - "$log" "$WORK/monitor" "$dir" "$firmware" <<'PY'
import os, re, socket, sys, time
log, sock_path, out, firmware = sys.argv[1:]
deadline = time.time() + 600
while b"=== DONE" not in (open(log, "rb").read() if os.path.exists(log) else b""):
    if time.time() > deadline:
        sys.exit("no dump within 600 s")
    time.sleep(1)
text = open(log, "rb").read().decode("latin-1").replace("\r", "")
index = re.search(r"=== BEGIN index\n(.*?)=== END index", text, re.S).group(1)
mon = socket.socket(socket.AF_UNIX)
mon.connect(sock_path)
def command(line):
    mon.sendall(line.encode() + b"\n")
    time.sleep(0.5)
    mon.recv(65536)
def save(addr, length, name):
    path = os.path.join(out, name)
    if os.path.exists(path):
        os.remove(path)
    # Quoted: HMP would read an unquoted "/" as a division in the size expression.
    command(f'pmemsave {addr:#x} {length:#x} "{path}"')
    for _ in range(50):
        if os.path.exists(path) and os.path.getsize(path) == length:
            return open(path, "rb").read()
        time.sleep(0.1)
    sys.exit(f"pmemsave of {name} failed")
roots = {}
for line in index.splitlines():
    sig, addr, length = line.split()
    if sig in ("RSDP", "RSDT", "XSDT"):
        roots[sig] = save(int(addr, 16), int(length, 16), sig + ".bin")
# Linux logs only the root table it uses (the XSDT when there is one): take the other from
# the RSDP's fields (ACPI 6.5 Table 5.3: RsdtAddress at 16, XsdtAddress at 24 from revision 2).
rsdp = roots["RSDP"]
others = [("RSDT", int.from_bytes(rsdp[16:20], "little"))]
if rsdp[15] >= 2:
    others.append(("XSDT", int.from_bytes(rsdp[24:32], "little")))
for sig, addr in others:
    if sig not in roots and addr:
        header = save(addr, 36, sig + ".bin")
        save(addr, int.from_bytes(header[4:8], "little"), sig + ".bin")
# The BIOS scan areas matter only where a BIOS put the RSDP there.
if firmware != "seabios":
    command("quit")
    sys.exit(0)
bda = save(0x400, 0x100, "bda-00400.bin")
ebda = int.from_bytes(bda[0x0E:0x10], "little") << 4
if ebda:
    save(ebda, 0x400, f"ebda-{ebda:05x}.bin")
save(0xE0000, 0x20000, "bios-e0000.bin")
command("quit")
PY
  wait $qemu || true
  trap 'rm -rf "$WORK"' EXIT
  tr -d '\r' <"$log" >"$log.unix"
  local name
  # OVMF leaves terminal escapes without a newline before the first line the guest prints.
  for name in $(sed -n 's/^.*=== BEGIN //p' "$log.unix"); do
    case $name in
      index | dmesg-acpi) ext=txt ;;
      *) ext=bin ;;
    esac
    sed -n "/=== BEGIN $name\$/,/^=== END $name\$/p" "$log.unix" | sed '1d;$d' >"$WORK/blob"
    if [ $ext = txt ]; then cp "$WORK/blob" "$dir/$name.txt"; else base64 -d <"$WORK/blob" >"$dir/$name.bin"; fi
  done
  ls -l "$dir" >&2
}

configs=("$@")
[ ${#configs[@]} -gt 0 ] || configs=(pc-seabios pc-ovmf q35-seabios q35-ovmf)
for c in "${configs[@]}"; do dump "${c%-*}" "${c#*-}"; done
