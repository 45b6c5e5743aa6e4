//! Who says what to whom: plausible traffic, one-to-one and in groups, generated as a
//! stream so a million messages need no more memory than ten.

use rand::seq::SliceRandom;
use rand::Rng;

use crate::crypto::random::{RandomStream, Randomness};

pub use crate::wire::message::{message_id, session_id, Message, SessionRef};

/// A conversation: a fixed set of members, sorted.
#[derive(Debug, Clone)]
struct Conversation {
    members: Vec<String>,
    /// Relative activity: some pairs talk far more than others.
    weight: u32,
    session: Option<(String, u64)>,
}

/// Generates traffic among `users`.
pub struct TrafficGenerator {
    conversations: Vec<Conversation>,
    total_weight: u32,
    rng: RandomStream,
    t: u64,
    sessions_started: u64,
    session_size: u64,
}

impl TrafficGenerator {
    /// `session_size` is the number of messages per session key; 1 gives every message
    /// its own key and no `session` field.
    pub fn new(users: &[String], session_size: u64, randomness: &Randomness) -> Self {
        let mut rng = randomness.stream("traffic");
        let mut conversations = Vec::new();
        let mut add = |members: Vec<String>, rng: &mut RandomStream, scale: u32| {
            let mut members = members;
            members.sort();
            conversations.push(Conversation {
                members,
                weight: rng.gen_range(1..=4) * scale,
                session: None,
            });
        };
        let n = users.len();
        // Small worlds: everyone knows everyone. Larger ones: each user talks to a few
        // neighbours, as in a real contact graph, so the number of pairs stays linear.
        for i in 0..n {
            let partners: Vec<usize> = if n <= 12 {
                (i + 1..n).collect()
            } else {
                (1..=3).map(|k| (i + k) % n).collect()
            };
            for j in partners {
                add(vec![users[i].clone(), users[j].clone()], &mut rng, 3);
            }
        }
        // A few groups of three or four, about one for every two users.
        if n >= 3 {
            for _ in 0..n.div_ceil(2) {
                let size = rng.gen_range(3..=4.min(n));
                let members: Vec<String> = users.choose_multiple(&mut rng, size).cloned().collect();
                add(members, &mut rng, 2);
            }
        }
        let total_weight = conversations.iter().map(|c| c.weight).sum();
        TrafficGenerator {
            conversations,
            total_weight,
            rng,
            t: 0,
            sessions_started: 0,
            session_size: session_size.max(1),
        }
    }

    /// The next message.
    pub fn next_message(&mut self) -> Message {
        self.t += 1;
        let mut pick = self.rng.gen_range(0..self.total_weight);
        let index = self
            .conversations
            .iter()
            .position(|c| {
                if pick < c.weight {
                    true
                } else {
                    pick -= c.weight;
                    false
                }
            })
            // `pick` is below the sum of the weights, so some conversation takes it.
            .expect("weighted choice lands on a conversation");
        let members = self.conversations[index].members.clone();
        let from = members
            .choose(&mut self.rng)
            .expect("conversations are never empty")
            .clone();
        let to: Vec<String> = members.iter().filter(|m| **m != from).cloned().collect();
        let text = sentence(&mut self.rng, &from, &to);
        let session = (self.session_size > 1).then(|| self.session_for(index));
        Message {
            id: message_id(self.t),
            t: self.t,
            from,
            to,
            text,
            session,
        }
    }

    fn session_for(&mut self, conversation: usize) -> SessionRef {
        let session_size = self.session_size;
        let current = &mut self.conversations[conversation].session;
        match current {
            Some((id, used)) if *used < session_size => {
                *used += 1;
                SessionRef {
                    id: id.clone(),
                    first: false,
                }
            }
            _ => {
                self.sessions_started += 1;
                let id = session_id(self.sessions_started);
                *current = Some((id.clone(), 1));
                SessionRef { id, first: true }
            }
        }
    }
}

const PLACES: [&str; 8] = [
    "the station",
    "the library",
    "Rosa's",
    "the clinic",
    "the lab",
    "the market",
    "the front desk",
    "the usual place",
];
const TIMES: [&str; 8] = [
    "7:30",
    "9:00",
    "noon",
    "half past one",
    "4:15",
    "six",
    "eight tonight",
    "tomorrow morning",
];
const THINGS: [&str; 10] = [
    "the contract",
    "the test results",
    "my passport",
    "the spare key",
    "the draft",
    "the invoice",
    "the lease",
    "the slides",
    "the prescription",
    "the tickets",
];

/// A plausible line of chat. Teachers read these aloud, so they stay ordinary: the
/// point is that ordinary people's ordinary words are what an escrow leak exposes.
fn sentence(rng: &mut RandomStream, from: &str, to: &[String]) -> String {
    let place = PLACES.choose(rng).copied().unwrap_or("the usual place");
    let time = TIMES.choose(rng).copied().unwrap_or("noon");
    let thing = THINGS.choose(rng).copied().unwrap_or("the draft");
    let other = to.choose(rng).map_or("you", String::as_str);
    let group = to.len() > 1;
    match rng.gen_range(0..20) {
        0 => format!("Running late, meet at {place} at {time}?"),
        1 => format!("Did you bring {thing}?"),
        2 => format!("I left {thing} at {place}."),
        3 => "Call me when you can, it's about my mother.".to_owned(),
        4 => format!("The doctor moved my appointment to {time}."),
        5 => format!("My new door code is {}.", rng.gen_range(1000..10000)),
        6 => format!("Can you send {thing} before {time}?"),
        7 => format!(
            "Rent is {} this month, I'll transfer my half.",
            rng.gen_range(600..1900)
        ),
        8 => "I think I'm going to quit. Don't tell anyone yet.".to_owned(),
        9 => format!("Lunch at {place}? My treat."),
        10 => format!("The wifi password at {place} is {}.", password(rng)),
        11 => format!("Landed. See you at {place} around {time}."),
        12 => format!("Don't forward this, but {thing} is not what they said."),
        13 => format!("Hi {}, are you free later?", capitalise(other)),
        14 => format!("Pin for the shared card: {:04}.", rng.gen_range(0..10000)),
        15 if group => "Who's in for Friday?".to_owned(),
        15 => format!("Are we still on for {time}?"),
        16 => "The test came back negative. Huge relief.".to_owned(),
        17 => format!("Lawyer says to keep {thing} somewhere safe."),
        18 if group => format!("Moving the meeting to {place}, {time}."),
        18 => "Thanks for last night. Really.".to_owned(),
        _ => format!(
            "On my way, {}.",
            if from.len().is_multiple_of(2) {
                "ten minutes"
            } else {
                "five minutes"
            }
        ),
    }
}

fn password(rng: &mut RandomStream) -> String {
    const WORDS: [&str; 8] = [
        "tulip", "orbit", "maple", "cobalt", "ember", "harbor", "lemon", "quartz",
    ];
    format!(
        "{}-{}-{}",
        WORDS.choose(rng).unwrap_or(&"tulip"),
        WORDS.choose(rng).unwrap_or(&"orbit"),
        rng.gen_range(10..100)
    )
}

fn capitalise(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::names::user_name;

    fn users(n: usize) -> Vec<String> {
        (0..n).map(user_name).collect()
    }

    #[test]
    fn mixes_pairs_and_groups_and_numbers_from_one() {
        let mut g = TrafficGenerator::new(&users(6), 1, &Randomness::Seeded(3));
        let messages: Vec<Message> = (0..500).map(|_| g.next_message()).collect();
        assert_eq!(messages[0].t, 1);
        assert_eq!(messages[0].id, "m000001");
        assert_eq!(messages[499].id, "m000500");
        assert!(messages.iter().any(|m| m.to.len() == 1));
        assert!(messages.iter().any(|m| m.to.len() >= 2));
        assert!(messages
            .iter()
            .all(|m| !m.to.contains(&m.from) && m.session.is_none()));
    }

    #[test]
    fn seeded_traffic_repeats() {
        let a: Vec<Message> = {
            let mut g = TrafficGenerator::new(&users(5), 1, &Randomness::Seeded(9));
            (0..50).map(|_| g.next_message()).collect()
        };
        let mut g = TrafficGenerator::new(&users(5), 1, &Randomness::Seeded(9));
        let b: Vec<Message> = (0..50).map(|_| g.next_message()).collect();
        assert_eq!(a, b);
    }

    #[test]
    fn sessions_hold_at_most_session_size_messages() {
        let mut g = TrafficGenerator::new(&users(4), 3, &Randomness::Seeded(1));
        let mut counts = std::collections::HashMap::new();
        for _ in 0..200 {
            let m = g.next_message();
            let s = m.session.unwrap();
            let count = counts.entry(s.id).or_insert(0);
            assert_eq!(s.first, *count == 0);
            *count += 1;
            assert!(*count <= 3);
        }
    }

    #[test]
    fn large_worlds_keep_conversations_linear() {
        let g = TrafficGenerator::new(&users(200), 1, &Randomness::Seeded(1));
        assert!(g.conversations.len() <= 200 * 3 + 100);
    }
}
