//! Benchmark results: the machine-readable lines of docs/bench.md and the human table.

use alloc::vec::Vec;
use core::fmt::{self, Write};

/// The heaps compared, in table order; buddy (the kernel heap) is the reference.
pub const HEAPS: [&str; 4] = ["buddy", "bump", "linked_list", "fixed_block"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Figure {
    CyclesPerOp(u64),
    OpsPerMcycle(u64),
    /// The heap ran out of memory after this many operations.
    Exhausted(usize),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HeapResult {
    pub heap: &'static str,
    pub workload: &'static str,
    pub phase: Option<&'static str>,
    pub round: u32,
    pub figure: Figure,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameResult {
    pub workload: &'static str,
    pub phase: &'static str,
    pub cycles_per_op: u64,
}

/// Cycles per operation, rounded to the nearest integer.
pub fn per_op(cycles: u64, ops: u64) -> u64 {
    (cycles + ops / 2) / ops.max(1)
}

/// Operations per million cycles.
pub fn per_mcycle(ops: u64, cycles: u64) -> u64 {
    (ops * 1_000_000 + cycles / 2) / cycles.max(1)
}

impl HeapResult {
    pub fn write_line(&self, out: &mut impl Write) -> fmt::Result {
        write!(out, "bench heap={} workload={}", self.heap, self.workload)?;
        if let Some(phase) = self.phase {
            write!(out, " phase={phase}")?;
        }
        write!(out, " round={}", self.round)?;
        match self.figure {
            Figure::CyclesPerOp(c) => writeln!(out, " cycles_per_op={c}"),
            Figure::OpsPerMcycle(o) => writeln!(out, " ops_per_mcycle={o}"),
            Figure::Exhausted(ops) => writeln!(out, " exhausted_after_ops={ops}"),
        }
    }
}

impl FrameResult {
    pub fn write_line(&self, out: &mut impl Write) -> fmt::Result {
        writeln!(
            out,
            "bench frames workload={} phase={} cycles_per_op={}",
            self.workload, self.phase, self.cycles_per_op
        )
    }
}

/// The warm figure of one heap for one row: the mean of rounds 2 and later, `None` when the
/// heap has no figure there, `Err` with the operation count when it ran out of memory.
fn warm(
    results: &[HeapResult],
    heap: &str,
    workload: &str,
    phase: Option<&str>,
) -> Option<Result<u64, usize>> {
    let mut sum = 0;
    let mut count = 0;
    for r in results
        .iter()
        .filter(|r| r.heap == heap && r.workload == workload && r.phase == phase)
    {
        match r.figure {
            Figure::Exhausted(ops) => return Some(Err(ops)),
            Figure::CyclesPerOp(v) | Figure::OpsPerMcycle(v) if r.round >= 2 => {
                sum += v;
                count += 1;
            }
            _ => {}
        }
    }
    (count > 0).then(|| Ok(sum / count))
}

/// The table: one row per workload and phase, one column per heap, each cell the warm figure
/// and its ratio to buddy's, as time relative to buddy (above 1 means slower than buddy).
/// `mode` says what the figures count (which clock, under which emulator mode).
pub fn write_table(
    results: &[HeapResult],
    frames: &[FrameResult],
    peak_live_bytes: u64,
    mode: &str,
    out: &mut impl Write,
) -> fmt::Result {
    writeln!(out, "\nfigures: {mode}")?;
    writeln!(
        out,
        "heap workloads: warm figure (mean of rounds 2-3), then time relative to buddy"
    )?;
    write!(out, "{:<18} {:<6}", "workload", "phase")?;
    for heap in HEAPS {
        write!(out, " {heap:>19}")?;
    }
    writeln!(out)?;
    let mut rows: Vec<(&str, Option<&str>)> = Vec::new();
    for r in results {
        if !rows.contains(&(r.workload, r.phase)) {
            rows.push((r.workload, r.phase));
        }
    }
    for (workload, phase) in rows {
        let throughput = results
            .iter()
            .any(|r| r.workload == workload && matches!(r.figure, Figure::OpsPerMcycle(_)));
        let unit = if throughput { "ops/Mc" } else { "c/op" };
        let label = phase.unwrap_or("-");
        write!(out, "{workload:<18} {label:<6}")?;
        let reference = warm(results, "buddy", workload, phase).and_then(Result::ok);
        for heap in HEAPS {
            let cell = match warm(results, heap, workload, phase) {
                None => alloc::string::String::from("-"),
                Some(Err(ops)) => alloc::format!("out of mem @{ops}"),
                Some(Ok(value)) => match reference {
                    Some(base) if base > 0 && value > 0 => {
                        // Throughput: buddy's rate over this one's; cost: this one's over buddy's.
                        let hundredths = if throughput {
                            (base * 100 + value / 2) / value
                        } else {
                            (value * 100 + base / 2) / base
                        };
                        let ratio = alloc::format!("{}.{:02}", hundredths / 100, hundredths % 100);
                        alloc::format!("{value} {unit} {ratio:>5}x")
                    }
                    _ => alloc::format!("{value} {unit}"),
                },
            };
            write!(out, " {cell:>19}")?;
        }
        writeln!(out)?;
    }
    if peak_live_bytes > 0 {
        writeln!(
            out,
            "random_mix peak live: {} KiB (requested sizes; the same on every heap)",
            peak_live_bytes / 1024
        )?;
    }
    if !frames.is_empty() {
        writeln!(out, "\nframe allocator (cycles per frame)")?;
        for f in frames {
            writeln!(
                out,
                "{:<18} {:<6} {:>10}",
                f.workload, f.phase, f.cycles_per_op
            )?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::string::String;

    fn result(
        heap: &'static str,
        phase: Option<&'static str>,
        round: u32,
        f: Figure,
    ) -> HeapResult {
        HeapResult {
            heap,
            workload: "vec_8_4096",
            phase,
            round,
            figure: f,
        }
    }

    #[test]
    fn lines_match_the_workloads_format() {
        let mut out = String::new();
        result("buddy", Some("free"), 2, Figure::CyclesPerOp(57))
            .write_line(&mut out)
            .unwrap();
        HeapResult {
            heap: "linked_list",
            workload: "random_mix",
            phase: None,
            round: 3,
            figure: Figure::OpsPerMcycle(1234),
        }
        .write_line(&mut out)
        .unwrap();
        FrameResult {
            workload: "frames_50k",
            phase: "alloc",
            cycles_per_op: 88,
        }
        .write_line(&mut out)
        .unwrap();
        assert_eq!(
            out,
            "bench heap=buddy workload=vec_8_4096 phase=free round=2 cycles_per_op=57\n\
             bench heap=linked_list workload=random_mix round=3 ops_per_mcycle=1234\n\
             bench frames workload=frames_50k phase=alloc cycles_per_op=88\n"
        );
    }

    #[test]
    fn table_shows_warm_means_and_ratios() {
        let results = [
            result("buddy", Some("free"), 1, Figure::CyclesPerOp(1000)),
            result("buddy", Some("free"), 2, Figure::CyclesPerOp(100)),
            result("buddy", Some("free"), 3, Figure::CyclesPerOp(300)),
            result("linked_list", Some("free"), 2, Figure::CyclesPerOp(800)),
            result("linked_list", Some("free"), 3, Figure::CyclesPerOp(800)),
            result("bump", Some("free"), 1, Figure::Exhausted(42)),
        ];
        let mut out = String::new();
        write_table(&results, &[], 4096, "test ticks", &mut out).unwrap();
        let row = out.lines().find(|l| l.starts_with("vec_8_4096")).unwrap();
        assert!(row.contains("200 c/op  1.00x"), "{row}");
        assert!(row.contains("800 c/op  4.00x"), "{row}");
        assert!(row.contains("out of mem @42"), "{row}");
        assert!(out.contains("peak live: 4 KiB"));
        assert!(out.starts_with("\nfigures: test ticks\n"));
    }

    #[test]
    fn rounding() {
        assert_eq!(per_op(1_500_000, 100_000), 15);
        assert_eq!(per_op(7, 0), 7);
        assert_eq!(per_mcycle(200_000, 100_000_000), 2000);
    }
}
