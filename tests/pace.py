"""Writes stdin to the file named by argv[1] (the runner's serial FIFO) no faster than a
115200-baud 8N1 line carries it: 11520 bytes per second, as a terminal paste arrives
(tests/runner.sh, `paced=`)."""
import sys
import time

BYTES_PER_SECOND = 115200 // 10
data = sys.stdin.buffer.read()
start = time.monotonic()
sent = 0
with open(sys.argv[1], "wb", buffering=0) as out:
    while sent < len(data):
        due = min(len(data), int((time.monotonic() - start) * BYTES_PER_SECOND) + 1)
        if due > sent:
            out.write(data[sent:due])
            sent = due
        time.sleep(0.001)
