//! Designs whose devices keep state between messages (the Double Ratchet's sessions, a
//! group's epochs), behind one interface.
//!
//! A stateless design seals each message on its own ([`Scheme`](super::Scheme)). A
//! stateful one seals on the users' devices, in order, and a message reaches each
//! recipient's device when the network delivers it, which is not at once: what a device
//! holds when it is stolen depends on both. [`Design::build`](super::Design::build)
//! returns such a design's network; `simulate`, `compare`, the demos, the exercises and
//! the bench drive it through this trait alone, so a second stateful baseline plugs in
//! without a new arm in any of them.

use std::sync::Arc;

use serde::Serialize;

use super::snapshot::Snapshot;
use crate::crypto::ed25519::IdentityKey;
use crate::error::Result;
use crate::wire::envelope::Envelope;
use crate::wire::message::Message;

/// The delivery log of a world whose devices keep state, inside its directory.
pub const DELIVERY_LOG: &str = "delivery.jsonl";

/// When one recipient's copy of a message reached its device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Delivery {
    /// The message.
    pub id: String,
    /// The recipient.
    pub to: String,
    /// When it was sent.
    pub sent: u64,
    /// `None`: still undelivered when the recording ended.
    pub delivered: Option<u64>,
}

/// A member the server adds to every conversation of `target`'s from logical time
/// `from` on, in a design whose server keeps the rosters: a device of its own, which the
/// members' clients hand what they hand any member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HiddenMember {
    /// The added member's name.
    pub name: String,
    /// Whose conversations.
    pub target: String,
    /// From this logical time on.
    pub from: u64,
}

/// The users' devices of a stateful design, and the envelopes in flight between them.
pub trait DeviceNetwork: Send {
    /// `user`'s identity key, which world.json lists for them.
    fn identity(&self, user: &str) -> Option<&IdentityKey>;

    /// Seals `message` on its sender's device and puts a copy in flight to each
    /// recipient.
    fn send(&mut self, message: &Message) -> Result<Arc<Envelope>>;

    /// Delivers everything due by `t`; each recipient's device opens its copy (an error
    /// if one cannot: the simulation is broken, not the input).
    fn deliver_until(&mut self, t: u64) -> Result<Vec<Delivery>>;

    /// What is still in flight, as deliveries that never happened.
    fn undelivered(&self) -> Vec<Delivery>;

    /// What a thief who copies `user`'s device now, just after `t`, takes (a user's, or
    /// a [`HiddenMember`]'s).
    fn copy_device(&self, user: &str, t: u64) -> Option<Snapshot>;

    /// Has the server add `member` to its target's conversations, if this design's
    /// server keeps the rosters; returns whether it does (the default: the members
    /// decide who is in a conversation, and the server cannot add anyone).
    fn add_hidden_member(&mut self, _member: HiddenMember) -> bool {
        false
    }

    /// Sends and delivers `messages` in order, one tick each, and copies `user`'s device
    /// just after logical time `t`: for the demos, which keep everything in memory.
    fn record(
        &mut self,
        messages: &[Message],
        user: &str,
        t: u64,
    ) -> Result<(Vec<Envelope>, Option<Snapshot>)> {
        let mut recorded = Vec::with_capacity(messages.len());
        let mut copied = None;
        for message in messages {
            recorded.push((*self.send(message)?).clone());
            self.deliver_until(message.t)?;
            if message.t == t {
                copied = self.copy_device(user, t);
            }
        }
        Ok((recorded, copied))
    }
}

/// Two users' devices in a conversation that has started and run one round trip, as a
/// running chat's would: what `doormat bench` and the criterion benches time a stateful
/// design's message on.
pub trait RunningChat {
    /// The first user seals the message for the second.
    fn send(&mut self) -> Result<Envelope>;
    /// The second opens what the first sent, in order.
    fn read(&mut self, envelope: &Envelope) -> Result<()>;
}
