//! Linux's x86_64 signal frame, byte for byte, so that unmodified programs (musl's and glibc's
//! `ucontext_t`, `siginfo_t`, their `sa_restorer`) find what they expect. Pure layout logic,
//! host-tested; [`super::user_context`] moves registers in and out of the trap frames.
//!
//! What a handler finds on its stack (Linux `arch/x86/include/asm/sigframe.h`,
//! `uapi/asm/sigcontext.h`, `uapi/asm-generic/ucontext.h`), lowest address first:
//!
//! | offset | size | field |
//! | --- | --- | --- |
//! | 0 | 8 | `pretcode`: the return address, `sa_restorer` (musl's calls `rt_sigreturn`) |
//! | 8 | 304 | `struct ucontext`: flags, link, `uc_stack`, `uc_mcontext` (a `sigcontext`), `uc_sigmask` |
//! | 312 | 128 | `siginfo_t` |
//!
//! and, above it, 64-byte aligned, the 512-byte FXSAVE image that `uc_mcontext.fpstate`
//! points at. The frame is placed below the interrupted stack pointer minus the 128-byte red
//! zone (or at the top of the alternate signal stack), so that at the handler's first
//! instruction `(rsp + 8) % 16 == 0`, as after a `call` (System V ABI §3.2.2).

use super::interrupt_frame::GeneralRegisters;

/// The whole frame below the FPU area: `pretcode`, `ucontext`, `siginfo`.
pub const FRAME_SIZE: u64 = 8 + UCONTEXT_SIZE as u64 + SIGINFO_SIZE as u64;
pub const UCONTEXT_OFFSET: u64 = 8;
pub const SIGINFO_OFFSET: u64 = 8 + UCONTEXT_SIZE as u64;
pub const UCONTEXT_SIZE: usize = 304;
pub const SIGINFO_SIZE: usize = 128;
/// The FXSAVE image (Intel SDM vol. 1 §10.5.1); XSAVE is not enabled, so no extended state.
pub const FPSTATE_SIZE: u64 = 512;
/// The System V red zone below the stack pointer, which leaf functions may use.
pub const RED_ZONE: u64 = 128;

// `struct ucontext`.
const UC_FLAGS: usize = 0;
const UC_STACK: usize = 16;
const UC_MCONTEXT: usize = 40;
const UC_SIGMASK: usize = 296;
/// `UC_SIGCONTEXT_SS | UC_STRICT_RESTORE_SS`: the saved SS is meaningful, as Linux says of a
/// 64-bit frame. `UC_FP_XSTATE` stays clear: the FPU area is a plain FXSAVE image.
const UC_FLAGS_VALUE: u64 = 0x2 | 0x4;

// `struct sigcontext` (the `uc_mcontext`), in quadwords from its start: musl's `REG_*`.
const SC_R8: usize = 0;
const SC_R9: usize = 1;
const SC_R10: usize = 2;
const SC_R11: usize = 3;
const SC_R12: usize = 4;
const SC_R13: usize = 5;
const SC_R14: usize = 6;
const SC_R15: usize = 7;
const SC_RDI: usize = 8;
const SC_RSI: usize = 9;
const SC_RBP: usize = 10;
const SC_RBX: usize = 11;
const SC_RDX: usize = 12;
const SC_RAX: usize = 13;
const SC_RCX: usize = 14;
const SC_RSP: usize = 15;
const SC_RIP: usize = 16;
const SC_EFLAGS: usize = 17;
/// cs, gs, fs and ss as four 16-bit words.
const SC_SEGMENTS: usize = 18;
const SC_ERR: usize = 19;
const SC_TRAPNO: usize = 20;
const SC_OLDMASK: usize = 21;
const SC_CR2: usize = 22;
const SC_FPSTATE: usize = 23;

/// The RFLAGS bits a signal return may change (Linux `FIX_EFLAGS`): AC, OF, DF, TF, SF, ZF,
/// AF, PF, CF and RF. IF, IOPL, NT and the rest keep the kernel's values.
pub const USER_CHANGEABLE_FLAGS: u64 =
    0x4_0000 | 0x800 | 0x400 | 0x100 | 0x80 | 0x40 | 0x10 | 0x4 | 0x1 | 0x1_0000;
const FLAG_TF: u64 = 0x100;
const FLAG_DF: u64 = 0x400;
const FLAG_RF: u64 = 0x1_0000;

/// A user thread's registers at a return to ring 3.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UserContext {
    pub regs: GeneralRegisters,
    pub rip: u64,
    pub rsp: u64,
    pub rflags: u64,
}

/// What the CPU said about the fault that raised the signal (zero for other signals).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FaultDetails {
    pub trapno: u64,
    pub error_code: u64,
    pub cr2: u64,
}

/// `stack_t`: the alternate signal stack as `uc_stack` and `sigaltstack(2)` show it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StackT {
    pub sp: u64,
    pub flags: i32,
    pub size: u64,
}

pub const STACK_T_SIZE: usize = 24;

impl StackT {
    pub fn to_bytes(self) -> [u8; STACK_T_SIZE] {
        let mut out = [0; STACK_T_SIZE];
        out[0..8].copy_from_slice(&self.sp.to_le_bytes());
        out[8..12].copy_from_slice(&self.flags.to_le_bytes());
        out[16..24].copy_from_slice(&self.size.to_le_bytes());
        out
    }

    pub fn from_bytes(bytes: &[u8; STACK_T_SIZE]) -> Self {
        StackT {
            sp: u64::from_le_bytes(bytes[0..8].try_into().expect("8 bytes")),
            flags: i32::from_le_bytes(bytes[8..12].try_into().expect("4 bytes")),
            size: u64::from_le_bytes(bytes[16..24].try_into().expect("8 bytes")),
        }
    }
}

/// Where a frame goes on the user stack.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Placement {
    /// The frame's lowest address: the handler's RSP, pointing at `pretcode`.
    pub frame: u64,
    /// The FXSAVE image, 64-byte aligned above the frame.
    pub fpstate: u64,
}

impl Placement {
    /// Below `top` (the interrupted RSP less the red zone, or the top of the alternate
    /// stack): the FPU area aligned down to 64, then the frame so that `(frame + 8) % 16 == 0`
    /// (Linux `get_sigframe`, `align_sigframe`). `None` when the stack cannot hold it.
    pub fn below(top: u64) -> Option<Placement> {
        let fpstate = top.checked_sub(FPSTATE_SIZE)? & !63;
        let frame = (fpstate.checked_sub(FRAME_SIZE)? & !15).checked_sub(8)?;
        Some(Placement { frame, fpstate })
    }

    pub fn siginfo(&self) -> u64 {
        self.frame + SIGINFO_OFFSET
    }

    pub fn ucontext(&self) -> u64 {
        self.frame + UCONTEXT_OFFSET
    }
}

/// Everything a frame records besides the registers.
#[derive(Debug, Clone, Copy)]
pub struct FrameContents<'a> {
    pub context: &'a UserContext,
    pub fault: FaultDetails,
    /// The mask to restore at `rt_sigreturn` (the one before the handler's additions).
    pub mask: u64,
    pub altstack: StackT,
    pub siginfo: &'a [u8; SIGINFO_SIZE],
    /// `sa_restorer`, where the handler's `ret` goes.
    pub restorer: u64,
    /// The user code and stack selectors, recorded in the segment word.
    pub cs: u16,
    pub ss: u16,
}

fn put(bytes: &mut [u8], offset: usize, value: u64) {
    bytes[offset..offset + 8].copy_from_slice(&value.to_le_bytes());
}

fn get(bytes: &[u8], offset: usize) -> u64 {
    u64::from_le_bytes(bytes[offset..offset + 8].try_into().expect("8 bytes"))
}

/// The frame's bytes (without the FPU area) for a frame at `placement`.
pub fn build(contents: &FrameContents<'_>, placement: Placement) -> [u8; FRAME_SIZE as usize] {
    let mut frame = [0u8; FRAME_SIZE as usize];
    put(&mut frame, 0, contents.restorer);
    let uc = &mut frame[UCONTEXT_OFFSET as usize..SIGINFO_OFFSET as usize];
    put(uc, UC_FLAGS, UC_FLAGS_VALUE);
    uc[UC_STACK..UC_STACK + STACK_T_SIZE].copy_from_slice(&contents.altstack.to_bytes());
    let c = contents.context;
    let r = &c.regs;
    let mc = &mut uc[UC_MCONTEXT..UC_SIGMASK];
    for (slot, value) in [
        (SC_R8, r.r8),
        (SC_R9, r.r9),
        (SC_R10, r.r10),
        (SC_R11, r.r11),
        (SC_R12, r.r12),
        (SC_R13, r.r13),
        (SC_R14, r.r14),
        (SC_R15, r.r15),
        (SC_RDI, r.rdi),
        (SC_RSI, r.rsi),
        (SC_RBP, r.rbp),
        (SC_RBX, r.rbx),
        (SC_RDX, r.rdx),
        (SC_RAX, r.rax),
        (SC_RCX, r.rcx),
        (SC_RSP, c.rsp),
        (SC_RIP, c.rip),
        (SC_EFLAGS, c.rflags),
        (
            SC_SEGMENTS,
            u64::from(contents.cs) | (u64::from(contents.ss) << 48),
        ),
        (SC_ERR, contents.fault.error_code),
        (SC_TRAPNO, contents.fault.trapno),
        (SC_OLDMASK, contents.mask),
        (SC_CR2, contents.fault.cr2),
        (SC_FPSTATE, placement.fpstate),
    ] {
        put(mc, slot * 8, value);
    }
    put(uc, UC_SIGMASK, contents.mask);
    frame[SIGINFO_OFFSET as usize..].copy_from_slice(contents.siginfo);
    frame
}

/// The registers a handler starts with: RIP at the handler, RSP at the frame, the signal
/// number, `&siginfo` and `&ucontext` as its three arguments, RAX 0, and DF, TF and RF clear
/// (the System V ABI wants DF clear at a call). The other registers keep their values.
pub fn handler_entry(
    context: &UserContext,
    handler: u64,
    signal: u32,
    placement: Placement,
) -> UserContext {
    let mut entry = *context;
    entry.rip = handler;
    entry.rsp = placement.frame;
    entry.regs.rdi = u64::from(signal);
    entry.regs.rsi = placement.siginfo();
    entry.regs.rdx = placement.ucontext();
    entry.regs.rax = 0;
    entry.rflags &= !(FLAG_DF | FLAG_TF | FLAG_RF);
    entry
}

/// What `rt_sigreturn` takes back from a `ucontext`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Restored {
    pub context: UserContext,
    pub mask: u64,
    /// The FXSAVE image's address (0: none, start from a clean FPU).
    pub fpstate: u64,
    pub altstack: StackT,
}

/// Reads back a `ucontext` (the 304 bytes at the RSP `rt_sigreturn` was called with). Only
/// the [`USER_CHANGEABLE_FLAGS`] come from the frame; the other RFLAGS bits stay those of
/// `current_rflags`, so a program cannot raise its IOPL or clear IF.
pub fn parse(ucontext: &[u8; UCONTEXT_SIZE], current_rflags: u64) -> Restored {
    let mc = &ucontext[UC_MCONTEXT..UC_SIGMASK];
    let q = |slot: usize| get(mc, slot * 8);
    let regs = GeneralRegisters {
        r15: q(SC_R15),
        r14: q(SC_R14),
        r13: q(SC_R13),
        r12: q(SC_R12),
        r11: q(SC_R11),
        r10: q(SC_R10),
        r9: q(SC_R9),
        r8: q(SC_R8),
        rbp: q(SC_RBP),
        rdi: q(SC_RDI),
        rsi: q(SC_RSI),
        rdx: q(SC_RDX),
        rcx: q(SC_RCX),
        rbx: q(SC_RBX),
        rax: q(SC_RAX),
    };
    let rflags = (current_rflags & !USER_CHANGEABLE_FLAGS) | (q(SC_EFLAGS) & USER_CHANGEABLE_FLAGS);
    let stack: &[u8; STACK_T_SIZE] = ucontext[UC_STACK..UC_STACK + STACK_T_SIZE]
        .try_into()
        .expect("24 bytes");
    Restored {
        context: UserContext {
            regs,
            rip: q(SC_RIP),
            rsp: q(SC_RSP),
            rflags,
        },
        mask: get(ucontext, UC_SIGMASK),
        fpstate: q(SC_FPSTATE),
        altstack: StackT::from_bytes(stack),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn context() -> UserContext {
        UserContext {
            regs: GeneralRegisters {
                r15: 15,
                r14: 14,
                r13: 13,
                r12: 12,
                r11: 11,
                r10: 10,
                r9: 9,
                r8: 8,
                rbp: 0xbb,
                rdi: 0xd1,
                rsi: 0x51,
                rdx: 0xd0,
                rcx: 0xc0,
                rbx: 0xb0,
                rax: 0xa0,
            },
            rip: 0x40_1234,
            rsp: 0x7fff_f000_0ff8,
            rflags: 0x202 | FLAG_DF | 0x1,
        }
    }

    #[test]
    fn the_sizes_are_linuxs() {
        assert_eq!(FRAME_SIZE, 440);
        assert_eq!(UCONTEXT_OFFSET, 8);
        assert_eq!(SIGINFO_OFFSET, 312);
        // uc_mcontext is a 256-byte sigcontext (32 quadwords).
        assert_eq!(UC_SIGMASK - UC_MCONTEXT, 256);
        assert_eq!(SC_FPSTATE, 23);
    }

    #[test]
    fn placement_keeps_the_abi_alignment() {
        for top in [
            0x7fff_0000_0000u64,
            0x7fff_0000_0001,
            0x7fff_0000_0fff,
            0x1000_0040 - 1,
        ] {
            let p = Placement::below(top).expect("room");
            assert_eq!((p.frame + 8) % 16, 0, "top {top:#x}");
            assert_eq!(p.fpstate % 64, 0);
            assert!(p.fpstate + FPSTATE_SIZE <= top);
            assert!(p.frame + FRAME_SIZE <= p.fpstate);
        }
        assert_eq!(Placement::below(100), None);
        assert_eq!(Placement::below(600), None);
    }

    #[test]
    fn a_frame_round_trips_through_sigreturn() {
        let ctx = context();
        let info = [0x5a; SIGINFO_SIZE];
        let altstack = StackT {
            sp: 0x5000,
            flags: 2,
            size: 0,
        };
        let placement = Placement::below(ctx.rsp - RED_ZONE).expect("room");
        let contents = FrameContents {
            context: &ctx,
            fault: FaultDetails {
                trapno: 14,
                error_code: 6,
                cr2: 0xdead,
            },
            mask: 0x8000_0000_0000_0001,
            altstack,
            siginfo: &info,
            restorer: 0x40_9999,
            cs: 0x23,
            ss: 0x1b,
        };
        let frame = build(&contents, placement);
        assert_eq!(get(&frame, 0), 0x40_9999, "pretcode is the restorer");
        let uc: &[u8; UCONTEXT_SIZE] = frame[8..312].try_into().unwrap();
        // musl's gregs: REG_RIP 16, REG_RSP 15, REG_ERR 19, REG_TRAPNO 20, REG_CR2 22.
        let mc = UC_MCONTEXT;
        assert_eq!(get(uc, mc + 16 * 8), ctx.rip);
        assert_eq!(get(uc, mc + 15 * 8), ctx.rsp);
        assert_eq!(get(uc, mc + 13 * 8), 0xa0);
        assert_eq!(get(uc, mc + 19 * 8), 6);
        assert_eq!(get(uc, mc + 20 * 8), 14);
        assert_eq!(get(uc, mc + 22 * 8), 0xdead);
        assert_eq!(get(uc, mc + 23 * 8), placement.fpstate);
        assert_eq!(&frame[312..], &info[..]);

        let restored = parse(uc, 0x202);
        assert_eq!(restored.context, ctx);
        assert_eq!(restored.mask, 0x8000_0000_0000_0001);
        assert_eq!(restored.fpstate, placement.fpstate);
        assert_eq!(restored.altstack, altstack);
    }

    #[test]
    fn sigreturn_cannot_raise_privileged_flags() {
        let mut uc = [0u8; UCONTEXT_SIZE];
        // IOPL 3, IF clear, NT, VM, and every arithmetic flag set.
        put(&mut uc, UC_MCONTEXT + SC_EFLAGS * 8, 0xffff_ffff);
        let restored = parse(&uc, 0x202);
        assert_eq!(restored.context.rflags & 0x3000, 0, "IOPL stays 0");
        assert_ne!(restored.context.rflags & 0x200, 0, "IF stays set");
        assert_eq!(restored.context.rflags & 0x4000, 0, "NT stays clear");
        assert_eq!(restored.context.rflags & 0x2_0000, 0, "VM stays clear");
        assert_ne!(restored.context.rflags & 0x1, 0, "CF comes from the frame");
    }

    #[test]
    fn the_handler_gets_its_arguments() {
        let ctx = context();
        let p = Placement::below(ctx.rsp - RED_ZONE).unwrap();
        let entry = handler_entry(&ctx, 0x40_5000, 10, p);
        assert_eq!(entry.rip, 0x40_5000);
        assert_eq!(entry.rsp, p.frame);
        assert_eq!(entry.regs.rdi, 10);
        assert_eq!(entry.regs.rsi, p.frame + 312);
        assert_eq!(entry.regs.rdx, p.frame + 8);
        assert_eq!(entry.rflags & FLAG_DF, 0);
        assert_eq!(entry.regs.rbx, ctx.regs.rbx);
    }
}
