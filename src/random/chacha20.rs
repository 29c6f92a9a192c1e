//! ChaCha20 (RFC 8439 §2.3) and a fast-key-erasure generator built on it.
//!
//! [`block`] is the block function: a 256-bit key, a 32-bit block counter and a 96-bit nonce give
//! 64 bytes of key stream. [`Generator`] turns it into a random-number generator the way
//! D. J. Bernstein's "fast-key-erasure" design does: each request runs the block function under
//! the current key, hands out all but the first 32 bytes and makes those the next key, so the
//! key that produced any output is gone once the output is (backtracking resistance).
//! [`Generator::absorb`] folds new seed material into the key through the block function.

/// "expand 32-byte k" as four little-endian words (RFC 8439 §2.3).
const CONSTANTS: [u32; 4] = [0x6170_7865, 0x3320_646e, 0x7962_2d32, 0x6b20_6574];

pub const KEY_BYTES: usize = 32;
pub const BLOCK_BYTES: usize = 64;

/// The quarter round on four words of the state (RFC 8439 §2.1, §2.2).
fn quarter_round(s: &mut [u32; 16], a: usize, b: usize, c: usize, d: usize) {
    s[a] = s[a].wrapping_add(s[b]);
    s[d] = (s[d] ^ s[a]).rotate_left(16);
    s[c] = s[c].wrapping_add(s[d]);
    s[b] = (s[b] ^ s[c]).rotate_left(12);
    s[a] = s[a].wrapping_add(s[b]);
    s[d] = (s[d] ^ s[a]).rotate_left(8);
    s[c] = s[c].wrapping_add(s[d]);
    s[b] = (s[b] ^ s[c]).rotate_left(7);
}

fn word(bytes: &[u8], i: usize) -> u32 {
    u32::from_le_bytes([
        bytes[4 * i],
        bytes[4 * i + 1],
        bytes[4 * i + 2],
        bytes[4 * i + 3],
    ])
}

/// The ChaCha20 block function: 64 bytes of key stream for `key`, `counter` and `nonce`.
pub fn block(key: &[u8; KEY_BYTES], counter: u32, nonce: &[u8; 12]) -> [u8; BLOCK_BYTES] {
    let mut initial = [0u32; 16];
    initial[..4].copy_from_slice(&CONSTANTS);
    for i in 0..8 {
        initial[4 + i] = word(key, i);
    }
    initial[12] = counter;
    for i in 0..3 {
        initial[13 + i] = word(nonce, i);
    }
    let mut state = initial;
    // 20 rounds: ten times a column round and a diagonal round.
    for _ in 0..10 {
        quarter_round(&mut state, 0, 4, 8, 12);
        quarter_round(&mut state, 1, 5, 9, 13);
        quarter_round(&mut state, 2, 6, 10, 14);
        quarter_round(&mut state, 3, 7, 11, 15);
        quarter_round(&mut state, 0, 5, 10, 15);
        quarter_round(&mut state, 1, 6, 11, 12);
        quarter_round(&mut state, 2, 7, 8, 13);
        quarter_round(&mut state, 3, 4, 9, 14);
    }
    let mut out = [0u8; BLOCK_BYTES];
    for i in 0..16 {
        let w = state[i].wrapping_add(initial[i]);
        out[4 * i..4 * i + 4].copy_from_slice(&w.to_le_bytes());
    }
    out
}

/// A fast-key-erasure generator over ChaCha20.
pub struct Generator {
    key: [u8; KEY_BYTES],
    /// Blocks produced since boot: the nonce, so that a key reused by accident (the same seed
    /// twice) still never repeats a stream.
    requests: u64,
}

impl Generator {
    /// A generator keyed with `seed` (absorb more before use when it is weak).
    pub const fn new(seed: [u8; KEY_BYTES]) -> Self {
        Generator {
            key: seed,
            requests: 0,
        }
    }

    fn nonce(&self) -> [u8; 12] {
        let mut nonce = [0u8; 12];
        nonce[4..].copy_from_slice(&self.requests.to_le_bytes());
        nonce
    }

    /// Folds `material` (any length) into the key: each 32-byte piece is XORed in and the key
    /// replaced by the block function's output under the result, so every input bit reaches
    /// every key bit and nothing of an earlier key can be recovered from the new one.
    pub fn absorb(&mut self, material: &[u8]) {
        for piece in material.chunks(KEY_BYTES) {
            for (k, m) in self.key.iter_mut().zip(piece) {
                *k ^= m;
            }
            self.rekey();
        }
    }

    fn rekey(&mut self) {
        let out = block(&self.key, 0, &self.nonce());
        self.requests = self.requests.wrapping_add(1);
        self.key.copy_from_slice(&out[..KEY_BYTES]);
    }

    /// Fills `out` with key stream, then replaces the key (fast key erasure).
    pub fn fill(&mut self, out: &mut [u8]) {
        let nonce = self.nonce();
        self.requests = self.requests.wrapping_add(1);
        // Block 0 gives the next key and 32 bytes of output; blocks 1.. give 64 bytes each.
        let first = block(&self.key, 0, &nonce);
        let mut next_key = [0u8; KEY_BYTES];
        next_key.copy_from_slice(&first[..KEY_BYTES]);
        let (head, rest) = out.split_at_mut(out.len().min(BLOCK_BYTES - KEY_BYTES));
        head.copy_from_slice(&first[KEY_BYTES..KEY_BYTES + head.len()]);
        for (i, chunk) in rest.chunks_mut(BLOCK_BYTES).enumerate() {
            // A request past 2^32 blocks (256 GiB) wraps the counter; callers ask for far
            // less (system calls move at most a few MiB per call).
            let stream = block(&self.key, (i as u32).wrapping_add(1), &nonce);
            chunk.copy_from_slice(&stream[..chunk.len()]);
        }
        self.key = next_key;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quarter_round_matches_rfc8439_2_1_1() {
        let mut s = [0u32; 16];
        s[0] = 0x1111_1111;
        s[1] = 0x0102_0304;
        s[2] = 0x9b8d_6f43;
        s[3] = 0x0123_4567;
        quarter_round(&mut s, 0, 1, 2, 3);
        assert_eq!(
            &s[..4],
            &[0xea2a_92f4, 0xcb1c_f8ce, 0x4581_472e, 0x5881_c4bb]
        );
    }

    #[test]
    fn block_matches_rfc8439_2_3_2() {
        let mut key = [0u8; 32];
        for (i, k) in key.iter_mut().enumerate() {
            *k = i as u8;
        }
        let nonce = [0, 0, 0, 0x09, 0, 0, 0, 0x4a, 0, 0, 0, 0];
        let expected: [u8; 64] = [
            0x10, 0xf1, 0xe7, 0xe4, 0xd1, 0x3b, 0x59, 0x15, 0x50, 0x0f, 0xdd, 0x1f, 0xa3, 0x20,
            0x71, 0xc4, 0xc7, 0xd1, 0xf4, 0xc7, 0x33, 0xc0, 0x68, 0x03, 0x04, 0x22, 0xaa, 0x9a,
            0xc3, 0xd4, 0x6c, 0x4e, 0xd2, 0x82, 0x64, 0x46, 0x07, 0x9f, 0xaa, 0x09, 0x14, 0xc2,
            0xd7, 0x05, 0xd9, 0x8b, 0x02, 0xa2, 0xb5, 0x12, 0x9c, 0xd1, 0xde, 0x16, 0x4e, 0xb9,
            0xcb, 0xd0, 0x83, 0xe8, 0xa2, 0x50, 0x3c, 0x4e,
        ];
        assert_eq!(block(&key, 1, &nonce), expected);
    }

    #[test]
    fn generator_never_repeats_and_erases_its_key() {
        let mut g = Generator::new([7; 32]);
        let key_before = g.key;
        let mut a = [0u8; 100];
        let mut b = [0u8; 100];
        g.fill(&mut a);
        assert_ne!(g.key, key_before, "the key is replaced after each request");
        g.fill(&mut b);
        assert_ne!(a, b);
        // The output is the stream under the old key, minus the part that became the key.
        let first = block(&key_before, 0, &[0; 12]);
        assert_eq!(&a[..32], &first[32..]);
        assert_eq!(&a[32..96], &block(&key_before, 1, &[0; 12])[..]);
        // Lengths that are not block multiples, and an empty request.
        for len in [0, 1, 31, 32, 33, 64, 65, 1000] {
            let mut out = std::vec![0u8; len];
            g.fill(&mut out);
            if len >= 32 {
                assert!(out.iter().any(|&x| x != 0));
            }
        }
    }

    #[test]
    fn absorbing_changes_the_stream() {
        let mut a = Generator::new([0; 32]);
        let mut b = Generator::new([0; 32]);
        b.absorb(&[1]);
        let (mut x, mut y) = ([0u8; 32], [0u8; 32]);
        a.fill(&mut x);
        b.fill(&mut y);
        assert_ne!(x, y);
        // The same seeds give the same stream (the generator is deterministic).
        let mut c = Generator::new([0; 32]);
        c.absorb(&[1]);
        let mut z = [0u8; 32];
        c.fill(&mut z);
        assert_eq!(y, z);
    }
}
