//! The Double Ratchet, as Signal specifies it (Perrin and Marlinspike, "The Double
//! Ratchet Algorithm", revision 1, 2016-11-20), section by section:
//!
//! - §5.2 `KDF_RK`: HKDF-SHA256 with the root key as salt and the DH output as input
//!   keying material, 64 bytes out: a new root key and a new chain key.
//! - §5.2 `KDF_CK`: HMAC-SHA256 keyed with the chain key: the message key is
//!   `HMAC(ck, 0x01)`, the next chain key `HMAC(ck, 0x02)`.
//! - §5.2 `ENCRYPT`: the spec suggests AES-CBC with HMAC; doormat uses AES-256-GCM, with
//!   key and nonce from `HKDF(salt = 32 zero bytes, ikm = mk, info)`. Each message key is
//!   used once, so a derived nonce never repeats under one key.
//! - §3.5 the state, §3.4 `RatchetEncrypt`, `RatchetDecrypt`, `SkipMessageKeys` and
//!   `DHRatchet`, with the spec's `MAX_SKIP` bound, and a bound on the total number of
//!   stored skipped keys (oldest dropped first), as §4.1 and §6.5 advise.
//!
//! Decryption is transactional (§3.5: "if an exception is raised ... discard any changes
//! to the state"): a tampered or replayed message leaves the state as it was.

use std::collections::{HashMap, VecDeque};

use rand_core::{CryptoRng, RngCore};
use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::crypto::aead::{self, ContentKey, NONCE_LEN};
use crate::crypto::kdf::hkdf_sha256;
use crate::crypto::symmetric::hmac_sha256;
use crate::crypto::x25519::{DhKeyPair, DhPublic};
use crate::crypto::CouldNotOpen;
use crate::wire::envelope::RatchetHeader;

/// Most message keys one message may make a receiver skip in one chain (§3.5 MAX_SKIP).
pub const MAX_SKIP: u32 = 1000;
/// Most skipped message keys a session keeps; past that the oldest are dropped.
pub const MAX_STORED_SKIPPED: usize = 2000;

/// `info` of KDF_RK.
pub const INFO_ROOT: &[u8] = b"doormat/1 ratchet root";
/// `info` of the HKDF that turns a message key into an AES-256-GCM key and nonce.
pub const INFO_MESSAGE: &[u8] = b"doormat/1 ratchet message";

/// A 32-byte ratchet secret: root key, chain key or message key. It zeroizes on drop and
/// never prints itself.
#[derive(Clone, Zeroize, ZeroizeOnDrop, PartialEq, Eq)]
pub struct Key32(pub(crate) [u8; 32]);

impl Key32 {
    /// A secret from its bytes.
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Key32(bytes)
    }
    /// The raw bytes, for a device snapshot. Handle with care.
    pub fn expose_secret(&self) -> &[u8; 32] {
        &self.0
    }
}

impl std::fmt::Debug for Key32 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Key32([redacted])")
    }
}

/// KDF_RK(rk, dh_out) → (root key, chain key).
pub fn kdf_rk(rk: &Key32, dh_out: &[u8; 32]) -> (Key32, Key32) {
    let out = hkdf_sha256::<64>(&rk.0, dh_out, INFO_ROOT);
    let mut root = [0u8; 32];
    let mut chain = [0u8; 32];
    root.copy_from_slice(&out[..32]);
    chain.copy_from_slice(&out[32..]);
    (Key32(root), Key32(chain))
}

/// KDF_CK(ck) → (next chain key, message key).
pub fn kdf_ck(ck: &Key32) -> (Key32, Key32) {
    let message = hmac_sha256(&ck.0, &[&[0x01]]);
    let next = hmac_sha256(&ck.0, &[&[0x02]]);
    (Key32(next), Key32(message))
}

/// The AES-256-GCM key and nonce of one message key.
fn message_cipher(mk: &Key32) -> (ContentKey, [u8; NONCE_LEN]) {
    let out = hkdf_sha256::<44>(&[0u8; 32], &mk.0, INFO_MESSAGE);
    let key = ContentKey::from_slice(&out[..32]).expect("32 bytes make a content key");
    let mut nonce = [0u8; NONCE_LEN];
    nonce.copy_from_slice(&out[32..]);
    (key, nonce)
}

/// The associated data of a ratchet message: `AD ‖ header` (§3.4 CONCAT), where AD is
/// the session's X3DH associated data followed by the envelope's own.
fn concat(session_ad: &[u8], extra_ad: &[u8], header: &RatchetHeader) -> Vec<u8> {
    let mut ad = Vec::with_capacity(session_ad.len() + extra_ad.len() + 40);
    ad.extend_from_slice(session_ad);
    ad.extend_from_slice(extra_ad);
    ad.extend_from_slice(&header.encode());
    ad
}

/// ENCRYPT(mk, plaintext, CONCAT(AD, header)).
pub fn seal_with(
    mk: &Key32,
    session_ad: &[u8],
    extra_ad: &[u8],
    header: &RatchetHeader,
    plaintext: &[u8],
) -> Vec<u8> {
    let (key, nonce) = message_cipher(mk);
    aead::seal(
        &key,
        &nonce,
        &concat(session_ad, extra_ad, header),
        plaintext,
    )
}

/// DECRYPT(mk, ciphertext, CONCAT(AD, header)).
pub fn open_with(
    mk: &Key32,
    session_ad: &[u8],
    extra_ad: &[u8],
    header: &RatchetHeader,
    ciphertext: &[u8],
) -> Result<Vec<u8>, CouldNotOpen> {
    let (key, nonce) = message_cipher(mk);
    aead::open(
        &key,
        &nonce,
        &concat(session_ad, extra_ad, header),
        ciphertext,
    )
}

/// Skipped message keys, by (ratchet public key, message number), oldest first.
#[derive(Clone, Default)]
pub struct SkippedKeys {
    keys: HashMap<(DhPublic, u32), Key32>,
    order: VecDeque<(DhPublic, u32)>,
}

impl SkippedKeys {
    /// Keeps message `n` of the chain of ratchet key `dh` for later.
    pub fn insert(&mut self, dh: DhPublic, n: u32, mk: Key32) {
        if self.keys.insert((dh, n), mk).is_none() {
            self.order.push_back((dh, n));
        }
        while self.keys.len() > MAX_STORED_SKIPPED {
            if let Some(oldest) = self.order.pop_front() {
                self.keys.remove(&oldest);
            }
        }
    }

    /// Takes (and forgets) the kept key of message `n` of `dh`'s chain.
    pub fn take(&mut self, dh: &DhPublic, n: u32) -> Option<Key32> {
        let mk = self.keys.remove(&(*dh, n))?;
        self.order.retain(|k| k != &(*dh, n));
        Some(mk)
    }

    /// Keys kept.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether none is kept.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Every stored key, oldest first.
    pub fn iter(&self) -> impl Iterator<Item = (&DhPublic, u32, &Key32)> {
        self.order
            .iter()
            .filter_map(|k| self.keys.get(k).map(|mk| (&k.0, k.1, mk)))
    }
}

/// One side of a Double Ratchet session (§3.2's state variables).
#[derive(Clone)]
pub struct Ratchet {
    pub(crate) dhs: DhKeyPair,
    pub(crate) dhr: Option<DhPublic>,
    pub(crate) rk: Key32,
    pub(crate) cks: Option<Key32>,
    pub(crate) ckr: Option<Key32>,
    pub(crate) ns: u32,
    pub(crate) nr: u32,
    pub(crate) pn: u32,
    pub(crate) skipped: SkippedKeys,
    /// The X3DH associated data, `IK_initiator ‖ IK_responder`.
    pub(crate) ad: Vec<u8>,
}

impl std::fmt::Debug for Ratchet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ratchet")
            .field("dhs", &self.dhs.public())
            .field("dhr", &self.dhr)
            .field("ns", &self.ns)
            .field("nr", &self.nr)
            .field("pn", &self.pn)
            .field("skipped", &self.skipped.len())
            .finish_non_exhaustive()
    }
}

impl Ratchet {
    /// RatchetInitAlice: the initiator, who knows the responder's signed prekey.
    pub fn init_initiator(
        sk: &Key32,
        responder_prekey: DhPublic,
        ad: Vec<u8>,
        rng: &mut (impl RngCore + CryptoRng),
    ) -> Self {
        let dhs = DhKeyPair::generate(rng);
        let (rk, cks) = kdf_rk(sk, &dhs.diffie_hellman(&responder_prekey));
        Ratchet {
            dhs,
            dhr: Some(responder_prekey),
            rk,
            cks: Some(cks),
            ckr: None,
            ns: 0,
            nr: 0,
            pn: 0,
            skipped: SkippedKeys::default(),
            ad,
        }
    }

    /// RatchetInitBob: the responder, whose first ratchet key is its signed prekey.
    pub fn init_responder(sk: &Key32, signed_prekey: DhKeyPair, ad: Vec<u8>) -> Self {
        Ratchet {
            dhs: signed_prekey,
            dhr: None,
            rk: sk.clone(),
            cks: None,
            ckr: None,
            ns: 0,
            nr: 0,
            pn: 0,
            skipped: SkippedKeys::default(),
            ad,
        }
    }

    /// Whether this side can send yet (a responder first needs a message).
    pub fn can_send(&self) -> bool {
        self.cks.is_some()
    }

    /// RatchetEncrypt. `extra_ad` is bound in beside the session's associated data.
    pub fn encrypt(
        &mut self,
        plaintext: &[u8],
        extra_ad: &[u8],
    ) -> Result<(RatchetHeader, Vec<u8>), CouldNotOpen> {
        let cks = self.cks.as_ref().ok_or(CouldNotOpen)?;
        let (next, mk) = kdf_ck(cks);
        self.cks = Some(next);
        let header = RatchetHeader {
            dh: self.dhs.public().0,
            pn: self.pn,
            n: self.ns,
        };
        self.ns += 1;
        Ok((
            header,
            seal_with(&mk, &self.ad, extra_ad, &header, plaintext),
        ))
    }

    /// RatchetDecrypt. On any failure (tampering, replay, too many skipped keys) the
    /// state is left exactly as it was.
    pub fn decrypt(
        &mut self,
        header: &RatchetHeader,
        ciphertext: &[u8],
        extra_ad: &[u8],
        rng: &mut (impl RngCore + CryptoRng),
    ) -> Result<Vec<u8>, CouldNotOpen> {
        let mut next = self.clone();
        let plaintext = next.decrypt_in_place(header, ciphertext, extra_ad, rng)?;
        *self = next;
        Ok(plaintext)
    }

    fn decrypt_in_place(
        &mut self,
        header: &RatchetHeader,
        ciphertext: &[u8],
        extra_ad: &[u8],
        rng: &mut (impl RngCore + CryptoRng),
    ) -> Result<Vec<u8>, CouldNotOpen> {
        let dh = DhPublic(header.dh);
        if let Some(mk) = self.skipped.take(&dh, header.n) {
            return open_with(&mk, &self.ad, extra_ad, header, ciphertext);
        }
        if Some(dh) != self.dhr {
            self.skip_message_keys(header.pn)?;
            self.dh_ratchet(dh, rng);
        } else if header.n < self.nr {
            // Its key was used (or dropped) already: a replay, or a message too old.
            return Err(CouldNotOpen);
        }
        self.skip_message_keys(header.n)?;
        let ckr = self.ckr.as_ref().ok_or(CouldNotOpen)?;
        let (next, mk) = kdf_ck(ckr);
        self.ckr = Some(next);
        self.nr += 1;
        open_with(&mk, &self.ad, extra_ad, header, ciphertext)
    }

    fn skip_message_keys(&mut self, until: u32) -> Result<(), CouldNotOpen> {
        if u64::from(self.nr) + u64::from(MAX_SKIP) < u64::from(until) {
            return Err(CouldNotOpen);
        }
        if let (Some(mut ckr), Some(dhr)) = (self.ckr.clone(), self.dhr) {
            while self.nr < until {
                let (next, mk) = kdf_ck(&ckr);
                self.skipped.insert(dhr, self.nr, mk);
                ckr = next;
                self.nr += 1;
            }
            self.ckr = Some(ckr);
        }
        Ok(())
    }

    fn dh_ratchet(&mut self, theirs: DhPublic, rng: &mut (impl RngCore + CryptoRng)) {
        self.pn = self.ns;
        self.ns = 0;
        self.nr = 0;
        self.dhr = Some(theirs);
        let (rk, ckr) = kdf_rk(&self.rk, &self.dhs.diffie_hellman(&theirs));
        self.rk = rk;
        self.ckr = Some(ckr);
        self.dhs = DhKeyPair::generate(rng);
        let (rk, cks) = kdf_rk(&self.rk, &self.dhs.diffie_hellman(&theirs));
        self.rk = rk;
        self.cks = Some(cks);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::random::Randomness;

    fn pair() -> (Ratchet, Ratchet, crate::crypto::random::RandomStream) {
        let mut rng = Randomness::Seeded(5).stream("ratchet-test");
        let sk = Key32([9; 32]);
        let bob_prekey = DhKeyPair::generate(&mut rng);
        let ad = b"alice-ik bob-ik".to_vec();
        let alice = Ratchet::init_initiator(&sk, bob_prekey.public(), ad.clone(), &mut rng);
        let bob = Ratchet::init_responder(&sk, bob_prekey, ad);
        (alice, bob, rng)
    }

    fn send(from: &mut Ratchet, text: &str) -> (RatchetHeader, Vec<u8>) {
        from.encrypt(text.as_bytes(), b"env").unwrap()
    }

    fn read(
        to: &mut Ratchet,
        m: &(RatchetHeader, Vec<u8>),
        rng: &mut crate::crypto::random::RandomStream,
    ) -> Result<String, CouldNotOpen> {
        to.decrypt(&m.0, &m.1, b"env", rng)
            .map(|p| String::from_utf8(p).unwrap())
    }

    #[test]
    fn in_order_both_ways_with_dh_steps() {
        let (mut alice, mut bob, mut rng) = pair();
        assert!(!bob.can_send());
        for round in 0..4 {
            let a = send(&mut alice, &format!("a{round}"));
            assert_eq!(read(&mut bob, &a, &mut rng).unwrap(), format!("a{round}"));
            let b = send(&mut bob, &format!("b{round}"));
            assert_eq!(read(&mut alice, &b, &mut rng).unwrap(), format!("b{round}"));
        }
        // Every round trip took a fresh ratchet key on each side.
        let a = send(&mut alice, "x");
        let a2 = send(&mut alice, "y");
        assert_eq!(a.0.dh, a2.0.dh);
        assert_eq!((a.0.n, a2.0.n), (0, 1));
    }

    #[test]
    fn out_of_order_and_lost_messages() {
        let (mut alice, mut bob, mut rng) = pair();
        let m: Vec<_> = (0..5).map(|i| send(&mut alice, &format!("m{i}"))).collect();
        // m4 first: m0..m3 become skipped keys.
        assert_eq!(read(&mut bob, &m[4], &mut rng).unwrap(), "m4");
        assert_eq!(bob.skipped.len(), 4);
        assert_eq!(read(&mut bob, &m[1], &mut rng).unwrap(), "m1");
        // Bob answers; Alice ratchets, and sends on a new chain.
        let b = send(&mut bob, "ok");
        read(&mut alice, &b, &mut rng).unwrap();
        let n = send(&mut alice, "new chain");
        assert_eq!(n.0.pn, 5);
        assert_eq!(read(&mut bob, &n, &mut rng).unwrap(), "new chain");
        // Old-chain stragglers still open from the skipped keys; m0 and m3 are never
        // delivered (lost) and simply stay stored.
        assert_eq!(read(&mut bob, &m[2], &mut rng).unwrap(), "m2");
        assert_eq!(bob.skipped.len(), 2);
    }

    #[test]
    fn skipping_more_than_max_skip_is_refused() {
        let (mut alice, mut bob, mut rng) = pair();
        let mut last = None;
        for i in 0..=MAX_SKIP + 1 {
            last = Some(send(&mut alice, &format!("{i}")));
        }
        let last = last.unwrap();
        assert_eq!(last.0.n, MAX_SKIP + 1);
        assert_eq!(read(&mut bob, &last, &mut rng), Err(CouldNotOpen));
        assert_eq!(
            bob.skipped.len(),
            0,
            "a refused message leaves the state alone"
        );
        // Exactly MAX_SKIP skipped keys is still fine.
        let (mut alice, mut bob, mut rng) = pair();
        let mut m = None;
        for i in 0..=MAX_SKIP {
            m = Some(send(&mut alice, &format!("{i}")));
        }
        assert!(read(&mut bob, &m.unwrap(), &mut rng).is_ok());
        assert_eq!(bob.skipped.len(), MAX_SKIP as usize);
    }

    #[test]
    fn stored_skipped_keys_are_bounded() {
        let mut skipped = SkippedKeys::default();
        let dh = DhPublic([1; 32]);
        for n in 0..(MAX_STORED_SKIPPED as u32 + 10) {
            skipped.insert(dh, n, Key32([0; 32]));
        }
        assert_eq!(skipped.len(), MAX_STORED_SKIPPED);
        assert!(skipped.take(&dh, 0).is_none(), "the oldest went first");
        assert!(skipped.take(&dh, MAX_STORED_SKIPPED as u32 + 9).is_some());
    }

    #[test]
    fn replays_are_refused() {
        let (mut alice, mut bob, mut rng) = pair();
        let m0 = send(&mut alice, "once");
        let m1 = send(&mut alice, "twice");
        read(&mut bob, &m0, &mut rng).unwrap();
        read(&mut bob, &m1, &mut rng).unwrap();
        assert_eq!(read(&mut bob, &m0, &mut rng), Err(CouldNotOpen));
        assert_eq!(read(&mut bob, &m1, &mut rng), Err(CouldNotOpen));
        // A replay from a skipped key: the key is deleted once used.
        let m2 = send(&mut alice, "2");
        let m3 = send(&mut alice, "3");
        read(&mut bob, &m3, &mut rng).unwrap();
        read(&mut bob, &m2, &mut rng).unwrap();
        assert_eq!(read(&mut bob, &m2, &mut rng), Err(CouldNotOpen));
    }

    #[test]
    fn tampered_headers_and_ciphertexts_are_refused_without_harm() {
        let (mut alice, mut bob, mut rng) = pair();
        let m = send(&mut alice, "hello");
        for tamper in [
            |h: &mut RatchetHeader| h.pn += 1,
            |h: &mut RatchetHeader| h.dh[0] ^= 1,
        ] {
            let mut header = m.0;
            tamper(&mut header);
            assert_eq!(
                bob.decrypt(&header, &m.1, b"env", &mut rng),
                Err(CouldNotOpen)
            );
        }
        let mut ct = m.1.clone();
        ct[0] ^= 1;
        assert_eq!(bob.decrypt(&m.0, &ct, b"env", &mut rng), Err(CouldNotOpen));
        assert_eq!(
            bob.decrypt(&m.0, &m.1, b"other", &mut rng),
            Err(CouldNotOpen)
        );
        // None of that disturbed the session.
        assert_eq!(read(&mut bob, &m, &mut rng).unwrap(), "hello");
    }

    #[test]
    fn chain_keys_move_only_forward() {
        let ck = Key32([7; 32]);
        let (next, mk) = kdf_ck(&ck);
        assert_ne!(next, mk);
        assert_ne!(next, ck);
        let (rk, ck2) = kdf_rk(&Key32([1; 32]), &[2; 32]);
        assert_ne!(rk, ck2);
    }
}
