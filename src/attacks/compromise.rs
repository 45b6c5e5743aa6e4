//! Turning what was stolen (key files, agents' shares, a vendor's vault key) into a
//! keyring. Each design's exceptional access ends here as ordinary private keys: the
//! opening logic that follows is the same for every scheme.

use std::path::PathBuf;

use super::keyring::Keyring;
use crate::error::{InputError, Result};
use crate::fsutil::read_small_text;
use crate::schemes::split_key::{self, CombineError, ShareFile};
use crate::schemes::vendor::{self, VaultEntry};
use crate::wire::world_file::Role;
use crate::world::disk::{load_private_key, WorldDir};

/// A keyring, and what it took to build it, for the report.
#[derive(Debug, Clone, Default)]
pub struct Compromise {
    pub keyring: Keyring,
    /// One line per step that turned exceptional access into keys.
    pub notes: Vec<String>,
}

/// Loads key files and share files and follows them to every key they reach.
pub fn assemble(
    world: &WorldDir,
    key_files: &[PathBuf],
    share_files: &[PathBuf],
) -> Result<Compromise> {
    let mut keys = Vec::new();
    for path in key_files {
        keys.push((path.clone(), load_private_key(path)?));
    }
    let mut compromise = Compromise {
        keyring: Keyring::from_key_files(&world.file, keys)?,
        notes: Vec::new(),
    };
    if !share_files.is_empty() {
        combine_shares(world, share_files, &mut compromise)?;
    }
    let vendors: Vec<_> = compromise
        .keyring
        .holdings()
        .iter()
        .filter(|h| h.role == Role::Vendor)
        .map(|h| h.key.clone())
        .collect();
    for vendor_key in vendors {
        open_vault(world, &vendor_key, &mut compromise)?;
    }
    Ok(compromise)
}

fn combine_shares(
    world: &WorldDir,
    share_files: &[PathBuf],
    compromise: &mut Compromise,
) -> Result<()> {
    let escrow = world
        .file
        .parties
        .iter()
        .find(|p| p.role == Role::Escrow)
        .filter(|_| world.file.scheme == "split-key")
        .ok_or_else(|| {
            InputError::new(format!(
                "this is a {} world: it has no split escrow key",
                world.file.scheme
            ))
            .field("--share")
            .hint("--share takes the keys/agent-I.share files of a split-key world")
        })?;
    let mut shares = Vec::new();
    for path in share_files {
        let share = ShareFile::parse(&read_small_text(path, "an agent's share")?)
            .map_err(|e| e.file(path))?;
        if share.escrow_fingerprint != escrow.fingerprint {
            return Err(InputError::new("is a share of another world's escrow key")
                .file(path)
                .hint(format!(
                    "use the keys/agent-I.share files of {}",
                    world.root.display()
                ))
                .into());
        }
        shares.push(share);
    }
    let key = split_key::combine(&shares, &escrow.fingerprint).map_err(|e| match e {
        CombineError::TooFew { have, need } => InputError::new(format!(
            "{have} share{} given, but the key was split so that {need} are needed; fewer than {need} reveal nothing about it",
            if have == 1 { "" } else { "s" }
        ))
        .field("--share")
        .hint(format!("add --share for {} more agent{}", need as usize - have, if need as usize - have == 1 { "" } else { "s" })),
        CombineError::Duplicate(agent) => {
            InputError::new(format!("agent {agent}'s share is given twice")).field("--share")
        }
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

fn open_vault(
    world: &WorldDir,
    vendor_key: &crate::crypto::rsa_oaep::PrivateKey,
    compromise: &mut Compromise,
) -> Result<()> {
    let mut opened = 0;
    for user in world.file.user_names() {
        let path = world
            .root
            .join(vendor::VAULT_DIR)
            .join(format!("{user}.json"));
        let text = read_small_text(&path, "a vault entry")?;
        let entry: VaultEntry = serde_json::from_str(&text)
            .map_err(|e| InputError::new(format!("not a vault entry ({e})")).file(&path))?;
        let key = vendor::unseal(&entry, vendor_key).map_err(|e| e.file(&path))?;
        compromise.keyring.add(&user, Role::User, key);
        opened += 1;
    }
    let log = world.root.join(vendor::REQUEST_LOG);
    let requests = std::fs::read_to_string(&log)
        .map(|t| t.lines().count())
        .unwrap_or(0);
    compromise.notes.push(format!(
        "vendor vault opened: {opened} device keys; the same vault key had already served {requests} routine requests ({})",
        vendor::REQUEST_LOG
    ));
    Ok(())
}
