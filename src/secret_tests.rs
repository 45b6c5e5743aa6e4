//! Secrets zeroize when dropped and never print themselves.
//!
//! Zeroizing cannot be observed safely after a drop, so it is checked where it is
//! decided: every type below that holds secret bytes must implement `ZeroizeOnDrop`
//! (`zeroize`'s promise that `Drop` wipes it), and the composite types hold nothing
//! else. `Debug` is checked by formatting each secret-bearing value, plainly and with
//! `{:#?}`, and searching the text for its secret in every form a derive or a helper
//! would print it: hex, base64, and Rust's `[1, 2, 3, ...]`.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use zeroize::ZeroizeOnDrop;

use crate::crypto::aead::ContentKey;
use crate::crypto::ed25519::IdentityKey;
use crate::crypto::random::{Randomness, SessionKeys};
use crate::crypto::rsa_oaep::tests::test_keys;
use crate::crypto::x25519::DhKeyPair;
use crate::exercise::{ExerciseKind, GradingFile, InstructorSecret};

/// Compiles only if `T` promises to wipe itself when dropped.
pub(crate) fn zeroizes_on_drop<T: ZeroizeOnDrop>() {}

/// Each type that holds secret bytes itself, and what each composite holds them in.
#[test]
fn every_secret_type_zeroizes_on_drop() {
    // doormat's own secret types.
    zeroizes_on_drop::<ContentKey>(); // AES-256-GCM content keys
    zeroizes_on_drop::<InstructorSecret>();
    zeroizes_on_drop::<GradingFile>(); // the instructor secret, as read from disk
    zeroizes_on_drop::<crate::crypto::dual_ec::Backdoor>(); // Dual_EC's d
    zeroizes_on_drop::<crate::crypto::dual_ec::DualEcDrbg>(); // a device's generator
                                                              // SessionKeys' secret, Diffie-Hellman outputs, HKDF outputs.
    zeroizes_on_drop::<zeroize::Zeroizing<[u8; 32]>>();

    // What the composite types keep their secrets in.
    // `PrivateKey` (RSA) holds an `rsa::RsaPrivateKey`; its AWS-LC twin is freed by
    // AWS-LC, whose OPENSSL_free zeroes memory before releasing it.
    zeroizes_on_drop::<rsa::RsaPrivateKey>();
    // `IdentityKey` (Ed25519) holds a `SigningKey`.
    zeroizes_on_drop::<ed25519_dalek::SigningKey>();
    // `DhKeyPair` (X25519), and so every prekey and ratchet key pair, a `StaticSecret`.
    // x25519-dalek 2 wipes it with the older `#[zeroize(drop)]`, which writes the `Drop`
    // but not the marker trait: check what that leaves visible.
    fn wipeable_with_drop<T: zeroize::Zeroize>() -> bool {
        std::mem::needs_drop::<T>()
    }
    assert!(wipeable_with_drop::<x25519_dalek::StaticSecret>());
    // A design's own secret types (Clipper's keys, the ratchet's) are checked in its
    // module's tests with these helpers.
}

/// Fails if `debug` shows `secret` as hex, base64 or a Rust byte array.
pub(crate) fn assert_hidden(what: &str, debug: &str, secret: &[u8]) {
    let hex: String = secret.iter().map(|b| format!("{b:02x}")).collect();
    let array = format!("{:?}", &secret[..8]);
    let array = array.trim_end_matches(']');
    for (form, text) in [
        ("hex", hex.as_str()),
        ("base64", &STANDARD.encode(secret)[..16]),
        ("a byte array", array),
    ] {
        assert!(
            !debug.contains(text),
            "{what}'s Debug shows it as {form}: {debug}"
        );
    }
}

/// Both `{:?}` and `{:#?}` of `value`.
pub(crate) fn debug_both(value: &impl std::fmt::Debug) -> String {
    format!("{value:?}\n{value:#?}")
}

/// 32 distinct bytes, so that no accidental run of zeros can match.
pub(crate) fn bytes() -> [u8; 32] {
    std::array::from_fn(|i| (i as u8).wrapping_mul(37).wrapping_add(11))
}

#[test]
fn symmetric_secrets_do_not_print_themselves() {
    let secret = bytes();
    assert_hidden(
        "ContentKey",
        &debug_both(&ContentKey::from_slice(&secret).unwrap()),
        &secret,
    );
    assert_hidden(
        "InstructorSecret",
        &debug_both(&InstructorSecret::from_bytes(secret)),
        &secret,
    );
    let grading = GradingFile::new(
        ExerciseKind::LeakedGoldenKey,
        &InstructorSecret::from_bytes(secret),
        &["ada".to_owned()],
    );
    assert_hidden("GradingFile", &debug_both(&grading), &secret);
    let d = crate::crypto::dual_ec::Backdoor::from_hex(
        &secret
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>(),
    )
    .expect("below the group order");
    assert_hidden("Backdoor", &debug_both(&d), &secret);
    let parsed = GradingFile::parse(&grading.to_json()).unwrap();
    assert_hidden("Grading", &debug_both(&parsed), &secret);
}

#[test]
fn key_pairs_do_not_print_their_private_half() {
    let secret = bytes();
    let dh = DhKeyPair::from_private_bytes(secret);
    assert_hidden("DhKeyPair", &debug_both(&dh), &secret);

    let identity = IdentityKey::generate(&mut Randomness::Seeded(5).stream("identity"));
    // The Ed25519 seed is the last 32 bytes of its PKCS#8 DER.
    let pem = identity.to_pem();
    let der = STANDARD
        .decode(
            pem.lines()
                .filter(|l| !l.starts_with("-----"))
                .collect::<String>(),
        )
        .unwrap();
    assert_hidden(
        "IdentityKey",
        &debug_both(&identity),
        &der[der.len() - 32..],
    );

    let rsa = &test_keys()[0];
    let der = rsa.to_pkcs8_der();
    let debug = debug_both(rsa);
    // Any 24 bytes of the private key's DER past its public modulus: d, p, q, ...
    for window in der[der.len() / 2..].chunks(24).filter(|c| c.len() == 24) {
        assert_hidden("PrivateKey", &debug, window);
    }
    assert!(debug.contains(rsa.fingerprint().as_str()), "{debug}");
}

#[test]
fn session_keys_do_not_print_themselves() {
    let sessions = SessionKeys::new(&Randomness::Os);
    assert_eq!(format!("{sessions:?}"), "SessionKeys([redacted])");
}
