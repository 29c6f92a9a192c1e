//! `reboot` on q35 resets through the FADT reset register (port 0xCF9), before the
//! keyboard controller is tried (tests/qemu/acpi_reset.conf; QEMU's -no-reboot ends the run).

#![no_std]
#![no_main]

use kestrel::boot::BootInfo;

kestrel::entry_point!(main);

fn main(boot: &'static BootInfo) -> ! {
    kestrel::devices::start(boot);
    kestrel::power::reboot()
}
