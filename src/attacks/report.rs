//! The blast radius: how much of the recorded traffic one compromise exposes.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use super::open::Outcome;
use super::timeline::{Timeline, TimelineBuilder};
use crate::wire::envelope::Envelope;

/// Exposure of one user: of the messages they sent or received, how many were opened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UserExposure {
    pub name: String,
    pub messages: u64,
    pub opened: u64,
}

/// What a compromise opened, in the fields the command-line contract fixes plus a few
/// that make the comparison fair.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BlastRadius {
    pub messages_total: u64,
    pub messages_opened: u64,
    pub messages_failed_integrity: u64,
    /// Messages no held key is a reader of.
    pub messages_sealed: u64,
    pub users_total: u64,
    /// Users at least one of whose messages (sent or received) was opened.
    pub users_exposed: Vec<String>,
    /// Users every one of whose messages was opened.
    pub users_fully_exposed: Vec<String>,
    /// A conversation is a fixed set of members (a pair, or a group).
    pub conversations_total: u64,
    pub conversations_exposed: u64,
    /// Logical time of the first and last opened message.
    pub first_exposed_t: Option<u64>,
    pub last_exposed_t: Option<u64>,
    pub per_user: Vec<UserExposure>,
    /// For each stolen device: what opened before, around and after the theft.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub timelines: Vec<Timeline>,
    /// Wall-clock seconds the opening took.
    pub seconds: f64,
}

impl BlastRadius {
    /// Opened messages as a percentage of all messages.
    pub fn percent_opened(&self) -> f64 {
        if self.messages_total == 0 {
            0.0
        } else {
            100.0 * self.messages_opened as f64 / self.messages_total as f64
        }
    }
}

/// Counts outcomes as they stream past.
pub struct Tally {
    users: Vec<String>,
    /// One timeline per stolen device being watched.
    timelines: Vec<TimelineBuilder>,
    per_user: HashMap<String, (u64, u64)>,
    conversations: BTreeMap<Vec<String>, bool>,
    total: u64,
    opened: u64,
    failed: u64,
    first: Option<u64>,
    last: Option<u64>,
}

impl Tally {
    /// `users` are the world's users, in directory order; users met only in the capture
    /// are added after them.
    pub fn new(users: Vec<String>) -> Self {
        Tally {
            users,
            timelines: Vec::new(),
            per_user: HashMap::new(),
            conversations: BTreeMap::new(),
            total: 0,
            opened: 0,
            failed: 0,
            first: None,
            last: None,
        }
    }

    /// Also follows each stolen device's owner through time (see [`Timeline`]).
    pub fn watching(mut self, devices: &[(String, u64)]) -> Self {
        self.timelines = devices
            .iter()
            .map(|(user, t)| TimelineBuilder::new(user, *t, &self.users))
            .collect();
        self
    }

    pub fn count(&mut self, envelope: &Envelope, outcome: &Outcome) {
        for timeline in &mut self.timelines {
            timeline.count(envelope, outcome);
        }
        let opened = matches!(outcome, Outcome::Opened(_));
        self.total += 1;
        match outcome {
            Outcome::Opened(_) => {
                self.opened += 1;
                self.first = Some(self.first.map_or(envelope.t, |f| f.min(envelope.t)));
                self.last = Some(self.last.map_or(envelope.t, |l| l.max(envelope.t)));
            }
            Outcome::FailedIntegrity => self.failed += 1,
            Outcome::Sealed => {}
        }
        let mut members: Vec<String> = envelope.participants().map(str::to_owned).collect();
        for member in &members {
            if !self.per_user.contains_key(member) && !self.users.contains(member) {
                self.users.push(member.clone());
            }
            let entry = self.per_user.entry(member.clone()).or_default();
            entry.0 += 1;
            entry.1 += u64::from(opened);
        }
        members.sort();
        *self.conversations.entry(members).or_default() |= opened;
    }

    pub fn finish(self, seconds: f64) -> BlastRadius {
        let per_user: Vec<UserExposure> = self
            .users
            .iter()
            .map(|name| {
                let (messages, opened) = self.per_user.get(name).copied().unwrap_or_default();
                UserExposure {
                    name: name.clone(),
                    messages,
                    opened,
                }
            })
            .collect();
        BlastRadius {
            messages_total: self.total,
            messages_opened: self.opened,
            messages_failed_integrity: self.failed,
            messages_sealed: self.total - self.opened - self.failed,
            users_total: self.users.len() as u64,
            users_exposed: per_user
                .iter()
                .filter(|u| u.opened > 0)
                .map(|u| u.name.clone())
                .collect(),
            users_fully_exposed: per_user
                .iter()
                .filter(|u| u.messages > 0 && u.opened == u.messages)
                .map(|u| u.name.clone())
                .collect(),
            conversations_total: self.conversations.len() as u64,
            conversations_exposed: self.conversations.values().filter(|o| **o).count() as u64,
            first_exposed_t: self.first,
            last_exposed_t: self.last,
            per_user,
            timelines: self
                .timelines
                .into_iter()
                .map(TimelineBuilder::finish)
                .collect(),
            seconds,
        }
    }
}
