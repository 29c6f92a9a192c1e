//! `maxcpus=2` on a 4-CPU machine (tests/qemu/smp_maxcpus.conf), with the processor whose APIC
//! id is 1 sent no startup IPI, so that it never answers: the bring-up times out on it, logs
//! it, starts the next one instead and leaves the last parked, so 2 of 4 CPUs run.

#![no_std]
#![no_main]

use core::time::Duration;
use kestrel::boot::BootInfo;
use kestrel::smp::{self, CpuState, StartOptions};

kestrel::entry_point!(main);

fn main(boot: &'static BootInfo) -> ! {
    kestrel::devices::start(boot);
    kestrel::sched::init();
    smp::start_with(StartOptions {
        max_cpus: boot.args.max_cpus,
        never_start: Some(1),
        timeout: Some(Duration::from_millis(200)),
    });
    kestrel::run_tests!(
        maxcpus_counts_only_cpus_that_answered,
        the_silent_cpu_is_recorded_as_timed_out,
        calls_skip_the_cpus_that_are_not_online,
    );
}

fn maxcpus_counts_only_cpus_that_answered() {
    assert_eq!(boot_args_max_cpus(), Some(2));
    assert_eq!(smp::listed_count(), 4);
    assert_eq!(smp::online_count(), 2);
}

fn boot_args_max_cpus() -> Option<u32> {
    kestrel::boot::info().args.max_cpus
}

fn the_silent_cpu_is_recorded_as_timed_out() {
    let silent = smp::cpus()
        .find(|c| c.apic_id == 1)
        .expect("APIC id 1 was tried");
    assert_eq!(silent.state, CpuState::TimedOut);
    let online: alloc_free::Ids = smp::cpus()
        .filter(|c| c.state == CpuState::Online)
        .map(|c| c.apic_id)
        .collect();
    assert_eq!(
        online.as_slice(),
        &[0, 2],
        "the BSP and the next processor run"
    );
    assert!(
        smp::cpus().all(|c| c.apic_id != 3),
        "APIC id 3 stays parked"
    );
}

fn calls_skip_the_cpus_that_are_not_online() {
    let ran = smp::ipi::call_on_all(|| {});
    assert_eq!(ran, 2);
    let silent = smp::cpus().find(|c| c.apic_id == 1).expect("tried").id;
    assert!(!smp::ipi::call_on(silent, || {}));
}

mod alloc_free {
    /// Up to 8 APIC ids, collected without the heap.
    pub struct Ids([u32; 8], usize);

    impl Ids {
        pub fn as_slice(&self) -> &[u32] {
            &self.0[..self.1]
        }
    }

    impl FromIterator<u32> for Ids {
        fn from_iter<I: IntoIterator<Item = u32>>(iter: I) -> Self {
            let mut ids = Ids([0; 8], 0);
            for id in iter.into_iter().take(8) {
                ids.0[ids.1] = id;
                ids.1 += 1;
            }
            ids
        }
    }
}
