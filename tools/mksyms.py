#!/usr/bin/env python3
"""Writes the kernel's symbol table, which GRUB loads as a boot module for backtraces.

Usage: tools/mksyms.py KERNEL_ELF OUTPUT [-v]

Reads the function symbols of KERNEL_ELF with `nm` and writes them in the format that
src/debug/symbols.rs documents and validates: a header that ties the table to this build
(the addresses of __kernel_start, __kernel_end and kernel_entry), entries sorted by address,
and the names, each stored once. Names stay mangled (the kernel demangles them with
rustc-demangle when it prints), minus the 17-byte hash of legacy Rust names, which only
tells monomorphisations apart. See docs/backtraces.md.
"""

import re
import struct
import subprocess
import sys

MAGIC = b"KSYMTAB1"
# nm's types for code: local/global text and weak symbols.
CODE_TYPES = set("tTwW")
LEGACY_HASH = re.compile(r"17h[0-9a-f]{16}E$")
IDENTITY = ("__kernel_start", "__kernel_end", "kernel_entry")


def read_symbols(elf):
    """(address, size or None, type, name) for every defined symbol, in address order."""
    out = subprocess.run(
        ["nm", "--numeric-sort", "--print-size", "--defined-only", elf],
        check=True, capture_output=True, text=True,
    ).stdout
    symbols = []
    for line in out.splitlines():
        fields = line.split()
        if len(fields) == 4:
            addr, size, typ, name = fields
            size = int(size, 16)
        elif len(fields) == 3:
            addr, typ, name = fields
            size = None
        else:
            continue
        symbols.append((int(addr, 16), size, typ, name))
    return symbols


def build(symbols):
    by_name = {name: addr for addr, _, _, name in symbols}
    missing = [name for name in IDENTITY if name not in by_name]
    if missing:
        sys.exit(f"mksyms: the kernel lacks {', '.join(missing)}")
    start, end, entry = (by_name[name] for name in IDENTITY)

    # Code in the higher-half image only: the trampoline runs before there is a console.
    code = [s for s in symbols
            if s[2] in CODE_TYPES and start <= s[0] < end and s[3] not in IDENTITY[:2]]
    entries = []  # [address, size, name]
    for addr, size, _, name in code:
        if entries and entries[-1][0] == addr:
            continue  # an alias of the symbol before: keep the first name
        if entries and entries[-1][1] and entries[-1][0] + entries[-1][1] > addr:
            # A symbol inside the one before (a label in assembly): the outer one ends here.
            entries[-1][1] = addr - entries[-1][0]
        entries.append([addr, size or 0, LEGACY_HASH.sub("E", name)])

    base = entries[0][0] & ~0xFFF if entries else start
    names = bytearray()
    name_at = {}
    packed = bytearray()
    for addr, size, name in entries:
        if name not in name_at:
            name_at[name] = len(names)
            names += name.encode() + b"\0"
        offset = addr - base
        if offset >= 1 << 32 or size >= 1 << 32:
            sys.exit(f"mksyms: {name} at {addr:#x} is too far from {base:#x}")
        packed += struct.pack("<III", offset, size, name_at[name])

    header = MAGIC + struct.pack("<IIQQQQ", len(entries), len(names), base, start, end, entry)
    return header + packed + names, len(entries), len(name_at)


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__.strip().splitlines()[2])
    table, count, distinct = build(read_symbols(sys.argv[1]))
    with open(sys.argv[2], "wb") as out:
        out.write(table)
    if sys.argv[3:] == ["-v"]:
        print(f"mksyms: {count} functions, {distinct} distinct names, {len(table)} bytes")


if __name__ == "__main__":
    main()
