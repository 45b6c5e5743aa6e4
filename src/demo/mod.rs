//! Classroom demos: scripted stories told with real cryptography.
//!
//! A demo is a scenario file (demos/*.toml, format in docs/scenario-format.md), embedded
//! in the binary so that `doormat demo NAME` works from an installed copy; a teacher's
//! own file runs with `doormat demo --file`. The engine plays it and returns [`Act`]s
//! made of [`Block`]s (facts, tables, blast radii, the who-can-read-what matrix); it
//! prints nothing. The binary renders them for a projector or as JSON, and the tests
//! read the numbers straight from them.

mod engine;
pub use crate::schemes::said;
pub use said::{Fact, Quantity};
pub mod scenario;

use serde::Serialize;

use crate::attacks::timeline::{Span, Timeline};
use crate::attacks::BlastRadius;
use crate::crypto::random::Randomness;
use crate::crypto::rsa_oaep::PrivateKey;
use crate::error::{Error, InputError, Result};
use crate::wire::envelope::Envelope;
use crate::wire::plaintext::Plaintext;

pub use crate::attacks::ComparisonRow;
pub use crate::world::cast::{demo_cast, demo_key};
pub use engine::duration;
pub use scenario::Scenario;

/// The scenario files shipped in demos/, the flagship first: (file name, text).
pub const EMBEDDED: &[(&str, &str)] = &[
    (
        "golden-key-leak.toml",
        include_str!("../../demos/golden-key-leak.toml"),
    ),
    (
        "harvest-now-decrypt-later.toml",
        include_str!("../../demos/harvest-now-decrypt-later.toml"),
    ),
    (
        "insider-abuse.toml",
        include_str!("../../demos/insider-abuse.toml"),
    ),
    (
        "salt-typhoon.toml",
        include_str!("../../demos/salt-typhoon.toml"),
    ),
    (
        "athens-affair.toml",
        include_str!("../../demos/athens-affair.toml"),
    ),
    (
        "forward-secrecy.toml",
        include_str!("../../demos/forward-secrecy.toml"),
    ),
    ("split-key.toml", include_str!("../../demos/split-key.toml")),
    (
        "provider-vault.toml",
        include_str!("../../demos/provider-vault.toml"),
    ),
    (
        "clear-unlock.toml",
        include_str!("../../demos/clear-unlock.toml"),
    ),
    (
        "ghost-user.toml",
        include_str!("../../demos/ghost-user.toml"),
    ),
    (
        "sender-keys-ghost.toml",
        include_str!("../../demos/sender-keys-ghost.toml"),
    ),
    (
        "clipper-leaf-forgery.toml",
        include_str!("../../demos/clipper-leaf-forgery.toml"),
    ),
    (
        "tea1-short-key.toml",
        include_str!("../../demos/tea1-short-key.toml"),
    ),
    ("tea1-live.toml", include_str!("../../demos/tea1-live.toml")),
    (
        "export-grade.toml",
        include_str!("../../demos/export-grade.toml"),
    ),
    ("dual-ec.toml", include_str!("../../demos/dual-ec.toml")),
    (
        "lotus-notes.toml",
        include_str!("../../demos/lotus-notes.toml"),
    ),
    (
        "client-side-scanning.toml",
        include_str!("../../demos/client-side-scanning.toml"),
    ),
    (
        "scanning-or-golden-key.toml",
        include_str!("../../demos/scanning-or-golden-key.toml"),
    ),
];

/// A demo's name and the one sentence `doormat demo --list` prints for it.
#[derive(Debug, Clone, Serialize)]
pub struct DemoInfo {
    /// Its name, as `doormat demo NAME` takes it.
    pub name: String,
    /// Its one-sentence summary.
    pub summary: String,
}

/// The shipped demos, as `doormat demo --list` shows them.
#[derive(Debug, Clone, Serialize)]
pub struct Catalogue {
    /// Every shipped demo, the flagship first.
    pub demos: Vec<DemoInfo>,
}

/// Every shipped demo, the flagship first.
pub fn catalogue() -> Result<Catalogue> {
    let demos = EMBEDDED
        .iter()
        .map(|(file, text)| {
            let scenario = embedded(file, text)?;
            Ok(DemoInfo {
                name: scenario.name,
                summary: scenario.summary,
            })
        })
        .collect::<Result<_>>()?;
    Ok(Catalogue { demos })
}

/// A shipped scenario: a mistake in one is doormat's bug, not the teacher's.
pub(crate) fn embedded(file: &str, text: &str) -> Result<Scenario> {
    scenario::parse(&format!("demos/{file}"), text)
        .map_err(|e| Error::Internal(format!("shipped scenario: {e}")))
}

/// Reads a teacher's scenario file.
pub fn load_file(path: &std::path::Path) -> Result<Scenario> {
    let text = crate::fsutil::read_small_text(path, "a scenario file")?;
    scenario::parse(&path.display().to_string(), &text).map_err(Error::from)
}

/// Runs the shipped demo called `name`.
pub fn run(name: &str, options: &DemoOptions, observer: &mut dyn DemoObserver) -> Result<DemoRun> {
    run_scenario(&find(name)?, options, observer)
}

/// Runs a scenario act by act, asking `observer` before each.
pub fn run_scenario(
    scenario: &Scenario,
    options: &DemoOptions,
    observer: &mut dyn DemoObserver,
) -> Result<DemoRun> {
    let mut session = DemoSession::new(scenario.clone(), options)?;
    let mut acts = Vec::new();
    let mut stopped_early = false;
    while let Some(title) = session.next_title() {
        if !observer.before_act(acts.len() + 1, title) {
            stopped_early = true;
            break;
        }
        let Some(act) = session.next_act_observed(observer)? else {
            break;
        };
        observer.after_act(&act);
        acts.push(act);
    }
    let measured = acts.iter().flat_map(|a: &Act| &a.blocks).any(|b| match b {
        Block::Facts { facts } => facts.iter().any(Fact::is_measured),
        _ => false,
    });
    Ok(DemoRun {
        demo: scenario.name.clone(),
        summary: scenario.summary.clone(),
        seed: session.seed(),
        acts,
        stopped_early,
        machine: measured.then(crate::bench::Machine::describe),
    })
}

/// A demo stepped from outside, one act per call: what a server drives when the teacher
/// clicks "next", and what the terminal's `doormat demo` is a thin loop over.
pub struct DemoSession {
    engine: engine::Engine,
    scenario: std::sync::Arc<Scenario>,
    seed: Option<u64>,
    /// Acts played so far.
    played: usize,
}

impl DemoSession {
    /// A session of `scenario`, nothing played yet. Its randomness is `options.seed`, or
    /// the scenario's own seed, or the OS.
    pub fn new(scenario: Scenario, options: &DemoOptions) -> Result<Self> {
        let seed = options.seed.or(scenario.world.seed);
        let scenario = std::sync::Arc::new(scenario);
        let engine = engine::Engine::new(scenario.clone(), Randomness::from_seed(seed))?;
        Ok(DemoSession {
            engine,
            scenario,
            seed,
            played: 0,
        })
    }

    /// Plays the next act; `None` once every act has been played.
    pub fn next_act(&mut self) -> Result<Option<Act>> {
        self.next_act_observed(&mut Quiet)
    }

    /// [`next_act`](Self::next_act), telling `observer` of progress during long steps.
    pub fn next_act_observed(&mut self, observer: &mut dyn DemoObserver) -> Result<Option<Act>> {
        let Some(title) = self.next_title().map(str::to_owned) else {
            return Ok(None);
        };
        let started = std::time::Instant::now();
        let (narration, cite, blocks) = self.engine.play_act(self.played, observer)?;
        self.played += 1;
        Ok(Some(Act {
            number: self.played,
            title,
            narration,
            cite,
            blocks,
            seconds: started.elapsed().as_secs_f64(),
        }))
    }

    /// The title of the act [`next_act`](Self::next_act) will play, if any is left.
    pub fn next_title(&self) -> Option<&str> {
        self.scenario
            .acts
            .get(self.played)
            .map(|act| act.title.as_str())
    }

    /// Acts played so far, and acts in all.
    pub fn position(&self) -> (usize, usize) {
        (self.played, self.scenario.acts.len())
    }

    /// The seed this session plays under, if any (and so whether it is repeatable).
    pub fn seed(&self) -> Option<u64> {
        self.seed
    }

    /// The scenario being played.
    pub fn scenario(&self) -> &Scenario {
        &self.scenario
    }
}

/// The demo `doormat demo` runs when given no name.
pub const FLAGSHIP: &str = "golden-key-leak";

/// Looks a shipped demo up by name.
pub fn find(name: &str) -> Result<Scenario> {
    for (file, text) in EMBEDDED {
        if file.strip_suffix(".toml") == Some(name) {
            return embedded(file, text);
        }
    }
    let names = EMBEDDED
        .iter()
        .filter_map(|(file, _)| file.strip_suffix(".toml"));
    let guess = crate::wire::names::closest(name, names)
        .map(|demo| format!("did you mean {demo}? "))
        .unwrap_or_default();
    Err(InputError::new(format!(
        "there is no demo called {:?}",
        crate::wire::names::truncate(name, 40)
    ))
    .hint(format!(
        "{guess}doormat demo --list shows the demos; doormat demo --file runs your own"
    ))
    .into())
}

/// The scenario `doormat demo` is given: a file (`--file`) or a shipped demo's name (one
/// of the two; the flagship when neither).
pub fn choose(file: Option<&std::path::Path>, name: Option<&str>) -> Result<Scenario> {
    match (file, name) {
        (Some(_), Some(_)) => Err(InputError::new("give a demo name or --file, not both")
            .field("--file")
            .into()),
        (Some(path), None) => load_file(path),
        (None, name) => find(name.unwrap_or(FLAGSHIP)),
    }
}

/// How a demo runs.
#[derive(Debug, Clone, Default)]
pub struct DemoOptions {
    /// `--seed`: overrides the scenario's own seed; neither means OS randomness.
    pub seed: Option<u64>,
}

/// Hooks the binary uses to show a demo while it runs.
pub trait DemoObserver {
    /// Before act `number` is computed. Return `false` to stop the demo here.
    fn before_act(&mut self, _number: usize, _title: &str) -> bool {
        true
    }
    /// During long steps: `done` of `total` messages.
    fn progress(&mut self, _done: u64, _total: u64) {}
    /// During a brute-force search: `tried` of `space` keys, a few times a second.
    fn searching(&mut self, _tried: u64, _space: u64) {}
    /// After an act is complete.
    fn after_act(&mut self, _act: &Act) {}
}

/// An observer that watches nothing: for tests and `--json`.
pub struct Quiet;
impl DemoObserver for Quiet {}

/// A whole demo run, as `--json` prints it.
#[derive(Debug, Clone, Serialize)]
pub struct DemoRun {
    /// The scenario's name.
    pub demo: String,
    /// Its one-sentence summary.
    pub summary: String,
    /// The classroom seed, if the run was seeded (and so repeatable).
    pub seed: Option<u64>,
    /// The acts played, in order.
    pub acts: Vec<Act>,
    /// Set when the teacher stopped before the last act.
    pub stopped_early: bool,
    /// The machine the measured figures were timed on, where any act has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub machine: Option<crate::bench::Machine>,
}

/// One act of a demo: a title, what the teacher says, and what the screen shows.
#[derive(Debug, Clone, Serialize)]
pub struct Act {
    /// From 1.
    pub number: usize,
    /// Its title.
    pub title: String,
    /// What the teacher says, a paragraph each.
    pub narration: Vec<String>,
    /// The sources the narration's facts come from, numbered from 1 as the demo's
    /// sources list them.
    pub cite: Vec<usize>,
    /// What the screen shows, in order.
    pub blocks: Vec<Block>,
    /// Wall-clock seconds the act's computation took.
    pub seconds: f64,
}

/// An envelope as its line of `capture.jsonl` (empty for none): the form programs
/// reading a demo's JSON have always had.
fn capture_line<S: serde::Serializer>(
    envelope: &Option<Box<Envelope>>,
    serializer: S,
) -> std::result::Result<S::Ok, S::Error> {
    serializer.serialize_str(
        &envelope
            .as_ref()
            .map_or_else(String::new, |e| e.to_json_line()),
    )
}

/// Something an act shows.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Block {
    /// Labelled values, one per line.
    Facts {
        /// The values, in order.
        facts: Vec<Fact>,
    },
    /// Who is in the world and what each holds.
    Parties {
        /// Users, then authorities, then the tap.
        parties: Vec<PartyRow>,
    },
    /// One envelope as the tap recorded it (`None` before anything was sent).
    Envelope {
        /// The envelope; the JSON gives its line of `capture.jsonl` as `json`.
        #[serde(rename = "json", serialize_with = "capture_line")]
        envelope: Option<Box<Envelope>>,
    },
    /// What one set of keys opened.
    Radius {
        /// Who holds the keys: a row of the matrix.
        label: String,
        /// What they hold, one item each, where the radius is of one design's recording.
        #[serde(skip_serializing_if = "said::Holdings::is_empty")]
        holding: said::Holdings,
        /// The design whose recording was opened, where it is not the demo's main one.
        #[serde(skip_serializing_if = "Option::is_none")]
        design: Option<String>,
        /// Which messages were tried.
        scope: Scope,
        /// What they opened.
        radius: BlastRadius,
    },
    /// Messages read by someone who should not have read them.
    Recovered {
        /// Who read them: a row of the matrix.
        label: String,
        /// Why these messages are shown.
        sample: Sample,
        /// A few of them, chosen because they matter.
        messages: Vec<Plaintext>,
    },
    /// The closing comparison: scheme × compromise.
    Comparison {
        /// One per design and compromise.
        rows: Vec<ComparisonRow>,
    },
    /// What one stolen device exposed of its owner's messages, over time.
    Timeline {
        /// Whose device: the user.
        label: String,
        /// What it exposed.
        timeline: Timeline,
    },
    /// One victim's exposure before and after T, and everyone else's, per design.
    Exposure {
        /// Whose device was stolen.
        victim: String,
        /// Just after when.
        t: u64,
        /// One per design.
        rows: Vec<ExposureRow>,
    },
    /// Where the story's facts come from.
    Sources {
        /// One citation each.
        sources: Vec<String>,
    },
    /// Who can read what: each party's share of each user's messages.
    Matrix {
        /// The matrix.
        matrix: Matrix,
    },
    /// The authority's access log.
    Log {
        /// Its entries, in order.
        entries: Vec<LogEntry>,
    },
}

/// Which of the recording's messages a [`Block::Radius`] counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// Every message recorded so far.
    Recording,
    /// Only the messages sent during this act.
    ThisAct,
}

/// Why a [`Block::Recovered`] shows the messages it shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Sample {
    /// A few telling ones of everything the reader opens.
    Telling,
    /// Messages of people no warrant names, opened with a warrant's access.
    Unwarranted,
}

/// Rows are parties and adversaries, columns are users.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Matrix {
    /// The design whose recording this is.
    pub design: String,
    /// The columns.
    pub users: Vec<String>,
    /// Parties and adversaries, in the order they appeared.
    pub rows: Vec<MatrixRow>,
}

/// One party's row of the matrix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MatrixRow {
    /// Who.
    pub name: String,
    /// "user", "authority", "network" or "adversary".
    pub kind: String,
    /// One per user, in `users` order.
    pub cells: Vec<MatrixCell>,
    /// A row that reads only what a key search opened: its cells count the messages
    /// the search tried, not every recorded one, so that a search of 3 messages that
    /// opened all 3 reads as that, not as 1% of the recording.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub searched: Option<Searched>,
}

/// What a search row's search covered: see [`MatrixRow::searched`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Searched {
    /// Messages of the recording the search tried.
    pub tried: u64,
    /// Messages recorded.
    pub recorded: u64,
}

/// Of `messages` (the user's, sent or received, recorded so far), how many the row reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct MatrixCell {
    /// Messages this row reads.
    pub readable: u64,
    /// The user's messages so far.
    pub messages: u64,
}

impl MatrixCell {
    /// Whole percent, rounded down except that any reading at all shows as at least 1%.
    pub fn percent(&self) -> u64 {
        if self.messages == 0 || self.readable == 0 {
            0
        } else {
            (100 * self.readable / self.messages).max(1)
        }
    }
}

/// One use of exceptional access, as the authority's log records it.
#[derive(Debug, Clone, Serialize)]
pub struct LogEntry {
    /// When.
    pub t: u64,
    /// Who read.
    pub by: String,
    /// Whose messages.
    pub target: String,
    /// The warrant cited, if any.
    pub warrant: Option<String>,
}

/// A party in a demo's table of parties.
#[derive(Debug, Clone, Serialize)]
pub struct PartyRow {
    /// Its name.
    pub name: String,
    /// `user`, `authority` or `network`.
    pub role: String,
    /// Its key: "RSA-2048 sha256:1a2b3c4d" in the JSON, or empty for parties that hold
    /// no key.
    pub key: said::PartyKey,
    /// What it holds, in a few words in the JSON.
    pub holds: said::PartyHolds,
}

/// One design's row of the forward-secrecy comparison.
#[derive(Debug, Clone, Serialize)]
pub struct ExposureRow {
    /// The design.
    pub scheme: String,
    /// What was stolen.
    pub compromise: String,
    /// The victim's messages at or before T, and how many opened.
    pub before: Span,
    /// The victim's messages after T.
    pub after: Span,
    /// Everyone else's messages (the victim in neither `from` nor `to`).
    pub others: Span,
}

/// The published key of a scenario's `index`-th user, whatever the teacher calls them.
pub fn user_key(index: usize) -> PrivateKey {
    const USERS: [&str; scenario::MAX_USERS] = ["alice", "bob", "carol", "dave", "erin", "frank"];
    demo_key(USERS[index % USERS.len()])
}

/// Up to three recovered messages that show why this matters (codes, health, money),
/// chosen by content so the choice is deterministic under a seed.
pub(crate) fn telling_samples(opened: &[Plaintext]) -> Vec<Plaintext> {
    const TELLING: [&str; 5] = ["door code", "Pin for", "test came back", "quit", "password"];
    let mut picked: Vec<Plaintext> = Vec::new();
    for word in TELLING {
        if picked.len() == 3 {
            break;
        }
        if let Some(m) = opened.iter().find(|m| m.text.contains(word)) {
            if !picked.iter().any(|p| p.id == m.id) {
                picked.push(m.clone());
            }
        }
    }
    for m in opened {
        if picked.len() >= 3 {
            break;
        }
        if !picked.iter().any(|p| p.id == m.id) {
            picked.push(m.clone());
        }
    }
    picked.sort_by(|a, b| a.id.cmp(&b.id));
    picked
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whether `text` states a dated fact: a year from 1900 to 2099 ("1994", "2004-05",
    /// "the 1990s").
    fn mentions_a_year(text: &str) -> bool {
        let bytes = text.as_bytes();
        (0..bytes.len().saturating_sub(3)).any(|i| {
            let digits = bytes[i..i + 4].iter().all(u8::is_ascii_digit);
            let starts = i == 0 || !bytes[i - 1].is_ascii_digit();
            let ends = bytes.get(i + 4).is_none_or(|b| !b.is_ascii_digit());
            digits && starts && ends && (bytes[i..i + 2] == *b"19" || bytes[i..i + 2] == *b"20")
        })
    }

    /// Every shipped demo cites a source for each act that states a dated fact, and
    /// every source it lists is cited by some act: no fact without a source, no source
    /// that backs nothing.
    #[test]
    fn every_shipped_demo_cites_its_facts() {
        assert!(mentions_a_year("In the 1990s") && mentions_a_year("2004-05"));
        assert!(!mentions_a_year("m019940 and 19 and 2"));
        assert!(!mentions_a_year("500 messages, 12345 keys"));
        for (file, text) in EMBEDDED {
            let scenario = embedded(file, text).unwrap();
            for (i, act) in scenario.acts.iter().enumerate() {
                if act.say.iter().any(|line| mentions_a_year(line)) {
                    assert!(
                        !act.cite.is_empty(),
                        "{file}, act {}: it states a dated fact, and cites no source",
                        i + 1
                    );
                }
            }
            for (n, source) in scenario.sources.iter().enumerate() {
                assert!(
                    !source.trim().is_empty(),
                    "{file}: source {} is empty",
                    n + 1
                );
                assert!(
                    scenario.acts.iter().any(|a| a.cite.contains(&(n + 1))),
                    "{file}: no act cites source {} ({source})",
                    n + 1
                );
            }
        }
    }

    /// Stepping a demo from outside gives the acts that running it whole gives, then
    /// nothing more.
    #[test]
    fn a_session_steps_the_same_acts_as_a_run() {
        let options = DemoOptions { seed: Some(42) };
        let whole = run("split-key", &options, &mut Quiet).unwrap();
        let mut session = DemoSession::new(find("split-key").unwrap(), &options).unwrap();
        assert_eq!(session.position(), (0, whole.acts.len()));
        let mut stepped = Vec::new();
        while let Some(title) = session.next_title().map(str::to_owned) {
            let act = session.next_act().unwrap().unwrap();
            assert_eq!(act.title, title);
            stepped.push(act);
        }
        assert!(session.next_act().unwrap().is_none());
        assert_eq!(session.position(), (whole.acts.len(), whole.acts.len()));
        assert_eq!(session.seed(), Some(42));
        let without_time = |acts: &[Act]| -> Vec<serde_json::Value> {
            acts.iter()
                .map(|a| {
                    let mut v = serde_json::to_value(a).unwrap();
                    v["seconds"] = 0.into();
                    v
                })
                .collect()
        };
        assert_eq!(without_time(&stepped), without_time(&whole.acts));
    }

    #[test]
    fn demo_keys_parse_and_are_distinct_2048_bit_keys() {
        let names = [
            "alice", "bob", "carol", "dave", "erin", "frank", "escrow", "vendor", "ghost",
            "escrow-2", "agency",
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
    fn every_scenario_in_demos_is_embedded_and_parses() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/demos");
        let mut on_disk: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|name| name.ends_with(".toml"))
            .collect();
        on_disk.sort();
        let mut embedded: Vec<String> = EMBEDDED.iter().map(|(f, _)| (*f).to_owned()).collect();
        embedded.sort();
        assert_eq!(
            on_disk, embedded,
            "demos/*.toml and EMBEDDED must list the same files"
        );
        assert_eq!(EMBEDDED[0].0, format!("{FLAGSHIP}.toml"));
        let catalogue = catalogue().unwrap();
        assert!(catalogue.demos.len() >= 12);
        for ((file, _), info) in EMBEDDED.iter().zip(&catalogue.demos) {
            assert_eq!(
                *file,
                format!("{}.toml", info.name),
                "a demo's name is its file's"
            );
        }
    }

    #[test]
    fn find_explains_unknown_names() {
        assert!(find(FLAGSHIP).is_ok());
        assert!(find("nope").unwrap_err().hint().unwrap().contains("--list"));
    }
}
