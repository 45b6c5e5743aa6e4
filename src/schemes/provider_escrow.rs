//! `provider-escrow`: the provider keeps a copy of every device key.
//!
//! Messages are sealed end to end exactly as under `none`. The exceptional access sits
//! elsewhere: every device's private key is also kept in the provider's vault, sealed
//! under the provider's vault key (AES-256-GCM, its key wrapped with RSA-OAEP for
//! `provider.pem`). This is how cloud backups without end-to-end encryption work (Apple's
//! iCloud under standard data protection keeps the keys to most backup categories): the
//! provider answers a warrant from its own copies, without the device, and whoever takes
//! the vault key takes every user's messages. Earlier versions called this design
//! `vendor-escrow` and presented it as Ray Ozzie's CLEAR, which it is not: CLEAR is the
//! `clear` design.

use super::finding::Finding;
use super::keyring::Keyring;
use super::registry::{
    parse_version_1, Built, Design, Inputs, Invited, KeptFile, Loot, Material, OwnMaterial,
    StolenFiles, Theft, Warrant, Warranted, WorldFiles,
};
use super::{NoEscrow, SchemeId, SchemeParams};
use crate::wire::world_file::Role;
use serde::{Deserialize, Serialize};

use crate::crypto::aead::{self, ContentKey};
use crate::crypto::random::RandomStream;
use crate::crypto::rsa_oaep::{PrivateKey, PublicKey};
use crate::error::InputError;
use crate::wire::{b64, unb64};

/// Where the vault's entries are, in a world.
pub const VAULT_DIR: &str = "vault";
/// The log of the vault key's routine uses.
pub const REQUEST_LOG: &str = "vault/requests.jsonl";

/// The provider's vault as loot: its key, and every entry it opens.
#[derive(Debug, Clone)]
pub struct Vault {
    /// The vault key.
    pub key: PrivateKey,
    /// The vault: one sealed device key per user.
    pub entries: Vec<VaultEntry>,
}

impl OwnMaterial for Vault {}

/// One escrowed device key: `vault/NAME.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VaultEntry {
    /// Format version: 1.
    pub v: u64,
    /// Whose device key this is.
    pub device: String,
    /// Fingerprint of the device's public key, so an unsealed key can be checked.
    pub fingerprint: String,
    /// The entry's AES key, wrapped for the provider with RSA-OAEP.
    pub wrapped: String,
    /// AES-256-GCM's nonce, base64.
    pub nonce: String,
    /// The device's PKCS#8 DER private key, sealed with AES-256-GCM.
    pub sealed: String,
}

/// One routine use of the vault key: `vault/requests.jsonl`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VaultRequest {
    /// Logical time of the request.
    pub t: u64,
    /// The device unlocked.
    pub device: String,
    /// Why, as the log records it.
    pub reason: String,
}

fn aad(device: &str) -> Vec<u8> {
    format!("doormat/vault/1\n{device}").into_bytes()
}

/// Seals `device_key` into the vault under `provider`.
pub fn escrow_device(
    device: &str,
    device_key: &PrivateKey,
    provider: &PublicKey,
    rng: &mut RandomStream,
) -> VaultEntry {
    let entry_key = ContentKey::generate(rng);
    let nonce = aead::random_nonce(rng);
    let sealed = aead::seal(&entry_key, &nonce, &aad(device), &device_key.to_pkcs8_der());
    VaultEntry {
        v: 1,
        device: device.to_owned(),
        fingerprint: device_key.fingerprint().to_string(),
        wrapped: b64(&provider.wrap(rng, &entry_key)),
        nonce: b64(&nonce),
        sealed: b64(&sealed),
    }
}

/// Unseals one vault entry with the provider's vault key. The caller adds the file name.
pub fn unseal(entry: &VaultEntry, provider: &PrivateKey) -> Result<PrivateKey, InputError> {
    let refuse = || {
        InputError::new(format!(
            "the vault entry for {} does not open with this vault key",
            entry.device
        ))
        .hint("is the entry damaged, or from another world?")
    };
    let wrapped = unb64("wrapped", &entry.wrapped)?;
    let nonce: [u8; aead::NONCE_LEN] = unb64("nonce", &entry.nonce)?
        .try_into()
        .map_err(|_| InputError::new("must be 12 bytes").field("nonce"))?;
    let sealed = unb64("sealed", &entry.sealed)?;
    let entry_key = provider.unwrap_key(&wrapped).map_err(|_| refuse())?;
    let der = zeroize::Zeroizing::new(
        aead::open(&entry_key, &nonce, &aad(&entry.device), &sealed).map_err(|_| refuse())?,
    );
    let key = PrivateKey::from_pkcs8_der(&der)?;
    if key.fingerprint().as_str() != entry.fingerprint {
        return Err(refuse());
    }
    Ok(key)
}

/// Routine traffic at the vault: one warrant about every `messages / 20` messages,
/// each a use of the vault key. The log is what grows while the key stays the same.
pub fn routine_requests(
    devices: &[String],
    messages: u64,
    rng: &mut RandomStream,
) -> Vec<VaultRequest> {
    use rand::seq::SliceRandom;
    let every = (messages / 20).max(1);
    (1..=messages / every)
        .map(|n| VaultRequest {
            t: n * every,
            device: devices.choose(rng).cloned().unwrap_or_default(),
            reason: format!("warrant {n:04}: device unlock"),
        })
        .collect()
}

/// The provider whose vault keeps a copy of every device key.
pub const PROVIDER_NAME: &str = "provider";

/// The provider-escrow design: sealed as `none`, every device key in the provider's
/// vault.
pub struct ProviderEscrowDesign;

impl Design for ProviderEscrowDesign {
    fn world_entries(&self) -> &'static [(&'static str, bool)] {
        &[(VAULT_DIR, true)]
    }
    fn load_stolen(
        &self,
        world: &dyn WorldFiles,
        _stolen: &StolenFiles,
        keyring: &mut Keyring,
        findings: &mut Vec<Finding>,
    ) -> crate::error::Result<()> {
        for vendor_key in keyring.keys_of_role(Role::Vendor) {
            open_vault(world, &vendor_key, keyring, findings)?;
        }
        Ok(())
    }
    fn open_loot(&self, loot: &[&Loot], keyring: &mut Keyring) -> crate::error::Result<()> {
        for vault in loot.iter().filter_map(|l| l.as_own::<Vault>()) {
            for entry in &vault.entries {
                keyring.add(&entry.device, Role::User, unseal(entry, &vault.key)?);
            }
        }
        Ok(())
    }

    fn materials(&self) -> &'static [Material] {
        &[Material::Vault]
    }

    fn serve_warrant(&self, warrant: &Warrant) -> crate::error::Result<Warranted> {
        let internal = |problem: String| crate::error::Error::Internal(problem);
        let entry = warrant
            .loot
            .iter()
            .filter_map(|l| l.as_own::<Vault>())
            .flat_map(|v| &v.entries)
            .find(|e| e.device == warrant.target)
            .ok_or_else(|| internal(format!("no vault entry for {}", warrant.target)))?;
        let key =
            unseal(entry, &(warrant.key_of)(PROVIDER_NAME)).map_err(|e| internal(e.problem))?;
        Ok(Warranted::VaultOpened { key })
    }

    fn id(&self) -> SchemeId {
        SchemeId::ProviderEscrow
    }
    fn summary(&self) -> &'static str {
        "the provider keeps a copy of every device key"
    }
    fn parties(&self) -> &'static [(&'static str, Role)] {
        &[(PROVIDER_NAME, Role::Vendor)]
    }
    fn authority(&self) -> Option<&'static str> {
        Some(PROVIDER_NAME)
    }
    fn holds(&self, _: &str) -> &'static str {
        "the vault: every device's key"
    }
    fn build(&self, inputs: &Inputs) -> crate::error::Result<Built> {
        let provider = inputs.party(PROVIDER_NAME)?;
        let mut built = Built::sealer(NoEscrow {
            id: SchemeId::ProviderEscrow,
        });
        let mut entries = Vec::new();
        for user in inputs.users {
            let device = inputs.party(user)?;
            let mut rng = inputs.randomness.stream(&format!("vault/{user}"));
            let entry = escrow_device(user, &device.key, provider.key.public_key(), &mut rng);
            built.kept.push(KeptFile::json(
                format!("{VAULT_DIR}/{user}.json"),
                &entry,
                false,
            ));
            entries.push(entry);
        }
        built.loot.push((
            PROVIDER_NAME.to_owned(),
            Loot::own(Vault {
                key: provider.key.clone(),
                entries,
            }),
        ));
        let log: String = routine_requests(
            inputs.users,
            inputs.messages,
            &mut inputs.randomness.stream("vault/log"),
        )
        .iter()
        .map(|r| serde_json::to_string(r).expect("a request serialises") + "\n")
        .collect();
        built.kept.push(KeptFile::text(
            REQUEST_LOG,
            zeroize::Zeroizing::new(log),
            false,
        ));
        Ok(built)
    }
    fn invited(&self, _: &SchemeParams, _: &str, _: u64) -> Vec<Invited> {
        vec![Invited::new(
            "provider vault key",
            vec![Theft::Party(PROVIDER_NAME.to_owned())],
        )]
    }
}

/// `recover` with the vault key: every user's device key, and what the log says the same
/// key had already done.
fn open_vault(
    world: &dyn WorldFiles,
    vendor_key: &PrivateKey,
    keyring: &mut Keyring,
    findings: &mut Vec<Finding>,
) -> crate::error::Result<()> {
    let mut opened = 0;
    for user in world.file().user_names() {
        let relative = format!("{VAULT_DIR}/{user}.json");
        let path = world.root().join(&relative);
        let text = world.read_text(&relative, "a vault entry")?;
        let entry: VaultEntry =
            parse_version_1(&text, &path, "a vault entry", |e: &VaultEntry| e.v)?;
        let key = unseal(&entry, vendor_key).map_err(|e| e.file(&path))?;
        keyring.add(&user, Role::User, key);
        opened += 1;
    }
    findings.push(Finding::VaultOpened {
        device_keys: opened,
        routine_requests: count_lines(world, REQUEST_LOG)?,
        request_log: REQUEST_LOG.to_owned(),
    });
    Ok(())
}

/// The lines of a world's file of any size, in constant memory; `None` if it does not
/// exist.
fn count_lines(world: &dyn WorldFiles, relative: &str) -> crate::error::Result<Option<u64>> {
    use std::io::Read;
    let path = world.root().join(relative);
    let Some(mut file) = world.open_file_if_any(relative, "a log of requests")? else {
        return Ok(None);
    };
    let mut buffer = vec![0u8; 64 << 10];
    let mut lines = 0;
    loop {
        let n = file
            .read(&mut buffer)
            .map_err(|e| crate::error::Error::io(&path, e))?;
        if n == 0 {
            return Ok(Some(lines));
        }
        lines += buffer[..n].iter().filter(|&&b| b == b'\n').count() as u64;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::random::Randomness;
    use crate::crypto::rsa_oaep::tests::test_keys;

    #[test]
    fn the_provider_key_unseals_and_no_other_does() {
        let [device, provider] = test_keys();
        let mut rng = Randomness::Seeded(1).stream("v");
        let entry = escrow_device("alice", device, provider.public_key(), &mut rng);
        assert_eq!(
            unseal(&entry, provider).unwrap().fingerprint(),
            device.fingerprint()
        );
        assert!(unseal(&entry, device).is_err());
        let mut renamed = entry.clone();
        renamed.device = "bob".into();
        assert!(
            unseal(&renamed, provider).is_err(),
            "the device name is bound in"
        );
    }
}
