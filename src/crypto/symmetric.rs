//! The symmetric primitives behind Clipper's LEAF, each a thin wrapper:
//!
//! - AES-256 key wrap, RFC 3394, through `aes-kw`: the unit key wrapping the session key;
//! - AES-256 in CTR mode, NIST SP 800-38A, through `ctr`: the family key's encryption of
//!   the whole LEAF. Deliberately *unauthenticated*, as the original was: that is what
//!   lets a forged LEAF through;
//! - HMAC-SHA256, RFC 2104, through `hmac`: the source of the 16-bit checksum.

use aes::cipher::{KeyIvInit, StreamCipher};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::CouldNotOpen;

/// AES-256 key wrap of a 32-byte `key` under `kek` (RFC 3394): 40 bytes.
pub fn key_wrap(kek: &[u8; 32], key: &[u8; 32]) -> [u8; 40] {
    let mut out = [0u8; 40];
    aes_kw::KekAes256::new(kek.into())
        .wrap(key, &mut out)
        // Fails only for a wrong output length, fixed here by the types.
        .expect("AES key wrap of a 32-byte key into 40 bytes");
    out
}

/// Unwraps a 40-byte RFC 3394 key wrap; its integrity check fails for a wrong key or
/// garbage.
pub fn key_unwrap(
    kek: &[u8; 32],
    wrapped: &[u8; 40],
) -> Result<zeroize::Zeroizing<[u8; 32]>, CouldNotOpen> {
    let mut out = zeroize::Zeroizing::new([0u8; 32]);
    aes_kw::KekAes256::new(kek.into())
        .unwrap(wrapped, out.as_mut())
        .map_err(|_| CouldNotOpen)?;
    Ok(out)
}

/// AES-256-CTR over `data` in place, with a 12-byte nonce and a 32-bit block counter
/// from zero. Encryption and decryption are the same operation.
pub fn ctr_apply(key: &[u8; 32], nonce: &[u8; 12], data: &mut [u8]) {
    let mut iv = [0u8; 16];
    iv[..12].copy_from_slice(nonce);
    let mut cipher = ctr::Ctr32BE::<aes::Aes256>::new(key.into(), &iv.into());
    cipher.apply_keystream(data);
}

/// HMAC-SHA256 of `parts`, concatenated, under `key`.
pub fn hmac_sha256(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    let mut mac =
        <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes keys of any length");
    for part in parts {
        mac.update(part);
    }
    mac.finalize().into_bytes().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 3394 section 4.6: wrap 256 bits of key data with a 256-bit KEK.
    #[test]
    fn key_wrap_rfc3394_vector() {
        let kek: [u8; 32] = core::array::from_fn(|i| i as u8);
        let mut data = [0u8; 32];
        for i in 0..16 {
            data[i] = (i as u8) * 0x11;
            data[16 + i] = i as u8;
        }
        let wrapped = key_wrap(&kek, &data);
        let hex: String = wrapped.iter().map(|b| format!("{b:02X}")).collect();
        assert_eq!(
            hex,
            "28C9F404C4B810F4CBCCB35CFB87F8263F5786E2D80ED326CBC7F0E71A99F43BFB988B9B7A02DD21"
        );
        assert_eq!(*key_unwrap(&kek, &wrapped).unwrap(), data);
        let mut bad = wrapped;
        bad[3] ^= 1;
        assert!(key_unwrap(&kek, &bad).is_err());
    }

    /// RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
    #[test]
    fn hmac_rfc4231_case_2() {
        let mac = hmac_sha256(b"Jefe", &[b"what do ya want ", b"for nothing?"]);
        let hex: String = mac.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(
            hex,
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn ctr_round_trips_and_depends_on_the_nonce() {
        let key = [7u8; 32];
        let mut data = *b"forty-six bytes of LEAF, more or less, to test";
        let original = data;
        ctr_apply(&key, &[1; 12], &mut data);
        assert_ne!(data, original);
        let mut other = original;
        ctr_apply(&key, &[2; 12], &mut other);
        assert_ne!(data, other);
        ctr_apply(&key, &[1; 12], &mut data);
        assert_eq!(data, original);
    }
}
