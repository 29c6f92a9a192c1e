//! Starts the interrupt-driven devices: the PICs, the timer, keyboard and serial input; then
//! enables interrupts. The main kernel calls it, and the test kernels that need any of them.

use crate::arch::{interrupts, pic};
use crate::boot::BootInfo;
use crate::input::{self, Layout, keyboard};
use crate::{boot_info, time};

/// Needs `arch::init` (done by `boot::start`): IRQs arrive through the IDT. Call once.
pub fn start(boot: &BootInfo) {
    assert!(
        !interrupts::are_enabled(),
        "devices::start must run before interrupts are enabled"
    );
    pic::init();
    time::init(boot.boot_tsc);
    let layout = keyboard::layout_from_command_line(boot_info::command_line(&boot.multiboot))
        .unwrap_or_else(|bad| {
            log::warn!(
                "keyboard={bad}: unknown layout (choose from {}); using us",
                keyboard::LAYOUT_CHOICES
            );
            Layout::Us
        });
    input::init(layout);
    interrupts::enable();
}
