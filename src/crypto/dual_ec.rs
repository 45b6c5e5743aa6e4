//! Dual_EC_DRBG over P-256 (NIST SP 800-90, 2006; withdrawn in SP 800-90A Rev. 1, 2015),
//! and the backdoor it was built around.
//!
//! The generator keeps a secret state `s`, an integer. Each output block is
//!
//! ```text
//! s = x(s·P)          the state moves on
//! r = x(s·Q)          the output: r without its top 16 bits, 30 bytes
//! ```
//!
//! and each call ends with one more `s = x(s·P)`. P is the curve's generator and Q a
//! second point the standard fixes. Nobody outside knows the discrete log between them,
//! except whoever chose Q: with `d` such that `d·Q = P`, an output `r = x(s·Q)` gives
//! the point `R = s·Q` (once its missing 16 bits are guessed), and `d·R = s·P`, whose `x`
//! is the next state. Thirty bytes of one output then predict every later one (Shumow and
//! Ferguson, 2007). The arithmetic comes from the `p256` crate; this module only
//! arranges it as the standard does.

use std::fmt;

use p256::elliptic_curve::ops::Reduce;
use p256::elliptic_curve::point::{AffineCoordinates, DecompressPoint};
use p256::elliptic_curve::sec1::{FromEncodedPoint, ToEncodedPoint};
use p256::elliptic_curve::{Field, PrimeField};
use p256::{AffinePoint, EncodedPoint, FieldBytes, ProjectivePoint, Scalar, U256};
use rand_core::RngCore;
use rayon::prelude::*;
use sha2::{Digest, Sha256};
use zeroize::{Zeroize, Zeroizing};

use super::random::RandomStream;

/// Bytes of output per block: P-256's 32-byte x-coordinate less its top 16 bits.
pub const OUTPUT_BLOCK: usize = 30;
/// Bits of each block's x-coordinate the output drops, and the attacker guesses.
pub const DROPPED_BITS: u32 = 16;
/// x-coordinates the attacker tries for one output block: every value of its top 16 bits.
pub const CANDIDATES: u64 = 1 << DROPPED_BITS;
/// Candidates searched together, in parallel, before the survivors are checked in order:
/// small enough to stop soon after the right one, large enough to keep every core busy.
const CHUNK: u64 = 2048;

/// Dual_EC's second point, Q: public, part of the "standard".
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct PointQ(AffinePoint);

impl fmt::Debug for PointQ {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PointQ({})", self.to_hex())
    }
}

impl PointQ {
    /// SEC1 uncompressed, as hex: `04 || x || y`, what Python's `cryptography` reads with
    /// `EllipticCurvePublicKey.from_encoded_point`.
    pub fn to_hex(&self) -> String {
        hex(self.0.to_encoded_point(false).as_bytes())
    }

    /// Parses [`PointQ::to_hex`]'s form (compressed points too); `None` unless it is a
    /// point of P-256 other than the point at infinity.
    pub fn from_hex(text: &str) -> Option<Self> {
        let bytes = unhex(text)?;
        let encoded = EncodedPoint::from_bytes(&bytes).ok()?;
        let point: Option<AffinePoint> = AffinePoint::from_encoded_point(&encoded).into();
        point.filter(|p| !bool::from(p.is_identity())).map(PointQ)
    }
}

/// The backdoor: `d` with `d·Q = P`. Whoever holds it reads the generator's future.
#[derive(Clone)]
pub struct Backdoor {
    d: Scalar,
}

impl Drop for Backdoor {
    fn drop(&mut self) {
        self.d.zeroize();
    }
}

// The `Drop` above wipes `d`.
impl zeroize::ZeroizeOnDrop for Backdoor {}

impl fmt::Debug for Backdoor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Backdoor([redacted])")
    }
}

impl Backdoor {
    /// A fresh backdoor: a random nonzero `d`, and the Q it makes, `Q = d⁻¹·P`, to be
    /// published as if it were a harmless constant.
    pub fn generate(rng: &mut RandomStream) -> (Backdoor, PointQ) {
        let d = Scalar::random(&mut *rng);
        let backdoor = Backdoor { d };
        let q = backdoor.point_q();
        (backdoor, q)
    }

    /// The Q this backdoor opens.
    pub fn point_q(&self) -> PointQ {
        // d is never zero: `Scalar::random` draws from [1, n) and `from_hex` refuses 0.
        let inverse = Option::<Scalar>::from(self.d.invert()).unwrap_or(Scalar::ZERO);
        PointQ((ProjectivePoint::GENERATOR * inverse).to_affine())
    }

    /// `d` as 64 hex digits, for the key file.
    pub fn to_hex(&self) -> Zeroizing<String> {
        Zeroizing::new(hex(&self.d.to_repr()))
    }

    /// Parses 64 hex digits; `None` unless they are a scalar in [1, n).
    pub fn from_hex(text: &str) -> Option<Backdoor> {
        let bytes = Zeroizing::new(unhex(text)?);
        let array: [u8; 32] = bytes.as_slice().try_into().ok()?;
        let d: Option<Scalar> = Scalar::from_repr(array.into()).into();
        d.filter(|d| !bool::from(d.is_zero()))
            .map(|d| Backdoor { d })
    }

    /// Whether this backdoor opens generators that use `q`.
    pub fn opens(&self, q: &PointQ) -> bool {
        self.point_q() == *q
    }
}

/// One device's Dual_EC_DRBG instance.
#[derive(Clone)]
pub struct DualEcDrbg {
    /// The secret state, an x-coordinate.
    s: Zeroizing<[u8; 32]>,
    q: PointQ,
}

// Its state is `Zeroizing`; Q is public.
impl zeroize::ZeroizeOnDrop for DualEcDrbg {}

impl fmt::Debug for DualEcDrbg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DualEcDrbg([redacted])")
    }
}

impl DualEcDrbg {
    /// Instantiates from `rng`: 32 bytes of entropy and a 16-byte nonce, through Hash_df
    /// as SP 800-90 §10.3.1.2 specifies (`s = Hash_df(entropy || nonce, 256)`).
    pub fn instantiate(rng: &mut RandomStream, q: PointQ) -> Self {
        let mut seed = Zeroizing::new([0u8; 48]);
        rng.fill_bytes(&mut seed[..]);
        DualEcDrbg {
            s: hash_df_256(&seed[..]),
            q,
        }
    }

    /// Fills `out` with one Generate call (no additional input): 30 bytes per block,
    /// then the state moves on once more.
    pub fn generate(&mut self, out: &mut [u8]) {
        for block in out.chunks_mut(OUTPUT_BLOCK) {
            let r = self.next_block();
            block.copy_from_slice(&r[2..2 + block.len()]);
        }
        *self.s = x_of(&generator_point(), &self.s);
    }

    /// `s = x(s·P)`, then `x(s·Q)` whole (32 bytes: the output is its last 30).
    fn next_block(&mut self) -> Zeroizing<[u8; 32]> {
        *self.s = x_of(&generator_point(), &self.s);
        Zeroizing::new(x_of(&self.q.0, &self.s))
    }

    /// The generator the backdoor's holder rebuilds: the state `s` of a device using
    /// `q`, as if this instance were it.
    fn from_state(s: [u8; 32], q: PointQ) -> Self {
        DualEcDrbg {
            s: Zeroizing::new(s),
            q,
        }
    }
}

/// What a state recovery found, and what it cost.
#[derive(Debug)]
pub struct Recovered {
    /// The device's generator, as it stood just after the call that produced the output.
    pub generator: DualEcDrbg,
    /// x-coordinates tried (of [`CANDIDATES`]), in whole chunks.
    pub candidates_tried: u64,
    /// States that passed the 16-bit check of the output's last two bytes but failed the
    /// full check: why a 16-bit check alone is not enough.
    pub false_states: u64,
    /// Candidates that were x-coordinates of points on the curve: each cost two scalar
    /// multiplications (`d·R`, then the next block's `x(s·Q)`).
    pub points_on_curve: u64,
}

/// Recovers the state of a generator using `q` from one 32-byte output of one Generate
/// call: 30 bytes of block 1, and the first 2 of block 2.
///
/// For each of the 2^16 values of block 1's dropped bits, the x-coordinate, if it is on
/// the curve, gives `R = s·Q` up to sign; `x(d·R)` is then the state of block 2, whose
/// output must begin with the 2 bytes seen. Those 16 bits let through about one false
/// state per search besides the true one, so each survivor is handed to `confirm`, which
/// checks it in full against what the generator produced next (a content key that must
/// open its message). `None` when no candidate survives: `d` does not match `q`.
pub fn recover_state(
    backdoor: &Backdoor,
    q: PointQ,
    output: &[u8; 32],
    confirm: impl Fn(&mut DualEcDrbg) -> bool + Sync,
) -> Option<Recovered> {
    let (seen, check) = output.split_at(OUTPUT_BLOCK);
    let by_d = Multiplier::new(&backdoor.d);
    let mut false_states = 0;
    let on_curve = std::sync::atomic::AtomicU64::new(0);
    let mut start = 0;
    while start < CANDIDATES {
        let end = (start + CHUNK).min(CANDIDATES);
        let survivors: Vec<[u8; 32]> = (start..end)
            .into_par_iter()
            .filter_map(|top| {
                let mut x = [0u8; 32];
                x[..2].copy_from_slice(&(top as u16).to_be_bytes());
                x[2..].copy_from_slice(seen);
                // Either sign of y: d·(−R) = −(d·R) has the same x.
                let r: Option<AffinePoint> =
                    AffinePoint::decompress(&FieldBytes::from(x), 0.into()).into();
                let r = r?;
                on_curve.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let state = by_d.x_times(&r);
                let next = x_of(&q.0, &state);
                (next[2..4] == *check).then_some(state)
            })
            .collect();
        for state in survivors {
            // The call ends with one more step of the state: where the device now stands.
            let after = x_of(&generator_point(), &state);
            let mut generator = DualEcDrbg::from_state(after, q);
            if confirm(&mut generator) {
                return Some(Recovered {
                    generator: DualEcDrbg::from_state(after, q),
                    candidates_tried: end,
                    false_states,
                    points_on_curve: on_curve.into_inner(),
                });
            }
            false_states += 1;
        }
        start = end;
    }
    None
}

/// The two scalar multiplications the search makes for each point on the curve, made
/// as it makes them, `steps` times: `x(d·R)` with `d`'s key set up once, then `x(s·Q)`
/// with a fresh `s` each time. What `doormat bench` times for the search's bound.
pub fn search_steps(backdoor: &Backdoor, q: &PointQ, steps: u64) -> u64 {
    let by_d = Multiplier::new(&backdoor.d);
    let mut state = [7u8; 32];
    let mut sink = 0u64;
    for i in 0..steps {
        state[..8].copy_from_slice(&i.to_be_bytes());
        let next = by_d.x_times(&q.0);
        sink = sink.wrapping_add(u64::from(next[0]));
        sink = sink.wrapping_add(u64::from(x_of(&q.0, &state)[0]));
    }
    sink
}

/// The decompression the search makes for every candidate, made as it makes it,
/// `steps` times from `first`: the candidate x-coordinates `top ‖ seen` for 30 fixed
/// bytes `seen`, each lifted to a point if it is on the curve. Returns how many were.
/// What `doormat bench` times for the part of the search's bound that every candidate
/// costs, on the curve or not.
pub fn decompress_steps(first: u64, steps: u64) -> u64 {
    let seen = [0x5a; OUTPUT_BLOCK];
    let mut on_curve = 0;
    for top in first..first + steps {
        let mut x = [0u8; 32];
        x[..2].copy_from_slice(&(top as u16).to_be_bytes());
        x[2..].copy_from_slice(&seen);
        let r: Option<AffinePoint> = AffinePoint::decompress(&FieldBytes::from(x), 0.into()).into();
        on_curve += u64::from(std::hint::black_box(r).is_some());
    }
    on_curve
}

/// `x(k·point)` with k an x-coordinate read as an integer: reduced mod n, which leaves
/// the point unchanged since n·point is the point at infinity.
fn x_of(point: &AffinePoint, k: &[u8; 32]) -> [u8; 32] {
    let mut scalar = <Scalar as Reduce<U256>>::reduce_bytes(&FieldBytes::from(*k));
    let x = Multiplier::new(&scalar).x_times(point);
    scalar.zeroize();
    x
}

/// Multiplies points by one scalar. With the default `aws-lc-rs` feature the work is
/// AWS-LC's P-256 ECDH, whose shared secret is exactly `x(k·point)` and which runs about
/// three times faster here than the `p256` crate; without it, `p256`. The two are
/// checked against each other in the tests.
struct Multiplier {
    scalar: Scalar,
    #[cfg(feature = "aws-lc-rs")]
    key: Option<aws_lc_rs::agreement::PrivateKey>,
}

impl Drop for Multiplier {
    fn drop(&mut self) {
        self.scalar.zeroize();
    }
}

impl Multiplier {
    fn new(scalar: &Scalar) -> Self {
        Multiplier {
            scalar: *scalar,
            // A zero scalar has no ECDH key; it falls back to p256 (and the point at
            // infinity).
            #[cfg(feature = "aws-lc-rs")]
            key: aws_lc_rs::agreement::PrivateKey::from_private_key(
                &aws_lc_rs::agreement::ECDH_P256,
                &scalar.to_repr(),
            )
            .ok(),
        }
    }

    /// `x(k·point)`. The point at infinity has no x; its encoding gives zeros. It comes
    /// up with probability about 1/n.
    fn x_times(&self, point: &AffinePoint) -> [u8; 32] {
        #[cfg(feature = "aws-lc-rs")]
        if let Some(key) = &self.key {
            use aws_lc_rs::agreement::{agree, UnparsedPublicKey, ECDH_P256};
            let encoded = point.to_encoded_point(false);
            let peer = UnparsedPublicKey::new(&ECDH_P256, encoded.as_bytes());
            let shared = agree(key, peer, (), |x| <[u8; 32]>::try_from(x).map_err(|_| ()));
            if let Ok(x) = shared {
                return x;
            }
        }
        self.x_times_portable(point)
    }

    fn x_times_portable(&self, point: &AffinePoint) -> [u8; 32] {
        (ProjectivePoint::from(*point) * self.scalar)
            .to_affine()
            .x()
            .into()
    }
}

/// P: P-256's generator, as the standard fixes it.
fn generator_point() -> AffinePoint {
    AffinePoint::GENERATOR
}

/// SP 800-90 §10.4.1 Hash_df with SHA-256, for 256 bits: one block,
/// `SHA-256(0x01 || 0x00000100 || input)`.
fn hash_df_256(input: &[u8]) -> Zeroizing<[u8; 32]> {
    let mut hash = Sha256::new();
    hash.update([1u8]);
    hash.update(256u32.to_be_bytes());
    hash.update(input);
    Zeroizing::new(hash.finalize().into())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    let text = text.trim();
    if !text.len().is_multiple_of(2) || !text.is_ascii() {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {

    /// About half of all x-coordinates are on the curve (one of y² = x³ − 3x + b's two
    /// square roots exists about half the time): what the bench's bound counts on.
    #[test]
    fn about_half_the_candidates_decompress() {
        let on_curve = decompress_steps(0, 1024);
        assert!((384..=640).contains(&on_curve), "{on_curve} of 1024");
        // The same candidates give the same count: the work is the search's, not noise.
        assert_eq!(decompress_steps(0, 1024), on_curve);
    }
    use super::*;
    use crate::crypto::random::Randomness;

    fn device(seed: u64, q: PointQ) -> DualEcDrbg {
        DualEcDrbg::instantiate(&mut Randomness::Seeded(seed).stream("device"), q)
    }

    #[test]
    fn the_backdoor_satisfies_d_times_q_is_p() {
        let (backdoor, q) = Backdoor::generate(&mut Randomness::Seeded(1).stream("d"));
        let dq = ProjectivePoint::from(q.0) * backdoor.d;
        assert_eq!(dq.to_affine(), ProjectivePoint::GENERATOR.to_affine());
        assert!(backdoor.opens(&q));
        let (other, _) = Backdoor::generate(&mut Randomness::Seeded(2).stream("d"));
        assert!(!other.opens(&q));
    }

    #[test]
    fn hex_forms_round_trip_and_refuse_what_is_not_a_point_or_scalar() {
        let (backdoor, q) = Backdoor::generate(&mut Randomness::Seeded(3).stream("d"));
        assert_eq!(PointQ::from_hex(&q.to_hex()), Some(q));
        assert!(q.to_hex().starts_with("04") && q.to_hex().len() == 130);
        let again = Backdoor::from_hex(&backdoor.to_hex()).unwrap();
        assert!(again.opens(&q));
        assert!(Backdoor::from_hex(&"00".repeat(32)).is_none());
        assert!(Backdoor::from_hex(&"ff".repeat(32)).is_none(), "d ≥ n");
        assert!(Backdoor::from_hex("abc").is_none());
        let mut off_curve = q.to_hex();
        off_curve.replace_range(
            128..130,
            if &off_curve[128..] == "00" {
                "01"
            } else {
                "00"
            },
        );
        assert!(PointQ::from_hex(&off_curve).is_none());
        assert_eq!(format!("{backdoor:?}"), "Backdoor([redacted])");
    }

    #[test]
    fn outputs_are_30_byte_blocks_of_one_stream_per_call() {
        let (_, q) = Backdoor::generate(&mut Randomness::Seeded(4).stream("d"));
        let mut a = device(5, q);
        let mut b = device(5, q);
        let mut one = [0u8; 60];
        a.generate(&mut one);
        let mut halves = [0u8; 60];
        b.generate(&mut halves[..30]);
        b.generate(&mut halves[30..]);
        // The same first block; the second differs, as each call ends with a state step.
        assert_eq!(one[..30], halves[..30]);
        assert_ne!(one[30..], halves[30..]);
    }

    /// The attack: one 32-byte output and `d` predict the next output exactly; a
    /// wrong `d` finds nothing.
    #[test]
    fn the_backdoor_predicts_the_next_output_and_a_wrong_one_does_not() {
        let (backdoor, q) = Backdoor::generate(&mut Randomness::Seeded(6).stream("d"));
        let mut victim = device(7, q);
        let mut public = [0u8; 32];
        victim.generate(&mut public);
        let mut secret = [0u8; 32];
        victim.generate(&mut secret);
        let confirm = |g: &mut DualEcDrbg| {
            let mut predicted = [0u8; 32];
            g.generate(&mut predicted);
            predicted == secret
        };
        let found = recover_state(&backdoor, q, &public, confirm).expect("recovered");
        let mut generator = found.generator;
        let mut predicted = [0u8; 32];
        generator.generate(&mut predicted);
        assert_eq!(predicted, secret);
        assert!(found.candidates_tried <= CANDIDATES);
        assert_eq!(found.candidates_tried % CHUNK, 0);

        let (wrong, _) = Backdoor::generate(&mut Randomness::Seeded(8).stream("d"));
        let t0 = std::time::Instant::now();
        assert!(recover_state(&wrong, q, &public, confirm).is_none());
        eprintln!("full search {:?}", t0.elapsed());
    }

    /// AWS-LC's ECDH and the p256 crate give the same x(k·point).
    #[test]
    fn both_backends_multiply_alike() {
        let mut rng = Randomness::Seeded(9).stream("mul");
        for _ in 0..20 {
            let k = Scalar::random(&mut rng);
            let point = (ProjectivePoint::GENERATOR * Scalar::random(&mut rng)).to_affine();
            let m = Multiplier::new(&k);
            assert_eq!(m.x_times(&point), m.x_times_portable(&point));
        }
        let zero = Multiplier::new(&Scalar::ZERO);
        assert_eq!(
            zero.x_times(&generator_point()),
            [0u8; 32],
            "the point at infinity"
        );
    }

    #[test]
    fn hash_df_matches_its_definition() {
        let mut hash = Sha256::new();
        hash.update([0x01, 0x00, 0x00, 0x01, 0x00]);
        hash.update(b"seed");
        let expected: [u8; 32] = hash.finalize().into();
        assert_eq!(*hash_df_256(b"seed"), expected);
    }
}
