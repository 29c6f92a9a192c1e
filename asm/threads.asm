; Thread switching, the system-call entry and the first entry into ring 3.
; src/arch/x86_64/context_switch.rs, syscall.rs and user_mode.rs describe these to Rust; keep
; the frame layouts in step with them.

%include "registers.inc"

global context_switch
global thread_trampoline
global syscall_entry
global enter_user_mode
global return_from_syscall
global iret_to_user
extern syscall_dispatch

; Offsets into the per-CPU block that GS points at in the kernel (arch::percpu::PerCpu).
%define PERCPU_KERNEL_RSP 0
%define PERCPU_USER_RSP 8

section .text
bits 64

; context_switch(save_rsp: *mut u64 [rdi], next_rsp: u64 [rsi])
; Saves the callee-saved registers on the current stack, stores the stack pointer at [rdi],
; switches to `next_rsp` and restores what the other thread saved there. Interrupts are off
; (the scheduler switches only with IF clear); each thread restores its own IF on the way out.
context_switch:
    push rbp
    push rbx
    push r12
    push r13
    push r14
    push r15
    mov [rdi], rsp
    mov rsp, rsi
    pop r15
    pop r14
    pop r13
    pop r12
    pop rbx
    pop rbp
    ret

; A new thread's first `ret` from context_switch lands here, with r12 = the entry function and
; r13 = its argument (see context_switch.rs, which builds that initial frame).
thread_trampoline:
    mov rdi, r13
    xor ebp, ebp                ; the end of the frame-pointer chain for backtraces
    call r12
    ud2                         ; thread entry functions never return

; `syscall` lands here (LSTAR): RCX = user RIP, R11 = user RFLAGS, IF and DF masked (SFMASK).
; Builds a SyscallFrame on the thread's kernel stack and calls syscall_dispatch(frame).
syscall_entry:
    swapgs
    mov [gs:PERCPU_USER_RSP], rsp
    mov rsp, [gs:PERCPU_KERNEL_RSP]
    push qword [gs:PERCPU_USER_RSP]
    PUSH_GENERAL_REGISTERS
    ; 16 quadwords below a 16-byte aligned stack top: aligned for the call.
    mov rdi, rsp
    call syscall_dispatch
syscall_exit:
    POP_GENERAL_REGISTERS
    ; Interrupts are still off (the dispatcher returns with IF clear), so nothing can run on
    ; the user stack or see the user GS base between here and sysret. syscall_dispatch has
    ; checked that RCX is a canonical user address (the sysret #GP-in-ring-0 hazard).
    swapgs
    pop rsp
    o64 sysret

; return_from_syscall(frame [rdi]): leaves for ring 3 with the registers of the SyscallFrame
; at `frame` (a forked child's copy of its parent's, on the child's kernel stack), as a system
; call returning there would. Interrupts are off.
return_from_syscall:
    mov rsp, rdi
    jmp syscall_exit

; iret_to_user(frame [rdi]): leaves for ring 3 with every register of the InterruptFrame at
; `frame` (interrupt_frame.rs), through iretq: how rt_sigreturn restores RCX and R11 too, which
; sysret cannot. Interrupts are off; the frame's CS is ring 3, so GS is swapped back.
iret_to_user:
    mov rsp, rdi
    POP_GENERAL_REGISTERS
    add rsp, 16                 ; vector and error code
    swapgs
    iretq

; enter_user_mode(rip [rdi], rsp [rsi], rflags [rdx], user_cs [rcx], user_ss [r8])
; Leaves for ring 3 with every general register cleared. Interrupts are off on entry; the
; RFLAGS image turns them on in user mode.
enter_user_mode:
    push r8                     ; SS
    push rsi                    ; RSP
    push rdx                    ; RFLAGS
    push rcx                    ; CS
    push rdi                    ; RIP
    xor eax, eax
    xor ebx, ebx
    xor ecx, ecx
    xor edx, edx
    xor esi, esi
    xor edi, edi
    xor ebp, ebp
    xor r8d, r8d
    xor r9d, r9d
    xor r10d, r10d
    xor r11d, r11d
    xor r12d, r12d
    xor r13d, r13d
    xor r14d, r14d
    xor r15d, r15d
    swapgs
    iretq
