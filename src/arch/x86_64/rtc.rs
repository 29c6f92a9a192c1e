//! The CMOS real-time clock (MC146818 compatible; OSDev wiki "CMOS", "RTC"): index port
//! 0x70, data port 0x71. Read once, for the wall clock (`time::wall`); the kernel never sets
//! it or uses its interrupt.

use x86_64::instructions::port::Port;

/// The clock's registers as read: BCD or binary, 12- or 24-hour, as status register B says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RtcRegisters {
    pub seconds: u8,
    pub minutes: u8,
    pub hours: u8,
    pub day: u8,
    pub month: u8,
    pub year: u8,
    /// Register 0x32, where most PC firmware keeps the century (not standardised).
    pub century: u8,
    pub status_b: u8,
}

fn read_register(index: u8) -> u8 {
    // SAFETY: ports 0x70/0x71 are the CMOS index and data registers on every PC; bit 7 of the
    // index (NMI disable) stays clear, and reading a clock register has no side effect.
    unsafe {
        Port::<u8>::new(0x70).write(index);
        Port::<u8>::new(0x71).read()
    }
}

fn update_in_progress() -> bool {
    read_register(0x0A) & 0x80 != 0
}

fn snapshot() -> RtcRegisters {
    RtcRegisters {
        seconds: read_register(0x00),
        minutes: read_register(0x02),
        hours: read_register(0x04),
        day: read_register(0x07),
        month: read_register(0x08),
        year: read_register(0x09),
        century: read_register(0x32),
        status_b: read_register(0x0B),
    }
}

/// The clock's registers, read twice outside an update until both reads agree (bounded: a
/// clock that never settles gives its last reading).
pub fn read() -> RtcRegisters {
    let mut last = snapshot();
    for _ in 0..16 {
        let mut spins = 0;
        while update_in_progress() && spins < 100_000 {
            spins += 1;
            core::hint::spin_loop();
        }
        let next = snapshot();
        if next == last {
            return next;
        }
        last = next;
    }
    last
}
