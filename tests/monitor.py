"""Feeds QEMU monitor commands from stdin into the monitor's UNIX socket (tests/runner.sh).

Each command is sent only after QEMU has answered the previous one with a fresh prompt, so a
fast stream (a key flood) is neither lost when the socket closes nor stuck behind a full buffer.
A line `dump PATH COMMAND` sends COMMAND and writes QEMU's answer to PATH (a screen dump for
tests/vga_text.py: QEMU serves one monitor client at a time, so it cannot connect itself).
"""
import socket
import sys
import time

PROMPT = b"(qemu) "
ANSWER_TIMEOUT = 10.0

path = sys.argv[1]
sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
for _ in range(100):
    try:
        sock.connect(path)
        break
    except OSError:
        time.sleep(0.05)
else:
    sys.exit(f"monitor.py: cannot connect to {path}")
sock.settimeout(ANSWER_TIMEOUT)
pending = b""


def wait_for_prompt():
    """Returns what QEMU printed before its next prompt."""
    global pending
    while PROMPT not in pending:
        chunk = sock.recv(65536)
        if not chunk:
            sys.exit("monitor.py: QEMU closed the monitor")
        pending += chunk
    answer = pending[: pending.index(PROMPT)]
    pending = pending[pending.index(PROMPT) + len(PROMPT):]
    return answer


try:
    wait_for_prompt()
    for line in sys.stdin:
        dump = None
        if line.startswith("dump "):
            _, dump, line = line.split(" ", 2)
        sock.sendall(line.encode())
        answer = wait_for_prompt()
        if dump:
            with open(dump, "wb") as out:
                out.write(answer)
except (socket.timeout, BrokenPipeError, ConnectionResetError) as err:
    sys.exit(f"monitor.py: {err}")
sock.close()
