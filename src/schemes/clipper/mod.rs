//! `clipper`: the Escrowed Encryption Standard's LEAF (FIPS 185, 1994), with modern
//! ciphers standing in for Skipjack.
//!
//! Every envelope carries a Law Enforcement Access Field in the historical layout:
//!
//! ```text
//! LEAF = E_F( E_U(K) ‖ unit id (32 bits) ‖ checksum (16 bits) )
//! ```
//!
//! - `K` is the message's content key; `U` the sending device's unit key; `F` the family
//!   key that every device shares.
//! - Stand-ins for Skipjack (64-bit blocks, 80-bit keys): `E_U` is AES-256 key wrap
//!   (RFC 3394, 40 bytes for a 32-byte K); `E_F` is AES-256-CTR keyed by F with the
//!   envelope's nonce, unauthenticated as the original was; the checksum is the first
//!   16 bits of HMAC-SHA256(K, "doormat/leaf/1" ‖ nonce), a function of session key and
//!   IV as in the original. The LEAF is 46 bytes instead of 128 bits.
//! - Each unit key is split between two escrow agents by XOR: `U = U1 ⊕ U2`. A warrant
//!   for a device releases both halves, and whoever combines them holds that device's
//!   key for good, past traffic and future.
//!
//! What breaks it, and what doormat shows:
//! - the family key alone decrypts every LEAF and reads the sending device's unit id:
//!   traffic analysis of every call, no warrant needed;
//! - the receiving device checks only the 16-bit checksum, so a rogue sender tries random
//!   LEAFs until one passes, about 2^16 tries (Blaze, 1994); the agents then recover
//!   garbage while the rogue pair talks on.

pub mod leaf;

use std::sync::Arc;

use super::keyring::Keyring;
use super::registry::FAMILY_ID_FIELD;
use super::registry::{
    Built, Design, Inputs, Invited, KeptFile, Loot, Material, OwnMaterial, StolenFiles, Theft,
    Warrant, Warranted, WorldFiles,
};
use super::stage::OwnEvent;
use super::{SchemeParams, ESCROW_NAME};
use crate::fsutil::read_small_text;
use std::collections::HashMap;
use std::path::Path;

use rand::{Rng, RngCore};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use zeroize::{Zeroize, ZeroizeOnDrop};

use super::capability::{Capability, Unwrapped};
use super::finding::Finding;
use super::{Scheme, SchemeId};
use crate::crypto::aead::ContentKey;
use crate::crypto::random::{RandomStream, Randomness};
use crate::crypto::symmetric::{ctr_apply, hmac_sha256, key_unwrap, key_wrap};
use crate::crypto::CouldNotOpen;
use crate::error::InputError;
use crate::wire::envelope::Envelope;
use crate::wire::{b64, unb64};

/// LEAF length: 40 bytes of wrapped key, 4 of unit id, 2 of checksum.
pub const LEAF_LEN: usize = 46;
/// Where a clipper world keeps the family key.
pub const FAMILY_KEY_FILE: &str = "keys/family.key";
/// The two escrow agents' files of unit-key halves.
pub fn halves_file(agent: u8) -> String {
    format!("keys/unit-agent-{agent}.json")
}
const FAMILY_KIND: &str = "doormat-family-key";
/// The `kind` of an escrow agent's file of unit-key halves.
pub const HALVES_KIND: &str = "doormat-unit-halves";

/// A 32-byte symmetric secret: zeroized on drop, never printed.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct Secret32([u8; 32]);

impl Secret32 {
    /// 32 random bytes from `rng`.
    pub fn random(rng: &mut impl RngCore) -> Self {
        let mut bytes = [0u8; 32];
        rng.fill_bytes(&mut bytes);
        Secret32(bytes)
    }
    /// A key from 32 bytes (as read back from a file); `None` for any other length.
    pub fn from_bytes(bytes: &[u8]) -> Option<Self> {
        bytes.try_into().ok().map(Secret32)
    }

    fn from_slice(bytes: &[u8]) -> Option<Self> {
        Self::from_bytes(bytes)
    }

    /// The raw bytes, for an instructor's grading file. Handle with care.
    pub fn expose_secret(&self) -> &[u8; 32] {
        &self.0
    }
    fn xor(&self, other: &Secret32) -> Secret32 {
        Secret32(core::array::from_fn(|i| self.0[i] ^ other.0[i]))
    }
    /// A short public identifier (first 8 bytes of SHA-256), to tie files together.
    pub fn id(&self) -> String {
        crate::crypto::rsa_oaep::hex(&Sha256::digest(self.0)[..8])
    }
}

impl std::fmt::Debug for Secret32 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret32([redacted])")
    }
}

/// A device's unit key and its public unit id.
#[derive(Debug, Clone)]
pub struct Unit {
    /// The device's user.
    pub device: String,
    /// Its unit id, carried in every LEAF it makes (under the family key).
    pub id: u32,
    /// Its unit key: escrowed in two halves.
    pub key: Secret32,
}

/// The 16-bit check the receiving device makes.
pub fn checksum(key: &ContentKey, nonce: &[u8; 12]) -> [u8; 2] {
    let mac = hmac_sha256(key.expose_secret(), &[b"doormat/leaf/1", nonce]);
    [mac[0], mac[1]]
}

/// Builds the LEAF for a message sealed under `key` with `nonce` by `unit`'s device.
pub fn make_leaf(family: &Secret32, unit: &Unit, key: &ContentKey, nonce: &[u8; 12]) -> Vec<u8> {
    let mut leaf = Vec::with_capacity(LEAF_LEN);
    leaf.extend_from_slice(&key_wrap(&unit.key.0, key.expose_secret()));
    leaf.extend_from_slice(&unit.id.to_be_bytes());
    leaf.extend_from_slice(&checksum(key, nonce));
    ctr_apply(&family.0, nonce, &mut leaf);
    leaf
}

/// A LEAF decrypted with the family key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeafContents {
    /// The content key, wrapped under the unit key (AES key wrap).
    pub wrapped_key: [u8; 40],
    /// The sending device's unit id.
    pub unit_id: u32,
    /// The 16-bit checksum of the content key and nonce.
    pub checksum: [u8; 2],
}

/// Decrypts a LEAF with the family key (which every device, and every holder of the
/// family key, has). `None` for a LEAF of the wrong length.
pub fn read_leaf(family: &Secret32, leaf: &[u8], nonce: &[u8; 12]) -> Option<LeafContents> {
    let mut plain: [u8; LEAF_LEN] = leaf.try_into().ok()?;
    ctr_apply(&family.0, nonce, &mut plain);
    Some(LeafContents {
        wrapped_key: plain[..40].try_into().expect("40 of 46 bytes"),
        unit_id: u32::from_be_bytes(plain[40..44].try_into().expect("4 of 46 bytes")),
        checksum: [plain[44], plain[45]],
    })
}

/// Whether `leaf` is a forgery for the message sealed under `key` with `nonce`: the
/// receiving chip's 16-bit check passes, and the unit id it carries is not
/// `sender_unit`'s, so a wiretap that unwraps it gets no content key.
pub fn accepts_forgery(
    family: &Secret32,
    leaf: &[u8],
    key: &ContentKey,
    nonce: &[u8; 12],
    sender_unit: u32,
) -> bool {
    read_leaf(family, leaf, nonce)
        .is_some_and(|c| c.checksum == checksum(key, nonce) && c.unit_id != sender_unit)
}

/// What the receiving chip checks before it will decrypt: only the 16-bit checksum.
pub fn receiver_accepts(
    family: &Secret32,
    leaf: &[u8],
    nonce: &[u8; 12],
    expected: [u8; 2],
) -> bool {
    read_leaf(family, leaf, nonce).is_some_and(|c| c.checksum == expected)
}

/// The escrow side: with a device's unit key, recover the content key from a LEAF.
pub fn escrow_unwrap(
    unit_key: &Secret32,
    contents: &LeafContents,
) -> Result<ContentKey, CouldNotOpen> {
    let key = key_unwrap(&unit_key.0, &contents.wrapped_key)?;
    ContentKey::from_slice(key.as_ref())
}

/// Loads a family key and checks that it is this world's: a LEAF is unauthenticated, so
/// another family's key would read every LEAF as noise without complaint.
pub fn load_family_key(world: &dyn WorldFiles, path: &Path) -> crate::error::Result<Secret32> {
    let family =
        FamilyKeyFile::parse(&read_small_text(path, "a family key")?).map_err(|e| e.file(path))?;
    let file = world.file();
    if !super::design(file.scheme)
        .materials()
        .contains(&Material::LeafHalves)
    {
        return Err(InputError::new(format!(
            "is a Clipper family key, and {} is a {} world: it has no LEAFs to read",
            world.root().display(),
            file.scheme
        ))
        .field("--family-key")
        .hint("the family key reads clipper worlds: doormat simulate --scheme clipper")
        .into());
    }
    if file.parameters.text(FAMILY_ID_FIELD) != Some(family.id().as_str()) {
        return Err(
            InputError::new("is the family key of another clipper world")
                .file(path)
                .hint(format!("use {}/{FAMILY_KEY_FILE}", world.root().display()))
                .into(),
        );
    }
    Ok(family)
}

/// Clipper's family key as loot: it reads every LEAF's device and unit id, not the
/// content.
#[derive(Debug, Clone)]
pub struct FamilyKey(pub Secret32);

impl OwnMaterial for FamilyKey {}
impl OwnMaterial for UnitHalvesFile {}

/// The escrow side at work: the family key to read each LEAF, and the unit keys the
/// escrow agents released to open it.
#[derive(Debug, Clone)]
pub struct LeafAccess {
    family: Secret32,
    units: HashMap<u32, Unit>,
}

impl LeafAccess {
    /// Reads LEAFs with `family` and opens those of the devices in `units`.
    pub fn new(family: Secret32, units: impl IntoIterator<Item = Unit>) -> Self {
        LeafAccess {
            family,
            units: units.into_iter().map(|u| (u.id, u)).collect(),
        }
    }
}

impl Capability for LeafAccess {
    fn unwrap(&self, envelope: &Envelope) -> Unwrapped {
        let Some(contents) = envelope
            .leaf
            .as_ref()
            .and_then(|leaf| read_leaf(&self.family, leaf, &envelope.nonce))
        else {
            return Unwrapped::NoSlot;
        };
        match self.units.get(&contents.unit_id) {
            Some(unit) => escrow_unwrap(&unit.key, &contents).into(),
            None => Unwrapped::NoSlot,
        }
    }
}

/// The design: every envelope gets its sender's LEAF.
pub struct Clipper {
    /// The family key, shared by every device and the escrow side.
    pub family: Secret32,
    /// Each device's unit, by user.
    pub units: HashMap<String, Unit>,
}

impl Clipper {
    /// A family key and one unit per device, from the world's randomness.
    pub fn generate(devices: &[String], randomness: &Randomness) -> Self {
        let family = Secret32::random(&mut randomness.stream("clipper/family"));
        let units = devices
            .iter()
            .map(|device| {
                let mut rng = randomness.stream(&format!("clipper/unit/{device}"));
                let unit = Unit {
                    device: device.clone(),
                    id: rng.gen(),
                    key: Secret32::random(&mut rng),
                };
                (device.clone(), unit)
            })
            .collect();
        Clipper { family, units }
    }

    /// The family key file's contents.
    pub fn family_file(&self) -> FamilyKeyFile {
        FamilyKeyFile {
            v: 1,
            kind: FAMILY_KIND.to_owned(),
            family_id: self.family.id(),
            key: b64(&self.family.0),
        }
    }

    /// The two agents' files: agent 1 holds a random half of each unit key, agent 2 the
    /// XOR of that half with the key.
    pub fn halves(&self, rng: &mut RandomStream) -> [UnitHalvesFile; 2] {
        let mut first = Vec::new();
        let mut second = Vec::new();
        let mut devices: Vec<&Unit> = self.units.values().collect();
        devices.sort_by(|a, b| a.device.cmp(&b.device));
        for unit in devices {
            let half = Secret32::random(rng);
            let other = unit.key.xor(&half);
            first.push(UnitHalf {
                device: unit.device.clone(),
                unit_id: unit.id,
                half: b64(&half.0),
            });
            second.push(UnitHalf {
                device: unit.device.clone(),
                unit_id: unit.id,
                half: b64(&other.0),
            });
        }
        let file = |agent, units| UnitHalvesFile {
            v: 1,
            kind: HALVES_KIND.to_owned(),
            family_id: self.family.id(),
            agent,
            units,
        };
        [file(1, first), file(2, second)]
    }
}

impl Scheme for Clipper {
    fn id(&self) -> SchemeId {
        SchemeId::Clipper
    }

    fn add_exceptional_access(
        &self,
        envelope: &mut crate::wire::envelope::Envelope,
        _: &crate::wire::message::Message,
        key: &ContentKey,
        _: &mut RandomStream,
    ) {
        let unit = self
            .units
            .get(&envelope.from)
            .expect("every sender of a simulated message has a unit");
        envelope.leaf = Some(make_leaf(&self.family, unit, key, &envelope.nonce));
    }
}

/// The Clipper design.
pub struct ClipperDesign;

impl Design for ClipperDesign {
    fn own_events(&self) -> &'static [OwnEvent] {
        &[leaf::FORGE_LEAF]
    }

    fn load_stolen(
        &self,
        world: &dyn WorldFiles,
        stolen: &StolenFiles,
        keyring: &mut Keyring,
        findings: &mut Vec<Finding>,
    ) -> crate::error::Result<()> {
        let mut halves = Vec::new();
        for path in stolen.shares {
            let text = read_small_text(path, "an escrow agent's file")?;
            halves.push(UnitHalvesFile::parse(&text).map_err(|e| e.file(path))?);
        }
        if stolen.family_key.is_none() && halves.is_empty() && stolen.device.is_none() {
            return Ok(());
        }
        let path = stolen.family_key.ok_or_else(|| {
            InputError::new("reading a LEAF starts with the family key")
                .field("--family-key")
                .hint(format!(
                    "add --family-key {}/{FAMILY_KEY_FILE}",
                    world.root().display()
                ))
        })?;
        let family = load_family_key(world, path)?;
        if halves.is_empty() {
            findings.push(Finding::FamilyKeyAlone);
            return Ok(());
        }
        let units = combine_halves(&halves, &family, stolen.device)?;
        let devices: Vec<String> = units.iter().map(|u| u.device.clone()).collect();
        findings.push(Finding::DeviceKeysFromHalves { devices });
        keyring.add_capability(Arc::new(LeafAccess::new(family, units)));
        Ok(())
    }
    fn exercises(&self) -> &'static [&'static str] {
        &["leaf-forgery"]
    }
    fn open_loot(&self, loot: &[&Loot], keyring: &mut Keyring) -> crate::error::Result<()> {
        let family = loot.iter().find_map(|l| l.as_own::<FamilyKey>());
        let halves: Vec<UnitHalvesFile> = loot
            .iter()
            .filter_map(|l| l.as_own::<UnitHalvesFile>())
            .cloned()
            .collect();
        if let (Some(FamilyKey(family)), 2..) = (family, halves.len()) {
            let units = combine_halves(&halves, family, None)?;
            keyring.add_capability(Arc::new(LeafAccess::new(family.clone(), units)));
        }
        Ok(())
    }

    fn serve_warrant(&self, warrant: &Warrant) -> crate::error::Result<Warranted> {
        let internal = |problem: String| crate::error::Error::Internal(problem);
        let family = warrant
            .loot
            .iter()
            .find_map(|l| l.as_own::<FamilyKey>())
            .ok_or_else(|| internal("no one holds the family key".into()))?;
        let halves: Vec<UnitHalvesFile> = warrant
            .loot
            .iter()
            .filter_map(|l| l.as_own::<UnitHalvesFile>())
            .cloned()
            .collect();
        let units = combine_halves(&halves, &family.0, Some(warrant.target))
            .map_err(|e| internal(e.problem))?;
        Ok(Warranted::DeviceKeyHalves(Arc::new(LeafAccess::new(
            family.0.clone(),
            units,
        ))))
    }
    fn materials(&self) -> &'static [Material] {
        &[Material::LeafHalves]
    }

    fn id(&self) -> SchemeId {
        SchemeId::Clipper
    }
    fn summary(&self) -> &'static str {
        "a LEAF carries each key under an escrowed unit key"
    }
    fn authorities(&self, _: &SchemeParams) -> Vec<String> {
        ["agent-1", "agent-2", ESCROW_NAME]
            .map(String::from)
            .to_vec()
    }
    fn authority(&self) -> Option<&'static str> {
        Some(ESCROW_NAME)
    }
    fn holds(&self, party: &str) -> &'static str {
        if party == ESCROW_NAME {
            "unit keys, once a warrant releases them"
        } else {
            "half of every device's unit key"
        }
    }
    fn key_label(&self, party: &str) -> Option<&'static str> {
        (party != ESCROW_NAME).then_some("unit key halves")
    }
    // Its family and unit keys are symmetric secrets of its own, not RSA parties.
    fn build(&self, inputs: &Inputs) -> crate::error::Result<Built> {
        let clipper = Clipper::generate(inputs.users, inputs.randomness);
        let mut kept = vec![KeptFile::json(
            FAMILY_KEY_FILE,
            &clipper.family_file(),
            true,
        )];
        let mut loot = vec![(
            ESCROW_NAME.to_owned(),
            Loot::own(FamilyKey(clipper.family.clone())),
        )];
        for file in clipper.halves(&mut inputs.randomness.stream("clipper/halves")) {
            kept.push(KeptFile::json(halves_file(file.agent), &file, true));
            loot.push((format!("agent-{}", file.agent), Loot::own(file)));
        }
        Ok(Built {
            public: None,
            family_id: Some(clipper.family.id()),
            sealer: Some(Box::new(clipper)),
            network: None,
            kept,
            loot,
            compose: None,
        })
    }
    fn invited(&self, _: &SchemeParams, _: &str, _: u64) -> Vec<Invited> {
        vec![Invited::new(
            "escrow agents' files",
            [ESCROW_NAME, "agent-1", "agent-2"]
                .map(|p| Theft::Party(p.to_owned()))
                .to_vec(),
        )]
    }
}

/// `keys/family.key`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FamilyKeyFile {
    /// Format version: 1.
    pub v: u64,
    /// Always `doormat-family-key`.
    pub kind: String,
    /// First 8 bytes of SHA-256 of the key, hex: ties agents' files to this family.
    pub family_id: String,
    /// The key, base64.
    pub key: String,
}

/// `keys/unit-agent-I.json`: one agent's halves of every device's unit key.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UnitHalvesFile {
    /// Format version: 1.
    pub v: u64,
    /// Always `doormat-unit-halves`.
    pub kind: String,
    /// The family key these units belong to.
    pub family_id: String,
    /// Agent 1 or 2.
    pub agent: u8,
    /// One half per device.
    pub units: Vec<UnitHalf>,
}

/// One escrow agent's half of one device's unit key.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UnitHalf {
    /// The device's user.
    pub device: String,
    /// Its unit id.
    pub unit_id: u32,
    /// The half, base64.
    pub half: String,
}

impl FamilyKeyFile {
    /// The family key in `text`; the caller adds the file name to errors.
    pub fn parse(text: &str) -> Result<Secret32, InputError> {
        let file: FamilyKeyFile = serde_json::from_str(text).map_err(|e| {
            InputError::new(format!("not a family key file ({e})"))
                .hint("use keys/family.key of a clipper world")
        })?;
        if file.kind != FAMILY_KIND || file.v != 1 {
            return Err(InputError::new("is not a version-1 family key").field("kind"));
        }
        let key = Secret32::from_slice(&unb64("key", &file.key)?)
            .ok_or_else(|| InputError::new("must be 32 bytes").field("key"))?;
        if key.id() != file.family_id {
            return Err(InputError::new("does not match the key it names").field("family_id"));
        }
        Ok(key)
    }
}

impl UnitHalvesFile {
    /// An agent's file in `text`; the caller adds the file name to errors.
    pub fn parse(text: &str) -> Result<UnitHalvesFile, InputError> {
        let file: UnitHalvesFile = serde_json::from_str(text).map_err(|e| {
            InputError::new(format!(
                "not an escrow agent's file of unit-key halves ({e})"
            ))
            .hint("use keys/unit-agent-1.json and keys/unit-agent-2.json of a clipper world")
        })?;
        if file.kind != HALVES_KIND || file.v != 1 || !(1..=2).contains(&file.agent) {
            return Err(InputError::new(
                "is not a version-1 file of unit-key halves for agent 1 or 2",
            )
            .field("kind"));
        }
        if file.units.len() > crate::wire::limits::MAX_USERS {
            return Err(InputError::new(format!(
                "holds {} halves; a world has at most {} devices",
                file.units.len(),
                crate::wire::limits::MAX_USERS
            ))
            .field("units"));
        }
        for (i, unit) in file.units.iter().enumerate() {
            let field = |name: &str| format!("units[{i}].{name}");
            crate::wire::names::check_name(&unit.device).map_err(|e| e.field(field("device")))?;
            if file.units[..i].iter().any(|u| u.device == unit.device) {
                return Err(
                    InputError::new(format!("device {} is listed twice", unit.device))
                        .field(field("device")),
                );
            }
            let half = zeroize::Zeroizing::new(unb64(&field("half"), &unit.half)?);
            if half.len() != 32 {
                return Err(
                    InputError::new(format!("must be 32 bytes, found {}", half.len()))
                        .field(field("half")),
                );
            }
        }
        Ok(file)
    }
}

/// Combines both agents' halves into unit keys: for every device, or only the one a
/// warrant names. The caller adds file names to errors.
pub fn combine_halves(
    files: &[UnitHalvesFile],
    family: &Secret32,
    device: Option<&str>,
) -> Result<Vec<Unit>, InputError> {
    let (Some(one), Some(two)) = (
        files.iter().find(|f| f.agent == 1),
        files.iter().find(|f| f.agent == 2),
    ) else {
        return Err(InputError::new(
            "a unit key is the XOR of two halves: give both agents' files",
        )
        .field("--share")
        .hint("--share keys/unit-agent-1.json --share keys/unit-agent-2.json"));
    };
    if one.family_id != family.id() || two.family_id != family.id() {
        return Err(
            InputError::new("the agents' files belong to another family key").field("--share"),
        );
    }
    let mut units = Vec::new();
    for a in &one.units {
        if device.is_some_and(|d| d != a.device) {
            continue;
        }
        let b = two
            .units
            .iter()
            .find(|b| b.device == a.device && b.unit_id == a.unit_id)
            .ok_or_else(|| {
                InputError::new(format!("agent 2 holds no half for {}", a.device)).field("--share")
            })?;
        let half = |text: &str| {
            Secret32::from_slice(&unb64("half", text)?)
                .ok_or_else(|| InputError::new("must be 32 bytes").field("half"))
        };
        units.push(Unit {
            device: a.device.clone(),
            id: a.unit_id,
            key: half(&a.half)?.xor(&half(&b.half)?),
        });
    }
    if let (Some(device), true) = (device, units.is_empty()) {
        return Err(
            InputError::new(format!("the agents hold no unit key for {device:?}"))
                .field("--device"),
        );
    }
    Ok(units)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret_tests::{assert_hidden, bytes, debug_both, zeroizes_on_drop};

    /// Family and unit keys are wiped on drop and never print themselves.
    #[test]
    fn clipper_keys_are_secret() {
        zeroizes_on_drop::<Secret32>();
        let secret = bytes();
        let key = Secret32::from_bytes(&secret).unwrap();
        assert_hidden("Secret32", &debug_both(&key), &secret);
    }

    #[test]
    fn hostile_key_files_never_panic() {
        crate::wire::hostile_tests::never_panics(|text| {
            let _ = FamilyKeyFile::parse(text);
            let _ = UnitHalvesFile::parse(text);
        });
    }

    fn world() -> Clipper {
        Clipper::generate(
            &["alice".to_owned(), "bob".to_owned()],
            &Randomness::Seeded(3),
        )
    }

    #[test]
    fn honest_leaf_passes_the_check_and_opens_for_the_agents() {
        let clipper = world();
        let key = ContentKey::from_slice(&[5; 32]).unwrap();
        let nonce = [9; 12];
        let alice = &clipper.units["alice"];
        let leaf = make_leaf(&clipper.family, alice, &key, &nonce);
        assert_eq!(leaf.len(), LEAF_LEN);
        assert!(receiver_accepts(
            &clipper.family,
            &leaf,
            &nonce,
            checksum(&key, &nonce)
        ));
        let contents = read_leaf(&clipper.family, &leaf, &nonce).unwrap();
        assert_eq!(
            contents.unit_id, alice.id,
            "the family key alone names the device"
        );
        assert_eq!(
            escrow_unwrap(&alice.key, &contents)
                .unwrap()
                .expose_secret(),
            &[5; 32]
        );
        assert!(escrow_unwrap(&clipper.units["bob"].key, &contents).is_err());
    }

    #[test]
    fn xor_halves_rebuild_unit_keys_and_a_warrant_can_name_one_device() {
        let clipper = world();
        let halves = clipper.halves(&mut Randomness::Seeded(4).stream("h"));
        let all = combine_halves(&halves, &clipper.family, None).unwrap();
        assert_eq!(all.len(), 2);
        for unit in &all {
            assert_eq!(unit.key.0, clipper.units[&unit.device].key.0);
        }
        let one = combine_halves(&halves, &clipper.family, Some("bob")).unwrap();
        assert_eq!(one.len(), 1);
        assert!(
            combine_halves(&halves[..1], &clipper.family, None).is_err(),
            "one half is not enough"
        );
        assert!(combine_halves(&halves, &clipper.family, Some("mallory")).is_err());
    }
}
