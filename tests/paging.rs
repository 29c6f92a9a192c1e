//! The kernel's own page tables: translation of known addresses, map/unmap round trips, huge
//! pages, the W^X layout of the kernel image, the identity map gone, guard pages unmapped, and
//! device windows with their cache types.

#![no_std]
#![no_main]

extern crate alloc;

use alloc::boxed::Box;
use core::sync::atomic::AtomicU64;
use kestrel::arch::{pat, stacks};
use kestrel::boot::{self, BootInfo};
use kestrel::memory::layout::{BOOT_INFO_START, KERNEL_VMA, phys_to_virt, virt_to_phys};
use kestrel::memory::paging::index::{self, Level};
use kestrel::memory::paging::{MapError, PAGE_TABLES, PageSize, UnmapError, translate};
use kestrel::memory::{self, CacheType, frames};
use x86_64::registers::control::{Cr0, Cr0Flags, Cr3};
use x86_64::registers::model_specific::{Efer, EferFlags, Msr};
use x86_64::structures::paging::{Page, PageTableFlags as Flags, PhysFrame};
use x86_64::{PhysAddr, VirtAddr};

kestrel::entry_point!(main);

fn main(_boot: &'static BootInfo) -> ! {
    kestrel::run_tests!(
        translate_known_addresses,
        recursive_entry_points_at_the_active_p4,
        // Before identity_map_a_frame, which makes P4 entry 0 present again.
        identity_map_is_gone,
        map_unmap_round_trip,
        identity_map_a_frame,
        huge_pages_translate_and_refuse_4k_edits,
        kernel_sections_are_w_xor_x,
        guard_pages_are_unmapped,
        boot_tables_were_freed,
        boot_information_moved,
        device_windows_have_their_cache_type,
    );
}

/// A lower-half page nothing else uses.
const TEST_PAGE: u64 = 0x0000_1234_5600_0000;

fn text_address() -> VirtAddr {
    VirtAddr::new(translate_known_addresses as *const () as u64)
}

static RODATA: [u8; 16] = *b"read-only data!!";
/// Interior mutability puts it in `.data`, writable, without a `static mut`.
static DATA: AtomicU64 = AtomicU64::new(1);

fn data_address() -> VirtAddr {
    VirtAddr::from_ptr(DATA.as_ptr())
}

fn translate_known_addresses() {
    let vga = VirtAddr::new(phys_to_virt(0xB8000));
    assert_eq!(translate(vga).unwrap().phys, PhysAddr::new(0xB8000));
    let vga_cell = vga + 160u64 + 3;
    assert_eq!(translate(vga_cell).unwrap().phys, PhysAddr::new(0xB80A3));
    // The kernel image is mapped at KERNEL_VMA + its physical address, in 4 KiB pages.
    let text = translate(text_address()).unwrap();
    assert_eq!(text.phys.as_u64(), virt_to_phys(text_address().as_u64()));
    assert_eq!(text.size, PageSize::Size4KiB);
    let rodata = VirtAddr::from_ptr(&RODATA);
    assert_eq!(
        translate(rodata).unwrap().phys.as_u64(),
        virt_to_phys(rodata.as_u64())
    );
    // Nothing at address zero or in the middle of nowhere.
    assert_eq!(translate(VirtAddr::zero()), None);
    assert_eq!(translate(VirtAddr::new(0x0000_7000_0000_0000)), None);
}

fn recursive_entry_points_at_the_active_p4() {
    let (p4, _) = Cr3::read();
    let p4_addr = VirtAddr::new(index::table_address(Level::P4, 0));
    assert_eq!(translate(p4_addr).unwrap().frame_start, p4.start_address());
}

fn map_unmap_round_trip() {
    let page = Page::containing_address(VirtAddr::new(TEST_PAGE));
    let frame = frames::allocate().expect("a free frame");
    let flags = Flags::PRESENT | Flags::WRITABLE | Flags::NO_EXECUTE;
    let mut tables = PAGE_TABLES.lock();
    tables
        .map_to(page, frame, flags, &mut frames::GlobalFrames)
        .unwrap();
    let translation = tables.translate(page.start_address() + 0x10u64).unwrap();
    assert_eq!(translation.phys, frame.start_address() + 0x10u64);
    assert!(translation.flags.contains(flags));
    // Write through the mapping, then see the same bytes through a second mapping.
    let ptr = page.start_address().as_mut_ptr::<u64>();
    // SAFETY: the page was just mapped writable to a frame nobody else uses.
    unsafe { ptr.write_volatile(0x1234_5678_9ABC_DEF0) };
    let alias = Page::containing_address(VirtAddr::new(TEST_PAGE + 0x20_0000));
    tables
        .map_to(alias, frame, flags, &mut frames::GlobalFrames)
        .unwrap();
    // SAFETY: the alias maps the same frame.
    let seen = unsafe { alias.start_address().as_ptr::<u64>().read_volatile() };
    assert_eq!(seen, 0x1234_5678_9ABC_DEF0);
    // Mapping an occupied page is an error, not a silent overwrite.
    let other = PhysFrame::containing_address(PhysAddr::new(0x5000));
    assert_eq!(
        tables.map_to(page, other, flags, &mut frames::GlobalFrames),
        Err(MapError::AlreadyMapped(frame))
    );
    assert_eq!(tables.unmap(page), Ok(frame));
    assert_eq!(tables.unmap(alias), Ok(frame));
    assert_eq!(tables.translate(page.start_address()), None);
    assert_eq!(tables.unmap(page), Err(UnmapError::NotMapped));
    drop(tables);
    frames::deallocate(frame).unwrap();
}

fn identity_map_a_frame() {
    let frame = frames::allocate().expect("a free frame");
    let flags = Flags::PRESENT | Flags::WRITABLE | Flags::NO_EXECUTE;
    let mut tables = PAGE_TABLES.lock();
    tables
        .identity_map(frame, flags, &mut frames::GlobalFrames)
        .unwrap();
    let addr = VirtAddr::new(frame.start_address().as_u64());
    assert_eq!(tables.translate(addr).unwrap().phys, frame.start_address());
    let page = Page::containing_address(addr);
    assert_eq!(tables.unmap(page), Ok(frame));
    drop(tables);
    frames::deallocate(frame).unwrap();
}

/// Writes a 2 MiB entry by hand (the mapper maps 4 KiB pages only) and checks that translate
/// sees through it while map and unmap refuse to split it.
fn huge_pages_translate_and_refuse_4k_edits() {
    let base = TEST_PAGE + 0x4000_0000;
    let neighbour = Page::containing_address(VirtAddr::new(base + 0x20_0000));
    let frame = frames::allocate().unwrap();
    let flags = Flags::PRESENT | Flags::WRITABLE | Flags::NO_EXECUTE;
    let mut tables = PAGE_TABLES.lock();
    // Mapping the neighbouring 2 MiB region creates the P3 and P2 the huge entry goes into.
    tables
        .map_to(neighbour, frame, flags, &mut frames::GlobalFrames)
        .unwrap();
    let p2 = index::table_address(Level::P2, base) as *mut u64;
    let slot = index::index(base, Level::P2) as usize;
    // The 2 MiB of physical memory at 2 MiB hold the kernel image: read-only is harmless.
    let huge_phys = 0x20_0000u64;
    let entry = huge_phys | (Flags::PRESENT | Flags::HUGE_PAGE | Flags::NO_EXECUTE).bits();
    // SAFETY: the P2 exists (see above) and this slot is unused; the entry maps existing RAM
    // read-only and is removed before the lock is released.
    unsafe { p2.add(slot).write_volatile(entry) };
    let probe = VirtAddr::new(base + 0x1_2345);
    let translation = tables.translate(probe).unwrap();
    assert_eq!(translation.size, PageSize::Size2MiB);
    assert_eq!(translation.phys, PhysAddr::new(huge_phys + 0x1_2345));
    assert_eq!(translation.frame_start, PhysAddr::new(huge_phys));
    let inside = Page::containing_address(probe);
    assert_eq!(
        tables.map_to(inside, frame, flags, &mut frames::GlobalFrames),
        Err(MapError::ParentIsHugePage)
    );
    assert_eq!(tables.unmap(inside), Err(UnmapError::ParentIsHugePage));
    // SAFETY: removing the entry written above.
    unsafe { p2.add(slot).write_volatile(0) };
    x86_64::instructions::tlb::flush(probe);
    assert_eq!(tables.translate(probe), None);
    assert_eq!(tables.unmap(neighbour), Ok(frame));
    drop(tables);
    frames::deallocate(frame).unwrap();
}

fn kernel_sections_are_w_xor_x() {
    let flags_of = |addr: VirtAddr| translate(addr).unwrap().flags;
    let text = flags_of(text_address());
    assert!(!text.contains(Flags::WRITABLE), ".text writable: {text:?}");
    assert!(
        !text.contains(Flags::NO_EXECUTE),
        ".text not executable: {text:?}"
    );
    let rodata = flags_of(VirtAddr::from_ptr(&RODATA));
    assert!(
        !rodata.contains(Flags::WRITABLE),
        ".rodata writable: {rodata:?}"
    );
    assert!(
        rodata.contains(Flags::NO_EXECUTE),
        ".rodata executable: {rodata:?}"
    );
    let data = flags_of(data_address());
    assert!(
        data.contains(Flags::WRITABLE | Flags::NO_EXECUTE),
        ".data: {data:?}"
    );
    let local = 0u64;
    let stack = flags_of(VirtAddr::from_ptr(&local));
    assert!(
        stack.contains(Flags::WRITABLE | Flags::NO_EXECUTE),
        "stack: {stack:?}"
    );
    let boxed = Box::new(0u64);
    let heap = flags_of(VirtAddr::from_ptr(&*boxed));
    assert!(
        heap.contains(Flags::WRITABLE | Flags::NO_EXECUTE),
        "heap: {heap:?}"
    );
    // Read-only means read-only for the kernel too, and NX is really on.
    assert!(Cr0::read().contains(Cr0Flags::WRITE_PROTECT));
    assert!(Efer::read().contains(EferFlags::NO_EXECUTE_ENABLE));
    assert!(memory::paging::nx_enabled());
}

fn identity_map_is_gone() {
    // The one exception: the trampoline's GDT page, while no higher-half GDT is loaded.
    let gdt = x86_64::instructions::tables::sgdt().base.as_u64();
    let gdt_page = gdt & !0xFFF;
    let tables = PAGE_TABLES.lock();
    for addr in [
        0,
        0xB8000,
        0x10_0000,
        0x20_0000,
        1 << 30,
        3 << 30,
        0xFFFF_F000,
    ] {
        if gdt < KERNEL_VMA && addr == gdt_page {
            continue;
        }
        assert_eq!(
            tables.translate(VirtAddr::new(addr)),
            None,
            "{addr:#x} mapped"
        );
    }
    if gdt >= KERNEL_VMA {
        assert!(!tables.p4_entry_flags(0).contains(Flags::PRESENT));
    }
    let info = boot::mapped_multiboot().start_address() as u64;
    assert!(info >= BOOT_INFO_START, "boot info still read at {info:#x}");
    // Only the kernel image and VGA remain of the 2 GiB higher-half alias.
    assert_eq!(
        tables.translate(VirtAddr::new(KERNEL_VMA + 0x4000_0000)),
        None
    );
}

fn guard_pages_are_unmapped() {
    for stack in stacks::all() {
        assert_eq!(translate(stack.guard), None, "{} guard mapped", stack.name);
        assert!(translate(stack.bottom).is_some(), "{} unmapped", stack.name);
        assert!(
            translate(stack.top - 1u64).is_some(),
            "{} top unmapped",
            stack.name
        );
    }
}

fn boot_tables_were_freed() {
    let boot_bss = memory::boot_bss();
    assert!(!boot_bss.is_empty());
    assert!(frames::is_managed(PhysAddr::new(boot_bss.start)));
    assert!(!frames::is_managed(PhysAddr::new(virt_to_phys(
        text_address().as_u64()
    ))));
}

fn boot_information_moved() {
    let info = &boot::mapped_multiboot();
    let start = info.start_address() as u64;
    assert!((BOOT_INFO_START..BOOT_INFO_START + (1 << 30)).contains(&start));
    assert!(info.memory_map_tag().is_some());
    assert!(info.boot_loader_name_tag().is_some());
    let flags = translate(VirtAddr::new(start)).unwrap().flags;
    assert!(!flags.contains(Flags::WRITABLE));
}

fn device_windows_have_their_cache_type() {
    assert!(pat::pat_available(), "QEMU's -cpu max has PAT");
    // SAFETY: reading IA32_PAT has no side effects.
    let pat_msr = unsafe { Msr::new(pat::IA32_PAT).read() };
    assert_eq!(pat_msr, pat::pat_msr_value());
    // A write-combining window onto the VGA text buffer, at an unaligned offset.
    let window = memory::map_device(0xB8000 + 0xA0, 0x100, CacheType::WriteCombining).unwrap();
    let translation = translate(window).unwrap();
    assert_eq!(translation.phys, PhysAddr::new(0xB80A0));
    assert_eq!(
        pat::cache_type_of(translation.flags, true),
        CacheType::WriteCombining
    );
    assert!(
        translation
            .flags
            .contains(Flags::NO_EXECUTE | Flags::WRITABLE)
    );
    // Writes through the window land in the same memory the console alias sees.
    let alias = phys_to_virt(0xB80A0) as *const u16;
    // SAFETY: both addresses map VGA text cell (1, 0); the console is not printing meanwhile.
    unsafe {
        let before = alias.read_volatile();
        window.as_mut_ptr::<u16>().write_volatile(0x1F41);
        assert_eq!(alias.read_volatile(), 0x1F41);
        window.as_mut_ptr::<u16>().write_volatile(before);
    }
    let uncached = memory::map_device(0xFEE0_0000, 0x1000, CacheType::Uncached).unwrap();
    let flags = translate(uncached).unwrap().flags;
    assert_eq!(pat::cache_type_of(flags, true), CacheType::Uncached);
    // Far above 4 GiB, where 64-bit framebuffer BARs live; only mapped, never touched.
    let high = memory::map_device(0x38_0000_0000, 8 << 20, CacheType::WriteCombining).unwrap();
    assert_eq!(
        translate(high + 0x7F_FFFFu64).unwrap().phys,
        PhysAddr::new(0x38_007F_FFFF)
    );
    assert!(memory::map_device(0x1000, 0, CacheType::Uncached).is_err());
}
