//! An I/O APIC (82093AA datasheet §3.2): an index register and a data window, 24 or more
//! redirection entries that turn an input pin into a vector for a local APIC.

use core::sync::atomic::{AtomicU64, Ordering};

const IOREGSEL: u64 = 0x00;
const IOWIN: u64 = 0x10;
const REG_ID: u32 = 0x00;
const REG_VERSION: u32 = 0x01;
const REG_REDIRECTION: u32 = 0x10;

const POLARITY_LOW: u64 = 1 << 13;
const TRIGGER_LEVEL: u64 = 1 << 15;
const MASKED: u64 = 1 << 16;

/// How an input signals.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PinConfig {
    pub active_low: bool,
    pub level_triggered: bool,
}

/// One I/O APIC through its register window (mapped uncached by the caller).
#[derive(Debug)]
pub struct IoApic {
    mmio: AtomicU64,
}

impl IoApic {
    pub const fn unmapped() -> Self {
        IoApic {
            mmio: AtomicU64::new(0),
        }
    }

    /// # Safety
    /// `mmio` must be an uncached mapping of an I/O APIC's register window (at least 0x20
    /// bytes) that stays mapped, and nothing else may program that I/O APIC.
    pub unsafe fn attach(&self, mmio: u64) {
        self.mmio.store(mmio, Ordering::SeqCst);
    }

    pub fn is_attached(&self) -> bool {
        self.mmio.load(Ordering::Relaxed) != 0
    }

    fn read(&self, register: u32) -> u32 {
        let base = self.mmio.load(Ordering::Relaxed);
        if base == 0 {
            return 0;
        }
        // SAFETY: `attach` was given a mapping of the register window. Select then read is
        // one access pair; callers run with interrupts off, on the only CPU.
        unsafe {
            core::ptr::write_volatile((base + IOREGSEL) as *mut u32, register);
            core::ptr::read_volatile((base + IOWIN) as *const u32)
        }
    }

    fn write(&self, register: u32, value: u32) {
        let base = self.mmio.load(Ordering::Relaxed);
        if base == 0 {
            return;
        }
        // SAFETY: as in `read`.
        unsafe {
            core::ptr::write_volatile((base + IOREGSEL) as *mut u32, register);
            core::ptr::write_volatile((base + IOWIN) as *mut u32, value);
        }
    }

    pub fn id(&self) -> u8 {
        ((self.read(REG_ID) >> 24) & 0x0F) as u8
    }

    /// How many inputs (redirection entries) it has: the version register's bits 23:16 hold
    /// the highest entry's index.
    pub fn inputs(&self) -> u32 {
        ((self.read(REG_VERSION) >> 16) & 0xFF) + 1
    }

    fn entry(&self, pin: u32) -> u64 {
        let low = self.read(REG_REDIRECTION + 2 * pin);
        let high = self.read(REG_REDIRECTION + 2 * pin + 1);
        u64::from(high) << 32 | u64::from(low)
    }

    fn set_entry(&self, pin: u32, entry: u64) {
        // Mask first, so the pin never fires half-programmed; the low half (with the mask
        // bit) goes last.
        self.write(REG_REDIRECTION + 2 * pin, MASKED as u32);
        self.write(REG_REDIRECTION + 2 * pin + 1, (entry >> 32) as u32);
        self.write(REG_REDIRECTION + 2 * pin, entry as u32);
    }

    /// Masks every input.
    pub fn mask_all(&self) {
        for pin in 0..self.inputs() {
            self.set_entry(pin, MASKED);
        }
    }

    /// Routes `pin` to `vector` on the local APIC `apic_id` (fixed delivery, physical
    /// destination), masked until [`IoApic::set_masked`].
    pub fn route(&self, pin: u32, vector: u8, config: PinConfig, apic_id: u8) {
        let mut entry = u64::from(vector) | MASKED | u64::from(apic_id) << 56;
        if config.active_low {
            entry |= POLARITY_LOW;
        }
        if config.level_triggered {
            entry |= TRIGGER_LEVEL;
        }
        self.set_entry(pin, entry);
    }

    pub fn set_masked(&self, pin: u32, masked: bool) {
        let entry = self.entry(pin);
        let entry = if masked {
            entry | MASKED
        } else {
            entry & !MASKED
        };
        self.write(REG_REDIRECTION + 2 * pin, entry as u32);
    }
}
