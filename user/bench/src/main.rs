//! `bench`: the user-level benchmark workloads (docs/bench.md), timed with the TSC. The same
//! static binary runs on Kestrel and, as PID 1 of an initramfs, on Linux (`make bench-linux`),
//! so the figures compare like with like. Prints one `bench user workload=... cycles_per_op=N`
//! line per workload, or `skipped=` with the error when the kernel lacks a call.

#![no_std]
#![no_main]

mod workloads;

use rt::{Args, Errno, println, sys};

rt::entry!(main);

/// One workload: its name, and a run that returns total cycles and the operation count.
type Workload = (&'static str, fn() -> Result<(u64, u64), Errno>);

const WORKLOADS: [Workload; 7] = [
    ("getpid", workloads::getpid),
    ("page_fault", workloads::page_fault),
    ("yield_pingpong", workloads::yield_pingpong),
    ("fork_exit_wait", workloads::fork_exit_wait),
    ("fork_execve_wait", workloads::fork_execve_wait),
    ("pipe_pingpong", workloads::pipe_pingpong),
    ("tmpfs_read_8k", workloads::tmpfs_read_8k),
];

fn main(args: Args) -> i32 {
    let only = args.str(1);
    for (name, run) in WORKLOADS {
        if only.is_some_and(|wanted| wanted != name) {
            continue;
        }
        match run() {
            Ok((cycles, ops)) => println!(
                "bench user workload={name} cycles_per_op={}",
                cycles / ops.max(1)
            ),
            Err(err) => println!("bench user workload={name} skipped={} ({err})", err.0),
        }
    }
    println!("bench user done");
    if sys::getpid() == 1 && args.str(0) == Some("/init") {
        // PID 1 of a Linux benchmark boot (tools/bench-linux.sh): end the run (the kernel
        // would panic on exit). On Kestrel the bench kernel goes on to more figures.
        let err = sys::power_off();
        println!("bench: power off failed: {err}");
    }
    0
}
