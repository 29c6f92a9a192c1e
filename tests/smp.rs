//! Several CPUs (tests/qemu/smp.conf: `-smp 4` on pc and q35 under SeaBIOS, `-smp 2` under
//! OVMF): every processor the MADT lists comes online with a distinct CPU number and APIC id,
//! each ticks on its own timer, a function call runs on each of them, counters incremented
//! from all CPUs at once (through a lock and through atomics) give the exact total, and a page
//! unmapped on one CPU faults when another touches it.

#![no_std]
#![no_main]

#[path = "support/smp_checks.rs"]
mod smp_checks;

use kestrel::boot::BootInfo;

kestrel::entry_point!(main);

fn main(boot: &'static BootInfo) -> ! {
    kestrel::devices::start(boot);
    kestrel::sched::init();
    kestrel::smp::start(boot);
    kestrel::run_tests!(
        smp_checks::every_listed_cpu_is_online,
        smp_checks::ids_are_distinct_and_match_the_apic,
        smp_checks::every_cpu_ticks,
        smp_checks::counters_add_up_across_cpus,
        smp_checks::unmapped_pages_fault_on_every_cpu,
    );
}
