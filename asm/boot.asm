; Kestrel boot trampoline: GRUB's 32-bit protected-mode entry to the 64-bit Rust kernel.
;
; Multiboot2 §3.3 machine state on entry: EAX holds the magic 0x36D76289, EBX the physical
; address of the boot information, paging is off, interrupts are off, and there is no usable
; stack. The trampoline checks what the kernel needs, reports what is missing in words on VGA
; and COM1 instead of faulting, builds the early page tables, enters long mode and jumps to the
; higher-half Rust entry `kernel_entry(info_addr, nx_enabled, boot_tsc)`. The low boot symbols
; are out of RIP-relative reach of higher-half code, so everything Rust needs from here travels
; in those argument registers.

KERNEL_VMA          equ 0xFFFFFFFF80000000
MB2_BOOTLOADER_MAGIC equ 0x36D76289

PAGE_PRESENT        equ 1 << 0
PAGE_WRITABLE       equ 1 << 1
PAGE_HUGE           equ 1 << 7

CR0_PAGING          equ 1 << 31
CR0_CACHE_DISABLE   equ 1 << 30
CR0_NOT_WRITETHROUGH equ 1 << 29
CR4_PAE             equ 1 << 5
EFLAGS_ID           equ 1 << 21
MSR_EFER            equ 0xC0000080
EFER_LME            equ 1 << 8
EFER_NXE            equ 1 << 11
CPUID_EXT_LM        equ 1 << 29   ; CPUID 0x80000001 EDX
CPUID_EXT_NX        equ 1 << 20   ; CPUID 0x80000001 EDX

COM1                equ 0x3F8
VGA_TEXT            equ 0xB8000
ERROR_ATTRIBUTE     equ 0x4F      ; white on red

; Identity-map the low 4 GiB with 2 MiB pages: the boot information, boot modules and early
; framebuffers all live there, and Rust reads them before it builds its own tables.
IDENTITY_GIB        equ 4
; The higher half maps the top 2 GiB of virtual memory onto the low 2 GiB of physical memory.
HIGHER_HALF_GIB     equ 2
RECURSIVE_INDEX     equ 510       ; P4 slot that maps the P4 itself (511 holds the kernel)

global _start
extern kernel_entry
extern kernel_stack_top

section .boot.text progbits alloc exec nowrite align=16
bits 32
_start:
    cli
    cld
    mov esp, boot_stack_top
    mov [boot_magic], eax
    mov [boot_info_addr], ebx

    ; Some firmware and Bochs hand over with caching disabled, which slows everything tenfold.
    mov eax, cr0
    and eax, ~(CR0_CACHE_DISABLE | CR0_NOT_WRITETHROUGH)
    mov cr0, eax
    wbinvd

    call check_multiboot
    call check_cpuid
    call check_long_mode
    ; Every long-mode CPU has a TSC; sample it as early as possible for the boot-time figure.
    rdtsc
    mov [boot_tsc], eax
    mov [boot_tsc + 4], edx

    call build_page_tables
    call enter_long_mode
    lgdt [gdt64.pointer]
    jmp gdt64.code:long_mode_start

check_multiboot:
    cmp dword [boot_magic], MB2_BOOTLOADER_MAGIC
    jne .bad_magic
    cmp dword [boot_info_addr], 0
    je .no_info
    ret
.bad_magic:
    mov esi, msg_bad_magic
    jmp boot_error
.no_info:
    mov esi, msg_no_info
    jmp boot_error

; CPUID exists when software can flip EFLAGS.ID (Intel SDM vol. 2A, CPUID).
check_cpuid:
    pushfd
    pop eax
    mov ecx, eax
    xor eax, EFLAGS_ID
    push eax
    popfd
    pushfd
    pop eax
    push ecx
    popfd
    cmp eax, ecx
    je .no_cpuid
    ret
.no_cpuid:
    mov esi, msg_no_cpuid
    jmp boot_error

check_long_mode:
    ; Older CPUs (486, Pentium) lack the extended leaves entirely: leaf 0x80000000 then returns
    ; garbage below 0x80000001 and leaf 0x80000001 must not be trusted.
    mov eax, 0x80000000
    cpuid
    cmp eax, 0x80000001
    jb .no_long_mode
    mov eax, 0x80000001
    cpuid
    test edx, CPUID_EXT_LM
    jz .no_long_mode
    ; A few early 64-bit CPUs lack NX; setting EFER.NXE there would fault, so remember it.
    test edx, CPUID_EXT_NX
    setnz byte [boot_nx_enabled]
    ret
.no_long_mode:
    mov esi, msg_no_long_mode
    jmp boot_error

build_page_tables:
    ; P2 tables: IDENTITY_GIB consecutive tables of 512 huge 2 MiB pages covering 0..4 GiB.
    mov edi, boot_p2_tables
    mov eax, PAGE_PRESENT | PAGE_WRITABLE | PAGE_HUGE
    xor edx, edx
    mov ecx, IDENTITY_GIB * 512
.map_2mib:
    mov [edi], eax
    mov [edi + 4], edx
    add eax, 0x200000
    adc edx, 0
    add edi, 8
    loop .map_2mib

    ; P3 (low): one entry per GiB, each pointing at its P2 table.
    mov edi, boot_p3_low
    mov eax, boot_p2_tables + (PAGE_PRESENT | PAGE_WRITABLE)
    mov ecx, IDENTITY_GIB
.link_p3_low:
    mov [edi], eax
    add eax, 4096
    add edi, 8
    loop .link_p3_low

    ; P3 (high): entries 510 and 511 (the top 2 GiB) reuse the P2 tables of the first 2 GiB.
    mov dword [boot_p3_high + 510 * 8], boot_p2_tables + (PAGE_PRESENT | PAGE_WRITABLE)
    mov dword [boot_p3_high + 511 * 8], boot_p2_tables + 4096 + (PAGE_PRESENT | PAGE_WRITABLE)

    mov dword [boot_p4], boot_p3_low + (PAGE_PRESENT | PAGE_WRITABLE)
    mov dword [boot_p4 + 511 * 8], boot_p3_high + (PAGE_PRESENT | PAGE_WRITABLE)
    mov dword [boot_p4 + RECURSIVE_INDEX * 8], boot_p4 + (PAGE_PRESENT | PAGE_WRITABLE)
    ret

; Intel SDM vol. 3A §10.8.5 (initializing IA-32e mode): PAE, CR3, EFER.LME, then CR0.PG.
enter_long_mode:
    mov eax, cr4
    or eax, CR4_PAE
    mov cr4, eax

    mov eax, boot_p4
    mov cr3, eax

    mov ecx, MSR_EFER
    rdmsr
    or eax, EFER_LME
    cmp byte [boot_nx_enabled], 0
    je .no_nx
    or eax, EFER_NXE
.no_nx:
    wrmsr

    mov eax, cr0
    or eax, CR0_PAGING
    mov cr0, eax
    ret

; Print "kestrel: boot error: <ESI>" on the first VGA row and on COM1, then halt for good.
boot_error:
    push esi
    call serial_init
    mov edi, VGA_TEXT
    mov esi, msg_prefix
    call print_string
    pop esi
    call print_string
    mov esi, msg_halted
    call print_string
.halt:
    cli
    hlt
    jmp .halt

; ESI: NUL-terminated string; EDI: VGA cursor, advanced past the text. Control bytes (the
; CR LF that ends the message) go to serial only: VGA text memory would draw them as glyphs.
print_string:
    lodsb
    test al, al
    jz .done
    cmp al, ' '
    jb .serial
    mov ah, ERROR_ATTRIBUTE
    mov [edi], ax
    add edi, 2
.serial:
    call serial_putc
    jmp print_string
.done:
    ret

; 115200 baud 8N1 with FIFOs, as the Rust driver sets it later. Bochs garbles output until the
; line control register is written.
serial_init:
    mov dx, COM1 + 1
    xor al, al
    out dx, al              ; no UART interrupts
    mov dx, COM1 + 3
    mov al, 0x80
    out dx, al              ; DLAB on: the next two ports are the baud divisor
    mov dx, COM1
    mov al, 1
    out dx, al              ; divisor 1 = 115200 baud
    mov dx, COM1 + 1
    xor al, al
    out dx, al
    mov dx, COM1 + 3
    mov al, 0x03
    out dx, al              ; 8 data bits, no parity, one stop bit, DLAB off
    mov dx, COM1 + 2
    mov al, 0xC7
    out dx, al              ; FIFOs on and cleared
    mov dx, COM1 + 4
    mov al, 0x03
    out dx, al              ; DTR and RTS
    ret

; AL: byte to send. Waits for the transmit holding register to empty first.
serial_putc:
    push eax
    mov dx, COM1 + 5
.wait:
    in al, dx
    test al, 0x20
    jz .wait
    pop eax
    mov dx, COM1
    out dx, al
    ret

bits 64
long_mode_start:
    mov ax, gdt64.data
    mov ss, ax
    mov ds, ax
    mov es, ax
    xor eax, eax
    mov fs, ax
    mov gs, ax
    ; Still running at the physical address: jump to the higher-half link address.
    mov rax, higher_half_start
    jmp rax

section .boot.rodata progbits alloc noexec nowrite align=8
gdt64:
    dq 0
.code: equ $ - gdt64
    dq 0x00209A0000000000       ; present, ring 0, code, long mode
.data: equ $ - gdt64
    dq 0x0000920000000000       ; present, ring 0, data, writable
.pointer:
    dw $ - gdt64 - 1
    dd gdt64

msg_prefix:       db "kestrel: boot error: ", 0
msg_halted:       db " (system halted)", 13, 10, 0
msg_bad_magic:    db "not started by a Multiboot2 boot loader (bad magic in EAX); boot it with GRUB", 0
msg_no_info:      db "the boot loader passed no Multiboot2 information", 0
msg_no_cpuid:     db "this CPU has no CPUID instruction; Kestrel needs an x86_64 CPU", 0
msg_no_long_mode: db "no long mode: this CPU is not 64-bit capable; Kestrel needs an x86_64 CPU", 0

section .boot.data progbits alloc noexec write align=8
boot_tsc:        dq 0
boot_magic:      dd 0
boot_info_addr:  dd 0
boot_nx_enabled: db 0

section .boot.bss nobits alloc noexec write align=4096
boot_p4:        resb 4096
boot_p3_low:    resb 4096
boot_p3_high:   resb 4096
boot_p2_tables: resb 4096 * IDENTITY_GIB
boot_stack:     resb 4096
boot_stack_top:

section .text
bits 64
higher_half_start:
    mov rsp, kernel_stack_top
    xor ebp, ebp
    mov edi, [abs boot_info_addr]
    movzx esi, byte [abs boot_nx_enabled]
    mov rdx, [abs boot_tsc]
    call kernel_entry
.hang:
    cli
    hlt
    jmp .hang
