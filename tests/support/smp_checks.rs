//! Checks shared by the SMP test kernels.

#![allow(dead_code, reason = "each SMP test kernel uses some of the checks")]

use core::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use core::time::Duration;
use kestrel::arch::apic::local;
use kestrel::serial_println;
use kestrel::smp::{self, CpuState, MAX_CPUS};
use spin::Mutex;

pub fn every_listed_cpu_is_online() {
    let listed = smp::listed_count();
    let online = smp::online_count();
    serial_println!("({online} of {listed} online) ");
    assert!(
        listed >= 2,
        "the test wants -smp 2 or more, the MADT lists {listed}"
    );
    assert_eq!(online, listed, "every CPU should have come online");
}

pub fn ids_are_distinct_and_match_the_apic() {
    static SEEN: [AtomicU32; MAX_CPUS] = [const { AtomicU32::new(u32::MAX) }; MAX_CPUS];
    let ran = smp::ipi::call_on_all(|| {
        let id = smp::cpu_id() as usize;
        SEEN[id].store(local::id(), Ordering::SeqCst);
    });
    assert_eq!(ran, smp::online_count());
    let mut apic_ids = [u32::MAX; MAX_CPUS];
    for cpu in smp::cpus().filter(|c| c.state == CpuState::Online) {
        let seen = SEEN[cpu.id as usize].load(Ordering::SeqCst);
        assert_eq!(
            seen, cpu.apic_id,
            "CPU {} ran the call with APIC id {seen}, expected {}",
            cpu.id, cpu.apic_id
        );
        assert!(!apic_ids.contains(&seen), "APIC id {seen} appears twice");
        apic_ids[cpu.id as usize] = seen;
    }
    // One call on each CPU alone, too.
    for cpu in smp::cpus().filter(|c| c.state == CpuState::Online) {
        let here = AtomicU32::new(u32::MAX);
        assert!(smp::ipi::call_on(cpu.id, || here.store(smp::cpu_id(), Ordering::SeqCst)));
        assert_eq!(here.load(Ordering::SeqCst), cpu.id);
    }
}

pub fn every_cpu_ticks() {
    let before: [u64; MAX_CPUS] = core::array::from_fn(|id| {
        smp::cpus()
            .find(|c| c.id == id as u32)
            .map_or(0, |c| c.ticks)
    });
    kestrel::time::sleep(Duration::from_millis(50));
    for cpu in smp::cpus().filter(|c| c.state == CpuState::Online) {
        let ticked = cpu.ticks - before[cpu.id as usize];
        assert!(
            ticked >= 10,
            "CPU {} ticked {ticked} times in 50 ms",
            cpu.id
        );
    }
}

/// Increments per CPU, through each path.
const INCREMENTS: u64 = 20_000;

pub fn counters_add_up_across_cpus() {
    static LOCKED: Mutex<u64> = Mutex::new(0);
    static ATOMIC: AtomicU64 = AtomicU64::new(0);
    static PLAIN_ATOMIC_ADDS: AtomicU64 = AtomicU64::new(0);
    *LOCKED.lock() = 0;
    ATOMIC.store(0, Ordering::SeqCst);
    // Every CPU runs the loop at once (the call reaches the others by IPI while this one runs
    // it too), so the lock and the cache line are contended.
    let ran = smp::ipi::call_on_all(|| {
        for _ in 0..INCREMENTS {
            *LOCKED.lock() += 1;
            ATOMIC.fetch_add(1, Ordering::Relaxed);
        }
        PLAIN_ATOMIC_ADDS.fetch_add(1, Ordering::SeqCst);
    });
    let expected = INCREMENTS * u64::from(ran);
    serial_println!("({ran} CPUs x {INCREMENTS}) ");
    assert!(ran >= 2);
    assert_eq!(
        *LOCKED.lock(),
        expected,
        "increments under the lock were lost"
    );
    assert_eq!(
        ATOMIC.load(Ordering::SeqCst),
        expected,
        "atomic increments were lost"
    );
}

/// Reads the word at `addr`; `None` when that faults (the fault hook below resumes after it).
fn read_or_fault(addr: u64) -> Option<u64> {
    let value: u64;
    let faulted: u64;
    // SAFETY: a read of `addr`; a page fault on it resumes at label 2 (the hook jumps to the
    // address in RDX), which reports the fault instead of the value.
    unsafe {
        core::arch::asm!(
            "xor ecx, ecx",
            "lea rdx, [rip + 2f]",
            "mov rax, [rdi]",
            "jmp 3f",
            "2:",
            "mov ecx, 1",
            "3:",
            in("rdi") addr,
            out("rax") value,
            out("rdx") _,
            out("rcx") faulted,
            options(nostack),
        );
    }
    (faulted == 0).then_some(value)
}

static PROBED_PAGE: AtomicU64 = AtomicU64::new(0);

fn resume_after_probe(report: &kestrel::trap::ExceptionReport) -> kestrel::trap::FaultAction {
    let page = PROBED_PAGE.load(Ordering::SeqCst);
    if report.vector == 14 && report.cr2 & !0xFFF == page {
        kestrel::trap::FaultAction::ResumeAt(report.frame.regs.rdx)
    } else {
        kestrel::trap::FaultAction::Default
    }
}

/// Another CPU reads a kernel page (so its TLB holds the translation); this CPU unmaps it; a
/// read on the other CPU must then fault. Three pages unmapped at once take one shootdown.
pub fn unmapped_pages_fault_on_every_cpu() {
    const PAGES: u64 = 3;
    let region = kestrel::memory::map_anonymous(PAGES * 4096, 4096).expect("map");
    let start = region.start().as_u64();
    for page in 0..PAGES {
        // SAFETY: the region is mapped, writable and ours.
        unsafe { ((start + page * 4096) as *mut u64).write_volatile(0x5eed_0000 + page) };
    }
    kestrel::trap::set_test_fault_hook(Some(resume_after_probe));
    let others: [u32; MAX_CPUS] = core::array::from_fn(|i| i as u32);
    let others = || {
        others
            .into_iter()
            .filter(|&id| id != smp::cpu_id() && smp::is_online(id))
    };
    for cpu in others() {
        for page in 0..PAGES {
            let addr = start + page * 4096;
            let seen = AtomicU64::new(0);
            assert!(smp::ipi::call_on(cpu, || {
                seen.store(read_or_fault(addr).unwrap_or(u64::MAX), Ordering::SeqCst)
            }));
            assert_eq!(seen.load(Ordering::SeqCst), 0x5eed_0000 + page, "CPU {cpu}");
        }
    }
    let rounds = smp::tlb::rounds();
    drop(region);
    assert_eq!(
        smp::tlb::rounds(),
        rounds + 1,
        "one shootdown for the whole batch"
    );
    for cpu in others() {
        for page in 0..PAGES {
            let addr = start + page * 4096;
            PROBED_PAGE.store(addr, Ordering::SeqCst);
            let faulted = AtomicU32::new(0);
            assert!(smp::ipi::call_on(cpu, || {
                if read_or_fault(addr).is_none() {
                    faulted.store(1, Ordering::SeqCst);
                }
            }));
            assert_eq!(
                faulted.load(Ordering::SeqCst),
                1,
                "CPU {cpu} still reads page {page} after it was unmapped"
            );
        }
    }
    kestrel::trap::set_test_fault_hook(None);
}
