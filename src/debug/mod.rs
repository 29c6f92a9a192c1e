//! Symbolized backtraces for panics and fatal exceptions (docs/backtraces.md).
//!
//! [`backtrace`] walks the frame-pointer chain and prints it; [`symbols`] looks return
//! addresses up in the symbol table that GRUB loads as the boot module named
//! [`SYMBOLS_MODULE`] (made by tools/mksyms.py from the kernel ELF, in grub/mkiso.sh).
//! [`load_symbols`] maps and validates it once memory is up; until then, and when it is
//! missing or bad, backtraces show raw addresses.

pub mod backtrace;
pub mod symbols;

use crate::arch::frame_pointer;
use crate::boot::info::BootModule;
use crate::console;
use crate::memory::{self, paging::PAGE_TABLES};
use backtrace::{Backtrace, FrameMemory};
use spin::Once;
use symbols::{KernelIdentity, SymbolTable};
use x86_64::VirtAddr;

/// The module string (the word after the file in grub.cfg's `module2` line) of the table.
pub const SYMBOLS_MODULE: &str = "symbols";

static SYMBOLS: Once<SymbolTable<'static>> = Once::new();

unsafe extern "C" {
    // Linker symbols and the entry every kernel binary defines (`entry_point!`): only their
    // addresses are taken, to check that a table was made from this very build.
    static __kernel_start: u8;
    static __kernel_end: u8;
    static kernel_entry: u8;
}

fn identity() -> KernelIdentity {
    KernelIdentity {
        start: &raw const __kernel_start as u64,
        end: &raw const __kernel_end as u64,
        entry: &raw const kernel_entry as u64,
    }
}

/// The symbol table, once [`load_symbols`] has accepted one.
pub fn symbols() -> Option<&'static SymbolTable<'static>> {
    SYMBOLS.get()
}

/// Finds the symbol module among `modules`, maps it and installs it if it is valid and made
/// for this kernel; logs what happened either way. Needs `memory::init` to have run.
pub fn load_symbols(modules: &[BootModule]) {
    let Some(module) = modules
        .iter()
        .find(|module| module.string.as_bytes() == SYMBOLS_MODULE.as_bytes())
    else {
        log::warn!("symbols: no '{SYMBOLS_MODULE}' boot module: backtraces show addresses only");
        return;
    };
    let bytes = match memory::map_boot_module(module.range) {
        Ok(bytes) => bytes,
        Err(err) => {
            log::warn!("symbols: cannot map the boot module: {err}");
            return;
        }
    };
    match install(bytes) {
        Ok(table) => log::info!(
            "symbols: {} functions ({} KiB) from boot module",
            table.len(),
            table.size_bytes().div_ceil(1024)
        ),
        Err(err) => log::warn!("symbols: table refused ({err}): backtraces show addresses only"),
    }
}

/// Validates `bytes` as this kernel's table and installs it.
pub fn install(
    bytes: &'static [u8],
) -> Result<&'static SymbolTable<'static>, symbols::SymbolTableError> {
    let table = SymbolTable::parse(bytes)?;
    table.check_identity(identity())?;
    Ok(SYMBOLS.call_once(|| table))
}

/// Frame records as the running kernel can read them: an aligned word on a present page of
/// the active page tables. When the page tables are locked (the report interrupted code that
/// edits them), only the kernel's own stacks, which are always mapped, count as readable.
struct KernelMemory;

impl FrameMemory for KernelMemory {
    fn read_word(&self, addr: u64) -> Option<u64> {
        if !addr.is_multiple_of(8) {
            return None;
        }
        let virt = VirtAddr::try_new(addr).ok()?;
        let mapped = match PAGE_TABLES.try_lock() {
            Some(tables) => tables.translate(virt).is_some(),
            None => crate::arch::percpu::stacks()
                .iter()
                .any(|stack| virt >= stack.bottom && virt < stack.top),
        };
        if !mapped {
            return None;
        }
        // SAFETY: the word is 8-aligned, so it lies in one page, which is mapped (present in the
        // active tables, or a kernel stack); kernel pages are all readable.
        Some(unsafe { core::ptr::read_volatile(addr as *const u64) })
    }
}

/// Prints a symbolized backtrace on every console through the emergency writer: from `rip`
/// (the faulting instruction, if any) and the frame chain at `rbp`.
pub fn print_backtrace(rip: Option<u64>, rbp: u64) {
    console::emergency_write(format_args!(
        "{}",
        Backtrace {
            rip,
            rbp,
            memory: &KernelMemory,
            symbols: symbols(),
        }
    ));
}

/// The emergency path's backtrace (a fault while reporting one): raw addresses, no symbols.
pub fn print_raw_backtrace(rip: Option<u64>, rbp: u64) {
    console::emergency_write(format_args!(
        "{}",
        Backtrace {
            rip,
            rbp,
            memory: &KernelMemory,
            symbols: None,
        }
    ));
}

/// Prints the backtrace of the code that calls this (for the panic handler).
#[inline(always)]
pub fn print_current_backtrace() {
    print_backtrace(None, frame_pointer::current());
}
