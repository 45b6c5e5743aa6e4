//! The keys a compromise hands the attacker (or a warrant hands the authority).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::crypto::aead::ContentKey;
use crate::crypto::dual_ec::PointQ;
use crate::crypto::rsa_oaep::{Fingerprint, PrivateKey};
use crate::crypto::CouldNotOpen;
use crate::error::InputError;
use crate::schemes::clipper::{self, Secret32, Unit};
use crate::schemes::dual_ec::BackdoorFile;
use crate::schemes::forward_secret::follow::Follower;
use crate::schemes::forward_secret::snapshot::{Snapshot, Stolen as SnapshotContents};
use crate::wire::envelope::Envelope;
use crate::wire::world_file::{Role, WorldFile};

/// One stolen (or lawfully held) private key, and whose it is.
#[derive(Debug, Clone)]
pub struct Holding {
    /// Whose key it is.
    pub party: String,
    /// What that party is, which decides where the key looks in an envelope.
    pub role: Role,
    /// The key.
    pub key: PrivateKey,
    /// Opens only messages up to this logical time: a phone's stored history ends when
    /// the phone was taken. `None`: every message.
    pub until: Option<u64>,
}

impl Holding {
    /// The wrapped key this holding can try on `envelope`: any party reads its own
    /// `wrapped` entry (a hidden participant is one more entry), and the escrow
    /// authority also reads the `escrow` field.
    fn slot<'e>(&self, envelope: &'e Envelope) -> Option<&'e [u8]> {
        if self.until.is_some_and(|until| envelope.t > until) {
            return None;
        }
        match self.role {
            Role::Escrow => envelope
                .escrow
                .as_deref()
                .or_else(|| envelope.wrapped_for(&self.party)),
            Role::User | Role::Agent | Role::Vendor | Role::Relay => {
                envelope.wrapped_for(&self.party)
            }
        }
    }
}

/// What unwrapping an envelope's content key came to.
pub(crate) enum Unwrapped {
    Key(ContentKey),
    /// A slot for a held key was there, but did not open: tampered or mis-addressed.
    Failed,
    /// No held key is a reader of this envelope.
    NoSlot,
}

/// A set of private keys, each matched to its party, and (for Clipper) a family key
/// with the unit keys the escrow agents released.
#[derive(Debug, Clone, Default)]
pub struct Keyring {
    holdings: Vec<Holding>,
    leaf: Option<LeafAccess>,
    /// Forward-secret devices stolen at some time, played forward by the opener.
    followers: Vec<Follower>,
    /// Devices stolen, and when: the victims whose timelines the report shows.
    stolen_devices: Vec<(String, u64)>,
    /// Identity keys held that open nothing by themselves (forward-secret worlds).
    identities: Vec<(String, Fingerprint)>,
    /// A Dual_EC backdoor that fits the devices' Q, and that Q.
    backdoor: Option<(BackdoorFile, PointQ)>,
    /// Holders of Dual_EC backdoors that do not fit the devices' Q: they open nothing.
    unfit_backdoors: Vec<String>,
}

/// Clipper's escrow side: the family key to read LEAFs, and unit keys to open them.
#[derive(Debug, Clone)]
pub struct LeafAccess {
    pub family: Secret32,
    pub units: HashMap<u32, Unit>,
}

impl Keyring {
    /// An empty keyring.
    pub fn new() -> Self {
        Keyring::default()
    }

    /// Adds `party`'s key, once: a key already held is not added twice.
    pub fn add(&mut self, party: &str, role: Role, key: PrivateKey) {
        self.add_until(party, role, key, None);
    }

    /// Adds a key that opens only messages up to `until` (a phone's stored history), or
    /// every message with `None`. A key held twice keeps the wider reach.
    pub fn add_until(&mut self, party: &str, role: Role, key: PrivateKey, until: Option<u64>) {
        match self
            .holdings
            .iter_mut()
            .find(|h| h.key.fingerprint() == key.fingerprint())
        {
            Some(held) => {
                held.until = match (held.until, until) {
                    (Some(a), Some(b)) => Some(a.max(b)),
                    _ => None,
                }
            }
            None => self.holdings.push(Holding {
                party: party.to_owned(),
                role,
                key,
                until,
            }),
        }
    }

    /// Records a user's phone, taken just after `t`, for the timelines the report shows.
    pub fn note_taken_device(&mut self, user: &str, t: u64) {
        self.stolen_devices.push((user.to_owned(), t));
    }

    /// Matches key files to the world's parties by fingerprint. A key that belongs to no
    /// party of this world is an input error naming the file.
    pub fn from_key_files(
        world: &WorldFile,
        keys: Vec<(PathBuf, PrivateKey)>,
    ) -> Result<Self, InputError> {
        let mut keyring = Keyring::new();
        for (path, key) in keys {
            let party = party_for(world, &path, key.fingerprint())?;
            keyring.add(&party.0, party.1, key);
        }
        Ok(keyring)
    }

    /// A keyring holding the named parties' keys, as a compromise of those parties would.
    /// Names not among `parties` are skipped.
    pub fn of_parties(parties: &[crate::world::Party], names: &[&str]) -> Self {
        let mut keyring = Keyring::new();
        for party in parties.iter().filter(|p| names.contains(&p.name.as_str())) {
            keyring.add(&party.name, party.role, party.key.clone());
        }
        keyring
    }

    /// The RSA keys held.
    pub fn holdings(&self) -> &[Holding] {
        &self.holdings
    }

    /// Adds Clipper unit keys, read through LEAFs with the family key.
    pub fn add_leaf_access(&mut self, family: Secret32, units: Vec<Unit>) {
        let access = self.leaf.get_or_insert_with(|| LeafAccess {
            family,
            units: HashMap::new(),
        });
        for unit in units {
            access.units.insert(unit.id, unit);
        }
    }

    /// The devices whose unit keys this keyring holds.
    pub fn unit_devices(&self) -> Vec<String> {
        let mut devices: Vec<String> = self
            .leaf
            .iter()
            .flat_map(|a| a.units.values().map(|u| u.device.clone()))
            .collect();
        devices.sort();
        devices
    }

    /// Adds a Dual_EC backdoor. It predicts the devices' randomness only if `deployed`,
    /// the Q in their firmware, is the one it was made for (`d·Q = P`); otherwise its
    /// holder is listed among those whose backdoor opens nothing.
    pub fn add_backdoor(&mut self, file: BackdoorFile, deployed: PointQ) {
        if file.backdoor.opens(&deployed) {
            self.backdoor = Some((file, deployed));
        } else if !self.unfit_backdoors.contains(&file.holder) {
            self.unfit_backdoors.push(file.holder);
        }
    }

    /// The backdoor that fits the devices' Q, if one is held.
    pub fn backdoor(&self) -> Option<&(BackdoorFile, PointQ)> {
        self.backdoor.as_ref()
    }

    /// Holders of backdoors that do not fit the devices' Q.
    pub fn unfit_backdoors(&self) -> &[String] {
        &self.unfit_backdoors
    }

    /// Whether it holds nothing at all.
    pub fn is_empty(&self) -> bool {
        self.holdings.is_empty()
            && self.backdoor.is_none()
            && self.unfit_backdoors.is_empty()
            && self.leaf.is_none()
            && self.followers.is_empty()
            && self.identities.is_empty()
    }

    /// Adds a device stolen just after `t`: an RSA user's key (schemes without a
    /// ratchet), or a forward-secret device's whole state.
    pub fn add_stolen_device(&mut self, snapshot: Snapshot) {
        self.stolen_devices
            .push((snapshot.user.clone(), snapshot.t));
        match snapshot.stolen {
            SnapshotContents::Rsa(key) => self.add(&snapshot.user, Role::User, *key),
            SnapshotContents::Device(device) => {
                self.followers.push(Follower::new(&device, snapshot.t));
            }
        }
    }

    /// Adds an Ed25519 identity key: in a forward-secret world it signs prekeys and
    /// enters X3DH, but opens nothing alone.
    pub fn add_identity(&mut self, party: &str, fingerprint: Fingerprint) {
        if !self.identities.iter().any(|(_, f)| *f == fingerprint) {
            self.identities.push((party.to_owned(), fingerprint));
        }
    }

    /// Identity keys held (party, fingerprint), which open nothing alone.
    pub fn identities(&self) -> &[(String, Fingerprint)] {
        &self.identities
    }

    /// Devices held as stolen: (user, copied just after t).
    pub fn stolen_devices(&self) -> &[(String, u64)] {
        &self.stolen_devices
    }

    pub(crate) fn followers(&self) -> &[Follower] {
        &self.followers
    }

    /// Tries every held key that has a slot in `envelope`.
    pub(crate) fn unwrap_content_key(&self, envelope: &Envelope) -> Unwrapped {
        let mut had_slot = false;
        for holding in &self.holdings {
            if let Some(wrapped) = holding.slot(envelope) {
                had_slot = true;
                if let Ok(key) = holding.key.unwrap_key(wrapped) {
                    return Unwrapped::Key(key);
                }
            }
        }
        if let (Some(access), Some(leaf)) = (&self.leaf, &envelope.leaf) {
            let contents = clipper::read_leaf(&access.family, leaf, &envelope.nonce);
            if let Some(unit) = contents.as_ref().and_then(|c| access.units.get(&c.unit_id)) {
                had_slot = true;
                let contents = contents.as_ref().expect("checked just above");
                if let Ok(key) = clipper::escrow_unwrap(&unit.key, contents) {
                    return Unwrapped::Key(key);
                }
            }
        }
        if had_slot {
            Unwrapped::Failed
        } else {
            Unwrapped::NoSlot
        }
    }
}

fn party_for(
    world: &WorldFile,
    path: &Path,
    fingerprint: &Fingerprint,
) -> Result<(String, Role), InputError> {
    world
        .party_by_fingerprint(fingerprint)
        .map(|p| (p.name.clone(), p.role))
        .ok_or_else(|| {
            InputError::new(format!(
                "this key ({}) belongs to no party of the world",
                fingerprint
            ))
            .file(path)
            .hint("is it from another world? world.json lists each party's fingerprint")
        })
}

impl From<CouldNotOpen> for Unwrapped {
    fn from(_: CouldNotOpen) -> Self {
        Unwrapped::Failed
    }
}
