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

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use super::{Scheme, SchemeId};
use crate::crypto::aead::ContentKey;
use crate::crypto::random::RandomStream;
use crate::crypto::rsa_oaep::PublicKey;
use crate::wire::envelope::Envelope;

/// The hidden participant's name, as it appears in `wrapped`.
pub const GHOST_NAME: &str = "ghost";
pub const NOTICES: &str = "notices.jsonl";

/// The design: a relay that adds a hidden reader from `after` on.
pub struct Ghost {
    pub ghost: PublicKey,
    pub after: u64,
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
}

/// What a verifying client shows its user: `notices.jsonl`, one per line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notice {
    pub t: u64,
    pub user: String,
    pub conversation: Vec<String>,
    pub notice: String,
}

/// Clients that verify: each notices, once per conversation, a reader who is not a
/// member. Clients that suppress the notice (the proposal's requirement) show nothing.
pub struct Watchers {
    verifying: Vec<String>,
    warned: HashSet<(String, Vec<String>)>,
}

impl Watchers {
    pub fn new(verifying: Vec<String>) -> Self {
        Watchers {
            verifying,
            warned: HashSet::new(),
        }
    }

    pub fn watch(&mut self, envelope: &Envelope) -> Vec<Notice> {
        let members: Vec<&str> = envelope.participants().collect();
        let strangers: Vec<&str> = envelope
            .wrapped
            .iter()
            .map(|(name, _)| name.as_str())
            .filter(|name| !members.contains(name))
            .collect();
        if strangers.is_empty() {
            return Vec::new();
        }
        let mut conversation: Vec<String> = members.iter().map(|m| (*m).to_owned()).collect();
        conversation.sort();
        let mut notices = Vec::new();
        for member in &members {
            let key = ((*member).to_owned(), conversation.clone());
            if self.verifying.iter().any(|v| v == member) && self.warned.insert(key) {
                notices.push(Notice {
                    t: envelope.t,
                    user: (*member).to_owned(),
                    conversation: conversation.clone(),
                    notice: format!(
                        "safety check failed: {} can read this conversation but is not a member",
                        strangers.join(", ")
                    ),
                });
            }
        }
        notices
    }
}
