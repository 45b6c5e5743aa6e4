//! A Sender Keys conversation already running, for the benches.

use super::chain::SenderKeysDevice;
use crate::crypto::ed25519::IdentityKey;
use crate::crypto::random::{RandomStream, Randomness};
use crate::error::{Error, Result};
use crate::schemes::forward_secret::device::{Device, PrekeyDirectory};
use crate::schemes::network::RunningChat;
use crate::wire::envelope::Envelope;
use crate::wire::message::Message;

/// Two devices in a conversation whose chains both have been handed over: the next
/// message is a chain step and one AES-256-GCM seal, with no pairwise entry.
pub(super) struct ChatPair {
    alice: SenderKeysDevice,
    bob: SenderKeysDevice,
    directory: PrekeyDirectory,
    message: Message,
    rng: RandomStream,
}

impl ChatPair {
    /// Alice and bob, each having sent the other one message, ready to send `message`.
    pub(super) fn new(message: &Message) -> Result<Self> {
        let mut rng = Randomness::Os.stream("bench/sk");
        let mut directory = PrekeyDirectory::default();
        let mut device = |name: &str| {
            let device = Device::new(name, IdentityKey::generate(&mut rng), 1, &mut rng);
            directory.publish(name, device.published());
            SenderKeysDevice::new(device)
        };
        let (alice, bob) = (device(&message.from), device("reader"));
        let mut pair = ChatPair {
            alice,
            bob,
            directory,
            message: Message {
                to: vec!["reader".into()],
                ..message.clone()
            },
            rng,
        };
        let first = pair.send()?;
        pair.read(&first)?;
        let answer = Message {
            from: "reader".into(),
            to: vec![pair.message.from.clone()],
            ..pair.message.clone()
        };
        let reply = pair
            .bob
            .seal(&answer, &answer.to, &mut pair.directory, 0, &mut pair.rng)
            .map_err(|_| failed())?;
        pair.alice
            .open(&reply, &mut pair.rng)
            .map_err(|_| failed())?;
        Ok(pair)
    }
}

impl RunningChat for ChatPair {
    fn send(&mut self) -> Result<Envelope> {
        let to = self.message.to.clone();
        self.alice
            .seal(&self.message, &to, &mut self.directory, 0, &mut self.rng)
            .map_err(|_| failed())
    }

    fn read(&mut self, envelope: &Envelope) -> Result<()> {
        self.bob
            .open(envelope, &mut self.rng)
            .map(|_| ())
            .map_err(|_| failed())
    }
}

fn failed() -> Error {
    Error::Internal("a sender-keys bench message did not open".into())
}
