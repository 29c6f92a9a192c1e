//! `shutdown` powers the machine off through ACPI S5. QEMU runs without its isa-debug-exit
//! device (tests/qemu/acpi_shutdown.conf), so only a real power-off ends the run with status 0;
//! were S5 to fail, the kernel would halt and the run time out.

#![no_std]
#![no_main]

use kestrel::boot::BootInfo;

kestrel::entry_point!(main);

fn main(boot: &'static BootInfo) -> ! {
    kestrel::devices::start(boot);
    let platform = kestrel::platform::get().expect("ACPI tables");
    let s5 = platform.s5.expect("\\_S5");
    kestrel::println!(
        "acpi_shutdown: S5 is SLP_TYPa {} SLP_TYPb {}",
        s5.typ_a,
        s5.typ_b
    );
    kestrel::power::shutdown()
}
