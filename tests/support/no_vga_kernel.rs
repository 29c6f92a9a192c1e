//! The kernel the no-VGA tests boot on a machine without a display adapter (QEMU `-vga none`):
//! the boot information has no framebuffer, yet nothing answers at the VGA text address, so
//! the console must say it is serial only instead of drawing into the void.

use kestrel::boot::BootInfo;
use kestrel::console::{self, screen::ScreenKind};

kestrel::entry_point!(main);

fn main(boot: &'static BootInfo) -> ! {
    assert!(
        boot.framebuffer.is_none(),
        "the boot loader reported a framebuffer"
    );
    kestrel::run_tests!(console_is_serial_only);
}

fn console_is_serial_only() {
    assert_eq!(console::screen_kind(), ScreenKind::Headless);
}
