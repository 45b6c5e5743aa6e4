//! Turning what was stolen (key files, agents' shares, a vendor's vault key, Clipper's
//! family and unit keys) into a keyring. Each design's exceptional access ends here as
//! ordinary keys: the opening logic that follows is the same for every scheme.

use std::path::{Path, PathBuf};

use std::sync::Arc;

use crate::crypto::ed25519::IdentityKey;
use crate::crypto::rsa_oaep::PrivateKey;
use crate::error::{Error, InputError, Result};
use crate::fsutil::read_small_text;
use crate::schemes::clear::{self, PhoneImage};
use crate::schemes::clipper::{self, FamilyKeyFile, UnitHalvesFile};
use crate::schemes::forward_secret::snapshot::{self, Snapshot, Stolen as SnapshotContents};
use crate::schemes::keyring::Keyring;
use crate::schemes::provider_escrow::{self, VaultEntry};
use crate::schemes::registry::Material;
use crate::schemes::registry::{Design, Loot};
use crate::schemes::split_key::{self, CombineError, ShareFile};
use crate::wire::world_file::Role;
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
    /// One line per step that turned exceptional access into keys.
    pub notes: Vec<String>,
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
        notes: Vec::new(),
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
        compromise.notes.push(format!(
            "{}'s identity key: it signs prekeys and enters X3DH, but every message key also depends on ephemeral and ratchet keys it never saw, so it opens nothing by itself",
            party.name
        ));
        compromise
            .keyring
            .add_identity(&party.name, key.fingerprint().clone());
    }
    for path in stolen.states {
        let snapshot = load_snapshot(world, path)?;
        compromise.notes.push(match &snapshot.stolen {
            SnapshotContents::Rsa(_) => format!(
                "{}'s device, copied just after t={}: its RSA private key opens every message {} ever sent or received, before and after",
                snapshot.user, snapshot.t, snapshot.user
            ),
            SnapshotContents::Device(device) => format!(
                "{}'s device, copied just after t={}: identity key, {} unused one-time prekeys, {} ratchet sessions, {} skipped message keys",
                snapshot.user,
                snapshot.t,
                device.one_time_prekeys.len(),
                device.sessions.len(),
                device.sessions.values().map(|s| s.ratchet.skipped.len()).sum::<usize>()
            ),
        });
        snapshot.give_to(&mut compromise.keyring);
    }
    let mut split_shares = Vec::new();
    let mut halves = Vec::new();
    for path in stolen.shares {
        let text = read_small_text(path, "an escrow agent's file")?;
        // The world says which kind of agent file it has; each is parsed by its own type.
        if has(world, Material::LeafHalves) {
            halves.push(UnitHalvesFile::parse(&text).map_err(|e| e.file(path))?);
        } else {
            split_shares.push((
                path.clone(),
                ShareFile::parse(&text).map_err(|e| e.file(path))?,
            ));
        }
    }
    if !split_shares.is_empty() {
        combine_shares(world, split_shares, &mut compromise)?;
    }
    if stolen.family_key.is_some() || !halves.is_empty() || stolen.device.is_some() {
        release_unit_keys(world, stolen, &halves, &mut compromise)?;
    }
    let vault_keys: Vec<_> = compromise
        .keyring
        .holdings()
        .iter()
        .filter(|h| h.role == Role::Vendor)
        .map(|h| h.key.clone())
        .collect();
    if has(world, Material::Vault) {
        for key in &vault_keys {
            open_vault(world, key, &mut compromise)?;
        }
    }
    if has(world, Material::Phones) {
        unlock_phones(world, stolen.phones, &vault_keys, &mut compromise)?;
    } else if !stolen.phones.is_empty() {
        return Err(InputError::new(format!(
            "this is a {} world: its phones keep no passcode for anyone",
            world.file.scheme
        ))
        .field("--phone")
        .hint("--phone takes the phones/NAME.json files of a clear world")
        .into());
    }
    Ok(compromise)
}

/// Whether `world`'s design has stolen material of this kind to take.
fn has(world: &WorldDir, material: Material) -> bool {
    crate::schemes::design(world.file.scheme)
        .materials()
        .contains(&material)
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

fn combine_shares(
    world: &WorldDir,
    shares: Vec<(PathBuf, ShareFile)>,
    compromise: &mut Compromise,
) -> Result<()> {
    let escrow = world
        .file
        .parties
        .iter()
        .find(|p| p.role == Role::Escrow)
        .filter(|_| has(world, Material::Shares))
        .ok_or_else(|| {
            InputError::new(format!(
                "this is a {} world: it has no split escrow key",
                world.file.scheme
            ))
            .field("--share")
            .hint("--share takes the keys/agent-I.share files of a split-key world")
        })?;
    for (path, share) in &shares {
        if share.escrow_fingerprint != escrow.fingerprint {
            return Err(InputError::new("is a share of another world's escrow key")
                .file(path)
                .hint(format!(
                    "use the keys/agent-I.share files of {}",
                    world.root.display()
                ))
                .into());
        }
    }
    let shares: Vec<ShareFile> = shares.into_iter().map(|(_, share)| share).collect();
    let key = split_key::combine(&shares, &escrow.fingerprint).map_err(|e| match e {
        CombineError::TooFew { have, need } => {
            let missing = need as usize - have;
            InputError::new(format!(
                "{have} share{} given, but the key was split so that {need} are needed; fewer than {need} reveal nothing about it",
                if have == 1 { "" } else { "s" }
            ))
            .field("--share")
            .hint(format!("add --share for {missing} more agent{}", if missing == 1 { "" } else { "s" }))
        }
        CombineError::Duplicate(agent) => InputError::new(format!("agent {agent}'s share is given twice")).field("--share"),
        CombineError::Mixed => InputError::new("the shares come from different splits").field("--share"),
        CombineError::Corrupt => InputError::new("the shares do not combine into the escrow key: one is damaged")
            .field("--share")
            .hint("use untouched keys/agent-I.share files"),
    })?;
    compromise.notes.push(format!(
        "{} agents' shares combined into the whole escrow key ({}): the place that combines them for a warrant holds the golden key",
        shares.len(),
        key.fingerprint().short(16)
    ));
    compromise.keyring.add(&escrow.name, Role::Escrow, key);
    Ok(())
}

fn release_unit_keys(
    world: &WorldDir,
    stolen: Stolen,
    halves: &[UnitHalvesFile],
    compromise: &mut Compromise,
) -> Result<()> {
    if !has(world, Material::LeafHalves) {
        return Err(InputError::new(format!(
            "this is a {} world: it has no LEAFs",
            world.file.scheme
        ))
        .field("--family-key")
        .hint("--family-key, --device and unit-key halves apply to clipper worlds")
        .into());
    }
    let path = stolen.family_key.ok_or_else(|| {
        InputError::new("reading a LEAF starts with the family key")
            .field("--family-key")
            .hint(format!(
                "add --family-key {}/{}",
                world.root.display(),
                clipper::FAMILY_KEY_FILE
            ))
    })?;
    let family = load_family_key(world, path)?;
    if halves.is_empty() {
        compromise.notes.push(
            "family key alone: every LEAF names its device, but no content opens (see doormat attack leaf-metadata)".to_owned(),
        );
        return Ok(());
    }
    let units = clipper::combine_halves(halves, &family, stolen.device)?;
    let devices: Vec<String> = units.iter().map(|u| u.device.clone()).collect();
    compromise.notes.push(format!(
        "both agents released their halves for {}: the combined unit key{} open{} every message {} sent, before and after any warrant, for good",
        devices.join(", "),
        if devices.len() == 1 { "" } else { "s" },
        if devices.len() == 1 { "s" } else { "" },
        if devices.len() == 1 { "that device" } else { "those devices" },
    ));
    compromise
        .keyring
        .add_capability(Arc::new(clipper::LeafAccess::new(family, units)));
    Ok(())
}

/// Loads a family key and checks that it is this world's: a LEAF is unauthenticated, so
/// another family's key would read every LEAF as noise without complaint.
pub fn load_family_key(world: &WorldDir, path: &Path) -> Result<crate::schemes::clipper::Secret32> {
    let family =
        FamilyKeyFile::parse(&read_small_text(path, "a family key")?).map_err(|e| e.file(path))?;
    if !has(world, Material::LeafHalves) {
        return Err(InputError::new(format!(
            "is a Clipper family key, and {} is a {} world: it has no LEAFs to read",
            world.root.display(),
            world.file.scheme
        ))
        .field("--family-key")
        .hint("the family key reads clipper worlds: doormat simulate --scheme clipper")
        .into());
    }
    if world.file.parameters.family_id.as_deref() != Some(family.id().as_str()) {
        return Err(
            InputError::new("is the family key of another clipper world")
                .file(path)
                .hint(format!(
                    "use {}/{}",
                    world.root.display(),
                    clipper::FAMILY_KEY_FILE
                ))
                .into(),
        );
    }
    Ok(family)
}

fn open_vault(
    world: &WorldDir,
    vendor_key: &crate::crypto::rsa_oaep::PrivateKey,
    compromise: &mut Compromise,
) -> Result<()> {
    let mut opened = 0;
    for user in world.file.user_names() {
        let relative = format!("{}/{user}.json", provider_escrow::VAULT_DIR);
        let path = world.root.join(&relative);
        let text = world.read_text(&relative, "a vault entry")?;
        let entry: VaultEntry =
            parse_version_1(&text, &path, "a vault entry", |e: &VaultEntry| e.v)?;
        let key = provider_escrow::unseal(&entry, vendor_key).map_err(|e| e.file(&path))?;
        compromise.keyring.add(&user, Role::User, key);
        opened += 1;
    }
    let served = match count_lines(world, provider_escrow::REQUEST_LOG)? {
        Some(requests) => format!(
            "the same vault key had already served {requests} routine requests ({})",
            provider_escrow::REQUEST_LOG
        ),
        None => format!(
            "its request log ({}) is missing",
            provider_escrow::REQUEST_LOG
        ),
    };
    compromise.notes.push(format!(
        "provider vault opened: {opened} device keys; {served}"
    ));
    Ok(())
}

/// CLEAR: each phone in hand, opened with the vault key if the attacker holds it.
fn unlock_phones(
    world: &WorldDir,
    paths: &[PathBuf],
    vault_keys: &[crate::crypto::rsa_oaep::PrivateKey],
    compromise: &mut Compromise,
) -> Result<()> {
    if paths.is_empty() && !vault_keys.is_empty() {
        compromise.notes.push(format!(
            "the vault key alone opens nothing that was recorded: CLEAR covers data stored on phones, and every phone that falls into your hands opens (add --phone {}/NAME.json)",
            clear::PHONES_DIR
        ));
    }
    for path in paths {
        let phone = load_phone(world, path)?;
        if vault_keys.is_empty() {
            compromise.notes.push(format!(
                "{}'s phone: locked; its passcode blob opens only with the vendor's vault key",
                phone.device
            ));
            continue;
        }
        let mut unlocked = None;
        for vault_key in vault_keys {
            match clear::unlock(&phone, vault_key) {
                Ok(key) => unlocked = Some(key),
                Err(clear::Locked::Damaged(e)) => return Err(e.file(path).into()),
                Err(clear::Locked::Bricked) => {
                    return Err(InputError::new(format!(
                        "{}'s phone is bricked: a recovery unlock has been done on it, and it never unlocks again",
                        phone.device
                    ))
                    .file(path)
                    .field("bricked")
                    .into())
                }
                Err(clear::Locked::NotTheVaultKey) => {}
            }
        }
        let Some(key) = unlocked else {
            return Err(InputError::new(format!(
                "{}'s passcode blob does not open with the vendor key given",
                phone.device
            ))
            .file(path)
            .field("clear_blob")
            .hint("is the phone from another world? use its own keys/vendor.pem")
            .into());
        };
        compromise.notes.push(format!(
            "{}'s phone: the vault key decrypts its blob to the passcode, the passcode unseals its storage, and its key opens its whole stored history; a real phone would now be bricked, which stops no thief",
            phone.device
        ));
        compromise.keyring.add(&phone.device, Role::User, key);
    }
    Ok(())
}

/// A JSON file of format version 1: anything else is refused, naming the file.
fn parse_version_1<T: serde::de::DeserializeOwned>(
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

/// Loads a phone image and checks that it belongs to this world.
fn load_phone(world: &WorldDir, path: &Path) -> Result<PhoneImage> {
    let text = read_small_text(path, "a phone")?;
    let phone: PhoneImage = parse_version_1(&text, path, "a phone image", |p: &PhoneImage| p.v)?;
    let listed = world.file.parties.iter().find(|p| p.name == phone.device);
    if listed.map(|p| p.fingerprint.as_str()) != Some(phone.fingerprint.as_str()) {
        return Err(InputError::new(format!(
            "is a phone from another world: {}'s key in it is not the one {}/world.json lists",
            phone.device,
            world.root.display()
        ))
        .file(path)
        .field("fingerprint")
        .hint(format!(
            "use a {}/NAME.json file from the same world",
            clear::PHONES_DIR
        ))
        .into());
    }
    Ok(phone)
}

/// The lines of a world's file of any size, in constant memory; `None` if it does not
/// exist.
fn count_lines(world: &WorldDir, relative: &str) -> Result<Option<u64>> {
    use std::io::Read;
    let path = world.root.join(relative);
    let Some(mut file) = world.open_file_if_any(relative, "a log of requests")? else {
        return Ok(None);
    };
    let mut buffer = vec![0u8; 64 << 10];
    let mut lines = 0;
    loop {
        let n = file.read(&mut buffer).map_err(|e| Error::io(&path, e))?;
        if n == 0 {
            return Ok(Some(lines));
        }
        lines += buffer[..n].iter().filter(|&&b| b == b'\n').count() as u64;
    }
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
