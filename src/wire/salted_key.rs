//! The salted content key of wire format v1 (docs/wire-format.md): a 32-byte AES-256
//! key whose first [`SALT_LEN`] bytes travel in the clear as the envelope's `salt`, and
//! whose last [`SECRET_BYTES`] bytes hold the secret value, big-endian. short-key and
//! workfactor seal under it; a brute-force search walks its secret values.

use crate::crypto::aead::{ContentKey, KEY_LEN};

/// The secret part of the key: its last five bytes, enough for 40 bits.
pub const SECRET_BYTES: usize = 5;
/// The public part of the key, sent as `salt`.
pub const SALT_LEN: usize = KEY_LEN - SECRET_BYTES;
/// The most secret bits the key holds.
pub const MAX_SECRET_BITS: u32 = 8 * SECRET_BYTES as u32;

/// Writes a key's secret value (`secret < 2^bits`) into its last [`SECRET_BYTES`] bytes,
/// big-endian: the one place that says where the secret sits in the key.
pub fn write_secret(key: &mut [u8; KEY_LEN], secret: u64) {
    key[SALT_LEN..].copy_from_slice(&secret.to_be_bytes()[8 - SECRET_BYTES..]);
}

/// Builds the content key from its public salt and its secret value (`secret < 2^bits`).
pub fn key_from_parts(salt: &[u8; SALT_LEN], secret: u64) -> ContentKey {
    let mut bytes = [0u8; KEY_LEN];
    bytes[..SALT_LEN].copy_from_slice(salt);
    write_secret(&mut bytes, secret);
    let key = ContentKey::from_slice(&bytes).expect("32 bytes make a content key");
    zeroize::Zeroize::zeroize(&mut bytes);
    key
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_secret_is_the_last_five_bytes_big_endian() {
        let key = key_from_parts(&[7; SALT_LEN], 0x01_0203_0405);
        let bytes = key.expose_secret();
        assert_eq!(&bytes[..SALT_LEN], &[7; SALT_LEN]);
        assert_eq!(&bytes[SALT_LEN..], &[1, 2, 3, 4, 5]);
    }
}
