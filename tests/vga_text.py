"""Prints what VGA text memory shows, read through QEMU's monitor (tests/boot_checks.sh).

Usage: python3 tests/vga_text.py MONITOR_SOCKET [ROWS]
       python3 tests/vga_text.py --dump FILE [ROWS]

Reads the first ROWS rows (default 25) of the 80x25 text buffer at 0xB8000 with the monitor's
`xp` command and prints one line per row, characters only: printable ASCII as is, NUL as a
space, anything else as <xx> (its code-page-437 code in hex), so that a control byte drawn as
a glyph shows.

With --dump it reads a saved answer to that `xp` command instead (tests/runner.sh's `screen=`
step) and also shows colours: where a cell's attribute byte differs from the one before it
(light grey on black, 07, at the start of each row), `{xx}` gives the new one in hex, so that
"{70}x" is an x in reverse video.
"""
import socket
import sys
import time

PROMPT = b"(qemu) "
COLUMNS = 80

DUMP_COMMAND = "xp /{cells}hx 0xb8000"

if sys.argv[1] == "--dump":
    rows = int(sys.argv[3]) if len(sys.argv) > 3 else 25
    with open(sys.argv[2], "rb") as dump:
        text = dump.read().decode(errors="replace")
    cells = []
    for line in text.splitlines():
        if ":" in line and line.split(":")[0].strip().isalnum():
            cells += [int(word, 16) for word in line.split(":", 1)[1].split()]
    if len(cells) < rows * COLUMNS:
        sys.exit(f"vga_text.py: the dump has {len(cells)} cells, expected {rows * COLUMNS}")
    for row in range(rows):
        shown, attribute = "", 0x07
        for cell in cells[row * COLUMNS:(row + 1) * COLUMNS]:
            if cell >> 8 != attribute:
                attribute = cell >> 8
                shown += f"{{{attribute:02x}}}"
            code = cell & 0xFF
            shown += " " if code == 0 else chr(code) if 0x20 <= code < 0x7F else f"<{code:02x}>"
        print(shown)
    sys.exit(0)

path = sys.argv[1]
rows = int(sys.argv[2]) if len(sys.argv) > 2 else 25
sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
for _ in range(100):
    try:
        sock.connect(path)
        break
    except OSError:
        time.sleep(0.05)
else:
    sys.exit(f"vga_text.py: cannot connect to {path}")
sock.settimeout(10.0)


def answer():
    data = b""
    while PROMPT not in data:
        chunk = sock.recv(65536)
        if not chunk:
            sys.exit("vga_text.py: QEMU closed the monitor")
        data += chunk
    return data[: data.index(PROMPT)].decode(errors="replace")


answer()  # the greeting
sock.sendall((DUMP_COMMAND.format(cells=rows * COLUMNS) + "\n").encode())
cells = []
for line in answer().splitlines():
    # "00000000000b8000: 0x4f6b 0x4f65 ...", after the echoed command.
    if ":" in line and line.split(":")[0].strip().isalnum():
        cells += [int(word, 16) for word in line.split(":", 1)[1].split()]
sock.close()
if len(cells) != rows * COLUMNS:
    sys.exit(f"vga_text.py: read {len(cells)} cells, expected {rows * COLUMNS}")


def show(code):
    if code == 0:
        return " "
    if 0x20 <= code < 0x7F:
        return chr(code)
    return f"<{code:02x}>"


for row in range(rows):
    print("".join(show(cell & 0xFF) for cell in cells[row * COLUMNS:(row + 1) * COLUMNS]))
