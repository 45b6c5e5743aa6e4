//! Classroom demos: scripted stories told with real cryptography.
//!
//! A demo returns [`Act`]s made of [`Block`]s (facts, tables, blast radii); it prints
//! nothing. The binary renders them for a projector or as JSON, and the tests read the
//! numbers straight from them.

mod flagship;
mod forward_secrecy;

use serde::Serialize;

use crate::attacks::timeline::{Span, Timeline};
use crate::attacks::{BlastRadius, Keyring, Opener, Tally};
use crate::crypto::random::Randomness;
use crate::crypto::rsa_oaep::PrivateKey;
use crate::error::{InputError, Result};
use crate::wire::envelope::Envelope;
use crate::wire::plaintext::Plaintext;
use crate::wire::world_file::Role;
use crate::world::Party;

pub use flagship::run as run_flagship;
pub use forward_secrecy::run as run_forward_secrecy;

/// A demo's name and the one sentence `doormat demo --list` prints for it.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct DemoInfo {
    pub name: &'static str,
    pub summary: &'static str,
}

/// Every demo this doormat has, the flagship first.
pub const DEMOS: &[DemoInfo] = &[
    DemoInfo {
        name: "golden-key-leak",
        summary: "One escrow key leaks and every recorded message of every user opens; without escrow, one stolen key opens one user's conversations.",
    },
    DemoInfo {
        name: "forward-secrecy",
        summary: "The same phone stolen at the same moment: with a ratchet the past stays sealed and the future heals; with a golden key nothing does.",
    },
];

/// Runs the demo called `name`.
pub fn run(name: &str, options: &DemoOptions, observer: &mut dyn DemoObserver) -> Result<DemoRun> {
    match find(name)?.name {
        "forward-secrecy" => run_forward_secrecy(options, observer),
        _ => run_flagship(options, observer),
    }
}

/// Runs acts one after another, asking the observer before each.
pub(crate) struct Stage<'a> {
    observer: &'a mut dyn DemoObserver,
    pub acts: Vec<Act>,
}

impl<'a> Stage<'a> {
    pub fn new(observer: &'a mut dyn DemoObserver) -> Self {
        Stage {
            observer,
            acts: Vec::new(),
        }
    }

    /// Runs an act unless the teacher stops; returns whether it ran.
    pub fn act(
        &mut self,
        title: &str,
        body: impl FnOnce(&mut dyn DemoObserver) -> Result<(Vec<String>, Vec<Block>)>,
    ) -> Result<bool> {
        let number = self.acts.len() + 1;
        if !self.observer.before_act(number, title) {
            return Ok(false);
        }
        let started = std::time::Instant::now();
        let (narration, blocks) = body(self.observer)?;
        let act = Act {
            number,
            title: title.to_owned(),
            narration,
            blocks,
            seconds: started.elapsed().as_secs_f64(),
        };
        self.observer.after_act(&act);
        self.acts.push(act);
        Ok(true)
    }
}

/// The demo `doormat demo` runs when given no name.
pub const FLAGSHIP: &str = "golden-key-leak";

/// Looks a demo up by name.
pub fn find(name: &str) -> Result<&'static DemoInfo, InputError> {
    DEMOS.iter().find(|d| d.name == name).ok_or_else(|| {
        InputError::new(format!(
            "there is no demo called {:?}",
            crate::wire::names::truncate(name, 40)
        ))
        .hint("doormat demo --list shows the demos")
    })
}

/// How a demo runs.
#[derive(Debug, Clone)]
pub struct DemoOptions {
    pub randomness: Randomness,
    /// Messages recorded before the leak.
    pub messages: u64,
}

impl Default for DemoOptions {
    fn default() -> Self {
        DemoOptions {
            randomness: Randomness::Os,
            messages: 1000,
        }
    }
}

/// Hooks the binary uses to show a demo while it runs.
pub trait DemoObserver {
    /// Before act `number` is computed. Return `false` to stop the demo here.
    fn before_act(&mut self, _number: usize, _title: &str) -> bool {
        true
    }
    /// During long steps: `done` of `total` messages.
    fn progress(&mut self, _done: u64, _total: u64) {}
    /// After an act is complete.
    fn after_act(&mut self, _act: &Act) {}
}

/// An observer that watches nothing: for tests and `--json`.
pub struct Quiet;
impl DemoObserver for Quiet {}

/// A whole demo run, as `--json` prints it.
#[derive(Debug, Clone, Serialize)]
pub struct DemoRun {
    pub demo: String,
    /// The classroom seed, if the run was seeded (and so repeatable).
    pub seed: Option<u64>,
    pub acts: Vec<Act>,
    /// Set when the teacher stopped before the last act.
    pub stopped_early: bool,
}

/// One act of a demo: a title, what the teacher says, and what the screen shows.
#[derive(Debug, Clone, Serialize)]
pub struct Act {
    pub number: usize,
    pub title: String,
    pub narration: Vec<String>,
    pub blocks: Vec<Block>,
    /// Wall-clock seconds the act's computation took.
    pub seconds: f64,
}

/// Something an act shows.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Block {
    /// Labelled values, one per line.
    Facts { facts: Vec<Fact> },
    /// Who is in the world and what each holds.
    Parties { parties: Vec<PartyRow> },
    /// One envelope as the tap recorded it.
    Envelope { json: String },
    /// What one set of keys opened.
    Radius { label: String, radius: BlastRadius },
    /// Messages read by someone who should not have read them.
    Recovered {
        label: String,
        messages: Vec<Plaintext>,
    },
    /// The closing comparison: scheme × compromise.
    Comparison { rows: Vec<ComparisonRow> },
    /// What one stolen device exposed of its owner's messages, over time.
    Timeline { label: String, timeline: Timeline },
    /// One victim's exposure before and after T, and everyone else's, per design.
    Exposure {
        victim: String,
        t: u64,
        rows: Vec<ExposureRow>,
    },
    /// Where the story's facts come from.
    Sources { sources: Vec<String> },
}

#[derive(Debug, Clone, Serialize)]
pub struct Fact {
    pub label: String,
    pub value: String,
    /// `Some(true)`: shown as a ✓/OPEN; `Some(false)`: ✗/sealed; `None`: plain.
    pub open: Option<bool>,
}

impl Fact {
    pub fn plain(label: impl Into<String>, value: impl Into<String>) -> Self {
        Fact {
            label: label.into(),
            value: value.into(),
            open: None,
        }
    }
    pub fn marked(label: impl Into<String>, value: impl Into<String>, open: bool) -> Self {
        Fact {
            label: label.into(),
            value: value.into(),
            open: Some(open),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct PartyRow {
    pub name: String,
    pub role: String,
    /// "RSA-2048 sha256:1a2b3c4d", or empty for parties that hold no key.
    pub key: String,
    pub holds: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ExposureRow {
    pub scheme: String,
    pub compromise: String,
    /// The victim's messages at or before T, and how many opened.
    pub before: Span,
    /// The victim's messages after T.
    pub after: Span,
    /// Everyone else's messages (the victim in neither `from` nor `to`).
    pub others: Span,
}

#[derive(Debug, Clone, Serialize)]
pub struct ComparisonRow {
    pub scheme: String,
    pub compromise: String,
    /// `None` where the compromise does not exist in that design (no escrow key to steal).
    pub radius: Option<BlastRadius>,
}

/// Opens in-memory envelopes with `keyring`, reporting progress every batch. The
/// radius carries a timeline for each device the keyring holds as stolen.
pub fn open_all(
    keyring: &Keyring,
    envelopes: &[Envelope],
    users: &[String],
    observer: &mut dyn DemoObserver,
) -> (BlastRadius, Vec<Plaintext>) {
    open_all_watching(
        keyring,
        envelopes,
        users,
        keyring.stolen_devices(),
        observer,
    )
}

/// [`open_all`], with a timeline for each `(user, t)` in `watch`.
pub fn open_all_watching(
    keyring: &Keyring,
    envelopes: &[Envelope],
    users: &[String],
    watch: &[(String, u64)],
    observer: &mut dyn DemoObserver,
) -> (BlastRadius, Vec<Plaintext>) {
    const BATCH: usize = 128;
    let started = std::time::Instant::now();
    let mut opener = Opener::new(keyring);
    let mut tally = Tally::new(users.to_vec()).watching(watch);
    let mut opened = Vec::new();
    let total = envelopes.len() as u64;
    for (i, batch) in envelopes.chunks(BATCH).enumerate() {
        for (envelope, outcome) in batch.iter().zip(opener.open_batch(batch)) {
            tally.count(envelope, &outcome);
            if let crate::attacks::Outcome::Opened(text) = outcome {
                opened.push(Plaintext::opened(envelope, text));
            }
        }
        observer.progress(((i + 1) * BATCH).min(envelopes.len()) as u64, total);
    }
    (tally.finish(started.elapsed().as_secs_f64()), opened)
}

/// The demo cast with their published keys: the users, then the authorities.
pub fn demo_cast(users: &[&str], authorities: &[(&str, Role)]) -> Vec<Party> {
    users
        .iter()
        .map(|name| (*name, Role::User))
        .chain(authorities.iter().copied())
        .map(|(name, role)| Party {
            name: name.to_owned(),
            role,
            key: demo_key(name),
        })
        .collect()
}

/// The published demo keys (see `demos/keys/README.md`): not secret, so that a demo
/// never spends seconds generating RSA keys in front of a class.
pub fn demo_key(name: &str) -> PrivateKey {
    let pem = match name {
        "alice" => include_str!("../../demos/keys/alice.pem"),
        "bob" => include_str!("../../demos/keys/bob.pem"),
        "carol" => include_str!("../../demos/keys/carol.pem"),
        "dave" => include_str!("../../demos/keys/dave.pem"),
        "erin" => include_str!("../../demos/keys/erin.pem"),
        "frank" => include_str!("../../demos/keys/frank.pem"),
        "escrow" => include_str!("../../demos/keys/escrow.pem"),
        "vendor" => include_str!("../../demos/keys/vendor.pem"),
        "ghost" => include_str!("../../demos/keys/ghost.pem"),
        _ => unreachable!("demo_key is only asked for the demo cast"),
    };
    PrivateKey::from_pem(pem)
        .expect("the shipped demo keys parse (checked by a test)")
        .into_published()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_keys_parse_and_are_distinct_2048_bit_keys() {
        let names = [
            "alice", "bob", "carol", "dave", "erin", "frank", "escrow", "vendor", "ghost",
        ];
        let mut fingerprints: Vec<String> = names
            .iter()
            .map(|n| {
                let key = demo_key(n);
                assert_eq!(key.public_key().bits(), 2048);
                key.fingerprint().to_string()
            })
            .collect();
        fingerprints.sort();
        fingerprints.dedup();
        assert_eq!(fingerprints.len(), names.len());
    }

    #[test]
    fn find_explains_unknown_names() {
        assert!(find(FLAGSHIP).is_ok());
        assert!(find("nope").unwrap_err().hint.unwrap().contains("--list"));
    }
}
