//! RSA-OAEP key wrapping (RFC 8017 §7.1: SHA-256, MGF1 with SHA-256, empty label) and
//! the PEM encodings of the keys (PKCS#8 private keys, SPKI public keys), through the
//! `rsa` crate.
//!
//! Known weakness: the `rsa` crate's decryption is not constant-time (the Marvin attack,
//! RUSTSEC-2023-0071). doormat decrypts locally, with no remote party timing it, so the
//! channel is out of reach here; a real escrow service answering requests over a network
//! would be exactly the kind of target that attack needs.

use rand_core::{CryptoRng, OsRng, RngCore};
use rsa::pkcs1::{DecodeRsaPrivateKey, DecodeRsaPublicKey};
use rsa::pkcs8::{
    DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey, LineEnding,
    PrivateKeyInfo, SecretDocument,
};
use rsa::traits::PublicKeyParts;
use rsa::{Oaep, RsaPrivateKey, RsaPublicKey};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use super::aead::ContentKey;
use super::CouldNotOpen;
use crate::error::InputError;

/// Key sizes `simulate` will generate.
pub const GENERATED_KEY_BITS: [usize; 3] = [2048, 3072, 4096];
/// The smallest modulus doormat will load; the `rsa` crate itself refuses above 4096.
pub const MIN_LOADED_KEY_BITS: usize = 2048;

fn oaep() -> Oaep {
    Oaep::new::<Sha256>()
}

/// `sha256:` and the lowercase hex SHA-256 of a public key's SPKI DER encoding.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Fingerprint(String);

impl Fingerprint {
    /// Parses the `sha256:<64 hex>` text form.
    pub fn parse(text: &str) -> Option<Self> {
        let hex = text.strip_prefix("sha256:")?;
        let well_formed = hex.len() == 64
            && hex
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        well_formed.then(|| Fingerprint(text.to_owned()))
    }

    /// The fingerprint of a public key given as its SPKI DER encoding (any algorithm).
    pub fn of_spki_der(der: &[u8]) -> Self {
        Fingerprint(format!("sha256:{}", hex(&Sha256::digest(der))))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The first `n` hex digits, for tables on a projector.
    pub fn short(&self, n: usize) -> &str {
        let hex = &self.0["sha256:".len()..];
        &hex[..n.min(hex.len())]
    }
}

impl std::fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// An RSA public key: anyone may hold it.
#[derive(Clone)]
pub struct PublicKey {
    inner: RsaPublicKey,
    fingerprint: Fingerprint,
}

impl PublicKey {
    fn new(inner: RsaPublicKey) -> Self {
        let der = inner
            .to_public_key_der()
            // Encoding a well-formed in-memory key cannot fail.
            .expect("SPKI encoding of a valid RSA public key");
        let fingerprint = Fingerprint::of_spki_der(der.as_bytes());
        PublicKey { inner, fingerprint }
    }

    pub fn fingerprint(&self) -> &Fingerprint {
        &self.fingerprint
    }

    pub fn bits(&self) -> usize {
        self.inner.n().bits()
    }

    /// The SPKI PEM text (`-----BEGIN PUBLIC KEY-----`).
    pub fn to_pem(&self) -> String {
        self.inner
            .to_public_key_pem(LineEnding::LF)
            .expect("SPKI PEM encoding of a valid RSA public key")
    }

    /// Parses an SPKI (or PKCS#1) PEM public key.
    pub fn from_pem(text: &str) -> Result<Self, InputError> {
        let label = pem_label(text)?;
        let inner = match label.as_str() {
            "PUBLIC KEY" => RsaPublicKey::from_public_key_pem(text)
                .map_err(|e| InputError::new(format!("not a valid RSA public key ({e})")))?,
            "RSA PUBLIC KEY" => RsaPublicKey::from_pkcs1_pem(text)
                .map_err(|e| InputError::new(format!("not a valid RSA public key ({e})")))?,
            other => {
                return Err(InputError::new(format!(
                    "holds a \"{other}\" block where a public key was expected"
                )))
            }
        };
        // OAEP with SHA-256 needs at least 66 bytes of modulus beyond the 32-byte key;
        // doormat's floor keeps every wrap far from that edge.
        let bits = inner.n().bits();
        if bits < MIN_LOADED_KEY_BITS {
            return Err(InputError::new(format!(
                "holds a {bits}-bit RSA key; doormat loads keys of {MIN_LOADED_KEY_BITS} to 4096 bits"
            )));
        }
        Ok(PublicKey::new(inner))
    }

    /// Wraps a content key for this key's holder with RSA-OAEP.
    pub fn wrap(&self, rng: &mut (impl RngCore + CryptoRng), key: &ContentKey) -> Vec<u8> {
        self.inner
            .encrypt(rng, oaep(), key.expose_secret())
            // OAEP-SHA256 fits 190 bytes in a 2048-bit key; a content key is 32.
            .expect("RSA-OAEP encryption of 32 bytes")
    }
}

impl std::fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PublicKey")
            .field("bits", &self.bits())
            .field("fingerprint", &self.fingerprint.as_str())
            .finish()
    }
}

/// An RSA private key. Secret: the `rsa` crate zeroizes it on drop, and this wrapper's
/// `Debug` shows only the public fingerprint (the inner type's `Debug` would print the
/// private exponent).
#[derive(Clone)]
pub struct PrivateKey {
    inner: RsaPrivateKey,
    public: PublicKey,
    /// A key everyone has (the demo keys): no secret to shield from timing.
    published: bool,
}

impl PrivateKey {
    /// Generates a key pair of `bits` bits from `rng`.
    pub fn generate(rng: &mut (impl RngCore + CryptoRng), bits: usize) -> Self {
        let inner = RsaPrivateKey::new(rng, bits)
            // Fails only for sizes the caller has already refused (below 64 bits).
            .expect("RSA key generation for a supported size");
        Self::from_inner(inner)
    }

    fn from_inner(inner: RsaPrivateKey) -> Self {
        let public = PublicKey::new(inner.to_public_key());
        PrivateKey {
            inner,
            public,
            published: false,
        }
    }

    /// Marks a key whose private half is published (the classroom demo keys). Such a
    /// key is decrypted without blinding: blinding shields a secret exponent from
    /// timing, and this one has no secret left to shield.
    pub fn into_published(mut self) -> Self {
        self.published = true;
        self
    }

    pub fn public_key(&self) -> &PublicKey {
        &self.public
    }

    pub fn fingerprint(&self) -> &Fingerprint {
        self.public.fingerprint()
    }

    /// The unencrypted PKCS#8 PEM text (`-----BEGIN PRIVATE KEY-----`); it zeroizes
    /// when dropped.
    pub fn to_pem(&self) -> Zeroizing<String> {
        self.inner
            .to_pkcs8_pem(LineEnding::LF)
            .expect("PKCS#8 encoding of a valid RSA private key")
    }

    /// Parses an unencrypted RSA private key in PKCS#8 PEM (or the older PKCS#1 PEM
    /// that `openssl genrsa -traditional` writes). Every refusal says what the file
    /// holds instead and what to use.
    pub fn from_pem(text: &str) -> Result<Self, InputError> {
        let label = pem_label(text)?;
        let inner = match label.as_str() {
            "PRIVATE KEY" => {
                let (_, document) = SecretDocument::from_pem(text)
                    .map_err(|e| InputError::new(format!("is not valid PEM ({e})")))?;
                let info = PrivateKeyInfo::try_from(document.as_bytes())
                    .map_err(|e| InputError::new(format!("is not a valid PKCS#8 key ({e})")))?;
                if info.algorithm.oid != rsa::pkcs1::ALGORITHM_OID {
                    return Err(InputError::new(format!(
                        "holds a non-RSA private key (algorithm {})",
                        info.algorithm.oid
                    ))
                    .hint("doormat's keys are RSA keys; use a keys/NAME.pem from a doormat world"));
                }
                RsaPrivateKey::from_pkcs8_der(document.as_bytes()).map_err(bad_rsa_key)?
            }
            "RSA PRIVATE KEY" => RsaPrivateKey::from_pkcs1_pem(text).map_err(bad_rsa_key)?,
            "ENCRYPTED PRIVATE KEY" => {
                return Err(InputError::new("holds a password-protected private key").hint(
                    "decrypt it first: openssl pkey -in KEY.pem -out plain.pem (then keep plain.pem private)",
                ))
            }
            "PUBLIC KEY" | "RSA PUBLIC KEY" => {
                return Err(InputError::new(
                    "holds a public key, but opening messages needs the private key",
                )
                .hint("use keys/NAME.pem, not keys/NAME.pub.pem"))
            }
            other => {
                return Err(InputError::new(format!(
                    "holds a \"{other}\" block, not a private key"
                ))
                .hint("use a keys/NAME.pem file from a doormat world"))
            }
        };
        Self::checked(inner)
    }

    /// Parses an unencrypted PKCS#8 DER RSA private key (as rebuilt from escrow shares
    /// or a vendor vault), with the same checks as [`PrivateKey::from_pem`].
    pub fn from_pkcs8_der(der: &[u8]) -> Result<Self, InputError> {
        let inner = RsaPrivateKey::from_pkcs8_der(der).map_err(bad_rsa_key)?;
        Self::checked(inner)
    }

    /// The unencrypted PKCS#8 DER encoding; it zeroizes when dropped.
    pub fn to_pkcs8_der(&self) -> Zeroizing<Vec<u8>> {
        let document = self
            .inner
            .to_pkcs8_der()
            .expect("PKCS#8 encoding of a valid RSA private key");
        Zeroizing::new(document.as_bytes().to_vec())
    }

    /// Validates a key from outside and precomputes its CRT values.
    fn checked(inner: RsaPrivateKey) -> Result<Self, InputError> {
        let mut inner = inner;
        // A key file is outside input: check that its numbers really make an RSA key
        // before trusting it with anything.
        inner.validate().map_err(|e| {
            InputError::new(format!("holds an inconsistent RSA key ({e})"))
                .hint("the file may be damaged; use an untouched keys/NAME.pem")
        })?;
        // rsa 0.9 parses PKCS#8 keys without their CRT values; without them every
        // decryption is about 30% slower (measured: 290/s against 412/s per core).
        inner
            .precompute()
            .map_err(|e| InputError::new(format!("holds an RSA key doormat cannot use ({e})")))?;
        let bits = inner.n().bits();
        if bits < MIN_LOADED_KEY_BITS {
            return Err(InputError::new(format!(
                "holds a {bits}-bit RSA key; doormat loads keys of {MIN_LOADED_KEY_BITS} to 4096 bits"
            )));
        }
        Ok(Self::from_inner(inner))
    }

    /// Unwraps a content key wrapped for this key. Fails the same way whatever the
    /// reason: wrong key, tampered bytes, wrong length.
    pub fn unwrap_key(&self, wrapped: &[u8]) -> Result<ContentKey, CouldNotOpen> {
        // Blinding keeps the private exponent out of the timing, at about 16% of the
        // cost of a decryption (callgrind: 24.8M against 21.4M instructions, RSA-2048).
        let decrypted = if self.published {
            self.inner.decrypt(oaep(), wrapped)
        } else {
            self.inner.decrypt_blinded(&mut OsRng, oaep(), wrapped)
        };
        let bytes = Zeroizing::new(decrypted.map_err(|_| CouldNotOpen)?);
        ContentKey::from_slice(&bytes)
    }
}

impl std::fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PrivateKey")
            .field("bits", &self.public.bits())
            .field("fingerprint", &self.public.fingerprint.as_str())
            .field("published", &self.published)
            .finish_non_exhaustive()
    }
}

fn bad_rsa_key(e: impl std::fmt::Display) -> InputError {
    let text = e.to_string();
    if text.contains("too large") || text.contains("size") {
        InputError::new(format!("holds an RSA key doormat cannot use ({text})"))
            .hint("doormat loads RSA keys of 2048 to 4096 bits")
    } else {
        InputError::new(format!("is not a valid RSA private key ({text})"))
    }
}

/// The label of the first PEM block (`PRIVATE KEY` for `-----BEGIN PRIVATE KEY-----`).
fn pem_label(text: &str) -> Result<String, InputError> {
    let not_pem = || {
        InputError::new("is not a PEM file (no -----BEGIN ...----- line)")
            .hint("keys are PEM text files such as keys/alice.pem")
    };
    let start = text.find("-----BEGIN ").ok_or_else(not_pem)?;
    let rest = &text[start + "-----BEGIN ".len()..];
    let end = rest.find("-----").ok_or_else(not_pem)?;
    let label = &rest[..end];
    if label.len() > 64 || label.contains('\n') {
        return Err(not_pem());
    }
    Ok(label.to_owned())
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::crypto::random::Randomness;
    use std::sync::OnceLock;

    /// Two fixed test keys, generated once per test binary from a public seed so that
    /// slow RSA key generation stays out of most tests.
    pub(crate) fn test_keys() -> &'static [PrivateKey; 2] {
        static KEYS: OnceLock<[PrivateKey; 2]> = OnceLock::new();
        KEYS.get_or_init(|| {
            let r = Randomness::Seeded(1);
            [
                PrivateKey::generate(&mut r.stream("test/0"), 2048),
                PrivateKey::generate(&mut r.stream("test/1"), 2048),
            ]
        })
    }

    fn content_key() -> ContentKey {
        ContentKey::from_slice(&[9u8; 32]).unwrap()
    }

    #[test]
    fn wrap_round_trip_and_wrong_key() {
        let [a, b] = test_keys();
        let wrapped = a.public_key().wrap(&mut OsRng, &content_key());
        assert_eq!(wrapped.len(), 256);
        assert_eq!(a.unwrap_key(&wrapped).unwrap().expose_secret(), &[9u8; 32]);
        assert!(b.unwrap_key(&wrapped).is_err());
        // Unblinded (published) decryption gives the same answer.
        let published = a.clone().into_published();
        assert_eq!(
            published.unwrap_key(&wrapped).unwrap().expose_secret(),
            &[9u8; 32]
        );
        assert!(b.clone().into_published().unwrap_key(&wrapped).is_err());
    }

    #[test]
    fn tampered_or_truncated_wrap_fails() {
        let [a, _] = test_keys();
        let mut wrapped = a.public_key().wrap(&mut OsRng, &content_key());
        assert!(a.unwrap_key(&wrapped[..255]).is_err());
        wrapped[100] ^= 0x80;
        assert_eq!(a.unwrap_key(&wrapped).unwrap_err(), CouldNotOpen);
        assert!(a.unwrap_key(&[]).is_err());
    }

    #[test]
    fn pem_round_trip_keeps_fingerprint() {
        let [a, _] = test_keys();
        let again = PrivateKey::from_pem(&a.to_pem()).unwrap();
        assert_eq!(again.fingerprint(), a.fingerprint());
        let public = PublicKey::from_pem(&a.public_key().to_pem()).unwrap();
        assert_eq!(public.fingerprint(), a.fingerprint());
        assert!(Fingerprint::parse(a.fingerprint().as_str()).is_some());
    }

    #[test]
    fn pem_refusals_explain_themselves() {
        let [a, _] = test_keys();
        let public = a.public_key().to_pem();
        let e = PrivateKey::from_pem(&public).unwrap_err();
        assert!(e.problem.contains("public key"), "{e}");
        assert!(e.hint.unwrap().contains(".pub.pem"));

        let e = PrivateKey::from_pem("hello").unwrap_err();
        assert!(e.problem.contains("not a PEM file"), "{e}");

        let encrypted =
            "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n";
        assert!(PrivateKey::from_pem(encrypted)
            .unwrap_err()
            .problem
            .contains("password"));

        let garbage = "-----BEGIN PRIVATE KEY-----\nnot base64!!\n-----END PRIVATE KEY-----\n";
        assert!(PrivateKey::from_pem(garbage).is_err());
    }

    #[test]
    fn private_key_debug_hides_secrets() {
        let [a, _] = test_keys();
        let shown = format!("{a:?}");
        assert!(shown.contains("fingerprint"));
        assert!(!shown.contains("BigUint") && !shown.contains(" d:") && !shown.contains("primes"));
    }

    #[test]
    fn fingerprint_parse_rejects_junk() {
        assert!(Fingerprint::parse("sha256:abc").is_none());
        assert!(Fingerprint::parse(&format!("md5:{}", "a".repeat(64))).is_none());
        assert!(Fingerprint::parse(&format!("sha256:{}", "A".repeat(64))).is_none());
    }
}
