//! The keys a compromise hands the attacker (or a warrant hands the authority): RSA
//! private keys matched to their parties, and whatever else a design's material can do,
//! as [`Capability`]s.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::capability::{Capability, InOrder, Unwrapped};
use crate::crypto::rsa_oaep::{Fingerprint, PrivateKey};
use crate::error::InputError;
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

/// A set of private keys, each matched to its party, and the capabilities of the other
/// material held.
#[derive(Debug, Clone, Default)]
pub struct Keyring {
    holdings: Vec<Holding>,
    /// What the design-specific material held can do: a LEAF reader, a stolen ratchet,
    /// a backdoor that fits.
    capabilities: Vec<Arc<dyn Capability>>,
    /// Devices stolen, and when: the victims whose timelines the report shows.
    stolen_devices: Vec<(String, u64)>,
    /// Identity keys held that open nothing by themselves (forward-secret worlds).
    identities: Vec<(String, Fingerprint)>,
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
    pub fn of_parties(parties: &[super::Party], names: &[&str]) -> Self {
        let mut keyring = Keyring::new();
        for party in parties.iter().filter(|p| names.contains(&p.name.as_str())) {
            keyring.add(&party.name, party.role, party.key.clone());
        }
        keyring
    }

    /// The private keys held of parties in `role` (the vendor's vault keys, say).
    pub fn keys_of_role(&self, role: Role) -> Vec<PrivateKey> {
        self.holdings
            .iter()
            .filter(|h| h.role == role)
            .map(|h| h.key.clone())
            .collect()
    }

    /// The RSA keys held.
    pub fn holdings(&self) -> &[Holding] {
        &self.holdings
    }

    /// Adds what a piece of design-specific material can do.
    pub fn add_capability(&mut self, capability: Arc<dyn Capability>) {
        self.capabilities.push(capability);
    }

    /// Whether it holds nothing at all.
    pub fn is_empty(&self) -> bool {
        self.holdings.is_empty() && self.capabilities.is_empty() && self.identities.is_empty()
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

    /// A fresh reader for each capability that reads the capture in order.
    pub fn in_order_readers(&self) -> Vec<Box<dyn InOrder>> {
        self.capabilities
            .iter()
            .filter_map(|c| c.in_order())
            .collect()
    }

    /// Tries every held key that has a slot in `envelope`.
    pub fn unwrap_content_key(&self, envelope: &Envelope) -> Unwrapped {
        let mut had_slot = false;
        for holding in &self.holdings {
            if let Some(wrapped) = holding.slot(envelope) {
                had_slot = true;
                if let Ok(key) = holding.key.unwrap_key(wrapped) {
                    return Unwrapped::Key(key);
                }
            }
        }
        for capability in &self.capabilities {
            match capability.unwrap(envelope) {
                Unwrapped::Key(key) => return Unwrapped::Key(key),
                Unwrapped::Failed => had_slot = true,
                Unwrapped::NoSlot => {}
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
