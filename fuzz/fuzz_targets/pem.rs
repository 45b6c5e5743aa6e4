//! Key files: any text as an RSA private key, an RSA public key, an Ed25519 identity.
#![no_main]

use doormat::crypto::ed25519::IdentityKey;
use doormat::crypto::rsa_oaep::{PrivateKey, PublicKey};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = PrivateKey::from_pem(text);
        let _ = PublicKey::from_pem(text);
        let _ = IdentityKey::from_pem(text);
    }
});
