//! A user's device: identity, prekeys and one Double Ratchet session per peer; and the
//! provider's prekey directory.

use std::collections::{BTreeMap, VecDeque};

use rand_core::{CryptoRng, RngCore};

use super::ratchet::Ratchet;
use super::x3dh::{self, Bundle};
use crate::crypto::aead::ContentKey;
use crate::crypto::ed25519::IdentityKey;
use crate::crypto::x25519::DhKeyPair;
use crate::crypto::CouldNotOpen;
use crate::wire::envelope::{RatchetEntry, X3dhHeader};

/// The id of every user's signed prekey: the simulation does not rotate it.
pub const SIGNED_PREKEY_ID: u32 = 1;

/// One pairwise session and, until the peer first answers, the X3DH header to repeat.
#[derive(Debug, Clone)]
pub struct Session {
    /// The Double Ratchet's state.
    pub ratchet: Ratchet,
    /// The X3DH header to repeat until the peer first answers.
    pub pending: Option<X3dhHeader>,
}

/// Everything on one user's device that the cryptography touches.
#[derive(Debug, Clone)]
pub struct Device {
    /// Its user.
    pub name: String,
    /// The long-term identity key.
    pub identity: IdentityKey,
    /// The signed prekey.
    pub signed_prekey: DhKeyPair,
    /// The identity key's signature over it.
    pub signed_prekey_signature: [u8; 64],
    /// Unused one-time prekeys, by id. Each is deleted once a peer's X3DH has used it.
    pub one_time_prekeys: BTreeMap<u32, DhKeyPair>,
    /// Pairwise sessions, by peer.
    pub sessions: BTreeMap<String, Session>,
}

impl Device {
    /// A new device with `one_time` one-time prekeys.
    pub fn new(
        name: &str,
        identity: IdentityKey,
        one_time: u32,
        rng: &mut (impl RngCore + CryptoRng),
    ) -> Self {
        let signed_prekey = DhKeyPair::generate(rng);
        let signed_prekey_signature = identity.sign(&signed_prekey.public().0);
        let one_time_prekeys = (1..=one_time)
            .map(|id| (id, DhKeyPair::generate(rng)))
            .collect();
        Device {
            name: name.to_owned(),
            identity,
            signed_prekey,
            signed_prekey_signature,
            one_time_prekeys,
            sessions: BTreeMap::new(),
        }
    }

    /// Seals `key` for `peer`, starting a session through `directory` if there is none.
    pub fn seal_key_for(
        &mut self,
        peer: &str,
        directory: &mut PrekeyDirectory,
        key: &ContentKey,
        envelope_ad: &[u8],
        rng: &mut (impl RngCore + CryptoRng),
    ) -> Result<RatchetEntry, CouldNotOpen> {
        if !self.sessions.contains_key(peer) {
            let bundle = directory.fetch(peer).ok_or(CouldNotOpen)?;
            let (agreement, header) = x3dh::initiate(&self.identity, &bundle, rng)?;
            let ratchet = Ratchet::init_initiator(&agreement.sk, bundle.spk, agreement.ad, rng);
            self.sessions.insert(
                peer.to_owned(),
                Session {
                    ratchet,
                    pending: Some(header),
                },
            );
        }
        let session = self.sessions.get_mut(peer).ok_or(CouldNotOpen)?;
        let (header, sealed) = session.ratchet.encrypt(key.expose_secret(), envelope_ad)?;
        Ok(RatchetEntry {
            header,
            x3dh: session.pending,
            key: sealed,
        })
    }

    /// Opens this device's entry of a message from `peer`, answering X3DH if the entry
    /// starts a session. Nothing changes on failure.
    pub fn open_entry(
        &mut self,
        peer: &str,
        entry: &RatchetEntry,
        envelope_ad: &[u8],
        rng: &mut (impl RngCore + CryptoRng),
    ) -> Result<ContentKey, CouldNotOpen> {
        let (mut session, used_prekey) = match (self.sessions.get(peer), &entry.x3dh) {
            (Some(session), _) => (session.clone(), None),
            (None, Some(x3dh)) => {
                if x3dh.spk != SIGNED_PREKEY_ID {
                    return Err(CouldNotOpen);
                }
                let opk = match x3dh.opk {
                    Some(id) => Some(self.one_time_prekeys.get(&id).ok_or(CouldNotOpen)?),
                    None => None,
                };
                let agreement = x3dh::respond(&self.identity, &self.signed_prekey, opk, x3dh)?;
                let ratchet = Ratchet::init_responder(
                    &agreement.sk,
                    self.signed_prekey.clone(),
                    agreement.ad,
                );
                (
                    Session {
                        ratchet,
                        pending: None,
                    },
                    x3dh.opk,
                )
            }
            (None, None) => return Err(CouldNotOpen),
        };
        let bytes = zeroize::Zeroizing::new(session.ratchet.decrypt(
            &entry.header,
            &entry.key,
            envelope_ad,
            rng,
        )?);
        let key = ContentKey::from_slice(&bytes)?;
        // The peer has answered: no need to repeat the X3DH header any more.
        session.pending = None;
        self.sessions.insert(peer.to_owned(), session);
        if let Some(id) = used_prekey {
            self.one_time_prekeys.remove(&id);
        }
        Ok(key)
    }

    /// What the provider publishes for this device.
    pub fn published(&self) -> PublishedBundle {
        PublishedBundle {
            identity: self.identity.public().clone(),
            spk: self.signed_prekey.public(),
            spk_signature: self.signed_prekey_signature,
            one_time: self
                .one_time_prekeys
                .iter()
                .map(|(id, pair)| (*id, pair.public()))
                .collect(),
        }
    }
}

/// What a user uploads to the provider.
#[derive(Debug, Clone)]
pub struct PublishedBundle {
    /// The user's identity key.
    pub identity: crate::crypto::ed25519::IdentityPublic,
    /// Their signed prekey.
    pub spk: crate::crypto::x25519::DhPublic,
    /// Its signature.
    pub spk_signature: [u8; 64],
    /// One-time prekeys not yet handed out, with their ids.
    pub one_time: VecDeque<(u32, crate::crypto::x25519::DhPublic)>,
}

/// The provider's prekey server: hands out each one-time prekey once.
#[derive(Debug, Clone, Default)]
pub struct PrekeyDirectory {
    bundles: BTreeMap<String, PublishedBundle>,
}

impl PrekeyDirectory {
    /// Publishes `name`'s bundle, replacing any earlier one.
    pub fn publish(&mut self, name: &str, bundle: PublishedBundle) {
        self.bundles.insert(name.to_owned(), bundle);
    }

    /// A bundle for one X3DH; one-time prekeys run out, signed prekeys do not.
    pub fn fetch(&mut self, name: &str) -> Option<Bundle> {
        let published = self.bundles.get_mut(name)?;
        Some(Bundle {
            identity: published.identity.clone(),
            spk_id: SIGNED_PREKEY_ID,
            spk: published.spk,
            spk_signature: published.spk_signature,
            opk: published.one_time.pop_front(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::random::Randomness;

    #[test]
    fn a_session_starts_with_x3dh_and_drops_the_header_once_answered() {
        let mut rng = Randomness::Seeded(2).stream("device");
        let mut alice = Device::new("alice", IdentityKey::generate(&mut rng), 2, &mut rng);
        let mut bob = Device::new("bob", IdentityKey::generate(&mut rng), 2, &mut rng);
        let mut directory = PrekeyDirectory::default();
        directory.publish("alice", alice.published());
        directory.publish("bob", bob.published());

        let key = ContentKey::generate(&mut rng);
        let e1 = alice
            .seal_key_for("bob", &mut directory, &key, b"ad1", &mut rng)
            .unwrap();
        let e2 = alice
            .seal_key_for("bob", &mut directory, &key, b"ad2", &mut rng)
            .unwrap();
        assert_eq!(e1.x3dh.unwrap().opk, Some(1));
        assert_eq!(e1.x3dh, e2.x3dh, "repeated until bob answers");
        // Bob reads the second one first: the session starts from either.
        let got = bob.open_entry("alice", &e2, b"ad2", &mut rng).unwrap();
        assert_eq!(got.expose_secret(), key.expose_secret());
        assert!(
            !bob.one_time_prekeys.contains_key(&1),
            "one-time prekey deleted"
        );
        bob.open_entry("alice", &e1, b"ad1", &mut rng).unwrap();
        // The wrong associated data fails and changes nothing.
        assert!(bob.open_entry("alice", &e1, b"ad1", &mut rng).is_err());

        let reply = bob
            .seal_key_for("alice", &mut directory, &key, b"r", &mut rng)
            .unwrap();
        assert!(reply.x3dh.is_none(), "the responder never sends X3DH");
        alice.open_entry("bob", &reply, b"r", &mut rng).unwrap();
        let e3 = alice
            .seal_key_for("bob", &mut directory, &key, b"ad3", &mut rng)
            .unwrap();
        assert!(e3.x3dh.is_none());
        assert_ne!(e3.header.dh, e1.header.dh, "alice took a DH ratchet step");
    }

    #[test]
    fn debug_shows_no_secret_of_the_device() {
        let mut rng = Randomness::Seeded(3).stream("debug");
        let mut alice = Device::new("alice", IdentityKey::generate(&mut rng), 1, &mut rng);
        let mut directory = PrekeyDirectory::default();
        let bob = Device::new("bob", IdentityKey::generate(&mut rng), 1, &mut rng);
        directory.publish("bob", bob.published());
        let key = ContentKey::generate(&mut rng);
        alice
            .seal_key_for("bob", &mut directory, &key, b"", &mut rng)
            .unwrap();
        let shown = format!("{alice:?}");
        let session = &alice.sessions["bob"].ratchet;
        let secrets = [
            format!("{:?}", session.rk.expose_secret()),
            format!("{:?}", session.cks.as_ref().unwrap().expose_secret()),
            format!("{:?}", *session.dhs.expose_private()),
            format!("{:?}", *alice.signed_prekey.expose_private()),
        ];
        for secret in secrets {
            assert!(!shown.contains(&secret[1..20]), "{shown}");
        }
        assert!(
            shown.contains("sha256:"),
            "the identity shows its fingerprint"
        );
    }
}
