//! `sender-keys`: group chats as WhatsApp built them in 2018, with no escrow.
//!
//! Each sender seals a conversation's messages under a chain of its own (a hash
//! ratchet, [`chain`]) and hands the chain to each member through their pairwise X3DH
//! and Double Ratchet session; the server keeps each conversation's roster and tells
//! the clients whom to hand it to ([`network`]). A copy of a device opens every chain it
//! held from then on, until the chain's sender starts a new one, and the new chains it
//! is handed while its pairwise sessions have not healed ([`follow`]).
//!
//! The same roster is the ghost's way in: a server that lists one more member is handed
//! every chain by the members themselves (Rösler, Mainka and Schwenk, EuroS&P 2018),
//! with no key of anyone's. A client that shows its user the roster's changes reveals
//! it; one that does not, does not.
//!
//! What doormat leaves out: Signal's signature on each group message (a member could
//! forge another's messages here; no reader gains from it), the groups' own ids (a
//! conversation is its members), members leaving (which is when WhatsApp rotated), and
//! late delivery.

pub mod chain;
mod chat;
pub mod follow;
pub mod network;

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::crypto::rsa_oaep::Fingerprint;
use crate::error::{Error, InputError};
use crate::schemes::capability::Capability;
use crate::schemes::forward_secret::ratchet::Key32;
use crate::schemes::ghost::Watchers;
use crate::schemes::network::{HiddenMember, RunningChat};
use crate::schemes::params::{DesignParams, Kind, ParamsKind};
use crate::schemes::registry::ClientWatch;
use crate::schemes::registry::{Built, Design, Inputs, Invited, Theft, WorldShape};
use crate::schemes::said::Fact;
use crate::schemes::snapshot::{self, ChainFile, DeviceCopy, DeviceState, SnapshotFile};
use crate::schemes::stage::{DesignEvent, OwnEvent, Stage};
use crate::schemes::{SchemeId, SchemeParams};
use crate::wire::b64;
use crate::wire::message::Message;
use crate::wire::names::check_name;
use chain::{OwnChain, SenderChain, SenderKeysDevice};

/// sender-keys' parameters: its `simulate` flags and its table in world.json.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, clap::Args)]
#[serde(default)]
pub struct SenderKeysParams {
    /// sender-keys: each sender starts a new chain after this many messages in a
    /// conversation (0, the default: never; WhatsApp rotated only when a member left)
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub rotate_after: u32,
    /// sender-keys: a user whose client shows the roster's changes; repeatable (the
    /// others do not show them)
    #[arg(long, value_name = "USER")]
    pub shows_changes: Vec<String>,
}

/// The member the server adds: the ghost, by the name the ghost design gives it.
pub const ADDED_MEMBER: &str = crate::schemes::ghost::GHOST_NAME;

/// A scenario's `add-member` event: the server adds [`ADDED_MEMBER`] to every
/// conversation of `target` from the next message on, and `to` holds its device.
#[derive(Debug)]
struct AddMember {
    target: String,
    to: String,
}

impl DesignEvent for AddMember {
    fn play(&self, stage: &mut dyn Stage) -> crate::error::Result<Vec<Fact>> {
        let t = stage.now();
        let network = stage
            .network()
            .ok_or_else(|| Error::Internal("a sender-keys demo with no devices".into()))?;
        network.add_hidden_member(HiddenMember {
            name: ADDED_MEMBER.to_owned(),
            target: self.target.clone(),
            from: t + 1,
        });
        let copy = network
            .copy_device(ADDED_MEMBER, t)
            .ok_or_else(|| Error::Internal("the added member has no device".into()))?;
        stage.enters(&self.to);
        stage.hand_device(&self.to, copy);
        let shown = &stage.params().get::<SenderKeysParams>().shows_changes;
        Ok(vec![
            Fact::told(
                "the server adds",
                format!("{ADDED_MEMBER} to every conversation of {}", self.target),
            ),
            Fact::told("from", format!("t={}", t + 1)),
            Fact::told("its device is held by", self.to.clone()),
            Fact::told(
                "clients that show changes",
                if shown.is_empty() {
                    "none".to_owned()
                } else {
                    shown.join(", ")
                },
            ),
        ])
    }
}

/// Where a sender-keys world keeps what the clients that show changes showed.
pub const NOTICES: &str = crate::schemes::ghost::NOTICES;

impl DesignParams for SenderKeysParams {}

/// A Sender Keys device: its pairwise sessions, and its chains beside them.
impl DeviceCopy for SenderKeysDevice {
    fn scheme(&self) -> SchemeId {
        SchemeId::SenderKeys
    }
    fn user(&self) -> &str {
        &self.pairwise.name
    }
    fn fingerprint(&self) -> Fingerprint {
        self.pairwise.identity.fingerprint().clone()
    }
    fn clone_box(&self) -> Box<dyn DeviceCopy> {
        Box::new(self.clone())
    }
    fn to_file(&self, t: u64) -> SnapshotFile {
        let mut file = snapshot::pairwise_file(self.scheme(), &self.pairwise, t);
        let user = &self.pairwise.name;
        file.chains = self
            .own
            .iter()
            .map(|(conversation, own)| ChainFile {
                sender: user.clone(),
                id: own.id,
                n: own.chain.n,
                ck: b64(own.chain.ck.expose_secret()),
                conversation: Some(conversation.clone()),
                holders: own.holders.iter().cloned().collect(),
            })
            .chain(self.received.iter().map(|((sender, id), chain)| ChainFile {
                sender: sender.clone(),
                id: *id,
                n: chain.n,
                ck: b64(chain.ck.expose_secret()),
                conversation: None,
                holders: Vec::new(),
            }))
            .collect();
        file
    }
    fn follower(&self, t: u64) -> Arc<dyn Capability> {
        Arc::new(follow::ChainFollower::new(self, t))
    }
    fn counts(&self) -> DeviceState {
        DeviceState {
            sender_chains: self.own.len() + self.received.len(),
            ..DeviceState::of_pairwise(&self.pairwise)
        }
    }
}

/// The device `file` holds. Errors name the field.
fn read_device(file: &SnapshotFile) -> Result<SenderKeysDevice, InputError> {
    let mut device = SenderKeysDevice::new(snapshot::parse_pairwise(file)?);
    for (i, c) in file.chains.iter().enumerate() {
        let field = |name: &str| format!("chains[{i}].{name}");
        check_name(&c.sender).map_err(|e| e.field(field("sender")))?;
        let ck = Key32::from_bytes(snapshot::bytes32(&field("ck"), &c.ck)?);
        let chain = SenderChain { ck, n: c.n };
        let twice = || InputError::new(format!("chain {} of {} appears twice", c.id, c.sender));
        match &c.conversation {
            Some(conversation) => {
                if c.sender != file.user {
                    return Err(InputError::new(format!(
                        "is {}, but a chain with a conversation is the device's own ({})",
                        c.sender, file.user
                    ))
                    .field(field("sender")));
                }
                let mut holders = std::collections::BTreeSet::new();
                for (j, holder) in c.holders.iter().enumerate() {
                    check_name(holder).map_err(|e| e.field(format!("chains[{i}].holders[{j}]")))?;
                    holders.insert(holder.clone());
                }
                let clash = device.own.contains_key(conversation)
                    || device.own.values().any(|o| o.id == c.id);
                if clash {
                    return Err(twice().field(field("id")));
                }
                device.own.insert(
                    conversation.clone(),
                    OwnChain {
                        id: c.id,
                        chain,
                        holders,
                    },
                );
            }
            None => {
                if device
                    .received
                    .insert((c.sender.clone(), c.id), chain)
                    .is_some()
                {
                    return Err(twice().field(field("id")));
                }
            }
        }
    }
    Ok(device)
}

/// The sender-keys design: no escrow, group messages sealed on the devices.
pub struct SenderKeysDesign;

impl Design for SenderKeysDesign {
    fn id(&self) -> SchemeId {
        SchemeId::SenderKeys
    }
    fn summary(&self) -> &'static str {
        "no escrow; group chains, roster kept by the server"
    }
    fn params(&self) -> Option<&'static dyn ParamsKind> {
        Some(&Kind::<SenderKeysParams>::NEW)
    }
    fn check(&self, params: &SchemeParams, world: &WorldShape) -> Result<(), InputError> {
        let params = params.get::<SenderKeysParams>();
        if let Some(stranger) = params
            .shows_changes
            .iter()
            .find(|u| !world.users.contains(u))
        {
            return Err(
                InputError::new(format!("{stranger:?} is not a user of this world"))
                    .field("--shows-changes")
                    .hint(format!(
                        "users are {} ... {}",
                        world.users.first().map_or("", String::as_str),
                        world.users.last().map_or("", String::as_str)
                    )),
            );
        }
        if world.session_size != 1 {
            return Err(InputError::new(
                "does not apply to sender-keys worlds: each sender's chain gives every message its own key",
            )
            .field("--session-size"));
        }
        Ok(())
    }
    fn takes_snapshots(&self) -> bool {
        true
    }
    fn own_events(&self) -> &'static [OwnEvent] {
        &[OwnEvent {
            name: "add-member",
            fields: &["target", "to"],
            parse: |fields| {
                Ok(Box::new(AddMember {
                    target: fields.user("target")?,
                    to: fields.adversary("to")?,
                }))
            },
            anywhere: false,
            total: None,
        }]
    }
    fn world_entries(&self) -> &'static [(&'static str, bool)] {
        &[(NOTICES, false)]
    }
    /// A client that shows the roster's changes tells its user, once per conversation,
    /// that the server added someone; the rest show nothing.
    fn client_watch(&self, params: &SchemeParams) -> Option<ClientWatch> {
        let mut watchers = Watchers::with(
            params.get::<SenderKeysParams>().shows_changes.clone(),
            |envelope| {
                envelope
                    .to
                    .iter()
                    .filter(|name| *name == ADDED_MEMBER)
                    .cloned()
                    .collect()
            },
            |added| format!("{} was added to this conversation", added.join(", ")),
        );
        Some(ClientWatch {
            file: NOTICES,
            watch: Box::new(move |envelope| watchers.watch(envelope)),
        })
    }
    fn read_device(&self, file: &SnapshotFile) -> Option<Result<Box<dyn DeviceCopy>, InputError>> {
        Some(read_device(file).map(|d| Box::new(d) as _))
    }
    fn running_chat(
        &self,
        message: &Message,
    ) -> Option<crate::error::Result<Box<dyn RunningChat>>> {
        Some(chat::ChatPair::new(message).map(|pair| Box::new(pair) as _))
    }
    fn build(&self, inputs: &Inputs) -> crate::error::Result<Built> {
        let params = inputs.params.get::<SenderKeysParams>();
        Ok(Built {
            sealer: None,
            network: Some(Box::new(network::SenderKeysWorld::new(
                inputs.users,
                inputs.randomness,
                params.rotate_after,
            ))),
            kept: Vec::new(),
            loot: Vec::new(),
            family_id: None,
            public: None,
            compose: None,
        })
    }
    fn invited(&self, _: &SchemeParams, victim: &str, after: u64) -> Vec<Invited> {
        vec![
            Invited::new(
                format!("{victim}'s phone, t={after}"),
                vec![Theft::Device {
                    user: victim.to_owned(),
                    t: after,
                }],
            ),
            Invited::new(
                format!("added: {victim}, t>={after}"),
                vec![Theft::AddedMember {
                    name: ADDED_MEMBER.to_owned(),
                    target: victim.to_owned(),
                    from: after,
                }],
            ),
        ]
    }
}

#[cfg(test)]
mod tests;
