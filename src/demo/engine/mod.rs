//! Plays a [`Scenario`]: real keys, real envelopes, real opening.
//!
//! One world, sealed by each of the scenario's designs: every `send` generates plaintexts
//! once and each design seals them its own way, so comparisons change one thing only.
//! Everyone who can read anything is a *row* (the users, the authority's parties, the tap,
//! the adversaries the story creates), and each row holds an [`Access`] per design: keys,
//! stolen ratchet states, Clipper unit keys, brute-forced messages, live taps. Every
//! number the demo shows comes from opening the recorded envelopes with what a row holds.
//! Each key's results are cached per design, so a key opens each envelope once however
//! many rows hold it and however many acts look.

// The engine's methods, by what they do: the state is here, the story's events in
// `events` and `authority`, what an act shows in `views`.
mod authority;
mod events;
mod views;

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::ops::Range;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use super::said::{
    Held, Holdings, NoKey, PartyHolds, PartyKey, Said, WarrantAnswer, WarrantTarget,
};
use super::scenario::{ActDef, Event, Scenario, Show};
use super::{
    demo_key, telling_samples, user_key, Block, ComparisonRow, DemoObserver, ExposureRow, Fact,
    LogEntry, Matrix, MatrixCell, MatrixRow, PartyRow, Sample, Scope, Searched,
};
use crate::attacks::brute_force::{brute_force_from, BruteForceReport, SearchOptions};
use crate::attacks::open_with_key;
use crate::attacks::timeline::Span;

/// Dual_EC state searches a demo runs live, per backdoor and Q: each takes seconds.
const LIVE_SEARCHES: usize = 1;
use crate::attacks::{BlastRadius, Keyring, Opener, Outcome, Tally};
use crate::crypto::random::{Randomness, SessionKeys};
use crate::crypto::rsa_oaep::PrivateKey;
use crate::error::{Error, Result};
use crate::schemes::capability::{Capability, InOrder, LiveWork};
use crate::schemes::network::DeviceNetwork;
use crate::schemes::registry::{ClientNotice, Inputs, Loot, Warrant, Warranted, WatchFn};
use crate::schemes::snapshot::Snapshot;
use crate::schemes::{self, Scheme, SchemeId};
use crate::wire::envelope::Envelope;
use crate::wire::plaintext::Plaintext;
use crate::wire::world_file::Role;
use crate::world::traffic::{Message, TrafficGenerator};
use crate::world::{directory, seal_batch, Party, ESCROW_NAME};

/// What one row holds in one design.
#[derive(Clone, Default)]
struct Access {
    /// Private keys, each with the party it belongs to (which decides its slot).
    keys: Vec<(String, Role, PrivateKey)>,
    /// Device keys a warrant released, by the user they were released for (Clipper's
    /// unit keys, read through LEAFs with the family key).
    released: Vec<(String, Arc<dyn Capability>)>,
    /// Devices of a design that seals on them, each copied just after a time, played
    /// forward.
    devices: Vec<Snapshot>,
    /// Devices taken in designs without a ratchet, for the timelines: (user, t).
    phones: Vec<(String, u64)>,
    /// CLEAR phones held locked: (user, taken just after t).
    seized: Vec<(String, u64)>,
    /// Phones unlocked: the user's key, opening their stored history up to a time.
    histories: Vec<(String, u64, PrivateKey)>,
    /// Brute-forced messages: id → text.
    cracked: BTreeMap<String, String>,
    /// The messages a key search tried, opened or not (ids).
    tried: BTreeSet<String>,
    /// A user's own sent messages, which their app shows them (forward-secret designs
    /// keep no key for them).
    wrote: Option<String>,
    /// A user of a forward-secret design: what their device opened on delivery.
    receiver: Option<String>,
    /// Interception redirected to this row: copies of the targets' messages from `from`.
    live: Vec<LiveTap>,
    /// Pieces of a split secret held (split-key's shares), which the design combines
    /// once enough are held.
    pieces: Vec<Loot>,
    /// Material that reads the capture in order through the sealers it fits (a Dual_EC
    /// backdoor predicts the devices whose Q it was made for): (whose it was, loot).
    in_order: Vec<(String, Loot)>,
}

#[derive(Clone)]
struct LiveTap {
    targets: Vec<String>,
    from: u64,
    access: Box<Access>,
}

impl Access {
    fn opens_anything(&self) -> bool {
        !self.keys.is_empty()
            || !self.released.is_empty()
            || !self.devices.is_empty()
            || !self.cracked.is_empty()
            || self.wrote.is_some()
            || self.receiver.is_some()
            || !self.live.is_empty()
            || !self.histories.is_empty()
            || !self.in_order.is_empty()
    }

    /// Adds what `party`'s `loot` opens by itself, as its design reads it (keys, a
    /// vault's device keys opened with its key), and the share or in-order reader the
    /// events below play with. A family key, unit-key halves and a locked phone open
    /// nothing alone; a warrant or a thief joins them (see the events).
    fn take(&mut self, design: &dyn schemes::Design, party: &str, loot: &Loot) {
        let mut opened = Keyring::new();
        if let Loot::Key { holder, role, key } = loot {
            opened.add(holder, *role, key.clone());
        }
        // Loot that does not open is a gap in the scenario's world, not the user's
        // input: it opens nothing, as it would for a thief.
        if design.open_loot(&[loot], &mut opened).is_ok() {
            for held in opened.holdings() {
                self.add_key(&held.party, held.role, &held.key);
            }
        }
        self.hold_piece(loot);
        self.hold_in_order(party, loot);
    }

    /// Keeps `loot` if it is a piece of a split secret, once per piece.
    fn hold_piece(&mut self, loot: &Loot) {
        if let Some(piece) = loot.piece() {
            if !self.pieces.iter().any(|held| held.piece() == Some(piece)) {
                self.pieces.push(loot.clone());
            }
        }
    }

    /// Keeps `party`'s `loot` if it reads the capture in order, once per party.
    fn hold_in_order(&mut self, party: &str, loot: &Loot) {
        if loot.reads_in_order().is_some() && !self.in_order.iter().any(|(p, _)| p == party) {
            self.in_order.push((party.to_owned(), loot.clone()));
        }
    }

    fn add_key(&mut self, party: &str, role: Role, key: &PrivateKey) {
        if !self
            .keys
            .iter()
            .any(|(_, _, k)| k.fingerprint() == key.fingerprint())
        {
            self.keys.push((party.to_owned(), role, key.clone()));
        }
    }

    /// What this row holds, one item each.
    fn holdings(&self) -> Holdings {
        let mut parts = Vec::new();
        let user_keys = self
            .keys
            .iter()
            .filter(|(_, role, _)| *role == Role::User)
            .count() as u64;
        if user_keys > 2 {
            parts.push(Held::UserKeys { count: user_keys });
        }
        for (party, role, _) in &self.keys {
            let party = party.clone();
            match role {
                Role::User if user_keys > 2 => {}
                Role::User => parts.push(Held::UserKey { party }),
                _ => parts.push(Held::Key { party }),
            }
        }
        for copy in &self.devices {
            parts.push(Held::PhoneCopy {
                user: copy.user.clone(),
                t: copy.t,
            });
        }
        for (user, t) in &self.seized {
            parts.push(Held::PhoneSeized {
                user: user.clone(),
                t: *t,
                unlocked: self.histories.iter().any(|(u, _, _)| u == user),
            });
        }
        if !self.released.is_empty() {
            let devices = self.released.iter().map(|(u, _)| u.clone()).collect();
            parts.push(Held::UnitKeys { devices });
        }
        if !self.cracked.is_empty() {
            parts.push(Held::BruteForced {
                count: self.cracked.len() as u64,
            });
        }
        for tap in &self.live {
            parts.push(Held::TrafficCopies {
                targets: tap.targets.clone(),
            });
        }
        for (party, loot) in &self.in_order {
            if let Some(name) = loot.reads_in_order() {
                parts.push(Held::InOrder {
                    party: party.clone(),
                    material: name.to_owned(),
                });
            }
        }
        if let (Some(piece), true) = (
            self.pieces.first().and_then(Loot::piece),
            self.keys.is_empty(),
        ) {
            parts.push(Held::Pieces {
                count: self.pieces.len() as u64,
                noun: piece.noun.to_owned(),
            });
        }
        Holdings(parts)
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum RowKind {
    User,
    Authority,
    Tap,
    Adversary,
}

struct Row {
    name: String,
    kind: RowKind,
    /// Per design, in the world's design order.
    access: Vec<Access>,
}

/// How a design seals a batch.
enum Sealer {
    Plain(Box<dyn Scheme>),
    /// A design that seals on its users' devices.
    Devices(Box<dyn DeviceNetwork>),
}

/// What one party's in-order material has read of a recording: a reader per period of
/// one sealer, where the material fits it (a Dual_EC generator's state carries over
/// from act to act), and the texts so far.
#[derive(Default)]
struct InOrderColumn {
    readers: HashMap<usize, Option<Box<dyn InOrder>>>,
    column: Vec<Option<String>>,
}

/// One design's world: its keys, its recording, and what its keys have opened so far.
struct Design {
    id: SchemeId,
    sealer: Sealer,
    recording: Vec<Envelope>,
    randomness: Randomness,
    sessions: SessionKeys,
    /// Per key (party, fingerprint): what it opened of `recording`, in order.
    columns: HashMap<(String, String), Vec<Option<String>>>,
    escrow: Option<PrivateKey>,
    /// What each of the design's parties holds besides its RSA key, as the design
    /// built it: what a thief of that party takes, and what it holds from the start.
    loot: Vec<(String, Loot)>,
    /// CLEAR: the phones a recovery unlock has bricked. (The phones themselves, like
    /// Clipper's family key and halves and the provider's vault, are the design's own
    /// loot.)
    bricked: HashSet<String>,
    /// The sealers replaced so far (a rotated key, a re-keyed Dual_EC Q), each with the
    /// envelope of the recording it sealed from; the current one seals from
    /// `sealer_from`.
    retired: Vec<(usize, Box<dyn Scheme>)>,
    sealer_from: usize,
    /// What each party's in-order material has read so far.
    in_order_columns: HashMap<String, InOrderColumn>,
    /// The devices each party's in-order material left unsearched, for want of time.
    skipped: HashMap<String, BTreeSet<String>>,
    /// Costly searches an in-order reader ran or left undone since the last act's
    /// report: (whose material, work).
    work: Vec<(String, LiveWork)>,
    /// What its clients show their users as the traffic flows, and what they showed.
    watch: Option<WatchFn>,
    notices: Vec<ClientNotice>,
    /// Forward-secret: (message id, recipient) for each copy a device has opened.
    delivered: HashSet<(String, String)>,
    /// What the design keeps of the demo itself (client-scan: the phones' list, their
    /// pictures and what they reported).
    state: Option<Box<dyn schemes::stage::DesignState>>,
}

impl Design {
    /// Points the relay's hidden reader at `target`'s conversations from `from` on, in a
    /// design whose relay adds readers (the ghost); the rest add no one.
    fn point_hidden_reader(&mut self, target: &str, from: u64) {
        if let Sealer::Plain(scheme) = &mut self.sealer {
            scheme.point_hidden_reader(Some((target, from)));
        }
    }

    fn seal(&mut self, users: &[Party], plain: &[Message]) -> Result<()> {
        let directory = directory(users);
        let sealed = match &mut self.sealer {
            Sealer::Plain(scheme) => seal_batch(
                scheme.as_ref(),
                &directory,
                plain,
                &self.randomness,
                &self.sessions,
            ),
            Sealer::Devices(world) => {
                let mut sealed = Vec::with_capacity(plain.len());
                for message in plain {
                    sealed.push((*world.send(message)?).clone());
                    // Delivery fails loudly if a device cannot open its copy.
                    for delivery in world.deliver_until(message.t)? {
                        self.delivered.insert((delivery.id, delivery.to));
                    }
                }
                sealed
            }
        };
        if let Some(watch) = &mut self.watch {
            for envelope in &sealed {
                self.notices.extend(watch(envelope));
            }
        }
        if let (Some(state), Sealer::Plain(scheme)) = (&mut self.state, &self.sealer) {
            state.collect(scheme.take_reports());
        }
        self.recording.extend(sealed);
        Ok(())
    }

    /// What `access` reads of the recording: the plaintext of each envelope it opens.
    fn read(&mut self, access: &Access, truth: &[Message]) -> Vec<Option<String>> {
        let n = self.recording.len();
        let mut read: Vec<Option<String>> = vec![None; n];
        let merge = |read: &mut Vec<Option<String>>, column: &[Option<String>]| {
            for (slot, text) in read.iter_mut().zip(column) {
                if slot.is_none() {
                    slot.clone_from(text);
                }
            }
        };
        for (party, role, key) in &access.keys {
            let column = self.key_column(party, *role, key);
            merge(&mut read, &column);
        }
        // An unlocked phone's key opens what the phone had kept when it was taken.
        for (user, until, key) in &access.histories {
            let mut column = self.key_column(user, Role::User, key);
            for (slot, envelope) in column.iter_mut().zip(&self.recording) {
                if envelope.t > *until {
                    *slot = None;
                }
            }
            merge(&mut read, &column);
        }
        for (party, material) in &access.in_order {
            let column = self.in_order_column(party, material);
            merge(&mut read, &column);
        }
        // Released device keys and ratchet states are cheap to replay: no cache.
        if !access.released.is_empty() || !access.devices.is_empty() {
            let mut keyring = Keyring::new();
            for (_, released) in &access.released {
                keyring.add_capability(Arc::clone(released));
            }
            for copy in &access.devices {
                copy.clone().give_to(&mut keyring);
            }
            let column = open_column(&keyring, &self.recording);
            merge(&mut read, &column);
        }
        for (i, envelope) in self.recording.iter().enumerate() {
            if read[i].is_some() {
                continue;
            }
            if let Some(text) = access.cracked.get(&envelope.id) {
                read[i] = Some(text.clone());
            } else if access.wrote.as_deref() == Some(envelope.from.as_str())
                || access
                    .receiver
                    .as_ref()
                    .is_some_and(|me| self.delivered.contains(&(envelope.id.clone(), me.clone())))
            {
                read[i] = truth.get(i).map(|m| m.text.clone());
            }
        }
        for tap in &access.live {
            let inner = self.read(&tap.access, truth);
            for (i, envelope) in self.recording.iter().enumerate() {
                let targeted = envelope.t >= tap.from
                    && envelope
                        .participants()
                        .any(|p| tap.targets.iter().any(|t| t == p));
                if read[i].is_none() && targeted {
                    read[i].clone_from(&inner[i]);
                }
            }
        }
        read
    }

    /// The sealer from now on: the one it replaces is kept with the envelopes it
    /// sealed, for material that reads only those (a Dual_EC backdoor fits one Q).
    fn replace_sealer(&mut self, scheme: Box<dyn Scheme>) {
        if let Sealer::Plain(old) = std::mem::replace(&mut self.sealer, Sealer::Plain(scheme)) {
            self.retired.push((self.sealer_from, old));
        }
        self.sealer_from = self.recording.len();
    }

    /// What `party`'s in-order material reads, reading only what was recorded since it
    /// last looked, period by period of the sealers: each sealer says whether the
    /// material fits it.
    fn in_order_column(&mut self, party: &str, material: &Loot) -> Vec<Option<String>> {
        let current = match &self.sealer {
            Sealer::Plain(scheme) => Some((self.sealer_from, scheme.as_ref())),
            Sealer::Devices(_) => None,
        };
        let periods: Vec<(usize, &dyn Scheme)> = self
            .retired
            .iter()
            .map(|(from, scheme)| (*from, scheme.as_ref()))
            .chain(current)
            .collect();
        let cache = self.in_order_columns.entry(party.to_owned()).or_default();
        let total = self.recording.len();
        for (period, &(from, scheme)) in periods.iter().enumerate() {
            let until = periods.get(period + 1).map_or(total, |(next, _)| *next);
            let start = cache.column.len().max(from);
            if start >= until {
                continue;
            }
            let batch = &self.recording[start..until];
            // A live demo runs one costly search per material and period, a second or
            // few, and reports what the others would cost: each is the same search.
            let reader = cache
                .readers
                .entry(period)
                .or_insert_with(|| scheme.in_order_reader(material, LIVE_SEARCHES));
            let Some(reader) = reader else {
                cache.column.extend(batch.iter().map(|_| None));
                continue;
            };
            let keys = reader.content_keys(batch);
            for work in reader.take_work() {
                if let LiveWork::Skipped { devices } = &work {
                    let skipped = self.skipped.entry(party.to_owned()).or_default();
                    skipped.extend(devices.iter().cloned());
                }
                self.work.push((party.to_owned(), work));
            }
            cache
                .column
                .extend(batch.iter().zip(keys).map(|(envelope, key)| {
                    match key
                        .and_then(Result::ok)
                        .map(|k| open_with_key(envelope, &k))
                    {
                        Some(Outcome::Opened(text)) => Some(text),
                        _ => None,
                    }
                }));
        }
        cache.column.clone()
    }

    /// One key's results, opening only what was recorded since it last looked.
    fn key_column(&mut self, party: &str, role: Role, key: &PrivateKey) -> Vec<Option<String>> {
        let id = (party.to_owned(), key.fingerprint().to_string());
        let column = self.columns.entry(id).or_default();
        if column.len() < self.recording.len() {
            let mut keyring = Keyring::new();
            keyring.add(party, role, key.clone());
            column.extend(open_column(&keyring, &self.recording[column.len()..]));
        }
        column.clone()
    }
}

fn open_column(keyring: &Keyring, envelopes: &[Envelope]) -> Vec<Option<String>> {
    let mut opener = Opener::new(keyring);
    let mut column = Vec::with_capacity(envelopes.len());
    for batch in envelopes.chunks(256) {
        column.extend(opener.open_batch(batch).into_iter().map(|o| match o {
            Outcome::Opened(text) => Some(text),
            Outcome::Sealed | Outcome::FailedIntegrity => None,
        }));
    }
    column
}

/// A scenario in play.
pub(crate) struct Engine {
    /// Shared, so that a session owns its scenario and can live as long as a server.
    scenario: Arc<Scenario>,
    traffic: TrafficGenerator,
    /// Every plaintext sent, in order: `truth[i]` is envelope `i` of every design.
    truth: Vec<Message>,
    users: Vec<Party>,
    designs: Vec<Design>,
    rows: Vec<Row>,
    log: Vec<LogEntry>,
    warrants: Vec<(String, u64)>,
    /// Where the current act's messages start in `truth`.
    act_start: usize,
}

impl Engine {
    pub fn new(scenario: Arc<Scenario>, randomness: Randomness) -> Result<Self> {
        let world = &scenario.world;
        let users: Vec<Party> = world
            .users
            .iter()
            .enumerate()
            .map(|(i, name)| Party {
                name: name.clone(),
                role: Role::User,
                key: user_key(i),
            })
            .collect();
        let names = world.users.clone();
        let mut designs = Vec::new();
        for &id in &world.designs {
            designs.push(Self::design(id, &scenario, &users, &randomness)?);
        }
        let mut engine = Engine {
            scenario,
            traffic: TrafficGenerator::new(&names, 1, &randomness),
            truth: Vec::new(),
            users,
            designs,
            rows: Vec::new(),
            log: Vec::new(),
            warrants: Vec::new(),
            act_start: 0,
        };
        engine.cast_rows();
        Ok(engine)
    }

    /// One design of the scenario, built through the registry: its own parties hold the
    /// published demo keys.
    fn design(
        id: SchemeId,
        scenario: &Scenario,
        users: &[Party],
        randomness: &Randomness,
    ) -> Result<Design> {
        let randomness = randomness.fork(id.as_str());
        let names: Vec<String> = users.iter().map(|u| u.name.clone()).collect();
        let params = &scenario.world.params;
        let spec = schemes::design(id);
        let mut parties = users.to_vec();
        parties.extend(spec.parties().iter().map(|(name, role)| Party {
            name: (*name).to_owned(),
            role: *role,
            key: demo_key(name),
        }));
        let inputs = Inputs {
            users: &names,
            parties: &parties,
            params,
            // A demo sends its messages act by act; nothing built here depends on them.
            messages: 0,
            randomness: &randomness,
        };
        let mut built = spec.build(&inputs)?;
        let state = spec.demo_state(&mut built, &inputs)?;
        let sealer = if let Some(devices) = built.network.take() {
            Sealer::Devices(devices)
        } else {
            let mut scheme = built
                .sealer
                .ok_or_else(|| Error::Internal(format!("{id} built no sealer")))?;
            // A relay adds a hidden reader only when the story's events say so.
            scheme.point_hidden_reader(None);
            Sealer::Plain(scheme)
        };
        let design = Design {
            id,
            sealer,
            recording: Vec::new(),
            sessions: SessionKeys::new(&randomness),
            randomness,
            columns: HashMap::new(),
            escrow: parties
                .iter()
                .find(|p| p.name == ESCROW_NAME)
                .map(|p| p.key.clone()),
            loot: built.loot.clone(),
            bricked: HashSet::new(),
            retired: Vec::new(),
            sealer_from: 0,
            in_order_columns: HashMap::new(),
            skipped: HashMap::new(),
            work: Vec::new(),
            watch: spec.client_watch(params).map(|client| client.watch),
            notices: Vec::new(),
            delivered: HashSet::new(),
            state,
        };
        Ok(design)
    }

    /// The users, each design's authority parties, and the tap.
    fn cast_rows(&mut self) {
        for (i, user) in self.users.clone().iter().enumerate() {
            let access = self
                .designs
                .iter()
                .map(|d| {
                    let mut a = Access {
                        wrote: Some(user.name.clone()),
                        ..Access::default()
                    };
                    match &d.sealer {
                        Sealer::Devices(_) => a.receiver = Some(user.name.clone()),
                        _ => a.add_key(&user.name, Role::User, &user_key(i)),
                    }
                    a
                })
                .collect();
            self.rows.push(Row {
                name: user.name.clone(),
                kind: RowKind::User,
                access,
            });
        }
        for d in 0..self.designs.len() {
            for name in schemes::design(self.designs[d].id).authorities(&self.scenario.world.params)
            {
                let row = self.row_index(&name, RowKind::Authority);
                let access = self.authority_access(d, &name);
                self.rows[row].access[d] = access;
            }
        }
        self.row_index("tap", RowKind::Tap);
    }

    /// What an authority party holds from the start: its own key, unless the design
    /// never writes it whole, and what the design says the party holds besides (its
    /// [`Loot`]), the same that a thief of it takes.
    fn authority_access(&self, d: usize, name: &str) -> Access {
        let design = &self.designs[d];
        let spec = schemes::design(design.id);
        let mut access = Access::default();
        if let Some((_, role)) = spec.parties().iter().find(|(n, _)| *n == name) {
            if !spec.withholds_key(*role) {
                access.add_key(name, *role, &demo_key(name));
            }
        }
        for (_, loot) in design.loot.iter().filter(|(party, _)| party == name) {
            access.take(spec, name, loot);
        }
        access
    }

    /// The row called `name`, made (empty in every design) if it does not exist yet.
    fn row_index(&mut self, name: &str, kind: RowKind) -> usize {
        if let Some(i) = self.rows.iter().position(|r| r.name == name) {
            return i;
        }
        self.rows.push(Row {
            name: name.to_owned(),
            kind,
            access: vec![Access::default(); self.designs.len()],
        });
        self.rows.len() - 1
    }

    fn user_names(&self) -> Vec<String> {
        self.users.iter().map(|u| u.name.clone()).collect()
    }

    fn now(&self) -> u64 {
        self.truth.len() as u64
    }

    /// Plays every act on `stage`; returns whether the teacher let it finish.
    /// Plays act `index` (from 0): its narration and what it shows, with the sources
    /// after the last act.
    pub fn play_act(
        &mut self,
        index: usize,
        observer: &mut dyn DemoObserver,
    ) -> Result<(Vec<String>, Vec<usize>, Vec<Block>)> {
        let scenario = Arc::clone(&self.scenario);
        let act = &scenario.acts[index];
        let mut blocks = self.run_act(act, observer)?;
        if index + 1 == scenario.acts.len() {
            blocks.push(Block::Sources {
                sources: scenario.sources.clone(),
            });
        }
        Ok((act.say.clone(), act.cite.clone(), blocks))
    }

    fn run_act(&mut self, act: &ActDef, observer: &mut dyn DemoObserver) -> Result<Vec<Block>> {
        self.act_start = self.truth.len();
        let mut blocks = Vec::new();
        for event in &act.events {
            blocks.extend(self.event(event, observer)?);
        }
        for view in &act.show {
            blocks.extend(self.show(view)?);
        }
        if !self.truth.is_empty() {
            for d in self.pictured(act) {
                blocks.push(Block::Matrix {
                    matrix: self.matrix(d),
                });
            }
            blocks.extend(self.searches_since_last_act());
        }
        Ok(blocks)
    }

    /// The designs an act's who-can-read-what pictures: those its blast radii are of,
    /// so that an act about the design without escrow shows that design's matrix, not
    /// the main one's; the main design where its views name none.
    fn pictured(&self, act: &ActDef) -> Vec<usize> {
        let mut pictured: Vec<usize> = Vec::new();
        for view in &act.show {
            if let Show::Radius { design, .. } = view {
                let d = self.design_index(*design);
                if !pictured.contains(&d) {
                    pictured.push(d);
                }
            }
        }
        if pictured.is_empty() {
            pictured.push(0);
        }
        pictured
    }

    /// What the costly searches behind the matrix cost (Dual_EC's state searches),
    /// measured live, and the devices left to the same search.
    fn searches_since_last_act(&mut self) -> Option<Block> {
        let mut facts = Vec::new();
        for design in &mut self.designs {
            let work: Vec<(String, LiveWork)> = design.work.drain(..).collect();
            let mut seconds = Vec::new();
            for (holder, work) in &work {
                if let LiveWork::Searched {
                    device,
                    tried,
                    seconds: took,
                    found,
                } = work
                {
                    seconds.push(*took);
                    facts.push(
                        Fact::new(Said::DeviceSearched {
                            holder: holder.clone(),
                            device: device.clone(),
                            tried: *tried,
                            seconds: *took,
                        })
                        .marked(*found)
                        .timed(*took, "seconds"),
                    );
                }
            }
            let mean = seconds.iter().sum::<f64>() / seconds.len().max(1) as f64;
            for (holder, work) in &work {
                if let LiveWork::Skipped { devices } = work {
                    facts.push(Fact::new(Said::OthersNotSearched {
                        holder: holder.clone(),
                        devices: devices.clone(),
                        mean_seconds: mean,
                    }));
                }
            }
        }
        (!facts.is_empty()).then_some(Block::Facts { facts })
    }
}

fn rsa_key(key: &PrivateKey) -> PartyKey {
    PartyKey::Rsa {
        bits: key.public_key().bits(),
        fingerprint: key.fingerprint().short(8).to_owned(),
    }
}

/// Seconds in the largest sensible unit: "3.2 hours", "1.5e9 years".
pub fn duration(seconds: f64) -> String {
    const UNITS: [(&str, f64); 5] = [
        ("years", 365.25 * 86400.0),
        ("days", 86400.0),
        ("hours", 3600.0),
        ("minutes", 60.0),
        ("seconds", 1.0),
    ];
    if !seconds.is_finite() {
        // Past what a float holds: say so, rather than a word that hides the sum.
        return format!("more than {:.1e} years", f64::MAX / UNITS[0].1);
    }
    for (unit, size) in UNITS {
        if seconds >= size {
            let value = seconds / size;
            return if value >= 1e6 {
                format!("{value:.1e} {unit}")
            } else {
                format!("{value:.1} {unit}")
            };
        }
    }
    format!("{seconds:.3} seconds")
}

/// Brute-forces one envelope on the worker threads while this thread tells `observer`
/// how far the search has got: a live demo must not sit silent.
fn search_watched(
    envelope: &Envelope,
    bits: u32,
    known: u64,
    observer: &mut dyn DemoObserver,
) -> Result<BruteForceReport> {
    let tried = AtomicU64::new(0);
    let space = 1u64 << bits;
    std::thread::scope(|scope| {
        let search = scope.spawn(|| {
            brute_force_from(
                envelope,
                bits,
                known,
                &SearchOptions::default(),
                &|done, _| {
                    tried.fetch_max(done, Ordering::Relaxed);
                },
            )
        });
        while !search.is_finished() {
            observer.searching(tried.load(Ordering::Relaxed), space);
            // Short naps: most demo searches take well under a second.
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        search
            .join()
            .map_err(|_| Error::Internal("the brute-force search panicked".into()))?
    })
}
