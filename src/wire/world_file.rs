//! `world.json`: the public directory of a simulated world.

use std::path::{Component, Path};

/// The public directory of a world.
pub const WORLD_JSON: &str = "world.json";

use serde::{Deserialize, Serialize};

use super::names::check_name;
use super::scheme_id::SchemeId;
use crate::crypto::rsa_oaep::{Fingerprint, GENERATED_KEY_BITS};
use crate::error::InputError;

/// What a party is in the story. Roles are fixed by the design notes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Sends and reads its own messages.
    User,
    /// Holds the escrow ("golden") key.
    Escrow,
    /// Holds one share of a split escrow key.
    Agent,
    /// Keeps a vendor vault of escrowed device keys.
    Vendor,
    /// Routes envelopes.
    Relay,
}

impl Role {
    /// Its name in world.json.
    pub fn as_str(&self) -> &'static str {
        match self {
            Role::User => "user",
            Role::Escrow => "escrow",
            Role::Agent => "agent",
            Role::Vendor => "vendor",
            Role::Relay => "relay",
        }
    }
}

/// One party of `world.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartyEntry {
    /// The party's name.
    pub name: String,
    /// What it is in the story.
    pub role: Role,
    /// Path of the SPKI PEM public key, relative to the world directory.
    pub public_key: String,
    /// `sha256:` and the hex SHA-256 of its public key (SPKI DER).
    pub fingerprint: String,
}

/// The parameters `simulate` was run with, recorded so a world explains itself.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Parameters {
    /// Users in the world.
    pub users: u64,
    /// Messages sent.
    pub messages: u64,
    /// RSA key size, or 0 where the design holds no RSA key.
    pub key_bits: u64,
    /// Messages per session key; 1 means a fresh content key for every message.
    pub session_size: u64,
    /// Present when the world was made under `--seed`: its keys are predictable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    /// A live class (`doormat classroom`): students bring their own keys, of any size
    /// from `key_bits` up to this many bits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_key_bits: Option<u64>,
    /// Each design's own: its parameters' table under its name (`"split-key":
    /// {"agents": 5, "threshold": 3}`), the same fields flat beside `users` for the
    /// scripts written against the first worlds (`"agents": 5`), and the public values
    /// the design records (Dual_EC's `dual_ec_q`, Clipper's `family_id`). The design
    /// reads them; this layer does not look in.
    #[serde(flatten)]
    pub designs: serde_json::Map<String, serde_json::Value>,
}

impl Parameters {
    /// A text the design recorded under `field`, flat among the parameters.
    pub fn text(&self, field: &str) -> Option<&str> {
        self.designs.get(field).and_then(|v| v.as_str())
    }

    /// Records `value` under `field`, flat among the parameters.
    pub fn record(&mut self, field: &str, value: impl Into<serde_json::Value>) {
        self.designs.insert(field.to_owned(), value.into());
    }
}

/// `world.json` as written and read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WorldFile {
    /// Format version of this file.
    pub v: u64,
    /// The design.
    pub scheme: SchemeId,
    /// How the world was made.
    pub parameters: Parameters,
    /// Every party with a key.
    pub parties: Vec<PartyEntry>,
    /// A warning for seeded worlds, so that nobody mistakes their keys for secrets.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// `world.json` as read, before its scheme is parsed (so that an unknown one is refused
/// with the field named and the known ones listed).
#[derive(Deserialize)]
struct WorldFileText {
    v: u64,
    scheme: String,
    parameters: Parameters,
    parties: Vec<PartyEntry>,
    #[serde(default)]
    note: Option<String>,
}

/// The version this doormat writes and reads.
pub const WORLD_FILE_VERSION: u64 = 1;

impl WorldFile {
    /// The file's text: pretty JSON and a newline.
    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).expect("world.json serialises");
        text.push('\n');
        text
    }

    /// Parses and checks `world.json`; errors name the field (`parties[2].fingerprint`).
    /// The caller adds the file name.
    pub fn parse(text: &str) -> Result<WorldFile, InputError> {
        let world = Self::parse_directory(text)?;
        if !world.parties.iter().any(|p| p.role == Role::User) {
            return Err(InputError::new("lists no user").field("parties"));
        }
        Ok(world)
    }

    /// [`parse`](Self::parse), but a directory with no user yet is accepted: a live class
    /// before anyone has joined.
    pub fn parse_directory(text: &str) -> Result<WorldFile, InputError> {
        let world: WorldFileText = serde_json::from_str(text).map_err(|e| {
            InputError::new(format!("not a valid world file ({e})"))
                .hint("world.json is written by `doormat simulate`; was it edited by hand?")
        })?;
        if world.v != WORLD_FILE_VERSION {
            return Err(InputError::new(format!(
                "version {} is unknown; this doormat reads version {WORLD_FILE_VERSION}",
                world.v
            ))
            .field("v"));
        }
        let scheme = SchemeId::parse(&world.scheme).map_err(|e| e.field("scheme"))?;
        let world = WorldFile {
            v: world.v,
            scheme,
            parameters: world.parameters,
            parties: world.parties,
            note: world.note,
        };
        // What simulate writes: RSA sizes it generates, or 0 where a design has no RSA.
        let bits = world.parameters.key_bits;
        let made = if scheme.seals_on_devices() {
            bits == 0
        } else {
            GENERATED_KEY_BITS.iter().any(|&b| b as u64 == bits)
        };
        if !made {
            return Err(InputError::new(format!(
                "{bits} is not a key size doormat simulate writes for {scheme}"
            ))
            .field("parameters.key_bits")
            .hint("world.json is written by `doormat simulate`; was it edited by hand?"));
        }
        // Users, and at most an escrow agent per share and a few authorities beside them:
        // a bound that also keeps the duplicate check below quick.
        let most = super::limits::MAX_USERS + super::limits::MAX_AGENTS as usize + 8;
        if world.parties.len() > most {
            return Err(InputError::new(format!(
                "lists {} parties; a world has at most {most}",
                world.parties.len()
            ))
            .field("parties"));
        }
        for (i, party) in world.parties.iter().enumerate() {
            let field = |name: &str| format!("parties[{i}].{name}");
            check_name(&party.name).map_err(|e| e.field(field("name")))?;
            if world.parties[..i].iter().any(|p| p.name == party.name) {
                return Err(
                    InputError::new(format!("party {} is listed twice", party.name))
                        .field(field("name")),
                );
            }
            if Fingerprint::parse(&party.fingerprint).is_none() {
                return Err(InputError::new(format!(
                    "{:?} is not a fingerprint",
                    super::names::truncate(&party.fingerprint, 80)
                ))
                .field(field("fingerprint"))
                .hint("a fingerprint is \"sha256:\" followed by 64 lowercase hex digits"));
            }
            if !is_inside(Path::new(&party.public_key)) {
                return Err(InputError::new(format!(
                    "{:?} is not a relative path inside the world directory",
                    super::names::truncate(&party.public_key, 80)
                ))
                .field(field("public_key")));
            }
        }
        if let Some(max) = world.parameters.max_key_bits {
            let most = crate::crypto::rsa_oaep::MAX_LOADED_KEY_BITS as u64;
            if max < bits || max > most {
                return Err(InputError::new(format!(
                    "{max} is not between key_bits ({bits}) and {most}"
                ))
                .field("parameters.max_key_bits"));
            }
        }
        Ok(world)
    }

    /// The party whose public key has this fingerprint.
    pub fn party_by_fingerprint(&self, fingerprint: &Fingerprint) -> Option<&PartyEntry> {
        self.parties
            .iter()
            .find(|p| p.fingerprint == fingerprint.as_str())
    }

    /// The names of the users, in directory order.
    pub fn user_names(&self) -> Vec<String> {
        self.parties
            .iter()
            .filter(|p| p.role == Role::User)
            .map(|p| p.name.clone())
            .collect()
    }
}

/// True for a relative path with no `..`, no root and no drive prefix.
fn is_inside(path: &Path) -> bool {
    path.components().count() > 0
        && path
            .components()
            .all(|c| matches!(c, Component::Normal(_) | Component::CurDir))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> WorldFile {
        WorldFile {
            v: 1,
            scheme: SchemeId::None,
            parameters: Parameters {
                users: 1,
                messages: 0,
                key_bits: 2048,
                session_size: 1,
                seed: None,
                max_key_bits: None,
                designs: serde_json::Map::new(),
            },
            parties: vec![PartyEntry {
                name: "alice".into(),
                role: Role::User,
                public_key: "keys/alice.pub.pem".into(),
                fingerprint: format!("sha256:{}", "ab".repeat(32)),
            }],
            note: None,
        }
    }

    #[test]
    fn round_trip() {
        let w = sample();
        assert_eq!(WorldFile::parse(&w.to_json()).unwrap(), w);
    }

    #[test]
    fn refuses_escaping_paths_and_bad_fingerprints() {
        let mut w = sample();
        w.parties[0].public_key = "../../etc/passwd".into();
        let e = WorldFile::parse(&w.to_json()).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("parties[0].public_key"));

        let mut w = sample();
        w.parties[0].public_key = "/etc/passwd".into();
        assert!(WorldFile::parse(&w.to_json()).is_err());

        let mut w = sample();
        w.parties[0].fingerprint = "sha256:zz".into();
        let e = WorldFile::parse(&w.to_json()).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("parties[0].fingerprint"));
    }

    #[test]
    fn refuses_unknown_role_and_version() {
        let text = sample().to_json().replace("\"user\"", "\"wizard\"");
        assert!(WorldFile::parse(&text).is_err());
        let text = sample().to_json().replace("\"v\": 1", "\"v\": 9");
        assert_eq!(
            WorldFile::parse(&text).unwrap_err().field.as_deref(),
            Some("v")
        );
        let text = sample().to_json().replace("\"none\"", "\"nobus\"");
        let e = WorldFile::parse(&text).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("scheme"));
        assert!(e.hint.unwrap().contains("golden-key"));
    }
}
