//! A panic on one CPU while every CPU prints (tests/qemu/smp_panic.conf): the panicking CPU
//! stops the others with an NMI before it prints, so its report comes out in one block, with
//! no other CPU's line after its first line. The kernel ends as a failed test, which is what
//! the conf expects.

#![no_std]
#![no_main]

use kestrel::boot::BootInfo;
use kestrel::{println, smp};

kestrel::entry_point!(main);

fn main(boot: &'static BootInfo) -> ! {
    kestrel::devices::start(boot);
    kestrel::sched::init();
    smp::start(boot);
    kestrel::run_tests!(a_panic_on_cpu_2_stops_the_others);
}

fn a_panic_on_cpu_2_stops_the_others() {
    assert_eq!(smp::online_count(), 4);
    smp::ipi::call_on_all(|| {
        let cpu = smp::cpu_id();
        for k in 0u64.. {
            if cpu == 2 && k == 30 {
                panic!("deliberate panic on CPU 2");
            }
            println!("noise cpu={cpu} k={k}");
        }
    });
    unreachable!("CPU 2 panics");
}
