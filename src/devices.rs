//! Starts the interrupt-driven devices: the PICs, the timer, keyboard and serial input; then
//! enables interrupts. The main kernel calls it, and the test kernels that need any of them.

use crate::arch::interrupts;
use crate::boot::BootInfo;
use crate::input;
use crate::time;

/// Needs `arch::init` (done by `boot::start`): IRQs arrive through the IDT. Call once.
pub fn start(boot: &BootInfo) {
    assert!(
        !interrupts::are_enabled(),
        "devices::start must run before interrupts are enabled"
    );
    let platform = crate::platform::discover(boot);
    crate::platform::interrupts::init(platform);
    time::init(boot.boot_tsc);
    // A bad `keyboard=` was reported with the boot summary (`KernelArgs` warnings).
    input::init(boot.args.keyboard);
    interrupts::enable();
}
