; The application processors' way from real mode into the kernel (Intel SDM vol. 3A §8.4.4,
; §10.8.5). `ap_trampoline_start` .. `ap_trampoline_end` is never run where it is linked: the
; boot CPU copies those bytes to a page below 1 MiB (src/arch/x86_64/ap_boot.rs), fills in the
; parameter block at its end, and sends the startup IPI whose vector is that page's number. The
; AP starts at CS = page * 256, IP = 0, in real mode, with nothing set up.
;
; The code only ever uses offsets from the start of the page (the real-mode segment base, and
; EBX/RBX once flat), so it runs wherever it is copied. Its page tables are the boot CPU's
; temporary P4, which identity-maps the first 2 MiB (where this page lies) and shares the
; kernel's higher-half entries; in 64-bit mode it jumps to `ap_long_mode_entry` in the higher
; half, which switches to the kernel's own P4 and calls `ap_rust_entry` on the AP's stack.

%define OFFSET(label) ((label) - ap_trampoline_start)

CR0_PE          equ 1 << 0
CR0_WP          equ 1 << 16
CR0_PG          equ 1 << 31
CR4_PAE         equ 1 << 5
MSR_EFER        equ 0xC0000080

CODE32          equ 0x08
DATA            equ 0x10
CODE64          equ 0x18

global ap_trampoline_start
global ap_trampoline_end
global ap_trampoline_gdt_pointer
global ap_trampoline_far32
global ap_trampoline_far64
global ap_trampoline_params
global ap_long_mode_entry
extern ap_rust_entry

; Plain bytes in the kernel image (copied, never executed here).
section .rodata.ap_trampoline progbits alloc noexec nowrite align=4096
bits 16
ap_trampoline_start:
    cli
    cld
    mov ax, cs
    mov ds, ax
    ; EBX = the page's linear address, for the flat 32- and 64-bit parts.
    xor ebx, ebx
    mov bx, ax
    shl ebx, 4
    ; Tell the boot CPU the AP runs (before any mode switch can fail).
    mov dword [OFFSET(ap_trampoline_params.alive)], 1
    o32 lgdt [OFFSET(ap_trampoline_gdt_pointer)]
    mov eax, cr0
    or eax, CR0_PE
    mov cr0, eax
    ; The far pointer's offset (the page's address + OFFSET(protected_mode)) is filled in by
    ; the boot CPU.
    jmp dword far [OFFSET(ap_trampoline_far32)]

bits 32
protected_mode:
    mov ax, DATA
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov fs, ax
    mov gs, ax
    mov eax, cr4
    or eax, CR4_PAE
    mov cr4, eax
    mov eax, [ebx + OFFSET(ap_trampoline_params.temporary_p4)]
    mov cr3, eax
    mov ecx, MSR_EFER
    rdmsr
    or eax, [ebx + OFFSET(ap_trampoline_params.efer_bits)]     ; LME, and NXE where the BSP has it
    wrmsr
    mov eax, cr0
    or eax, CR0_PG | CR0_WP
    mov cr0, eax
    jmp far [ebx + OFFSET(ap_trampoline_far64)]

bits 64
long_mode:
    mov ax, DATA
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov rax, [rbx + OFFSET(ap_trampoline_params.kernel_p4)]
    mov rsp, [rbx + OFFSET(ap_trampoline_params.stack_top)]
    mov rdi, [rbx + OFFSET(ap_trampoline_params.argument)]
    mov rcx, [rbx + OFFSET(ap_trampoline_params.entry)]
    jmp rcx                     ; ap_long_mode_entry, in the higher half

align 8
ap_trampoline_gdt:
    dq 0
    dq 0x00CF9A000000FFFF       ; 0x08: 32-bit code, flat 4 GiB
    dq 0x00CF92000000FFFF       ; 0x10: data, flat 4 GiB
    dq 0x00209A0000000000       ; 0x18: 64-bit code
ap_trampoline_gdt_end:
ap_trampoline_gdt_pointer:
    dw ap_trampoline_gdt_end - ap_trampoline_gdt - 1
    dd 0                        ; the GDT's linear address: filled in
align 8
ap_trampoline_far32:
    dd 0                        ; the page's address + OFFSET(protected_mode): filled in
    dw CODE32
align 8
ap_trampoline_far64:
    dd 0                        ; the page's address + OFFSET(long_mode): filled in
    dw CODE64

; Filled in by the boot CPU for each AP; the layout is `Params` in src/arch/x86_64/ap_boot.rs.
align 8
ap_trampoline_params:
.alive:         dq 0            ; set by the AP on its first instructions
.temporary_p4:  dq 0            ; below 4 GiB: loaded in 32-bit mode
.efer_bits:     dq 0
.kernel_p4:     dq 0
.stack_top:     dq 0
.entry:         dq 0            ; ap_long_mode_entry
.argument:      dq 0            ; handed to ap_rust_entry
.protected_mode_offset: dq OFFSET(protected_mode)
.long_mode_offset:      dq OFFSET(long_mode)
ap_trampoline_end:

section .text
bits 64
; RAX = the kernel's P4, RSP = the AP's kernel stack top, RDI = ap_rust_entry's argument.
ap_long_mode_entry:
    mov cr3, rax
    xor ebp, ebp                ; the end of the frame-pointer chain, for backtraces
    call ap_rust_entry
.hang:
    cli
    hlt
    jmp .hang
