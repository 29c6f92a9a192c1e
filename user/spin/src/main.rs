//! `spin [SECONDS]`: burns CPU time without ever blocking, forever or for SECONDS of the
//! monotonic clock: it proves that the scheduler preempts.

#![no_std]
#![no_main]

use rt::sys::{self, CLOCK_MONOTONIC};
use rt::{Args, println};

rt::entry!(main);

fn main(args: Args) -> i32 {
    let seconds: Option<i64> = args.str(1).and_then(|text| text.parse().ok());
    let start = sys::clock_gettime(CLOCK_MONOTONIC)
        .map(|t| t.sec)
        .unwrap_or(0);
    let mut rounds: u64 = 0;
    loop {
        for _ in 0..1_000_000 {
            core::hint::black_box(&mut rounds);
        }
        rounds += 1;
        if let Some(limit) = seconds {
            let now = sys::clock_gettime(CLOCK_MONOTONIC)
                .map(|t| t.sec)
                .unwrap_or(0);
            if now - start >= limit {
                println!("spin: {rounds} rounds in {limit} s (pid {})", sys::getpid());
                return 0;
            }
        }
    }
}
