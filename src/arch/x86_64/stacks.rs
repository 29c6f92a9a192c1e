//! The kernel's statically allocated stacks (asm/stacks.asm), each with a guard page below it.

use x86_64::VirtAddr;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stack {
    pub name: &'static str,
    /// The unmapped page directly below `bottom`.
    pub guard: VirtAddr,
    pub bottom: VirtAddr,
    /// One past the highest byte: the initial stack pointer.
    pub top: VirtAddr,
}

impl Stack {
    pub fn size(&self) -> u64 {
        self.top - self.bottom
    }

    /// Whether `addr` lies in this stack's guard page (an overflow of this stack).
    pub fn guard_contains(&self, addr: VirtAddr) -> bool {
        addr >= self.guard && addr < self.bottom
    }
}

macro_rules! stacks {
    ($($fn_name:ident => $guard:ident, $bottom:ident, $top:ident;)*) => {
        // Only the symbols' addresses are ever taken; nothing reads them as `u8`.
        unsafe extern "C" {
            $(static $guard: u8; static $bottom: u8; static $top: u8;)*
        }
        $(
            pub fn $fn_name() -> Stack {
                Stack {
                    name: stringify!($fn_name),
                    guard: VirtAddr::from_ptr(&raw const $guard),
                    bottom: VirtAddr::from_ptr(&raw const $bottom),
                    top: VirtAddr::from_ptr(&raw const $top),
                }
            }
        )*
        /// Every stack, for the page-table code that leaves their guard pages unmapped.
        pub fn all() -> [Stack; [$(stringify!($fn_name)),*].len()] {
            [$($fn_name()),*]
        }
    };
}

stacks! {
    kernel_stack => kernel_stack_guard, kernel_stack_bottom, kernel_stack_top;
    double_fault_stack => double_fault_stack_guard, double_fault_stack_bottom, double_fault_stack_top;
    nmi_stack => nmi_stack_guard, nmi_stack_bottom, nmi_stack_top;
    machine_check_stack => machine_check_stack_guard, machine_check_stack_bottom, machine_check_stack_top;
}
