//! Thin wrappers over audited crates. Every cryptographic operation in doormat goes
//! through this module, so it is the one place to read to check that doormat writes no
//! primitive of its own.
//!
//! | here               | standard                                   | crate       |
//! |--------------------|--------------------------------------------|-------------|
//! | [`aead`]           | AES-256-GCM, NIST SP 800-38D               | `aes-gcm`   |
//! | [`rsa_oaep`]       | RSA-OAEP, SHA-256, MGF1-SHA-256, RFC 8017  | `rsa`       |
//! | [`rsa_oaep`] PEM   | PKCS#8 (RFC 5208), SPKI (RFC 5280)         | `rsa`/`pkcs8` |
//! | fingerprints       | SHA-256, FIPS 180-4                        | `sha2`      |
//! | [`random`]         | OS randomness; ChaCha20 only under `--seed`| `rand_core`, `rand_chacha` |
//! | [`symmetric`]      | AES key wrap (RFC 3394), AES-256-CTR (SP 800-38A), HMAC-SHA256 (RFC 2104) | `aes-kw`, `ctr`, `hmac` |
//! | [`x25519`]         | X25519 Diffie-Hellman, RFC 7748            | `x25519-dalek` |
//! | [`ed25519`]        | Ed25519 signatures, RFC 8032; PKCS#8/SPKI, RFC 8410 | `ed25519-dalek` |
//! | [`dual_ec`]        | Dual_EC_DRBG over P-256, NIST SP 800-90 (2006) | `p256`; Hash_df on `sha2` |
//! | [`kdf`]            | HKDF-SHA256, RFC 5869                      | `hkdf`      |
//! | [`key_search`]     | AES-256, FIPS 197: one block under many keys, for brute force | `aes`; AES-NI intrinsics, checked against `aes` |
//! | [`gpu_key_search`] | the same on a GPU (feature `gpu`)          | `wgpu`; a WGSL shader, checked against `aes` |

pub mod aead;
pub mod dual_ec;
pub mod ed25519;
pub mod gpu_key_search;
pub mod kdf;
pub mod key_search;
pub mod random;
pub mod rsa_oaep;
pub mod symmetric;
pub mod x25519;

/// The one cryptographic failure doormat reports: something could not be opened.
///
/// It says *that* opening failed, never *why* (wrong key, bad padding, bad tag): telling
/// those apart would hand an attacker a decryption oracle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("could not open")]
pub struct CouldNotOpen;
