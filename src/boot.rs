//! From the trampoline's hand-off to a kernel with consoles, logging and parsed boot info.

use crate::boot_info::{self, BootInfoError};
use crate::{arch, console, logger, memory, power, println};
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
    arch::init();
    // SAFETY: `info_addr` is what GRUB passed in EBX; the trampoline checked it is non-zero and
    // nothing has reused that memory yet.
    let multiboot = unsafe { boot_info::load(info_addr) }.unwrap_or_else(|err| boot_error(err));
    let screen = console::select_screen(&multiboot);
    logger::init(logger::parse_level(boot_info::command_line(&multiboot)));
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
    // This first BootInfo reads the structure through the identity map, which memory::init
    // removes: it must not outlive this block.
    let info_virt = {
        let early = BootInfo {
            multiboot,
            nx_enabled,
            boot_tsc,
        };
        memory::init(&early).unwrap_or_else(|err| halt_with(err))
    };
    // SAFETY: memory::init mapped the same structure, read-only, at `info_virt` for good.
    let multiboot =
        unsafe { boot_info::parse(info_virt.as_ptr()) }.unwrap_or_else(|err| halt_with(err));
    // With a heap, a framebuffer console stops reading video memory.
    console::attach_framebuffer_shadow();
    BOOT_INFO.call_once(|| BootInfo {
        multiboot,
        nx_enabled,
        boot_tsc,
    })
}

fn boot_error(err: BootInfoError) -> ! {
    // Without the boot information the screen type is unknown; VGA text is right on BIOS.
    console::use_vga_text();
    halt_with(err)
}

/// Reports a boot failure on every console and stops.
fn halt_with(err: impl core::fmt::Display) -> ! {
    console::emergency_write(format_args!("kestrel: boot error: {err} (system halted)\n"));
    power::halt_forever()
}

/// Defines the symbol the trampoline calls, running `start` and then `$main(&BootInfo) -> !`,
/// and makes the kernel heap the global allocator. Every kernel binary (the kernel and each
/// test kernel) uses this exactly once. `entry_point!(main, custom_global_allocator)` leaves
/// the `#[global_allocator]` to the binary (tests/heap_designs.rs uses that).
#[macro_export]
macro_rules! entry_point {
    ($main:path) => {
        #[global_allocator]
        static KESTREL_GLOBAL_ALLOCATOR: $crate::memory::heap::GlobalKernelHeap =
            $crate::memory::heap::GlobalKernelHeap;
        $crate::entry_point!($main, custom_global_allocator);
    };
    ($main:path, custom_global_allocator) => {
        #[unsafe(no_mangle)]
        extern "C" fn kernel_entry(info_addr: usize, nx_enabled: usize, boot_tsc: u64) -> ! {
            let main: fn(&'static $crate::boot::BootInfo) -> ! = $main;
            main($crate::boot::start(info_addr, nx_enabled != 0, boot_tsc))
        }
    };
}
