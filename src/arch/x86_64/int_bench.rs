//! Interrupt round trips for `make bench`: a bare `int`/`iretq` (a gate straight to `iretq`),
//! a software `int` through the NASM stub and the dispatcher, and the timer tick's full path
//! (stub, dispatcher, tick handler, EOI). Each returns the TSC cycles of `n` round trips,
//! measured with interrupts off so that no real interrupt lands inside the loop.

use super::gdt;
use super::idt::{Gate, VECTOR_COUNT};
use super::interrupts::without_interrupts;
use super::tsc::read_ordered;
use x86_64::VirtAddr;
use x86_64::instructions::tables::{lidt, sidt};
use x86_64::structures::DescriptorTablePointer;

/// The dispatcher counts this vector and returns (nothing else is wired to it).
pub const DISPATCH_VECTOR: u8 = 0xF0;
/// The bare gate's vector, in the benchmark's own copy of the IDT only.
const BARE_VECTOR: u8 = 0xF1;

core::arch::global_asm!(".global kestrel_bare_iretq", "kestrel_bare_iretq:", "iretq");

unsafe extern "C" {
    fn kestrel_bare_iretq();
}

#[repr(C, align(16))]
struct BenchIdt([Gate; VECTOR_COUNT]);

static BENCH_IDT: spin::Mutex<BenchIdt> = spin::Mutex::new(BenchIdt([Gate::MISSING; VECTOR_COUNT]));

fn time_loop(n: u32, body: impl Fn()) -> u64 {
    without_interrupts(|| {
        let start = read_ordered();
        for _ in 0..n {
            body();
        }
        read_ordered() - start
    })
}

/// `n` round trips through a gate that points straight at `iretq`.
pub fn bare(n: u32) -> u64 {
    let current = sidt();
    let mut idt = BENCH_IDT.lock();
    // SAFETY: `sidt` gave the live IDT, 256 gates of 16 bytes; it is only read.
    let live = unsafe { &*(current.base.as_ptr::<[Gate; VECTOR_COUNT]>()) };
    idt.0 = *live;
    let selector = gdt::selectors().kernel_code.0;
    idt.0[usize::from(BARE_VECTOR)] =
        Gate::interrupt(kestrel_bare_iretq as *const () as u64, selector, 0);
    let pointer = DescriptorTablePointer {
        limit: (size_of::<BenchIdt>() - 1) as u16,
        base: VirtAddr::from_ptr(&*idt),
    };
    let cycles = without_interrupts(|| {
        // SAFETY: the copy holds every live gate plus one that returns at once; it stays
        // locked (so unchanged and alive) until the live table is loaded back below.
        unsafe { lidt(&pointer) };
        let cycles = time_loop(n, || {
            // SAFETY: the gate only returns.
            unsafe { core::arch::asm!("int 0xF1", options(nostack)) }
        });
        // SAFETY: restores the table that was live before.
        unsafe { lidt(&current) };
        cycles
    });
    drop(idt);
    cycles
}

/// `n` software interrupts through the stub and the dispatcher.
pub fn dispatched(n: u32) -> u64 {
    time_loop(n, || {
        // SAFETY: the dispatcher treats DISPATCH_VECTOR as a no-op.
        unsafe { core::arch::asm!("int 0xF0", options(nostack)) }
    })
}

/// `n` timer ticks raised by software on the tick's vector (`vector` must be 0x20, the PIT
/// line, or 0x30, the local APIC timer line): the dispatcher runs the tick handler and sends
/// an EOI, which with nothing in service changes nothing.
pub fn timer_tick(n: u32, vector: u8) -> u64 {
    match vector {
        // SAFETY: the dispatcher handles both as the timer line; see above for the EOI.
        0x20 => time_loop(n, || unsafe {
            core::arch::asm!("int 0x20", options(nostack))
        }),
        // SAFETY: as above.
        0x30 => time_loop(n, || unsafe {
            core::arch::asm!("int 0x30", options(nostack))
        }),
        _ => 0,
    }
}
