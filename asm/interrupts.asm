; Interrupt entry: one stub per IDT vector (all 256), all funnelling into `interrupt_common`,
; which saves the general registers and calls the Rust dispatcher with a pointer to a uniform
; frame. src/interrupts/frame.rs describes the same layout; keep the two in step.
;
; Frame, from the stack pointer upwards when `interrupt_dispatch` is called:
;   r15 r14 r13 r12 r11 r10 r9 r8 rbp rdi rsi rdx rcx rbx rax   (pushed by interrupt_common)
;   vector, error code (the CPU's, or 0 where it pushes none)     (pushed by the stub)
;   rip cs rflags rsp ss                                          (pushed by the CPU)

%include "registers.inc"

extern interrupt_dispatch
global interrupt_stubs

; The exceptions for which the CPU pushes an error code: #DF 8, #TS 10, #NP 11, #SS 12, #GP 13,
; #PF 14, #AC 17, #CP 21, #VC 29, #SX 30 (Intel SDM vol. 3A table 6-1; AMD APM vol. 2 §8.2).
%macro STUB 1
align 16
stub_%1:
%if !(%1 == 8 || (%1 >= 10 && %1 <= 14) || %1 == 17 || %1 == 21 || %1 == 29 || %1 == 30)
    push 0                      ; dummy error code, so every frame has the same shape
%endif
    push %1
    jmp interrupt_common
%endmacro

section .text
bits 64

%assign vector 0
%rep 256
STUB vector
%assign vector vector + 1
%endrep

interrupt_common:
    ; The SysV ABI requires the direction flag clear on function entry; the interrupted code may
    ; have set it.
    cld
    ; From ring 3 (CS's RPL, at [rsp + 24] above vector and error code), GS holds the user's
    ; base: swap in the kernel's per-CPU one, as syscall_entry does (swapped back below).
    test qword [rsp + 24], 3
    jz .from_kernel
    swapgs
.from_kernel:
    PUSH_GENERAL_REGISTERS
    ; In 64-bit mode the CPU aligns RSP to 16 bytes before pushing its frame (SDM vol. 3A
    ; §6.14.2). Since then 5 + 2 + 15 = 22 quadwords went on the stack, an even number, so RSP is
    ; 16-byte aligned here, as the ABI wants at a call.
    mov rdi, rsp
    call interrupt_dispatch
    POP_GENERAL_REGISTERS
    add rsp, 16                 ; vector and error code
    test qword [rsp + 8], 3     ; CS of the interrupted code
    jz .to_kernel
    swapgs
.to_kernel:
    iretq

section .rodata
align 8
; The entry address of each vector's stub, for building the IDT.
interrupt_stubs:
%assign vector 0
%rep 256
    dq stub_ %+ vector
%assign vector vector + 1
%endrep
