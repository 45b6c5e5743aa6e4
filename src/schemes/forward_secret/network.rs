//! A forward-secret world in motion: each user's device, the provider's prekey
//! directory, and delivery that is not instant.
//!
//! Phones go offline, so about one delivery in five waits 1 to 20 ticks: messages arrive
//! out of order, devices store skipped message keys, and a device stolen at T may hold
//! messages still on their way. A message that starts a session (it carries X3DH) is
//! delivered at once: the simulation does not model two users starting sessions with
//! each other at the same moment.

use std::collections::BTreeMap;
use std::sync::Arc;

use rand::Rng;

use crate::crypto::aead;
use crate::crypto::ed25519::IdentityKey;
use crate::crypto::random::Randomness;
use crate::error::{Error, Result};
use crate::schemes::forward_secret;
use crate::schemes::forward_secret::device::{Device, PrekeyDirectory};
use crate::schemes::network::{Delivery, DeviceNetwork};
use crate::schemes::snapshot::Snapshot;
use crate::wire::envelope::Envelope;
use crate::wire::message::Message;

/// Most ticks a delayed delivery waits.
pub const MAX_DELAY: u64 = 20;
/// Percentage of deliveries that are delayed.
pub const DELAYED_PERCENT: u32 = 20;
/// The devices of a forward-secret world and the envelopes in flight.
pub struct ForwardWorld {
    devices: BTreeMap<String, Device>,
    directory: PrekeyDirectory,
    /// Deliveries waiting, by (due tick, sent tick, recipient index).
    in_flight: BTreeMap<(u64, u64, usize), (Arc<Envelope>, String)>,
    randomness: Randomness,
}

impl ForwardWorld {
    /// Every user gets an identity key, a signed prekey and one one-time prekey for each
    /// other user, each from its own labelled stream.
    pub fn new(users: &[String], randomness: &Randomness) -> Self {
        let mut devices = BTreeMap::new();
        let mut directory = PrekeyDirectory::default();
        let one_time = (users.len() as u32).saturating_sub(1).max(1);
        for name in users {
            let identity =
                IdentityKey::generate(&mut randomness.stream(&format!("identity/{name}")));
            let device = Device::new(
                name,
                identity,
                one_time,
                &mut randomness.stream(&format!("device/{name}")),
            );
            directory.publish(name, device.published());
            devices.insert(name.clone(), device);
        }
        ForwardWorld {
            devices,
            directory,
            in_flight: BTreeMap::new(),
            randomness: *randomness,
        }
    }

    /// `name`'s device.
    pub fn device(&self, name: &str) -> Option<&Device> {
        self.devices.get(name)
    }

    /// Every device, by name.
    pub fn devices(&self) -> impl Iterator<Item = &Device> {
        self.devices.values()
    }

    fn receive(&mut self, envelope: &Envelope, peer: &str) -> Result<()> {
        let device = self
            .devices
            .get_mut(peer)
            .ok_or_else(|| Error::Internal(format!("no device for {peer}")))?;
        let (_, entry) = envelope
            .ratchet
            .iter()
            .find(|(name, _)| name == peer)
            .ok_or_else(|| Error::Internal(format!("{} has no entry for {peer}", envelope.id)))?;
        let mut rng = self
            .randomness
            .stream(&format!("receive/{}/{peer}", envelope.id));
        let ad = envelope.aad();
        let opened = device
            .open_entry(&envelope.from, entry, &ad, &mut rng)
            .and_then(|key| aead::open(&key, &envelope.nonce, &ad, &envelope.ct));
        opened
            .map(|_| ())
            .map_err(|_| Error::Internal(format!("{peer}'s device could not read {}", envelope.id)))
    }
}

impl DeviceNetwork for ForwardWorld {
    fn identity(&self, user: &str) -> Option<&IdentityKey> {
        self.devices.get(user).map(|d| &d.identity)
    }

    /// Seals `message` on its sender's device and puts a copy in flight to each recipient.
    fn send(&mut self, message: &Message) -> Result<Arc<Envelope>> {
        let mut rng = self.randomness.stream(&format!("message/{}", message.id));
        let sender = self
            .devices
            .get_mut(&message.from)
            .ok_or_else(|| Error::Internal(format!("no device for {}", message.from)))?;
        let envelope = forward_secret::seal(sender, &mut self.directory, message, &mut rng)
            .map(Arc::new)
            .map_err(|_| {
                Error::Internal(format!("{} could not seal {}", message.from, message.id))
            })?;
        for (index, (peer, entry)) in envelope.ratchet.iter().enumerate() {
            let mut delay_rng = self
                .randomness
                .stream(&format!("delay/{}/{peer}", message.id));
            let delay = if entry.x3dh.is_some() || delay_rng.gen_range(0..100) >= DELAYED_PERCENT {
                0
            } else {
                delay_rng.gen_range(1..=MAX_DELAY)
            };
            self.in_flight.insert(
                (message.t + delay, message.t, index),
                (Arc::clone(&envelope), peer.clone()),
            );
        }
        Ok(envelope)
    }

    /// Delivers everything due by `t`; each recipient's device opens its copy.
    fn deliver_until(&mut self, t: u64) -> Result<Vec<Delivery>> {
        let mut delivered = Vec::new();
        while let Some(entry) = self.in_flight.first_entry() {
            if entry.key().0 > t {
                break;
            }
            let ((due, sent, _), (envelope, peer)) = entry.remove_entry();
            self.receive(&envelope, &peer)?;
            delivered.push(Delivery {
                id: envelope.id.clone(),
                to: peer,
                sent,
                delivered: Some(due),
            });
        }
        Ok(delivered)
    }

    /// What is still in flight, as deliveries that never happened.
    fn undelivered(&self) -> Vec<Delivery> {
        self.in_flight
            .iter()
            .map(|(&(_, sent, _), (envelope, peer))| Delivery {
                id: envelope.id.clone(),
                to: peer.clone(),
                sent,
                delivered: None,
            })
            .collect()
    }

    fn copy_device(&self, user: &str, t: u64) -> Option<Snapshot> {
        self.device(user)
            .map(|d| Snapshot::of_device(Box::new(d.clone()), t))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::message::message_id;

    /// Message `t`: each user in turn writes to each other user in turn (so every pair
    /// talks both ways), and every fifth message goes to a group of two.
    fn message(users: &[String], t: u64) -> Message {
        let n = users.len();
        let from = t as usize % n;
        let first = from + 1 + (t as usize / n) % (n - 1);
        let readers = if t.is_multiple_of(5) { 2 } else { 1 };
        Message {
            id: message_id(t),
            t,
            from: users[from].clone(),
            to: (0..readers)
                .map(|k| users[(first + k) % n].clone())
                .filter(|to| *to != users[from])
                .collect(),
            text: format!("message {t}"),
            session: None,
        }
    }

    #[test]
    fn every_delivered_copy_opens_and_some_arrive_late() {
        let users: Vec<String> = ["alice", "bob", "carol", "dave"].map(String::from).to_vec();
        let randomness = Randomness::Seeded(11);
        let mut world = ForwardWorld::new(&users, &randomness);
        let mut late = 0;
        for t in 1..=300 {
            let envelope = world.send(&message(&users, t)).unwrap();
            assert!(envelope.wrapped.is_empty() && envelope.escrow.is_none());
            for d in world.deliver_until(t).unwrap() {
                late += usize::from(d.delivered != Some(d.sent));
            }
        }
        assert!(late > 20, "{late} late deliveries");
        assert!(world.deliver_until(400).unwrap().len() < 40);
        assert!(world.undelivered().is_empty());
    }
}
