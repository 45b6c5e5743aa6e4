//! Ed25519 (RFC 8032) identity keys through `ed25519-dalek`, stored as PKCS#8 and SPKI
//! PEM (RFC 8410) so that `openssl pkey` and Python `cryptography` read them.
//!
//! In the forward-secret scheme a user's long-term identity is one Ed25519 key. It signs
//! the user's signed prekey, and takes part in X3DH through its X25519 form: the
//! birational map from Edwards to Montgomery form that `ed25519-dalek` provides
//! (`to_scalar_bytes`, `to_montgomery`), the conversion libsodium offers as
//! `crypto_sign_ed25519_sk_to_curve25519`. Signal uses XEdDSA the other way round; the
//! security argument of X3DH is the same, and no primitive is written here.

use ed25519_dalek::pkcs8::spki::der::pem::LineEnding;
use ed25519_dalek::pkcs8::{DecodePrivateKey, EncodePrivateKey, EncodePublicKey};
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use rand_core::{CryptoRng, RngCore};
use zeroize::Zeroizing;

use super::rsa_oaep::Fingerprint;
use super::x25519::{DhKeyPair, DhPublic};
use crate::error::InputError;

/// The PKCS#8 algorithm identifier of Ed25519 (RFC 8410): 1.3.101.112.
const ED25519_OID: &str = "1.3.101.112";

/// An Ed25519 identity key pair. Secret: `ed25519-dalek` zeroizes it on drop, and
/// `Debug` shows only the fingerprint.
#[derive(Clone)]
pub struct IdentityKey {
    signing: SigningKey,
    public: IdentityPublic,
}

/// The public half of an identity key.
#[derive(Clone, PartialEq, Eq)]
pub struct IdentityPublic {
    verifying: VerifyingKey,
    fingerprint: Fingerprint,
}

impl IdentityKey {
    /// A fresh identity key.
    pub fn generate(rng: &mut (impl RngCore + CryptoRng)) -> Self {
        Self::from_signing(SigningKey::generate(rng))
    }

    fn from_signing(signing: SigningKey) -> Self {
        let public = IdentityPublic::new(signing.verifying_key());
        IdentityKey { signing, public }
    }

    /// Its public half.
    pub fn public(&self) -> &IdentityPublic {
        &self.public
    }

    /// `sha256:` and the hex SHA-256 of its public key.
    pub fn fingerprint(&self) -> &Fingerprint {
        &self.public.fingerprint
    }

    /// Ed25519 signature over `message`.
    pub fn sign(&self, message: &[u8]) -> [u8; 64] {
        self.signing.sign(message).to_bytes()
    }

    /// The X25519 form of this identity, for X3DH.
    pub fn dh_pair(&self) -> DhKeyPair {
        DhKeyPair::from_private_bytes(*Zeroizing::new(self.signing.to_scalar_bytes()))
    }

    /// The unencrypted PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`); zeroizes on drop.
    pub fn to_pem(&self) -> Zeroizing<String> {
        self.signing
            .to_pkcs8_pem(LineEnding::LF)
            .expect("PKCS#8 encoding of an Ed25519 key")
    }

    /// Parses an unencrypted Ed25519 PKCS#8 PEM private key.
    pub fn from_pem(text: &str) -> Result<Self, InputError> {
        if !text.contains("-----BEGIN PRIVATE KEY-----") {
            return Err(InputError::new("holds no \"PRIVATE KEY\" PEM block")
                .hint("use a keys/NAME.pem file from a doormat world"));
        }
        let signing = SigningKey::from_pkcs8_pem(text).map_err(|e| {
            InputError::new(format!("is not an Ed25519 private key ({e})"))
                .hint(format!("a forward-secret world's identity keys are Ed25519 (PKCS#8 algorithm {ED25519_OID})"))
        })?;
        Ok(Self::from_signing(signing))
    }

    /// Whether `text` is a PKCS#8 Ed25519 key, so a caller can pick the right parser.
    pub fn is_ed25519_pem(text: &str) -> bool {
        SigningKey::from_pkcs8_pem(text).is_ok()
    }
}

impl IdentityPublic {
    fn new(verifying: VerifyingKey) -> Self {
        let der = verifying
            .to_public_key_der()
            .expect("SPKI encoding of an Ed25519 public key");
        let fingerprint = Fingerprint::of_spki_der(der.as_bytes());
        IdentityPublic {
            verifying,
            fingerprint,
        }
    }

    /// From the 32 raw bytes of the Ed25519 public key.
    pub fn from_bytes(bytes: &[u8; 32]) -> Option<Self> {
        VerifyingKey::from_bytes(bytes).ok().map(Self::new)
    }

    /// The 32 bytes of the public key.
    pub fn to_bytes(&self) -> [u8; 32] {
        self.verifying.to_bytes()
    }

    /// `sha256:` and the hex SHA-256 of the public key.
    pub fn fingerprint(&self) -> &Fingerprint {
        &self.fingerprint
    }

    /// The SPKI PEM text (`-----BEGIN PUBLIC KEY-----`).
    pub fn to_pem(&self) -> String {
        self.verifying
            .to_public_key_pem(LineEnding::LF)
            .expect("SPKI PEM encoding of an Ed25519 public key")
    }

    /// Verifies an Ed25519 signature (strictly: no malleable encodings).
    pub fn verify(&self, message: &[u8], signature: &[u8; 64]) -> bool {
        self.verifying
            .verify_strict(message, &Signature::from_bytes(signature))
            .is_ok()
    }

    /// The X25519 form of this identity, for X3DH.
    pub fn dh_public(&self) -> DhPublic {
        DhPublic(self.verifying.to_montgomery().to_bytes())
    }
}

impl std::fmt::Debug for IdentityKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IdentityKey")
            .field("fingerprint", &self.public.fingerprint.as_str())
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for IdentityPublic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IdentityPublic")
            .field("fingerprint", &self.fingerprint.as_str())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::random::Randomness;

    fn key(label: &str) -> IdentityKey {
        IdentityKey::generate(&mut Randomness::Seeded(1).stream(label))
    }

    #[test]
    fn pem_round_trip_keeps_the_fingerprint() {
        let alice = key("alice");
        let again = IdentityKey::from_pem(&alice.to_pem()).unwrap();
        assert_eq!(again.fingerprint(), alice.fingerprint());
        assert!(alice
            .public()
            .to_pem()
            .starts_with("-----BEGIN PUBLIC KEY-----"));
    }

    #[test]
    fn signatures_verify_and_tampering_fails() {
        let alice = key("alice");
        let sig = alice.sign(b"prekey");
        assert!(alice.public().verify(b"prekey", &sig));
        assert!(!alice.public().verify(b"prekeY", &sig));
        assert!(!key("bob").public().verify(b"prekey", &sig));
    }

    /// The X25519 forms of two identities agree on a shared secret, as X3DH needs.
    #[test]
    fn x25519_forms_agree() {
        let (alice, bob) = (key("alice"), key("bob"));
        assert_eq!(alice.dh_pair().public(), alice.public().dh_public());
        assert_eq!(
            *alice.dh_pair().diffie_hellman(&bob.public().dh_public()),
            *bob.dh_pair().diffie_hellman(&alice.public().dh_public())
        );
    }

    #[test]
    fn rsa_keys_are_refused_with_a_hint() {
        let rsa = include_str!("../../demos/keys/alice.pem");
        let e = IdentityKey::from_pem(rsa).unwrap_err();
        assert!(e.problem.contains("not an Ed25519"), "{e}");
        assert!(!IdentityKey::is_ed25519_pem(rsa));
    }

    #[test]
    fn debug_shows_only_the_fingerprint() {
        let alice = key("alice");
        let shown = format!("{alice:?}");
        assert!(shown.contains("sha256:"));
        assert!(!shown.contains("signing"));
    }
}
