//! A simulated world: parties and their keys, the traffic between them, and what the
//! network tap records.

pub mod cast;
pub mod disk;
pub mod traffic;

/// The forward-secret design in motion (devices, prekeys, delayed delivery): it lives
/// with its design, and keeps its old path here.
use rayon::prelude::*;

use crate::crypto::random::{Randomness, SessionKeys};
use crate::crypto::rsa_oaep::{PrivateKey, GENERATED_KEY_BITS};
use crate::error::InputError;
use crate::schemes::registry::{self, WorldShape};
use crate::schemes::{self, Directory, Scheme, SchemeId};
pub use crate::schemes::{Party, SchemeParams};
use crate::wire::envelope::Envelope;
use crate::wire::names::user_name;
use crate::wire::world_file::Role;
use traffic::Message;

pub use crate::schemes::{ESCROW_NAME, PROVIDER_NAME, VENDOR_NAME};
pub use crate::wire::limits::MAX_USERS;
/// Most messages `simulate` will write in one world.
pub const MAX_MESSAGES: u64 = 10_000_000;

/// What `simulate` is asked to build.
#[derive(Debug, Clone)]
pub struct WorldSpec {
    /// The design.
    pub scheme: SchemeId,
    /// Users: 2 to `MAX_USERS`.
    pub users: usize,
    /// Messages to send.
    pub messages: u64,
    /// RSA key size.
    pub key_bits: usize,
    /// Messages per content key (1: a key per message).
    pub session_size: u64,
    /// Where keys and traffic come from: the OS, or a classroom seed.
    pub randomness: Randomness,
    /// Parameters only some schemes take (agents, threshold, bits).
    pub params: SchemeParams,
    /// Device snapshots to take: what malware on a user's device steals at a time.
    pub snapshots: Vec<SnapshotAt>,
    /// Texts that replace the generated ones at given logical times: the flags and
    /// decoys of classroom exercises. The traffic (who writes to whom, when) is unchanged.
    pub plants: std::collections::BTreeMap<u64, String>,
}

/// `--snapshot NAME@T`: copy NAME's device just after logical time T.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotAt {
    /// Whose device.
    pub user: String,
    /// Copied just after this logical time.
    pub t: u64,
}

impl SnapshotAt {
    /// Parses `NAME@T`.
    pub fn parse(text: &str) -> Result<Self, InputError> {
        let flag = || {
            InputError::new(format!(
                "{:?} is not NAME@T",
                crate::wire::names::truncate(text, 40)
            ))
            .field("--snapshot")
            .hint("for example --snapshot alice@100: alice's device, just after message 100")
        };
        let (user, t) = text.split_once('@').ok_or_else(flag)?;
        let t: u64 = t.parse().map_err(|_| flag())?;
        crate::wire::names::check_name(user).map_err(|e| e.field("--snapshot"))?;
        Ok(SnapshotAt {
            user: user.to_owned(),
            t,
        })
    }
}

impl WorldSpec {
    /// Refuses parameters that cannot make a sensible world, naming the flag.
    pub fn check(&self) -> Result<(), InputError> {
        if self.users < 2 || self.users > MAX_USERS {
            return Err(InputError::new(format!(
                "{} users cannot make a world: it needs 2 to {MAX_USERS}",
                self.users
            ))
            .field("--users"));
        }
        if self.messages == 0 || self.messages > MAX_MESSAGES {
            return Err(InputError::new(format!(
                "{} messages: a world holds 1 to {MAX_MESSAGES}",
                self.messages
            ))
            .field("--messages"));
        }
        if !GENERATED_KEY_BITS.contains(&self.key_bits) {
            return Err(
                InputError::new(format!("{}-bit RSA keys are not offered", self.key_bits))
                    .field("--key-bits")
                    .hint("use 2048, 3072 or 4096"),
            );
        }
        let users = self.user_names();
        schemes::design(self.scheme).check(
            &self.params,
            &WorldShape {
                users: &users,
                messages: self.messages,
                session_size: self.session_size,
            },
        )?;
        self.check_snapshots()?;
        if self.session_size == 0 {
            return Err(
                InputError::new("must be at least 1 (1: a fresh key per message)")
                    .field("--session-size"),
            );
        }
        Ok(())
    }

    fn check_snapshots(&self) -> Result<(), InputError> {
        if self.snapshots.is_empty() {
            return Ok(());
        }
        if !schemes::design(self.scheme).takes_snapshots() {
            let modelled: Vec<&str> = schemes::DESIGNS
                .iter()
                .filter(|d| d.takes_snapshots())
                .map(|d| d.id().as_str())
                .collect();
            return Err(InputError::new(format!(
                "device snapshots are modelled for {} worlds, not {}",
                and_list(&modelled),
                self.scheme
            ))
            .field("--snapshot"));
        }
        let users = self.user_names();
        for (i, snapshot) in self.snapshots.iter().enumerate() {
            if !users.contains(&snapshot.user) {
                return Err(InputError::new(format!(
                    "{:?} is not a user of this world",
                    snapshot.user
                ))
                .field("--snapshot")
                .hint(format!(
                    "users are {} ... {}",
                    users[0],
                    users[users.len() - 1]
                )));
            }
            if snapshot.t == 0 || snapshot.t > self.messages {
                return Err(InputError::new(format!(
                    "t={} is outside the world's 1 to {} messages",
                    snapshot.t, self.messages
                ))
                .field("--snapshot"));
            }
            if self.snapshots[..i].contains(snapshot) {
                return Err(InputError::new(format!(
                    "{}@{} is asked for twice",
                    snapshot.user, snapshot.t
                ))
                .field("--snapshot"));
            }
        }
        Ok(())
    }

    /// The users' names: alice, bob, ..., judy, user11, ...
    pub fn user_names(&self) -> Vec<String> {
        (0..self.users).map(user_name).collect()
    }

    /// The parties this world needs RSA keys for: the users, and those its design adds.
    pub fn party_names(&self) -> Vec<(String, Role)> {
        registry::party_names(schemes::design(self.scheme), &self.user_names())
    }
}

/// "a, b and c".
fn and_list(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => (*one).to_owned(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// Generates the parties' keys in parallel. Each key draws from its own labelled stream,
/// so a seeded world gets the same keys whatever the thread schedule.
pub fn generate_parties(
    names: &[(String, Role)],
    bits: usize,
    randomness: &Randomness,
) -> Vec<Party> {
    names
        .par_iter()
        .map(|(name, role)| Party {
            name: name.clone(),
            role: *role,
            key: PrivateKey::generate(&mut randomness.stream(&format!("key/{name}")), bits),
        })
        .collect()
}

/// The users' public keys, as the provider's directory serves them.
pub fn directory(parties: &[Party]) -> Directory {
    let mut directory = Directory::default();
    for party in parties.iter().filter(|p| p.role == Role::User) {
        directory.insert(&party.name, party.key.public_key().clone());
    }
    directory
}

/// Seals a batch of messages in parallel, each from its own random stream. A session's
/// key comes from `sessions`, made once per world, so that all of a session's messages
/// share it whichever batch they fall in.
pub fn seal_batch(
    scheme: &dyn Scheme,
    directory: &Directory,
    messages: &[Message],
    randomness: &Randomness,
    sessions: &SessionKeys,
) -> Vec<Envelope> {
    if let Some(draws) = scheme.device_draws(messages) {
        return messages
            .par_iter()
            .zip(draws)
            .map(|(message, draw)| {
                let mut rng = randomness.stream(&format!("message/{}", message.id));
                schemes::seal_drawn(scheme, directory, message, draw, &mut rng)
            })
            .collect();
    }
    messages
        .par_iter()
        .map(|message| {
            let mut rng = randomness.stream(&format!("message/{}", message.id));
            let (key, carries_key) = match &message.session {
                // Every message of a session derives the same key from the session's
                // stream; only the first carries it wrapped.
                Some(session) => (
                    scheme.new_content_key(&mut sessions.stream(&session.id)),
                    session.first,
                ),
                None => (scheme.new_content_key(&mut rng), true),
            };
            schemes::seal(scheme, directory, message, &key, carries_key, &mut rng)
        })
        .collect()
}
