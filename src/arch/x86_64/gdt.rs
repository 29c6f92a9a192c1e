//! The global descriptor table and the task state segment. Long mode ignores segment bases and
//! limits, but the CPU still needs a 64-bit code segment, a data segment for SS, and a TSS whose
//! interrupt stack table gives the double fault, NMI and machine check handlers stacks of their
//! own (Intel SDM vol. 3A §6.14.5): a double fault from a kernel stack overflow cannot run on
//! the stack that just overflowed.

use super::stacks::{self, Stack};
use super::vectors::{DOUBLE_FAULT, MACHINE_CHECK, NMI};
use core::cell::UnsafeCell;
use spin::Once;
use x86_64::VirtAddr;
use x86_64::instructions::segmentation::{CS, DS, ES, SS, Segment};
use x86_64::instructions::tables::load_tss;
use x86_64::structures::gdt::{Descriptor, GlobalDescriptorTable, SegmentSelector};
use x86_64::structures::tss::TaskStateSegment;

/// Interrupt-stack-table slots as IDT gates number them (1–7; 0 means "no switch").
pub const DOUBLE_FAULT_IST: u8 = 1;
pub const NMI_IST: u8 = 2;
pub const MACHINE_CHECK_IST: u8 = 3;

/// The IST slot the gate for `vector` uses: the three events that can strike on any stack, in
/// any state, get stacks of their own; everything else runs on the interrupted stack.
pub const fn ist_for_vector(vector: u8) -> u8 {
    match vector {
        DOUBLE_FAULT => DOUBLE_FAULT_IST,
        NMI => NMI_IST,
        MACHINE_CHECK => MACHINE_CHECK_IST,
        _ => 0,
    }
}

/// The stack behind each IST slot, for the TSS and for diagnostics.
pub fn ist_stack(slot: u8) -> Option<Stack> {
    match slot {
        DOUBLE_FAULT_IST => Some(stacks::double_fault_stack()),
        NMI_IST => Some(stacks::nmi_stack()),
        MACHINE_CHECK_IST => Some(stacks::machine_check_stack()),
        _ => None,
    }
}

/// The GDT's segments. The order is fixed by `syscall`/`sysret` (Intel SDM vol. 2B, SYSCALL
/// and SYSRET): `syscall` loads CS from STAR[47:32] and SS from the next descriptor;
/// 64-bit `sysret` loads SS from STAR[63:48] + 8 and CS from STAR[63:48] + 16. So kernel code
/// is followed by kernel data, and user data comes before user code.
#[derive(Debug, Clone, Copy)]
pub struct Selectors {
    pub kernel_code: SegmentSelector,
    pub kernel_data: SegmentSelector,
    pub user_data: SegmentSelector,
    pub user_code: SegmentSelector,
    pub tss: SegmentSelector,
}

/// A CPU's TSS, written after its GDT describes it: `rsp0`, the stack the CPU switches to on
/// an interrupt from ring 3, changes with every switch to another thread
/// (`percpu::set_kernel_stack`, through the pointer [`load`] records).
struct TssCell(UnsafeCell<TaskStateSegment>);

// SAFETY: each TSS belongs to one CPU, which writes `rsp0` with interrupts off only; the CPU
// reads it only on a ring change. Other CPUs never touch it.
unsafe impl Sync for TssCell {}

/// A CPU's descriptor tables: the boot CPU's are statics, each AP's are leaked boxes.
struct CpuTables {
    gdt: GlobalDescriptorTable,
    selectors: Selectors,
}

static BOOT_TSS: Once<TssCell> = Once::new();
static BOOT_TABLES: Once<CpuTables> = Once::new();

/// The selectors, once [`init`] has run: the same on every CPU, whose GDTs are built alike.
pub fn selectors() -> Selectors {
    BOOT_TABLES
        .get()
        .expect("arch::gdt::init has not run")
        .selectors
}

fn new_tss(ring0_stack: VirtAddr, ist: [VirtAddr; 3]) -> TssCell {
    let mut tss = TaskStateSegment::new();
    tss.privilege_stack_table[0] = ring0_stack;
    for (slot, top) in [DOUBLE_FAULT_IST, NMI_IST, MACHINE_CHECK_IST]
        .into_iter()
        .zip(ist)
    {
        // The CPU loads RSP from this entry on each such event; the tops are page-aligned,
        // so they also meet the 16-byte alignment the handlers expect.
        tss.interrupt_stack_table[usize::from(slot - 1)] = top;
    }
    TssCell(UnsafeCell::new(tss))
}

fn new_tables(tss: &'static TssCell) -> CpuTables {
    // SAFETY: the TSS lives for ever; the descriptor only records its address and size.
    let tss: &'static TaskStateSegment = unsafe { &*tss.0.get() };
    let mut gdt = GlobalDescriptorTable::new();
    let kernel_code = gdt.append(Descriptor::kernel_code_segment());
    let kernel_data = gdt.append(Descriptor::kernel_data_segment());
    let user_data = gdt.append(Descriptor::user_data_segment());
    let user_code = gdt.append(Descriptor::user_code_segment());
    let tss = gdt.append(Descriptor::tss_segment(tss));
    CpuTables {
        gdt,
        selectors: Selectors {
            kernel_code,
            kernel_data,
            user_data,
            user_code,
            tss,
        },
    }
}

/// Loads `tables`, reloads every segment register from them, loads the TSS and tells the
/// per-CPU block where it is.
fn load(tables: &'static CpuTables, tss: &'static TssCell) {
    tables.gdt.load();
    let selectors = tables.selectors;
    // SAFETY: the selectors index descriptors of the GDT just loaded, which lives for ever:
    // a 64-bit ring-0 code segment, a writable ring-0 data segment and an available TSS.
    unsafe {
        CS::set_reg(selectors.kernel_code);
        SS::set_reg(selectors.kernel_data);
        DS::set_reg(selectors.kernel_data);
        ES::set_reg(selectors.kernel_data);
        load_tss(selectors.tss);
    }
    super::percpu::set_tss(tss.0.get());
}

/// Loads the boot CPU's GDT and TSS. Runs once, on the boot CPU, after `percpu::init` and
/// before the IDT (whose gates name these selectors).
pub fn init() {
    let tss = BOOT_TSS.call_once(|| {
        // Until a thread runs in ring 3 its kernel stack top is not known; the boot stack is
        // a safe value.
        let ist = [DOUBLE_FAULT_IST, NMI_IST, MACHINE_CHECK_IST].map(|slot| {
            ist_stack(slot)
                .expect("every IST slot in use has a stack")
                .top
        });
        new_tss(stacks::all()[0].top, ist)
    });
    let tables = BOOT_TABLES.call_once(|| new_tables(tss));
    load(tables, tss);
}

/// Gives an application processor a GDT and TSS of its own, with its own kernel stack top and
/// IST stacks (`ist`: double fault, NMI, machine check), and loads them. Needs the heap.
pub fn init_ap(kernel_stack_top: VirtAddr, ist: [VirtAddr; 3]) {
    let tss: &'static TssCell =
        alloc::boxed::Box::leak(alloc::boxed::Box::new(new_tss(kernel_stack_top, ist)));
    let tables: &'static CpuTables =
        alloc::boxed::Box::leak(alloc::boxed::Box::new(new_tables(tss)));
    load(tables, tss);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_dangerous_vectors_switch_stacks() {
        assert_eq!(ist_for_vector(8), DOUBLE_FAULT_IST);
        assert_eq!(ist_for_vector(2), NMI_IST);
        assert_eq!(ist_for_vector(18), MACHINE_CHECK_IST);
        for vector in (0..=255).filter(|v| ![2, 8, 18].contains(v)) {
            assert_eq!(ist_for_vector(vector), 0, "vector {vector}");
        }
    }
}
