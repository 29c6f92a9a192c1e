; Multiboot2 header (Multiboot2 specification §3.1). GRUB finds it by its magic in the first
; 32 KiB of the image; linker.ld places this section first.

MB2_HEADER_MAGIC  equ 0xE85250D6
MB2_ARCH_I386     equ 0          ; "i386": enter in 32-bit protected mode (§3.1.2)
MB2_TAG_FRAMEBUFFER equ 5
MB2_TAG_OPTIONAL  equ 1          ; the boot loader may ignore a tag marked optional (§3.1.3)

section .multiboot_header progbits alloc noexec nowrite align=8
header_start:
    dd MB2_HEADER_MAGIC
    dd MB2_ARCH_I386
    dd header_end - header_start
    ; The four header fields must sum to zero modulo 2^32.
    dd 0x100000000 - (MB2_HEADER_MAGIC + MB2_ARCH_I386 + (header_end - header_start))

    ; Framebuffer request (§3.1.10). Optional, so a BIOS boot with `gfxpayload=text` keeps VGA
    ; text mode; under UEFI, which has no text mode, GRUB hands over a linear framebuffer. Zero
    ; width, height and depth state no preference, so GRUB's GOP driver keeps the firmware's
    ; mode (usually the panel's native one). grub/grub.cfg makes the choice per platform.
    align 8
    dw MB2_TAG_FRAMEBUFFER
    dw MB2_TAG_OPTIONAL
    dd 20
    dd 0                        ; width
    dd 0                        ; height
    dd 0                        ; depth

    ; End tag (§3.1.3): type 0, flags 0, size 8.
    align 8
    dw 0
    dw 0
    dd 8
header_end:
