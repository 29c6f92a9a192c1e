//! The Multiboot2 information GRUB passed is present, parsed and sane.

#![no_std]
#![no_main]

use kestrel::boot::multiboot::{self as info, BootInfoError};
use kestrel::boot::{self, BootInfo};
use multiboot2::{FramebufferType, MemoryAreaType};

kestrel::entry_point!(main);

fn main(_boot: &'static BootInfo) -> ! {
    kestrel::run_tests!(
        bootloader_is_grub,
        memory_map_is_sane,
        usable_memory_matches_machine,
        bad_pointers_are_rejected,
        firmware_hand_over_is_complete,
    );
}

fn bootloader_is_grub() {
    let name = &boot::info().bootloader_name;
    assert!(
        name.as_bytes().starts_with(b"GRUB"),
        "boot loader is {name}"
    );
}

fn memory_map_is_sane() {
    let multiboot = boot::mapped_multiboot();
    let map = multiboot.memory_map_tag().expect("no memory map tag");
    let areas = map.memory_areas();
    assert!(!areas.is_empty());
    let mut available_above_1mib = false;
    for area in areas {
        assert!(area.size() > 0, "empty area at {:#x}", area.start_address());
        assert!(area.end_address() > area.start_address());
        if MemoryAreaType::from(area.typ()) == MemoryAreaType::Available
            && area.end_address() > 0x10_0000
        {
            available_above_1mib = true;
        }
    }
    assert!(available_above_1mib, "no usable RAM above 1 MiB");
}

/// tests/qemu/boot_info.args boots this kernel with 128 MiB: almost all of it must be usable.
fn usable_memory_matches_machine() {
    let usable_kib = boot::info().usable_memory() / 1024;
    assert!(
        (120 * 1024..128 * 1024).contains(&usable_kib),
        "usable memory {usable_kib} KiB for a 128 MiB machine"
    );
}

fn bad_pointers_are_rejected() {
    // SAFETY: `load` rejects this address before dereferencing it.
    assert_eq!(unsafe { info::load(0) }.err(), Some(BootInfoError::Null));
    assert_eq!(
        // SAFETY: as above.
        unsafe { info::load(0x1004) }.err(),
        Some(BootInfoError::Misaligned(0x1004))
    );
    assert_eq!(
        // SAFETY: as above.
        unsafe { info::load(1 << 33) }.err(),
        Some(BootInfoError::OutOfReach(1 << 33))
    );
    // The identity map `load` relies on is gone after boot, so the content checks run through
    // `parse` at the structures' kernel addresses.
    // An all-zero structure claims size 0, smaller than its own header.
    static ZEROES: Aligned = Aligned([0; 64]);
    assert_eq!(
        // SAFETY: ZEROES is 64 aligned bytes; `parse` reads the size field before anything else.
        unsafe { info::parse(ZEROES.0.as_ptr()) }.err(),
        Some(BootInfoError::TooSmall(0))
    );
    // A plausible size but no end tag where the size says the structure ends.
    static NO_END_TAG: Aligned = Aligned(no_end_tag());
    // SAFETY: 64 aligned bytes, as their size field says; the crate looks for the end tag there.
    let result = unsafe { info::parse(NO_END_TAG.0.as_ptr()) };
    assert!(
        matches!(result, Err(BootInfoError::Malformed(_))),
        "{:?}",
        result.err()
    );
}

/// Only ever read through its address, as raw boot information.
#[repr(align(8))]
struct Aligned([u8; 64]);

/// Total size 64, then a tag of type 1 (command line) claiming 56 bytes of zeroes: no end tag.
const fn no_end_tag() -> [u8; 64] {
    let mut bytes = [0; 64];
    bytes[0] = 64;
    bytes[8] = 1;
    bytes[12] = 56;
    bytes
}

/// GRUB-EFI exits boot services and passes the EFI system table and memory map, with an RGB
/// framebuffer (UEFI has no text mode); GRUB for BIOS keeps VGA text, as grub.cfg asks.
fn firmware_hand_over_is_complete() {
    let info = &boot::mapped_multiboot();
    let framebuffer = info
        .framebuffer_tag()
        .expect("GRUB passed no framebuffer tag")
        .expect("unknown framebuffer type");
    let kind = framebuffer.buffer_type().unwrap();
    if info.efi_sdt64_tag().is_some() {
        assert!(
            info.efi_bs_not_exited_tag().is_none(),
            "boot services still running"
        );
        assert!(info.efi_memory_map_tag().is_some(), "no EFI memory map");
        assert!(
            matches!(kind, FramebufferType::RGB { .. }),
            "UEFI framebuffer is {kind:?}"
        );
    } else {
        assert!(info.efi_memory_map_tag().is_none());
        assert_eq!(kind, FramebufferType::Text);
        assert_eq!(framebuffer.address(), 0xB8000);
    }
}
