//! Scenario files: a demo as plain text a teacher can edit (docs/scenario-format.md).
//!
//! Parsing happens in two steps. TOML is read into raw structs that keep the position of
//! every value, so that any mistake, found by the TOML reader or by the checks below, is
//! reported with its file, line and field. Then each act and event is checked against the
//! world (are the names its users, does the design have an escrow key to rotate) before a
//! single key is touched: a scenario either runs to the end or is refused up front.

mod check;
mod events;
// Checking the whole file, then each event and view, in files of their own.
use {check::*, events::*};

use std::ops::Range;

use serde::Deserialize;
use toml::Spanned;

use crate::error::InputError;
use crate::schemes::SchemeId;
use crate::world::SchemeParams;

/// Most users a demo world holds: one per published user key in demos/keys.
pub const MAX_USERS: usize = 6;
/// Most messages one `send` event may add: a demo must stay within a class's patience.
pub const MAX_SEND: u64 = 5_000;
/// Most messages a `brute-force` event may crack, and most LEAF forgeries it may run.
pub const MAX_CRACK: u64 = 10;
/// Short keys a demo may brute-force live: TEA1's 32 bits, about half a minute on
/// average on two cores with AES-NI (docs/benchmarks.md).
pub const MAX_LIVE_BITS: u32 = 32;
/// Most keys one `brute-force` event may have to try: one 32-bit key, or ten of 24 bits.
pub const MAX_LIVE_KEYS: u64 = 1 << 32;

/// Most acts in one demo.
pub const MAX_ACTS: usize = 40;
/// Most events in one demo, all acts together.
pub const MAX_EVENTS: usize = 200;
/// Most messages one demo seals, all `send` events and every design together (each
/// design seals every message): about a minute of RSA on two cores.
pub const MAX_TOTAL_SEALED: u64 = 50_000;
/// Most keys one demo's brute-force events may try together: two 32-bit keys.
pub const MAX_TOTAL_KEYS: u64 = 1 << 33;

/// A parsed, checked scenario.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// Its name: the file name without `.toml`.
    pub name: String,
    /// One sentence, for `doormat demo --list`.
    pub summary: String,
    /// Where its facts come from.
    pub sources: Vec<String>,
    /// The world it plays in.
    pub world: WorldDef,
    /// Its acts, in order.
    pub acts: Vec<ActDef>,
}

/// Who is in the world, and which designs seal their traffic.
#[derive(Debug, Clone)]
pub struct WorldDef {
    /// The users' names.
    pub users: Vec<String>,
    /// The design the story is about, then the designs it is compared with: each seals
    /// the same plaintexts.
    pub designs: Vec<SchemeId>,
    /// The scenario's own seed, which `--seed` overrides.
    pub seed: Option<u64>,
    /// The designs' parameters.
    pub params: SchemeParams,
}

impl WorldDef {
    /// The main design: the world's `scheme`.
    pub fn main(&self) -> SchemeId {
        self.designs[0]
    }
}

/// One act, as the scenario file states it.
#[derive(Debug, Clone)]
pub struct ActDef {
    /// Its title.
    pub title: String,
    /// What the teacher says.
    pub say: Vec<String>,
    /// What happens, in order.
    pub events: Vec<Event>,
    /// What the screen shows after.
    pub show: Vec<Show>,
    /// The sources its narration's facts come from, numbered from 1 as `sources` lists
    /// them.
    pub cite: Vec<usize>,
}

/// A design's own event, parsed: two are equal when they print the same, since the
/// design's type is not known here.
#[derive(Debug, Clone)]
pub struct OwnPlay(pub std::sync::Arc<dyn crate::schemes::stage::DesignEvent>);

impl PartialEq for OwnPlay {
    fn eq(&self, other: &Self) -> bool {
        format!("{:?}", self.0) == format!("{:?}", other.0)
    }
}

impl Eq for OwnPlay {}

/// Something that happens in an act. `to` is always the party or adversary that gains.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// The users send this many more messages; the tap records them.
    Send {
        /// How many.
        messages: u64,
    },
    /// A party's private key is copied.
    Leak {
        /// Whose key: a party of the world.
        key: String,
        /// Who gains it.
        to: String,
    },
    /// The escrow authority replaces its key; new traffic is wrapped for the new one.
    Rotate,
    /// A user's device is copied now: its private key, or its ratchet state.
    Compromise {
        /// Whose.
        user: String,
        /// Who gains it.
        to: String,
    },
    /// A user's phone falls into someone's hands, locked: seized, stolen, or held at a
    /// border. Only CLEAR's vault key opens it.
    Seize {
        /// Whose phone.
        user: String,
        /// Who holds it now.
        to: String,
    },
    /// The authority serves a warrant on one user, and logs it.
    Warrant {
        /// Whose messages.
        target: String,
    },
    /// Someone inside the authority uses its access on users under no warrant.
    Insider {
        /// Whose messages.
        targets: Vec<String>,
        /// Who gains it.
        to: String,
        /// Whether the access log records it.
        logged: bool,
    },
    /// The interception system is breached: its access and its list of targets.
    Breach {
        /// Who gains it.
        to: String,
    },
    /// Rogue code adds targets to the interception function, copying to `to`.
    Repoint {
        /// Whose messages.
        targets: Vec<String>,
        /// Who gains it.
        to: String,
        /// Whether the access log records it.
        logged: bool,
    },
    /// An event of a design's own kind ([`Design::own_events`]), played by every
    /// design of the demo that lists it.
    ///
    /// [`Design::own_events`]: crate::schemes::Design::own_events
    Own {
        /// Its `do`.
        kind: String,
        /// The event, as the main design parsed it.
        event: OwnPlay,
    },
    /// Try every short key of the first unread messages.
    BruteForce {
        /// How many.
        messages: u64,
        /// Who gains it.
        to: String,
        /// workfactor: the key `to` reads the escrowed bits with (`agency`), leaving the
        /// rest to search; `None` searches every secret bit.
        key: Option<String>,
        /// Secret bits left to search in each message.
        bits: u32,
    },
}

/// A view an act shows after its events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Show {
    /// The parties and what each holds.
    Parties,
    /// One envelope as the tap recorded it.
    Envelope,
    /// What `who` reads of the whole recording of `design` (the main design if `None`).
    Radius {
        /// Which row.
        who: String,
        /// Which design; the main one if `None`.
        design: Option<SchemeId>,
    },
    /// What `who` reads of the messages sent during this act.
    New {
        /// Which row.
        who: String,
    },
    /// A few messages `who` reads.
    Recovered {
        /// Which row.
        who: String,
    },
    /// Every adversary against every design.
    Compare,
    /// One user's messages before and after their device was taken, per design.
    Exposure {
        /// Whose.
        user: String,
    },
    /// The authority's access log.
    Log,
    /// What verifying clients noticed (ghost).
    Notices,
    /// What the phones reported to the provider (client-scan).
    Reports,
}

/// Reads and checks a scenario; `file` names it in errors.
pub fn parse(file: &str, text: &str) -> Result<Scenario, InputError> {
    let at = Locator { file, text };
    let raw: RawScenario = toml::from_str(text).map_err(|e| at.toml_error(&e))?;
    check(&at, raw)
}

/// Turns byte spans into the file-and-line errors teachers see.
struct Locator<'a> {
    file: &'a str,
    text: &'a str,
}

impl Locator<'_> {
    fn line_of(&self, offset: usize) -> u64 {
        let end = offset.min(self.text.len());
        self.text.as_bytes()[..end]
            .iter()
            .filter(|&&b| b == b'\n')
            .count() as u64
            + 1
    }

    fn error(&self, span: Range<usize>, field: &str, problem: impl Into<String>) -> InputError {
        InputError::new(problem)
            .file(self.file)
            .line(self.line_of(span.start))
            .field(field)
    }

    /// A mistake the TOML reader found: its message, with the field named where the
    /// message or the line shows it.
    fn toml_error(&self, e: &toml::de::Error) -> InputError {
        let message = e.message().trim().to_owned();
        let mut error = InputError::new(describe_toml_error(&message)).file(self.file);
        if let Some(span) = e.span() {
            error = error.line(self.line_of(span.start));
            let names_field =
                message.starts_with("unknown field") || message.starts_with("missing field");
            let field = names_field
                .then(|| quoted_field(&message))
                .flatten()
                .or_else(|| self.key_on_line(span.start));
            if let Some(field) = field {
                error = error.field(field);
            }
        }
        let inside_event = message.contains("expected one of `do`");
        if inside_event
            && ["`show`", "`say`", "`title`"]
                .iter()
                .any(|f| message.contains(f))
        {
            // TOML's classic trap: every key after [[act.event]] belongs to that event.
            return error.hint("in TOML every line after [[act.event]] belongs to that event: move title, say and show above the act's first [[act.event]]");
        }
        error.hint(
            "docs/scenario-format.md lists every field; doormat demo --list shows working examples",
        )
    }

    /// The key assigned on the line holding `offset`, as in `messages = "ten"`.
    fn key_on_line(&self, offset: usize) -> Option<String> {
        let start = self.text[..offset.min(self.text.len())]
            .rfind('\n')
            .map_or(0, |i| i + 1);
        let line = self.text[start..].lines().next()?;
        let (key, _) = line.split_once('=')?;
        let key = key.trim();
        (!key.is_empty()
            && key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-'))
        .then(|| key.to_owned())
    }
}

/// serde's "unknown field `x`, expected one of ..." names the field in backticks.
fn quoted_field(message: &str) -> Option<String> {
    let start = message.find('`')? + 1;
    let len = message[start..].find('`')?;
    Some(message[start..start + len].to_owned())
}

fn describe_toml_error(message: &str) -> String {
    if message.starts_with("unknown field") {
        // "unknown field `sya`, expected one of `title`, `say`": keep the list, it is
        // the teacher's best hint.
        format!("{message} (is it misspelt?)")
    } else {
        message.to_owned()
    }
}

// ── The raw file ───────────────────────────────────────────────────────────────────────

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScenario {
    name: Spanned<String>,
    summary: Spanned<String>,
    sources: Spanned<Vec<String>>,
    world: Spanned<RawWorld>,
    #[serde(rename = "act")]
    acts: Spanned<Vec<Spanned<RawAct>>>,
}

struct RawWorld {
    users: Spanned<Vec<Spanned<String>>>,
    scheme: Spanned<String>,
    compare: Option<Spanned<Vec<Spanned<String>>>>,
    seed: Option<Spanned<u64>>,
    /// The designs' parameters, in file order: a design's own table (`[world.split-key]`)
    /// or one of its fields flat (`agents = 3`, the older form). The designs read them.
    design_fields: Vec<(String, Spanned<toml::Value>)>,
}

/// `[world]`'s own keys; every other key is a design's table or field.
const WORLD_KEYS: [&str; 4] = ["users", "scheme", "compare", "seed"];

/// Every key `[world]` takes, for the message that refuses another: its own, each
/// design's fields, and each design's table.
fn world_keys() -> &'static [&'static str] {
    static KEYS: std::sync::OnceLock<Vec<&'static str>> = std::sync::OnceLock::new();
    KEYS.get_or_init(|| {
        let mut keys: Vec<&'static str> = WORLD_KEYS.to_vec();
        for design in crate::schemes::DESIGNS {
            if let Some(kind) = design.params() {
                for field in kind.fields() {
                    if !keys.contains(&field.as_str()) {
                        keys.push(Box::leak(field.into_boxed_str()));
                    }
                }
                keys.push(design.id().as_str());
            }
        }
        keys
    })
}

/// A `[world]` key, refused as it is read if `[world]` takes no such key, so that the
/// TOML reader points at the key's own line.
struct WorldKey(String);

impl<'de> Deserialize<'de> for WorldKey {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let key = String::deserialize(deserializer)?;
        if world_keys().contains(&key.as_str()) {
            Ok(WorldKey(key))
        } else {
            Err(serde::de::Error::unknown_field(&key, world_keys()))
        }
    }
}

impl<'de> Deserialize<'de> for RawWorld {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Keys;
        impl<'de> serde::de::Visitor<'de> for Keys {
            type Value = RawWorld;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("the [world] table")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<RawWorld, A::Error> {
                use serde::de::Error;
                let (mut users, mut scheme, mut compare, mut seed) = (None, None, None, None);
                let mut design_fields = Vec::new();
                while let Some(WorldKey(key)) = map.next_key::<WorldKey>()? {
                    match key.as_str() {
                        "users" => users = Some(map.next_value()?),
                        "scheme" => scheme = Some(map.next_value()?),
                        "compare" => compare = Some(map.next_value()?),
                        "seed" => seed = Some(map.next_value()?),
                        _ => design_fields.push((key, map.next_value()?)),
                    }
                }
                Ok(RawWorld {
                    users: users.ok_or_else(|| A::Error::missing_field("users"))?,
                    scheme: scheme.ok_or_else(|| A::Error::missing_field("scheme"))?,
                    compare,
                    seed,
                    design_fields,
                })
            }
        }
        deserializer.deserialize_map(Keys)
    }
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Say {
    One(String),
    Many(Vec<String>),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAct {
    title: Spanned<String>,
    say: Option<Spanned<Say>>,
    #[serde(default, rename = "event")]
    events: Vec<Spanned<RawEvent>>,
    show: Option<Spanned<Vec<Spanned<String>>>>,
    cite: Option<Spanned<Vec<Spanned<i64>>>>,
}

/// Every field any event takes; [`EVENTS`] says which each kind takes.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEvent {
    #[serde(rename = "do")]
    kind: Spanned<String>,
    messages: Option<Spanned<u64>>,
    key: Option<Spanned<String>>,
    to: Option<Spanned<String>>,
    user: Option<Spanned<String>>,
    target: Option<Spanned<String>>,
    targets: Option<Spanned<Vec<Spanned<String>>>>,
    logged: Option<Spanned<bool>>,
    agent: Option<Spanned<u8>>,
    trials: Option<Spanned<u64>>,
    picture: Option<Spanned<String>>,
}

const SHOW_KINDS: &str = "parties, envelope, radius WHO, radius WHO in DESIGN, new WHO, \
recovered WHO, compare, exposure USER, log, notices, reports";

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
name = "tiny"
summary = "A tiny demo."
sources = ["Keys Under Doormats, 2015"]

[world]
users = ["alice", "bob", "carol"]
scheme = "golden-key"
compare = ["none"]

[[act]]
title = "Talk"
say = """
First paragraph,
still the first.

Second."""
[[act.event]]
do = "send"
messages = 20

[[act]]
title = "Leak"
show = ["radius attacker", "radius attacker in none", "compare"]
[[act.event]]
do = "leak"
key = "escrow"
to = "attacker"
"#;

    /// [`GOOD`] in a world of `scheme` alone, its second act's one event `event` and
    /// nothing shown.
    fn good_with(scheme: &str, event: &str) -> String {
        GOOD.replacen(
            "scheme = \"golden-key\"",
            &format!("scheme = {scheme:?}"),
            1,
        )
        .replacen("compare = [\"none\"]\n", "", 1)
        .replacen(
            "show = [\"radius attacker\", \"radius attacker in none\", \"compare\"]\n",
            "",
            1,
        )
        .replacen(
            "do = \"leak\"\nkey = \"escrow\"\nto = \"attacker\"",
            event,
            1,
        )
    }

    #[test]
    fn a_good_scenario_parses_with_its_paragraphs_and_events() {
        let s = parse("tiny.toml", GOOD).unwrap();
        assert_eq!(s.world.designs, vec![SchemeId::GoldenKey, SchemeId::None]);
        assert_eq!(
            s.acts[0].say,
            vec!["First paragraph, still the first.", "Second."]
        );
        assert_eq!(s.acts[0].events, vec![Event::Send { messages: 20 }]);
        assert_eq!(
            s.acts[1].show[1],
            Show::Radius {
                who: "attacker".into(),
                design: Some(SchemeId::None)
            }
        );
    }

    fn error_of(text: &str) -> InputError {
        parse("bad.toml", text).unwrap_err()
    }

    /// A `bits` below what the design models is refused with the design's range and the
    /// demo's own upper limit, which is lower.
    #[test]
    fn too_few_bits_in_a_demo_hint_at_the_demos_own_limit() {
        let scenario = GOOD
            .replacen(
                "scheme = \"golden-key\"\ncompare = [\"none\"]",
                "scheme = \"short-key\"\nbits = 8",
                1,
            )
            .replacen(", \"radius attacker in none\"", "", 1);
        let e = error_of(&scenario);
        assert_eq!(e.field.as_deref(), Some("world.bits"), "{e}");
        let hint = e.hint.clone().unwrap_or_default();
        assert!(hint.contains(&format!("at most {MAX_LIVE_BITS}")), "{hint}");
    }

    /// A design's fields may sit in its own table, `[world.split-key]`, and give the
    /// same world as flat; given in both places, in a table of a design the world does
    /// not have, or as a field the design does not take, they are refused on their line.
    #[test]
    fn a_designs_table_in_world_reads_as_its_flat_fields() {
        let world = |fields: &str| {
            GOOD.replacen(
                "scheme = \"golden-key\"\ncompare = [\"none\"]",
                &format!("scheme = \"split-key\"\ncompare = [\"none\"]\n{fields}"),
                1,
            )
        };
        let flat = parse("flat.toml", &world("agents = 4\nthreshold = 2")).unwrap();
        let table = parse(
            "table.toml",
            &world("\n[world.split-key]\nagents = 4\nthreshold = 2"),
        )
        .unwrap();
        assert_eq!(flat.world.params, table.world.params);
        assert_eq!(
            table.world.params.table(table.world.designs[0]).unwrap()["agents"],
            4
        );
        let both = error_of(&world("agents = 4\n\n[world.split-key]\nthreshold = 2"));
        assert_eq!(both.field.as_deref(), Some("world.agents"), "{both}");
        assert_eq!(both.line, Some(10), "{both}");
        let foreign = error_of(&world(
            "agents = 4\nthreshold = 2\n\n[world.short-key]\nbits = 20",
        ));
        assert_eq!(
            foreign.field.as_deref(),
            Some("world.short-key"),
            "{foreign}"
        );
        assert!(
            foreign.problem.contains("not a design of this world"),
            "{foreign}"
        );
        let stray = error_of(&world(
            "\n[world.split-key]\nagents = 4\nthreshold = 2\nbits = 20",
        ));
        assert_eq!(
            stray.field.as_deref(),
            Some("world.split-key.bits"),
            "{stray}"
        );
        let unknown = error_of(&world("agentz = 4"));
        assert!(unknown.problem.contains("agentz"), "{unknown}");
    }

    /// A design that needs no field still checks those given: ghost's `verifying`
    /// must name users, flat or in `[world.ghost]`, and is refused on its line.
    #[test]
    fn a_designs_optional_fields_are_checked_too() {
        for fields in [
            "verifying = [\"zed\"]",
            "[world.ghost]\nverifying = [\"zed\"]",
        ] {
            let scenario = GOOD
                .replacen(
                    "scheme = \"golden-key\"\ncompare = [\"none\"]",
                    &format!("scheme = \"ghost\"\n{fields}"),
                    1,
                )
                .replacen(", \"radius attacker in none\"", "", 1);
            let e = error_of(&scenario);
            assert!(e.problem.contains("\"zed\" is not a user"), "{e}");
            assert!(
                e.field.as_deref().unwrap_or("").ends_with("verifying"),
                "{e}"
            );
            // The field's line, or its table's header just above it.
            assert!(matches!(e.line, Some(9 | 10)), "{e}");
        }
    }

    /// A design's own `[world]` fields are its to need and to check: a world of it
    /// without one of them is refused naming the field, a value the design refuses is
    /// refused on that field's line, and in a world of no design that takes the field
    /// it is refused rather than ignored.
    #[test]
    fn a_designs_world_fields_are_needed_checked_and_refused_elsewhere() {
        let main_only = |id: SchemeId| crate::schemes::design(id).main_scheme_only().is_some();
        let world = |scheme: SchemeId, fields: &str| {
            GOOD.replacen(
                "scheme = \"golden-key\"\ncompare = [\"none\"]",
                &format!("scheme = {:?}\n{fields}", scheme.as_str()),
                1,
            )
            .replacen(", \"radius attacker in none\"", "", 1)
        };
        let mut checked = 0;
        for design in crate::schemes::DESIGNS {
            let fields = design.scenario_fields();
            // The design's fields as TOML lines, each value as `value` gives it (`None`:
            // the field is left out).
            let lines = |value: &dyn Fn(&str, &str) -> Option<String>| -> String {
                fields
                    .iter()
                    .filter_map(|(f, v)| Some(format!("{f} = {}\n", value(f, v)?)))
                    .collect()
            };
            let all = lines(&|_, v| Some(v.to_owned()));
            for (name, _) in fields {
                // A refusal that names the field at fault.
                let refused = |text: &str| {
                    let e = error_of(text);
                    assert_eq!(
                        e.field.as_deref(),
                        Some(format!("world.{name}").as_str()),
                        "{e}"
                    );
                    e
                };
                let without = lines(&|f, v| (f != *name).then(|| v.to_owned()));
                let e = refused(&world(design.id(), &without));
                assert!(e.problem.contains(design.id().as_str()), "{e}");
                let bad = lines(&|f, v| Some(if f == *name { "0" } else { v }.to_owned()));
                let e = refused(&world(design.id(), &bad));
                assert_eq!(
                    e.line,
                    Some(9 + fields.iter().position(|(f, _)| f == name).unwrap() as u64),
                    "{e}"
                );
                let other = crate::schemes::DESIGNS
                    .iter()
                    .map(|d| d.id())
                    .find(|&id| {
                        !main_only(id)
                            && !crate::schemes::design(id)
                                .scenario_fields()
                                .iter()
                                .any(|(f, _)| f == name)
                    })
                    .unwrap();
                let e = refused(&world(other, &format!("{name} = 2\n")));
                assert!(e.hint.unwrap_or_default().contains(design.id().as_str()));
                checked += 1;
            }
            if let Err(e) = parse("tiny.toml", &world(design.id(), &all)) {
                // A world with all its fields may be refused, for its events, not them.
                let field = e.field.unwrap_or_default();
                assert!(!field.starts_with("world."), "{}: {field}", design.id());
            }
            if design.main_scheme_only().is_some() {
                let e = error_of(&world(
                    SchemeId::BASELINE,
                    &format!("{all}compare = [{:?}]\n", design.id().as_str()),
                ));
                assert_eq!(e.field.as_deref(), Some("world.compare"), "{e}");
            }
        }
        assert!(checked >= 3, "the designs have {checked} world fields");
    }

    /// The format's guide documents every event the parser knows, with every field it
    /// takes, in its table of events.
    #[test]
    fn the_guide_lists_every_event_and_its_fields() {
        let guide = include_str!("../../../docs/scenario-format.md");
        let own = crate::schemes::DESIGNS
            .iter()
            .flat_map(|design| design.own_events())
            .map(|own| (own.name, own.fields));
        for (name, kind_fields) in EVENTS.iter().map(|k| (k.name, k.fields)).chain(own) {
            let row = guide
                .lines()
                .find(|line| line.starts_with(&format!("| `{name}` |")))
                .unwrap_or_else(|| panic!("docs/scenario-format.md has no row for {name}"));
            let fields = row.split(" | ").nth(1).unwrap_or_default();
            for field in kind_fields {
                assert!(
                    fields.contains(&format!("`{field}`")),
                    "the guide's {name} row does not list {field}: {row}"
                );
            }
        }
    }

    /// An event a design lists as its own is one the parser knows, and in a world of
    /// any other design it is refused on its `do` line, naming the designs it needs;
    /// the events every design plays are refused nowhere for that reason.
    #[test]
    fn a_designs_own_events_play_only_in_its_worlds() {
        for design in crate::schemes::DESIGNS {
            // An experiment that plays anywhere is held to that below.
            let own = design
                .own_events()
                .iter()
                .filter(|own| !own.anywhere)
                .map(|own| &own.name);
            for kind in design.events().iter().chain(own) {
                assert!(
                    EVENTS.iter().any(|known| known.name == *kind)
                        || design.own_events().iter().any(|own| own.name == *kind),
                    "{kind} of {} is not among the events: {}",
                    design.id(),
                    event_kinds()
                );
                if *kind == "brute-force" {
                    assert!(design.key_search(&SchemeParams::default()).is_some());
                }
                let playing = crate::schemes::stage::designs_playing(kind);
                let elsewhere = crate::schemes::DESIGNS
                    .iter()
                    .map(|d| d.id())
                    .find(|id| !playing.contains(id))
                    .expect("no event belongs to every design");
                let text = good_with(elsewhere.as_str(), &format!("do = {kind:?}"));
                let e = error_of(&text);
                assert_eq!(
                    e.field.as_deref(),
                    Some("act[2].event[1].do"),
                    "{kind}: {e}"
                );
                assert!(e.problem.contains(design.id().as_str()), "{kind}: {e}");
                assert!(e.problem.contains(elsewhere.as_str()), "{kind}: {e}");
            }
        }
        for kind in [
            "send",
            "leak",
            "warrant",
            "compromise",
            "seize",
            "forge-leaf",
        ] {
            assert!(
                crate::schemes::stage::designs_playing(kind).is_empty(),
                "{kind}"
            );
        }
        // forge-leaf is Clipper's, and parses in a world of another design too.
        assert!(crate::schemes::stage::plays_anywhere("forge-leaf"));
        for scheme in ["clipper", "provider-escrow", "none"] {
            let text = good_with(scheme, "do = \"forge-leaf\"\ntrials = 3");
            let scenario = parse("t.toml", &text).unwrap_or_else(|e| panic!("{scheme}: {e}"));
            assert!(scenario.acts[1]
                .events
                .iter()
                .any(|e| matches!(e, Event::Own { kind, .. } if kind == "forge-leaf")));
        }
    }

    /// Each forge-leaf event is bounded, and so are all of a demo's together: the act
    /// that goes past the total is named.
    #[test]
    fn forge_leaf_trials_are_bounded_one_by_one_and_together() {
        let with = |events: &str| good_with("golden-key", events);
        let one = "do = \"forge-leaf\"\ntrials = 200";
        let five = [one; 5].join("\n[[act.event]]\n");
        parse("t.toml", &with(&five)).unwrap();
        let six = [one; 6].join("\n[[act.event]]\n");
        let e = parse("t.toml", &with(&six)).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("act"), "{e}");
        assert!(e.problem.contains("1200 LEAF forgeries"), "{e}");
        assert!(e.problem.contains("1000"), "{e}");
        let e = parse("t.toml", &with("do = \"forge-leaf\"\ntrials = 201")).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("act[2].event[1].trials"), "{e}");
    }

    #[test]
    fn mistakes_name_the_file_the_line_and_the_field() {
        let cases: [(&str, &str, u64, &str); 7] = [
            // A typo in a field name.
            ("title = \"Talk\"", "titel = \"Talk\"", 12, "titel"),
            // A number that is not one.
            ("messages = 20", "messages = \"twenty\"", 20, "messages"),
            // An event that does not exist.
            ("do = \"leak\"", "do = \"steal\"", 26, "act[2].event[1].do"),
            // A party that does not exist.
            (
                "key = \"escrow\"",
                "key = \"escrw\"",
                27,
                "act[2].event[1].key",
            ),
            // A scheme that does not exist.
            (
                "scheme = \"golden-key\"",
                "scheme = \"golden\"",
                8,
                "world.scheme",
            ),
            // A view of someone not yet in the story.
            (
                "\"radius attacker\",",
                "\"radius thief\",",
                24,
                "act[2].show",
            ),
            // A negative count.
            ("messages = 20", "messages = -5", 20, "messages"),
        ];
        for (from, to, line, field) in cases {
            let text = GOOD.replacen(from, to, 1);
            let e = error_of(&text);
            assert_eq!(
                e.file.as_deref(),
                Some(std::path::Path::new("bad.toml")),
                "{to}"
            );
            assert_eq!(e.line, Some(line), "{to}: {e}");
            assert_eq!(e.field.as_deref(), Some(field), "{to}: {e}");
        }
    }

    #[test]
    fn an_event_refuses_fields_it_does_not_take_and_needs_the_ones_it_does() {
        let e = error_of(&GOOD.replacen(
            "to = \"attacker\"",
            "to = \"attacker\"\ntarget = \"bob\"",
            1,
        ));
        assert_eq!(e.field.as_deref(), Some("act[2].event[1].target"));
        let e = error_of(&GOOD.replacen("to = \"attacker\"\n", "", 1));
        assert!(e.problem.contains("needs to"), "{e}");
        let e = error_of(&GOOD.replacen("do = \"leak\"", "do = \"rotate\"", 1));
        assert_eq!(e.field.as_deref(), Some("act[2].event[1].key"));
    }

    #[test]
    fn a_user_cannot_take_an_agents_name() {
        let e = error_of(&GOOD.replacen("\"carol\"", "\"agent-5\"", 1));
        assert_eq!(e.field.as_deref(), Some("world.users"), "{e}");
    }

    #[test]
    fn an_act_cites_sources_that_exist_once_each() {
        let cited = GOOD.replacen("title = \"Leak\"", "title = \"Leak\"\ncite = [1]", 1);
        assert_eq!(parse("ok.toml", &cited).unwrap().acts[1].cite, vec![1]);
        for (list, problem) in [
            ("[2]", "there is no source 2"),
            ("[0]", "there is no source 0"),
            ("[1, 1]", "cited twice"),
            ("[]", "cites no source"),
        ] {
            let text = GOOD.replacen(
                "title = \"Leak\"",
                &format!("title = \"Leak\"\ncite = {list}"),
                1,
            );
            let e = error_of(&text);
            assert_eq!(e.field.as_deref(), Some("act[2].cite"), "{list}: {e}");
            assert_eq!(e.line, Some(24), "{list}: {e}");
            assert!(e.problem.contains(problem), "{list}: {e}");
        }
        let e = error_of(&GOOD.replacen("sources = [\"", "sources = [\" \", \"", 1));
        assert_eq!(e.field.as_deref(), Some("sources"));
        assert!(e.problem.contains("source 1 is empty"), "{e}");
    }

    /// An escape sequence in a demo's words could clear the screen or retitle the window
    /// when printed: refused, naming the field.
    #[test]
    fn control_characters_in_printed_text_are_refused() {
        for (from, to, field) in [
            ("Second.", "Second.\\u001b[2J", "act[1].say"),
            (
                "title = \"Leak\"",
                "title = \"Leak\\u001b]0;pwned\\u0007\"",
                "act[2].title",
            ),
            ("A tiny demo.", "A tiny\\u0008 demo.", "summary"),
            (
                "Keys Under Doormats, 2015",
                "Keys\\u001b[31m Under",
                "sources",
            ),
        ] {
            let e = error_of(&GOOD.replacen(from, to, 1));
            assert_eq!(e.field.as_deref(), Some(field), "{to}: {e}");
            assert!(e.problem.contains("control character"), "{e}");
        }
    }

    #[test]
    fn a_toml_syntax_error_has_a_line() {
        let e = error_of(&GOOD.replacen("[world]", "[world", 1));
        assert_eq!(e.line, Some(6));
    }
}
