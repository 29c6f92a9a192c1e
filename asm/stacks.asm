; The kernel's stacks, each above a 4 KiB guard page. The guard pages are ordinary .bss while the
; boot page tables map everything; the kernel's own page tables leave them unmapped, so running
; off the bottom of a stack faults instead of silently overwriting its neighbour.
; src/memory/stacks.rs describes the same stacks to Rust.

%macro STACK 2              ; name, size in bytes (a multiple of 4096)
global %1_guard
global %1_bottom
global %1_top
%1_guard:  resb 4096
%1_bottom: resb %2
%1_top:
%endmacro

section .bss.stacks nobits alloc noexec write align=4096
STACK kernel_stack, 128 * 1024          ; the boot CPU's stack from kernel_entry on
STACK double_fault_stack, 16 * 1024     ; IST: a double fault must not reuse a broken stack
STACK nmi_stack, 16 * 1024              ; IST: an NMI can arrive at any instruction
STACK machine_check_stack, 16 * 1024    ; IST: so can a machine check
