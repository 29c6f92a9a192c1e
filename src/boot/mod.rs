//! From the trampoline's hand-off to a kernel with consoles, logging, memory and a heap.
//!
//! [`start`] is the init order, one step after the other, numbered as in docs/boot-flow.md
//! (steps 1-6 are the firmware, GRUB and the trampoline; 13-14 the binary's main function):
//! it brings up the serial console and the CPU tables, copies the boot loader's information
//! into the neutral [`BootInfo`] ([`multiboot`] is the only module that reads the Multiboot2
//! structure), picks the screen, starts logging and sets up memory.

pub mod info;
pub mod kernel_args;
pub mod multiboot;

pub use info::BootInfo;
pub use kernel_args::KernelArgs;

use crate::drivers::vga_text::{VGA_TEXT_BYTES, VGA_TEXT_PHYS};
use crate::memory::memory_map::PhysRange;
use crate::memory::{self, BootMemory, Relocated};
use crate::{arch, console, logger, power, println};
use multiboot::BootInfoError;
use spin::Once;

static BOOT_INFO: Once<BootInfo> = Once::new();
/// Where `memory::init` mapped the boot loader's structure for good.
static MAPPED_INFO: Once<u64> = Once::new();

/// The boot information, once [`start`] has run.
pub fn info() -> &'static BootInfo {
    BOOT_INFO.get().expect("boot::start has not run")
}

/// The boot information, or `None` before [`start`] has run.
pub fn try_info() -> Option<&'static BootInfo> {
    BOOT_INFO.get()
}

/// The boot loader's own structure, parsed again where `memory::init` mapped it: for test
/// kernels that check what the boot loader passed. The kernel itself uses [`info`].
pub fn mapped_multiboot() -> multiboot2::BootInformation<'static> {
    let addr = *MAPPED_INFO.get().expect("memory::init has not run");
    // SAFETY: memory::init mapped the structure read-only at `addr` for good, and its frames
    // stay reserved; `start` parsed it successfully before.
    unsafe { multiboot::parse(addr as *const u8) }.expect("the boot information parsed before")
}

/// Called by [`entry_point!`](crate::entry_point) with the trampoline's arguments.
pub fn start(info_addr: usize, nx_enabled: bool, boot_tsc: u64) -> &'static BootInfo {
    // 7. The serial console: output from here on.
    console::init();
    // 8. GDT, TSS and IDT: from here on every exception gets a report instead of a reset.
    arch::init();
    // 9. The boot loader's information, validated and copied out once.
    let boot = BOOT_INFO.call_once(|| {
        // SAFETY: `info_addr` is what GRUB passed in EBX; the trampoline checked it is non-zero
        // and nothing has reused that memory yet.
        let multiboot = unsafe { multiboot::load(info_addr) }.unwrap_or_else(|err| boot_error(err));
        multiboot::collect(&multiboot, nx_enabled, boot_tsc)
    });
    // 10. The screen the boot loader left, and logging at the command line's level.
    let screen = console::select_screen(boot.framebuffer);
    logger::init(boot.args.log_level);
    println!(
        "Kestrel {} (x86_64), booted by {}",
        env!("CARGO_PKG_VERSION"),
        boot.bootloader_name
    );
    log::info!("console: {screen}");
    boot.log_summary();
    if !nx_enabled {
        log::warn!("CPU has no NX bit: data pages stay executable");
    }
    // 11. Frames, the kernel's own page tables, the heap.
    let relocated = init_memory(boot).unwrap_or_else(|err| halt_with(err));
    MAPPED_INFO.call_once(|| relocated.boot_info.as_u64());
    // 12. The symbol table (a boot module) for backtraces.
    crate::debug::load_symbols(boot.modules.as_slice());
    // 13. With a heap, a framebuffer console stops reading video memory.
    console::attach_framebuffer_shadow();
    boot
}

/// Hands memory::init what it needs from the boot information, and the framebuffer the
/// console draws on; moves the console to the framebuffer's new address right after the switch.
fn init_memory(boot: &BootInfo) -> Result<Relocated, memory::InitError> {
    let areas = boot.raw_areas();
    let reserved = boot.reserved_ranges();
    let framebuffer = console::framebuffer()
        .map(|mode| PhysRange::from_base_len(mode.address(), mode.size_bytes()));
    let input = BootMemory {
        regions: if boot.has_memory_map {
            areas.as_slice()
        } else {
            &[]
        },
        reserved: reserved.as_slice(),
        sections: boot
            .elf_sections
            .as_ref()
            .map(|sections| sections.as_slice()),
        boot_info: boot.info_range,
        framebuffer,
        vga_text: PhysRange::from_base_len(VGA_TEXT_PHYS, VGA_TEXT_BYTES),
        nx_enabled: boot.nx_enabled,
    };
    memory::init(&input, |moved| {
        if let Some(virt) = moved.framebuffer {
            // SAFETY: memory::init mapped the whole framebuffer, writable, at `virt` for good,
            // and calls this before anything can print through the identity map it removed.
            unsafe { console::rebase_framebuffer(virt) };
        }
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
