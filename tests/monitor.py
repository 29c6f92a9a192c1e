"""Feeds QEMU monitor commands from stdin into the monitor's UNIX socket (tests/runner.sh)."""
import socket
import sys
import time

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
sock.setblocking(False)
for line in sys.stdin:
    sock.sendall(line.encode())
    try:
        sock.recv(65536)  # discard the monitor's echo so its buffer never fills
    except BlockingIOError:
        pass
sock.close()
