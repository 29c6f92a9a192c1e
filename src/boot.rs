//! From the trampoline's hand-off to a kernel with consoles, logging and parsed boot info.

use crate::boot_info::{self, BootInfoError};
use crate::{console, cpu, logger, memory, power, println};
use multiboot2::BootInformation;
use spin::Once;

/// What the boot path learned, available for the rest of the kernel's life.
pub struct BootInfo {
    pub multiboot: BootInformation<'static>,
    /// Whether the CPU has NX and the trampoline enabled EFER.NXE; without it the NX bit in a
    /// page-table entry is reserved and faults.
    pub nx_enabled: bool,
    /// The TSC as the trampoline's first checks finished, for measuring boot time.
    pub boot_tsc: u64,
}

static BOOT_INFO: Once<BootInfo> = Once::new();

/// The boot information, once [`start`] has run.
pub fn info() -> &'static BootInfo {
    BOOT_INFO.get().expect("boot::start has not run")
}

/// Called by [`entry_point!`](crate::entry_point) with the trampoline's arguments.
pub fn start(info_addr: usize, nx_enabled: bool, boot_tsc: u64) -> &'static BootInfo {
    console::init();
    // From here on every exception gets a report instead of a reset.
    cpu::init();
    // SAFETY: `info_addr` is what GRUB passed in EBX; the trampoline checked it is non-zero and
    // nothing has reused that memory yet.
    let multiboot = unsafe { boot_info::load(info_addr) }.unwrap_or_else(|err| boot_error(err));
    let screen = console::select_screen(&multiboot);
    logger::init(logger::parse_level(boot_info::command_line(&multiboot)));
    // Until the kernel builds its own page tables, this makes stack overflows fault.
    memory::guard::unmap_stack_guards();
    println!(
        "Kestrel {} (x86_64), booted by {}",
        env!("CARGO_PKG_VERSION"),
        boot_info::bootloader_name(&multiboot)
    );
    log::info!("console: {screen}");
    boot_info::log_summary(&multiboot);
    if !nx_enabled {
        log::warn!("CPU has no NX bit: data pages stay executable");
    }
    BOOT_INFO.call_once(|| BootInfo {
        multiboot,
        nx_enabled,
        boot_tsc,
    })
}

fn boot_error(err: BootInfoError) -> ! {
    // Without the boot information the screen type is unknown; VGA text is right on BIOS.
    console::use_vga_text();
    console::emergency_write(format_args!("kestrel: boot error: {err} (system halted)\n"));
    power::halt_forever()
}

/// Defines the symbol the trampoline calls, running `start` and then `$main(&BootInfo) -> !`.
/// Every kernel binary (the kernel and each test kernel) uses this exactly once.
#[macro_export]
macro_rules! entry_point {
    ($main:path) => {
        #[unsafe(no_mangle)]
        extern "C" fn kernel_entry(info_addr: usize, nx_enabled: usize, boot_tsc: u64) -> ! {
            let main: fn(&'static $crate::boot::BootInfo) -> ! = $main;
            main($crate::boot::start(info_addr, nx_enabled != 0, boot_tsc))
        }
    };
}
