//! The benchmark kernel `make bench` boots: the workloads of docs/bench.md on the kernel heap,
//! the frame allocator and the teaching heap designs ([`designs`]), then it powers off.
//!
//! `bench.mode=icount` or `bench.mode=tcg` on the command line (the Makefile passes it) names
//! the QEMU mode in the table's header: under `-icount shift=0` the guest TSC counts executed
//! instructions, so the same binary prints the same figures on every run.

#![no_std]
#![no_main]

mod designs;

use kestrel::boot::BootInfo;
use kestrel::power::{ExitCode, exit_emulator};

kestrel::entry_point!(main);

const MODE_ICOUNT: &str = "guest TSC ticks per operation, QEMU TCG with -icount shift=0 \
                           (deterministic: the same binary gives the same figures)";
const MODE_TCG: &str = "guest TSC ticks per operation, plain QEMU TCG (noisy: moves with code \
                        layout and host load; not the headline figures)";

fn main(boot: &'static BootInfo) -> ! {
    let mode = match mode_word(boot.command_line.as_bytes()) {
        Some(b"icount") => MODE_ICOUNT,
        Some(b"tcg") => MODE_TCG,
        _ => kestrel::bench::MODE_NATIVE,
    };
    kestrel::bench::run_all_with(mode, || false, designs::run_all);
    // Interrupts only now, so that no tick lands in the heap and frame workloads.
    kestrel::devices::start(boot);
    kestrel::platform::interrupt_bench::run();
    exit_emulator(ExitCode::Success)
}

/// The value of `bench.mode=` (an option of this kernel only; `KernelArgs` ignores it).
fn mode_word(line: &[u8]) -> Option<&[u8]> {
    line.split(|b| b.is_ascii_whitespace())
        .filter_map(|word| word.strip_prefix(b"bench.mode="))
        .next_back()
}
