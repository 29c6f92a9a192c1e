; Multiboot2 header (Multiboot2 specification §3.1). GRUB finds it by its magic in the first
; 32 KiB of the image; linker.ld places this section first.

MB2_HEADER_MAGIC  equ 0xE85250D6
MB2_ARCH_I386     equ 0          ; "i386": enter in 32-bit protected mode (§3.1.2)

section .multiboot_header progbits alloc noexec nowrite align=8
header_start:
    dd MB2_HEADER_MAGIC
    dd MB2_ARCH_I386
    dd header_end - header_start
    ; The four header fields must sum to zero modulo 2^32.
    dd 0x100000000 - (MB2_HEADER_MAGIC + MB2_ARCH_I386 + (header_end - header_start))

    ; End tag (§3.1.3): type 0, flags 0, size 8.
    align 8
    dw 0
    dw 0
    dd 8
header_end:
