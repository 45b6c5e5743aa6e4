//! Scenario files: a demo as plain text a teacher can edit (docs/scenario-format.md).
//!
//! Parsing happens in two steps. TOML is read into raw structs that keep the position of
//! every value, so that any mistake, found by the TOML reader or by the checks below, is
//! reported with its file, line and field. Then each act and event is checked against the
//! world (are the names its users, does the design have an escrow key to rotate) before a
//! single key is touched: a scenario either runs to the end or is refused up front.

use std::ops::Range;

use serde::Deserialize;
use toml::Spanned;

use crate::error::InputError;
use crate::schemes::{split_key, workfactor, SchemeId};
use crate::world::SchemeParams;

/// Most users a demo world holds: one per published user key in demos/keys.
pub const MAX_USERS: usize = 6;
/// Most messages one `send` event may add: a demo must stay within a class's patience.
pub const MAX_SEND: u64 = 5_000;
/// Most messages a `brute-force` event may crack, and most LEAF forgeries it may run.
pub const MAX_CRACK: u64 = 10;
/// Most LEAF forgeries one `forge-leaf` event may ask for.
pub const MAX_FORGERIES: u64 = 200;
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
/// Most LEAF forgeries one demo runs together.
pub const MAX_TOTAL_FORGERIES: u64 = 1_000;

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
    /// The relay adds the hidden reader to a user's conversations from now on.
    Ghost {
        /// Whose messages.
        target: String,
    },
    /// One escrow agent's share is stolen.
    StealShare {
        /// Which agent, from 1.
        agent: u8,
        /// Who gains it.
        to: String,
    },
    /// Blaze's experiment: forge LEAFs until the 16-bit check passes.
    ForgeLeaf {
        /// How many forgeries.
        trials: u64,
    },
    /// Someone replaces the Dual_EC Q in the devices' firmware with their own (Juniper,
    /// by 2012): from now on the devices, reseeded, use it, and only its `d` predicts
    /// them.
    Rekey {
        /// Who replaced it, and holds the new `d`.
        to: String,
    },
    /// client-scan: `user` edits a listed picture just enough to escape the list, and
    /// sends it.
    Evade {
        /// Who sends it.
        user: String,
        /// Which of the world's pictures (`known-1`).
        picture: String,
    },
    /// client-scan: someone forges a picture that looks like `picture` and matches
    /// `target`'s hash; `user`, who knows nothing of it, sends it on.
    Collide {
        /// Who sends it, and is reported.
        user: String,
        /// What the forgery looks like (`photo-2`).
        picture: String,
        /// Whose hash it matches (`known-1`).
        target: String,
    },
    /// client-scan: `to`, who controls the list, adds `picture`'s hash; the phones scan
    /// what they sent again.
    Poison {
        /// Which of the world's pictures (`poster`).
        picture: String,
        /// Who controls the list, and learns.
        to: String,
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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWorld {
    users: Spanned<Vec<Spanned<String>>>,
    scheme: Spanned<String>,
    #[serde(default)]
    compare: Option<Spanned<Vec<Spanned<String>>>>,
    seed: Option<Spanned<u64>>,
    agents: Option<Spanned<u8>>,
    threshold: Option<Spanned<u8>>,
    bits: Option<Spanned<u32>>,
    verifying: Option<Spanned<Vec<Spanned<String>>>>,
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

/// Every field any event takes; [`check_event`] says which each kind needs.
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

/// The event kinds, each with the fields it needs: the hint for a mistyped `do`.
const EVENT_KINDS: &str = "send (messages), leak (key, to), rotate, compromise (user, to), \
seize (user, to), warrant (target), insider (targets, to, logged), breach (to), repoint (targets, to, logged), \
ghost (target), steal-share (agent, to), forge-leaf (trials), brute-force (messages, to), \
evade (user, picture), collide (user, picture, target), poison (picture, to)";

const SHOW_KINDS: &str = "parties, envelope, radius WHO, radius WHO in DESIGN, new WHO, \
recovered WHO, compare, exposure USER, log, notices, reports";

// ── Checking ───────────────────────────────────────────────────────────────────────────

fn check(at: &Locator, raw: RawScenario) -> Result<Scenario, InputError> {
    let name = raw.name.get_ref().trim().to_owned();
    let name_ok = !name.is_empty()
        && name.len() <= 40
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if !name_ok {
        return Err(at
            .error(
                raw.name.span(),
                "name",
                format!("{name:?} cannot name a demo"),
            )
            .hint("use 1 to 40 lowercase letters, digits and dashes, like \"golden-key-leak\""));
    }
    let summary = raw.summary.get_ref().trim().to_owned();
    if summary.is_empty() || !summary.ends_with('.') || summary.contains('\n') {
        return Err(at
            .error(
                raw.summary.span(),
                "summary",
                "must be one sentence, ending with a full stop",
            )
            .hint("doormat demo --list prints it beside the name"));
    }
    printable(at, raw.summary.span(), "summary", raw.summary.get_ref())?;
    for source in raw.sources.get_ref() {
        printable(at, raw.sources.span(), "sources", source)?;
    }
    if let Some(blank) = raw
        .sources
        .get_ref()
        .iter()
        .position(|s| s.trim().is_empty())
    {
        return Err(at
            .error(
                raw.sources.span(),
                "sources",
                format!("source {} is empty", blank + 1),
            )
            .hint("write where the facts come from: author, title, date"));
    }
    if raw.sources.get_ref().is_empty() {
        return Err(at
            .error(
                raw.sources.span(),
                "sources",
                "a demo must cite at least one source",
            )
            .hint(
                "cite from docs/references.md, or your own source: the demo ends by showing them",
            ));
    }
    let world = check_world(at, raw.world.get_ref())?;
    let mut names = Names::new(&world);
    if raw.acts.get_ref().is_empty() {
        return Err(at.error(raw.acts.span(), "act", "a demo needs at least one [[act]]"));
    }
    let mut acts = Vec::new();
    for (i, act) in raw.acts.get_ref().iter().enumerate() {
        acts.push(check_act(
            at,
            i + 1,
            act.get_ref(),
            &world,
            &mut names,
            raw.sources.get_ref().len(),
        )?);
    }
    check_totals(at, &raw.acts, &acts, &world)?;
    Ok(Scenario {
        name,
        summary,
        sources: raw.sources.into_inner(),
        world,
        acts,
    })
}

/// The demo's whole work, bounded before anything runs: each event is bounded on its
/// own, but a file of a thousand acts would still run for hours. The first act that
/// takes a total over its limit is named.
fn check_totals(
    at: &Locator,
    raw_acts: &Spanned<Vec<Spanned<RawAct>>>,
    acts: &[ActDef],
    world: &WorldDef,
) -> Result<(), InputError> {
    if acts.len() > MAX_ACTS {
        return Err(at
            .error(
                raw_acts.get_ref()[MAX_ACTS].span(),
                "act",
                format!("{} acts: a demo has at most {MAX_ACTS}", acts.len()),
            )
            .hint("split the story into two demos"));
    }
    let designs = world.designs.len() as u64;
    let (mut events, mut sealed, mut keys, mut forgeries) = (0usize, 0u64, 0u64, 0u64);
    for (i, act) in acts.iter().enumerate() {
        events += act.events.len();
        for event in &act.events {
            match event {
                Event::Send { messages } => {
                    sealed = sealed.saturating_add(messages.saturating_mul(designs))
                }
                Event::BruteForce { messages, bits, .. } => {
                    keys = keys.saturating_add(messages.saturating_mul(1u64 << (*bits).min(63)));
                }
                Event::ForgeLeaf { trials } => forgeries = forgeries.saturating_add(*trials),
                _ => {}
            }
        }
        let over = if events > MAX_EVENTS {
            Some(format!(
                "{events} events by this act: a demo has at most {MAX_EVENTS}"
            ))
        } else if sealed > MAX_TOTAL_SEALED {
            Some(format!(
                "{sealed} messages sealed by this act ({designs} design{} each): a demo seals at most {MAX_TOTAL_SEALED}",
                if designs == 1 { "" } else { "s" }
            ))
        } else if keys > MAX_TOTAL_KEYS {
            Some(format!(
                "{keys} keys to try by this act: a demo's brute-force events try at most 2^33 together"
            ))
        } else if forgeries > MAX_TOTAL_FORGERIES {
            Some(format!(
                "{forgeries} LEAF forgeries by this act: a demo runs at most {MAX_TOTAL_FORGERIES}"
            ))
        } else {
            None
        };
        if let Some(problem) = over {
            return Err(at
                .error(raw_acts.get_ref()[i].span(), "act", problem)
                .hint("a demo must finish within a class: send, crack or forge less, or split it into two demos"));
        }
    }
    Ok(())
}

fn check_world(at: &Locator, raw: &RawWorld) -> Result<WorldDef, InputError> {
    let users: Vec<String> = raw
        .users
        .get_ref()
        .iter()
        .map(|u| u.get_ref().clone())
        .collect();
    if users.len() < 2 || users.len() > MAX_USERS {
        return Err(at
            .error(
                raw.users.span(),
                "world.users",
                format!("{} users: a demo world has 2 to {MAX_USERS}", users.len()),
            )
            .hint("each user gets one of the published keys in demos/keys"));
    }
    for (i, user) in raw.users.get_ref().iter().enumerate() {
        let name = user.get_ref();
        if !is_party_name(name) {
            return Err(at
                .error(
                    user.span(),
                    "world.users",
                    format!("{name:?} cannot name a user"),
                )
                .hint("use 1 to 12 lowercase letters, digits and dashes"));
        }
        if is_reserved(name) {
            return Err(at.error(
                user.span(),
                "world.users",
                format!(
                    "{name:?} is the name of a party every world may have: pick another user name"
                ),
            ));
        }
        if users[..i].contains(name) {
            return Err(at.error(
                user.span(),
                "world.users",
                format!("{name} is listed twice"),
            ));
        }
    }
    let scheme = parse_scheme(at, &raw.scheme, "world.scheme")?;
    let mut designs = vec![scheme];
    if let Some(compare) = &raw.compare {
        for design in compare.get_ref() {
            let id = parse_scheme(at, design, "world.compare")?;
            if designs.contains(&id) {
                return Err(at.error(
                    design.span(),
                    "world.compare",
                    format!("{id} is already in the world"),
                ));
            }
            designs.push(id);
        }
    }
    if designs.contains(&SchemeId::ShortKey) && scheme != SchemeId::ShortKey {
        let span = raw.compare.as_ref().map_or(raw.scheme.span(), |c| c.span());
        return Err(at
            .error(span, "world.compare", "short-key can only be the main scheme of a demo")
            .hint("its keys are opened by brute force, which a brute-force event runs on the main scheme"));
    }
    let mut params = SchemeParams::default();
    let uses = |id: SchemeId| designs.contains(&id);
    if let Some(agents) = &raw.agents {
        params.agents = *agents.get_ref();
    }
    if let Some(threshold) = &raw.threshold {
        params.threshold = *threshold.get_ref();
    }
    if uses(SchemeId::SplitKey) {
        if raw.agents.is_none() || raw.threshold.is_none() {
            return Err(at
                .error(
                    raw.scheme.span(),
                    "world.agents",
                    "a split-key world needs agents and threshold",
                )
                .hint("for example agents = 3 and threshold = 2"));
        }
        split_key::check_params(&params).map_err(|e| {
            let span = raw.agents.as_ref().map_or(raw.scheme.span(), |a| a.span());
            at.error(span, "world.agents", e.problem)
        })?;
    }
    if let Some(bits) = &raw.bits {
        params.bits = *bits.get_ref();
        if !(crate::schemes::short_key::MIN_BITS..=MAX_LIVE_BITS).contains(&params.bits) {
            return Err(at
                .error(bits.span(), "world.bits", format!("{} bits: a demo brute-forces {}-{MAX_LIVE_BITS} bit keys live", params.bits, crate::schemes::short_key::MIN_BITS))
                .hint("the brute-force event extrapolates to 32, 40, 56, 80 and 128 bits from the measured rate"));
        }
    } else if uses(SchemeId::ShortKey) {
        return Err(at.error(
            raw.scheme.span(),
            "world.bits",
            "a short-key world needs bits (16 to 32)",
        ));
    }
    if let Some(verifying) = &raw.verifying {
        for user in verifying.get_ref() {
            if !users.contains(user.get_ref()) {
                return Err(unknown_user(at, user, "world.verifying", &users));
            }
            params.verifying.push(user.get_ref().clone());
        }
    }
    Ok(WorldDef {
        users,
        designs,
        seed: raw.seed.as_ref().map(|s| *s.get_ref()),
        params,
    })
}

/// Names of parties every world may have besides its users. Agents run from `agent-1`
/// to `agent-32`, so the whole `agent-` prefix is reserved.
const RESERVED: [&str; 6] = ["escrow", "vendor", "provider", "ghost", "tap", "relay"];

fn is_reserved(name: &str) -> bool {
    RESERVED.contains(&name) || name.starts_with("agent-")
}

fn is_party_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 12
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

fn parse_scheme(at: &Locator, raw: &Spanned<String>, field: &str) -> Result<SchemeId, InputError> {
    SchemeId::parse(raw.get_ref()).map_err(|e| {
        let mut error = at.error(raw.span(), field, e.problem);
        error.hint = e.hint;
        error
    })
}

fn unknown_user(at: &Locator, name: &Spanned<String>, field: &str, users: &[String]) -> InputError {
    at.error(
        name.span(),
        field,
        format!("{:?} is not a user of this world", name.get_ref()),
    )
    .hint(format!("the users are: {}", users.join(", ")))
}

/// The names a scenario may use, as they come into being act by act.
struct Names {
    users: Vec<String>,
    /// Parties whose keys exist in some design: users, escrow, vendor, ghost.
    keys: Vec<String>,
    /// Everyone a view may be about: users, the authority's parties, the tap, and the
    /// adversaries named so far.
    rows: Vec<String>,
    /// Users whose device has been taken.
    compromised: Vec<String>,
}

impl Names {
    fn new(world: &WorldDef) -> Self {
        let mut keys = world.users.clone();
        let mut rows = world.users.clone();
        for design in &world.designs {
            let spec = crate::schemes::design(*design);
            // A design's parties hold keys, and so does its authority (Clipper's holds
            // the family key).
            let holders: Vec<&str> = spec.parties().iter().map(|(n, _)| *n).collect();
            for party in spec.authorities(&world.params) {
                if !rows.contains(&party) {
                    rows.push(party.clone());
                }
                let holds = holders.contains(&party.as_str()) || spec.authority() == Some(&party);
                if holds && !keys.contains(&party) {
                    keys.push(party);
                }
            }
        }
        rows.push("tap".to_owned());
        Names {
            users: world.users.clone(),
            keys,
            rows,
            compromised: Vec::new(),
        }
    }

    fn adversary(
        &mut self,
        at: &Locator,
        name: &Spanned<String>,
        field: &str,
    ) -> Result<String, InputError> {
        let who = name.get_ref().trim();
        let ok = !who.is_empty()
            && who.chars().count() <= 16
            && who
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == ' ' || c == '\'');
        if !ok {
            return Err(at
                .error(
                    name.span(),
                    field,
                    format!("{who:?} cannot name an adversary"),
                )
                .hint("use 1 to 16 letters, digits, spaces and dashes, like \"attacker\""));
        }
        if self.users.iter().any(|u| u == who) {
            return Err(at
                .error(
                    name.span(),
                    field,
                    format!("{who} is a user: an adversary needs a name of its own"),
                )
                .hint("to give a user's key away, leak it to an adversary such as \"attacker\""));
        }
        if !self.rows.iter().any(|r| r == who) {
            self.rows.push(who.to_owned());
        }
        Ok(who.to_owned())
    }

    fn row(
        &self,
        at: &Locator,
        name: &str,
        span: Range<usize>,
        field: &str,
    ) -> Result<String, InputError> {
        if self.rows.iter().any(|r| r == name) {
            Ok(name.to_owned())
        } else {
            Err(at
                .error(
                    span,
                    field,
                    format!("no one called {name:?} exists yet at this act"),
                )
                .hint(format!("so far: {}", self.rows.join(", "))))
        }
    }
}

fn check_act(
    at: &Locator,
    number: usize,
    raw: &RawAct,
    world: &WorldDef,
    names: &mut Names,
    sources: usize,
) -> Result<ActDef, InputError> {
    let title = raw.title.get_ref().trim().to_owned();
    printable(
        at,
        raw.title.span(),
        &format!("act[{number}].title"),
        &title,
    )?;
    if let Some(say) = &raw.say {
        let texts: Vec<&str> = match say.get_ref() {
            Say::One(text) => vec![text.as_str()],
            Say::Many(lines) => lines.iter().map(String::as_str).collect(),
        };
        for text in texts {
            printable(at, say.span(), &format!("act[{number}].say"), text)?;
        }
    }
    if title.is_empty() || title.chars().count() > 60 {
        return Err(at
            .error(
                raw.title.span(),
                &format!("act[{number}].title"),
                "a title has 1 to 60 characters",
            )
            .hint("it is the act's heading on the projector"));
    }
    let say = match raw.say.as_ref().map(Spanned::get_ref) {
        None => Vec::new(),
        Some(Say::One(text)) => paragraphs(text),
        Some(Say::Many(lines)) => lines.iter().map(|l| l.trim().to_owned()).collect(),
    };
    let mut events = Vec::new();
    for (i, event) in raw.events.iter().enumerate() {
        let field = format!("act[{number}].event[{}]", i + 1);
        events.push(check_event(at, &field, event, world, names)?);
    }
    let mut show = Vec::new();
    if let Some(views) = &raw.show {
        for view in views.get_ref() {
            show.push(check_show(
                at,
                &format!("act[{number}].show"),
                view,
                world,
                names,
            )?);
        }
    }
    let mut cite = Vec::new();
    if let Some(list) = &raw.cite {
        let field = format!("act[{number}].cite");
        if list.get_ref().is_empty() {
            return Err(at
                .error(list.span(), &field, "cites no source")
                .hint("list source numbers, like cite = [1, 2], or drop the line"));
        }
        for n in list.get_ref() {
            let value = *n.get_ref();
            if value < 1 || value as u64 > sources as u64 {
                return Err(at
                    .error(
                        n.span(),
                        &field,
                        format!("there is no source {value}: sources lists 1 to {sources}"),
                    )
                    .hint("sources are numbered from 1, in the order the file lists them"));
            }
            if cite.contains(&(value as usize)) {
                return Err(at.error(n.span(), &field, format!("source {value} is cited twice")));
            }
            cite.push(value as usize);
        }
    }
    Ok(ActDef {
        cite,
        title,
        say,
        events,
        show,
    })
}

/// A multi-line `say`: blank lines separate paragraphs; lines within one are joined.
/// Refuses a control character (an escape sequence, a bell) in text the projector will
/// show: printed raw, it could clear the screen or retitle the teacher's window. Line
/// breaks and tabs are layout, and allowed.
fn printable(at: &Locator, span: Range<usize>, field: &str, text: &str) -> Result<(), InputError> {
    match text
        .chars()
        .find(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        None => Ok(()),
        Some(c) => Err(at
            .error(
                span,
                field,
                format!("holds the control character U+{:04X}", u32::from(c)),
            )
            .hint("a demo's words are plain text: remove the escape sequence")),
    }
}

fn paragraphs(text: &str) -> Vec<String> {
    text.split("\n\n")
        .map(|p| p.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|p| !p.is_empty())
        .collect()
}

fn check_event(
    at: &Locator,
    field: &str,
    raw: &Spanned<RawEvent>,
    world: &WorldDef,
    names: &mut Names,
) -> Result<Event, InputError> {
    let e = raw.get_ref();
    let kind = e.kind.get_ref().as_str();
    let main = world.main();
    let sub = |name: &str| format!("{field}.{name}");
    // A field the kind needs and the file lacks.
    let missing = |name: &str| {
        at.error(
            raw.span(),
            &sub(name),
            format!("a {kind} event needs {name}"),
        )
        .hint(format!("the events and their fields: {EVENT_KINDS}"))
    };
    let needs = |design_ok: bool, what: &str| -> Result<(), InputError> {
        if design_ok {
            Ok(())
        } else {
            Err(at
                .error(
                    e.kind.span(),
                    &sub("do"),
                    format!("a {kind} event needs {what}, and this world's scheme is {main}"),
                )
                .hint("change world.scheme, or drop the event"))
        }
    };
    let user = |value: &Option<Spanned<String>>, name: &str| -> Result<String, InputError> {
        let value = value.as_ref().ok_or_else(|| missing(name))?;
        if world.users.contains(value.get_ref()) {
            Ok(value.get_ref().clone())
        } else {
            Err(unknown_user(at, value, &sub(name), &world.users))
        }
    };
    let users = |value: &Option<Spanned<Vec<Spanned<String>>>>,
                 name: &str|
     -> Result<Vec<String>, InputError> {
        let list = value.as_ref().ok_or_else(|| missing(name))?;
        if list.get_ref().is_empty() {
            return Err(at.error(list.span(), &sub(name), "names no one"));
        }
        list.get_ref()
            .iter()
            .map(|u| {
                if world.users.contains(u.get_ref()) {
                    Ok(u.get_ref().clone())
                } else {
                    Err(unknown_user(at, u, &sub(name), &world.users))
                }
            })
            .collect()
    };
    let event = match kind {
        "send" => {
            let messages = e.messages.as_ref().ok_or_else(|| missing("messages"))?;
            if *messages.get_ref() == 0 || *messages.get_ref() > MAX_SEND {
                return Err(at
                    .error(
                        messages.span(),
                        &sub("messages"),
                        format!(
                            "{} messages: one send event sends 1 to {MAX_SEND}",
                            messages.get_ref()
                        ),
                    )
                    .hint("a demo must run in seconds in front of a class"));
            }
            Event::Send {
                messages: *messages.get_ref(),
            }
        }
        "leak" => {
            let key = e.key.as_ref().ok_or_else(|| missing("key"))?;
            if !names.keys.contains(key.get_ref()) {
                return Err(at
                    .error(
                        key.span(),
                        &sub("key"),
                        format!(
                            "no party called {:?} holds a key in this world",
                            key.get_ref()
                        ),
                    )
                    .hint(format!("the keys are: {}", names.keys.join(", "))));
            }
            let to = e.to.as_ref().ok_or_else(|| missing("to"))?;
            Event::Leak {
                key: key.get_ref().clone(),
                to: names.adversary(at, to, &sub("to"))?,
            }
        }
        "rotate" => {
            needs(
                matches!(main, SchemeId::GoldenKey | SchemeId::SplitKey),
                "an escrow key",
            )?;
            Event::Rotate
        }
        "compromise" => {
            let victim = user(&e.user, "user")?;
            let to = e.to.as_ref().ok_or_else(|| missing("to"))?;
            names.compromised.push(victim.clone());
            Event::Compromise {
                user: victim,
                to: names.adversary(at, to, &sub("to"))?,
            }
        }
        "seize" => {
            let owner = user(&e.user, "user")?;
            let to = e.to.as_ref().ok_or_else(|| missing("to"))?;
            Event::Seize {
                user: owner,
                to: names.adversary(at, to, &sub("to"))?,
            }
        }
        "warrant" => Event::Warrant {
            target: user(&e.target, "target")?,
        },
        "insider" | "repoint" => {
            needs(
                crate::schemes::design(main).authority().is_some(),
                "an authority with exceptional access",
            )?;
            let targets = users(&e.targets, "targets")?;
            let to = e.to.as_ref().ok_or_else(|| missing("to"))?;
            let to = names.adversary(at, to, &sub("to"))?;
            let logged = e
                .logged
                .as_ref()
                .map(|l| *l.get_ref())
                .ok_or_else(|| missing("logged"))?;
            if kind == "insider" {
                Event::Insider {
                    targets,
                    to,
                    logged,
                }
            } else {
                Event::Repoint {
                    targets,
                    to,
                    logged,
                }
            }
        }
        "rekey" => {
            needs(main == SchemeId::DualEc, "a Dual_EC point Q to replace")?;
            let to = e.to.as_ref().ok_or_else(|| missing("to"))?;
            Event::Rekey {
                to: names.adversary(at, to, &sub("to"))?,
            }
        }
        "breach" => {
            needs(
                crate::schemes::design(main).authority().is_some(),
                "an authority with exceptional access",
            )?;
            let to = e.to.as_ref().ok_or_else(|| missing("to"))?;
            Event::Breach {
                to: names.adversary(at, to, &sub("to"))?,
            }
        }
        "ghost" => {
            needs(main == SchemeId::Ghost, "the ghost scheme")?;
            Event::Ghost {
                target: user(&e.target, "target")?,
            }
        }
        "steal-share" => {
            needs(main == SchemeId::SplitKey, "the split-key scheme")?;
            let agent = e.agent.as_ref().ok_or_else(|| missing("agent"))?;
            if *agent.get_ref() == 0 || *agent.get_ref() > world.params.agents {
                return Err(at.error(
                    agent.span(),
                    &sub("agent"),
                    format!(
                        "there is no agent {}: the agents are 1 to {}",
                        agent.get_ref(),
                        world.params.agents
                    ),
                ));
            }
            let to = e.to.as_ref().ok_or_else(|| missing("to"))?;
            Event::StealShare {
                agent: *agent.get_ref(),
                to: names.adversary(at, to, &sub("to"))?,
            }
        }
        "evade" | "collide" | "poison" => {
            needs(main == SchemeId::ClientScan, "the client-scan scheme")?;
            let picture =
                |value: &Option<Spanned<String>>, name: &str| -> Result<String, InputError> {
                    let value = value.as_ref().ok_or_else(|| missing(name))?;
                    let known = crate::schemes::client_scan::gallery_names();
                    if known.contains(&value.get_ref().as_str()) {
                        Ok(value.get_ref().clone())
                    } else {
                        Err(at
                            .error(
                                value.span(),
                                &sub(name),
                                format!("the world has no picture called {:?}", value.get_ref()),
                            )
                            .hint(format!("its pictures are: {}", known.join(", "))))
                    }
                };
            match kind {
                "evade" => Event::Evade {
                    user: user(&e.user, "user")?,
                    picture: picture(&e.picture, "picture")?,
                },
                "collide" => Event::Collide {
                    user: user(&e.user, "user")?,
                    picture: picture(&e.picture, "picture")?,
                    target: picture(&e.target, "target")?,
                },
                _ => {
                    let to = e.to.as_ref().ok_or_else(|| missing("to"))?;
                    Event::Poison {
                        picture: picture(&e.picture, "picture")?,
                        to: names.adversary(at, to, &sub("to"))?,
                    }
                }
            }
        }
        "forge-leaf" => {
            let trials = e.trials.as_ref().ok_or_else(|| missing("trials"))?;
            if *trials.get_ref() == 0 || *trials.get_ref() > MAX_FORGERIES {
                return Err(at.error(
                    trials.span(),
                    &sub("trials"),
                    format!(
                        "{} trials: a demo runs 1 to {MAX_FORGERIES} (each is about 65,536 tries)",
                        trials.get_ref()
                    ),
                ));
            }
            Event::ForgeLeaf {
                trials: *trials.get_ref(),
            }
        }
        "brute-force" => {
            needs(
                matches!(main, SchemeId::ShortKey | SchemeId::Workfactor),
                "short keys (short-key or workfactor)",
            )?;
            let key = match &e.key {
                None => None,
                Some(key)
                    if main == SchemeId::Workfactor && key.get_ref() == workfactor::AGENCY_NAME =>
                {
                    Some(key.get_ref().clone())
                }
                Some(key) => {
                    return Err(at
                        .error(
                            key.span(),
                            &sub("key"),
                            format!("{:?} holds no bits of the content keys here", key.get_ref()),
                        )
                        .hint("in a workfactor world, key = \"agency\" reads the escrowed bits"))
                }
            };
            // What is left to search once the key, if any, has read its bits.
            let bits = match (main, &key) {
                (SchemeId::Workfactor, Some(_)) => workfactor::AGENCY_BITS,
                (SchemeId::Workfactor, None) => workfactor::KEY_BITS,
                _ => world.params.bits,
            };
            let messages = e.messages.as_ref().ok_or_else(|| missing("messages"))?;
            if *messages.get_ref() == 0 || *messages.get_ref() > MAX_CRACK {
                return Err(at.error(
                    messages.span(),
                    &sub("messages"),
                    format!(
                        "{} messages: a demo cracks 1 to {MAX_CRACK} live",
                        messages.get_ref()
                    ),
                ));
            }
            let keys = messages.get_ref().saturating_mul(1u64 << bits.min(63));
            if keys > MAX_LIVE_KEYS {
                return Err(at
                    .error(
                        messages.span(),
                        &sub("messages"),
                        format!(
                            "{} messages of {} bits: up to {keys} keys to try, more than a class can wait for",
                            messages.get_ref(),
                            bits
                        ),
                    )
                    .hint(format!(
                        "a brute-force event tries at most 2^32 keys: {} messages of {} bits",
                        (MAX_LIVE_KEYS >> bits.min(32)).clamp(1, MAX_CRACK),
                        bits
                    )));
            }
            let to = e.to.as_ref().ok_or_else(|| missing("to"))?;
            Event::BruteForce {
                messages: *messages.get_ref(),
                to: names.adversary(at, to, &sub("to"))?,
                key,
                bits,
            }
        }
        other => {
            return Err(at
                .error(
                    e.kind.span(),
                    &sub("do"),
                    format!("there is no event called {other:?}"),
                )
                .hint(format!("the events and their fields: {EVENT_KINDS}")))
        }
    };
    refuse_extra_fields(at, field, kind, e)?;
    Ok(event)
}

/// A field the event's kind does not use is a mistake (`target` on a leak, say): the
/// teacher meant something, and silently ignoring it would hide what.
fn refuse_extra_fields(
    at: &Locator,
    field: &str,
    kind: &str,
    e: &RawEvent,
) -> Result<(), InputError> {
    let used: &[&str] = match kind {
        "send" => &["messages"],
        "leak" => &["key", "to"],
        "rotate" => &[],
        "compromise" | "seize" => &["user", "to"],
        "warrant" | "ghost" => &["target"],
        "insider" | "repoint" => &["targets", "to", "logged"],
        "breach" | "rekey" => &["to"],
        "steal-share" => &["agent", "to"],
        "forge-leaf" => &["trials"],
        "evade" => &["user", "picture"],
        "collide" => &["user", "picture", "target"],
        "poison" => &["picture", "to"],
        _ => &["messages", "to", "key"],
    };
    let present: [(&str, Option<Range<usize>>); 10] = [
        ("messages", e.messages.as_ref().map(Spanned::span)),
        ("key", e.key.as_ref().map(Spanned::span)),
        ("to", e.to.as_ref().map(Spanned::span)),
        ("user", e.user.as_ref().map(Spanned::span)),
        ("target", e.target.as_ref().map(Spanned::span)),
        ("targets", e.targets.as_ref().map(Spanned::span)),
        ("logged", e.logged.as_ref().map(Spanned::span)),
        ("agent", e.agent.as_ref().map(Spanned::span)),
        ("trials", e.trials.as_ref().map(Spanned::span)),
        ("picture", e.picture.as_ref().map(Spanned::span)),
    ];
    for (name, span) in present {
        if let Some(span) = span {
            if !used.contains(&name) {
                return Err(at
                    .error(
                        span,
                        &format!("{field}.{name}"),
                        format!("a {kind} event does not take {name}"),
                    )
                    .hint(format!("the events and their fields: {EVENT_KINDS}")));
            }
        }
    }
    Ok(())
}

fn check_show(
    at: &Locator,
    field: &str,
    raw: &Spanned<String>,
    world: &WorldDef,
    names: &Names,
) -> Result<Show, InputError> {
    let text = raw.get_ref().trim();
    let (verb, rest) = text.split_once(' ').unwrap_or((text, ""));
    let rest = rest.trim();
    let who = |name: &str| names.row(at, name, raw.span(), field);
    let needs_who = || {
        at.error(
            raw.span(),
            field,
            format!("\"{verb}\" needs a name, as in \"{verb} attacker\""),
        )
    };
    let show = match verb {
        "parties" if rest.is_empty() => Show::Parties,
        "envelope" if rest.is_empty() => Show::Envelope,
        "compare" if rest.is_empty() => Show::Compare,
        "log" if rest.is_empty() => Show::Log,
        "notices" if rest.is_empty() => Show::Notices,
        "reports" if rest.is_empty() => {
            if world.main() != SchemeId::ClientScan {
                return Err(at
                    .error(raw.span(), field, "\"reports\" needs a client-scan world")
                    .hint("change world.scheme to client-scan, or drop the view"));
            }
            Show::Reports
        }
        "radius" => {
            if rest.is_empty() {
                return Err(needs_who());
            }
            match rest.rsplit_once(" in ") {
                Some((name, design)) => {
                    let id = SchemeId::parse(design.trim())
                        .map_err(|e| at.error(raw.span(), field, e.problem))?;
                    if !world.designs.contains(&id) {
                        return Err(at
                            .error(
                                raw.span(),
                                field,
                                format!("{id} is not one of this world's designs"),
                            )
                            .hint("add it to world.compare"));
                    }
                    Show::Radius {
                        who: who(name.trim())?,
                        design: Some(id),
                    }
                }
                None => Show::Radius {
                    who: who(rest)?,
                    design: None,
                },
            }
        }
        "new" | "recovered" if rest.is_empty() => return Err(needs_who()),
        "new" => Show::New { who: who(rest)? },
        "recovered" => Show::Recovered { who: who(rest)? },
        "exposure" => {
            if !names.compromised.iter().any(|u| u == rest) {
                return Err(at
                    .error(
                        raw.span(),
                        field,
                        format!("no compromise of a user called {rest:?} has happened by this act"),
                    )
                    .hint("an exposure table follows a compromise event"));
            }
            Show::Exposure {
                user: rest.to_owned(),
            }
        }
        _ => {
            return Err(at
                .error(raw.span(), field, format!("cannot show {text:?}"))
                .hint(format!("the views are: {SHOW_KINDS}")))
        }
    };
    Ok(show)
}

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
