//! `clear`: Ray Ozzie's CLEAR proposal (Wired, 25 April 2018), as he proposed it.
//!
//! CLEAR is about data stored on a phone, not messages in transit: messages are sealed
//! end to end exactly as under `none`, and the recording of the network opens for no
//! one. What CLEAR adds sits on each phone:
//!
//! - each phone encrypts its own passcode under the vendor's public key and keeps that
//!   blob (here `clear_blob`, RSA-OAEP for `vendor.pem`) on the phone;
//! - the phone's storage (its private key, and with it the message history it keeps) is
//!   sealed under a key derived from the passcode;
//! - the vendor keeps the private key in a vault. An agency with a warrant and the phone
//!   in hand puts the phone into a recovery mode, reads the blob, and sends it to the
//!   vendor, who decrypts it and returns the passcode. The phone then bricks itself
//!   for good, so that an unlock cannot be done secretly.
//!
//! A real phone entangles a short passcode with a key in its hardware and limits the
//! guesses; doormat stands for both with a random 256-bit passcode, so that the blob is
//! the only way in. The criticism (docs/references.md: Green 2018, Bellovin et al. 2018,
//! the EFF on signing keys): the vault key is used for every unlock request worldwide,
//! so it is far more exposed than a code-signing key, and once it is stolen every phone
//! that anyone seizes, steals or inspects at a border opens. The bricking protects no
//! one from a thief, who has the phone anyway.

use serde::{Deserialize, Serialize};

use std::sync::Arc;

use super::finding::Finding;
use super::keyring::Keyring;
use super::registry::{
    parse_version_1, Built, Design, Inputs, Invited, KeptFile, Loot, Material, OwnMaterial,
    StolenFiles, Theft, Warrant, Warranted, WorldFiles,
};
use super::{NoEscrow, SchemeId, SchemeParams};
use crate::crypto::aead::{self, ContentKey};
use crate::crypto::kdf::hkdf_sha256;
use crate::crypto::random::RandomStream;
use crate::crypto::rsa_oaep::{PrivateKey, PublicKey};
use crate::error::InputError;
use crate::fsutil::read_small_text;
use crate::wire::world_file::Role;
use crate::wire::{b64, unb64};
use std::path::Path;

/// The vendor, whose vault holds the key that opens every phone's blob.
pub const VENDOR_NAME: &str = "vendor";
/// Where the phones are, in a world: `phones/NAME.json`.
pub const PHONES_DIR: &str = "phones";
/// The log of the vault key's routine uses.
pub const REQUEST_LOG: &str = "vault/requests.jsonl";

/// A locked phone in someone's hands, as loot: with the vendor's vault key its blob
/// gives up the passcode, and the passcode the phone's key and stored history.
#[derive(Debug, Clone)]
pub struct SeizedPhone {
    /// Everything on the phone, its storage sealed.
    pub image: PhoneImage,
    /// Seized just after this logical time: its history ends there. `None`: the phone
    /// as the world left it, its whole history.
    pub seized_after: Option<u64>,
}

impl OwnMaterial for SeizedPhone {
    fn seized_at(&self, t: u64) -> Option<Arc<dyn OwnMaterial>> {
        Some(Arc::new(SeizedPhone {
            image: self.image.clone(),
            seized_after: Some(t),
        }))
    }
}

/// What an attacker or an agency holding a phone holds: everything on it, its storage
/// still sealed under the passcode. `phones/NAME.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhoneImage {
    /// Format version: 1.
    pub v: u64,
    /// Whose phone this is.
    pub device: String,
    /// Fingerprint of the phone's public key, as world.json lists it.
    pub fingerprint: String,
    /// The passcode, encrypted by the phone under the vendor's public key (RSA-OAEP,
    /// SHA-256), base64.
    pub clear_blob: String,
    /// AES-256-GCM's nonce for the storage, base64.
    pub nonce: String,
    /// The phone's storage: its PKCS#8 DER private key, which opens the message history
    /// it keeps, sealed with AES-256-GCM under HKDF-SHA256(passcode), base64.
    pub storage: String,
    /// Whether a recovery unlock has bricked it: it will never unlock again.
    pub bricked: bool,
}

fn aad(device: &str) -> Vec<u8> {
    format!("doormat/clear/1\n{device}").into_bytes()
}

fn storage_key(passcode: &ContentKey, device: &str) -> ContentKey {
    let key = hkdf_sha256::<32>(&[], passcode.expose_secret(), &aad(device));
    ContentKey::from_slice(&key[..]).expect("32 bytes")
}

/// Sets up `device`'s phone as CLEAR would: a random passcode, encrypted for the vendor
/// into the blob, and the storage sealed under it.
pub fn provision(
    device: &str,
    device_key: &PrivateKey,
    vendor: &PublicKey,
    rng: &mut RandomStream,
) -> PhoneImage {
    let passcode = ContentKey::generate(rng);
    let nonce = aead::random_nonce(rng);
    let storage = aead::seal(
        &storage_key(&passcode, device),
        &nonce,
        &aad(device),
        &device_key.to_pkcs8_der(),
    );
    PhoneImage {
        v: 1,
        device: device.to_owned(),
        fingerprint: device_key.fingerprint().to_string(),
        clear_blob: b64(&vendor.wrap(rng, &passcode)),
        nonce: b64(&nonce),
        storage: b64(&storage),
        bricked: false,
    }
}

/// Why a phone did not unlock.
#[derive(Debug)]
pub enum Locked {
    /// The blob does not open with this key: it is not the vendor's vault key.
    NotTheVaultKey,
    /// A recovery unlock has already bricked it.
    Bricked,
    /// The file is damaged: a field, and what is wrong with it.
    Damaged(InputError),
}

/// The recovery unlock: the vault key decrypts the blob, the passcode it holds unseals
/// the storage, and the storage hands over the phone's key. The caller bricks the phone.
pub fn unlock(phone: &PhoneImage, vault_key: &PrivateKey) -> Result<PrivateKey, Locked> {
    if phone.bricked {
        return Err(Locked::Bricked);
    }
    let damaged = |field: &str, problem: &str| {
        Locked::Damaged(
            InputError::new(format!("{}'s phone: {problem}", phone.device))
                .field(field)
                .hint("is the file damaged, or from another world?"),
        )
    };
    let blob = unb64("clear_blob", &phone.clear_blob).map_err(Locked::Damaged)?;
    let nonce: [u8; aead::NONCE_LEN] = unb64("nonce", &phone.nonce)
        .map_err(Locked::Damaged)?
        .try_into()
        .map_err(|_| damaged("nonce", "must be 12 bytes"))?;
    let storage = unb64("storage", &phone.storage).map_err(Locked::Damaged)?;
    let passcode = vault_key
        .unwrap_key(&blob)
        .map_err(|_| Locked::NotTheVaultKey)?;
    let der = zeroize::Zeroizing::new(
        aead::open(
            &storage_key(&passcode, &phone.device),
            &nonce,
            &aad(&phone.device),
            &storage,
        )
        .map_err(|_| damaged("storage", "the passcode does not unseal the storage"))?,
    );
    let key = PrivateKey::from_pkcs8_der(&der).map_err(Locked::Damaged)?;
    if key.fingerprint().as_str() != phone.fingerprint {
        return Err(damaged(
            "fingerprint",
            "the key in the storage is not the one the phone names",
        ));
    }
    Ok(key)
}

/// The vault key's routine work outside this world: one unlock request about every
/// `messages / 20` messages, each a phone that some agency holds, each bricked.
fn routine_requests(messages: u64, rng: &mut RandomStream) -> String {
    use rand::Rng;
    let every = (messages / 20).max(1);
    (1..=messages / every)
        .map(|n| {
            let line = serde_json::json!({
                "t": n * every,
                "device": format!("serial-{:08X}", rng.gen::<u32>()),
                "reason": format!("unlock request {n:04}: phone in hand, passcode returned, phone bricked"),
            });
            line.to_string() + "\n"
        })
        .collect()
}

/// The CLEAR design: sealed as `none`; each phone keeps its passcode under the vendor's
/// key, and the vendor's vault key opens every phone that is in someone's hands.
pub struct ClearDesign;

impl Design for ClearDesign {
    fn world_entries(&self) -> &'static [(&'static str, bool)] {
        &[(PHONES_DIR, true)]
    }
    fn phone_file(&self, user: &str) -> Option<String> {
        Some(format!("{PHONES_DIR}/{user}.json"))
    }
    fn load_stolen(
        &self,
        world: &dyn WorldFiles,
        stolen: &StolenFiles,
        keyring: &mut Keyring,
        findings: &mut Vec<Finding>,
    ) -> crate::error::Result<()> {
        unlock_phones(world, stolen.phones, keyring, findings)
    }
    fn exercises(&self) -> &'static [&'static str] {
        &["locked-phone"]
    }
    fn open_loot(&self, loot: &[&Loot], keyring: &mut Keyring) -> crate::error::Result<()> {
        let vault_keys = keyring.keys_of_role(Role::Vendor);
        // A locked phone opens only with the vault key; without it, it adds nothing.
        for phone in loot.iter().filter_map(|l| l.as_own::<SeizedPhone>()) {
            if let Some(t) = phone.seized_after {
                keyring.note_taken_device(&phone.image.device, t);
            }
            for vault_key in &vault_keys {
                if let Ok(key) = unlock(&phone.image, vault_key) {
                    keyring.add_until(&phone.image.device, Role::User, key, phone.seized_after);
                }
            }
        }
        Ok(())
    }

    fn materials(&self) -> &'static [Material] {
        &[Material::Phones]
    }

    fn serve_warrant(&self, warrant: &Warrant) -> crate::error::Result<Warranted> {
        let internal = |problem: String| crate::error::Error::Internal(problem);
        let phone = warrant
            .loot
            .iter()
            .filter_map(|l| l.as_own::<SeizedPhone>())
            .find(|p| p.image.device == warrant.target)
            .ok_or_else(|| internal(format!("no phone for {}", warrant.target)))?;
        if warrant.device_spent {
            return Ok(Warranted::PhoneSpent);
        }
        let key = unlock(&phone.image, &(warrant.key_of)(VENDOR_NAME))
            .map_err(|e| internal(format!("{e:?}")))?;
        Ok(Warranted::PhoneUnlocked { key })
    }

    fn id(&self) -> SchemeId {
        SchemeId::Clear
    }
    fn summary(&self) -> &'static str {
        "Ozzie's CLEAR: each passcode kept for the vendor"
    }
    fn parties(&self) -> &'static [(&'static str, Role)] {
        &[(VENDOR_NAME, Role::Vendor)]
    }
    fn authority(&self) -> Option<&'static str> {
        Some(VENDOR_NAME)
    }
    fn holds(&self, _: &str) -> &'static str {
        "the vault key: opens any phone's blob"
    }
    fn build(&self, inputs: &Inputs) -> crate::error::Result<Built> {
        let vendor = inputs.party(VENDOR_NAME)?;
        let mut built = Built::sealer(NoEscrow {
            id: SchemeId::Clear,
        });
        for user in inputs.users {
            let device = inputs.party(user)?;
            let mut rng = inputs.randomness.stream(&format!("phone/{user}"));
            let phone = provision(user, &device.key, vendor.key.public_key(), &mut rng);
            built.kept.push(KeptFile::json(
                format!("{PHONES_DIR}/{user}.json"),
                &phone,
                false,
            ));
            built.loot.push((
                user.clone(),
                Loot::own(SeizedPhone {
                    image: phone,
                    seized_after: None,
                }),
            ));
        }
        built.kept.push(KeptFile::text(
            REQUEST_LOG,
            zeroize::Zeroizing::new(routine_requests(
                inputs.messages,
                &mut inputs.randomness.stream("vault/log"),
            )),
            false,
        ));
        Ok(built)
    }
    fn invited(&self, _: &SchemeParams, victim: &str, after: u64) -> Vec<Invited> {
        let vault = Theft::Party(VENDOR_NAME.to_owned());
        vec![
            Invited::new("vendor vault key", vec![vault.clone()]),
            Invited::new(
                format!("vault + {victim}'s phone"),
                vec![
                    vault,
                    Theft::Phone {
                        user: victim.to_owned(),
                        t: after,
                    },
                ],
            ),
        ]
    }
}

/// `recover`'s phones: each opened with the vault key if the attacker holds it.
fn unlock_phones(
    world: &dyn WorldFiles,
    paths: &[std::path::PathBuf],
    keyring: &mut Keyring,
    findings: &mut Vec<Finding>,
) -> crate::error::Result<()> {
    let vault_keys = keyring.keys_of_role(Role::Vendor);
    if paths.is_empty() && !vault_keys.is_empty() {
        findings.push(Finding::VaultKeyAlone {
            phones_dir: PHONES_DIR.to_owned(),
        });
    }
    for path in paths {
        let phone = load_phone(world, path)?;
        if vault_keys.is_empty() {
            findings.push(Finding::PhoneLocked {
                user: phone.device.clone(),
            });
            continue;
        }
        let mut unlocked = None;
        for vault_key in &vault_keys {
            match unlock(&phone, vault_key) {
                Ok(key) => unlocked = Some(key),
                Err(Locked::Damaged(e)) => return Err(e.file(path).into()),
                Err(Locked::Bricked) => {
                    return Err(InputError::new(format!(
                        "{}'s phone is bricked: a recovery unlock has been done on it, and it never unlocks again",
                        phone.device
                    ))
                    .file(path)
                    .field("bricked")
                    .into())
                }
                Err(Locked::NotTheVaultKey) => {}
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
        findings.push(Finding::PhoneUnlocked {
            user: phone.device.clone(),
        });
        keyring.add(&phone.device, Role::User, key);
    }
    Ok(())
}

/// Loads a phone image and checks that it belongs to this world.
fn load_phone(world: &dyn WorldFiles, path: &Path) -> crate::error::Result<PhoneImage> {
    let text = read_small_text(path, "a phone")?;
    let phone: PhoneImage = parse_version_1(&text, path, "a phone image", |p: &PhoneImage| p.v)?;
    let listed = world.file().parties.iter().find(|p| p.name == phone.device);
    if listed.map(|p| p.fingerprint.as_str()) != Some(phone.fingerprint.as_str()) {
        return Err(InputError::new(format!(
            "is a phone from another world: {}'s key in it is not the one {}/world.json lists",
            phone.device,
            world.root().display()
        ))
        .file(path)
        .field("fingerprint")
        .hint(format!(
            "use a {PHONES_DIR}/NAME.json file from the same world"
        ))
        .into());
    }
    Ok(phone)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::random::Randomness;
    use crate::crypto::rsa_oaep::tests::test_keys;

    #[test]
    fn only_the_vault_key_unlocks_a_phone() {
        let [device, vendor] = test_keys();
        let mut rng = Randomness::Seeded(1).stream("p");
        let phone = provision("alice", device, vendor.public_key(), &mut rng);
        assert_eq!(
            unlock(&phone, vendor).unwrap().fingerprint(),
            device.fingerprint()
        );
        assert!(matches!(
            unlock(&phone, device),
            Err(Locked::NotTheVaultKey)
        ));
        let bricked = PhoneImage {
            bricked: true,
            ..phone.clone()
        };
        assert!(matches!(unlock(&bricked, vendor), Err(Locked::Bricked)));
        // The storage is bound to the phone's name: a blob moved to another phone
        // unlocks nothing.
        let renamed = PhoneImage {
            device: "bob".into(),
            ..phone
        };
        assert!(matches!(unlock(&renamed, vendor), Err(Locked::Damaged(_))));
    }
}
