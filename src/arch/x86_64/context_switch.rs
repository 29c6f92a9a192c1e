//! Switching kernel stacks between threads (asm/threads.asm `context_switch`), and the frame a
//! new thread's stack starts with so that its first switch lands in its entry function.

unsafe extern "C" {
    fn context_switch(save_rsp: *mut u64, next_rsp: u64);
    fn thread_trampoline();
}

/// What `context_switch` pops on a new thread's stack: r15, r14, r13, r12, rbx, rbp and the
/// return address. `thread_trampoline` calls r12 with r13 as its argument.
const INITIAL_FRAME_WORDS: usize = 7;

/// Prepares a fresh kernel stack (`top` 16-byte aligned, the words below it writable) so that
/// switching to the returned stack pointer calls `entry(arg)`.
///
/// # Safety
/// `[top - 56, top)` must be mapped, writable and owned by the new thread.
pub unsafe fn prepare_stack(top: u64, entry: extern "C" fn(u64) -> !, arg: u64) -> u64 {
    // After the pops and the `ret`, the trampoline runs with RSP = `top` (16-byte aligned);
    // its `call` pushes the return address, so the entry starts with RSP ≡ 8 (mod 16), as
    // the System V ABI requires after a call (§3.2.2). Rust places 16-byte aligned locals
    // (the FXSAVE image) by that rule.
    let rsp = top - 8 * INITIAL_FRAME_WORDS as u64;
    let frame = [
        0,                                     // r15
        0,                                     // r14
        arg,                                   // r13
        entry as *const () as u64,             // r12
        0,                                     // rbx
        0,                                     // rbp
        thread_trampoline as *const () as u64, // return address
    ];
    // SAFETY: per the caller, these words are the new thread's and mapped writable.
    unsafe { core::ptr::copy_nonoverlapping(frame.as_ptr(), rsp as *mut u64, frame.len()) };
    rsp
}

/// Saves the running thread's callee-saved registers and stack pointer in `*save_rsp` and
/// resumes the thread whose stack pointer is `next_rsp`. Returns when something switches back.
///
/// # Safety
/// Interrupts must be off; `next_rsp` must come from [`prepare_stack`] or an earlier save of a
/// thread that is not running, whose stack is still mapped; `save_rsp` must stay valid until
/// this thread is resumed.
pub unsafe fn switch(save_rsp: *mut u64, next_rsp: u64) {
    // SAFETY: forwarded from the caller.
    unsafe { context_switch(save_rsp, next_rsp) }
}
