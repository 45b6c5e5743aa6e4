//! `forward-secret`: the baseline that exceptional access would have to give up.
//!
//! Signal's design, with no escrow: X3DH starts a pairwise session ([`x3dh`]), the
//! Double Ratchet gives every message its own key and forgets it ([`ratchet`]). A group
//! message is sealed once under a fresh content key (AES-256-GCM with wire format v1's
//! associated data) and that content key is sent to each recipient through their
//! pairwise ratchet ("pairwise fan-out").
//!
//! What a device compromise at time T opens is computed by [`follow`], which plays the
//! stolen state forward over the recorded traffic the way the device itself would.

mod chat;
pub mod device;
pub mod follow;
pub mod network;
pub mod ratchet;
pub mod x3dh;

use crate::error::InputError;
use crate::schemes::registry::{Built, Design, Inputs, Invited, Theft, WorldShape};
use crate::schemes::SchemeParams;
use rand_core::{CryptoRng, RngCore};

use crate::crypto::aead::{self, ContentKey};
use crate::crypto::rsa_oaep::Fingerprint;
use crate::crypto::CouldNotOpen;
use crate::schemes::capability::Capability;
use crate::schemes::snapshot::{self, DeviceCopy, DeviceState, SnapshotFile};
use crate::schemes::SchemeId;
use crate::wire::envelope::{aad, Envelope};
use crate::wire::message::Message;
use device::{Device, PrekeyDirectory};
use std::sync::Arc;

/// Seals `message` on its sender's device: a fresh content key seals the text with
/// AES-256-GCM and wire format v1's associated data, and travels to each recipient
/// through their pairwise ratchet (starting the session with X3DH if there is none).
pub fn seal(
    sender: &mut Device,
    directory: &mut PrekeyDirectory,
    message: &Message,
    rng: &mut (impl RngCore + CryptoRng),
) -> Result<Envelope, CouldNotOpen> {
    let key = ContentKey::generate(rng);
    let nonce = aead::random_nonce(rng);
    let ad = aad(&message.id, &message.from, &message.to);
    let ct = aead::seal(&key, &nonce, &ad, message.text.as_bytes());
    let ratchet = message
        .to
        .iter()
        .map(|peer| {
            let entry = sender.seal_key_for(peer, directory, &key, &ad, rng)?;
            Ok((peer.clone(), entry))
        })
        .collect::<Result<_, CouldNotOpen>>()?;
    Ok(Envelope {
        ratchet,
        ..Envelope::new(message, SchemeId::ForwardSecret, nonce, ct)
    })
}

/// A forward-secret device is all pairwise sessions: the thief plays them forward.
impl DeviceCopy for Device {
    fn scheme(&self) -> SchemeId {
        SchemeId::ForwardSecret
    }
    fn user(&self) -> &str {
        &self.name
    }
    fn fingerprint(&self) -> Fingerprint {
        self.identity.fingerprint().clone()
    }
    fn clone_box(&self) -> Box<dyn DeviceCopy> {
        Box::new(self.clone())
    }
    fn to_file(&self, t: u64) -> SnapshotFile {
        snapshot::pairwise_file(self.scheme(), self, t)
    }
    fn follower(&self, t: u64) -> Arc<dyn Capability> {
        Arc::new(follow::Follower::new(self, t))
    }
    fn counts(&self) -> DeviceState {
        DeviceState::of_pairwise(self)
    }
}

/// The forward-secret design: no escrow, sealed on the devices.
pub struct ForwardSecretDesign;

impl Design for ForwardSecretDesign {
    fn exercises(&self) -> &'static [&'static str] {
        &["forward-secret-window"]
    }
    fn id(&self) -> SchemeId {
        SchemeId::ForwardSecret
    }
    fn summary(&self) -> &'static str {
        "no escrow; the Double Ratchet: a key per message"
    }
    fn check(&self, _: &SchemeParams, world: &WorldShape) -> Result<(), InputError> {
        if world.session_size != 1 {
            return Err(InputError::new(
                "does not apply to forward-secret worlds: the ratchet gives every message its own key",
            )
            .field("--session-size"));
        }
        Ok(())
    }
    fn takes_snapshots(&self) -> bool {
        true
    }
    fn build(&self, inputs: &Inputs) -> crate::error::Result<Built> {
        Ok(Built {
            sealer: None,
            network: Some(Box::new(network::ForwardWorld::new(
                inputs.users,
                inputs.randomness,
            ))),
            kept: Vec::new(),
            loot: Vec::new(),
            family_id: None,
            public: None,
            compose: None,
        })
    }
    fn read_device(&self, file: &SnapshotFile) -> Option<Result<Box<dyn DeviceCopy>, InputError>> {
        Some(snapshot::parse_pairwise(file).map(|d| Box::new(d) as _))
    }
    fn running_chat(
        &self,
        message: &Message,
    ) -> Option<crate::error::Result<Box<dyn crate::schemes::network::RunningChat>>> {
        Some(chat::ChatPair::new(message).map(|pair| Box::new(pair) as _))
    }
    fn invited(&self, _: &SchemeParams, victim: &str, after: u64) -> Vec<Invited> {
        vec![Invited::new(
            format!("{victim}'s phone, t={after}"),
            vec![Theft::Device {
                user: victim.to_owned(),
                t: after,
            }],
        )]
    }
}

#[cfg(test)]
mod secret_tests {
    use super::device::Device;
    use super::ratchet::{Key32, Ratchet};
    use crate::crypto::ed25519::IdentityKey;
    use crate::crypto::random::Randomness;
    use crate::crypto::x25519::DhKeyPair;
    use crate::schemes::snapshot::SnapshotFile;
    use crate::secret_tests::{assert_hidden, bytes, debug_both, zeroizes_on_drop};

    /// `Ratchet` holds `Key32`s and `DhKeyPair`s; `Device` an `IdentityKey`,
    /// `DhKeyPair`s and `Ratchet`s; a snapshot file all of a device's state.
    #[test]
    fn ratchet_keys_and_snapshots_zeroize_on_drop() {
        zeroizes_on_drop::<Key32>(); // root, chain and message keys
        zeroizes_on_drop::<SnapshotFile>();
    }

    #[test]
    fn ratchet_state_does_not_print_its_keys() {
        let root = bytes();
        assert_hidden("Key32", &debug_both(&Key32::from_bytes(root)), &root);
        let prekey: [u8; 32] = std::array::from_fn(|i| i as u8 ^ 0x5a);
        let ratchet = Ratchet::init_responder(
            &Key32::from_bytes(root),
            DhKeyPair::from_private_bytes(prekey),
            b"ad".to_vec(),
        );
        let debug = debug_both(&ratchet);
        assert_hidden("Ratchet", &debug, &root);
        assert_hidden("Ratchet", &debug, &prekey);

        let mut rng = Randomness::Seeded(6).stream("device");
        let identity = IdentityKey::generate(&mut rng);
        let pem = identity.to_pem();
        let device = Device::new("alice", identity, 3, &mut rng);
        let debug = debug_both(&device);
        let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
        assert!(!debug.contains(&body[20..40]), "{debug}");
        for prekey in device.one_time_prekeys.values() {
            assert_hidden("Device", &debug, prekey.expose_private().as_ref());
        }
    }
}
