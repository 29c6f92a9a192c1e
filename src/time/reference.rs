//! The reference clock that the TSC and the local APIC timer are calibrated against: the HPET's
//! main counter, else the ACPI PM timer, else PIT channel 2 (every PC has one).

use super::calibrate;
use crate::acpi::AddressSpace;
use crate::acpi::fadt::PM_TIMER_HZ;
use crate::arch::pat::CacheType;
use crate::arch::{hpet, pit, pit_counter, pm_timer};
use crate::memory::device::map_device;
use crate::platform::Platform;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reference {
    Hpet { period_fs: u64, mask: u64 },
    PmTimer { port: u16, mask: u64 },
    PitChannel2,
}

/// Reads of a reference that may pass without it moving before it counts as dead. The
/// slowest (the PIT at 1.19 MHz) moves every 838 ns; a port read takes far less than
/// that on hardware, and under emulation each read takes longer still.
const STALL_LIMIT: u32 = 1_000_000;

impl Reference {
    pub fn name(self) -> &'static str {
        match self {
            Self::Hpet { .. } => "HPET",
            Self::PmTimer { .. } => "ACPI PM timer",
            Self::PitChannel2 => "PIT channel 2",
        }
    }

    fn read(self) -> u64 {
        match self {
            Self::Hpet { .. } => hpet::counter(),
            Self::PmTimer { port, .. } => pm_timer::read(port).into(),
            // It counts down; the negation counts up.
            Self::PitChannel2 => u64::from(pit_counter::read().wrapping_neg()),
        }
    }

    fn mask(self) -> u64 {
        match self {
            Self::Hpet { mask, .. } | Self::PmTimer { mask, .. } => mask,
            Self::PitChannel2 => 0xFFFF,
        }
    }

    fn counts_to_ns(self, counts: u64) -> u64 {
        let counts = u128::from(counts);
        (match self {
            Self::Hpet { period_fs, .. } => counts * u128::from(period_fs) / 1_000_000,
            Self::PmTimer { .. } => counts * 1_000_000_000 / u128::from(PM_TIMER_HZ),
            Self::PitChannel2 => counts * 1_000_000_000 / u128::from(pit::INPUT_HZ),
        }) as u64
    }

    fn ns_to_counts(self, ns: u64) -> u64 {
        let ns = u128::from(ns);
        (match self {
            Self::Hpet { period_fs, .. } => ns * 1_000_000 / u128::from(period_fs),
            Self::PmTimer { .. } => ns * u128::from(PM_TIMER_HZ) / 1_000_000_000,
            Self::PitChannel2 => ns * u128::from(pit::INPUT_HZ) / 1_000_000_000,
        }) as u64
    }

    /// Polls for about `ns` nanoseconds of this reference, probing at both ends; returns the
    /// exact nanoseconds that passed and the probes, or `None` if the reference is dead.
    pub fn measure<T>(self, ns: u64, probe: impl FnMut() -> T) -> Option<(u64, T, T)> {
        let span = self.ns_to_counts(ns).max(1);
        let (counts, first, last) =
            calibrate::measure(|| self.read(), self.mask(), span, STALL_LIMIT, probe)?;
        Some((self.counts_to_ns(counts), first, last))
    }

    /// Nanoseconds this reference reads now (wrapping at its width): for tests that compare
    /// the TSC against it over short spans.
    pub fn now_counts(self) -> u64 {
        self.read() & self.mask()
    }

    pub fn elapsed_ns(self, earlier: u64, later: u64) -> u64 {
        self.counts_to_ns(later.wrapping_sub(earlier) & self.mask())
    }
}

/// Every usable reference, best first: the HPET (from its ACPI table), the PM timer (from the
/// FADT), PIT channel 2.
pub fn candidates(platform: Option<&Platform>) -> impl Iterator<Item = Reference> {
    let hpet = platform.and_then(|p| p.hpet).and_then(|table| {
        if table.base.space != AddressSpace::SystemMemory {
            return None;
        }
        let mmio = map_device(table.base.address, hpet::WINDOW_LEN, CacheType::Uncached).ok()?;
        // SAFETY: the window maps the HPET's register block uncached for good; the kernel has
        // no other HPET driver.
        let counter = unsafe { hpet::start(mmio.as_u64()) }?;
        let mask = if counter.bits == 64 {
            u64::MAX
        } else {
            u64::from(u32::MAX)
        };
        Some(Reference::Hpet {
            period_fs: counter.period_fs,
            mask,
        })
    });
    let pm_timer = platform
        .and_then(|p| p.fadt)
        .and_then(|fadt| fadt.pm_timer)
        .filter(|t| t.block.space == AddressSpace::SystemIo && t.block.address != 0)
        .and_then(|t| {
            Some(Reference::PmTimer {
                port: u16::try_from(t.block.address).ok()?,
                mask: if t.extended {
                    u64::from(u32::MAX)
                } else {
                    0xFF_FFFF
                },
            })
        });
    let pit = core::iter::once_with(|| {
        pit_counter::start();
        Reference::PitChannel2
    });
    hpet.into_iter().chain(pm_timer).chain(pit)
}
