//! What an exception means, as pure logic: names, which vectors push error codes, decoding of
//! page-fault and selector error codes, recognising a stack overflow, and the report text.
//! The hardware side (src/arch/x86_64/dispatch.rs) only gathers the raw values.

use super::interrupt_frame::InterruptFrame;
use super::stacks::Stack;
use super::vectors::{
    DOUBLE_FAULT, EXCEPTION_COUNT, GENERAL_PROTECTION, INVALID_TSS, PAGE_FAULT,
    SEGMENT_NOT_PRESENT, STACK_SEGMENT_FAULT,
};
use bitflags::bitflags;
use core::fmt;
use x86_64::VirtAddr;

/// Name and mnemonic of each exception vector (Intel SDM vol. 3A table 6-1, AMD APM vol. 2
/// table 8-1).
const EXCEPTIONS: [(&str, &str); EXCEPTION_COUNT as usize] = [
    ("divide error", "#DE"),
    ("debug", "#DB"),
    ("non-maskable interrupt", "NMI"),
    ("breakpoint", "#BP"),
    ("overflow", "#OF"),
    ("BOUND range exceeded", "#BR"),
    ("invalid opcode", "#UD"),
    ("device not available", "#NM"),
    ("double fault", "#DF"),
    ("coprocessor segment overrun", "-"),
    ("invalid TSS", "#TS"),
    ("segment not present", "#NP"),
    ("stack-segment fault", "#SS"),
    ("general protection fault", "#GP"),
    ("page fault", "#PF"),
    ("reserved exception 15", "-"),
    ("x87 floating-point error", "#MF"),
    ("alignment check", "#AC"),
    ("machine check", "#MC"),
    ("SIMD floating-point exception", "#XM"),
    ("virtualization exception", "#VE"),
    ("control protection exception", "#CP"),
    ("reserved exception 22", "-"),
    ("reserved exception 23", "-"),
    ("reserved exception 24", "-"),
    ("reserved exception 25", "-"),
    ("reserved exception 26", "-"),
    ("reserved exception 27", "-"),
    ("hypervisor injection exception", "#HV"),
    ("VMM communication exception", "#VC"),
    ("security exception", "#SX"),
    ("reserved exception 31", "-"),
];

pub fn name(vector: u8) -> &'static str {
    EXCEPTIONS
        .get(usize::from(vector))
        .map_or("unexpected interrupt", |e| e.0)
}

pub fn mnemonic(vector: u8) -> &'static str {
    EXCEPTIONS.get(usize::from(vector)).map_or("-", |e| e.1)
}

/// Whether the CPU pushes an error code for this vector; asm/interrupts.asm has the same list.
pub fn has_error_code(vector: u8) -> bool {
    matches!(vector, 8 | 10..=14 | 17 | 21 | 29 | 30)
}

bitflags! {
    /// The page-fault error code (Intel SDM vol. 3A §4.7, figure 4-12).
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub struct PageFaultError: u64 {
        /// Set: a protection violation on a present page. Clear: the page was not present.
        const PRESENT = 1 << 0;
        const WRITE = 1 << 1;
        const USER = 1 << 2;
        const RESERVED_BIT = 1 << 3;
        const INSTRUCTION_FETCH = 1 << 4;
        const PROTECTION_KEY = 1 << 5;
        const SHADOW_STACK = 1 << 6;
        const SGX = 1 << 15;
    }
}

impl fmt::Display for PageFaultError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let cause = if self.contains(Self::PRESENT) {
            "protection violation"
        } else {
            "page not present"
        };
        let access = if self.contains(Self::INSTRUCTION_FETCH) {
            "instruction fetch"
        } else if self.contains(Self::WRITE) {
            "write"
        } else {
            "read"
        };
        let mode = if self.contains(Self::USER) {
            "user mode"
        } else {
            "kernel mode"
        };
        write!(f, "{cause}, {access}, {mode}")?;
        for (flag, text) in [
            (Self::RESERVED_BIT, "reserved bit set in a paging entry"),
            (Self::PROTECTION_KEY, "protection key"),
            (Self::SHADOW_STACK, "shadow stack"),
            (Self::SGX, "SGX"),
        ] {
            if self.contains(flag) {
                write!(f, ", {text}")?;
            }
        }
        Ok(())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DescriptorTable {
    Gdt,
    Idt,
    Ldt,
}

/// The selector error code of #TS, #NP, #SS and #GP (Intel SDM vol. 3A §6.13, figure 6-7).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SelectorError {
    /// The fault happened while delivering an event from outside the program.
    pub external: bool,
    pub table: DescriptorTable,
    pub index: u16,
}

impl SelectorError {
    /// `None` for 0, which these exceptions push when no selector is involved.
    pub fn decode(code: u64) -> Option<Self> {
        if code == 0 {
            return None;
        }
        let table = if code & 0b10 != 0 {
            DescriptorTable::Idt
        } else if code & 0b100 != 0 {
            DescriptorTable::Ldt
        } else {
            DescriptorTable::Gdt
        };
        Some(SelectorError {
            external: code & 1 != 0,
            table,
            index: ((code >> 3) & 0x1FFF) as u16,
        })
    }
}

impl fmt::Display for SelectorError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.table {
            DescriptorTable::Idt => write!(f, "IDT vector {}", self.index)?,
            DescriptorTable::Gdt => write!(f, "GDT entry {}", self.index)?,
            DescriptorTable::Ldt => write!(f, "LDT entry {}", self.index)?,
        }
        if self.external {
            write!(f, ", during an external event")?;
        }
        Ok(())
    }
}

/// Which stack's guard page a fault hit, if any. A push past the bottom of a stack faults with
/// CR2 in the guard page, and the CPU, unable to push the page-fault frame onto that same stack,
/// raises a double fault instead; either way RSP or CR2 points into the guard page.
pub fn overflowed_stack(stacks: &[Stack], vector: u8, cr2: u64, rsp: u64) -> Option<&'static str> {
    let cr2_counts = matches!(vector, PAGE_FAULT | DOUBLE_FAULT);
    stacks
        .iter()
        .find(|stack| {
            stack.guard_contains(VirtAddr::new_truncate(rsp))
                || (cr2_counts && stack.guard_contains(VirtAddr::new_truncate(cr2)))
        })
        .map(|stack| stack.name)
}

/// Everything known about one exception, decoded, for the fatal report and for test hooks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExceptionReport {
    /// What the stub and the CPU saved: registers, error code, RIP, CS, RFLAGS, RSP, SS.
    pub frame: InterruptFrame,
    /// `frame.vector`, which is below 256.
    pub vector: u8,
    /// The faulting linear address; meaningful for page faults (and double faults they caused).
    pub cr2: u64,
    /// The stack that ran into its guard page, when this fault is a stack overflow.
    pub overflowed_stack: Option<&'static str>,
}

impl ExceptionReport {
    pub fn new(frame: &InterruptFrame, cr2: u64, stacks: &[Stack]) -> Self {
        let vector = frame.vector as u8;
        ExceptionReport {
            frame: *frame,
            vector,
            cr2,
            overflowed_stack: overflowed_stack(stacks, vector, cr2, frame.rsp),
        }
    }

    pub fn name(&self) -> &'static str {
        name(self.vector)
    }

    pub fn page_fault_error(&self) -> Option<PageFaultError> {
        (self.vector == PAGE_FAULT).then(|| PageFaultError::from_bits_retain(self.frame.error_code))
    }

    pub fn selector_error(&self) -> Option<SelectorError> {
        match self.vector {
            INVALID_TSS | SEGMENT_NOT_PRESENT | STACK_SEGMENT_FAULT | GENERAL_PROTECTION => {
                SelectorError::decode(self.frame.error_code)
            }
            _ => None,
        }
    }

    fn shows_cr2(&self) -> bool {
        matches!(self.vector, PAGE_FAULT | DOUBLE_FAULT)
    }
}

/// The full report: what happened, where, and every register. Lines fit the 80-column screen.
impl fmt::Display for ExceptionReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(stack) = self.overflowed_stack {
            writeln!(f, "kernel stack overflow: {stack} ran into its guard page")?;
        }
        writeln!(
            f,
            "EXCEPTION: {} ({}, vector {})",
            self.name(),
            mnemonic(self.vector),
            self.vector
        )?;
        if has_error_code(self.vector) {
            write!(f, "  error code {:#x}", self.frame.error_code)?;
            if let Some(pf) = self.page_fault_error() {
                write!(f, ": {pf}")?;
            } else if let Some(selector) = self.selector_error() {
                write!(f, ": {selector}")?;
            }
            writeln!(f)?;
        }
        if self.shows_cr2() {
            writeln!(f, "  fault address (CR2) {:#018x}", self.cr2)?;
        }
        writeln!(
            f,
            "  RIP {:#018x}  RSP {:#018x}  RFLAGS {:#x}",
            self.frame.rip, self.frame.rsp, self.frame.rflags
        )?;
        writeln!(f, "  CS {:#x}  SS {:#x}", self.frame.cs, self.frame.ss)?;
        let r = &self.frame.regs;
        let regs = [
            ("RAX", r.rax),
            ("RBX", r.rbx),
            ("RCX", r.rcx),
            ("RDX", r.rdx),
            ("RSI", r.rsi),
            ("RDI", r.rdi),
            ("RBP", r.rbp),
            ("R8 ", r.r8),
            ("R9 ", r.r9),
            ("R10", r.r10),
            ("R11", r.r11),
            ("R12", r.r12),
            ("R13", r.r13),
            ("R14", r.r14),
            ("R15", r.r15),
        ];
        for line in regs.chunks(3) {
            write!(f, " ")?;
            for (name, value) in line {
                write!(f, " {name} {value:#018x}")?;
            }
            writeln!(f)?;
        }
        Ok(())
    }
}

/// The one-line report for a fault raised while an earlier one was being handled: it formats
/// as little as possible, in case formatting is what faulted.
pub struct NestedFaultReport {
    pub vector: u8,
    pub rip: u64,
}

impl fmt::Display for NestedFaultReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "\nkestrel: {} (vector {}) at RIP {:#x} while handling an earlier fault (system halted)\n",
            name(self.vector),
            self.vector,
            self.rip
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::arch::x86_64::interrupt_frame::GeneralRegisters;
    use crate::arch::x86_64::vectors::INVALID_OPCODE;
    extern crate std;
    use std::string::ToString;

    fn stack(name: &'static str, guard: u64) -> Stack {
        Stack {
            name,
            guard: VirtAddr::new(guard),
            bottom: VirtAddr::new(guard + 0x1000),
            top: VirtAddr::new(guard + 0x5000),
        }
    }

    fn frame(vector: u8, error_code: u64) -> InterruptFrame {
        InterruptFrame {
            vector: u64::from(vector),
            error_code,
            rip: 0xFFFF_FFFF_8010_1234,
            cs: 0x8,
            rflags: 0x10002,
            rsp: 0xFFFF_FFFF_8020_0000,
            ss: 0x10,
            regs: GeneralRegisters {
                rax: 0xAAAA,
                r15: 0xF15,
                ..Default::default()
            },
        }
    }

    #[test]
    fn every_exception_has_a_name() {
        for vector in 0..EXCEPTION_COUNT {
            assert!(!name(vector).is_empty());
        }
        assert_eq!(name(14), "page fault");
        assert_eq!(mnemonic(6), "#UD");
        assert_eq!(mnemonic(8), "#DF");
        assert_eq!(name(128), "unexpected interrupt");
    }

    #[test]
    fn error_code_vectors() {
        let with: std::vec::Vec<u8> = (0..32).filter(|&v| has_error_code(v)).collect();
        assert_eq!(with, [8, 10, 11, 12, 13, 14, 17, 21, 29, 30]);
    }

    #[test]
    fn page_fault_error_codes() {
        let read_not_present = PageFaultError::from_bits_retain(0);
        assert_eq!(
            read_not_present.to_string(),
            "page not present, read, kernel mode"
        );
        let user_write = PageFaultError::from_bits_retain(0b111);
        assert_eq!(
            user_write.to_string(),
            "protection violation, write, user mode"
        );
        let fetch = PageFaultError::from_bits_retain(0b1_0001);
        assert_eq!(
            fetch.to_string(),
            "protection violation, instruction fetch, kernel mode"
        );
        let reserved = PageFaultError::from_bits_retain(0b1001);
        assert!(
            reserved
                .to_string()
                .ends_with("reserved bit set in a paging entry")
        );
    }

    #[test]
    fn selector_error_codes() {
        assert_eq!(SelectorError::decode(0), None);
        // Vector 13 through the IDT: index 13, IDT bit.
        let idt = SelectorError::decode((13 << 3) | 0b10).unwrap();
        assert_eq!(idt.table, DescriptorTable::Idt);
        assert_eq!(idt.index, 13);
        assert!(!idt.external);
        assert_eq!(idt.to_string(), "IDT vector 13");
        let gdt = SelectorError::decode(0x18 | 1).unwrap();
        assert_eq!(
            (gdt.table, gdt.index, gdt.external),
            (DescriptorTable::Gdt, 3, true)
        );
        assert_eq!(gdt.to_string(), "GDT entry 3, during an external event");
        assert_eq!(
            SelectorError::decode(0x24).unwrap().table,
            DescriptorTable::Ldt
        );
    }

    #[test]
    fn stack_overflow_is_recognised_by_rsp_or_cr2() {
        let stacks = [stack("one", 0x10_0000), stack("two", 0x20_0000)];
        assert_eq!(
            overflowed_stack(&stacks, DOUBLE_FAULT, 0, 0x20_0ff8),
            Some("two")
        );
        assert_eq!(
            overflowed_stack(&stacks, DOUBLE_FAULT, 0x10_0ff8, 0x10_1000),
            Some("one")
        );
        // CR2 is stale for anything but page and double faults.
        assert_eq!(
            overflowed_stack(&stacks, GENERAL_PROTECTION, 0x10_0ff8, 0x10_3000),
            None
        );
        // The stack itself, just above its guard page, is fine.
        assert_eq!(
            overflowed_stack(&stacks, PAGE_FAULT, 0x10_1000, 0x10_1000),
            None
        );
    }

    #[test]
    fn page_fault_report_names_everything() {
        let report = ExceptionReport::new(&frame(PAGE_FAULT, 0b10), 0x4000_0000_0000, &[]);
        let text = report.to_string();
        assert!(text.starts_with("EXCEPTION: page fault (#PF, vector 14)\n"));
        assert!(text.contains("error code 0x2: page not present, write, kernel mode"));
        assert!(text.contains("fault address (CR2) 0x0000400000000000"));
        assert!(text.contains("RIP 0xffffffff80101234"));
        assert!(text.contains("RSP 0xffffffff80200000"));
        assert!(text.contains("RFLAGS 0x10002"));
        assert!(text.contains("RAX 0x000000000000aaaa"));
        assert!(text.contains("R15 0x0000000000000f15"));
        assert!(text.lines().all(|line| line.len() <= 80), "{text}");
    }

    #[test]
    fn reports_without_error_code_or_cr2() {
        let text = ExceptionReport::new(&frame(INVALID_OPCODE, 0), 0x1234, &[]).to_string();
        assert!(text.starts_with("EXCEPTION: invalid opcode (#UD, vector 6)\n"));
        assert!(!text.contains("error code"));
        assert!(!text.contains("CR2"));
        let gp = ExceptionReport::new(&frame(GENERAL_PROTECTION, 0x1A), 0, &[]).to_string();
        assert!(gp.contains("error code 0x1a: IDT vector 3"), "{gp}");
    }

    #[test]
    fn stack_overflow_report_says_so_first() {
        let stacks = [stack("kernel_stack", 0xFFFF_FFFF_801F_F000)];
        let mut f = frame(DOUBLE_FAULT, 0);
        f.rsp = 0xFFFF_FFFF_801F_FFF0;
        let report = ExceptionReport::new(&f, 0xFFFF_FFFF_801F_FFE8, &stacks);
        assert_eq!(report.overflowed_stack, Some("kernel_stack"));
        let text = report.to_string();
        assert!(
            text.starts_with(
                "kernel stack overflow: kernel_stack ran into its guard page\n\
                 EXCEPTION: double fault (#DF, vector 8)\n  error code 0x0\n"
            ),
            "{text}"
        );
    }

    #[test]
    fn nested_report_is_one_line() {
        let text = NestedFaultReport {
            vector: 13,
            rip: 0x1000,
        }
        .to_string();
        assert_eq!(text.trim().lines().count(), 1);
        assert!(text.contains("general protection fault (vector 13) at RIP 0x1000"));
    }
}
