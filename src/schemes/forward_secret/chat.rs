//! A forward-secret conversation already running, for the benches.

use super::device::{Device, PrekeyDirectory};
use super::seal;
use crate::crypto::aead::{self, ContentKey};
use crate::crypto::ed25519::IdentityKey;
use crate::crypto::random::Randomness;
use crate::error::{Error, Result};
use crate::schemes::network::RunningChat;
use crate::wire::envelope::Envelope;
use crate::wire::message::Message;

/// Two devices in one forward-secret session that has started (X3DH) and taken one
/// round trip, as a running chat's would have.
pub(super) struct ChatPair {
    alice: Device,
    bob: Device,
    directory: PrekeyDirectory,
    message: Message,
    ad: Vec<u8>,
    rng: crate::crypto::random::RandomStream,
}

impl ChatPair {
    /// Alice and bob with a session started (X3DH, one answer), ready to send `message`.
    pub(super) fn new(message: &Message) -> Result<Self> {
        let mut rng = Randomness::Os.stream("bench/fs");
        let alice = Device::new("alice", IdentityKey::generate(&mut rng), 1, &mut rng);
        let bob = Device::new("bob", IdentityKey::generate(&mut rng), 1, &mut rng);
        let mut directory = PrekeyDirectory::default();
        directory.publish("bob", bob.published());
        let ad = crate::wire::envelope::aad(&message.id, &message.from, &message.to);
        let mut pair = ChatPair {
            alice,
            bob,
            directory,
            message: message.clone(),
            ad,
            rng,
        };
        let first = pair.send()?;
        pair.read(&first)?;
        let key = ContentKey::generate(&mut pair.rng);
        let reply = pair
            .bob
            .seal_key_for("alice", &mut pair.directory, &key, &pair.ad, &mut pair.rng)
            .map_err(|_| failed())?;
        pair.alice
            .open_entry("bob", &reply, &pair.ad, &mut pair.rng)
            .map_err(|_| failed())?;
        Ok(pair)
    }
}

impl RunningChat for ChatPair {
    /// Alice seals the message for bob.
    fn send(&mut self) -> Result<Envelope> {
        seal(
            &mut self.alice,
            &mut self.directory,
            &self.message,
            &mut self.rng,
        )
        .map_err(|_| failed())
    }

    /// Bob opens what alice sent, in order.
    fn read(&mut self, envelope: &Envelope) -> Result<()> {
        let (_, entry) = envelope.ratchet.first().ok_or_else(failed)?;
        let key = self
            .bob
            .open_entry("alice", entry, &self.ad, &mut self.rng)
            .map_err(|_| failed())?;
        aead::open(&key, &envelope.nonce, &self.ad, &envelope.ct).map_err(|_| failed())?;
        Ok(())
    }
}

fn failed() -> Error {
    Error::Internal("a forward-secret bench message did not open".into())
}
