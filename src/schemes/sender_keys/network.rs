//! A Sender Keys world in motion: each user's device, and the server, which runs the
//! prekey directory and every conversation's roster and delivers the envelopes.
//!
//! The server, not the members, says who is in a conversation, as WhatsApp's did in
//! 2018 (Rösler, Mainka and Schwenk, "More is Less", EuroS&P 2018): the sender's client
//! seals for the roster it is given. So a server that adds a member to a roster (the
//! relay's [`HiddenMember`]) is handed every member's chain by the members themselves,
//! with no key of anyone's. Delivery is immediate and in order: what a stolen device
//! holds then depends only on when it was copied.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::chain::SenderKeysDevice;
use crate::crypto::ed25519::IdentityKey;
use crate::crypto::random::Randomness;
use crate::error::{Error, Result};
use crate::schemes::forward_secret::device::{Device, PrekeyDirectory};
use crate::schemes::network::{Delivery, DeviceNetwork, HiddenMember};
use crate::schemes::snapshot::Snapshot;
use crate::wire::envelope::Envelope;
use crate::wire::message::Message;

/// The devices of a Sender Keys world, and the server between them.
pub struct SenderKeysWorld {
    devices: BTreeMap<String, SenderKeysDevice>,
    directory: PrekeyDirectory,
    randomness: Randomness,
    rotate_after: u32,
    hidden: Option<HiddenMember>,
    /// Copies opened since `deliver_until` last reported them.
    opened: Vec<Delivery>,
}

impl SenderKeysWorld {
    /// Every user gets an identity key, a signed prekey and one one-time prekey for each
    /// other user (and one for a member the server may add), each from its own labelled
    /// stream; each chain is rotated after `rotate_after` messages (0: never).
    pub fn new(users: &[String], randomness: &Randomness, rotate_after: u32) -> Self {
        let mut world = SenderKeysWorld {
            devices: BTreeMap::new(),
            directory: PrekeyDirectory::default(),
            randomness: *randomness,
            rotate_after,
            hidden: None,
            opened: Vec::new(),
        };
        let one_time = users.len() as u32;
        for name in users {
            world.add_device(name, one_time);
        }
        world
    }

    fn add_device(&mut self, name: &str, one_time: u32) {
        let identity =
            IdentityKey::generate(&mut self.randomness.stream(&format!("identity/{name}")));
        let device = Device::new(
            name,
            identity,
            one_time,
            &mut self.randomness.stream(&format!("device/{name}")),
        );
        self.directory.publish(name, device.published());
        self.devices
            .insert(name.to_owned(), SenderKeysDevice::new(device));
    }

    /// `name`'s device (a user's, or the member the server added).
    pub fn device(&self, name: &str) -> Option<&SenderKeysDevice> {
        self.devices.get(name)
    }

    /// Who the server lists for `message`'s conversation besides its sender.
    fn roster(&self, message: &Message) -> Vec<String> {
        let mut roster = message.to.clone();
        if let Some(hidden) = &self.hidden {
            let targeted = message.t >= hidden.from
                && (message.from == hidden.target || message.to.contains(&hidden.target));
            if targeted && !roster.contains(&hidden.name) {
                roster.push(hidden.name.clone());
            }
        }
        roster
    }
}

impl DeviceNetwork for SenderKeysWorld {
    fn identity(&self, user: &str) -> Option<&IdentityKey> {
        self.devices.get(user).map(|d| &d.pairwise.identity)
    }

    /// Seals `message` on its sender's device for the roster the server gives, and
    /// delivers a copy to each member at once: each member's device opens it.
    fn send(&mut self, message: &Message) -> Result<Arc<Envelope>> {
        let roster = self.roster(message);
        let mut rng = self.randomness.stream(&format!("message/{}", message.id));
        let sender = self
            .devices
            .get_mut(&message.from)
            .ok_or_else(|| Error::Internal(format!("no device for {}", message.from)))?;
        let envelope = sender
            .seal(
                message,
                &roster,
                &mut self.directory,
                self.rotate_after,
                &mut rng,
            )
            .map_err(|_| {
                Error::Internal(format!("{} could not seal {}", message.from, message.id))
            })?;
        for member in &envelope.to {
            let mut rng = self
                .randomness
                .stream(&format!("receive/{}/{member}", envelope.id));
            self.devices
                .get_mut(member)
                .ok_or_else(|| Error::Internal(format!("no device for {member}")))?
                .open(&envelope, &mut rng)
                .map_err(|_| {
                    Error::Internal(format!("{member}'s device could not read {}", envelope.id))
                })?;
            self.opened.push(Delivery {
                id: envelope.id.clone(),
                to: member.clone(),
                sent: envelope.t,
                delivered: Some(envelope.t),
            });
        }
        Ok(Arc::new(envelope))
    }

    /// Every copy was delivered, and opened, as it was sent.
    fn deliver_until(&mut self, _t: u64) -> Result<Vec<Delivery>> {
        Ok(std::mem::take(&mut self.opened))
    }

    fn undelivered(&self) -> Vec<Delivery> {
        Vec::new()
    }

    /// From `member.from` on, the server lists `member.name`, a device of its own, in
    /// every conversation of `member.target`'s, and the members' clients hand it their
    /// chains.
    fn add_hidden_member(&mut self, member: HiddenMember) -> bool {
        if !self.devices.contains_key(&member.name) {
            let one_time = self.devices.len() as u32;
            self.add_device(&member.name, one_time);
        }
        self.hidden = Some(member);
        true
    }

    fn copy_device(&self, user: &str, t: u64) -> Option<Snapshot> {
        self.device(user)
            .map(|d| Snapshot::of_device(Box::new(d.clone()), t))
    }
}
