//! What a demo's facts say, as values: counts, parties, times, keys' fingerprints,
//! verdicts. The demo engine and the designs' own events state them (so this sits
//! beside the designs, below the engine); the report layer (`report::words::said`) is the
//! one place that puts them in words, for the text, the page and the JSON's `label` and
//! `value` alike. A program reads the values themselves from the JSON's `said`.

// Each variant's own line says what its fields are; a line per field would repeat it.
#![allow(missing_docs)]

use serde::Serialize;

use crate::schemes::SchemeId;

/// One fact, by what it is about.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Said {
    // Traffic.
    /// A batch of messages was sent, `one_to_one` of them between two people.
    Sent {
        messages: u64,
        first: u64,
        last: u64,
        one_to_one: u64,
    },
    /// The same words were sealed once under each design.
    SealedUnderEach { designs: Vec<SchemeId> },
    /// The tap recorded every envelope.
    Recorded,
    /// One picture sent, as message `id`.
    PhotoSent {
        user: String,
        to: Vec<String>,
        id: String,
    },

    // Theft.
    /// `to` now holds a backdoor (`material`) that predicts devices using its Q.
    HoldsBackdoor {
        design: SchemeId,
        to: String,
        party: String,
        material: String,
    },
    /// There was no key of `party` to copy in `design`.
    NoKeyToCopy {
        design: SchemeId,
        party: String,
        why: NoKey,
    },
    /// A key file stolen, of `bytes` bytes.
    KeyFileStolen { party: String, bytes: u64 },
    /// A key's fingerprint.
    Fingerprint { fingerprint: String },
    /// Who holds it now.
    NowHeldBy { holder: String },
    /// What a copied phone of a forward-secret design holds.
    DeviceState {
        design: SchemeId,
        sessions: u64,
        skipped_keys: u64,
        unused_prekeys: u64,
        sender_chains: u64,
    },
    /// In the RSA designs, a copied phone is one private key.
    PhoneKeyFile {
        designs: Vec<SchemeId>,
        user: String,
    },
    /// A phone taken just after `t`; `locked`: seized locked, not copied.
    PhoneTaken {
        user: String,
        t: u64,
        by: String,
        locked: bool,
    },
    /// A seized phone of `design` whose passcode sits on it in the vendor's blob.
    PasscodeOnPhone { design: SchemeId },
    /// A seized phone of `design` that only its passcode opens.
    PhoneStaysLocked { design: SchemeId },
    /// A seized phone opened with the vendor's vault key.
    PhoneOpened { user: String, t: u64 },

    // The escrow key rotated.
    /// The new key's fingerprint.
    NewEscrowKey { fingerprint: String },
    /// Messages from `from` on are wrapped for it.
    WrapsFrom { from: u64 },
    /// Messages recorded before, still wrapped for the old key.
    RecordedBefore { messages: u64 },

    // The authority.
    /// `design` has no exceptional access to answer a warrant with.
    NoExceptionalAccess { design: SchemeId },
    /// How `design` answered a warrant for `target`.
    Warrant {
        design: SchemeId,
        target: String,
        answer: WarrantAnswer,
    },
    /// How much of `target`'s messages `who` reads.
    TargetReadable {
        target: String,
        who: String,
        read: u64,
        total: u64,
    },
    /// How much of everyone else's, with the same access; `unwarranted`: everyone
    /// under no warrant so far.
    OthersReadable {
        unwarranted: bool,
        read: u64,
        total: u64,
    },
    /// The access log: `entries` written (none citing a warrant), or `None`: nothing
    /// written.
    AccessLog { entries: Option<u64> },
    /// The interception system's access taken by `by`.
    InterceptionTaken { by: String },
    /// The authority's targets so far, each with its warrant's number and since when.
    WarrantTargets { targets: Vec<WarrantTarget> },
    /// The attacker learns whom the authority watches.
    LearnsTheWatchlist,
    /// Targets added to a re-pointed tap.
    AddedTargets { targets: Vec<String> },
    /// Where a re-pointed tap's copies go, from `from`.
    CopiesGoTo { to: String, from: u64 },
    /// Log entries written for a re-pointed tap; `None`: none.
    LogEntries { entries: Option<u64> },

    // Clipper's LEAF forged.
    /// Forgeries run.
    Forgeries { trials: u64 },
    /// Tries per forgery.
    TriesPerForgery {
        mean: f64,
        expected: u64,
        min: u64,
        max: u64,
    },
    /// Forged LEAFs the receiver accepted.
    ReceiverAccepted { accepted: u64, trials: u64 },
    /// Forged LEAFs from which the agents recovered the key.
    AgentsRecovered { recovered: u64, trials: u64 },
    /// Honest LEAFs the agents recovered.
    HonestLeafRecovered { recovered: u64, trials: u64 },
    /// How long it took.
    Took { seconds: f64 },

    // Brute force.
    /// `holder` lacks the `key` that would cut the search.
    HoldsNoKey { holder: String, key: String },
    /// Keys per message.
    KeySpace { bits: u32 },
    /// The messages cracked, of `of` searched.
    Cracked { ids: Vec<String>, of: u64 },
    /// The recorded messages no search has tried yet, and how long they would take at
    /// the rate just measured.
    SearchTheRest { messages: u64, seconds: f64 },
    /// The whole search's time, on every core.
    TookAllCores { seconds: f64 },
    /// Keys tried a second.
    Rate { keys_per_second: f64 },
    /// What a longer key would take at this rate.
    LongerKey { bits: u32, seconds: f64 },

    // Dual_EC, searched live.
    /// One device's search by `holder`.
    DeviceSearched {
        holder: String,
        device: String,
        tried: u64,
        seconds: f64,
    },
    /// The devices not searched live.
    OthersNotSearched {
        holder: String,
        devices: Vec<String>,
        mean_seconds: f64,
    },

    // The ghost's visibility.
    /// A client noticed a change of membership.
    Notice {
        t: u64,
        user: String,
        notice: String,
        conversation: Vec<String>,
    },
    /// No client noticed.
    NoNotices,

    // Client-side scanning.
    /// What an attack made looks like: `evaded` (an edit of `picture`) or forged.
    MadeImage {
        forged: bool,
        picture: String,
        psnr_db: f64,
    },
    /// How far its hash is from `aim`'s.
    HashDistance {
        aim: String,
        distance: u32,
        threshold: u32,
    },
    /// How long it took to compute.
    ComputedIn { seconds: f64 },
    /// Whether `user`'s phone reported a picture; `entry`, `distance` and whether it
    /// was a true match if it did.
    Scanned {
        user: String,
        report: Option<ScanMatch>,
    },
    /// A picture's hash added to the list.
    ListPoisoned {
        picture: String,
        by: String,
        entries: u64,
    },
    /// The images scanned again.
    ScannedAgain { images: u64 },
    /// The users exposed by a poisoned entry, and each report that exposed them.
    Exposed {
        users: Vec<String>,
        of: u64,
        sightings: Vec<Sighting>,
    },
    /// False reports.
    FalseReports { reports: u64 },
    /// No reports yet.
    NoReports,
    /// One report: at `t` from `sender`.
    Report {
        t: u64,
        sender: String,
        matched: ScanMatch,
        /// The picture it was a copy of (a true match), or what was sent (a false one).
        picture: String,
    },
    /// The reports in all.
    ReportsInAll {
        reports: u64,
        images: u64,
        false_reports: u64,
    },
    /// The vouchers the provider's key opens.
    Vouchers { opened: u64, of: u64 },

    /// Words of a design's own event, which its module writes (so that a design added
    /// brings its words with it and no renderer names it).
    Told { label: String, value: String },
    /// A picture of the story (a phone's photo, a forgery, the list's entry), shown
    /// beside the facts where a page can show it: what it is, and the PNG (base64 in
    /// the JSON).
    Picture {
        shows: Shown,
        #[serde(serialize_with = "base64_png")]
        png: Vec<u8>,
    },
}

/// What a [`Said::Picture`] shows: which of the world's pictures, and what became of it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "as", rename_all = "kebab-case")]
pub enum Shown {
    /// The picture as the phones' list holds its hash.
    Listed { picture: String },
    /// The picture edited just enough that its hash escapes the list.
    Edited { picture: String },
    /// A picture forged to look like `picture` and hash like `target`.
    Forged { picture: String, target: String },
    /// The picture as it is, before anyone changed it.
    Original { picture: String },
}

fn base64_png<S: serde::Serializer>(
    png: &[u8],
    serializer: S,
) -> std::result::Result<S::Ok, S::Error> {
    serializer.serialize_str(&crate::wire::b64(png))
}

/// Why there was no key to copy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum NoKey {
    /// The whole key exists nowhere yet (split-key before a warrant).
    NotYetWhole,
    /// Keys live on the devices and change: no long-term key opens messages.
    OnDevices,
    /// The design has no key of that party.
    NoSuchKey,
}

/// How a design answered a warrant.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum WarrantAnswer {
    /// Agents 1 to `agents` combined their shares into the whole escrow key.
    SharesCombined { agents: usize },
    /// Both agents released the target's unit key halves.
    DeviceKeyHalves,
    /// The provider opened its copy of the target's key.
    VaultOpened { fingerprint: String },
    /// The phone was bricked by an earlier unlock.
    PhoneSpent,
    /// The vendor's vault key unlocked the phone's history to `t`.
    PhoneUnlocked { t: u64 },
    /// The relay adds the ghost from `from` on.
    GhostJoins { from: u64 },
    /// The escrow key opens the target's messages.
    EscrowKeyOpens,
}

/// A target of the authority: whom, under which warrant, since when.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WarrantTarget {
    pub user: String,
    pub warrant: usize,
    pub since: u64,
}

/// A scanning match: the list entry and the distance; `true_match`: the picture was a
/// copy of it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScanMatch {
    pub entry: String,
    pub distance: u32,
    pub true_match: bool,
}

/// A report a poisoned entry caused: who sent the picture, and when.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Sighting {
    pub sender: String,
    pub t: u64,
}

/// One thing a row of the matrix holds, as the heading over what it opened lists it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Held {
    /// More than two users' keys, counted rather than named.
    UserKeys { count: u64 },
    /// A user's key.
    UserKey { party: String },
    /// Another party's key (the escrow key, a vendor's).
    Key { party: String },
    /// A copy of a user's phone made at `t`.
    PhoneCopy { user: String, t: u64 },
    /// A user's phone seized at `t`, and whether it was unlocked.
    PhoneSeized {
        user: String,
        t: u64,
        unlocked: bool,
    },
    /// Released unit keys of these devices.
    UnitKeys { devices: Vec<String> },
    /// Message keys found by brute force.
    BruteForced { count: u64 },
    /// Copies of these users' traffic, from a re-pointed tap.
    TrafficCopies { targets: Vec<String> },
    /// Material that reads in order (a Dual_EC backdoor).
    InOrder { party: String, material: String },
    /// Pieces of a key (shares), and what a piece is called.
    Pieces { count: u64, noun: String },
}

/// What a row holds, one item each (a list the report layer words).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Holdings(pub Vec<Held>);

impl Holdings {
    /// Whether it holds nothing.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// The key a party of the demo holds, as the parties' table names it.
#[derive(Debug, Clone, PartialEq)]
pub enum PartyKey {
    /// An RSA key of `bits`, by its shortened fingerprint.
    Rsa { bits: usize, fingerprint: String },
    /// A forward-secret design's device keys (an identity and prekeys).
    DeviceKeys,
    /// What its design calls the key it holds ("Shamir share").
    Named(&'static str),
    /// No key.
    None,
}

/// What a party of the demo holds.
#[derive(Debug, Clone, PartialEq)]
pub enum PartyHolds {
    /// A user: their own messages.
    OwnMessages,
    /// The network tap: a recording of all traffic.
    Recording,
    /// An authority: what its design says it holds.
    Named(&'static str),
}

/// A labelled value: what it says ([`Said`], values only; the report layer words
/// it), whether it is shown as opened or sealed, and the number it states, if it states
/// one, for programs (a web view, the tests), so that nobody parses it back out of the
/// sentence. Its JSON (`label`, `value`, `open`, `quantity`, `said`) is written by
/// the report layer, which holds the words.
#[derive(Debug, Clone)]
pub struct Fact {
    /// What the fact says.
    pub said: Said,
    /// `Some(true)`: shown as a ✓/OPEN; `Some(false)`: ✗/sealed; `None`: plain.
    pub open: Option<bool>,
    /// The number the fact states, if it states one.
    pub quantity: Option<Quantity>,
}

/// The number a fact states: `n` (of `of`), counted in `unit`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Quantity {
    #[serde(serialize_with = "whole_if_whole")]
    /// The number.
    pub n: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    /// Out of how many, for a count.
    pub of: Option<u64>,
    /// "messages", "bytes", "keys", "seconds", "keys/s", "tries", "LEAFs".
    pub unit: &'static str,
    /// Timed on this machine during this run (`DemoRun::machine` names it), rather
    /// than counted or taken from history.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub measured: bool,
}

/// Counts print as integers (289, not 289.0); rates and durations as they are.
fn whole_if_whole<S: serde::Serializer>(
    n: &f64,
    serializer: S,
) -> std::result::Result<S::Ok, S::Error> {
    if n.fract() == 0.0 && n.abs() < 9e15 {
        serializer.serialize_i64(*n as i64)
    } else {
        serializer.serialize_f64(*n)
    }
}

impl Fact {
    /// A fact shown as it is.
    pub fn new(said: Said) -> Self {
        Fact {
            said,
            open: None,
            quantity: None,
        }
    }
    /// The fact shown as opened (✓) or sealed (✗).
    pub fn marked(mut self, open: bool) -> Self {
        self.open = Some(open);
        self
    }
    /// Words a design's own event wrote (see [`Said::Told`]).
    pub fn told(label: impl Into<String>, value: impl Into<String>) -> Self {
        Fact::new(Said::Told {
            label: label.into(),
            value: value.into(),
        })
    }
    /// The fact states `n` of `of` `unit`.
    pub fn counting(mut self, n: u64, of: u64, unit: &'static str) -> Self {
        self.quantity = Some(Quantity {
            n: n as f64,
            of: Some(of),
            unit,
            measured: false,
        });
        self
    }
    /// The fact states `n` `unit`.
    pub fn measuring(mut self, n: f64, unit: &'static str) -> Self {
        self.quantity = Some(Quantity {
            n,
            of: None,
            unit,
            measured: false,
        });
        self
    }
    /// The fact states `n` `unit`, timed on this machine in this run: renderers label it
    /// as measured, and the run names the machine.
    pub fn timed(mut self, n: f64, unit: &'static str) -> Self {
        self.quantity = Some(Quantity {
            n,
            of: None,
            unit,
            measured: true,
        });
        self
    }
    /// Whether the fact states a figure timed on this machine.
    pub fn is_measured(&self) -> bool {
        self.quantity.is_some_and(|q| q.measured)
    }
}
