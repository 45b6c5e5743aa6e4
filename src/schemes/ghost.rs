//! `ghost`: GCHQ's "ghost" proposal (Levy and Robinson, November 2018).
//!
//! No escrow key at all. From logical time `after`, the relay silently adds a hidden
//! participant, `ghost`, to every conversation of its target: the sender's app is told
//! the ghost is a member, so it wraps each content key for the ghost too, and (as the
//! proposal requires) suppresses the notice that would reveal a new member. A client
//! that verifies membership and safety numbers notices the stranger at once.
//!
//! The lesson: the power to add a reader belongs to whoever controls the relay, lawful or
//! not. An insider or an intruder at the relay reads any conversation it chooses, from
//! then on, with a key of its own choosing.

use super::params::{DesignParams, Kind, ParamsKind};
use super::registry::{
    Built, ClientNotice, ClientWatch, Design, Inputs, Invited, Theft, Warrant, Warranted,
    WorldShape,
};
use super::stage::{DesignEvent, OwnEvent, Stage};
use super::SchemeParams;
use crate::error::InputError;
use crate::schemes::said::Fact;
use crate::wire::world_file::Role;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

use super::{Scheme, SchemeId};
use crate::crypto::aead::ContentKey;
use crate::crypto::random::RandomStream;
use crate::crypto::rsa_oaep::PublicKey;
use crate::wire::envelope::Envelope;

/// The hidden participant's name, as it appears in `wrapped`.
pub const GHOST_NAME: &str = "ghost";
/// Where a ghost world keeps what verifying clients showed.
pub const NOTICES: &str = "notices.jsonl";

/// Whose conversations `simulate` aims the ghost at when `--ghost-target` is not given.
pub const DEFAULT_TARGET: &str = "alice";

/// ghost's parameters: its `simulate` flags and its table in world.json. A demo aims
/// the ghost with its `ghost` event instead, so there both may be absent: the relay
/// adds no one until then.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, clap::Args)]
#[serde(default)]
pub struct GhostParams {
    /// ghost: the relay adds the hidden reader from this logical time on [default:
    /// half-way]
    #[arg(long, value_name = "T")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ghost_after: Option<u64>,
    /// ghost: the user whose conversations the relay targets
    #[arg(long, value_name = "USER", default_value = DEFAULT_TARGET)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ghost_target: Option<String>,
    /// ghost: a user whose client verifies membership and safety numbers; repeatable
    /// (the others suppress the notice, as the proposal requires)
    #[arg(long, value_name = "USER")]
    pub verifying: Vec<String>,
}

impl DesignParams for GhostParams {
    /// The ghost joins half-way through the world's messages.
    fn settle(&mut self, world: &WorldShape) {
        self.ghost_after.get_or_insert(world.messages / 2 + 1);
    }
}

/// The design: a relay that adds a hidden reader from `after` on.
pub struct Ghost {
    /// The ghost's public key.
    pub ghost: PublicKey,
    /// From this logical time on.
    pub after: u64,
    /// Whose conversations.
    pub target: String,
}

impl Ghost {
    /// Whether the relay adds the ghost to this envelope.
    pub fn targets(&self, envelope: &Envelope) -> bool {
        envelope.t >= self.after && envelope.participants().any(|p| p == self.target)
    }
}

impl Scheme for Ghost {
    fn id(&self) -> SchemeId {
        SchemeId::Ghost
    }

    fn add_exceptional_access(
        &self,
        envelope: &mut Envelope,
        _: &crate::wire::message::Message,
        key: &ContentKey,
        rng: &mut RandomStream,
    ) {
        if self.targets(envelope) {
            envelope
                .wrapped
                .push((GHOST_NAME.to_owned(), self.ghost.wrap(rng, key)));
        }
    }

    fn point_hidden_reader(&mut self, at: Option<(&str, u64)>) -> bool {
        (self.target, self.after) = match at {
            Some((target, from)) => (target.to_owned(), from),
            None => (String::new(), u64::MAX),
        };
        true
    }
}

/// Clients that verify: each notices, once per conversation, a reader who is not one
/// of the members its user knows. Clients that suppress the notice (the ghost
/// proposal's requirement) show nothing.
pub struct Watchers {
    verifying: Vec<String>,
    warned: HashSet<(String, Vec<String>)>,
    strangers: fn(&Envelope) -> Vec<String>,
    notice: fn(&[String]) -> String,
}

impl Watchers {
    /// Clients of `verifying` users check who can read each conversation (its
    /// `wrapped` readers); the rest stay silent.
    pub fn new(verifying: Vec<String>) -> Self {
        Watchers::with(
            verifying,
            |envelope| {
                envelope
                    .wrapped
                    .iter()
                    .map(|(name, _)| name.clone())
                    .filter(|name| !envelope.participants().any(|p| p == name))
                    .collect()
            },
            |strangers| {
                format!(
                    "safety check failed: {} can read this conversation but is not a member",
                    strangers.join(", ")
                )
            },
        )
    }

    /// Clients of `verifying` users find the `strangers` in each envelope and show
    /// their users the `notice`; the rest stay silent.
    pub fn with(
        verifying: Vec<String>,
        strangers: fn(&Envelope) -> Vec<String>,
        notice: fn(&[String]) -> String,
    ) -> Self {
        Watchers {
            verifying,
            warned: HashSet::new(),
            strangers,
            notice,
        }
    }

    /// The notices `envelope` raises on verifying clients.
    pub fn watch(&mut self, envelope: &Envelope) -> Vec<ClientNotice> {
        let strangers = (self.strangers)(envelope);
        if strangers.is_empty() {
            return Vec::new();
        }
        let members: Vec<String> = envelope
            .participants()
            .filter(|p| !strangers.iter().any(|s| s == p))
            .map(str::to_owned)
            .collect();
        let mut conversation = members.clone();
        conversation.sort();
        let mut notices = Vec::new();
        for member in &members {
            let key = (member.clone(), conversation.clone());
            if self.verifying.contains(member) && self.warned.insert(key) {
                notices.push(ClientNotice {
                    t: envelope.t,
                    user: member.clone(),
                    conversation: conversation.clone(),
                    notice: (self.notice)(&strangers),
                });
            }
        }
        notices
    }
}

/// A scenario's `ghost` event: the relay adds the ghost to every conversation of
/// `target` from the next message on.
#[derive(Debug)]
struct AimGhost {
    target: String,
}

impl DesignEvent for AimGhost {
    fn play(&self, stage: &mut dyn Stage) -> crate::error::Result<Vec<Fact>> {
        let from = stage.now() + 1;
        if let Some(relay) = stage.sealer() {
            relay.point_hidden_reader(Some((&self.target, from)));
        }
        let verifying = &stage.params().get::<GhostParams>().verifying;
        Ok(vec![
            Fact::told(
                "the relay adds",
                format!("ghost to every conversation of {}", self.target),
            ),
            Fact::told("from", format!("t={from}")),
            Fact::told(
                "verifying clients",
                if verifying.is_empty() {
                    "none: every client suppresses the notice".to_owned()
                } else {
                    verifying.join(", ")
                },
            ),
        ])
    }
}

/// The ghost design.
pub struct GhostDesign;

impl Design for GhostDesign {
    fn world_entries(&self) -> &'static [(&'static str, bool)] {
        &[(NOTICES, false)]
    }
    fn warrant_reads_recorded(&self) -> bool {
        false
    }

    fn serve_warrant(&self, warrant: &Warrant) -> crate::error::Result<Warranted> {
        Ok(Warranted::GhostJoins {
            from: warrant.t + 1,
        })
    }

    fn own_events(&self) -> &'static [OwnEvent] {
        &[OwnEvent {
            name: "ghost",
            fields: &["target"],
            parse: |fields| {
                Ok(Box::new(AimGhost {
                    target: fields.user("target")?,
                }))
            },
            anywhere: false,
            total: None,
        }]
    }

    fn id(&self) -> SchemeId {
        SchemeId::Ghost
    }
    fn summary(&self) -> &'static str {
        "the relay adds a hidden reader to chats it picks"
    }
    fn params(&self) -> Option<&'static dyn ParamsKind> {
        Some(&Kind::<GhostParams>::NEW)
    }
    fn check(&self, params: &SchemeParams, world: &WorldShape) -> Result<(), InputError> {
        let params = params.get::<GhostParams>();
        let users = world.users;
        let not_a_user = |name: &str, flag: &str| {
            let hint = match (users.first(), users.last()) {
                (Some(first), Some(last)) => format!("users are {first} ... {last}"),
                _ => "this world has no users".to_owned(),
            };
            InputError::new(format!("{name:?} is not a user of this world"))
                .field(flag)
                .hint(hint)
        };
        if let Some(target) = params.ghost_target.as_ref().filter(|t| !users.contains(t)) {
            return Err(not_a_user(target, "--ghost-target"));
        }
        if let Some(stranger) = params.verifying.iter().find(|v| !users.contains(v)) {
            return Err(not_a_user(stranger, "--verifying"));
        }
        if let Some(after) = params.ghost_after.filter(|&t| t == 0 || t > world.messages) {
            return Err(InputError::new(format!(
                "t={after} is outside the world's 1 to {} messages",
                world.messages
            ))
            .field("--ghost-after"));
        }
        Ok(())
    }
    // The ghost holds exceptional access as the escrow authority does; it reads through
    // its own `wrapped` entry rather than an `escrow` field.
    fn parties(&self) -> &'static [(&'static str, Role)] {
        &[(GHOST_NAME, Role::Escrow)]
    }
    fn authority(&self) -> Option<&'static str> {
        Some(GHOST_NAME)
    }
    fn holds(&self, _: &str) -> &'static str {
        "a key the relay can add to any chat"
    }
    fn build(&self, inputs: &Inputs) -> crate::error::Result<Built> {
        let ghost = inputs.party(GHOST_NAME)?;
        Ok(Built::sealer(Ghost {
            ghost: ghost.key.public_key().clone(),
            after: inputs.params.get::<GhostParams>().ghost_after.unwrap_or(0),
            target: inputs
                .params
                .get::<GhostParams>()
                .ghost_target
                .clone()
                .unwrap_or_default(),
        }))
    }
    fn client_watch(&self, params: &SchemeParams) -> Option<ClientWatch> {
        let mut watchers = Watchers::new(params.get::<GhostParams>().verifying.clone());
        Some(ClientWatch {
            file: NOTICES,
            watch: Box::new(move |envelope| watchers.watch(envelope)),
        })
    }
    fn invited(&self, _: &SchemeParams, victim: &str, after: u64) -> Vec<Invited> {
        vec![Invited::new(
            format!("relay: {victim}, t>={after}"),
            vec![Theft::Party(GHOST_NAME.to_owned())],
        )]
    }
}
