//! Physical and virtual memory management.
//!
//! [`init`] runs once on the boot path, with what the boot loader reported ([`BootMemory`]),
//! in steps of one concern each:
//!
//! 1. [`usable_memory`]: the memory map normalised into usable ranges ([`memory_map`]), minus
//!    the first MiB, the kernel image, the boot information and boot modules;
//! 2. [`init_frames`]: the frame allocator ([`frames`], a [`frame_bitmap`]) takes them, its
//!    bitmap carved out of low RAM and reached through the boot tables' higher-half alias;
//! 3. the PAT gets a write-combining entry (`arch::pat`);
//! 4. [`kernel_mappings`]: what the kernel's own page tables map, from the ELF sections:
//!    `.text` read-only and executable, `.rodata` read-only, `.data`/`.bss` writable, both
//!    no-execute, plus the VGA text buffer, the frame bitmap and the boot information at fixed
//!    addresses ([`layout`]) and the framebuffer window the caller passed in;
//! 5. [`switch_tables`]: the switch ([`remap`]), with interrupts off; the caller learns the
//!    framebuffer's and the boot information's new addresses before any interrupt can print;
//! 6. [`finish_switch`]: the frame bitmap moves to its new address, CR0.WP makes read-only
//!    pages binding for the kernel too, and the boot tables' frames go to the frame allocator;
//! 7. [`init_heap`]: the heap ([`heap`]) maps its first pages.

pub mod address_space;
pub mod anonymous;
pub mod boot_module;
pub mod buddy;
pub mod device;
pub mod frame_bitmap;
pub mod frames;
pub mod heap;
pub mod layout;
pub mod memory_map;
pub mod paging;
pub mod remap;
pub mod vspace;

pub use crate::arch::pat::CacheType;
pub use anonymous::{AnonymousRegion, map_anonymous};
pub use boot_module::{MapModuleError, map_boot_module};
pub use device::{MapDeviceError, map_device};

use crate::arch::tsc;
use crate::arch::{cpu, interrupts, pat, stacks};
use core::fmt;
use core::ptr::NonNull;
use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use frame_bitmap::{FrameBitmap, FrameError};
use layout::{
    BOOT_INFO_START, FRAME_BITMAP_MAX_SIZE, FRAME_BITMAP_START, HIGHER_HALF_PHYS_LIMIT, KERNEL_VMA,
    phys_to_virt, virt_to_phys,
};
use memory_map::{MemoryMapError, PhysRange, RangeSet, RawArea};
use remap::{Mapping, RemapError};
use x86_64::VirtAddr;
use x86_64::structures::paging::PageTableFlags as Flags;

/// Below this much usable RAM the kernel refuses to boot: the frame bitmap, page tables and a
/// first heap must fit, with room to spare.
pub const MIN_USABLE_MEMORY: u64 = 4 << 20;
/// The heap's first mapping; it grows from there.
pub const INITIAL_HEAP_SIZE: u64 = 1 << 20;

/// The first MiB holds the real-mode IVT, BIOS data, VGA memory and ROMs.
const LOW_MEMORY_END: u64 = 0x10_0000;

static INITIALISED: AtomicBool = AtomicBool::new(false);
/// The physical address of the pages kept below 1 MiB for the application processors'
/// trampoline (`arch::ap_boot`); 0 when the memory map has no room for them.
static AP_LOW_AREA: AtomicU64 = AtomicU64::new(0);

/// Where the AP trampoline's [`AP_LOW_AREA_BYTES`] lie, if the memory map had room below 1 MiB.
/// The frame allocator never hands out the first MiB, so nothing else uses them.
pub fn ap_low_area() -> Option<u64> {
    match AP_LOW_AREA.load(Ordering::Relaxed) {
        0 => None,
        phys => Some(phys),
    }
}

/// The AP trampoline's code page and its temporary page tables.
pub const AP_LOW_AREA_BYTES: u64 = crate::arch::ap_boot::LOW_PAGES * 4096;

unsafe extern "C" {
    // Linker symbols (linker.ld): only their addresses mean anything.
    static __kernel_start: u8;
    static __kernel_end: u8;
    static __boot_bss_start: u8;
    static __boot_bss_end: u8;
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InitError {
    NoMemoryMap,
    MemoryMap(MemoryMapError),
    /// No usable range below 2 GiB can hold the frame bitmap.
    NoRoomForBitmap {
        bytes: u64,
    },
    Frames(FrameError),
    /// The ELF sections tag is missing, so the kernel cannot know its own sections.
    NoElfSections,
    Remap(RemapError),
    Framebuffer(MapDeviceError),
    Heap(paging::MapError),
}

impl fmt::Display for InitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InitError::NoMemoryMap => write!(f, "the boot loader passed no memory map"),
            InitError::MemoryMap(err) => write!(f, "{err}"),
            InitError::NoRoomForBitmap { bytes } => write!(
                f,
                "no usable RAM below 2 GiB holds the {} KiB frame bitmap",
                bytes / 1024
            ),
            InitError::Frames(err) => write!(f, "frame allocator: {err}"),
            InitError::NoElfSections => {
                write!(f, "the boot loader passed no ELF sections for the kernel")
            }
            InitError::Remap(err) => write!(f, "remapping the kernel: {err}"),
            InitError::Framebuffer(err) => write!(f, "mapping the framebuffer: {err}"),
            InitError::Heap(err) => write!(f, "mapping the heap: {err}"),
        }
    }
}

/// Panics unless [`init`] has run (for the entry points that need the kernel's own tables).
pub(crate) fn require_initialised() {
    assert!(
        INITIALISED.load(Ordering::Acquire),
        "memory used before memory::init"
    );
}

/// The physical range of the whole kernel image, boot sections included.
pub fn kernel_image() -> PhysRange {
    let start = &raw const __kernel_start as u64;
    let end = &raw const __kernel_end as u64;
    PhysRange::new(virt_to_phys(start), virt_to_phys(end))
}

/// The boot page tables and boot stack: reserved until the remap, free RAM afterwards. The
/// section is low, so its addresses are physical.
pub fn boot_bss() -> PhysRange {
    PhysRange::new(
        &raw const __boot_bss_start as u64,
        &raw const __boot_bss_end as u64,
    )
}

/// One ELF section of the kernel image, as the boot loader reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KernelSection {
    /// The section's (virtual) address.
    pub start: u64,
    pub size: u64,
    /// Occupies memory at run time (SHF_ALLOC).
    pub allocated: bool,
    pub writable: bool,
    pub executable: bool,
}

/// What [`init`] needs to know from the boot loader.
#[derive(Debug, Clone, Copy)]
pub struct BootMemory<'a> {
    /// The firmware's memory map.
    pub regions: &'a [RawArea],
    /// Physical memory to keep besides the kernel image: the boot information, boot modules.
    pub reserved: &'a [PhysRange],
    /// The kernel's ELF sections; `None` when the boot loader passed none.
    pub sections: Option<&'a [KernelSection]>,
    /// The boot loader's information structure, mapped read-only at [`BOOT_INFO_START`].
    pub boot_info: PhysRange,
    /// A framebuffer to map write-combining, at a device window.
    pub framebuffer: Option<PhysRange>,
    /// VGA text memory, which stays mapped at its higher-half alias (the console writes there
    /// whether or not a VGA card answers).
    pub vga_text: PhysRange,
    /// Whether the CPU has NX and the trampoline enabled EFER.NXE.
    pub nx_enabled: bool,
}

/// Where things the boot path reached through the identity map are mapped from now on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Relocated {
    /// The boot loader's information structure (same offset into its page as physically).
    pub boot_info: VirtAddr,
    /// The framebuffer passed in, if any.
    pub framebuffer: Option<NonNull<u8>>,
}

/// The usable RAM the memory map describes, minus everything the kernel must keep.
pub fn usable_memory(boot: &BootMemory) -> Result<RangeSet, InitError> {
    if boot.regions.is_empty() {
        return Err(InitError::NoMemoryMap);
    }
    let mut reserved = RangeSet::new();
    let mut reserve = |range| reserved.add(range).map_err(InitError::MemoryMap);
    reserve(PhysRange::new(0, LOW_MEMORY_END))?;
    reserve(kernel_image())?;
    reserve(boot.boot_info)?;
    for &range in boot.reserved {
        reserve(range)?;
    }
    let usable = memory_map::usable_ranges(boot.regions.iter().copied(), reserved.as_slice())
        .map_err(InitError::MemoryMap)?;
    memory_map::require(&usable, MIN_USABLE_MEMORY).map_err(InitError::MemoryMap)?;
    reserve_ap_low_area(boot);
    Ok(usable)
}

/// Picks the AP trampoline's pages: usable RAM below 1 MiB (which the frame allocator never
/// takes) that holds none of the boot loader's data, above the real-mode IVT and BIOS data.
fn reserve_ap_low_area(boot: &BootMemory) {
    let mut keep = RangeSet::new();
    let mut ok = keep.add(kernel_image()).is_ok() && keep.add(boot.boot_info).is_ok();
    for &range in boot.reserved {
        ok &= keep.add(range).is_ok();
    }
    let low = memory_map::usable_ranges(boot.regions.iter().copied(), keep.as_slice());
    let found = match (ok, low) {
        (true, Ok(low)) => {
            memory_map::lowest_run(low.as_slice(), AP_LOW_AREA_BYTES, 0x1000, LOW_MEMORY_END)
        }
        _ => None,
    };
    AP_LOW_AREA.store(found.unwrap_or(0), Ordering::Relaxed);
}

/// Sets up the frame allocator with its bitmap in low memory; returns the bitmap's range.
pub fn init_frames(mut usable: RangeSet) -> Result<PhysRange, InitError> {
    let words = FrameBitmap::storage_words(usable.end());
    let bytes = (words as u64 * 8).next_multiple_of(4096);
    if bytes > FRAME_BITMAP_MAX_SIZE {
        return Err(InitError::NoRoomForBitmap { bytes });
    }
    let storage_range = usable
        .take_below(bytes, HIGHER_HALF_PHYS_LIMIT)
        .ok_or(InitError::NoRoomForBitmap { bytes })?;
    // SAFETY: the range is usable RAM below 2 GiB (mapped by the boot tables' higher-half
    // alias), just taken out of the ranges the allocator manages, so nothing else uses it.
    let storage = unsafe {
        core::slice::from_raw_parts_mut(phys_to_virt(storage_range.start) as *mut u64, words)
    };
    let bitmap = FrameBitmap::new(storage, &usable).map_err(InitError::Frames)?;
    frames::install(bitmap);
    Ok(storage_range)
}

/// The runs of pages the kernel's own tables map, and where the framebuffer goes.
pub struct KernelMappings {
    runs: RunList,
    vga_text: VirtAddr,
    boot_info: VirtAddr,
    framebuffer: Option<VirtAddr>,
}

/// Plans the kernel's own page tables (step 4 in the module docs).
pub fn kernel_mappings(
    boot: &BootMemory,
    bitmap_range: PhysRange,
) -> Result<KernelMappings, InitError> {
    let mut runs = RunList {
        runs: [Mapping::covering(0, 0, 0, Flags::empty()); 48],
        len: 0,
    };
    kernel_sections(boot.sections.ok_or(InitError::NoElfSections)?, &mut runs)?;
    let data = Flags::PRESENT | Flags::WRITABLE | Flags::NO_EXECUTE;
    runs.push(Mapping::covering(
        phys_to_virt(boot.vga_text.start),
        boot.vga_text.start,
        boot.vga_text.len(),
        data,
    ))?;
    runs.push(Mapping::covering(
        FRAME_BITMAP_START,
        bitmap_range.start,
        bitmap_range.len(),
        data,
    ))?;
    let info = boot.boot_info;
    let info_virt = BOOT_INFO_START + (info.start & 0xFFF);
    runs.push(Mapping::covering(
        info_virt,
        info.start,
        info.len(),
        Flags::PRESENT | Flags::NO_EXECUTE,
    ))?;
    // The trampoline's GDT sits in the low boot section. Until the CPU code loads a GDT from
    // the higher half, segment loads and interrupt delivery still read it there, so its page
    // keeps an identity mapping (writable: the CPU may set descriptors' accessed bits).
    let (gdt_base, gdt_limit) = cpu::gdt_register();
    if gdt_base < KERNEL_VMA {
        let base = gdt_base;
        runs.push(Mapping::covering(
            base,
            base,
            u64::from(gdt_limit) + 1,
            data,
        ))?;
        log::debug!("memory: boot GDT at {base:#x} stays mapped until a GDT is loaded");
    }
    // A framebuffer is reached through the identity map so far; it moves to a write-combining
    // device window mapped along with everything else.
    let framebuffer = match boot.framebuffer {
        Some(range) => {
            let (virt, run) =
                device::reserve_window(range.start, range.len(), CacheType::WriteCombining)
                    .map_err(InitError::Framebuffer)?;
            runs.push(run)?;
            Some(virt)
        }
        None => None,
    };
    Ok(KernelMappings {
        runs,
        vga_text: VirtAddr::new(phys_to_virt(boot.vga_text.start)),
        boot_info: VirtAddr::new(info_virt),
        framebuffer,
    })
}

/// The kernel's sections as GRUB reports them, with W^X permissions.
fn kernel_sections(sections: &[KernelSection], runs: &mut RunList) -> Result<(), InitError> {
    for section in sections {
        if !section.allocated || section.size == 0 {
            continue;
        }
        // The low boot sections (trampoline, boot GDT, boot tables) are left behind.
        if section.start < KERNEL_VMA {
            continue;
        }
        let mut page_flags = Flags::PRESENT;
        if section.writable {
            page_flags |= Flags::WRITABLE;
        }
        if !section.executable {
            page_flags |= Flags::NO_EXECUTE;
        }
        runs.push(Mapping::covering(
            section.start,
            virt_to_phys(section.start),
            section.size,
            page_flags,
        ))?;
    }
    Ok(())
}

struct RunList {
    runs: [Mapping; 48],
    len: usize,
}

impl RunList {
    fn push(&mut self, run: Mapping) -> Result<(), InitError> {
        let slot = self
            .runs
            .get_mut(self.len)
            .ok_or(InitError::MemoryMap(MemoryMapError::TooManyRanges))?;
        *slot = run;
        self.len += 1;
        Ok(())
    }
}

/// Switches to the kernel's own tables (step 5). Interrupts stay off from the switch until
/// `relocated` has run: it must move whatever the identity map reached (the framebuffer
/// console) to the new addresses before a handler can print. Returns the boot tables' P4.
pub fn switch_tables(
    plan: &KernelMappings,
    relocated: impl FnOnce(&Relocated),
) -> Result<Relocated, InitError> {
    let guards = stacks::all().map(|stack| stack.guard);
    let here = VirtAddr::new(finish_switch as *const () as u64);
    let stack_pointer = VirtAddr::from_ptr(&here);
    let must_map = [
        ("running code", here),
        ("current stack", stack_pointer),
        ("VGA text buffer", plan.vga_text),
        ("boot information", plan.boot_info),
        ("frame bitmap", VirtAddr::new(FRAME_BITMAP_START)),
    ];
    let moved = Relocated {
        boot_info: plan.boot_info,
        framebuffer: plan
            .framebuffer
            .and_then(|v| NonNull::new(v.as_mut_ptr::<u8>())),
    };
    let boot_p4 = interrupts::without_interrupts(|| {
        let runs = &plan.runs.runs[..plan.runs.len];
        // SAFETY: the runs map the kernel image with its sections' permissions, the VGA alias
        // the console uses, the framebuffer (`relocated` moves the console to it right below),
        // the frame bitmap (switched to its new address by `finish_switch` before any frame is
        // allocated) and the boot information (whose new address the caller switches to).
        let boot_p4 = unsafe { remap::switch_to_new_tables(runs, &guards, &must_map) }?;
        relocated(&moved);
        Ok(boot_p4)
    })
    .map_err(InitError::Remap)?;
    // Nothing uses the boot tables any more once `finish_switch` has run.
    debug_assert!(boot_bss().contains(boot_p4.start_address().as_u64()));
    Ok(moved)
}

/// After the switch (step 6): the frame bitmap moves to its own mapping, read-only pages bind
/// the kernel too, and the boot tables and boot stack become free RAM.
pub fn finish_switch() -> Result<(), InitError> {
    frames::with(|bitmap| {
        let words = bitmap.storage().len();
        // SAFETY: the same frames are now mapped at FRAME_BITMAP_START, and the alias the
        // allocator used so far is gone.
        unsafe {
            bitmap.relocate(core::slice::from_raw_parts_mut(
                FRAME_BITMAP_START as *mut u64,
                words,
            ))
        }
    });
    // SAFETY: the kernel's own tables map every page it writes as writable, so making
    // read-only pages binding in ring 0 only turns stray writes into page faults.
    unsafe { cpu::enable_write_protect() };
    frames::add_range(boot_bss()).map_err(InitError::Frames)?;
    INITIALISED.store(true, Ordering::Release);
    Ok(())
}

/// Maps the heap's first pages (step 7) and lets it grow to half the usable RAM; returns that
/// limit in bytes.
pub fn init_heap() -> Result<u64, InitError> {
    let usable_bytes = frames::stats().total * 4096;
    let heap_limit = (usable_bytes / 2).max(INITIAL_HEAP_SIZE) & !0xFFF;
    heap::init(INITIAL_HEAP_SIZE, heap_limit).map_err(InitError::Heap)?;
    Ok(heap_limit)
}

/// Sets up physical and virtual memory and the heap: the steps of the module docs, in order.
/// `relocated` runs right after the switch to the kernel's own tables, with interrupts off
/// (see [`switch_tables`]); the same addresses are returned.
pub fn init(boot: &BootMemory, relocated: impl FnOnce(&Relocated)) -> Result<Relocated, InitError> {
    let start_tsc = tsc::read();
    paging::set_nx_enabled(boot.nx_enabled);
    let usable = usable_memory(boot)?;
    let map_tsc = tsc::read();
    let bitmap_range = init_frames(usable)?;
    let frames_tsc = tsc::read();
    pat::init();
    let plan = kernel_mappings(boot, bitmap_range)?;
    let moved = switch_tables(&plan, relocated)?;
    finish_switch()?;
    let heap_tsc = tsc::read();
    let heap_limit = init_heap()?;
    let end_tsc = tsc::read();
    log::debug!(
        "memory: cycles: memory map {}, frame bitmap {}, PAT and remap {}, heap {}",
        map_tsc - start_tsc,
        frames_tsc - map_tsc,
        heap_tsc - frames_tsc,
        end_tsc - heap_tsc
    );
    log_summary(
        &usable,
        frames_tsc - start_tsc,
        end_tsc - start_tsc,
        heap_limit,
    );
    Ok(moved)
}

fn log_summary(usable: &RangeSet, frame_cycles: u64, total_cycles: u64, heap_limit: u64) {
    let stats = frames::stats();
    let above_4g: u64 = usable
        .as_slice()
        .iter()
        .map(|r| r.end.saturating_sub(r.start.max(1 << 32)))
        .sum();
    log::info!(
        "memory: {} KiB usable in {} ranges ({} KiB above 4 GiB), {} frames free",
        stats.total * 4,
        usable.as_slice().len(),
        above_4g / 1024,
        stats.free
    );
    log::info!(
        "memory: heap {} KiB at {:#x}, grows to {} KiB; kernel remapped W^X{}",
        INITIAL_HEAP_SIZE / 1024,
        layout::HEAP_START,
        heap_limit / 1024,
        if paging::nx_enabled() {
            ""
        } else {
            " (no NX: data stays executable)"
        }
    );
    log::debug!(
        "memory: frame allocator ready in {frame_cycles} cycles, memory::init took {total_cycles} cycles"
    );
}
