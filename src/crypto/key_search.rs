//! AES-256 for key search: one block encrypted under many different keys.
//!
//! A brute-force attacker rejects a wrong key by decrypting one counter block and
//! seeing that it cannot be the start of a message; only the rare survivor is checked
//! with the full AES-GCM open (see [`crate::attacks::brute_force`]). What that costs
//! per candidate is one AES-256 key expansion and one block encryption, so that is what
//! this module does, two ways:
//!
//! - [`AesNi`]: on x86-64 processors with AES-NI, [`LANES`] keys at once, their key
//!   schedules and encryptions interleaved so that the AES units are never idle (a
//!   single key's schedule is a chain of dependent instructions). The schedule is the
//!   one in Intel's "Advanced Encryption Standard (AES) New Instructions Set" white
//!   paper (Gueron, 2010, rev. 3.01, figure 26); the tests check every output against
//!   the `aes` crate.
//! - [`encrypt_block_portable`]: the `aes` crate, one key at a time, on any processor
//!   (it uses AES-NI itself where present, and a constant-time software AES elsewhere).
//!
//! This is the one module of doormat with `unsafe` code: a single call into functions
//! compiled for the AES instructions, made only after the processor was seen to have
//! them.

use aes::cipher::{BlockEncrypt, KeyInit};

/// An AES-256 key.
pub type Key = [u8; 32];
/// One AES block.
pub type Block = [u8; 16];

/// How many keys [`AesNi::encrypt_block`] takes at once: enough independent work to
/// hide the latency of the AES instructions, few enough that the key schedules stay in
/// registers (x86-64 has 16 vector registers; each lane holds three).
pub const LANES: usize = 8;

/// `block` encrypted under `key` with AES-256, by the `aes` crate.
pub fn encrypt_block_portable(key: &Key, block: &Block) -> Block {
    let cipher = aes::Aes256Enc::new(key.into());
    let mut out = aes::Block::from(*block);
    cipher.encrypt_block(&mut out);
    out.into()
}

/// Proof that this processor has AES-NI: only [`AesNi::detect`] makes one.
#[derive(Debug, Clone, Copy)]
pub struct AesNi(());

impl AesNi {
    /// `Some` where the processor has the AES instructions.
    pub fn detect() -> Option<AesNi> {
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("aes") {
                return Some(AesNi(()));
            }
        }
        None
    }

    /// `block` encrypted with AES-256 under each of `keys`.
    pub fn encrypt_block(self, keys: &[Key; LANES], block: &Block) -> [Block; LANES] {
        #[cfg(target_arch = "x86_64")]
        {
            #[allow(unsafe_code)]
            // SAFETY: `ni::encrypt_block` only needs the AES instructions (SSE2 is part
            // of x86-64), and an `AesNi` exists only where `detect` found them.
            unsafe {
                ni::encrypt_block(keys, block)
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            // No `AesNi` can be made here; this keeps the signature on every target.
            let _ = (keys, block);
            unreachable!("AesNi::detect never succeeds off x86-64")
        }
    }
}

#[cfg(target_arch = "x86_64")]
mod ni {
    use std::arch::x86_64::*;

    use super::{Block, Key, LANES};

    #[inline]
    #[target_feature(enable = "aes")]
    fn load(bytes: &[u8; 16]) -> __m128i {
        let (low, high) = bytes.split_at(8);
        let low = u64::from_le_bytes(low.try_into().expect("8 bytes"));
        let high = u64::from_le_bytes(high.try_into().expect("8 bytes"));
        _mm_set_epi64x(high as i64, low as i64)
    }

    #[inline]
    #[target_feature(enable = "aes")]
    fn store(value: __m128i) -> Block {
        let low = _mm_cvtsi128_si64(value) as u64;
        let high = _mm_cvtsi128_si64(_mm_unpackhi_epi64(value, value)) as u64;
        let mut out = [0u8; 16];
        out[..8].copy_from_slice(&low.to_le_bytes());
        out[8..].copy_from_slice(&high.to_le_bytes());
        out
    }

    /// Each 32-bit word of `word` XORed with all the words below it: the running XOR
    /// of the key schedule's recurrence w[i] = w[i-1] ^ w[i-8].
    #[inline]
    #[target_feature(enable = "aes")]
    fn prefix_xor(word: __m128i) -> __m128i {
        let mut acc = word;
        let mut shifted = _mm_slli_si128::<4>(word);
        acc = _mm_xor_si128(acc, shifted);
        shifted = _mm_slli_si128::<4>(shifted);
        acc = _mm_xor_si128(acc, shifted);
        shifted = _mm_slli_si128::<4>(shifted);
        _mm_xor_si128(acc, shifted)
    }

    /// The next even round key: SubWord(RotWord(last word)) ^ rcon, from `assist`
    /// (`aeskeygenassist` of the previous odd round key).
    #[inline]
    #[target_feature(enable = "aes")]
    fn next_even(even: __m128i, assist: __m128i) -> __m128i {
        _mm_xor_si128(prefix_xor(even), _mm_shuffle_epi32::<0xff>(assist))
    }

    /// The next odd round key: SubWord(last word of the new even key), no rotation.
    #[inline]
    #[target_feature(enable = "aes")]
    fn next_odd(odd: __m128i, even: __m128i) -> __m128i {
        let assist = _mm_aeskeygenassist_si128::<0>(even);
        _mm_xor_si128(prefix_xor(odd), _mm_shuffle_epi32::<0xaa>(assist))
    }

    #[target_feature(enable = "aes")]
    pub(super) fn encrypt_block(keys: &[Key; LANES], block: &Block) -> [Block; LANES] {
        let plain = load(block);
        let mut even = [_mm_setzero_si128(); LANES];
        let mut odd = [_mm_setzero_si128(); LANES];
        let mut state = [_mm_setzero_si128(); LANES];
        for lane in 0..LANES {
            let (low, high) = keys[lane].split_at(16);
            even[lane] = load(low.try_into().expect("16 bytes"));
            odd[lane] = load(high.try_into().expect("16 bytes"));
            state[lane] = _mm_aesenc_si128(_mm_xor_si128(plain, even[lane]), odd[lane]);
        }
        // Rounds 2 to 13, two at a time, each round key made just before it is used:
        // the lanes' schedules and encryptions are all independent of each other.
        macro_rules! two_rounds {
            ($rcon:literal) => {
                for lane in 0..LANES {
                    let assist = _mm_aeskeygenassist_si128::<$rcon>(odd[lane]);
                    even[lane] = next_even(even[lane], assist);
                    state[lane] = _mm_aesenc_si128(state[lane], even[lane]);
                    odd[lane] = next_odd(odd[lane], even[lane]);
                    state[lane] = _mm_aesenc_si128(state[lane], odd[lane]);
                }
            };
        }
        two_rounds!(0x01);
        two_rounds!(0x02);
        two_rounds!(0x04);
        two_rounds!(0x08);
        two_rounds!(0x10);
        two_rounds!(0x20);
        let mut out = [[0u8; 16]; LANES];
        for lane in 0..LANES {
            let assist = _mm_aeskeygenassist_si128::<0x40>(odd[lane]);
            let last = next_even(even[lane], assist);
            out[lane] = store(_mm_aesenclast_si128(state[lane], last));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    #[test]
    fn portable_matches_fips_197_appendix_c3() {
        let key: Key = std::array::from_fn(|i| i as u8);
        let block: Block = std::array::from_fn(|i| (i as u8) * 0x11);
        let expected = [
            0x8e, 0xa2, 0xb7, 0xca, 0x51, 0x67, 0x45, 0xbf, 0xea, 0xfc, 0x49, 0x90, 0x4b, 0x49,
            0x60, 0x89,
        ];
        assert_eq!(encrypt_block_portable(&key, &block), expected);
    }

    #[test]
    fn aes_ni_matches_the_aes_crate_on_random_keys_and_blocks() {
        let Some(ni) = AesNi::detect() else {
            eprintln!("no AES-NI on this processor: nothing to compare");
            return;
        };
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(197);
        for _ in 0..2000 {
            let keys: [Key; LANES] = std::array::from_fn(|_| rng.gen());
            let block: Block = rng.gen();
            let fast = ni.encrypt_block(&keys, &block);
            for (key, got) in keys.iter().zip(fast) {
                assert_eq!(got, encrypt_block_portable(key, &block));
            }
        }
    }
}
