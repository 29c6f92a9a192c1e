//! The benchmark workloads of docs/bench.md, generic over the heap and the clock, and the
//! table they report in. The kernel supplies the clock (the TSC) and the heaps.

pub mod report;
pub mod rng;
pub mod workloads;
