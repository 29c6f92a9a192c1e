#!/usr/bin/env bash
# Regenerates the ELF loader's host-test fixtures in tests/fixtures/elf/ from hello.c there:
# static-exec.elf (a static ET_EXEC) and static-pie.elf (a static-PIE ET_DYN). The committed
# files are what the tests read; rerun this only to change them (needs gcc and GNU ld).
# Usage: tools/mkelf-fixtures.sh
set -euo pipefail
cd "$(dirname "$0")/../tests/fixtures/elf"
# No libc, no unwind tables, no stack protector, no build id: small, stable output.
common=(-Os -nostdlib -fno-asynchronous-unwind-tables -fno-stack-protector
        -Wl,-z,max-page-size=4096 -Wl,--build-id=none -s)
gcc "${common[@]}" -static -fno-pie -no-pie -o static-exec.elf hello.c
gcc "${common[@]}" -static-pie -fpie -o static-pie.elf hello.c
ls -l static-exec.elf static-pie.elf
