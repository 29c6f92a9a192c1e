//! The x87/SSE state of user programs. Compilers for Linux use SSE freely (musl's printf
//! clears XMM registers), so ring 3 needs CR4.OSFXSR, and every user thread needs its own
//! copy of the registers. The kernel itself is built soft-float (target x86_64-unknown-none)
//! and never touches them, so the state only has to move at a thread switch (eagerly, with
//! FXSAVE/FXRSTOR: 512 bytes, no #NM trap) and at fork and execve.
//! Intel SDM vol. 1 §10.5 (FXSAVE area), vol. 3A §13.1 (enabling SSE: CR0.EM, CR0.MP,
//! CR4.OSFXSR, CR4.OSXMMEXCPT). XSAVE (AVX state) is not enabled: CPUID then reports
//! OSXSAVE clear, and programs do not use AVX.

use core::arch::asm;
use x86_64::registers::control::{Cr0, Cr0Flags, Cr4, Cr4Flags};

/// x87 control word after FNINIT: every exception masked, 64-bit precision, round to nearest.
const FCW_DEFAULT: u16 = 0x037f;
/// MXCSR at reset: every SIMD exception masked, round to nearest.
const MXCSR_DEFAULT: u32 = 0x1f80;

/// One thread's FXSAVE image.
#[repr(C, align(16))]
#[derive(Clone)]
pub struct FpuState([u8; 512]);

impl Default for FpuState {
    /// The state a new program starts with (what Linux gives at execve).
    fn default() -> Self {
        let mut image = [0u8; 512];
        image[0..2].copy_from_slice(&FCW_DEFAULT.to_le_bytes());
        image[24..28].copy_from_slice(&MXCSR_DEFAULT.to_le_bytes());
        Self(image)
    }
}

impl FpuState {
    /// The registers as they are now.
    pub fn capture() -> Self {
        let mut state = Self([0; 512]);
        state.save();
        state
    }

    pub fn save(&mut self) {
        // SAFETY: the area is 512 bytes, 16-byte aligned (repr align) and ours to write;
        // `init` enabled FXSAVE (CR4.OSFXSR).
        unsafe { asm!("fxsave64 [{}]", in(reg) self.0.as_mut_ptr(), options(nostack)) };
    }

    /// The FXSAVE image as bytes (what a signal frame holds).
    pub fn as_bytes(&self) -> &[u8; 512] {
        &self.0
    }

    /// An image read back from a signal frame, made safe to load: MXCSR bits the CPU does not
    /// implement would make FXRSTOR raise #GP in the kernel, so they are cleared (Linux does
    /// the same); the rest is data FXRSTOR accepts as it comes.
    pub fn from_user_image(image: &[u8; 512]) -> Self {
        let mut state = Self(*image);
        let mxcsr = u32::from_le_bytes(image[24..28].try_into().expect("4 bytes"));
        state.0[24..28].copy_from_slice(&(mxcsr & mxcsr_mask()).to_le_bytes());
        state
    }

    pub fn restore(&self) {
        // SAFETY: the image came from FXSAVE or from `default`, whose MXCSR has no reserved
        // bit set (a reserved bit would raise #GP); aligned as above.
        unsafe { asm!("fxrstor64 [{}]", in(reg) self.0.as_ptr(), options(nostack, readonly)) };
    }
}

/// The MXCSR bits this CPU implements: FXSAVE's MXCSR_MASK field, or 0xFFBF where it reads 0
/// (SDM vol. 1 §11.6.6).
fn mxcsr_mask() -> u32 {
    let state = FpuState::capture();
    match u32::from_le_bytes(state.0[28..32].try_into().expect("4 bytes")) {
        0 => 0xffbf,
        mask => mask,
    }
}

/// Enables x87 and SSE for ring 3 and loads the default state.
pub fn init() {
    // SAFETY: EM clear and MP set make x87/SSE instructions run natively (TS clear: no #NM);
    // OSFXSR enables FXSAVE/FXRSTOR and SSE, OSXMMEXCPT reports SIMD exceptions as #XM.
    // Nothing in the kernel depends on these bits being otherwise.
    unsafe {
        Cr0::update(|flags| {
            flags.remove(Cr0Flags::EMULATE_COPROCESSOR | Cr0Flags::TASK_SWITCHED);
            flags.insert(Cr0Flags::MONITOR_COPROCESSOR);
        });
        Cr4::update(|flags| {
            flags.insert(Cr4Flags::OSFXSR | Cr4Flags::OSXMMEXCPT_ENABLE);
        });
    }
    FpuState::default().restore();
}
