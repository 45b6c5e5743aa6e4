//! The one joint for designs: everything doormat knows about a design sits behind the
//! [`Design`] trait, and [`DESIGNS`] lists them. `simulate`, `compare`, `bench` and the
//! demos look a design up here instead of matching on its name.
//!
//! # Adding a design
//!
//! A design that adds no envelope field takes three files under `src/`:
//!
//! 1. **Its module**, `src/schemes/NAME.rs`: a [`Scheme`] that seals, and a unit struct
//!    that implements [`Design`]. `Scheme::add_exceptional_access` sees the message and
//!    its content key before the envelope leaves the device; it may add `wrapped`
//!    readers or an `escrow` wrap, which every reader of wire format v1 already
//!    understands. [`Design::build`] returns that sealer, the files the design keeps outside the
//!    envelopes (an escrow agent's share, a vault entry) and [`Loot`]: what each of its
//!    parties hands an attacker who steals from it, and what each of its authorities
//!    holds from the start of a demo. [`Design::invited`] names the compromise the
//!    design invites, for `doormat compare`. A design with scenario events of its own
//!    parses and plays them itself: it lists them in [`Design::own_events`], each with
//!    its fields and a parser that reads them through
//!    [`EventFields`](super::stage::EventFields), and the parsed event plays on a
//!    [`Stage`](super::stage::Stage) (the time, the design's sealer and loot, an
//!    adversary taking material). The parser refuses them in other worlds, and the
//!    engine plays them only for the designs that list them. One whose keys are
//!    searched says how in [`Design::key_search`].
//! 2. **Two lines in `src/schemes/mod.rs`**: `pub mod NAME;` and its entry in
//!    [`DESIGNS`].
//! 3. **Its name**, a variant of [`SchemeId`] in `src/wire/scheme_id.rs` (with
//!    its string and its place in `SchemeId::ALL`), because envelopes and `world.json`
//!    carry it and are parsed below this layer.
//!
//! Then `doormat simulate --scheme NAME`, `recover` with stolen key files, `compare`,
//! `bench` and a demo's `compare = [...]` list all work, and the tests in
//! `schemes::registry::tests` run against it. Outside `src/`, give it a section in
//! docs/schemes.md and, if it tells a story, a demo in demos/. A design with new envelope
//! bytes also needs its field in `src/wire/envelope.rs` and docs/wire-format.md. A
//! design with a new kind of stolen material defines its type in its module
//! ([`OwnMaterial`], handed out as [`Loot::own`]), reads it back in
//! [`Design::open_loot`], loads its files for `recover` in [`Design::load_stolen`],
//! and gives what it opens as a [`Capability`] if it is
//! not an RSA key. The scenario `[world]` fields it needs ([`Design::scenario_fields`])
//! and the exercise kinds it hosts ([`Design::exercises`]) are its to list too.
//!
//! A design with parameters gives them one type of its own in its module
//! ([`DesignParams`](super::params::DesignParams): clap's `Args`, serde, and `Default`
//! for the defaults) and names it in [`Design::params`]. That type is at once its
//! `simulate` flags, its table in world.json (`"split-key": {...}`) and in a scenario
//! (`[world.split-key]`); the design reads it back with
//! [`SchemeParams::get`](super::SchemeParams::get) and refuses what cannot make it in
//! [`Design::check`].
//!
//! What its exceptional access does is its own as well: [`Design::serve_warrant`]
//! answers a demo's warrant with a typed [`Warranted`] (the default: the escrow key the
//! authority holds opens the target's messages), and [`Design::rotate`] gives the sealer
//! and material that replace the old after its escrow key is rotated. A design whose
//! devices keep state between messages (a ratchet, a group's epochs) seals on them
//! instead: [`Built::network`] holds its
//! [`DeviceNetwork`], which `simulate`, `compare`, the
//! demos and the exercises drive, and [`Design::running_chat`] gives the bench a
//! conversation to time. Material that reads a capture in order rather than envelope by
//! envelope (a Dual_EC `d`) says so in [`OwnMaterial::reads_in_order`], and each sealer
//! says whether it fits in [`Scheme::in_order_reader`]; a trapdoor someone else can
//! replace is an own event (dual-ec's `rekey`); a relay that adds hidden readers is aimed through
//! [`Scheme::point_hidden_reader`]; pieces of a split secret are [`OwnMaterial::piece`].
//! The demos play all of these without naming the design.
//!
//! A design's own attack that needs only the world's files lives in its folder, read
//! through [`WorldFiles`] (client-scan's `poison.rs`, re-exported by `attacks::poison`).
//!
//! Own events: ghost's `ghost`, split-key's `steal-share`, dual-ec's `rekey`,
//! client-scan's `evade`, `collide` and `poison`; the state one plays against is its
//! design's [`Design::demo_state`]. Clipper's `forge-leaf` brings its own chips and
//! plays in every world ([`OwnEvent::anywhere`]); `brute-force` plays where
//! [`Design::key_search`] answers.
//!
//! Measured (7 Dec 2026): a throwaway design with material and an event of its own
//! (`pick-lock`) touched the three files above, 98 lines added and 1 removed.

use std::any::Any;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::capability::Capability;
use super::finding::Finding;
use super::keyring::Keyring;
use super::network::{DeviceNetwork, RunningChat};
use super::params::ParamsKind;
use super::stage::OwnEvent;
use super::{Party, Scheme, SchemeId, SchemeParams, DESIGNS};
use crate::crypto::random::Randomness;
use crate::crypto::rsa_oaep::PrivateKey;
use crate::error::{Error, InputError, Result};
use crate::wire::envelope::Envelope;
use crate::wire::message::Message;
use crate::wire::world_file::{Parameters, Role, WorldFile};

/// The designs for `--help`: one line each.
pub fn design_help() -> String {
    let width = DESIGNS
        .iter()
        .map(|d| d.id().as_str().len())
        .max()
        .unwrap_or(0);
    let lines: Vec<String> = DESIGNS
        .iter()
        .map(|d| format!("  {:width$}  {}", d.id().as_str(), d.summary()))
        .collect();
    format!("Exceptional-access design:\n{}", lines.join("\n"))
}

/// The world a design is checked against.
#[derive(Debug, Clone, Copy)]
pub struct WorldShape<'a> {
    /// The users, in directory order.
    pub users: &'a [String],
    /// Messages the world will hold.
    pub messages: u64,
    /// Messages per content key (1: a key per message).
    pub session_size: u64,
}

/// What a design is built from.
#[derive(Clone, Copy)]
pub struct Inputs<'a> {
    /// The users, in directory order.
    pub users: &'a [String],
    /// Every party with an RSA key: the users, then those the design adds.
    pub parties: &'a [Party],
    /// The design's parameters (agents, bits, ...).
    pub params: &'a SchemeParams,
    /// Messages the world will hold (a vault's routine requests scale with it).
    pub messages: u64,
    /// Where its keys come from: the OS, or a classroom seed.
    pub randomness: &'a Randomness,
}

impl<'a> Inputs<'a> {
    /// The party called `name`; an error if the caller did not make the design's parties.
    pub fn party(&self, name: &str) -> Result<&'a Party> {
        self.parties
            .iter()
            .find(|p| p.name == name)
            .ok_or_else(|| Error::Internal(format!("the world has no {name} party")))
    }
}

/// A file a design keeps outside the envelopes, relative to the world's directory.
pub struct KeptFile {
    /// Where it goes, relative to the world's directory (`keys/agent-1.share`).
    pub path: String,
    /// Its bytes: text, or an image.
    pub contents: zeroize::Zeroizing<Vec<u8>>,
    /// Written 0600: it holds secret key material.
    pub secret: bool,
}

impl fmt::Debug for KeptFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeptFile")
            .field("path", &self.path)
            .field("secret", &self.secret)
            .finish_non_exhaustive()
    }
}

impl KeptFile {
    /// `value` as pretty JSON with a trailing newline.
    pub fn json(path: impl Into<String>, value: &impl serde::Serialize, secret: bool) -> Self {
        let mut text = serde_json::to_string_pretty(value).expect("a kept file serialises");
        text.push('\n');
        Self::text(path, zeroize::Zeroizing::new(text), secret)
    }

    /// A text file.
    pub fn text(
        path: impl Into<String>,
        mut text: zeroize::Zeroizing<String>,
        secret: bool,
    ) -> Self {
        // Moves the buffer rather than copying it, so no unwiped copy of a secret is left.
        let bytes = std::mem::take(&mut *text).into_bytes();
        KeptFile {
            path: path.into(),
            contents: zeroize::Zeroizing::new(bytes),
            secret,
        }
    }

    /// A public file of bytes (a picture).
    pub fn bytes(path: impl Into<String>, bytes: Vec<u8>) -> Self {
        KeptFile {
            path: path.into(),
            contents: zeroize::Zeroizing::new(bytes),
            secret: false,
        }
    }
}

/// What stealing from one of a design's parties hands the thief besides its RSA key
/// (which every party hands over, unless the design withholds it).
// A world has a handful of loot, made once: boxing the key would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum Loot {
    /// A private key, and the party it opens messages for.
    Key {
        /// Whose messages it opens.
        holder: String,
        /// The holder's role, which decides where it looks in an envelope.
        role: Role,
        /// The key.
        key: PrivateKey,
    },
    /// Material of the design's own kind (an escrow agent's share, a vault, a LEAF
    /// family key, a locked phone, a backdoor). Only its design reads it, in
    /// [`Design::open_loot`]; the types live in the design's module.
    Own(Arc<dyn OwnMaterial>),
}

impl Loot {
    /// Loot of the design's own kind.
    pub fn own(material: impl OwnMaterial) -> Self {
        Loot::Own(Arc::new(material))
    }

    /// This loot as the design's material of type `T`, if it is that.
    pub fn as_own<T: OwnMaterial>(&self) -> Option<&T> {
        match self {
            Loot::Own(material) => (material.as_ref() as &dyn Any).downcast_ref(),
            Loot::Key { .. } => None,
        }
    }

    /// Which piece of a split secret the loot is: see [`OwnMaterial::piece`].
    pub fn piece(&self) -> Option<Piece> {
        match self {
            Loot::Own(material) => material.piece(),
            Loot::Key { .. } => None,
        }
    }

    /// What the loot is called, if it reads a capture in order: see
    /// [`OwnMaterial::reads_in_order`].
    pub fn reads_in_order(&self) -> Option<&'static str> {
        match self {
            Loot::Own(material) => material.reads_in_order(),
            Loot::Key { .. } => None,
        }
    }

    /// This loot as a thief holds it who takes it just after logical time `t`: a
    /// device's (a locked phone's) history ends there. `None` for loot that is no
    /// device.
    pub fn seized_at(&self, t: u64) -> Option<Loot> {
        match self {
            Loot::Own(material) => material.seized_at(t).map(Loot::Own),
            Loot::Key { .. } => None,
        }
    }
}

/// A design's own kind of stolen material. Its design recognises it by type
/// ([`Loot::as_own`]); everything else passes it along unread.
pub trait OwnMaterial: Any + fmt::Debug + Send + Sync {
    /// The material as taken just after `t`, if it is a device whose history ends when
    /// it is taken; `None` otherwise.
    fn seized_at(&self, _t: u64) -> Option<Arc<dyn OwnMaterial>> {
        None
    }

    /// Which numbered piece of a split secret it is, if it is one (split-key's share
    /// of agent 2): pieces combine, in the design's `open_loot`, once enough are held.
    fn piece(&self) -> Option<Piece> {
        None
    }

    /// What the material is called, if it reads a capture in order through the
    /// sealers it fits ([`Scheme::in_order_reader`]): Dual_EC's backdoor, `d`.
    fn reads_in_order(&self) -> Option<&'static str> {
        None
    }
}

/// One numbered piece of a secret split among several holders: see
/// [`OwnMaterial::piece`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Piece {
    /// What a piece is called ("share").
    pub noun: &'static str,
    /// Which piece, from 1: its holder's number.
    pub number: u32,
}

/// A picture a user's client attached to a message as its user wrote it.
#[derive(Debug, Clone)]
pub struct Attachment {
    /// Where the world keeps the sent image, relative to its directory.
    pub file: String,
    /// Which of the world's pictures it is a copy of.
    pub picture: String,
    /// The image, as sent.
    pub png: Vec<u8>,
}

/// What the users' clients add to a message as its user writes it: see
/// [`Built::compose`].
pub struct Compose {
    /// The world's log of what each user attached (which picture, in which file), one
    /// JSON line each, relative to its directory: content, so private.
    pub log: &'static str,
    /// The folder the sent images are kept in, relative to the world's directory;
    /// every [`Attachment::file`] is inside it.
    pub images: &'static str,
    /// Adds to a message, and returns the attachment to keep.
    pub attach: Box<ComposeFn>,
}

/// See [`Compose::attach`].
pub type ComposeFn = dyn Fn(&mut Message) -> Option<Attachment> + Send + Sync;

/// A design, built for one world.
pub struct Built {
    /// What seals each message on its own, in any order (and so in parallel): a fresh
    /// content key wrapped for its readers, plus what the scheme adds. `None` for a
    /// design that seals on the devices ([`Design::on_devices`]).
    pub sealer: Option<Box<dyn Scheme>>,
    /// The users' devices, for a design that seals on them: `Some` exactly where
    /// `sealer` is `None`.
    pub network: Option<Box<dyn DeviceNetwork>>,
    /// Files it keeps outside the envelopes.
    pub kept: Vec<KeptFile>,
    /// What each of its parties hands a thief: (party, loot).
    pub loot: Vec<(String, Loot)>,
    /// An identifier of its secret material that world.json records, so that a file
    /// from another world is told apart (Clipper's family key).
    pub family_id: Option<String>,
    /// Public values the design made while building that world.json records (Dual_EC's
    /// Q): written into its parameters.
    pub public: Option<Box<RecordFn>>,
    /// What the users' clients add to a message as its user writes it, before it is
    /// sealed (client-scan: a photo from the gallery), and the attachment to keep.
    pub compose: Option<Compose>,
}

/// Where world.json records [`Built::family_id`], among the parameters.
pub const FAMILY_ID_FIELD: &str = "family_id";

/// See [`Built::public`].
pub type RecordFn = dyn Fn(&mut Parameters) + Send + Sync;

impl Built {
    /// A design that seals each message on its own and keeps nothing else.
    pub fn sealer(scheme: impl Scheme + 'static) -> Self {
        Built {
            sealer: Some(Box::new(scheme)),
            network: None,
            kept: Vec::new(),
            loot: Vec::new(),
            family_id: None,
            public: None,
            compose: None,
        }
    }

    /// What stealing from `party` hands the thief.
    pub fn loot_of<'b>(&'b self, party: &'b str) -> impl Iterator<Item = &'b Loot> + 'b {
        self.loot
            .iter()
            .filter(move |(p, _)| p == party)
            .map(|(_, l)| l)
    }
}

/// What the users' clients show them as the traffic flows (ghost: a notice when a
/// stranger joins a conversation a client verifies), and the world file it goes to.
pub struct ClientWatch {
    /// Where the notices go, relative to the world's directory, one JSON line each.
    pub file: &'static str,
    /// Sees each envelope as it is recorded; returns the notices it raises.
    pub watch: WatchFn,
}

/// See [`ClientWatch::watch`].
pub type WatchFn = Box<dyn FnMut(&Envelope) -> Vec<ClientNotice> + Send>;

/// What a client showed its user: one line of the design's notices file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientNotice {
    /// When.
    pub t: u64,
    /// Whose client showed it.
    pub user: String,
    /// The conversation's members.
    pub conversation: Vec<String>,
    /// What the client said.
    pub notice: String,
}

/// One thing a compromise takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Theft {
    /// Whatever the party holds: its key, or its [`Loot`].
    Party(String),
    /// A user's device, copied just after logical time `t`.
    Device {
        /// Whose device.
        user: String,
        /// Copied just after this logical time.
        t: u64,
    },
    /// A user's phone, locked, taken just after logical time `t` (seized, stolen, held
    /// at a border): under CLEAR, with the vault key, it opens; elsewhere it is sealed.
    Phone {
        /// Whose phone.
        user: String,
        /// Taken just after this logical time.
        t: u64,
    },
    /// No key at all: the server lists a member of its own, `name`, in every
    /// conversation of `target`'s from logical time `from` on, and the thief holds that
    /// member's device (a design whose server keeps the rosters:
    /// [`DeviceNetwork::add_hidden_member`]).
    AddedMember {
        /// The added member.
        name: String,
        /// Whose conversations.
        target: String,
        /// From this logical time on.
        from: u64,
    },
    /// No key at all: every content key's secret bits, searched.
    KeySpace {
        /// Secret bits per content key.
        bits: u32,
    },
}

/// A kind of stolen material, besides private keys and device snapshots, that a
/// design's world has: [`Design::materials`] says which, and `recover` takes only those.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Material {
    /// Escrow agents' shares of a key split among them (`--share`): enough rebuild it.
    Shares,
    /// A family key that reads each envelope's LEAF, and the escrow agents' halves of
    /// the unit keys (`--family-key`, `--share`, `--device`).
    LeafHalves,
    /// A vault of every device's key, sealed for the vendor's vault key.
    Vault,
    /// Locked phones that keep their passcode sealed for the vendor's vault key
    /// (`--phone`).
    Phones,
}

/// A JSON file of format version 1 at `path`: anything else is refused, naming the file.
pub fn parse_version_1<T: serde::de::DeserializeOwned>(
    text: &str,
    path: &Path,
    what: &str,
    version: impl Fn(&T) -> u64,
) -> Result<T> {
    let value: T = serde_json::from_str(text)
        .map_err(|e| InputError::new(format!("not {what} ({e})")).file(path))?;
    match version(&value) {
        1 => Ok(value),
        v => Err(InputError::new(format!(
            "version {v} is unknown; this doormat reads version 1"
        ))
        .file(path)
        .field("v")
        .into()),
    }
}

/// The files of a design's own materials handed to `recover`.
#[derive(Debug, Clone, Copy, Default)]
pub struct StolenFiles<'a> {
    /// Escrow agents' files (`--share`): split-key shares, or Clipper's unit-key halves.
    pub shares: &'a [PathBuf],
    /// Clipper's family key (`--family-key`).
    pub family_key: Option<&'a Path>,
    /// Clipper: the one device a warrant names, its unit key only (`--device`).
    pub device: Option<&'a str>,
    /// CLEAR phones in the attacker's hands, locked (`--phone`).
    pub phones: &'a [PathBuf],
}

/// A world on disk, as a design reads its own files in it: the world layer opens them
/// inside the world's folder, as it opens the capture.
pub trait WorldFiles {
    /// Where the world is.
    fn root(&self) -> &Path;
    /// Its world.json.
    fn file(&self) -> &WorldFile;
    /// The world's small text file at `relative`.
    fn read_text(&self, relative: &str, what: &str) -> Result<String>;
    /// The world's file at `relative`, of any size, or `None` if there is none.
    fn open_file_if_any(&self, relative: &str, what: &str) -> Result<Option<std::fs::File>>;
    /// The world's file at `relative`, of any size, which the world must have.
    fn open_file(&self, relative: &str, what: &str) -> Result<std::fs::File>;
    /// A reader of its capture, from the first envelope.
    fn capture_stream(&self) -> Result<Box<dyn super::opening::CaptureStream>>;
}

/// A warrant naming one user, served on a design's exceptional access.
pub struct Warrant<'a> {
    /// The user it names.
    pub target: &'a str,
    /// When it is served.
    pub t: u64,
    /// The design's own material as its parties hold it now: shares, unit-key halves,
    /// a vault, phones.
    pub loot: &'a [&'a Loot],
    /// A party's private key (the vendor's, to unlock a phone).
    pub key_of: &'a dyn Fn(&str) -> PrivateKey,
    /// Whether an earlier warrant used up the target's device (an unlocked CLEAR phone
    /// bricks itself).
    pub device_spent: bool,
}

/// What a warrant hands the authority, as values: the demo words it.
pub enum Warranted {
    /// The escrow key the authority already holds opens the target's messages.
    EscrowKeyOpens,
    /// The first `agents` escrow agents brought their shares together: the whole escrow
    /// key, in one place.
    SharesCombined {
        /// How many agents it took.
        agents: usize,
        /// The escrow key they rebuilt.
        key: PrivateKey,
    },
    /// The escrow agents each released their half of the target's device key, which
    /// together open what that device sends.
    DeviceKeyHalves(Arc<dyn Capability>),
    /// The provider opened its escrowed copy of the target's key, without the phone.
    VaultOpened {
        /// The target's key, as the vault held it.
        key: PrivateKey,
    },
    /// The target's phone, brought by the police, unlocked with the vendor's key: its
    /// key opens the history the phone kept, up to the warrant; the phone then bricks
    /// itself.
    PhoneUnlocked {
        /// The phone's key.
        key: PrivateKey,
    },
    /// The target's phone was bricked by an earlier unlock: what it held then is all
    /// there is.
    PhoneSpent,
    /// From `from` on, the relay adds a hidden reader to the target's conversations.
    GhostJoins {
        /// The first logical time the ghost reads.
        from: u64,
    },
}

/// A design after a rotation of its escrow key: see [`Design::rotate`].
pub struct Rotated {
    /// What seals from now on.
    pub sealer: Box<dyn Scheme>,
    /// What each party holds now in place of its old material: (party, loot).
    pub loot: Vec<(String, Loot)>,
}

/// What a brute-force search of a design's content keys faces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeySearch {
    /// Secret bits per content key, searched with no key at all.
    pub bits: u32,
    /// The party whose key reads some of those bits from each envelope (workfactor's
    /// agency), and the bits left to search once it has: `None` where no one holds any.
    pub escrowed: Option<(&'static str, u32)>,
}

impl KeySearch {
    /// The bits left to search holding `key`'s party's key (`None`: no key), or `None`
    /// if that party reads none of them.
    pub fn bits_with(&self, key: Option<&str>) -> Option<u32> {
        match (key, self.escrowed) {
            (None, _) => Some(self.bits),
            (Some(key), Some((holder, left))) if key == holder => Some(left),
            (Some(_), _) => None,
        }
    }
}

/// A compromise a design invites, as `doormat compare` runs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invited {
    /// What was stolen, in a few words ("escrow key", "3 of 5 shares").
    pub label: String,
    /// `None` where the compromise does not exist in this design (no escrow key).
    pub theft: Option<Vec<Theft>>,
}

impl Invited {
    /// A compromise that takes `theft`.
    pub fn new(label: impl Into<String>, theft: Vec<Theft>) -> Self {
        Invited {
            label: label.into(),
            theft: Some(theft),
        }
    }
    /// A compromise this design does not allow (there is no such key).
    pub fn absent(label: impl Into<String>) -> Self {
        Invited {
            label: label.into(),
            theft: None,
        }
    }
}

/// Everything about one exceptional-access design (or a baseline without one).
pub trait Design: Sync {
    /// Its name, as `--scheme`, envelopes and world.json carry it.
    fn id(&self) -> SchemeId;

    /// One line for `--help` and tables.
    fn summary(&self) -> &'static str;

    /// Its own parameter type ([`DesignParams`](super::params::DesignParams)): its
    /// `simulate` flags, its table in world.json and in a scenario's `[world]`, and its
    /// defaults. `None`: it takes none.
    fn params(&self) -> Option<&'static dyn ParamsKind> {
        None
    }

    /// Refuses parameters that cannot make this design, naming the flag.
    fn check(&self, _params: &SchemeParams, _world: &WorldShape) -> Result<(), InputError> {
        Ok(())
    }

    /// The `[world]` fields a scenario file must give for this design, each with an
    /// example value for the hint (`("bits", "24")`). A scenario checks them with
    /// [`Design::check`]; a design that lists none takes its parameters from events.
    fn scenario_fields(&self) -> &'static [(&'static str, &'static str)] {
        &[]
    }

    /// Why a demo can have this design only as its main scheme, if it can: its story
    /// plays through events that run on the main scheme alone. `None`: it may be
    /// compared.
    fn main_scheme_only(&self) -> Option<&'static str> {
        None
    }

    /// The scenario events (their TOML `do`) that play only against this design, and so
    /// only in a world whose main scheme it is, but still parse and play in the demo
    /// layer: split-key's `steal-share`. Events every design plays (send, leak,
    /// warrant...) are not listed, nor its [`Design::own_events`].
    fn events(&self) -> &'static [&'static str] {
        &[]
    }

    /// The scenario events it parses and plays itself ([`OwnEvent`]), which play only
    /// in a world whose main scheme it is. Unlike [`Design::events`], these need no arm
    /// in the demo engine: the design's event plays on a [`Stage`](super::stage::Stage).
    fn own_events(&self) -> &'static [OwnEvent] {
        &[]
    }

    /// Whether its content keys are short enough to search, and how many bits a search
    /// must find: with no key, and with the key of the party that holds some of them.
    fn key_search(&self, _params: &SchemeParams) -> Option<KeySearch> {
        None
    }

    /// Whether it seals on the users' devices, in order, with state kept between
    /// messages: its [`Built`] then holds a [`DeviceNetwork`] and no sealer, and its
    /// users hold Ed25519 identities and no RSA key.
    fn on_devices(&self) -> bool {
        // world.json is parsed below this layer and must know it too.
        self.id().seals_on_devices()
    }

    /// Reads back a device of this design from a snapshot file: `Some` for a design
    /// that seals on the devices. Errors name the field.
    fn read_device(
        &self,
        _file: &super::snapshot::SnapshotFile,
    ) -> Option<Result<Box<dyn super::snapshot::DeviceCopy>, InputError>> {
        None
    }

    /// Two users' devices in a conversation that has started, for timing one message
    /// (`doormat bench`): `Some` for a design that seals on the devices.
    fn running_chat(&self, _message: &Message) -> Option<Result<Box<dyn RunningChat>>> {
        None
    }

    /// The kinds of stolen material, besides private keys and device snapshots, that a
    /// world of this design has for `recover` to take.
    fn materials(&self) -> &'static [Material] {
        &[]
    }

    /// Loads the stolen files of its [`materials`](Design::materials) that `recover` was
    /// given, checks that they are this world's, and follows them to every key they
    /// reach, into `keyring` (which already holds the private keys and devices given),
    /// with one note per step for the report. `recover` refuses files of a material the
    /// design does not list before this is called.
    fn load_stolen(
        &self,
        _world: &dyn WorldFiles,
        _stolen: &StolenFiles,
        _keyring: &mut Keyring,
        _findings: &mut Vec<Finding>,
    ) -> Result<()> {
        Ok(())
    }

    /// Whether its devices draw each message's public randomness from a generator its
    /// designer can predict (Dual_EC), which a backdoor file reads.
    fn predictable_randomness(&self) -> bool {
        false
    }

    /// What its exceptional access hands the authority for `warrant`. The default: the
    /// escrow key the authority holds already opens the target's messages.
    fn serve_warrant(&self, _warrant: &Warrant) -> Result<Warranted> {
        Ok(Warranted::EscrowKeyOpens)
    }

    /// The design after its escrow key is replaced by `new_key` (a rotation): its new
    /// sealer, and the material its parties now hold in place of the old (split-key:
    /// fresh shares). `None` where the design has no escrow key to rotate.
    fn rotate(
        &self,
        _new_key: &PrivateKey,
        _params: &SchemeParams,
        _rng: &mut crate::crypto::random::RandomStream,
    ) -> Option<Rotated> {
        None
    }

    /// Whether a warrant under it reads what was recorded before the warrant: `false`
    /// where exceptional access only reads from the warrant on (the ghost joins the
    /// conversations that follow).
    fn warrant_reads_recorded(&self) -> bool {
        true
    }

    /// Whether `simulate --snapshot` models a stolen device under this design.
    fn takes_snapshots(&self) -> bool {
        false
    }

    /// The parties with RSA keys it adds beside the users.
    fn parties(&self) -> &'static [(&'static str, Role)] {
        &[]
    }

    /// Whether a party in this role never has its private key written whole (split-key's
    /// escrow key exists only as shares).
    fn withholds_key(&self, _role: Role) -> bool {
        false
    }

    /// The rows a demo's who-can-read-what matrix adds for this design, in order.
    fn authorities(&self, _params: &SchemeParams) -> Vec<String> {
        self.parties()
            .iter()
            .map(|(n, _)| (*n).to_owned())
            .collect()
    }

    /// What one of its [`authorities`](Design::authorities) holds, in a few words, for a
    /// demo's table of parties.
    fn holds(&self, _party: &str) -> &'static str {
        ""
    }

    /// What kind of key an authority without an RSA key holds ("Shamir share").
    fn key_label(&self, _party: &str) -> Option<&'static str> {
        None
    }

    /// The party that holds the design's exceptional access, if it has one.
    fn authority(&self) -> Option<&'static str> {
        None
    }

    /// The design, built for one world: its sealer, the files it keeps and its loot.
    fn build(&self, inputs: &Inputs) -> Result<Built>;

    /// The exercise kinds (their `--kind`) whose worlds are of this design: `exercise`
    /// builds each student's world with it.
    fn exercises(&self) -> &'static [&'static str] {
        &[]
    }

    /// The top-level files and folders (`true`) its worlds hold besides every world's
    /// (world.json, the capture, keys/...): what `simulate --force` may replace.
    fn world_entries(&self) -> &'static [(&'static str, bool)] {
        &[]
    }

    /// The content-key bits that `key`, held by the party in [`KeySearch::escrowed`],
    /// reads from `envelope`, in place: what a search with that key no longer tries.
    /// Fails where the envelope's escrowed bits do not open with `key`, and in a design
    /// that escrows no bits.
    fn escrowed_bits(
        &self,
        _envelope: &Envelope,
        _key: &PrivateKey,
    ) -> std::result::Result<u64, crate::crypto::CouldNotOpen> {
        Err(crate::crypto::CouldNotOpen)
    }

    /// Files of its world that every party sees besides the capture and the public
    /// keys (client-scan's hash list): an exercise hands them to its students.
    fn public_files(&self) -> &'static [&'static str] {
        &[]
    }

    /// The names of the pictures its users' phones hold (client-scan's gallery), which a
    /// scenario's scanning events and an exercise's task name.
    fn pictures(&self) -> &'static [&'static str] {
        &[]
    }

    /// Where its worlds keep the picture called `name`, relative to the world; `None`
    /// where it keeps no such picture.
    fn picture_file(&self, _name: &str) -> Option<String> {
        None
    }

    /// The picture called `name` as a world built with `randomness` holds it, drawn
    /// again: what a grader measures a student's image against without the world.
    fn picture(&self, _randomness: &Randomness, _name: &str) -> Option<crate::imaging::RgbImage> {
        None
    }

    /// Where its worlds keep everything on `user`'s phone (CLEAR: the locked store
    /// that a seizure takes), relative to the world; `None` where phones keep nothing
    /// of their own on disk.
    fn phone_file(&self, _user: &str) -> Option<String> {
        None
    }

    /// The file the devices' reports go to (client-scan: matches sent to the provider),
    /// drained from [`Scheme::take_reports`] as the traffic flows.
    fn report_file(&self) -> Option<&'static str> {
        None
    }

    /// What its clients show their users while the traffic flows, if anything.
    fn client_watch(&self, _params: &SchemeParams) -> Option<ClientWatch> {
        None
    }

    /// What it keeps of a demo in play besides its sealer and loot, for its own events
    /// and the `reports` view, made from what it `built` for the demo's `inputs`;
    /// `None` where it keeps nothing.
    fn demo_state(
        &self,
        _built: &mut Built,
        _inputs: &Inputs,
    ) -> Result<Option<Box<dyn super::stage::DesignState>>> {
        Ok(None)
    }

    /// Writes what else world.json records of it beside its parameters' table (a
    /// fixed key size), flat among the parameters.
    fn record(&self, _params: &SchemeParams, _parameters: &mut Parameters) {}

    /// The compromises it invites, for `doormat compare`: `victim`'s side of it where
    /// that matters, from logical time `after`.
    fn invited(&self, params: &SchemeParams, victim: &str, after: u64) -> Vec<Invited>;

    /// Follows the design's own loot to every key it reaches, into `keyring`, which
    /// already holds the private keys taken with it: shares combined once enough are
    /// held, a vault opened with its key, a family key joined with both agents' halves.
    /// Loot that reaches no key (too few shares, a family key alone) adds nothing, as it
    /// would open nothing.
    fn open_loot(&self, _loot: &[&Loot], _keyring: &mut Keyring) -> Result<()> {
        Ok(())
    }
}

/// The parties a world of `design` needs keys for: the users, then the design's own.
pub fn party_names(design: &dyn Design, users: &[String]) -> Vec<(String, Role)> {
    users
        .iter()
        .map(|name| (name.clone(), Role::User))
        .chain(design.parties().iter().map(|(n, r)| ((*n).to_owned(), *r)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schemes::Directory;

    #[test]
    fn every_scheme_id_has_one_design() {
        for id in SchemeId::ALL {
            let found = DESIGNS.iter().filter(|d| d.id() == id).count();
            assert_eq!(found, 1, "{id}: {found} entries in DESIGNS");
        }
        assert_eq!(DESIGNS.len(), SchemeId::ALL.len());
    }

    #[test]
    fn help_lists_every_design_with_its_summary() {
        let help = design_help();
        for d in DESIGNS {
            let line = help
                .lines()
                .find(|l| l.trim_start().starts_with(d.id().as_str()));
            assert!(line.is_some_and(|l| l.ends_with(d.summary())), "{help}");
        }
        // clap indents option help by 10 columns.
        assert!(help.lines().all(|l| l.chars().count() <= 70), "{help}");
    }

    /// Every design that seals message by message builds from its own parties, and its
    /// envelopes open for their readers and carry its name.
    #[test]
    fn every_design_builds_and_seals_for_its_readers() {
        let users: Vec<String> = ["alice", "bob", "carol"].map(String::from).to_vec();
        let randomness = Randomness::Seeded(7);
        // Three agents, two of whom rebuild the key; 16 secret bits; the ghost reads
        // alice's conversations from t=1; the rest each design's default.
        let fields = serde_json::json!({
            "agents": 3, "threshold": 2, "bits": 16, "ghost_after": 1, "ghost_target": "alice",
        });
        let ids: Vec<SchemeId> = DESIGNS.iter().map(|d| d.id()).collect();
        let params = SchemeParams::from_fields(&ids, fields.as_object().unwrap(), None).unwrap();
        // The published demo keys (demos/keys/), read here rather than through the
        // world's cast, which sits a layer above.
        let published = |name: &str| {
            let pem = match name {
                "alice" => include_str!("../../demos/keys/alice.pem"),
                "bob" => include_str!("../../demos/keys/bob.pem"),
                "carol" => include_str!("../../demos/keys/carol.pem"),
                "escrow" => include_str!("../../demos/keys/escrow.pem"),
                "vendor" => include_str!("../../demos/keys/vendor.pem"),
                "provider" => include_str!("../../demos/keys/provider.pem"),
                "ghost" => include_str!("../../demos/keys/ghost.pem"),
                "agency" => include_str!("../../demos/keys/agency.pem"),
                // A party of a design added since: a key of its own, as the demos draw.
                other => {
                    let mut rng = Randomness::Seeded(0).stream(other);
                    return crate::crypto::rsa_oaep::PrivateKey::generate(&mut rng, 2048);
                }
            };
            crate::crypto::rsa_oaep::PrivateKey::from_pem(pem).unwrap()
        };
        let mut keys = std::collections::HashMap::new();
        for d in DESIGNS {
            let names = party_names(*d, &users);
            let parties: Vec<Party> = names
                .iter()
                .map(|(name, role)| Party {
                    name: name.clone(),
                    role: *role,
                    key: keys
                        .entry(name.clone())
                        .or_insert_with(|| published(name))
                        .clone(),
                })
                .collect();
            let shape = WorldShape {
                users: &users,
                messages: 10,
                session_size: 1,
            };
            d.check(&params, &shape).unwrap();
            let built = d
                .build(&Inputs {
                    users: &users,
                    parties: &parties,
                    params: &params,
                    messages: 10,
                    randomness: &randomness,
                })
                .unwrap();
            let Some(scheme) = built.sealer else {
                assert!(d.on_devices(), "{}", d.id());
                continue;
            };
            assert_eq!(scheme.id(), d.id());
            let mut directory = Directory::default();
            for p in parties.iter().filter(|p| p.role == Role::User) {
                directory.insert(&p.name, p.key.public_key().clone());
            }
            let message = Message {
                id: "m000001".into(),
                t: 1,
                from: "alice".into(),
                to: vec!["bob".into()],
                text: "hello".into(),
                session: None,
            };
            let mut rng = randomness.stream("seal");
            let key = scheme.new_content_key(&mut rng);
            let envelope = super::super::seal(&*scheme, &directory, &message, &key, true, &mut rng);
            assert_eq!(envelope.scheme, d.id());
            let bob = &parties[1].key;
            let wrapped = &envelope.wrapped.iter().find(|(n, _)| n == "bob").unwrap().1;
            let unwrapped = bob.unwrap_key(wrapped).unwrap();
            assert_eq!(unwrapped.expose_secret(), key.expose_secret(), "{}", d.id());
            for file in &built.kept {
                assert!(
                    !file.path.starts_with('/') && !file.path.contains(".."),
                    "{file:?}"
                );
            }
        }
    }
}
