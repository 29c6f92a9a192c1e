//! The interrupt workloads of `make bench` (run after the heap and frame workloads, once the
//! devices are up): a bare `int`/`iretq` round trip, a software interrupt through the
//! dispatcher, and the timer tick's whole path, in TSC cycles per round trip. Issue 10's
//! target: the dispatched round trip at most twice the bare one.

use crate::arch::int_bench;
use crate::arch::irq_chip;
use crate::bench::report::per_op;
use crate::println;

const ROUNDS: u32 = 3;
const OPS: u32 = 10_000;

pub fn run() {
    let tick_vector = irq_chip::vector_for_line(match crate::time::tick_source() {
        crate::time::TickSource::Pit => 0,
        _ => irq_chip::LOCAL_TIMER_LINE,
    });
    println!(
        "bench: interrupt round trips ({} path, {ROUNDS} rounds of {OPS})",
        irq_chip::describe()
    );
    let mut last = (0, 0, 0);
    for round in 1..=ROUNDS {
        let bare = per_op(int_bench::bare(OPS), OPS.into());
        let dispatched = per_op(int_bench::dispatched(OPS), OPS.into());
        let tick = per_op(int_bench::timer_tick(OPS, tick_vector), OPS.into());
        println!("bench interrupts workload=bare_int_iretq round={round} cycles_per_op={bare}");
        println!(
            "bench interrupts workload=dispatched_int round={round} cycles_per_op={dispatched}"
        );
        println!("bench interrupts workload=timer_tick round={round} cycles_per_op={tick}");
        last = (bare, dispatched, tick);
    }
    let (bare, dispatched, tick) = last;
    println!(
        "bench: dispatched int {:.2}x the bare round trip, timer tick {:.2}x",
        dispatched as f64 / bare.max(1) as f64,
        tick as f64 / bare.max(1) as f64
    );
}
