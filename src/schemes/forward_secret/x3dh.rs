//! X3DH key agreement, as Signal specifies it (Marlinspike and Perrin, "The X3DH Key
//! Agreement Protocol", revision 1, 2016-11-04), with X25519 and SHA-256:
//!
//! ```text
//! DH1 = DH(IK_A, SPK_B)   DH2 = DH(EK_A, IK_B)   DH3 = DH(EK_A, SPK_B)   DH4 = DH(EK_A, OPK_B)
//! SK  = HKDF(salt = 32 zero bytes, ikm = 32 × 0xFF ‖ DH1 ‖ DH2 ‖ DH3 [‖ DH4], info = "doormat/1 X3DH")
//! AD  = IK_A ‖ IK_B      (the two Ed25519 identity public keys, 32 bytes each)
//! ```
//!
//! Identity keys are Ed25519 and enter the DHs in their X25519 form (see
//! [`crate::crypto::ed25519`]); the signed prekey is signed with Ed25519 over its 32
//! public bytes. The responder deletes a one-time prekey once it has used it.

use rand_core::{CryptoRng, RngCore};

use super::ratchet::Key32;
use crate::crypto::ed25519::{IdentityKey, IdentityPublic};
use crate::crypto::kdf::hkdf_sha256;
use crate::crypto::x25519::{DhKeyPair, DhPublic};
use crate::crypto::CouldNotOpen;
use crate::wire::envelope::X3dhHeader;

/// `info` of the X3DH KDF.
pub const INFO_X3DH: &[u8] = b"doormat/1 X3DH";

/// What the provider serves for a user: identity, signed prekey and (while they last)
/// one one-time prekey per request.
#[derive(Debug, Clone)]
pub struct Bundle {
    /// The responder's identity key.
    pub identity: IdentityPublic,
    /// Its signed prekey's id.
    pub spk_id: u32,
    /// The signed prekey.
    pub spk: DhPublic,
    /// The identity key's signature over it.
    pub spk_signature: [u8; 64],
    /// A one-time prekey and its id, if one was left.
    pub opk: Option<(u32, DhPublic)>,
}

/// A session's shared secret and associated data, as X3DH hands them to the ratchet.
pub struct Agreement {
    /// SK: the shared secret.
    pub sk: Key32,
    /// AD: both identity keys, for the ratchet's associated data.
    pub ad: Vec<u8>,
}

/// The initiator's side. Refuses a bundle whose signed prekey the identity did not sign.
pub fn initiate(
    me: &IdentityKey,
    bundle: &Bundle,
    rng: &mut (impl RngCore + CryptoRng),
) -> Result<(Agreement, X3dhHeader), CouldNotOpen> {
    if !bundle.identity.verify(&bundle.spk.0, &bundle.spk_signature) {
        return Err(CouldNotOpen);
    }
    let ek = DhKeyPair::generate(rng);
    let their_ik = bundle.identity.dh_public();
    let mut km = Vec::with_capacity(32 * 5);
    km.extend_from_slice(&[0xFF; 32]);
    km.extend_from_slice(&*me.dh_pair().diffie_hellman(&bundle.spk));
    km.extend_from_slice(&*ek.diffie_hellman(&their_ik));
    km.extend_from_slice(&*ek.diffie_hellman(&bundle.spk));
    if let Some((_, opk)) = &bundle.opk {
        km.extend_from_slice(&*ek.diffie_hellman(opk));
    }
    let agreement = agree(&zeroize::Zeroizing::new(km), me.public(), &bundle.identity);
    let header = X3dhHeader {
        ik: me.public().to_bytes(),
        ek: ek.public().0,
        spk: bundle.spk_id,
        opk: bundle.opk.map(|(id, _)| id),
    };
    Ok((agreement, header))
}

/// The responder's side, given the prekeys the header names.
pub fn respond(
    me: &IdentityKey,
    spk: &DhKeyPair,
    opk: Option<&DhKeyPair>,
    header: &X3dhHeader,
) -> Result<Agreement, CouldNotOpen> {
    let initiator = IdentityPublic::from_bytes(&header.ik).ok_or(CouldNotOpen)?;
    let ek = DhPublic(header.ek);
    let mut km = Vec::with_capacity(32 * 5);
    km.extend_from_slice(&[0xFF; 32]);
    km.extend_from_slice(&*spk.diffie_hellman(&initiator.dh_public()));
    km.extend_from_slice(&*me.dh_pair().diffie_hellman(&ek));
    km.extend_from_slice(&*spk.diffie_hellman(&ek));
    match (opk, header.opk) {
        (Some(opk), Some(_)) => km.extend_from_slice(&*opk.diffie_hellman(&ek)),
        (None, None) => {}
        // The header names a one-time prekey this device no longer has (or never had).
        _ => return Err(CouldNotOpen),
    }
    Ok(agree(&zeroize::Zeroizing::new(km), &initiator, me.public()))
}

fn agree(km: &[u8], initiator: &IdentityPublic, responder: &IdentityPublic) -> Agreement {
    let sk = hkdf_sha256::<32>(&[0u8; 32], km, INFO_X3DH);
    let mut ad = Vec::with_capacity(64);
    ad.extend_from_slice(&initiator.to_bytes());
    ad.extend_from_slice(&responder.to_bytes());
    Agreement {
        sk: Key32::from_bytes(*sk),
        ad,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::random::Randomness;

    #[test]
    fn both_sides_agree_and_a_forged_prekey_is_refused() {
        let mut rng = Randomness::Seeded(1).stream("x3dh");
        let alice = IdentityKey::generate(&mut rng);
        let bob = IdentityKey::generate(&mut rng);
        let spk = DhKeyPair::generate(&mut rng);
        let opk = DhKeyPair::generate(&mut rng);
        let bundle = Bundle {
            identity: bob.public().clone(),
            spk_id: 1,
            spk: spk.public(),
            spk_signature: bob.sign(&spk.public().0),
            opk: Some((7, opk.public())),
        };
        let (a, header) = initiate(&alice, &bundle, &mut rng).unwrap();
        assert_eq!(header.opk, Some(7));
        let b = respond(&bob, &spk, Some(&opk), &header).unwrap();
        assert_eq!(a.sk, b.sk);
        assert_eq!(a.ad, b.ad);
        // Without the one-time prekey the responder cannot agree.
        assert!(respond(&bob, &spk, None, &header).is_err());
        // A prekey signed by someone else is refused.
        let mut forged = bundle.clone();
        forged.spk_signature = alice.sign(&spk.public().0);
        assert!(initiate(&alice, &forged, &mut rng).is_err());
    }
}
