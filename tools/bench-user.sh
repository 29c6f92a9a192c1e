#!/usr/bin/env bash
# Boots the bench-user kernel ISO under the QEMU of `make bench-linux` (icount: the guest TSC
# advances with executed instructions, so figures repeat) and prints Kestrel's `bench user`
# figures next to Linux 6.1's, measured the same way (tools/bench-linux.sh, README).
# Usage: tools/bench-user.sh ISO [OUT_LOG]
set -euo pipefail
iso=$1 log=${2:-build/bench-user.log}
timeout 600 qemu-system-x86_64 -accel tcg -icount shift=0,align=off -machine pc -m 512M -cpu max \
    -serial stdio -display none -monitor none -net none -no-reboot \
    -device isa-debug-exit,iobase=0xf4,iosize=0x04 -cdrom "$iso" </dev/null \
    | tr -d '\r' > "$log" || [ "${PIPESTATUS[0]}" -eq 33 ]
grep -q '^bench user done' "$log" || { echo "bench-user: the run did not finish (see $log)" >&2; exit 1; }
# Linux 6.1 (Debian's linux-image-amd64), guest TSC ticks per operation, from make bench-linux.
# spawn_exit_wait (the kernel starts /bin/true and waits for it) has no Linux counterpart;
# fork_exit_wait is the nearest.
awk '
BEGIN {
    linux["getpid"] = 318; linux["page_fault"] = 6818; linux["yield_pingpong"] = 1698
    linux["fork_exit_wait"] = 168230; linux["fork_execve_wait"] = 350613
    linux["pipe_pingpong"] = 11467; linux["tmpfs_read_8k"] = 9959
    linux["spawn_exit_wait"] = 168230; against["spawn_exit_wait"] = " (Linux: fork+exit+wait)"
    linux["thread_spawn_join"] = 169988; linux["futex_pingpong"] = 7614
    printf "%-18s %12s %12s %8s\n", "workload", "Kestrel", "Linux 6.1", "ratio"
}
/^bench user workload=/ {
    split($3, w, "="); split($4, c, "=")
    if (c[1] != "cycles_per_op") { printf "%-18s %12s\n", w[2], "skipped"; next }
    if (w[2] in linux) {
        printf "%-18s %12d %12d %7.2fx%s\n", w[2], c[2], linux[w[2]], c[2] / linux[w[2]], against[w[2]]
    } else {
        printf "%-18s %12d\n", w[2], c[2]
    }
}' "$log"
