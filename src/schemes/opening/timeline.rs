//! The timeline of one stolen device: which of the victim's messages open before the
//! theft, around it and after it, and when the sessions heal.

use serde::Serialize;

use super::open::Outcome;
use crate::wire::envelope::Envelope;

/// Slices of the recording in a timeline's strip.
pub const STRIP_SLICES: usize = 24;

/// A count of messages and how many of them opened.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Span {
    /// Messages in the span.
    pub messages: u64,
    /// Of those, opened.
    pub opened: u64,
}

impl Span {
    pub(crate) fn add(&mut self, opened: bool) {
        self.messages += 1;
        self.opened += u64::from(opened);
    }
}

/// Slices of [`OverTime`].
pub const OVER_TIME_SLICES: usize = 64;

/// Every recorded message in equal slices of logical time, and how many of each slice
/// opened: which messages one compromise opens, over t. Built as the capture streams
/// past, without knowing its last t: when a message falls past the last slice, pairs of
/// slices merge and each slice covers twice the ticks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OverTime {
    /// Logical ticks per slice (a power of two); slice `i` holds t in
    /// `i * ticks_per_slice .. (i + 1) * ticks_per_slice`.
    pub ticks_per_slice: u64,
    /// The slices, from t = 0; trailing empty slices are dropped.
    pub slices: Vec<Span>,
}

impl Default for OverTime {
    fn default() -> Self {
        OverTime {
            ticks_per_slice: 1,
            slices: vec![Span::default(); OVER_TIME_SLICES],
        }
    }
}

impl OverTime {
    /// Counts one message at logical time `t`.
    pub fn add(&mut self, t: u64, opened: bool) {
        while t / self.ticks_per_slice >= OVER_TIME_SLICES as u64 {
            let merged: Vec<Span> = self
                .slices
                .chunks(2)
                .map(|pair| Span {
                    messages: pair.iter().map(|s| s.messages).sum(),
                    opened: pair.iter().map(|s| s.opened).sum(),
                })
                .chain(std::iter::repeat(Span::default()))
                .take(OVER_TIME_SLICES)
                .collect();
            self.slices = merged;
            self.ticks_per_slice *= 2;
        }
        self.slices[(t / self.ticks_per_slice) as usize].add(opened);
    }

    /// The finished strip, without the empty slices after the last message.
    pub fn finish(mut self) -> Self {
        while self.slices.last().is_some_and(|s| s.messages == 0) {
            self.slices.pop();
        }
        self
    }
}

/// The victim and one peer: the messages between them, before and after T.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PeerTimeline {
    /// The conversation partner.
    pub peer: String,
    /// Their messages with the victim at or before T.
    pub before: Span,
    /// After T.
    pub after: Span,
    /// The last message between them, after T, that opened.
    pub last_opened_after: Option<u64>,
    /// The first message between them after which nothing opens any more; `None` if the
    /// last message of the recording still opened (or none came after T).
    pub healed_at: Option<u64>,
}

/// What a device stolen just after `t` exposes of its owner's messages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Timeline {
    /// The victim.
    pub user: String,
    /// The device was copied just after this logical time.
    pub t: u64,
    /// The victim's messages (sent or received) at or before T.
    pub before: Span,
    /// The victim's messages after T.
    pub after: Span,
    /// The last of the victim's messages after T that opened.
    pub last_opened_after: Option<u64>,
    /// From this message on, nothing of the victim's opens; `None` if it never heals
    /// within the recording.
    pub healed_at: Option<u64>,
    /// Messages that do not involve the victim but opened all the same.
    pub other_users_opened: u64,
    /// The same, per conversation partner.
    pub peers: Vec<PeerTimeline>,
    /// The victim's messages in equal slices of logical time, for a strip chart.
    pub strip: Vec<Span>,
    /// Logical ticks per slice of the strip.
    pub strip_ticks: u64,
}

impl Timeline {
    /// The slice of the strip that holds logical time `t`.
    pub fn strip_slice_of(&self, t: u64) -> usize {
        slice_of(t, self.strip_ticks, self.strip.len())
    }
}

fn slice_of(t: u64, ticks: u64, slices: usize) -> usize {
    (((t.max(1) - 1) / ticks.max(1)) as usize).min(slices.saturating_sub(1))
}

/// One of the victim's messages: when, whether it opened, and the peers involved.
struct VictimMessage {
    t: u64,
    opened: bool,
    peers: Vec<usize>,
}

/// Builds a [`Timeline`] as outcomes stream past.
pub struct TimelineBuilder {
    user: String,
    t: u64,
    seen: Vec<VictimMessage>,
    peers: Vec<String>,
    other_users_opened: u64,
    last_t: u64,
}

impl TimelineBuilder {
    /// A timeline of `user`'s device stolen just after `t`, among `users`.
    pub fn new(user: &str, t: u64, users: &[String]) -> Self {
        TimelineBuilder {
            user: user.to_owned(),
            t,
            seen: Vec::new(),
            peers: users.iter().filter(|u| *u != user).cloned().collect(),
            other_users_opened: 0,
            last_t: 0,
        }
    }

    /// Counts one envelope and what became of it.
    pub fn count(&mut self, envelope: &Envelope, outcome: &Outcome) {
        let opened = matches!(outcome, Outcome::Opened(_));
        self.last_t = self.last_t.max(envelope.t);
        let peers: Vec<&str> = if envelope.from == self.user {
            envelope.to.iter().map(String::as_str).collect()
        } else if envelope.to.contains(&self.user) {
            vec![envelope.from.as_str()]
        } else {
            self.other_users_opened += u64::from(opened);
            return;
        };
        let indices = peers
            .into_iter()
            .map(|peer| match self.peers.iter().position(|p| p == peer) {
                Some(i) => i,
                None => {
                    self.peers.push(peer.to_owned());
                    self.peers.len() - 1
                }
            })
            .collect();
        self.seen.push(VictimMessage {
            t: envelope.t,
            opened,
            peers: indices,
        });
    }

    /// The timeline of everything counted.
    pub fn finish(self) -> Timeline {
        let t = self.t;
        let span = |filter: &dyn Fn(&VictimMessage) -> bool| {
            let mut span = Span::default();
            for m in self.seen.iter().filter(|m| filter(m)) {
                span.add(m.opened);
            }
            span
        };
        let heal = |messages: &[&VictimMessage]| {
            let after: Vec<_> = messages.iter().filter(|m| m.t > t).collect();
            let last_opened = after.iter().rev().find(|m| m.opened).map(|m| m.t);
            let healed = after
                .iter()
                .find(|m| last_opened.is_none_or(|last| m.t > last))
                .map(|m| m.t);
            (last_opened, healed)
        };
        let peers = self
            .peers
            .iter()
            .enumerate()
            .map(|(i, peer)| {
                let with: Vec<_> = self.seen.iter().filter(|m| m.peers.contains(&i)).collect();
                let (last_opened_after, healed_at) = heal(&with);
                PeerTimeline {
                    peer: peer.clone(),
                    before: span(&|m| m.peers.contains(&i) && m.t <= t),
                    after: span(&|m| m.peers.contains(&i) && m.t > t),
                    last_opened_after,
                    healed_at,
                }
            })
            .filter(|p| p.before.messages + p.after.messages > 0)
            .collect();
        let all: Vec<_> = self.seen.iter().collect();
        let (last_opened_after, healed_at) = heal(&all);
        let mut strip = vec![Span::default(); STRIP_SLICES];
        let strip_ticks = self.last_t.max(1).div_ceil(STRIP_SLICES as u64);
        for m in &self.seen {
            strip[slice_of(m.t, strip_ticks, STRIP_SLICES)].add(m.opened);
        }
        // Rounding the slice width up can leave the last slices past the recording.
        strip.truncate(slice_of(self.last_t, strip_ticks, STRIP_SLICES) + 1);
        Timeline {
            before: span(&|m| m.t <= t),
            after: span(&|m| m.t > t),
            user: self.user,
            t,
            last_opened_after,
            healed_at,
            other_users_opened: self.other_users_opened,
            peers,
            strip,
            strip_ticks,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn envelope(t: u64, from: &str, to: &[&str]) -> Envelope {
        let message = crate::wire::message::Message {
            id: format!("m{t:06}"),
            t,
            from: from.into(),
            to: to.iter().map(|s| s.to_string()).collect(),
            text: String::new(),
            session: None,
        };
        Envelope::new(
            &message,
            crate::schemes::SchemeId::ForwardSecret,
            [0; 12],
            vec![0; 16],
        )
    }

    #[test]
    fn heals_after_the_last_opened_message() {
        let users: Vec<String> = ["alice", "bob", "carol"].map(String::from).to_vec();
        let mut b = TimelineBuilder::new("alice", 10, &users);
        let open = Outcome::Opened(String::new());
        let sealed = Outcome::Sealed;
        b.count(&envelope(5, "bob", &["alice"]), &sealed);
        b.count(&envelope(9, "bob", &["alice"]), &open); // undelivered at T
        b.count(&envelope(11, "alice", &["bob"]), &open);
        b.count(&envelope(12, "bob", &["carol"]), &sealed);
        b.count(&envelope(13, "bob", &["alice", "carol"]), &open);
        b.count(&envelope(14, "alice", &["bob"]), &sealed);
        b.count(&envelope(15, "carol", &["alice"]), &sealed);
        let timeline = b.finish();
        assert_eq!(
            timeline.before,
            Span {
                messages: 2,
                opened: 1
            }
        );
        assert_eq!(
            timeline.after,
            Span {
                messages: 4,
                opened: 2
            }
        );
        assert_eq!(timeline.last_opened_after, Some(13));
        assert_eq!(timeline.healed_at, Some(14));
        let bob = &timeline.peers[0];
        assert_eq!((bob.peer.as_str(), bob.healed_at), ("bob", Some(14)));
        let carol = &timeline.peers[1];
        assert_eq!((carol.last_opened_after, carol.healed_at), (None, Some(15)));
        assert_eq!(timeline.other_users_opened, 0);
        assert_eq!(timeline.strip.iter().map(|s| s.messages).sum::<u64>(), 6);
    }

    #[test]
    fn never_heals_when_the_last_message_opens() {
        let users: Vec<String> = ["alice", "bob"].map(String::from).to_vec();
        let mut b = TimelineBuilder::new("alice", 1, &users);
        for t in 1..=5 {
            b.count(
                &envelope(t, "bob", &["alice"]),
                &Outcome::Opened(String::new()),
            );
        }
        let timeline = b.finish();
        assert_eq!(timeline.healed_at, None);
        assert_eq!(timeline.last_opened_after, Some(5));
    }
}

#[cfg(test)]
mod over_time_tests {
    use super::*;

    /// Slices double as t grows past them, and every message stays counted once, in
    /// the slice that holds its t.
    #[test]
    fn slices_merge_without_losing_a_message() {
        let mut strip = OverTime::default();
        for t in 1..=1000u64 {
            strip.add(t, t > 500);
        }
        let strip = strip.finish();
        assert_eq!(strip.ticks_per_slice, 16);
        assert_eq!(strip.slices.iter().map(|s| s.messages).sum::<u64>(), 1000);
        assert_eq!(strip.slices.iter().map(|s| s.opened).sum::<u64>(), 500);
        // Slice 31 holds t 496..=511: 496..=500 sealed (5), 501..=511 opened (11).
        assert_eq!(
            strip.slices[31],
            Span {
                messages: 16,
                opened: 11
            }
        );
        assert_eq!(
            strip.slices[0],
            Span {
                messages: 15,
                opened: 0
            },
            "t = 0 never sent"
        );
        assert_eq!(
            strip.slices.len(),
            63,
            "1000 / 16 = 62.5: slice 62 is the last"
        );
    }
}
