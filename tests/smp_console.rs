//! Four CPUs print at once (tests/qemu/smp_console.conf): log lines (three `print!` calls
//! each: stamp, level, message) and `println!` lines, 40 of each per CPU. Every line must come
//! out whole, on the screen (checked here, row by row) and on serial (the conf checks every
//! `smp-line` as a whole line and rejects the marks of two lines run together).

#![no_std]
#![no_main]

use kestrel::boot::BootInfo;
use kestrel::console::SCREEN;
use kestrel::{println, smp};

kestrel::entry_point!(main);

const LINES: u32 = 40;
const PAD: &str = "abcdefghijklmnopqrstuvwxyz";

fn main(boot: &'static BootInfo) -> ! {
    kestrel::devices::start(boot);
    kestrel::sched::init();
    smp::start(boot);
    kestrel::run_tests!(four_cpus_are_online, lines_from_all_cpus_stay_whole);
}

fn four_cpus_are_online() {
    assert_eq!(smp::online_count(), 4);
}

fn lines_from_all_cpus_stay_whole() {
    let ran = smp::ipi::call_on_all(|| {
        let cpu = smp::cpu_id();
        for n in 0..LINES {
            log::info!("smp-log cpu={cpu} n={n:02} {PAD}");
            println!("smp-line cpu={cpu} n={n:02} {PAD}");
        }
    });
    assert_eq!(ran, 4);
    let screen = SCREEN.lock();
    let mut checked = 0;
    for row in 0..screen.rows() - 1 {
        let mut text = [0u8; 160];
        let mut len = 0;
        for byte in screen.row_bytes(row) {
            text[len] = byte;
            len += 1;
        }
        let text = core::str::from_utf8(&text[..len]).expect("ASCII");
        let text = text.trim_end();
        if text.is_empty() {
            continue;
        }
        assert!(whole(text), "row {row} is not one whole line: {text:?}");
        checked += 1;
    }
    assert!(checked >= 20, "only {checked} rows to check");
}

/// `smp-line cpu=C n=NN PAD`, or `[SSSS.UUUUUU] INFO  smp-log cpu=C n=NN PAD`.
fn whole(text: &str) -> bool {
    let body = if let Some(rest) = text.strip_prefix('[') {
        let Some((stamp, rest)) = rest.split_once("] INFO  ") else {
            return false;
        };
        let digits = stamp.trim_start().replace_dot();
        if !digits {
            return false;
        }
        match rest.strip_prefix("smp-log ") {
            Some(body) => body,
            None => return false,
        }
    } else {
        match text.strip_prefix("smp-line ") {
            Some(body) => body,
            None => return false,
        }
    };
    let mut words = body.split(' ');
    let cpu = words.next().and_then(|w| w.strip_prefix("cpu="));
    let n = words.next().and_then(|w| w.strip_prefix("n="));
    let pad = words.next();
    matches!(cpu, Some(c) if c.len() == 1 && c.as_bytes()[0].is_ascii_digit())
        && matches!(n, Some(n) if n.len() == 2 && n.bytes().all(|b| b.is_ascii_digit()))
        && pad == Some(PAD)
        && words.next().is_none()
}

trait Stamp {
    /// Whether this is `SECONDS.MICROS`, digits only.
    fn replace_dot(&self) -> bool;
}

impl Stamp for str {
    fn replace_dot(&self) -> bool {
        match self.split_once('.') {
            Some((s, us)) => {
                !s.is_empty()
                    && s.bytes().all(|b| b.is_ascii_digit())
                    && us.len() == 6
                    && us.bytes().all(|b| b.is_ascii_digit())
            }
            None => false,
        }
    }
}
