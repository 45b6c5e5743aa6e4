//! A device snapshot: what malware on a user's phone would steal just after logical time
//! T. Under `forward-secret` that is the identity key, the prekeys not yet used, and
//! every session's ratchet state with its stored skipped keys; under `none` and
//! `golden-key` it is the user's RSA private key.
//!
//! The file is JSON, written with mode 0600 to `DIR/snapshots/NAME@T.json`. Its `digest`
//! (SHA-256 of the file with `digest` empty) catches damage and careless edits; it is no
//! MAC, since the snapshot is the attacker's own loot and anyone may recompute it.

use crate::wire::scheme_id::SchemeId;
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use zeroize::{Zeroize, ZeroizeOnDrop};

use std::any::Any;
use std::fmt;
use std::sync::Arc;

use super::capability::Capability;
use super::forward_secret::device::{self, Device, Session};
use super::forward_secret::ratchet::{Key32, Ratchet, SkippedKeys};
use crate::crypto::ed25519::IdentityKey;
use crate::crypto::rsa_oaep::{hex, Fingerprint, PrivateKey};
use crate::crypto::x25519::{DhKeyPair, DhPublic};
use crate::error::InputError;
use crate::schemes::keyring::Keyring;
use crate::wire::names::check_name;
use crate::wire::world_file::Role;
use crate::wire::{b64, unb64};

/// The `kind` field of every snapshot file.
pub const SNAPSHOT_KIND: &str = "doormat-device-snapshot";
/// Where `simulate --snapshot` writes snapshots, inside the world directory.
pub const SNAPSHOTS_DIR: &str = "snapshots";
const SNAPSHOT_VERSION: u64 = 1;

/// The file name of a snapshot of `user` taken at `t`.
pub fn file_name(user: &str, t: u64) -> String {
    format!("{user}@{t}.json")
}

/// The snapshot file as written and read. Its secrets zeroize when it is dropped.
#[derive(Serialize, Deserialize, Zeroize, ZeroizeOnDrop)]
pub struct SnapshotFile {
    /// Format version: 1.
    pub v: u64,
    /// Always `doormat-device-snapshot`.
    pub kind: String,
    /// The world's design.
    pub scheme: String,
    /// The device's user.
    pub user: String,
    /// The logical time just after which the device was copied.
    pub t: u64,
    /// The identity key's fingerprint.
    pub identity_fingerprint: String,
    /// PKCS#8 PEM: Ed25519 under `forward-secret`, RSA otherwise.
    pub identity_key: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// The signed prekey, if the device has one.
    pub signed_prekey: Option<PrekeyFile>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    /// One-time prekeys not used yet.
    pub one_time_prekeys: Vec<PrekeyFile>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    /// Each pairwise session.
    pub sessions: Vec<SessionFile>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    /// `sender-keys`: the sender chains the device holds, its own and the members'.
    pub chains: Vec<ChainFile>,
    /// `sha256:` and the SHA-256 of the file's JSON with this field empty: edits show.
    pub digest: String,
}

/// A prekey's private half.
#[derive(Serialize, Deserialize, Zeroize, ZeroizeOnDrop)]
pub struct PrekeyFile {
    /// Its id.
    pub id: u32,
    /// Its private key, base64.
    pub private: String,
}

/// One Double Ratchet session's state (the spec's §3.2 variables), base64 throughout.
#[derive(Serialize, Deserialize, Zeroize, ZeroizeOnDrop)]
pub struct SessionFile {
    /// The peer.
    pub peer: String,
    /// X3DH's associated data.
    pub ad: String,
    /// RK: the root key.
    pub root_key: String,
    /// DHs: this device's ratchet private key.
    pub dhs_private: String,
    /// DHr: the peer's ratchet public key, once known.
    pub dhr: Option<String>,
    /// CKs: the sending chain key.
    pub cks: Option<String>,
    /// Ns: messages sent in the current chain.
    pub ns: u32,
    /// CKr: the receiving chain key.
    pub ckr: Option<String>,
    /// Nr: messages received in the current chain.
    pub nr: u32,
    /// PN: messages in the previous sending chain.
    pub pn: u32,
    #[serde(default)]
    /// MKSKIPPED: message keys kept for messages not yet arrived.
    pub skipped: Vec<SkippedFile>,
}

/// One sender chain on a `sender-keys` device.
#[derive(Serialize, Deserialize, Zeroize, ZeroizeOnDrop)]
pub struct ChainFile {
    /// Whose chain: the device's own user, or another member.
    pub sender: String,
    /// The chain's id among its sender's.
    pub id: u32,
    /// The next message key's number.
    pub n: u32,
    /// The chain key for message `n`, base64.
    pub ck: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// The device's own chains: the conversation it seals (its members, comma-joined).
    pub conversation: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    /// The device's own chains: the members it was handed to.
    pub holders: Vec<String>,
}

/// One skipped message key.
#[derive(Serialize, Deserialize, Zeroize, ZeroizeOnDrop)]
pub struct SkippedFile {
    /// The ratchet public key of its chain.
    pub dh: String,
    /// Its number in that chain.
    pub n: u32,
    /// The message key.
    pub mk: String,
}

/// What a snapshot holds, parsed.
#[derive(Debug)]
pub enum Stolen {
    /// A design without state on the devices: the user's RSA private key.
    Rsa(Box<PrivateKey>),
    /// A design that seals on the devices: the device's whole cryptographic state, as
    /// its design reads it ([`Design::read_device`](super::Design::read_device)).
    Device(Box<dyn DeviceCopy>),
}

impl Clone for Stolen {
    fn clone(&self) -> Self {
        match self {
            Stolen::Rsa(key) => Stolen::Rsa(key.clone()),
            Stolen::Device(device) => Stolen::Device(device.clone_box()),
        }
    }
}

/// A device of a design that keeps state on it, as a thief copies it: the design's own
/// type, which writes its snapshot file and plays the stolen state forward.
pub trait DeviceCopy: Any + fmt::Debug + Send + Sync {
    /// Its design.
    fn scheme(&self) -> SchemeId;
    /// Its user.
    fn user(&self) -> &str;
    /// Its identity key's fingerprint, which world.json lists for the user.
    fn fingerprint(&self) -> Fingerprint;
    /// A copy.
    fn clone_box(&self) -> Box<dyn DeviceCopy>;
    /// Its snapshot file, copied just after `t`, with `digest` still empty.
    fn to_file(&self, t: u64) -> SnapshotFile;
    /// What the state opens, played forward over the traffic from just after `t`.
    fn follower(&self, t: u64) -> Arc<dyn Capability>;
    /// What it held besides its identity key, counted.
    fn counts(&self) -> DeviceState;
}

/// A parsed snapshot.
#[derive(Debug, Clone)]
pub struct Snapshot {
    /// The world's design.
    pub scheme: SchemeId,
    /// The device's user.
    pub user: String,
    /// Copied just after this logical time.
    pub t: u64,
    /// The identity key's fingerprint, checked against world.json.
    pub fingerprint: Fingerprint,
    /// What the thief has.
    pub stolen: Stolen,
}

impl Snapshot {
    /// Hands what the device held to `keyring`, and marks its user's timeline: an RSA
    /// user's key (schemes without a ratchet), or a forward-secret device's whole
    /// state, played forward from when it was copied.
    pub fn give_to(self, keyring: &mut Keyring) {
        keyring.note_taken_device(&self.user, self.t);
        match self.stolen {
            Stolen::Rsa(key) => keyring.add(&self.user, Role::User, *key),
            Stolen::Device(device) => keyring.add_capability(device.follower(self.t)),
        }
    }

    /// What a thief takes from a device of a design that seals on the devices, just
    /// after `t`.
    pub fn of_device(device: Box<dyn DeviceCopy>, t: u64) -> Self {
        Snapshot {
            scheme: device.scheme(),
            user: device.user().to_owned(),
            t,
            fingerprint: device.fingerprint(),
            stolen: Stolen::Device(device),
        }
    }

    /// What a thief takes from an RSA user's device (schemes `none`, `golden-key`).
    pub fn of_rsa_key(scheme: SchemeId, user: &str, t: u64, key: PrivateKey) -> Self {
        Snapshot {
            scheme,
            user: user.to_owned(),
            t,
            fingerprint: key.fingerprint().clone(),
            stolen: Stolen::Rsa(Box::new(key)),
        }
    }

    /// The snapshot file's text, as `simulate --snapshot` writes it.
    pub fn to_text(&self) -> zeroize::Zeroizing<String> {
        match &self.stolen {
            Stolen::Rsa(key) => of_rsa_user(self.scheme, &self.user, self.t, key),
            Stolen::Device(device) => of_device(&**device, self.t),
        }
    }

    /// What a stateful device held besides its identity key, counted; `None` for a
    /// device that holds only an RSA key.
    pub fn device_state(&self) -> Option<DeviceState> {
        match &self.stolen {
            Stolen::Device(device) => Some(device.counts()),
            Stolen::Rsa(_) => None,
        }
    }
}

impl DeviceState {
    /// What a device with pairwise Double Ratchet sessions held besides its identity
    /// key.
    pub fn of_pairwise(device: &Device) -> Self {
        DeviceState {
            peers: device.sessions.keys().cloned().collect(),
            skipped_keys: device
                .sessions
                .values()
                .map(|s| s.ratchet.skipped.len())
                .sum(),
            unused_prekeys: device.one_time_prekeys.len(),
            sender_chains: 0,
        }
    }
}

/// What a stolen stateful device held, as counts a report shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeviceState {
    /// The peers it had a session with, each session's state included.
    pub peers: Vec<String>,
    /// Message keys it kept for messages still on their way.
    pub skipped_keys: usize,
    /// One-time prekeys nobody had used yet.
    pub unused_prekeys: usize,
    /// Sender chains it held (`sender-keys`), its own and the other members'.
    pub sender_chains: usize,
}

fn digest_of(file: &mut SnapshotFile) -> String {
    let kept = std::mem::take(&mut file.digest);
    let text = zeroize::Zeroizing::new(
        serde_json::to_string(&*file).expect("a snapshot serialises to JSON"),
    );
    file.digest = kept;
    format!("sha256:{}", hex(&Sha256::digest(text.as_bytes())))
}

fn finish(mut file: SnapshotFile) -> zeroize::Zeroizing<String> {
    file.digest = digest_of(&mut file);
    let mut text = serde_json::to_string_pretty(&file).expect("a snapshot serialises to JSON");
    text.push('\n');
    zeroize::Zeroizing::new(text)
}

/// The snapshot of an RSA user (schemes `none` and `golden-key`).
pub fn of_rsa_user(
    scheme: SchemeId,
    user: &str,
    t: u64,
    key: &PrivateKey,
) -> zeroize::Zeroizing<String> {
    finish(SnapshotFile {
        v: SNAPSHOT_VERSION,
        kind: SNAPSHOT_KIND.to_owned(),
        scheme: scheme.as_str().to_owned(),
        user: user.to_owned(),
        t,
        identity_fingerprint: key.fingerprint().to_string(),
        identity_key: key.to_pem().to_string(),
        signed_prekey: None,
        one_time_prekeys: Vec::new(),
        sessions: Vec::new(),
        chains: Vec::new(),
        digest: String::new(),
    })
}

/// The snapshot file of a device with pairwise X3DH and Double Ratchet sessions, of
/// design `scheme`, copied just after `t`, with `digest` still empty.
pub fn pairwise_file(scheme: SchemeId, device: &Device, t: u64) -> SnapshotFile {
    let secret = |k: &Key32| b64(k.expose_secret());
    SnapshotFile {
        v: SNAPSHOT_VERSION,
        kind: SNAPSHOT_KIND.to_owned(),
        scheme: scheme.as_str().to_owned(),
        user: device.name.clone(),
        t,
        identity_fingerprint: device.identity.fingerprint().to_string(),
        identity_key: device.identity.to_pem().to_string(),
        signed_prekey: Some(PrekeyFile {
            id: device::SIGNED_PREKEY_ID,
            private: b64(&*device.signed_prekey.expose_private()),
        }),
        one_time_prekeys: device
            .one_time_prekeys
            .iter()
            .map(|(id, pair)| PrekeyFile {
                id: *id,
                private: b64(&*pair.expose_private()),
            })
            .collect(),
        sessions: device
            .sessions
            .iter()
            .map(|(peer, session)| {
                let r = &session.ratchet;
                SessionFile {
                    peer: peer.clone(),
                    ad: b64(&r.ad),
                    root_key: secret(&r.rk),
                    dhs_private: b64(&*r.dhs.expose_private()),
                    dhr: r.dhr.map(|d| b64(&d.0)),
                    cks: r.cks.as_ref().map(secret),
                    ns: r.ns,
                    ckr: r.ckr.as_ref().map(secret),
                    nr: r.nr,
                    pn: r.pn,
                    skipped: r
                        .skipped
                        .iter()
                        .map(|(dh, n, mk)| SkippedFile {
                            dh: b64(&dh.0),
                            n,
                            mk: secret(mk),
                        })
                        .collect(),
                }
            })
            .collect(),
        chains: Vec::new(),
        digest: String::new(),
    }
}

/// The snapshot of a device copied just after `t`: the file's text.
pub fn of_device(device: &dyn DeviceCopy, t: u64) -> zeroize::Zeroizing<String> {
    finish(device.to_file(t))
}

/// `text`, a base64 field of a snapshot, as 32 bytes.
pub fn bytes32(field: &str, text: &str) -> Result<[u8; 32], InputError> {
    let bytes = zeroize::Zeroizing::new(unb64(field, text)?);
    bytes.as_slice().try_into().map_err(|_| {
        InputError::new(format!("must be 32 bytes, found {}", bytes.len())).field(field)
    })
}

/// Parses a snapshot file. Errors name the field; the caller adds the file.
pub fn parse(text: &str) -> Result<Snapshot, InputError> {
    let mut file: SnapshotFile = serde_json::from_str(text).map_err(|e| {
        let problem = if e.is_eof() {
            format!("ends too soon to be a device snapshot ({e}): was it truncated?")
        } else {
            format!("is not a device snapshot ({e})")
        };
        InputError::new(problem).hint("snapshots are written by doormat simulate --snapshot NAME@T")
    })?;
    if file.kind != SNAPSHOT_KIND {
        return Err(InputError::new(format!(
            "is {:?}, not {SNAPSHOT_KIND:?}: this is not a device snapshot",
            crate::wire::names::truncate(&file.kind, 40)
        ))
        .field("kind"));
    }
    if file.v != SNAPSHOT_VERSION {
        return Err(InputError::new(format!(
            "version {} is unknown; this doormat reads version {SNAPSHOT_VERSION}",
            file.v
        ))
        .field("v"));
    }
    if digest_of(&mut file) != file.digest {
        return Err(InputError::new(
            "does not match the file's contents: the snapshot was changed after it was taken",
        )
        .field("digest")
        .hint("use the untouched snapshots/NAME@T.json that simulate wrote"));
    }
    check_name(&file.user).map_err(|e| e.field("user"))?;
    let fingerprint = Fingerprint::parse(&file.identity_fingerprint)
        .ok_or_else(|| InputError::new("is not a fingerprint").field("identity_fingerprint"))?;
    let scheme = SchemeId::parse(&file.scheme).map_err(|e| e.field("scheme"))?;
    let stolen = match super::design(scheme).read_device(&file) {
        Some(device) => Stolen::Device(device?),
        None => {
            let key =
                PrivateKey::from_pem(&file.identity_key).map_err(|e| e.field("identity_key"))?;
            Stolen::Rsa(Box::new(key))
        }
    };
    let actual = match &stolen {
        Stolen::Rsa(key) => key.fingerprint().clone(),
        Stolen::Device(device) => device.fingerprint(),
    };
    if actual != fingerprint {
        return Err(
            InputError::new("does not match the identity key the snapshot holds")
                .field("identity_fingerprint"),
        );
    }
    Ok(Snapshot {
        scheme,
        user: file.user.clone(),
        t: file.t,
        fingerprint,
        stolen,
    })
}

/// The device with pairwise X3DH and Double Ratchet sessions that `file` holds. Errors
/// name the field.
pub fn parse_pairwise(file: &SnapshotFile) -> Result<Device, InputError> {
    let identity =
        IdentityKey::from_pem(&file.identity_key).map_err(|e| e.field("identity_key"))?;
    let spk = file
        .signed_prekey
        .as_ref()
        .ok_or_else(|| InputError::new("is missing").field("signed_prekey"))?;
    let signed_prekey =
        DhKeyPair::from_private_bytes(bytes32("signed_prekey.private", &spk.private)?);
    let mut one_time_prekeys = BTreeMap::new();
    for (i, opk) in file.one_time_prekeys.iter().enumerate() {
        let field = format!("one_time_prekeys[{i}].private");
        let pair = DhKeyPair::from_private_bytes(bytes32(&field, &opk.private)?);
        if one_time_prekeys.insert(opk.id, pair).is_some() {
            return Err(
                InputError::new(format!("prekey id {} appears twice", opk.id))
                    .field(format!("one_time_prekeys[{i}].id")),
            );
        }
    }
    let mut sessions = BTreeMap::new();
    for (i, s) in file.sessions.iter().enumerate() {
        let field = |name: &str| format!("sessions[{i}].{name}");
        check_name(&s.peer).map_err(|e| e.field(field("peer")))?;
        let key = |name: &str, text: &str| bytes32(&field(name), text).map(Key32::from_bytes);
        let optional =
            |name: &str, text: &Option<String>| text.as_deref().map(|t| key(name, t)).transpose();
        let ad = unb64(&field("ad"), &s.ad)?;
        if ad.len() != 64 {
            return Err(InputError::new(format!(
                "must be 64 bytes (two identity keys), found {}",
                ad.len()
            ))
            .field(field("ad")));
        }
        let mut skipped = SkippedKeys::default();
        for (j, k) in s.skipped.iter().enumerate() {
            let f = format!("sessions[{i}].skipped[{j}]");
            let dh = DhPublic(bytes32(&format!("{f}.dh"), &k.dh)?);
            let mk = Key32::from_bytes(bytes32(&format!("{f}.mk"), &k.mk)?);
            skipped.insert(dh, k.n, mk);
        }
        let ratchet = Ratchet {
            dhs: DhKeyPair::from_private_bytes(bytes32(&field("dhs_private"), &s.dhs_private)?),
            dhr: s
                .dhr
                .as_deref()
                .map(|t| bytes32(&field("dhr"), t).map(DhPublic))
                .transpose()?,
            rk: key("root_key", &s.root_key)?,
            cks: optional("cks", &s.cks)?,
            ckr: optional("ckr", &s.ckr)?,
            ns: s.ns,
            nr: s.nr,
            pn: s.pn,
            skipped,
            ad,
        };
        if sessions
            .insert(
                s.peer.clone(),
                Session {
                    ratchet,
                    pending: None,
                },
            )
            .is_some()
        {
            return Err(
                InputError::new(format!("peer {} appears twice", s.peer)).field(field("peer"))
            );
        }
    }
    let signed_prekey_signature = identity.sign(&signed_prekey.public().0);
    Ok(Device {
        name: file.user.clone(),
        identity,
        signed_prekey,
        signed_prekey_signature,
        one_time_prekeys,
        sessions,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::aead::ContentKey;
    use crate::crypto::random::Randomness;

    #[test]
    fn hostile_snapshots_never_panic() {
        crate::wire::hostile_tests::never_panics(|text| {
            let _ = parse(text);
        });
    }
    use crate::schemes::forward_secret::device::PrekeyDirectory;

    fn devices() -> (Device, Device) {
        let mut rng = Randomness::Seeded(4).stream("snap");
        let mut alice = Device::new("alice", IdentityKey::generate(&mut rng), 3, &mut rng);
        let mut bob = Device::new("bob", IdentityKey::generate(&mut rng), 3, &mut rng);
        let mut directory = PrekeyDirectory::default();
        directory.publish("bob", bob.published());
        let key = ContentKey::generate(&mut rng);
        let entries: Vec<_> = (0..3)
            .map(|_| {
                alice
                    .seal_key_for("bob", &mut directory, &key, b"", &mut rng)
                    .unwrap()
            })
            .collect();
        bob.open_entry("alice", &entries[2], b"", &mut rng).unwrap();
        (alice, bob)
    }

    #[test]
    fn round_trip_keeps_every_secret() {
        let (_, bob) = devices();
        let text = of_device(&bob, 7);
        let parsed = parse(&text).unwrap();
        assert_eq!((parsed.user.as_str(), parsed.t), ("bob", 7));
        let Stolen::Device(copy) = parsed.stolen else {
            panic!("a forward-secret snapshot holds a device")
        };
        // Writing the parsed device again gives the very same file.
        assert_eq!(*of_device(&*copy, 7), *text);
        let device = (&*copy as &dyn Any).downcast_ref::<Device>().unwrap();
        assert_eq!(device.sessions["alice"].ratchet.skipped.len(), 2);
        assert_eq!(device.one_time_prekeys.len(), 2);
    }

    #[test]
    fn edits_truncation_and_other_files_are_refused_by_field() {
        let (alice, _) = devices();
        let text = of_device(&alice, 3).to_string();
        let edited = text.replacen("\"ns\": 3", "\"ns\": 0", 1);
        assert_ne!(edited, text);
        assert_eq!(parse(&edited).unwrap_err().field.as_deref(), Some("digest"));
        assert!(parse(&text[..text.len() / 2])
            .unwrap_err()
            .problem
            .contains("device snapshot"));
        let world = r#"{"v":1,"kind":"world","scheme":"none","user":"a","t":1,"identity_fingerprint":"","identity_key":"","digest":""}"#;
        assert_eq!(parse(world).unwrap_err().field.as_deref(), Some("kind"));
    }

    /// A tamperer who recomputes the digest still meets the field checks.
    #[test]
    fn edits_with_a_recomputed_digest_are_refused_by_field() {
        let (alice, bob) = devices();
        let reseal = |edit: &dyn Fn(&mut SnapshotFile)| {
            let mut file: SnapshotFile = serde_json::from_str(&of_device(&alice, 3)).unwrap();
            edit(&mut file);
            file.digest = digest_of(&mut file);
            parse(&serde_json::to_string(&file).unwrap()).unwrap_err()
        };
        let e = reseal(&|f| f.sessions[0].ad = b64(&[1; 10]));
        assert_eq!(e.field.as_deref(), Some("sessions[0].ad"));
        let e = reseal(&|f| f.sessions[0].dhs_private = b64(&[1; 31]));
        assert_eq!(e.field.as_deref(), Some("sessions[0].dhs_private"));
        let e = reseal(&|f| f.sessions[0].peer = "../etc".into());
        assert_eq!(e.field.as_deref(), Some("sessions[0].peer"));
        let bobs_key = bob.identity.to_pem().to_string();
        let e = reseal(&|f| f.identity_key = bobs_key.clone());
        assert_eq!(e.field.as_deref(), Some("identity_fingerprint"));
        let e = reseal(&|f| f.identity_key = "not a key".into());
        assert_eq!(e.field.as_deref(), Some("identity_key"));
    }
}
