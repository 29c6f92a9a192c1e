//! The kernel's random numbers: `/dev/random`, `/dev/urandom`, `getrandom(2)` and `AT_RANDOM`
//! all read [`fill`].
//!
//! One ChaCha20 fast-key-erasure generator ([`chacha20::Generator`]) produces every byte. Where
//! the CPU has RDRAND, every request first folds fresh RDRAND words into the key, so the output
//! is as good as the CPU's DRBG even if the boot seed was weak. Without RDRAND it is a seeded
//! CSPRNG: the seed (taken at the first request) is RDSEED or RDRAND words where present, the
//! jitter of TSC reads around memory accesses and the boot information (the trampoline's TSC,
//! the memory map's size, the command line). Linux's random.c seeds from similar sources.
//!
//! Known gap: without RDRAND the seed is guessable by someone who knows the boot timing to the
//! cycle (an emulator under `-icount` boots identically every run); nothing blocks for entropy.

pub mod chacha20;

use crate::arch::{rng, tsc};
use crate::sched::irq_mutex::IrqMutex;
use chacha20::Generator;
use spin::Once;

/// Where the generator's fresh material comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// RDRAND folded into the key on every request (RDSEED also seeded it, when present).
    Rdrand,
    /// No RDRAND: the generator runs on its boot seed (RDSEED, TSC jitter, boot information).
    SeededCsprng,
}

impl Source {
    pub fn name(self) -> &'static str {
        match self {
            Source::Rdrand => "RDRAND into ChaCha20",
            Source::SeededCsprng => "ChaCha20 seeded from TSC jitter and boot information",
        }
    }
}

struct Pool {
    generator: Generator,
    source: Source,
}

static POOL: Once<IrqMutex<Pool>> = Once::new();

/// TSC reads around memory accesses that miss the cache now and then: their low bits vary with
/// cache, TLB and interrupt timing.
fn tsc_jitter(out: &mut [u8; 64]) {
    let mut scratch = [0u64; 64];
    let mut previous = tsc::read();
    for (i, byte) in out.iter_mut().enumerate() {
        // Touch a varying stride so the timing depends on the cache state.
        let index = (previous as usize).wrapping_mul(31).wrapping_add(i) % scratch.len();
        scratch[index] = scratch[index].wrapping_add(previous);
        let now = tsc::read();
        *byte = (now.wrapping_sub(previous) as u8) ^ (now as u8).rotate_left(3);
        previous = now;
    }
    core::hint::black_box(&scratch);
}

fn seed_generator() -> Pool {
    let mut generator = Generator::new([0; chacha20::KEY_BYTES]);
    let has_rdrand = rng::has_rdrand();
    let mut words = [0u64; 8];
    if rng::has_rdseed() {
        for w in &mut words {
            *w = rng::rdseed64().unwrap_or(0);
        }
        absorb_words(&mut generator, &words);
    }
    if has_rdrand {
        for w in &mut words {
            *w = rng::rdrand64().unwrap_or(0);
        }
        absorb_words(&mut generator, &words);
    }
    let mut jitter = [0u8; 64];
    tsc_jitter(&mut jitter);
    generator.absorb(&jitter);
    generator.absorb(&tsc::read().to_le_bytes());
    if let Some(boot) = crate::boot::try_info() {
        generator.absorb(&boot.boot_tsc.to_le_bytes());
        generator.absorb(boot.command_line.as_bytes());
        generator.absorb(&boot.usable_memory().to_le_bytes());
    }
    let source = if has_rdrand {
        Source::Rdrand
    } else {
        Source::SeededCsprng
    };
    log::info!("random: {}", source.name());
    Pool { generator, source }
}

fn absorb_words(generator: &mut Generator, words: &[u64; 8]) {
    let mut bytes = [0u8; 64];
    for (chunk, w) in bytes.chunks_exact_mut(8).zip(words) {
        chunk.copy_from_slice(&w.to_le_bytes());
    }
    generator.absorb(&bytes);
}

fn pool() -> &'static IrqMutex<Pool> {
    POOL.call_once(|| IrqMutex::new(seed_generator()))
}

/// Fills `out` with random bytes. Never blocks (there is no entropy count to wait for).
pub fn fill(out: &mut [u8]) {
    let mut pool = pool().lock();
    if pool.source == Source::Rdrand {
        let mut words = [0u64; 4];
        for w in &mut words {
            // A drained RDRAND leaves the key as it was: still a sound generator.
            *w = rng::rdrand64().unwrap_or(0);
        }
        let mut bytes = [0u8; 32];
        for (chunk, w) in bytes.chunks_exact_mut(8).zip(&words) {
            chunk.copy_from_slice(&w.to_le_bytes());
        }
        pool.generator.absorb(&bytes);
    }
    pool.generator.fill(out);
}

/// Which source [`fill`] uses on this machine.
pub fn source() -> Source {
    pool().lock().source
}

/// A generator seeded only the way a CPU without RDRAND seeds it (TSC jitter and the TSC), for
/// tests of that path on CPUs that have RDRAND.
pub fn fallback_generator() -> Generator {
    let mut generator = Generator::new([0; chacha20::KEY_BYTES]);
    let mut jitter = [0u8; 64];
    tsc_jitter(&mut jitter);
    generator.absorb(&jitter);
    generator.absorb(&tsc::read().to_le_bytes());
    generator
}
