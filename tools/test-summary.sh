#!/usr/bin/env bash
# Adds up the per-suite "N passed, M failed" lines of a `make test` log (cargo's host unit
# tests, each test kernel, the boot checks) into one closing line.
set -euo pipefail
log=$1
read -r passed failed < <(
    sed -E -n \
        -e 's/^test result: [a-zA-Z]+\. ([0-9]+) passed; ([0-9]+) failed.*/\1 \2/p' \
        -e 's/^[A-Za-z0-9_]+: ([0-9]+) passed, ([0-9]+) failed\r?$/\1 \2/p' "$log" |
        awk '{ p += $1; f += $2 } END { print p + 0, f + 0 }'
)
echo "total: $passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
