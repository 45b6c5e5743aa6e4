//! AES-256-GCM (NIST SP 800-38D) through the `aes-gcm` crate.

use aes_gcm::aead::{Aead, Payload};
use aes_gcm::{Aes256Gcm, KeyInit, Nonce};
use rand_core::{CryptoRng, RngCore};
use zeroize::{Zeroize, ZeroizeOnDrop};

use super::CouldNotOpen;

/// Length of a content key: AES-256.
pub const KEY_LEN: usize = 32;
/// Length of a GCM nonce as fixed by wire format v1.
pub const NONCE_LEN: usize = 12;
/// Length of the GCM tag appended to every ciphertext.
pub const TAG_LEN: usize = 16;

/// The 32-byte key that seals one message (or one session). Secret: it zeroizes on drop
/// and never prints itself.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct ContentKey([u8; KEY_LEN]);

impl ContentKey {
    /// A fresh random content key.
    pub fn generate(rng: &mut (impl RngCore + CryptoRng)) -> Self {
        let mut key = [0u8; KEY_LEN];
        rng.fill_bytes(&mut key);
        ContentKey(key)
    }

    /// A content key from unwrapped bytes; anything but 32 bytes cannot be one.
    pub fn from_slice(bytes: &[u8]) -> Result<Self, CouldNotOpen> {
        let key: [u8; KEY_LEN] = bytes.try_into().map_err(|_| CouldNotOpen)?;
        Ok(ContentKey(key))
    }

    /// The raw key bytes, for wrapping. Handle with care.
    pub fn expose_secret(&self) -> &[u8; KEY_LEN] {
        &self.0
    }
}

impl std::fmt::Debug for ContentKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ContentKey([redacted])")
    }
}

/// A fresh random nonce.
pub fn random_nonce(rng: &mut (impl RngCore + CryptoRng)) -> [u8; NONCE_LEN] {
    let mut nonce = [0u8; NONCE_LEN];
    rng.fill_bytes(&mut nonce);
    nonce
}

/// Seals `plaintext`: returns the ciphertext followed by the 16-byte tag.
pub fn seal(key: &ContentKey, nonce: &[u8; NONCE_LEN], aad: &[u8], plaintext: &[u8]) -> Vec<u8> {
    let cipher = Aes256Gcm::new(key.expose_secret().into());
    cipher
        .encrypt(
            Nonce::from_slice(nonce),
            Payload {
                msg: plaintext,
                aad,
            },
        )
        // aes-gcm fails only for plaintexts over 2^36 bytes; doormat never builds one.
        .expect("AES-GCM plaintext within the 64 GiB limit")
}

/// Opens a ciphertext-with-tag. Any change to key, nonce, associated data, ciphertext
/// or tag gives the same [`CouldNotOpen`].
pub fn open(
    key: &ContentKey,
    nonce: &[u8; NONCE_LEN],
    aad: &[u8],
    ciphertext_and_tag: &[u8],
) -> Result<Vec<u8>, CouldNotOpen> {
    let cipher = Aes256Gcm::new(key.expose_secret().into());
    cipher
        .decrypt(
            Nonce::from_slice(nonce),
            Payload {
                msg: ciphertext_and_tag,
                aad,
            },
        )
        .map_err(|_| CouldNotOpen)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixed_key() -> ContentKey {
        ContentKey::from_slice(&[0x42; KEY_LEN]).unwrap()
    }

    #[test]
    fn round_trip() {
        let key = fixed_key();
        let nonce = [7u8; NONCE_LEN];
        let ct = seal(&key, &nonce, b"aad", b"hello");
        assert_eq!(ct.len(), 5 + TAG_LEN);
        assert_eq!(open(&key, &nonce, b"aad", &ct).unwrap(), b"hello");
    }

    /// NIST GCM test vector (gcmEncryptExtIV256.rsp, Count = 0 of [Keylen = 256]
    /// [IVlen = 96] [PTlen = 128] [AADlen = 0] [Taglen = 128]), as in McGrew & Viega's
    /// GCM spec, test case 14: all-zero key, IV and plaintext.
    #[test]
    fn known_answer_all_zero() {
        let key = ContentKey::from_slice(&[0u8; 32]).unwrap();
        let ct = seal(&key, &[0u8; 12], b"", &[0u8; 16]);
        let hex: String = ct.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(
            hex,
            "cea7403d4d606b6e074ec5d3baf39d18\
             d0d1c8a799996bf0265b98b5d48ab919"
        );
    }

    #[test]
    fn every_tampering_fails_the_same_way() {
        let key = fixed_key();
        let nonce = [7u8; NONCE_LEN];
        let ct = seal(&key, &nonce, b"aad", b"hello");

        let mut bad_ct = ct.clone();
        bad_ct[0] ^= 1;
        let mut bad_tag = ct.clone();
        *bad_tag.last_mut().unwrap() ^= 1;
        let mut bad_nonce = nonce;
        bad_nonce[11] ^= 1;
        let other_key = ContentKey::from_slice(&[0x43; KEY_LEN]).unwrap();

        assert_eq!(open(&key, &nonce, b"aad", &bad_ct), Err(CouldNotOpen));
        assert_eq!(open(&key, &nonce, b"aad", &bad_tag), Err(CouldNotOpen));
        assert_eq!(open(&key, &bad_nonce, b"aad", &ct), Err(CouldNotOpen));
        assert_eq!(open(&key, &nonce, b"aaD", &ct), Err(CouldNotOpen));
        assert_eq!(open(&other_key, &nonce, b"aad", &ct), Err(CouldNotOpen));
        assert_eq!(open(&key, &nonce, b"aad", &ct[..10]), Err(CouldNotOpen));
    }

    #[test]
    fn content_key_debug_is_redacted() {
        let key = fixed_key();
        let shown = format!("{key:?}");
        assert_eq!(shown, "ContentKey([redacted])");
        assert!(!shown.contains("42"));
    }

    #[test]
    fn content_key_rejects_wrong_length() {
        assert!(ContentKey::from_slice(&[0u8; 31]).is_err());
        assert!(ContentKey::from_slice(&[0u8; 33]).is_err());
    }
}
