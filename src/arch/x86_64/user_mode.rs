//! The first entry of a thread into ring 3, and the user's FS base (the TLS pointer that
//! `arch_prctl(ARCH_SET_FS)` sets).

use super::gdt;
use x86_64::VirtAddr;
use x86_64::registers::model_specific::FsBase;

unsafe extern "C" {
    fn enter_user_mode(rip: u64, rsp: u64, rflags: u64, cs: u64, ss: u64) -> !;
}

/// IF set (interrupts on in user mode) and the always-one bit 1.
const USER_RFLAGS: u64 = 0x202;

/// Leaves for ring 3 at `rip` with stack pointer `rsp` and every other register zero.
///
/// # Safety
/// Interrupts must be off; the current page tables must map `rip` and `rsp` as user pages,
/// and this thread's kernel stack must be the one [`super::percpu::set_kernel_stack`] named.
pub unsafe fn enter(rip: u64, rsp: u64) -> ! {
    let selectors = gdt::selectors();
    // SAFETY: forwarded from the caller; the selectors are ring-3 code and data.
    unsafe {
        enter_user_mode(
            rip,
            rsp,
            USER_RFLAGS,
            u64::from(selectors.user_code.0),
            u64::from(selectors.user_data.0),
        )
    }
}

pub fn set_fs_base(base: u64) {
    FsBase::write(VirtAddr::new_truncate(base));
}

pub fn fs_base() -> u64 {
    FsBase::read().as_u64()
}

/// Runs `f` with CR0.WP clear, so that kernel writes into read-only pages go through: how the
/// loader fills a program's read-only pages after mapping them. Interrupts stay off for the
/// duration, so no other code runs without write protection.
pub fn with_read_only_writable<R>(f: impl FnOnce() -> R) -> R {
    use x86_64::registers::control::{Cr0, Cr0Flags};
    super::interrupts::without_interrupts(|| {
        // SAFETY: only the loader's own writes run in between; WP comes back right after.
        unsafe { Cr0::update(|flags| flags.remove(Cr0Flags::WRITE_PROTECT)) };
        let result = f();
        // SAFETY: restores the protection memory::init turned on.
        unsafe { Cr0::update(|flags| flags.insert(Cr0Flags::WRITE_PROTECT)) };
        result
    })
}
