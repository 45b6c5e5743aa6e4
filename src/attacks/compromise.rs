//! Turning what was stolen (key files, agents' shares, a vendor's vault key, Clipper's
//! family and unit keys) into a keyring. Each design's exceptional access ends here as
//! ordinary keys: the opening logic that follows is the same for every scheme.

use std::path::{Path, PathBuf};

use crate::crypto::ed25519::IdentityKey;
use crate::crypto::rsa_oaep::PrivateKey;
use crate::error::{InputError, Result};
use crate::fsutil::read_small_text;
use crate::schemes::finding::Finding;
use crate::schemes::keyring::Keyring;
use crate::schemes::registry::Material;
use crate::schemes::registry::{Design, Loot, StolenFiles};
use crate::schemes::snapshot::{self, Snapshot};
use crate::world::disk::WorldDir;

/// What the attacker (or the authority) was handed.
#[derive(Debug, Clone, Copy, Default)]
pub struct Stolen<'a> {
    /// PEM private keys.
    pub keys: &'a [PathBuf],
    /// Escrow agents' files: split-key shares, or Clipper's unit-key halves.
    pub shares: &'a [PathBuf],
    /// Clipper's family key.
    pub family_key: Option<&'a Path>,
    /// Clipper: the one device a warrant names (its unit key only).
    pub device: Option<&'a str>,
    /// Device snapshots (`snapshots/NAME@T.json`).
    pub states: &'a [PathBuf],
    /// CLEAR phones in the attacker's hands, locked (`phones/NAME.json`).
    pub phones: &'a [PathBuf],
}

impl Stolen<'_> {
    /// Every file named: a command's inputs, which no output may replace.
    pub fn files(&self) -> impl Iterator<Item = &Path> {
        self.keys
            .iter()
            .chain(self.shares)
            .chain(self.states)
            .chain(self.phones)
            .map(PathBuf::as_path)
            .chain(self.family_key)
    }
}

/// A keyring, and what it took to build it, for the report.
#[derive(Debug, Clone, Default)]
pub struct Compromise {
    /// The keys the compromise became.
    pub keyring: Keyring,
    /// Each step that turned exceptional access, or a theft, into keys.
    pub findings: Vec<Finding>,
}

/// Loads what was stolen and follows it to every key it reaches.
pub fn assemble(world: &WorldDir, stolen: Stolen) -> Result<Compromise> {
    let mut keys = Vec::new();
    let mut identities = Vec::new();
    for path in stolen.keys {
        let text = read_small_text(path, "a private key in PEM")?;
        if IdentityKey::is_ed25519_pem(&text) {
            let key = IdentityKey::from_pem(&text).map_err(|e| e.file(path))?;
            identities.push((path.clone(), key));
        } else {
            keys.push((
                path.clone(),
                PrivateKey::from_pem(&text).map_err(|e| e.file(path))?,
            ));
        }
    }
    let mut compromise = Compromise {
        keyring: Keyring::from_key_files(&world.file, keys)?,
        findings: Vec::new(),
    };
    for (path, key) in identities {
        let party = world
            .file
            .party_by_fingerprint(key.fingerprint())
            .ok_or_else(|| {
                InputError::new(format!(
                    "this key ({}) belongs to no party of the world",
                    key.fingerprint()
                ))
                .file(&path)
                .hint("is it from another world? world.json lists each party's fingerprint")
            })?;
        compromise.findings.push(Finding::IdentityKeyAlone {
            party: party.name.clone(),
        });
        compromise
            .keyring
            .add_identity(&party.name, key.fingerprint().clone());
    }
    for path in stolen.states {
        let snapshot = load_snapshot(world, path)?;
        let (user, t) = (snapshot.user.clone(), snapshot.t);
        compromise.findings.push(match snapshot.device_state() {
            None => Finding::DeviceKeyCopied { user, t },
            Some(state) => Finding::DeviceStateCopied {
                user,
                t,
                unused_prekeys: state.unused_prekeys,
                sessions: state.peers.len(),
                skipped_keys: state.skipped_keys,
                sender_chains: state.sender_chains,
            },
        });
        snapshot.give_to(&mut compromise.keyring);
    }
    let design = crate::schemes::design(world.file.scheme);
    refuse_untaken(world, &stolen, design.materials())?;
    let files = StolenFiles {
        shares: stolen.shares,
        family_key: stolen.family_key,
        device: stolen.device,
        phones: stolen.phones,
    };
    design.load_stolen(
        world,
        &files,
        &mut compromise.keyring,
        &mut compromise.findings,
    )?;
    Ok(compromise)
}

/// Refuses files of a material `world`'s design does not have, naming the flag, before
/// any is read: whatever such a file holds, this world has nothing it opens.
fn refuse_untaken(world: &WorldDir, stolen: &Stolen, materials: &[Material]) -> Result<()> {
    let scheme = world.file.scheme;
    let has = |m: Material| materials.contains(&m);
    if !stolen.shares.is_empty() && !has(Material::Shares) && !has(Material::LeafHalves) {
        return Err(InputError::new(format!(
            "this is a {scheme} world: it has no split escrow key"
        ))
        .field("--share")
        .hint("--share takes the keys/agent-I.share files of a split-key world")
        .into());
    }
    if (stolen.family_key.is_some() || stolen.device.is_some()) && !has(Material::LeafHalves) {
        return Err(
            InputError::new(format!("this is a {scheme} world: it has no LEAFs"))
                .field("--family-key")
                .hint("--family-key, --device and unit-key halves apply to clipper worlds")
                .into(),
        );
    }
    if !stolen.phones.is_empty() && !has(Material::Phones) {
        return Err(InputError::new(format!(
            "this is a {scheme} world: its phones keep no passcode for anyone"
        ))
        .field("--phone")
        .hint("--phone takes the phones/NAME.json files of a clear world")
        .into());
    }
    Ok(())
}

/// Loads a device snapshot and checks that it belongs to this world: its scheme, its
/// user, and the identity key that world.json lists for that user.
pub fn load_snapshot(world: &WorldDir, path: &Path) -> Result<Snapshot> {
    let text = zeroize::Zeroizing::new(read_small_text(path, "a device snapshot")?);
    let snapshot = snapshot::parse(&text).map_err(|e| e.file(path))?;
    if snapshot.scheme != world.file.scheme {
        return Err(InputError::new(format!(
            "is a snapshot from a {} world, but {} is a {} world",
            snapshot.scheme,
            world.root.display(),
            world.file.scheme
        ))
        .file(path)
        .field("scheme")
        .hint("use a snapshots/NAME@T.json file from the same world")
        .into());
    }
    let listed = world.file.parties.iter().find(|p| p.name == snapshot.user);
    if listed.map(|p| p.fingerprint.as_str()) != Some(snapshot.fingerprint.as_str()) {
        return Err(InputError::new(format!(
            "is a snapshot from another world: {}'s identity key in it is not the one {}/world.json lists",
            snapshot.user,
            world.root.display()
        ))
        .file(path)
        .field("identity_fingerprint")
        .hint("use a snapshots/NAME@T.json file from the same world")
        .into());
    }
    if snapshot.t == 0 || snapshot.t > world.file.parameters.messages {
        return Err(InputError::new(format!(
            "t={} is outside the world's 1 to {} messages",
            snapshot.t, world.file.parameters.messages
        ))
        .file(path)
        .field("t")
        .into());
    }
    Ok(snapshot)
}

/// The keyring that `loot` of `design`'s world hands a thief: its private keys, and its
/// design's own material followed to every key it reaches ([`Design::open_loot`]).
pub fn keyring_from_loot<'a>(
    design: &dyn Design,
    loot: impl IntoIterator<Item = &'a Loot>,
) -> Result<Keyring> {
    let mut keyring = Keyring::new();
    let mut own = Vec::new();
    for item in loot {
        match item {
            Loot::Key { holder, role, key } => keyring.add(holder, *role, key.clone()),
            Loot::Own(_) => own.push(item),
        }
    }
    design.open_loot(&own, &mut keyring)?;
    Ok(keyring)
}
