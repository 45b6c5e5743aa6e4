//! X25519 Diffie-Hellman (RFC 7748) through `x25519-dalek`: the ratchet keys, prekeys
//! and ephemeral keys of the forward-secret scheme.

use rand_core::{CryptoRng, RngCore};
use x25519_dalek::{PublicKey, StaticSecret};
use zeroize::Zeroizing;

/// Length of an X25519 public key, private key and shared secret.
pub const DH_LEN: usize = 32;

/// An X25519 public key: 32 bytes, anyone may hold it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DhPublic(pub [u8; DH_LEN]);

impl DhPublic {
    /// Its 32 bytes.
    pub fn as_bytes(&self) -> &[u8; DH_LEN] {
        &self.0
    }
}

/// An X25519 key pair. Secret: `x25519-dalek` zeroizes the private half on drop, and
/// `Debug` prints only the public half.
#[derive(Clone)]
pub struct DhKeyPair {
    private: StaticSecret,
    public: DhPublic,
}

impl DhKeyPair {
    /// A fresh key pair.
    pub fn generate(rng: &mut (impl RngCore + CryptoRng)) -> Self {
        Self::from_private_bytes(StaticSecret::random_from_rng(rng).to_bytes())
    }

    /// A key pair from its 32 private bytes (as stored in a device snapshot).
    pub fn from_private_bytes(bytes: [u8; DH_LEN]) -> Self {
        let bytes = Zeroizing::new(bytes);
        let private = StaticSecret::from(*bytes);
        let public = DhPublic(PublicKey::from(&private).to_bytes());
        DhKeyPair { private, public }
    }

    /// Its public half.
    pub fn public(&self) -> DhPublic {
        self.public
    }

    /// The private bytes, for a device snapshot. Handle with care.
    pub fn expose_private(&self) -> Zeroizing<[u8; DH_LEN]> {
        Zeroizing::new(self.private.to_bytes())
    }

    /// X25519(private, their public). The output zeroizes on drop.
    pub fn diffie_hellman(&self, theirs: &DhPublic) -> Zeroizing<[u8; DH_LEN]> {
        Zeroizing::new(
            self.private
                .diffie_hellman(&PublicKey::from(theirs.0))
                .to_bytes(),
        )
    }
}

impl std::fmt::Debug for DhKeyPair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DhKeyPair")
            .field("public", &self.public)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unhex(s: &str) -> [u8; 32] {
        core::array::from_fn(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap())
    }

    /// RFC 7748 section 6.1: Alice's and Bob's key pairs and their shared secret.
    #[test]
    fn rfc7748_section_6_1() {
        let alice = DhKeyPair::from_private_bytes(unhex(
            "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a",
        ));
        let bob = DhKeyPair::from_private_bytes(unhex(
            "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb",
        ));
        assert_eq!(
            alice.public().0,
            unhex("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a")
        );
        let shared = unhex("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742");
        assert_eq!(*alice.diffie_hellman(&bob.public()), shared);
        assert_eq!(*bob.diffie_hellman(&alice.public()), shared);
    }

    #[test]
    fn debug_hides_the_private_half() {
        let pair = DhKeyPair::from_private_bytes([0x41; 32]);
        let shown = format!("{pair:?}");
        assert!(shown.contains("public"));
        assert!(!shown.contains("65, 65"), "{shown}");
    }
}
