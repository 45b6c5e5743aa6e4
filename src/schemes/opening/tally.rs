//! The blast radius: how much of the recorded traffic one compromise exposes.

use std::collections::HashMap;

use serde::Serialize;

use super::open::Outcome;
use super::timeline::{OverTime, Timeline, TimelineBuilder};
use crate::wire::envelope::Envelope;

/// Exposure of one user: of the messages they sent or received, how many were opened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UserExposure {
    /// The user.
    pub name: String,
    /// Their messages, sent or received.
    pub messages: u64,
    /// Of those, opened.
    pub opened: u64,
}

/// What a compromise opened, in the fields the command-line contract fixes plus a few
/// that make the comparison fair.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BlastRadius {
    /// Messages recorded.
    pub messages_total: u64,
    /// Messages opened.
    pub messages_opened: u64,
    /// Messages a held key was a reader of that did not authenticate: tampered.
    pub messages_failed_integrity: u64,
    /// Messages no held key is a reader of.
    pub messages_sealed: u64,
    /// Users in the world.
    pub users_total: u64,
    /// Users at least one of whose messages (sent or received) was opened.
    pub users_exposed: Vec<String>,
    /// Users every one of whose messages was opened.
    pub users_fully_exposed: Vec<String>,
    /// A conversation is a fixed set of members (a pair, or a group).
    pub conversations_total: u64,
    /// Conversations with at least one message opened.
    pub conversations_exposed: u64,
    /// Logical time of the first opened message.
    pub first_exposed_t: Option<u64>,
    /// Logical time of the last opened message.
    pub last_exposed_t: Option<u64>,
    /// Each user's exposure, in directory order.
    pub per_user: Vec<UserExposure>,
    /// For each stolen device: what opened before, around and after the theft.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub timelines: Vec<Timeline>,
    /// Every message in slices of logical time, and how many of each opened.
    pub over_time: OverTime,
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
    /// Every user met, in directory order, then in order of first appearance.
    users: Vec<String>,
    /// Each user's place in `users`, so counting allocates nothing for a known name.
    index: HashMap<String, u32>,
    /// (messages, opened) for each user, by place in `users`.
    per_user: Vec<(u64, u64)>,
    /// One timeline per stolen device being watched.
    timelines: Vec<TimelineBuilder>,
    /// Each conversation, as the sorted places of its members: whether any of its
    /// messages opened.
    conversations: HashMap<Box<[u32]>, bool>,
    total: u64,
    opened: u64,
    failed: u64,
    first: Option<u64>,
    last: Option<u64>,
    over_time: OverTime,
    /// Whether the users are the world's, given up front.
    closed: bool,
}

impl Tally {
    /// `users` are the world's users, in directory order. With none given, users met in
    /// the capture are added as they come.
    pub fn new(users: Vec<String>) -> Self {
        let mut tally = Tally {
            users: Vec::new(),
            index: HashMap::new(),
            per_user: Vec::new(),
            timelines: Vec::new(),
            conversations: HashMap::new(),
            total: 0,
            opened: 0,
            failed: 0,
            first: None,
            last: None,
            over_time: OverTime::default(),
            closed: false,
        };
        for user in &users {
            tally.place(user);
        }
        tally.closed = !users.is_empty();
        tally
    }

    /// The place of `name` in `users`, adding it if it is new.
    fn place(&mut self, name: &str) -> u32 {
        if let Some(&i) = self.index.get(name) {
            return i;
        }
        let i = self.users.len() as u32;
        self.users.push(name.to_owned());
        self.index.insert(name.to_owned(), i);
        self.per_user.push((0, 0));
        i
    }

    /// The place of `name` among the users: a name met only in the capture is added,
    /// unless the world's users were given, when it is no user (a member the server
    /// added to the users' conversations) and counts for no one.
    fn member(&mut self, name: &str) -> Option<u32> {
        match self.index.get(name) {
            Some(&i) => Some(i),
            None if self.closed => None,
            None => Some(self.place(name)),
        }
    }

    /// Also follows each stolen device's owner through time (see [`Timeline`]).
    pub fn watching(mut self, devices: &[(String, u64)]) -> Self {
        self.timelines = devices
            .iter()
            // A device of no user's (a member the server added) has no user to follow.
            .filter(|(user, _)| !self.closed || self.index.contains_key(user))
            .map(|(user, t)| TimelineBuilder::new(user, *t, &self.users))
            .collect();
        self
    }

    /// Counts one envelope and what became of it.
    pub fn count(&mut self, envelope: &Envelope, outcome: &Outcome) {
        for timeline in &mut self.timelines {
            timeline.count(envelope, outcome);
        }
        let opened = matches!(outcome, Outcome::Opened(_));
        self.total += 1;
        self.over_time.add(envelope.t, opened);
        match outcome {
            Outcome::Opened(_) => {
                self.opened += 1;
                self.first = Some(self.first.map_or(envelope.t, |f| f.min(envelope.t)));
                self.last = Some(self.last.map_or(envelope.t, |l| l.max(envelope.t)));
            }
            Outcome::FailedIntegrity => self.failed += 1,
            Outcome::Sealed => {}
        }
        // Members as places, sorted, on the stack for any ordinary conversation.
        let mut small = [0u32; 16];
        let mut large = Vec::new();
        let places: &mut [u32] = if envelope.to.len() < small.len() {
            &mut small[..envelope.to.len() + 1]
        } else {
            large.resize(envelope.to.len() + 1, 0);
            &mut large
        };
        let mut n = 0;
        for name in envelope.participants() {
            let Some(place) = self.member(name) else {
                continue;
            };
            places[n] = place;
            n += 1;
            let counts = &mut self.per_user[place as usize];
            counts.0 += 1;
            counts.1 += u64::from(opened);
        }
        let members = &mut places[..n];
        members.sort_unstable();
        match self.conversations.get_mut(&*members) {
            Some(any_opened) => *any_opened |= opened,
            None => {
                self.conversations.insert(members.into(), opened);
            }
        }
    }

    /// The radius of everything counted, which took `seconds`.
    pub fn finish(self, seconds: f64) -> BlastRadius {
        let per_user: Vec<UserExposure> = self
            .users
            .iter()
            .zip(&self.per_user)
            .map(|(name, &(messages, opened))| UserExposure {
                name: name.clone(),
                messages,
                opened,
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
            over_time: self.over_time.finish(),
            seconds,
        }
    }
}
