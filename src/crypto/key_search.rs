//! AES-256 for key search: one block encrypted under many different keys.
//!
//! A brute-force attacker rejects a wrong key by decrypting one counter block and
//! seeing that it cannot be the start of a message; only the rare survivor is checked
//! with the full AES-GCM open (see [`crate::attacks::brute_force`]). What that costs
//! per candidate is one AES-256 key expansion and one block encryption, so that is what
//! this module does:
//!
//! - [`Kernel`]: on x86-64, many keys at once, their key schedules and encryptions
//!   interleaved so that the AES units are never idle (one key's schedule is a chain of
//!   dependent instructions). Three widths, the widest the processor has chosen at run
//!   time: `vaes-512` (AVX-512 and VAES: 4 keys in each instruction, 32 keys a call),
//!   `vaes-256` (AVX2 and VAES: 2 keys in each, 8 a call) and `aes-ni` (1 key in each,
//!   8 a call).
//! - [`encrypt_block_portable`]: the `aes` crate, one key at a time, on any processor
//!   (it uses AES-NI itself where present, and a constant-time software AES elsewhere).
//!
//! The key schedule (FIPS 197 §5.2, Nk = 8) does not use `aeskeygenassist`, which is
//! microcoded and slow on Intel cores and has no 256- or 512-bit form. Its SubWord is
//! one `aesenclast` instead: broadcast the word to all four columns (a byte shuffle,
//! which can rotate it too), and ShiftRows, which only moves bytes between columns,
//! changes nothing; the round key given to `aesenclast` adds the round constant. The
//! recurrence `w[i] = w[i-1] ^ w[i-8]` over a whole round key is a running XOR, made by
//! two byte shifts. The tests check every kernel against the `aes` crate and FIPS 197.
//!
//! This is the one module of doormat with `unsafe` code: calls into functions compiled
//! for the AES and vector instructions, made only after the processor was seen to have
//! them, and unaligned loads and stores within arrays whose length the types fix.

use aes::cipher::{BlockEncrypt, KeyInit};

/// An AES-256 key.
pub type Key = [u8; 32];
/// One AES block.
pub type Block = [u8; 16];

/// The most keys any [`Kernel`] takes in one call.
pub const MAX_LANES: usize = 32;

/// `block` encrypted under `key` with AES-256, by the `aes` crate.
pub fn encrypt_block_portable(key: &Key, block: &Block) -> Block {
    let cipher = aes::Aes256Enc::new(key.into());
    let mut out = aes::Block::from(*block);
    cipher.encrypt_block(&mut out);
    out.into()
}

/// The search's first test of a candidate, on the message bytes it would give: `text`
/// is the first 16 (little-endian, zero past the message), `high_bits` has the top bit
/// of each byte that is the message's.
///
/// A quick necessary condition for them to begin a UTF-8 text, with no branches: no
/// continuation byte (10xxxxxx) starts the text or follows an ASCII byte, every leading
/// byte (11xxxxxx) is followed by a continuation byte where one is present, and no byte
/// is 0xF8 or above. Random bytes pass about once in 1,300 tries; the search then judges
/// the survivors with [`std::str::from_utf8`]. The kernels apply the same test in
/// vector registers ([`Kernel::encrypt_and_filter`]), so that almost no candidate
/// leaves them.
#[inline]
pub fn plausible_utf8_start(text: u128, high_bits: u128) -> bool {
    const HIGH: u128 = 0x8080_8080_8080_8080_8080_8080_8080_8080;
    let bit7 = text & HIGH;
    let bit6 = (text << 1) & HIGH;
    let continuation = bit7 & !bit6;
    let leading = bit7 & bit6;
    let orphan = continuation & !(bit7 << 8);
    let unfinished = (leading << 8) & !continuation & high_bits;
    let too_high = leading & (text << 2) & (text << 3) & (text << 4);
    (orphan | unfinished | too_high) == 0
}

/// What [`Kernel::encrypt_and_filter`] compares each encrypted block with: the first 16
/// ciphertext bytes (little-endian), a mask of those that exist, and the top bit of
/// each of them (see [`plausible_utf8_start`]).
#[derive(Debug, Clone, Copy)]
pub struct HeadFilter {
    /// The ciphertext's first 16 bytes, zero past its end.
    pub head: u128,
    /// 0xff for each byte of `head` that is the message's.
    pub mask: u128,
    /// 0x80 for each byte of `head` that is the message's.
    pub high_bits: u128,
}

impl HeadFilter {
    /// Whether `keystream` passes: [`plausible_utf8_start`] of the text it gives.
    #[inline]
    pub fn passes(&self, keystream: &Block) -> bool {
        let text = (u128::from_le_bytes(*keystream) ^ self.head) & self.mask;
        plausible_utf8_start(text, self.high_bits)
    }
}

/// Keys that are one template but for their last `secret_bytes` bytes, which hold
/// consecutive numbers, big-endian: the keys a brute-force search tries. The kernels
/// make them in their registers ([`Kernel::encrypt_run`]) instead of reading them.
#[derive(Clone)]
pub struct KeyRun {
    template: Key,
    secret_bytes: usize,
    /// The key's first half, the second half with the secret's bytes zero, and a byte
    /// shuffle that takes a little-endian 64-bit number to those bytes, big-endian:
    /// what the kernels start from, made once.
    parts: ([u8; 16], [u8; 16], [u8; 16]),
}

impl KeyRun {
    /// The run of `template` (whose last `secret_bytes` bytes are ignored) with 1 to 8
    /// varying bytes.
    ///
    /// # Panics
    /// If `secret_bytes` is not 1 to 8.
    pub fn new(template: Key, secret_bytes: usize) -> KeyRun {
        let n = secret_bytes;
        assert!((1..=8).contains(&n), "a run varies 1 to 8 bytes, not {n}");
        let even: [u8; 16] = template[..16].try_into().expect("16 bytes");
        let mut odd: [u8; 16] = template[16..].try_into().expect("16 bytes");
        odd[16 - n..].fill(0);
        let mut shuffle = [0x80u8; 16];
        for j in 0..n {
            shuffle[16 - n + j] = (n - 1 - j) as u8;
        }
        KeyRun {
            template,
            secret_bytes,
            parts: (even, odd, shuffle),
        }
    }

    /// How many of the key's last bytes vary.
    pub fn secret_bytes(&self) -> usize {
        self.secret_bytes
    }

    /// The key for secret `secret`: the template with `secret`'s low `secret_bytes`
    /// bytes, big-endian, at its end.
    pub fn key(&self, secret: u64) -> Key {
        let mut key = self.template;
        key[32 - self.secret_bytes..]
            .copy_from_slice(&secret.to_be_bytes()[8 - self.secret_bytes..]);
        key
    }
}

impl std::fmt::Debug for KeyRun {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The template is key material: not printed.
        f.debug_struct("KeyRun")
            .field("secret_bytes", &self.secret_bytes)
            .finish_non_exhaustive()
    }
}

impl Drop for KeyRun {
    fn drop(&mut self) {
        // The template holds a message key's salt and, in tests, whole keys.
        zeroize::Zeroize::zeroize(&mut self.template);
        zeroize::Zeroize::zeroize(&mut self.parts.0);
        zeroize::Zeroize::zeroize(&mut self.parts.1);
    }
}

/// Where a kernel call gets its keys.
#[derive(Clone, Copy)]
enum Keys<'a> {
    /// One key per lane, read from memory.
    Each(&'a [Key; MAX_LANES]),
    /// A run's keys for secrets `first`, `first + 1`, ..., made in registers: the
    /// run's parts ([`KeyRun`]) and the first secret.
    Run(&'a ([u8; 16], [u8; 16], [u8; 16]), u64),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Width {
    AesNi,
    Vaes256,
    Vaes512,
}

/// A many-keys AES-256 kernel this processor can run: only the constructors, which
/// check the processor first, make one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Kernel(Width);

impl Kernel {
    /// Every kernel's name, widest first.
    pub const NAMES: [&'static str; 3] = ["vaes-512", "vaes-256", "aes-ni"];

    /// The kernel called `name`, where this processor can run it.
    pub fn named(name: &str) -> Option<Kernel> {
        Kernel::available().into_iter().find(|k| k.name() == name)
    }

    /// The kernels this processor can run, widest (fastest) first.
    pub fn available() -> Vec<Kernel> {
        let mut kernels = Vec::new();
        #[cfg(target_arch = "x86_64")]
        {
            use std::arch::is_x86_feature_detected as has;
            let aes_ni = has!("aes") && has!("ssse3") && has!("sse4.1");
            if aes_ni && has!("vaes") && has!("avx512f") && has!("avx512bw") {
                kernels.push(Kernel(Width::Vaes512));
            }
            if aes_ni && has!("vaes") && has!("avx2") {
                kernels.push(Kernel(Width::Vaes256));
            }
            if aes_ni {
                kernels.push(Kernel(Width::AesNi));
            }
        }
        kernels
    }

    /// The widest kernel this processor can run, if any.
    pub fn best() -> Option<Kernel> {
        Kernel::available().into_iter().next()
    }

    /// Its name, as `--method` takes it.
    pub fn name(self) -> &'static str {
        match self.0 {
            Width::Vaes512 => "vaes-512",
            Width::Vaes256 => "vaes-256",
            Width::AesNi => "aes-ni",
        }
    }

    /// How many keys one call takes.
    pub fn lanes(self) -> usize {
        match self.0 {
            Width::Vaes512 => 32,
            Width::Vaes256 | Width::AesNi => 8,
        }
    }

    /// Keys in one AES instruction.
    pub fn keys_per_instruction(self) -> usize {
        match self.0 {
            Width::Vaes512 => 4,
            Width::Vaes256 => 2,
            Width::AesNi => 1,
        }
    }

    /// `block` encrypted with AES-256 under each of the first [`lanes`](Self::lanes)
    /// keys, into the first `lanes` blocks of `out`.
    pub fn encrypt_block(
        self,
        keys: &[Key; MAX_LANES],
        block: &Block,
        out: &mut [Block; MAX_LANES],
    ) {
        self.run::<false>(Keys::Each(keys), block, None, out);
    }

    /// [`encrypt_block`](Self::encrypt_block), and then `filter` on every block in the
    /// vector registers: bit `i` of the answer is set where lane `i`'s block passes
    /// ([`HeadFilter::passes`]).
    pub fn encrypt_and_filter(
        self,
        keys: &[Key; MAX_LANES],
        block: &Block,
        filter: &HeadFilter,
        out: &mut [Block; MAX_LANES],
    ) -> u32 {
        self.run::<true>(Keys::Each(keys), block, Some(filter), out)
    }

    /// `block` encrypted under the keys of `run` for secrets `first` to `first +
    /// lanes - 1`, made in the vector registers; with a `filter`, tested there too (the
    /// answer's bits as in [`encrypt_and_filter`](Self::encrypt_and_filter); without
    /// one, 0).
    pub fn encrypt_run(
        self,
        run: &KeyRun,
        first: u64,
        block: &Block,
        filter: Option<&HeadFilter>,
        out: &mut [Block; MAX_LANES],
    ) -> u32 {
        match filter {
            Some(_) => self.run::<true>(Keys::Run(&run.parts, first), block, filter, out),
            None => self.run::<false>(Keys::Run(&run.parts, first), block, None, out),
        }
    }

    fn run<const FILTER: bool>(
        self,
        keys: Keys<'_>,
        block: &Block,
        filter: Option<&HeadFilter>,
        out: &mut [Block; MAX_LANES],
    ) -> u32 {
        let filter = filter.copied().unwrap_or(HeadFilter {
            head: 0,
            mask: 0,
            high_bits: 0,
        });
        #[cfg(target_arch = "x86_64")]
        #[allow(unsafe_code)]
        // SAFETY: each function needs only the instructions its width was detected
        // with (a `Kernel` is made only by `available`), and reads and writes within
        // the arrays it is given, whose sizes are at least its lanes.
        unsafe {
            match self.0 {
                Width::Vaes512 => x86::encrypt_vaes512::<FILTER>(keys, block, &filter, out),
                Width::Vaes256 => x86::encrypt_vaes256::<FILTER>(keys, block, &filter, out),
                Width::AesNi => x86::encrypt_aes_ni::<FILTER>(keys, block, &filter, out),
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            // No `Kernel` can be made here; this keeps the signature on every target.
            let _ = (keys, block, filter, out);
            unreachable!("Kernel::available is empty off x86-64")
        }
    }
}

/// The round constants of rounds 2, 4, ..., 14 (FIPS 197 §5.2: `Rcon[i/Nk]`).
const RCON: [i32; 7] = [0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40];

/// Byte shuffles for the key schedule: the last word of a round key broadcast to every
/// column, rotated (RotWord, for the even round keys) or not (the odd ones).
const ROT_LAST_WORD: [i8; 16] = [
    13, 14, 15, 12, 13, 14, 15, 12, 13, 14, 15, 12, 13, 14, 15, 12,
];
const LAST_WORD: [i8; 16] = [
    12, 13, 14, 15, 12, 13, 14, 15, 12, 13, 14, 15, 12, 13, 14, 15,
];

#[cfg(target_arch = "x86_64")]
#[allow(unsafe_code)]
// Lane v of several arrays (round keys, states) advances together: an index reads best.
#[allow(clippy::needless_range_loop)]
mod x86 {
    use std::arch::x86_64::*;

    use super::{Block, HeadFilter, Keys, LAST_WORD, MAX_LANES, RCON, ROT_LAST_WORD};

    /// [`super::plausible_utf8_start`] on every 128-bit lane of `$t` (the text, already
    /// masked): the lanes where it fails are nonzero in the result.
    macro_rules! implausible {
        ($t:expr, $hb:expr, $high:expr,
         $and:ident, $andnot:ident, $or:ident, $sll:ident, $bslli:ident) => {{
            // Shifts by 1 to 4 bits only ever look at bit 7 of a byte afterwards, so
            // 64-bit shifts do; "the byte before" is a byte shift of the whole block.
            let t = $t;
            let bit7 = $and(t, $high);
            let bit6 = $and($sll::<1>(t), $high);
            let continuation = $andnot(bit6, bit7);
            let leading = $and(bit7, bit6);
            let orphan = $andnot($bslli::<1>(bit7), continuation);
            let unfinished = $and($andnot(continuation, $bslli::<1>(leading)), $hb);
            let too_high = $and(
                $and(leading, $sll::<2>(t)),
                $and($sll::<3>(t), $sll::<4>(t)),
            );
            $or($or(orphan, unfinished), too_high)
        }};
    }

    /// One schedule step for a vector of round keys, in any width: `$prev` is the round
    /// key two back, `$last` the one just made; returns the next.
    macro_rules! schedule_step {
        ($prev:expr, $last:expr, $shuffle:expr, $rcon:expr,
         $pshufb:ident, $aesenclast:ident, $xor:ident, $bslli:ident) => {{
            // SubWord (and RotWord) of the last word, in every column, plus rcon.
            let sub = $aesenclast($pshufb($last, $shuffle), $rcon);
            let prev = $prev;
            let prev = $xor(prev, $bslli::<4>(prev));
            let prev = $xor(prev, $bslli::<8>(prev));
            $xor(prev, sub)
        }};
    }

    /// Rounds 1 to 14 of every vector of keys in flight, each round key made just
    /// before it is used; the vectors' schedules and encryptions are independent of
    /// each other, so the AES units always have work. The same in every width.
    macro_rules! rounds {
        ($even:ident, $odd:ident, $state:ident, $v:ident, $rot:ident, $last_word:ident,
         $zero:ident, $set1:ident, $pshufb:ident, $aesenc:ident, $aesenclast:ident,
         $xor:ident, $bslli:ident) => {
            for (step, rcon) in RCON.iter().enumerate() {
                let rcon = $set1(*rcon);
                for v in 0..$v {
                    $even[v] = schedule_step!(
                        $even[v],
                        $odd[v],
                        $rot,
                        rcon,
                        $pshufb,
                        $aesenclast,
                        $xor,
                        $bslli
                    );
                    if step == RCON.len() - 1 {
                        $state[v] = $aesenclast($state[v], $even[v]);
                    } else {
                        $state[v] = $aesenc($state[v], $even[v]);
                        $odd[v] = schedule_step!(
                            $odd[v],
                            $even[v],
                            $last_word,
                            $zero,
                            $pshufb,
                            $aesenclast,
                            $xor,
                            $bslli
                        );
                        $state[v] = $aesenc($state[v], $odd[v]);
                    }
                }
            }
        };
    }

    /// The AES-NI kernel: 8 keys, one per instruction.
    #[target_feature(enable = "aes,ssse3,sse4.1")]
    pub(super) unsafe fn encrypt_aes_ni<const FILTER: bool>(
        keys: Keys<'_>,
        block: &Block,
        filter: &HeadFilter,
        out: &mut [Block; MAX_LANES],
    ) -> u32 {
        const V: usize = 8;
        let load = |bytes: &[u8]| _mm_loadu_si128(bytes.as_ptr().cast());
        let rot = load(&ROT_LAST_WORD.map(|b| b as u8));
        let last_word = load(&LAST_WORD.map(|b| b as u8));
        let zero = _mm_setzero_si128();
        let plain = load(block);
        let mut even = [zero; V];
        let mut odd = [zero; V];
        let mut state = [zero; V];
        match keys {
            Keys::Each(keys) => {
                for v in 0..V {
                    even[v] = load(&keys[v][..16]);
                    odd[v] = load(&keys[v][16..]);
                }
            }
            Keys::Run((first_half, template, shuffle), first) => {
                let (first_half, template, shuffle) =
                    (load(first_half), load(template), load(shuffle));
                for v in 0..V {
                    let secret = _mm_set_epi64x(0, first.wrapping_add(v as u64) as i64);
                    even[v] = first_half;
                    odd[v] = _mm_or_si128(template, _mm_shuffle_epi8(secret, shuffle));
                }
            }
        }
        for v in 0..V {
            state[v] = _mm_aesenc_si128(_mm_xor_si128(plain, even[v]), odd[v]);
        }
        rounds!(
            even,
            odd,
            state,
            V,
            rot,
            last_word,
            zero,
            _mm_set1_epi32,
            _mm_shuffle_epi8,
            _mm_aesenc_si128,
            _mm_aesenclast_si128,
            _mm_xor_si128,
            _mm_bslli_si128
        );
        let mut passed = 0;
        if FILTER {
            let load = |value: u128| _mm_loadu_si128(value.to_le_bytes().as_ptr().cast());
            let (head, mask, high_bits) =
                (load(filter.head), load(filter.mask), load(filter.high_bits));
            let high = _mm_set1_epi8(0x80_u8 as i8);
            for (v, block) in state.iter().enumerate() {
                let text = _mm_and_si128(_mm_xor_si128(*block, head), mask);
                let bad = implausible!(
                    text,
                    high_bits,
                    high,
                    _mm_and_si128,
                    _mm_andnot_si128,
                    _mm_or_si128,
                    _mm_slli_epi64,
                    _mm_bslli_si128
                );
                let ok = _mm_testz_si128(bad, bad) as u32;
                passed |= ok << v;
            }
        }
        for v in 0..V {
            _mm_storeu_si128(out[v].as_mut_ptr().cast(), state[v]);
        }
        passed
    }

    /// The 256-bit VAES kernel: 8 keys, two per instruction.
    #[target_feature(enable = "aes,ssse3,avx2,vaes")]
    pub(super) unsafe fn encrypt_vaes256<const FILTER: bool>(
        keys: Keys<'_>,
        block: &Block,
        filter: &HeadFilter,
        out: &mut [Block; MAX_LANES],
    ) -> u32 {
        const V: usize = 4;
        let load16 = |bytes: &[u8]| _mm_loadu_si128(bytes.as_ptr().cast());
        let rot = _mm256_broadcastsi128_si256(load16(&ROT_LAST_WORD.map(|b| b as u8)));
        let last_word = _mm256_broadcastsi128_si256(load16(&LAST_WORD.map(|b| b as u8)));
        let zero = _mm256_setzero_si256();
        let plain = _mm256_broadcastsi128_si256(load16(block));
        let mut even = [zero; V];
        let mut odd = [zero; V];
        let mut state = [zero; V];
        match keys {
            Keys::Each(keys) => {
                for v in 0..V {
                    // Keys 2v and 2v + 1, each [first half, second half]: regrouped.
                    let a = _mm256_loadu_si256(keys.as_ptr().add(2 * v).cast());
                    let b = _mm256_loadu_si256(keys.as_ptr().add(2 * v + 1).cast());
                    even[v] = _mm256_permute2x128_si256::<0x20>(a, b);
                    odd[v] = _mm256_permute2x128_si256::<0x31>(a, b);
                }
            }
            Keys::Run((first_half, template, shuffle), first) => {
                let (first_half, template, shuffle) = (
                    _mm256_broadcastsi128_si256(load16(first_half)),
                    _mm256_broadcastsi128_si256(load16(template)),
                    _mm256_broadcastsi128_si256(load16(shuffle)),
                );
                // Secrets first and first + 1, one in each 128-bit half.
                let base = _mm256_set_epi64x(0, first.wrapping_add(1) as i64, 0, first as i64);
                for v in 0..V {
                    let secret = _mm256_add_epi64(base, _mm256_set1_epi64x(2 * v as i64));
                    even[v] = first_half;
                    odd[v] = _mm256_or_si256(template, _mm256_shuffle_epi8(secret, shuffle));
                }
            }
        }
        for v in 0..V {
            state[v] = _mm256_aesenc_epi128(_mm256_xor_si256(plain, even[v]), odd[v]);
        }
        rounds!(
            even,
            odd,
            state,
            V,
            rot,
            last_word,
            zero,
            _mm256_set1_epi32,
            _mm256_shuffle_epi8,
            _mm256_aesenc_epi128,
            _mm256_aesenclast_epi128,
            _mm256_xor_si256,
            _mm256_bslli_epi128
        );
        let mut passed = 0;
        if FILTER {
            let load = |value: u128| {
                _mm256_broadcastsi128_si256(_mm_loadu_si128(value.to_le_bytes().as_ptr().cast()))
            };
            let (head, mask, high_bits) =
                (load(filter.head), load(filter.mask), load(filter.high_bits));
            let high = _mm256_set1_epi8(0x80_u8 as i8);
            for (v, block) in state.iter().enumerate() {
                let text = _mm256_and_si256(_mm256_xor_si256(*block, head), mask);
                let bad = implausible!(
                    text,
                    high_bits,
                    high,
                    _mm256_and_si256,
                    _mm256_andnot_si256,
                    _mm256_or_si256,
                    _mm256_slli_epi64,
                    _mm256_bslli_epi128
                );
                let zero = _mm256_cmpeq_epi64(bad, _mm256_setzero_si256());
                let ok = _mm256_movemask_pd(_mm256_castsi256_pd(zero)) as u32;
                // A block passes where both its 64-bit halves are clean.
                let ok = ok & (ok >> 1);
                passed |= ((ok & 1) | ((ok >> 1) & 2)) << (2 * v);
            }
        }
        for v in 0..V {
            // Blocks 2v and 2v + 1 are adjacent in `out`.
            _mm256_storeu_si256(out.as_mut_ptr().add(2 * v).cast(), state[v]);
        }
        passed
    }

    /// The 512-bit VAES kernel: 32 keys, four per instruction.
    #[target_feature(enable = "aes,ssse3,avx2,avx512f,avx512bw,vaes")]
    pub(super) unsafe fn encrypt_vaes512<const FILTER: bool>(
        keys: Keys<'_>,
        block: &Block,
        filter: &HeadFilter,
        out: &mut [Block; MAX_LANES],
    ) -> u32 {
        const V: usize = 8;
        let load16 = |bytes: &[u8]| _mm_loadu_si128(bytes.as_ptr().cast());
        let rot = _mm512_broadcast_i32x4(load16(&ROT_LAST_WORD.map(|b| b as u8)));
        let last_word = _mm512_broadcast_i32x4(load16(&LAST_WORD.map(|b| b as u8)));
        let zero = _mm512_setzero_si512();
        let plain = _mm512_broadcast_i32x4(load16(block));
        let mut even = [zero; V];
        let mut odd = [zero; V];
        let mut state = [zero; V];
        match keys {
            Keys::Each(keys) => {
                for v in 0..V {
                    // Keys 4v..4v + 4 are 128 contiguous bytes: [e0 o0 e1 o1] [e2 o2 e3
                    // o3], e the first half of a key and o the second.
                    let a = _mm512_loadu_si512(keys.as_ptr().add(4 * v).cast());
                    let b = _mm512_loadu_si512(keys.as_ptr().add(4 * v + 2).cast());
                    even[v] = _mm512_shuffle_i64x2::<0x88>(a, b);
                    odd[v] = _mm512_shuffle_i64x2::<0xdd>(a, b);
                }
            }
            Keys::Run((first_half, template, shuffle), first) => {
                let (first_half, template, shuffle) = (
                    _mm512_broadcast_i32x4(load16(first_half)),
                    _mm512_broadcast_i32x4(load16(template)),
                    _mm512_broadcast_i32x4(load16(shuffle)),
                );
                // Secrets first to first + 3, one in each 128-bit quarter.
                let base = _mm512_set_epi64(
                    0,
                    first.wrapping_add(3) as i64,
                    0,
                    first.wrapping_add(2) as i64,
                    0,
                    first.wrapping_add(1) as i64,
                    0,
                    first as i64,
                );
                for v in 0..V {
                    let secret = _mm512_add_epi64(base, _mm512_set1_epi64(4 * v as i64));
                    even[v] = first_half;
                    odd[v] = _mm512_or_si512(template, _mm512_shuffle_epi8(secret, shuffle));
                }
            }
        }
        for v in 0..V {
            state[v] = _mm512_aesenc_epi128(_mm512_xor_si512(plain, even[v]), odd[v]);
        }
        rounds!(
            even,
            odd,
            state,
            V,
            rot,
            last_word,
            zero,
            _mm512_set1_epi32,
            _mm512_shuffle_epi8,
            _mm512_aesenc_epi128,
            _mm512_aesenclast_epi128,
            _mm512_xor_si512,
            _mm512_bslli_epi128
        );
        let mut passed = 0;
        if FILTER {
            let load = |value: u128| {
                _mm512_broadcast_i32x4(_mm_loadu_si128(value.to_le_bytes().as_ptr().cast()))
            };
            let (head, mask, high_bits) =
                (load(filter.head), load(filter.mask), load(filter.high_bits));
            let high = _mm512_set1_epi8(0x80_u8 as i8);
            for (v, block) in state.iter().enumerate() {
                let text = _mm512_and_si512(_mm512_xor_si512(*block, head), mask);
                let bad = implausible!(
                    text,
                    high_bits,
                    high,
                    _mm512_and_si512,
                    _mm512_andnot_si512,
                    _mm512_or_si512,
                    _mm512_slli_epi64,
                    _mm512_bslli_epi128
                );
                let ok = u32::from(_mm512_testn_epi64_mask(bad, bad));
                // A block passes where both its 64-bit halves are clean.
                let ok = ok & (ok >> 1);
                let blocks = (ok & 1) | ((ok >> 1) & 2) | ((ok >> 2) & 4) | ((ok >> 3) & 8);
                passed |= blocks << (4 * v);
            }
        }
        for v in 0..V {
            // Blocks 4v..4v + 4 are adjacent in `out`.
            _mm512_storeu_si512(out.as_mut_ptr().add(4 * v).cast(), state[v]);
        }
        passed
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    /// FIPS 197 Appendix C.3: AES-256, key 00 01 .. 1f, plaintext 00 11 .. ff.
    const C3_CIPHERTEXT: Block = [
        0x8e, 0xa2, 0xb7, 0xca, 0x51, 0x67, 0x45, 0xbf, 0xea, 0xfc, 0x49, 0x90, 0x4b, 0x49, 0x60,
        0x89,
    ];

    #[test]
    fn portable_matches_fips_197_appendix_c3() {
        let key: Key = std::array::from_fn(|i| i as u8);
        let block: Block = std::array::from_fn(|i| (i as u8) * 0x11);
        assert_eq!(encrypt_block_portable(&key, &block), C3_CIPHERTEXT);
    }

    #[test]
    fn every_kernel_matches_fips_197_appendix_c3_in_every_lane() {
        let block: Block = std::array::from_fn(|i| (i as u8) * 0x11);
        let keys = [std::array::from_fn(|i| i as u8); MAX_LANES];
        for kernel in Kernel::available() {
            let mut out = [[0u8; 16]; MAX_LANES];
            kernel.encrypt_block(&keys, &block, &mut out);
            for (lane, got) in out[..kernel.lanes()].iter().enumerate() {
                assert_eq!(*got, C3_CIPHERTEXT, "{} lane {lane}", kernel.name());
            }
        }
    }

    #[test]
    fn every_kernel_matches_the_aes_crate_on_random_keys_and_blocks() {
        let kernels = Kernel::available();
        if kernels.is_empty() {
            eprintln!("no AES instructions on this processor: nothing to compare");
        }
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(197);
        for kernel in kernels {
            for _ in 0..2000 {
                let keys: [Key; MAX_LANES] = std::array::from_fn(|_| rng.gen());
                let block: Block = rng.gen();
                let mut out = [[0u8; 16]; MAX_LANES];
                kernel.encrypt_block(&keys, &block, &mut out);
                for (lane, (key, got)) in keys.iter().zip(out).take(kernel.lanes()).enumerate() {
                    assert_eq!(
                        got,
                        encrypt_block_portable(key, &block),
                        "{} lane {lane}",
                        kernel.name()
                    );
                }
            }
        }
    }

    #[test]
    fn every_kernel_agrees_on_a_sweep_of_search_keys() {
        // The keys a search tries: one salt, consecutive secrets in the last bytes.
        let salt: [u8; 27] = std::array::from_fn(|i| (i as u8).wrapping_mul(37));
        let block: Block = *b"counter block 02";
        for kernel in Kernel::available() {
            let mut keys = [[0u8; 32]; MAX_LANES];
            let mut out = [[0u8; 16]; MAX_LANES];
            for first in (0u64..1 << 14).step_by(kernel.lanes()) {
                for (lane, key) in keys.iter_mut().take(kernel.lanes()).enumerate() {
                    key[..27].copy_from_slice(&salt);
                    key[27..].copy_from_slice(&(first + lane as u64).to_be_bytes()[3..]);
                }
                kernel.encrypt_block(&keys, &block, &mut out);
                for lane in 0..kernel.lanes() {
                    assert_eq!(out[lane], encrypt_block_portable(&keys[lane], &block));
                }
            }
        }
    }

    #[test]
    fn every_kernels_filter_agrees_with_the_scalar_one() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(8);
        // Texts that pass and texts that fail each clause of the test: an orphan
        // continuation byte, a leading byte with no continuation, a byte of 0xF8 or
        // above, a character cut by the end of a short message.
        let texts: [[u8; 16]; 8] = [
            *b"plain ascii text",
            *b"\xc3\xa9tait une fois!",
            *b"\x80bcdefgh ijklmno",
            *b"ab\xc3cdefgh ijklmn",
            *b"abc\xf8defgh ijklmn",
            *b"abcdefgh ijklmn\xc3",
            *b"abcdefg\xc3\xa9 ijklmn",
            *b"abcdefg\xc3 ijklmno",
        ];
        for kernel in Kernel::available() {
            let (mut passes, mut fails) = (0, 0);
            for round in 0..700 {
                let len = 1 + round % 16;
                let mask = if len == 16 {
                    u128::MAX
                } else {
                    (1u128 << (8 * len)) - 1
                };
                let keys: [Key; MAX_LANES] = std::array::from_fn(|_| rng.gen());
                let block: Block = rng.gen();
                // One lane's keystream decrypts the head to a chosen text; the other
                // lanes' to random bytes.
                let chosen = round % kernel.lanes();
                let keystream = encrypt_block_portable(&keys[chosen], &block);
                let low = u128::from_le_bytes(keystream);
                let text = u128::from_le_bytes(texts[round % texts.len()]);
                let filter = HeadFilter {
                    head: (low ^ text) & mask,
                    mask,
                    high_bits: mask & 0x8080_8080_8080_8080_8080_8080_8080_8080,
                };
                let mut out = [[0u8; 16]; MAX_LANES];
                let passed = kernel.encrypt_and_filter(&keys, &block, &filter, &mut out);
                for (lane, key) in keys.iter().enumerate().take(kernel.lanes()) {
                    let keystream = encrypt_block_portable(key, &block);
                    assert_eq!(out[lane], keystream);
                    let expected = filter.passes(&keystream);
                    assert_eq!(
                        passed >> lane & 1 == 1,
                        expected,
                        "{} lane {lane}, round {round}",
                        kernel.name()
                    );
                    if expected {
                        passes += 1;
                    } else {
                        fails += 1;
                    }
                }
                assert_eq!(
                    u64::from(passed) >> kernel.lanes(),
                    0,
                    "no bits past the lanes"
                );
            }
            assert!(
                passes > 200 && fails > 300,
                "{passes} passed, {fails} failed"
            );
        }
        let all = 0x8080_8080_8080_8080_8080_8080_8080_8080;
        assert!(plausible_utf8_start(u128::from_le_bytes(texts[0]), all));
        // A leading byte, then a space across the middle of the block.
        assert!(!plausible_utf8_start(u128::from_le_bytes(texts[7]), all));
    }

    #[test]
    fn every_kernel_makes_a_runs_keys_as_write_secret_does() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(41);
        let block: Block = rng.gen();
        for secret_bytes in [1, 3, 5, 8] {
            let run = KeyRun::new(rng.gen(), secret_bytes);
            for kernel in Kernel::available() {
                // Around a carry out of the low bytes, and the wrap of a short run.
                for first in [0, 250, (1 << 40) - 3, u64::MAX - 5] {
                    let mut out = [[0u8; 16]; MAX_LANES];
                    assert_eq!(kernel.encrypt_run(&run, first, &block, None, &mut out), 0);
                    let mut keys = [[0u8; 32]; MAX_LANES];
                    for lane in 0..kernel.lanes() {
                        keys[lane] = run.key(first.wrapping_add(lane as u64));
                        assert_eq!(
                            out[lane],
                            encrypt_block_portable(&keys[lane], &block),
                            "{} lane {lane}, first {first}, {secret_bytes} bytes",
                            kernel.name()
                        );
                    }
                    let filter = HeadFilter {
                        head: rng.gen(),
                        mask: u128::MAX,
                        high_bits: 0x8080_8080_8080_8080_8080_8080_8080_8080,
                    };
                    let mut again = [[0u8; 16]; MAX_LANES];
                    assert_eq!(
                        kernel.encrypt_run(&run, first, &block, Some(&filter), &mut again),
                        kernel.encrypt_and_filter(&keys, &block, &filter, &mut out)
                    );
                    assert_eq!(again[..kernel.lanes()], out[..kernel.lanes()]);
                }
            }
        }
        // The run's key is what the search writes.
        let run = KeyRun::new([7; 32], 5);
        let key = run.key(0x01_0203_0405);
        assert_eq!(key[..27], [7; 27]);
        assert_eq!(key[27..], [1, 2, 3, 4, 5]);
    }

    #[test]
    fn kernels_are_named_and_sized_consistently() {
        for kernel in Kernel::available() {
            assert_eq!(Kernel::named(kernel.name()), Some(kernel));
            assert!(Kernel::NAMES.contains(&kernel.name()));
            assert!(kernel.lanes() <= MAX_LANES);
            assert_eq!(kernel.lanes() % kernel.keys_per_instruction(), 0);
        }
        assert_eq!(Kernel::named("no-such-kernel"), None);
    }
}
