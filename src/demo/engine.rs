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

use std::collections::{BTreeMap, HashMap, HashSet};
use std::ops::Range;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use super::scenario::{ActDef, Event, Scenario, Show};
use super::{
    demo_key, telling_samples, user_key, Block, ComparisonRow, DemoObserver, ExposureRow, Fact,
    LogEntry, Matrix, MatrixCell, MatrixRow, PartyRow, Sample, Scope,
};
use crate::attacks::brute_force::{brute_force_from, BruteForceReport, SearchOptions};
use crate::attacks::dual_ec::{open_with_key, Predictor, SearchRecord};
use crate::attacks::timeline::Span;

/// Dual_EC state searches a demo runs live, per backdoor and Q: each takes seconds.
const LIVE_SEARCHES: usize = 1;
use crate::attacks::{BlastRadius, Keyring, Opener, Outcome, Tally};
use crate::crypto::dual_ec::Backdoor;
use crate::crypto::dual_ec::PointQ;
use crate::crypto::random::{Randomness, SessionKeys};
use crate::crypto::rsa_oaep::PrivateKey;
use crate::error::{Error, Result};
use crate::schemes::clear::{self, PhoneImage};
use crate::schemes::clipper::{self, Secret32, Unit, UnitHalvesFile};
use crate::schemes::dual_ec::{BackdoorFile, DualEc};
use crate::schemes::forward_secret::device::Device;
use crate::schemes::forward_secret::snapshot::Snapshot;
use crate::schemes::ghost::{Ghost, Notice, Watchers, GHOST_NAME};
use crate::schemes::provider_escrow::{self, VaultEntry};
use crate::schemes::registry::{Inputs, Loot};
use crate::schemes::split_key::{self, ShareFile};
use crate::schemes::workfactor;
use crate::schemes::{self, GoldenKey, Scheme, SchemeId};
use crate::wire::envelope::Envelope;
use crate::wire::plaintext::Plaintext;
use crate::wire::world_file::Role;
use crate::world::forward::ForwardWorld;
use crate::world::traffic::{Message, TrafficGenerator};
use crate::world::{directory, seal_batch, Party, ESCROW_NAME, PROVIDER_NAME, VENDOR_NAME};

/// What one row holds in one design.
#[derive(Clone, Default)]
struct Access {
    /// Private keys, each with the party it belongs to (which decides its slot).
    keys: Vec<(String, Role, PrivateKey)>,
    /// Clipper unit keys, read through LEAFs with the family key.
    units: Vec<Unit>,
    /// Forward-secret devices, each copied just after a time, played forward.
    devices: Vec<(u64, Device)>,
    /// Devices taken in designs without a ratchet, for the timelines: (user, t).
    phones: Vec<(String, u64)>,
    /// CLEAR phones held locked: (user, taken just after t).
    seized: Vec<(String, u64)>,
    /// Phones unlocked: the user's key, opening their stored history up to a time.
    histories: Vec<(String, u64, PrivateKey)>,
    /// Brute-forced messages: id → text.
    cracked: BTreeMap<String, String>,
    /// A user's own sent messages, which their app shows them (forward-secret designs
    /// keep no key for them).
    wrote: Option<String>,
    /// A user of a forward-secret design: what their device opened on delivery.
    receiver: Option<String>,
    /// Interception redirected to this row: copies of the targets' messages from `from`.
    live: Vec<LiveTap>,
    /// Split-key shares held, by agent number.
    shares: Vec<u8>,
    /// Dual_EC backdoors held: each predicts what devices using its Q draw.
    backdoors: Vec<BackdoorFile>,
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
            || !self.units.is_empty()
            || !self.devices.is_empty()
            || !self.cracked.is_empty()
            || self.wrote.is_some()
            || self.receiver.is_some()
            || !self.live.is_empty()
            || !self.histories.is_empty()
            || !self.backdoors.is_empty()
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

    /// What this row holds, one item each (no item holds a comma or a semicolon, so a
    /// renderer may list them either way).
    fn holdings(&self) -> Vec<String> {
        let mut parts: Vec<String> = Vec::new();
        let user_keys = self
            .keys
            .iter()
            .filter(|(_, role, _)| *role == Role::User)
            .count();
        if user_keys > 2 {
            parts.push(format!("{user_keys} users' keys"));
        }
        for (party, role, _) in &self.keys {
            match role {
                Role::User if user_keys > 2 => {}
                Role::User => parts.push(format!("{party}'s key")),
                _ => parts.push(format!("{party} key")),
            }
        }
        for (t, device) in &self.devices {
            parts.push(format!("{}'s phone at t={t}", device.name));
        }
        for (user, t) in &self.seized {
            let open = self.histories.iter().any(|(u, _, _)| u == user);
            parts.push(format!(
                "{user}'s phone at t={t} ({})",
                if open { "unlocked" } else { "locked" }
            ));
        }
        if !self.units.is_empty() {
            let devices: Vec<&str> = self.units.iter().map(|u| u.device.as_str()).collect();
            parts.push(format!("unit keys of {}", and_list(&devices)));
        }
        if !self.cracked.is_empty() {
            parts.push(format!("{} brute-forced", self.cracked.len()));
        }
        for tap in &self.live {
            parts.push(format!("copies of {}'s traffic", and_list(&tap.targets)));
        }
        for file in &self.backdoors {
            parts.push(format!("{}'s d", file.holder));
        }
        if !self.shares.is_empty() && self.keys.is_empty() {
            parts.push(format!("{} share(s)", self.shares.len()));
        }
        parts
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
    /// The ghost design: its scheme is rebuilt for each batch, as the relay's target
    /// changes.
    Ghost(crate::crypto::rsa_oaep::PublicKey),
    Forward(Box<ForwardWorld>),
}

/// What one Dual_EC backdoor has read of a recording: a predictor per period of one Q
/// (the generators' states carry over from act to act), and the texts so far.
#[derive(Default)]
struct BackdoorColumn {
    predictors: HashMap<usize, Predictor>,
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
    shares: Vec<ShareFile>,
    vault: Vec<VaultEntry>,
    /// CLEAR: every user's phone, and those a recovery unlock has bricked.
    phones: Vec<PhoneImage>,
    bricked: HashSet<String>,
    /// Clipper: both agents' unit-key halves, and the family key.
    halves: Vec<UnitHalvesFile>,
    /// Dual_EC: every holder's backdoor; from which envelope of the recording on each Q
    /// was in the devices; and what each holder's backdoor has read so far.
    backdoors: Vec<BackdoorFile>,
    q_in_force: Vec<(usize, PointQ)>,
    backdoor_columns: HashMap<String, BackdoorColumn>,
    /// State searches run since the last act's report: (holder, search).
    searches: Vec<(String, SearchRecord)>,
    /// Phones a holder left unsearched, for the report: (holder, senders).
    unsearched: Vec<(String, Vec<String>)>,
    family: Option<Secret32>,
    ghost_target: Option<(String, u64)>,
    watchers: Watchers,
    notices: Vec<Notice>,
    /// Forward-secret: (message id, recipient) for each copy a device has opened.
    delivered: HashSet<(String, String)>,
    /// Client-scan: the phones' list, their pictures and what they reported.
    scan: Option<super::scanning::ScanState>,
}

impl Design {
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
            Sealer::Ghost(ghost) => {
                let (target, after) = self
                    .ghost_target
                    .clone()
                    .unwrap_or((String::new(), u64::MAX));
                let scheme = Ghost {
                    ghost: ghost.clone(),
                    after,
                    target,
                };
                seal_batch(&scheme, &directory, plain, &self.randomness, &self.sessions)
            }
            Sealer::Forward(world) => {
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
        for envelope in &sealed {
            self.notices.extend(self.watchers.watch(envelope));
        }
        if let (Some(scan), Sealer::Plain(scheme)) = (&mut self.scan, &self.sealer) {
            scan.collect(scheme.take_reports());
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
        for file in &access.backdoors {
            let column = self.backdoor_column(file);
            merge(&mut read, &column);
        }
        // Unit keys and ratchet states are cheap to replay: no cache.
        if !access.units.is_empty() || !access.devices.is_empty() {
            let mut keyring = Keyring::new();
            if let Some(family) = self.family.as_ref().filter(|_| !access.units.is_empty()) {
                keyring.add_leaf_access(family.clone(), access.units.clone());
            }
            for (t, device) in &access.devices {
                keyring.add_stolen_device(Snapshot::of_device(device.clone(), *t));
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

    /// What a Dual_EC backdoor reads, predicting only what was recorded since it last
    /// looked. It works only where the Q in the devices is the one it was made for: an
    /// attacker checks `d·Q = P` against the firmware before searching.
    fn backdoor_column(&mut self, file: &BackdoorFile) -> Vec<Option<String>> {
        let cache = self
            .backdoor_columns
            .entry(file.holder.clone())
            .or_default();
        let total = self.recording.len();
        for (period, &(from, q)) in self.q_in_force.iter().enumerate() {
            let until = self
                .q_in_force
                .get(period + 1)
                .map_or(total, |(next, _)| *next);
            let start = cache.column.len().max(from);
            if start >= until {
                continue;
            }
            let batch = &self.recording[start..until];
            if !file.backdoor.opens(&q) {
                cache.column.extend(batch.iter().map(|_| None));
                continue;
            }
            // A live demo searches one phone's state per backdoor and Q, a second or
            // few, and reports what the others would cost: each is the same search.
            let predictor = cache.predictors.entry(period).or_insert_with(|| {
                Predictor::new(file.backdoor.clone(), q).with_search_limit(LIVE_SEARCHES)
            });
            let searched_before = predictor.records().len();
            let skipped_before = predictor.skipped().len();
            let keys = predictor.content_keys(batch, &|_| {});
            self.searches.extend(
                predictor.records()[searched_before..]
                    .iter()
                    .map(|r| (file.holder.clone(), r.clone())),
            );
            if predictor.skipped().len() > skipped_before {
                self.unsearched.push((
                    file.holder.clone(),
                    predictor.skipped()[skipped_before..].to_vec(),
                ));
            }
            cache
                .column
                .extend(batch.iter().zip(keys).map(|(envelope, key)| {
                    match key.map(|k| open_with_key(envelope, &k)) {
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
    randomness: Randomness,
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
            randomness,
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
        let built = spec.build(&Inputs {
            users: &names,
            parties: &parties,
            params,
            // A demo sends its messages act by act; nothing built here depends on them.
            messages: 0,
            randomness: &randomness,
        })?;
        let sealer = if spec.on_devices() {
            Sealer::Forward(Box::new(ForwardWorld::new(&names, &randomness)))
        } else if id == SchemeId::Ghost {
            // The relay's target changes with the story's events.
            Sealer::Ghost(demo_key(GHOST_NAME).public_key().clone())
        } else {
            Sealer::Plain(
                built
                    .sealer
                    .ok_or_else(|| Error::Internal(format!("{id} built no sealer")))?,
            )
        };
        let mut design = Design {
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
            shares: Vec::new(),
            vault: Vec::new(),
            phones: Vec::new(),
            bricked: HashSet::new(),
            halves: Vec::new(),
            backdoors: Vec::new(),
            q_in_force: Vec::new(),
            backdoor_columns: HashMap::new(),
            searches: Vec::new(),
            unsearched: Vec::new(),
            family: None,
            ghost_target: None,
            watchers: Watchers::new(params.verifying.clone()),
            notices: Vec::new(),
            delivered: HashSet::new(),
            scan: built
                .compose
                .map(|compose| super::scanning::ScanState::new(compose, params, &randomness)),
        };
        for (_, loot) in built.loot {
            match loot {
                Loot::Key { .. } => {}
                Loot::Share(share) => design.shares.push(share),
                Loot::Vault { entries, .. } => design.vault = entries,
                Loot::FamilyKey(family) => design.family = Some(family),
                Loot::Halves(file) => design.halves.push(file),
                Loot::Phone { image, .. } => design.phones.push(image),
                Loot::Backdoor { file, deployed } => {
                    design.backdoors.push(file);
                    design.q_in_force = vec![(0, deployed)];
                }
            }
        }
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
                        Sealer::Forward(_) => a.receiver = Some(user.name.clone()),
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

    /// What an authority party holds from the start.
    fn authority_access(&self, d: usize, name: &str) -> Access {
        let design = &self.designs[d];
        let mut access = Access::default();
        match (design.id, name) {
            (SchemeId::GoldenKey, ESCROW_NAME) => {
                if let Some(key) = &design.escrow {
                    access.add_key(ESCROW_NAME, Role::Escrow, key);
                }
            }
            (SchemeId::SplitKey, agent) if agent.starts_with("agent-") => {
                access.shares = agent[6..].parse().ok().into_iter().collect();
            }
            (SchemeId::ProviderEscrow, PROVIDER_NAME) => {
                // The vault key unseals every device's key: the provider reads everyone.
                let provider = demo_key(PROVIDER_NAME);
                for entry in &design.vault {
                    if let Ok(key) = provider_escrow::unseal(entry, &provider) {
                        access.add_key(&entry.device, Role::User, &key);
                    }
                }
            }
            (SchemeId::Clear, VENDOR_NAME) => {
                // The vault key alone: it opens phones, and the vendor holds none.
                access.add_key(VENDOR_NAME, Role::Vendor, &demo_key(VENDOR_NAME));
            }
            (SchemeId::Ghost, GHOST_NAME) => {
                access.add_key(GHOST_NAME, Role::Agent, &demo_key(GHOST_NAME));
            }
            (SchemeId::DualEc, holder) => {
                access.backdoors.extend(
                    design
                        .backdoors
                        .iter()
                        .filter(|f| f.holder == holder)
                        .cloned(),
                );
            }
            // Any other design's party holds its own key, unless the design never
            // writes it whole.
            (id, name) => {
                let spec = schemes::design(id);
                if let Some((_, role)) = spec.parties().iter().find(|(n, _)| *n == name) {
                    if !spec.withholds_key(*role) && *role != Role::Vendor {
                        access.add_key(name, *role, &demo_key(name));
                    }
                }
            }
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
            blocks.push(Block::Matrix {
                matrix: self.matrix(0),
            });
            blocks.extend(self.searches_since_last_act());
        }
        Ok(blocks)
    }

    /// What the Dual_EC state searches behind the matrix cost, measured live, and the
    /// phones left to the same search.
    fn searches_since_last_act(&mut self) -> Option<Block> {
        let mut facts = Vec::new();
        for design in &mut self.designs {
            let mut seconds = Vec::new();
            for (holder, search) in design.searches.drain(..) {
                seconds.push(search.seconds);
                facts.push(
                    Fact::marked(
                        format!("{holder}'s search"),
                        format!(
                            "{}'s phone: {} x-coordinates, {:.1} s",
                            search.sender, search.candidates_tried, search.seconds
                        ),
                        search.found,
                    )
                    .measuring(search.seconds, "seconds"),
                );
            }
            let mean = seconds.iter().sum::<f64>() / seconds.len().max(1) as f64;
            for (holder, senders) in design.unsearched.drain(..) {
                facts.push(Fact::plain(
                    format!("{holder}, the others"),
                    format!(
                        "{}: the same search each{}, not run live",
                        senders.join(", "),
                        if mean > 0.0 {
                            format!(", about {mean:.1} s")
                        } else {
                            String::new()
                        }
                    ),
                ));
            }
        }
        (!facts.is_empty()).then_some(Block::Facts { facts })
    }

    // ── Events ─────────────────────────────────────────────────────────────────────────

    fn event(&mut self, event: &Event, observer: &mut dyn DemoObserver) -> Result<Vec<Block>> {
        Ok(match event {
            Event::Send { messages } => self.send(*messages, observer)?,
            Event::Leak { key, to } => self.leak(key, to),
            Event::Rotate => self.rotate(),
            Event::Compromise { user, to } => self.compromise(user, to)?,
            Event::Seize { user, to } => self.seize(user, to),
            Event::Warrant { target } => self.warrant(target)?,
            Event::Insider {
                targets,
                to,
                logged,
            } => self.insider(targets, to, *logged),
            Event::Breach { to } => self.breach(to),
            Event::Rekey { to } => self.rekey(to),
            Event::Repoint {
                targets,
                to,
                logged,
            } => self.repoint(targets, to, *logged),
            Event::Ghost { target } => self.ghost(target),
            Event::StealShare { agent, to } => self.steal_share(*agent, to),
            Event::ForgeLeaf { trials } => self.forge_leaf(*trials),
            Event::Evade { user, picture } => self.evade(user, picture)?,
            Event::Collide {
                user,
                picture,
                target,
            } => self.collide(user, picture, target)?,
            Event::Poison { picture, to } => self.poison(picture, to)?,
            Event::BruteForce {
                messages,
                to,
                key,
                bits,
            } => self.brute_force(*messages, to, key.as_deref(), *bits, observer)?,
        })
    }

    fn send(&mut self, messages: u64, observer: &mut dyn DemoObserver) -> Result<Vec<Block>> {
        const BATCH: u64 = 250;
        let first = self.now() + 1;
        let mut sent = 0;
        while sent < messages {
            let n = BATCH.min(messages - sent);
            let mut plain: Vec<Message> = (0..n).map(|_| self.traffic.next_message()).collect();
            self.compose(&mut plain);
            self.deliver(plain)?;
            sent += n;
            observer.progress(sent, messages);
        }
        let fresh = &self.truth[self.truth.len() - messages as usize..];
        let one_to_one = fresh.iter().filter(|m| m.to.len() == 1).count();
        let mut facts = vec![Fact::plain(
            "sent",
            format!(
                "{messages} messages, t={first}..{} ({one_to_one} one-to-one, {} in groups)",
                self.now(),
                messages as usize - one_to_one
            ),
        )
        .measuring(messages as f64, "messages")];
        if self.designs.len() > 1 {
            facts.push(Fact::plain(
                "sealed",
                format!(
                    "the same words, once under each design: {}",
                    self.design_names().join(", ")
                ),
            ));
        }
        facts.push(Fact::plain("recorded", "every envelope, by the tap"));
        Ok(vec![Block::Facts { facts }])
    }

    /// What the users' clients attach as they write (client-scan: photos), once for
    /// every design, since all of them seal the same words.
    fn compose(&mut self, plain: &mut [Message]) {
        if let Some(scan) = self.designs.iter_mut().find_map(|d| d.scan.as_mut()) {
            scan.compose(plain);
        }
    }

    /// Seals `plain` under every design; the tap records it.
    fn deliver(&mut self, plain: Vec<Message>) -> Result<()> {
        for design in &mut self.designs {
            design.seal(&self.users, &plain)?;
        }
        self.truth.extend(plain);
        Ok(())
    }

    /// The next message of the traffic, sent by `user` to one contact, carrying `png`.
    fn photo_message(&mut self, user: &str, words: &str, png: &[u8]) -> Message {
        let mut message = self.traffic.next_message();
        let names = self.user_names();
        let at = names.iter().position(|n| n == user).unwrap_or(0);
        message.from = user.to_owned();
        message.to = vec![names[(at + 1) % names.len()].clone()];
        message.text = words.to_owned();
        schemes::client_scan::attach(&mut message, png);
        message
    }

    /// The client-scan design's index (the scenario's checks make it the main one).
    fn scan_design(&self) -> Result<usize> {
        self.designs
            .iter()
            .position(|d| d.scan.is_some())
            .ok_or_else(|| Error::Internal("no client-scan design in this demo".into()))
    }

    fn evade(&mut self, user: &str, picture: &str) -> Result<Vec<Block>> {
        let d = self.scan_design()?;
        let scan = self.designs[d].scan.as_ref().expect("scan_design found it");
        let (facts, png) = scan.evade(picture)?;
        self.send_photo(
            d,
            user,
            "you have to see this",
            &format!("{picture}, edited"),
            &png,
            facts,
        )
    }

    fn collide(&mut self, user: &str, picture: &str, target: &str) -> Result<Vec<Block>> {
        let d = self.scan_design()?;
        let scan = self.designs[d].scan.as_ref().expect("scan_design found it");
        let (facts, png) = scan.collide(picture, target)?;
        self.send_photo(
            d,
            user,
            "ha, look at this one",
            &format!("{picture}, forged"),
            &png,
            facts,
        )
    }

    /// `user` sends `png` (which is `label`); the facts so far, then what the phone did.
    fn send_photo(
        &mut self,
        d: usize,
        user: &str,
        words: &str,
        label: &str,
        png: &[u8],
        mut facts: Vec<Fact>,
    ) -> Result<Vec<Block>> {
        let message = self.photo_message(user, words, png);
        let id = message.id.clone();
        if let Some(scan) = self.designs[d].scan.as_mut() {
            scan.record(&message, label, png);
        }
        facts.push(Fact::plain(
            "sent",
            format!("by {user} to {}, as {id}", message.to.join(", ")),
        ));
        self.deliver(vec![message])?;
        let scan = self.designs[d].scan.as_ref().expect("scan_design found it");
        facts.push(scan.outcome(user, &id));
        Ok(vec![Block::Facts { facts }])
    }

    fn poison(&mut self, picture: &str, to: &str) -> Result<Vec<Block>> {
        self.row_index(to, RowKind::Adversary);
        let d = self.scan_design()?;
        let design = &mut self.designs[d];
        let scan = design.scan.as_mut().expect("scan_design found it");
        let facts = scan.poison(picture, to)?;
        // From now on the phones look for the new hash as they send, too.
        design.sealer = Sealer::Plain(Box::new(scan.scanner(demo_key(PROVIDER_NAME).public_key())));
        Ok(vec![Block::Facts { facts }])
    }

    fn design_names(&self) -> Vec<&'static str> {
        self.designs.iter().map(|d| d.id.as_str()).collect()
    }

    fn leak(&mut self, party: &str, to: &str) -> Vec<Block> {
        let row = self.row_index(to, RowKind::Adversary);
        let mut facts = Vec::new();
        let mut stolen = None;
        for d in 0..self.designs.len() {
            let design = &self.designs[d];
            let spec = schemes::design(design.id);
            if let Some(file) = design.backdoors.iter().find(|f| f.holder == party) {
                let file = file.clone();
                facts.push(Fact::plain(
                    design.id.as_str(),
                    format!("{to} now holds {party}'s d: it predicts devices that use its Q"),
                ));
                let access = &mut self.rows[row].access[d];
                if !access.backdoors.iter().any(|f| f.holder == file.holder) {
                    access.backdoors.push(file);
                }
                continue;
            }
            let own = spec.parties().iter().find(|(n, _)| *n == party);
            let key = match party {
                ESCROW_NAME => {
                    // The escrow key is copied where it is held: from the start under
                    // golden-key, only once a warrant has rebuilt it under split-key.
                    let holder = self.rows.iter().find(|r| r.name == ESCROW_NAME);
                    holder.and_then(|r| {
                        r.access[d]
                            .keys
                            .iter()
                            .find(|(p, _, _)| p == ESCROW_NAME)
                            .map(|(_, _, k)| k.clone())
                    })
                }
                _ if own.is_some() => Some(demo_key(party)),
                user => self
                    .users
                    .iter()
                    .position(|u| u.name == user)
                    .filter(|_| !spec.on_devices())
                    .map(user_key),
            };
            let Some(key) = key else {
                let withheld = own.is_some_and(|(_, role)| spec.withholds_key(*role));
                facts.push(Fact::plain(
                    design.id.as_str(),
                    if withheld {
                        "the whole key exists nowhere yet: nothing to copy".to_owned()
                    } else if spec.on_devices() {
                        format!("there is no long-term {party} key that opens messages")
                    } else {
                        format!("there is no {party} key in this design")
                    },
                ));
                continue;
            };
            let access = &mut self.rows[row].access[d];
            match own.map(|(_, role)| *role) {
                // The vault's entries sit beside its key: with both, every device.
                // (CLEAR's vault holds the key alone: it opens the phones in hand.)
                Some(Role::Vendor) => {
                    for entry in &design.vault {
                        if let Ok(device_key) = provider_escrow::unseal(entry, &key) {
                            access.add_key(&entry.device, Role::User, &device_key);
                        }
                    }
                    access.add_key(party, Role::Vendor, &key);
                }
                Some(role) => access.add_key(party, role, &key),
                None if party == ESCROW_NAME => access.add_key(party, Role::Escrow, &key),
                None => access.add_key(party, Role::User, &key),
            }
            stolen = Some(key);
        }
        let unlocked = self.unlock_seized(row);
        facts.extend(unlocked);
        if let Some(key) = stolen {
            facts.insert(
                0,
                Fact::plain(
                    "stolen",
                    format!("{party}.pem, one file of {} bytes", key.to_pem().len()),
                )
                .measuring(key.to_pem().len() as f64, "bytes"),
            );
            facts.insert(
                1,
                Fact::plain("fingerprint", key.fingerprint().short(16).to_owned()),
            );
            facts.insert(2, Fact::plain("now held by", to.to_owned()));
        }
        vec![Block::Facts { facts }]
    }

    fn rotate(&mut self) -> Vec<Block> {
        let new_key = demo_key("escrow-2");
        let recorded = self.now();
        let escrow_row = self.rows.iter().position(|r| r.name == ESCROW_NAME);
        for d in 0..self.designs.len() {
            let design = &mut self.designs[d];
            if !matches!(design.id, SchemeId::GoldenKey | SchemeId::SplitKey) {
                continue;
            }
            design.sealer = Sealer::Plain(Box::new(GoldenKey {
                escrow: new_key.public_key().clone(),
                id: design.id,
            }));
            if design.id == SchemeId::SplitKey {
                design.shares = split_key::split(
                    &new_key,
                    &self.scenario.world.params,
                    &mut design.randomness.stream("shares/rotated"),
                );
            }
            design.escrow = Some(new_key.clone());
            // The authority keeps the old key: old warrants still need it.
            if let (Some(row), SchemeId::GoldenKey) = (escrow_row, design.id) {
                self.rows[row].access[d].add_key(ESCROW_NAME, Role::Escrow, &new_key);
            }
        }
        vec![Block::Facts {
            facts: vec![
                Fact::plain("new escrow key", new_key.fingerprint().short(16).to_owned()),
                Fact::plain("wraps", format!("messages from t={} on", recorded + 1)),
                Fact::marked(
                    "recorded before",
                    format!("{recorded} messages, still wrapped for the old key"),
                    recorded > 0,
                )
                .measuring(recorded as f64, "messages"),
            ],
        }]
    }

    fn compromise(&mut self, user: &str, to: &str) -> Result<Vec<Block>> {
        let row = self.row_index(to, RowKind::Adversary);
        let t = self.now();
        let index = self
            .users
            .iter()
            .position(|u| u.name == user)
            .ok_or_else(|| Error::Internal(format!("{user} is not a user")))?;
        let mut rsa = Vec::new();
        let mut facts = Vec::new();
        for d in 0..self.designs.len() {
            let design = &self.designs[d];
            let access = &mut self.rows[row].access[d];
            match &design.sealer {
                Sealer::Forward(world) => {
                    let device = world
                        .device(user)
                        .cloned()
                        .ok_or_else(|| Error::Internal(format!("no device for {user}")))?;
                    let skipped: usize = device
                        .sessions
                        .values()
                        .map(|s| s.ratchet.skipped.len())
                        .sum();
                    facts.push(Fact::plain(
                        design.id.as_str(),
                        format!(
                            "identity key, {}, {}, {}",
                            plural(device.sessions.len(), "ratchet session"),
                            plural(skipped, "skipped message key"),
                            plural(device.one_time_prekeys.len(), "unused one-time prekey")
                        ),
                    ));
                    access.devices.push((t, device));
                }
                _ => {
                    access.add_key(user, Role::User, &user_key(index));
                    access.phones.push((user.to_owned(), t));
                    rsa.push(design.id.as_str());
                }
            }
        }
        if !rsa.is_empty() {
            facts.insert(
                0,
                Fact::plain(
                    rsa.join(", "),
                    format!("{user}.pem: one RSA-2048 private key"),
                ),
            );
        }
        facts.insert(
            0,
            Fact::plain(
                "taken",
                format!("{user}'s phone, just after t={t}, by {to}"),
            ),
        );
        Ok(vec![Block::Facts { facts }])
    }

    fn seize(&mut self, user: &str, to: &str) -> Vec<Block> {
        let row = self.row_index(to, RowKind::Adversary);
        let t = self.now();
        let mut facts = vec![Fact::plain(
            "taken",
            format!("{user}'s phone, locked, just after t={t}, by {to}"),
        )];
        for d in 0..self.designs.len() {
            let design = &self.designs[d];
            let access = &mut self.rows[row].access[d];
            // Held locked in every design; only CLEAR's phones carry a blob to open.
            access.seized.push((user.to_owned(), t));
            if design.id == SchemeId::Clear {
                facts.push(Fact::plain(
                    design.id.as_str(),
                    "its passcode sits on it, in a blob only the vendor's vault key opens",
                ));
            } else {
                facts.push(Fact::plain(
                    design.id.as_str(),
                    "its storage opens only with the passcode, which no one else has",
                ));
            }
        }
        facts.extend(self.unlock_seized(row));
        vec![Block::Facts { facts }]
    }

    /// CLEAR: every locked phone `row` holds, opened if it also holds the vault key.
    fn unlock_seized(&mut self, row: usize) -> Vec<Fact> {
        let mut facts = Vec::new();
        for d in 0..self.designs.len() {
            let design = &self.designs[d];
            let access = &mut self.rows[row].access[d];
            let vault_keys: Vec<PrivateKey> = access
                .keys
                .iter()
                .filter(|(_, role, _)| *role == Role::Vendor)
                .map(|(_, _, k)| k.clone())
                .collect();
            for (user, t) in access.seized.clone() {
                if access.histories.iter().any(|(u, _, _)| *u == user) {
                    continue;
                }
                let Some(phone) = design.phones.iter().find(|p| p.device == user) else {
                    continue;
                };
                if let Some(key) = vault_keys.iter().find_map(|v| clear::unlock(phone, v).ok()) {
                    facts.push(
                        Fact::marked(
                            format!("{user}'s phone"),
                            format!("vault key → passcode → storage: {user}'s history to t={t}; it bricks itself, which stops no thief"),
                            true,
                        ),
                    );
                    access.histories.push((user, t, key));
                }
            }
        }
        facts
    }

    fn authority_row(&self, d: usize) -> Option<usize> {
        let name = schemes::design(self.designs[d].id).authority()?;
        self.rows.iter().position(|r| r.name == name)
    }

    fn warrant(&mut self, target: &str) -> Result<Vec<Block>> {
        let t = self.now();
        let number = self.warrants.len() + 1;
        self.warrants.push((target.to_owned(), t));
        let mut facts = Vec::new();
        for d in 0..self.designs.len() {
            let Some(row) = self.authority_row(d) else {
                facts.push(Fact::plain(
                    self.designs[d].id.as_str(),
                    "no exceptional access: the provider has nothing to hand over",
                ));
                continue;
            };
            let design = &mut self.designs[d];
            let how = match design.id {
                SchemeId::SplitKey => {
                    let threshold = self.scenario.world.params.threshold as usize;
                    let fingerprint = design
                        .escrow
                        .as_ref()
                        .map(|k| k.fingerprint().to_string())
                        .unwrap_or_default();
                    let key = split_key::combine(&design.shares[..threshold], &fingerprint)
                        .map_err(|e| {
                            Error::Internal(format!("the agents' shares did not combine: {e:?}"))
                        })?;
                    self.rows[row].access[d].add_key(ESCROW_NAME, Role::Escrow, &key);
                    format!("agents 1 to {threshold} bring their shares together: the whole escrow key, in one place")
                }
                SchemeId::Clipper => {
                    let Some(family) = &design.family else {
                        return Err(Error::Internal(
                            "a clipper design without its family key".into(),
                        ));
                    };
                    let units = clipper::combine_halves(&design.halves, family, Some(target))
                        .map_err(|e| Error::Internal(e.problem))?;
                    self.rows[row].access[d].units.extend(units);
                    format!("both agents release {target}'s unit key halves; XORed, they open what {target}'s device sends")
                }
                SchemeId::ProviderEscrow => {
                    let entry = design
                        .vault
                        .iter()
                        .find(|e| e.device == target)
                        .ok_or_else(|| Error::Internal(format!("no vault entry for {target}")))?;
                    let key = provider_escrow::unseal(entry, &demo_key(PROVIDER_NAME))
                        .map_err(|e| Error::Internal(e.problem))?;
                    format!(
                        "the provider opens its copy of {target}'s key, without the phone: {}",
                        key.fingerprint().short(8)
                    )
                }
                SchemeId::Clear => {
                    let phone = design
                        .phones
                        .iter()
                        .find(|p| p.device == target)
                        .ok_or_else(|| Error::Internal(format!("no phone for {target}")))?;
                    if design.bricked.contains(target) {
                        format!("{target}'s phone was bricked by an earlier unlock: what it held then is all there is")
                    } else {
                        let key = clear::unlock(phone, &demo_key(VENDOR_NAME))
                            .map_err(|e| Error::Internal(format!("{e:?}")))?;
                        design.bricked.insert(target.to_owned());
                        self.rows[row].access[d]
                            .histories
                            .push((target.to_owned(), t, key));
                        format!("police bring {target}'s phone; the vendor's vault key decrypts its blob to the passcode, the phone unlocks its history to t={t}, then bricks itself for good")
                    }
                }
                SchemeId::Ghost => {
                    design.ghost_target = Some((target.to_owned(), t + 1));
                    format!(
                        "from t={} the relay adds the ghost to {target}'s conversations",
                        t + 1
                    )
                }
                _ => "the escrow key opens the target's messages".to_owned(),
            };
            facts.push(Fact::plain(self.designs[d].id.as_str(), how));
        }
        let mut blocks = vec![Block::Facts { facts }];
        if let Some(row) = self.authority_row(0) {
            let name = self.rows[row].name.clone();
            self.log.push(LogEntry {
                t,
                by: name.clone(),
                target: target.to_owned(),
                warrant: Some(format!("W-{number}")),
            });
            // A ghost only reads from now on: what it reaches shows as traffic flows.
            if self.designs[0].id != SchemeId::Ghost {
                blocks.extend(self.reach(row, target, &name, true));
            }
        }
        Ok(blocks)
    }

    /// What `row` reads, in the main design, of `target`'s messages and of everyone
    /// else's: the "a key does not read the warrant" facts. With `samples` (a warrant),
    /// "everyone else" is everyone under no warrant so far, and two of their messages
    /// are shown.
    fn reach(&mut self, row: usize, target: &str, who: &str, samples: bool) -> Vec<Block> {
        let access = self.rows[row].access[0].clone();
        let read = self.designs[0].read(&access, &self.truth);
        let recording = &self.designs[0].recording;
        let involves = |e: &Envelope| e.participants().any(|p| p == target);
        let warranted: Vec<&str> = self.warrants.iter().map(|(u, _)| u.as_str()).collect();
        let covered = |e: &Envelope| {
            involves(e) || (samples && e.participants().any(|p| warranted.contains(&p)))
        };
        let count = |wanted: bool| -> (usize, usize) {
            let mine: Vec<usize> = (0..recording.len())
                .filter(|&i| {
                    if wanted {
                        involves(&recording[i])
                    } else {
                        !covered(&recording[i])
                    }
                })
                .collect();
            (
                mine.iter().filter(|&&i| read[i].is_some()).count(),
                mine.len(),
            )
        };
        let ((target_read, target_total), (other_read, other_total)) = (count(true), count(false));
        let mut blocks = vec![Block::Facts {
            facts: vec![
                Fact::marked(
                    format!("{target}'s messages"),
                    format!("{target_read} of {target_total} readable by {who}"),
                    target_read > 0,
                )
                .counting(target_read as u64, target_total as u64, "messages"),
                Fact::marked(
                    if samples && warranted.len() > 1 {
                        "under no warrant"
                    } else {
                        "everyone else's"
                    },
                    format!("{other_read} of {other_total}, with the same access"),
                    other_read > 0,
                )
                .counting(other_read as u64, other_total as u64, "messages"),
            ],
        }];
        if samples && other_read > 0 {
            let bystanders: Vec<Plaintext> = (0..recording.len())
                .filter(|&i| !covered(&recording[i]))
                .filter_map(|i| {
                    read[i]
                        .clone()
                        .map(|text| Plaintext::opened(&recording[i], text))
                })
                .take(2)
                .collect();
            blocks.push(Block::Recovered {
                label: who.to_owned(),
                sample: Sample::Unwarranted,
                messages: bystanders,
            });
        }
        blocks
    }

    /// Gives `to` a copy of the authority's access in every design.
    fn take_authority_access(&mut self, to: &str) -> usize {
        let row = self.row_index(to, RowKind::Adversary);
        for d in 0..self.designs.len() {
            if let Some(authority) = self.authority_row(d) {
                let access = self.rows[authority].access[d].clone();
                let mine = &mut self.rows[row].access[d];
                for (party, role, key) in &access.keys {
                    mine.add_key(party, *role, key);
                }
                mine.units.extend(access.units);
            }
        }
        // A vault key taken opens the phones this row already holds.
        self.unlock_seized(row);
        row
    }

    fn insider(&mut self, targets: &[String], to: &str, logged: bool) -> Vec<Block> {
        let row = self.take_authority_access(to);
        let t = self.now();
        let mut facts = Vec::new();
        for target in targets {
            if let Some(Block::Facts { facts: reached }) =
                self.reach(row, target, to, false).into_iter().next()
            {
                facts.extend(reached.into_iter().take(1));
            }
            if logged {
                self.log.push(LogEntry {
                    t,
                    by: to.to_owned(),
                    target: target.clone(),
                    warrant: None,
                });
            }
        }
        facts.push(Fact::plain(
            "access log",
            if logged {
                format!(
                    "{} written, none citing a warrant",
                    plural(targets.len(), "entry")
                )
            } else {
                "nothing written: the access went around the logging".to_owned()
            },
        ));
        vec![Block::Facts { facts }]
    }

    /// Juniper: `to` puts its own Q in the devices' firmware, and the devices, reseeded,
    /// draw from it from the next message on. Nothing in the envelopes changes.
    fn rekey(&mut self, to: &str) -> Vec<Block> {
        let row = self.row_index(to, RowKind::Adversary);
        let from = self.now() + 1;
        let mut facts = Vec::new();
        for d in 0..self.designs.len() {
            let design = &mut self.designs[d];
            if design.id != SchemeId::DualEc {
                continue;
            }
            let mut rng = design.randomness.stream(&format!("dual-ec/backdoor/{to}"));
            let (backdoor, q) = Backdoor::generate(&mut rng);
            let file = BackdoorFile {
                holder: to.to_owned(),
                backdoor,
                q,
            };
            let reseeded = design.randomness.fork(&format!("dual-ec/rekeyed/{to}"));
            design.sealer = Sealer::Plain(Box::new(DualEc::new(q, reseeded)));
            design.q_in_force.push((design.recording.len(), q));
            let fits_before: Vec<String> =
                design.backdoors.iter().map(|f| f.holder.clone()).collect();
            design.backdoors.push(file.clone());
            self.rows[row].access[d].backdoors.push(file);
            facts.push(Fact::plain(
                "new Q",
                format!("{to}'s, in every device from t={from}"),
            ));
            for holder in fits_before {
                facts.push(Fact::marked(
                    format!("{holder}'s d"),
                    "d·Q ≠ P for the new Q: it predicts nothing new".to_owned(),
                    false,
                ));
            }
            facts.push(Fact::marked(
                format!("{to}'s d"),
                "fits the new Q: every message from now on".to_owned(),
                true,
            ));
        }
        vec![Block::Facts { facts }]
    }

    fn breach(&mut self, to: &str) -> Vec<Block> {
        self.take_authority_access(to);
        let targets: Vec<String> = if self.warrants.is_empty() {
            vec!["(no warrants yet)".to_owned()]
        } else {
            self.warrants
                .iter()
                .enumerate()
                .map(|(i, (user, t))| format!("{user} (W-{}, since t={t})", i + 1))
                .collect()
        };
        vec![Block::Facts {
            facts: vec![
                Fact::plain(
                    "taken",
                    format!("the interception system's access, by {to}"),
                ),
                Fact::plain("targets", targets.join(", ")),
                Fact::plain(
                    "meaning",
                    "the attacker learns whom the authority is watching",
                ),
            ],
        }]
    }

    fn repoint(&mut self, targets: &[String], to: &str, logged: bool) -> Vec<Block> {
        let row = self.row_index(to, RowKind::Adversary);
        let from = self.now() + 1;
        for d in 0..self.designs.len() {
            if let Some(authority) = self.authority_row(d) {
                let access = Box::new(self.rows[authority].access[d].clone());
                self.rows[row].access[d].live.push(LiveTap {
                    targets: targets.to_vec(),
                    from,
                    access,
                });
            }
        }
        if logged {
            for target in targets {
                self.log.push(LogEntry {
                    t: from - 1,
                    by: to.to_owned(),
                    target: target.clone(),
                    warrant: None,
                });
            }
        }
        vec![Block::Facts {
            facts: vec![
                Fact::plain("added targets", targets.join(", ")),
                Fact::plain("copies go to", format!("{to}, from t={from}")),
                Fact::marked(
                    "log entries",
                    if logged {
                        targets.len().to_string()
                    } else {
                        "0: the interception log stays empty".to_owned()
                    },
                    !logged,
                ),
            ],
        }]
    }

    fn ghost(&mut self, target: &str) -> Vec<Block> {
        let from = self.now() + 1;
        for design in &mut self.designs {
            if design.id == SchemeId::Ghost {
                design.ghost_target = Some((target.to_owned(), from));
            }
        }
        vec![Block::Facts {
            facts: vec![
                Fact::plain(
                    "the relay adds",
                    format!("ghost to every conversation of {target}"),
                ),
                Fact::plain("from", format!("t={from}")),
                Fact::plain(
                    "verifying clients",
                    if self.scenario.world.params.verifying.is_empty() {
                        "none: every client suppresses the notice".to_owned()
                    } else {
                        self.scenario.world.params.verifying.join(", ")
                    },
                ),
            ],
        }]
    }

    fn steal_share(&mut self, agent: u8, to: &str) -> Vec<Block> {
        let row = self.row_index(to, RowKind::Adversary);
        let threshold = self.scenario.world.params.threshold;
        let mut facts = Vec::new();
        for d in 0..self.designs.len() {
            let design = &self.designs[d];
            if design.id != SchemeId::SplitKey {
                continue;
            }
            let access = &mut self.rows[row].access[d];
            if !access.shares.contains(&agent) {
                access.shares.push(agent);
            }
            let held: Vec<ShareFile> = design
                .shares
                .iter()
                .filter(|s| access.shares.contains(&s.agent))
                .cloned()
                .collect();
            let fingerprint = design
                .escrow
                .as_ref()
                .map(|k| k.fingerprint().to_string())
                .unwrap_or_default();
            facts.push(Fact::plain(
                "held",
                format!(
                    "{} of {} shares; {threshold} rebuild the key",
                    held.len(),
                    design.shares.len()
                ),
            ));
            match split_key::combine(&held, &fingerprint) {
                Ok(key) => {
                    facts.push(Fact::marked(
                        "combined",
                        format!("the escrow key, {}", key.fingerprint().short(16)),
                        true,
                    ));
                    access.add_key(ESCROW_NAME, Role::Escrow, &key);
                }
                Err(_) => facts.push(Fact::marked(
                    "combined",
                    "nothing: fewer shares than the threshold say nothing about the key",
                    false,
                )),
            }
        }
        facts.insert(
            0,
            Fact::plain("stolen", format!("agent {agent}'s share, by {to}")),
        );
        vec![Block::Facts { facts }]
    }

    fn forge_leaf(&mut self, trials: u64) -> Vec<Block> {
        let report = clipper::leaf_forgery(trials, &self.randomness.fork("forgery"), &|_, _| {});
        vec![Block::Facts {
            facts: vec![
                Fact::plain(
                    "forgeries",
                    format!("{trials}, each until the 16-bit check passed"),
                )
                .measuring(trials as f64, "LEAFs"),
                Fact::plain(
                    "tries, mean",
                    format!(
                        "{:.0} (2^16 = {} expected; min {}, max {})",
                        report.mean_tries,
                        report.expected_tries,
                        report.min_tries,
                        report.max_tries
                    ),
                )
                .measuring(report.mean_tries, "tries"),
                Fact::marked(
                    "receiver accepted",
                    format!(
                        "{} of {trials}: the rogue pair talks on",
                        report.conversation_worked
                    ),
                    report.conversation_worked > 0,
                )
                .counting(report.conversation_worked, trials, "LEAFs"),
                Fact::marked(
                    "agents recovered the key",
                    format!("{} of {trials} forged LEAFs", report.escrow_recovered),
                    report.escrow_recovered > 0,
                )
                .counting(report.escrow_recovered, trials, "LEAFs"),
                Fact::marked(
                    "an honest device's LEAF",
                    format!("{} of {trials} recovered", report.honest_recovered),
                    report.honest_recovered > 0,
                )
                .counting(report.honest_recovered, trials, "LEAFs"),
                Fact::plain("took", duration(report.seconds)).measuring(report.seconds, "seconds"),
            ],
        }]
    }

    /// Searches the first messages `to` has not read. With `key` (workfactor's agency
    /// key, if `to` holds it), the escrowed bits come from each envelope's `wrf` and
    /// `bits` are what is left.
    fn brute_force(
        &mut self,
        messages: u64,
        to: &str,
        key: Option<&str>,
        bits: u32,
        observer: &mut dyn DemoObserver,
    ) -> Result<Vec<Block>> {
        let row = self.row_index(to, RowKind::Adversary);
        let held = key.map(|name| {
            self.rows[row].access[0]
                .keys
                .iter()
                .find(|(party, _, _)| party == name)
                .map(|(_, _, k)| k.clone())
        });
        if let (Some(name), Some(None)) = (key, &held) {
            return Ok(vec![Block::Facts {
                facts: vec![Fact::marked(
                    to.to_owned(),
                    format!("holds no {name} key: every secret bit is left to search"),
                    false,
                )],
            }]);
        }
        let agency = held.flatten();
        let mut cracked = Vec::new();
        let mut rate: f64 = 0.0;
        let mut seconds = 0.0;
        let mut extrapolation = Vec::new();
        let targets: Vec<Envelope> = self.designs[0]
            .recording
            .iter()
            .filter(|e| !self.rows[row].access[0].cracked.contains_key(&e.id))
            .take(messages as usize)
            .cloned()
            .collect();
        for envelope in &targets {
            let known = match &agency {
                None => 0,
                Some(key) => match workfactor::escrowed_high_bits(envelope, key) {
                    Ok(known) => known,
                    Err(_) => continue,
                },
            };
            let report = search_watched(envelope, bits, known, observer)?;
            seconds += report.seconds;
            rate = rate.max(report.keys_per_second);
            extrapolation = report.extrapolation;
            if let Some(text) = report.text {
                cracked.push(envelope.id.clone());
                self.rows[row].access[0]
                    .cracked
                    .insert(envelope.id.clone(), text);
            }
        }
        let mut facts = vec![
            Fact::plain(
                "key space",
                format!("2^{bits} = {} keys per message", 1u64 << bits),
            )
            .measuring((1u64 << bits) as f64, "keys"),
            Fact::marked(
                "cracked",
                format!(
                    "{} of {} messages: {}",
                    cracked.len(),
                    targets.len(),
                    cracked.join(", ")
                ),
                !cracked.is_empty(),
            )
            .counting(cracked.len() as u64, targets.len() as u64, "messages"),
            Fact::plain("took", format!("{}, all cores", duration(seconds)))
                .measuring(seconds, "seconds"),
            Fact::plain("rate", format!("{} keys/s", rate_text(rate))).measuring(rate, "keys/s"),
        ];
        for e in extrapolation.iter().filter(|e| e.bits > bits) {
            facts.push(
                Fact::plain(
                    format!("{}-bit keys", e.bits),
                    format!("{} per message, on average", duration(e.average_seconds)),
                )
                .measuring(e.average_seconds, "seconds"),
            );
        }
        Ok(vec![Block::Facts { facts }])
    }

    // ── Views ──────────────────────────────────────────────────────────────────────────

    fn design_index(&self, id: Option<SchemeId>) -> usize {
        id.and_then(|id| self.designs.iter().position(|d| d.id == id))
            .unwrap_or(0)
    }

    fn row_named(&self, name: &str) -> Result<usize> {
        self.rows
            .iter()
            .position(|r| r.name == name)
            .ok_or_else(|| Error::Internal(format!("no row called {name}")))
    }

    fn show(&mut self, view: &Show) -> Result<Vec<Block>> {
        Ok(match view {
            Show::Parties => vec![self.parties()],
            Show::Envelope => vec![Block::Envelope {
                json: self.sample_envelope(),
            }],
            Show::Radius { who, design } => {
                let d = self.design_index(*design);
                let row = self.row_named(who)?;
                let radius = self.radius(row, d, 0..self.truth.len());
                let timelines: Vec<Block> = radius
                    .timelines
                    .iter()
                    .map(|timeline| Block::Timeline {
                        label: timeline.user.clone(),
                        timeline: timeline.clone(),
                    })
                    .collect();
                let mut blocks = vec![Block::Radius {
                    label: who.clone(),
                    holding: self.rows[row].access[d].holdings(),
                    design: Some(self.designs[d].id.to_string()),
                    scope: Scope::Recording,
                    radius,
                }];
                blocks.extend(timelines);
                blocks
            }
            Show::New { who } => {
                let row = self.row_named(who)?;
                let radius = self.radius(row, 0, self.act_start..self.truth.len());
                vec![Block::Radius {
                    label: who.clone(),
                    holding: Vec::new(),
                    design: None,
                    scope: Scope::ThisAct,
                    radius,
                }]
            }
            Show::Recovered { who } => {
                let row = self.row_named(who)?;
                let access = self.rows[row].access[0].clone();
                let read = self.designs[0].read(&access, &self.truth);
                let opened: Vec<Plaintext> = read
                    .into_iter()
                    .enumerate()
                    .filter_map(|(i, text)| {
                        text.map(|t| Plaintext::opened(&self.designs[0].recording[i], t))
                    })
                    .collect();
                vec![Block::Recovered {
                    label: who.clone(),
                    sample: Sample::Telling,
                    messages: telling_samples(&opened),
                }]
            }
            Show::Compare => vec![self.compare()],
            Show::Exposure { user } => vec![self.exposure(user)?],
            Show::Reports => {
                let d = self.scan_design()?;
                let scan = self.designs[d].scan.as_ref().expect("scan_design found it");
                vec![Block::Facts {
                    facts: scan.report_facts(&demo_key(PROVIDER_NAME)),
                }]
            }
            Show::Log => vec![Block::Log {
                entries: self.log.clone(),
            }],
            Show::Notices => {
                let notices: Vec<Fact> = self
                    .designs
                    .iter()
                    .flat_map(|d| &d.notices)
                    .map(|n| {
                        Fact::marked(
                            format!("t={} {}", n.t, n.user),
                            format!("{} ({})", n.notice, n.conversation.join(", ")),
                            false,
                        )
                    })
                    .collect();
                vec![Block::Facts {
                    facts: if notices.is_empty() {
                        vec![Fact::plain("notices", "none: no client noticed anything")]
                    } else {
                        notices
                    },
                }]
            }
        })
    }

    fn radius(&mut self, row: usize, d: usize, range: Range<usize>) -> BlastRadius {
        let access = self.rows[row].access[d].clone();
        let read = self.designs[d].read(&access, &self.truth);
        let mut watch: Vec<(String, u64)> = access.phones.clone();
        watch.extend(access.devices.iter().map(|(t, dev)| (dev.name.clone(), *t)));
        let mut tally = Tally::new(self.user_names()).watching(&watch);
        for i in range {
            let outcome = match &read[i] {
                Some(text) => Outcome::Opened(text.clone()),
                None => Outcome::Sealed,
            };
            tally.count(&self.designs[d].recording[i], &outcome);
        }
        // No seconds: each key's opening is cached and shared across rows and acts, so
        // a time here would be a cache lookup, and a rate computed from it a fiction.
        // `doormat recover` and `doormat bench` time real opening.
        tally.finish(0.0)
    }

    /// Who can read what, in design `d`: each row's share of each user's messages.
    fn matrix(&mut self, d: usize) -> Matrix {
        let users = self.user_names();
        let main = self.designs[d].id;
        let shown: Vec<usize> = (0..self.rows.len())
            .filter(|&r| {
                let row = &self.rows[r];
                row.kind != RowKind::Authority
                    || schemes::design(main)
                        .authorities(&self.scenario.world.params)
                        .contains(&row.name)
            })
            .collect();
        // Each user's messages, found once for all rows.
        let recording = &self.designs[d].recording;
        let columns: Vec<Vec<usize>> = users
            .iter()
            .map(|user| {
                (0..recording.len())
                    .filter(|&i| recording[i].participants().any(|p| p == user))
                    .collect()
            })
            .collect();
        let mut rows = Vec::new();
        for r in shown {
            let access = self.rows[r].access[d].clone();
            let read = self.designs[d].read(&access, &self.truth);
            let cells = columns
                .iter()
                .map(|mine| MatrixCell {
                    readable: mine.iter().filter(|&&i| read[i].is_some()).count() as u64,
                    messages: mine.len() as u64,
                })
                .collect();
            let row = &self.rows[r];
            rows.push(MatrixRow {
                name: row.name.clone(),
                kind: match row.kind {
                    RowKind::User => "user",
                    RowKind::Authority => "authority",
                    RowKind::Tap => "network",
                    RowKind::Adversary => "adversary",
                }
                .to_owned(),
                cells,
            });
        }
        Matrix {
            design: main.as_str().to_owned(),
            users,
            rows,
        }
    }

    fn compare(&mut self) -> Block {
        let mut rows = Vec::new();
        for d in 0..self.designs.len() {
            for r in 0..self.rows.len() {
                if !matches!(self.rows[r].kind, RowKind::Tap | RowKind::Adversary) {
                    continue;
                }
                let access = &self.rows[r].access[d];
                let label = self.rows[r].name.clone();
                // A row that holds something (a locked phone, a key with no slot) shows
                // what it opens, even nothing; one that holds nothing has no row.
                let holds =
                    access.opens_anything() || !access.seized.is_empty() || !access.keys.is_empty();
                let radius = (self.rows[r].kind == RowKind::Tap || holds)
                    .then(|| self.radius(r, d, 0..self.truth.len()));
                rows.push(ComparisonRow {
                    scheme: self.designs[d].id.as_str().to_owned(),
                    compromise: label,
                    radius,
                });
            }
        }
        Block::Comparison { rows }
    }

    fn exposure(&mut self, user: &str) -> Result<Block> {
        let mut t = None;
        let mut rows = Vec::new();
        for d in 0..self.designs.len() {
            for r in 0..self.rows.len() {
                if self.rows[r].kind != RowKind::Adversary {
                    continue;
                }
                let access = self.rows[r].access[d].clone();
                if !access.opens_anything() {
                    continue;
                }
                let stolen_at = access
                    .phones
                    .iter()
                    .filter(|(u, _)| u == user)
                    .map(|(_, t)| *t)
                    .chain(
                        access
                            .devices
                            .iter()
                            .filter(|(_, dev)| dev.name == user)
                            .map(|(t, _)| *t),
                    )
                    .next();
                if let Some(at) = stolen_at {
                    t.get_or_insert(at);
                }
                let Some(at) = stolen_at.or(t) else {
                    continue;
                };
                let read = self.designs[d].read(&access, &self.truth);
                let (mut before, mut after, mut others) =
                    (Span::default(), Span::default(), Span::default());
                for (i, envelope) in self.designs[d].recording.iter().enumerate() {
                    let span = if !envelope.participants().any(|p| p == user) {
                        &mut others
                    } else if envelope.t <= at {
                        &mut before
                    } else {
                        &mut after
                    };
                    span.messages += 1;
                    span.opened += u64::from(read[i].is_some());
                }
                rows.push(ExposureRow {
                    scheme: self.designs[d].id.as_str().to_owned(),
                    compromise: self.rows[r].name.clone(),
                    before,
                    after,
                    others,
                });
            }
        }
        Ok(Block::Exposure {
            victim: user.to_owned(),
            t: t.unwrap_or(0),
            rows,
        })
    }

    fn parties(&self) -> Block {
        let main = self.designs[0].id;
        let mut parties: Vec<PartyRow> = self
            .users
            .iter()
            .map(|u| PartyRow {
                name: u.name.clone(),
                role: "user".to_owned(),
                key: if schemes::design(main).on_devices() {
                    "Ed25519 + X25519".to_owned()
                } else {
                    format!(
                        "RSA-{} {}",
                        u.key.public_key().bits(),
                        u.key.fingerprint().short(8)
                    )
                },
                holds: "own messages".to_owned(),
            })
            .collect();
        for name in schemes::design(main).authorities(&self.scenario.world.params) {
            let spec = schemes::design(main);
            let rsa = spec
                .parties()
                .iter()
                .any(|(n, role)| *n == name && !spec.withholds_key(*role));
            let key = match (rsa, spec.key_label(&name)) {
                (true, _) => rsa_label(&demo_key(&name)),
                (false, Some(label)) => label.to_owned(),
                (false, None) => String::new(),
            };
            let holds = spec.holds(&name);
            parties.push(PartyRow {
                name,
                role: "authority".to_owned(),
                key,
                holds: holds.to_owned(),
            });
        }
        parties.push(PartyRow {
            name: "tap".to_owned(),
            role: "network".to_owned(),
            key: String::new(),
            holds: "a recording of all traffic".to_owned(),
        });
        Block::Parties { parties }
    }

    /// An envelope that shows the design: under forward-secret, one past its X3DH.
    fn sample_envelope(&self) -> String {
        let recording = &self.designs[0].recording;
        recording
            .iter()
            .find(|e| e.to.len() == 1 && e.ratchet.iter().all(|(_, r)| r.x3dh.is_none()))
            .or(recording.first())
            .map(Envelope::to_json_line)
            .unwrap_or_default()
    }
}

fn rsa_label(key: &PrivateKey) -> String {
    format!(
        "RSA-{} {}",
        key.public_key().bits(),
        key.fingerprint().short(8)
    )
}

/// "1 key", "3 keys".
fn plural(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else if let Some(stem) = noun.strip_suffix('y') {
        format!("{n} {stem}ies")
    } else {
        format!("{n} {noun}s")
    }
}

/// "2.4 million", "830 thousand".
fn rate_text(rate: f64) -> String {
    if rate >= 1e6 {
        format!("{:.1} million", rate / 1e6)
    } else {
        format!("{:.0} thousand", rate / 1e3)
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
        return "forever".to_owned();
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

/// "a", "a and b", "a, b and c".
fn and_list(items: &[impl AsRef<str>]) -> String {
    match items {
        [] => String::new(),
        [one] => one.as_ref().to_owned(),
        [rest @ .., last] => {
            let rest: Vec<&str> = rest.iter().map(AsRef::as_ref).collect();
            format!("{} and {}", rest.join(", "), last.as_ref())
        }
    }
}
