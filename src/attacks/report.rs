//! What the attack commands report of a compromise: `doormat recover`'s keys and
//! findings, and the rows `doormat compare` lays side by side.

use serde::Serialize;

use super::BlastRadius;

/// One row of `doormat compare` and of a demo's comparison: a design, the compromise it
/// invites, and what that compromise opens.
#[derive(Debug, Clone, Serialize)]
pub struct ComparisonRow {
    /// The design.
    pub scheme: String,
    /// What was stolen, in a few words.
    pub compromise: String,
    /// `None` where the compromise does not exist in that design (no escrow key to steal).
    pub radius: Option<BlastRadius>,
}

/// What `doormat recover` reports: the keys the compromise became, what it took to
/// build them, and what they opened. Its JSON (with each finding also in words) is
/// written by the report layer, which holds the words.
#[derive(Debug, Clone)]
pub struct RecoverReport {
    /// The world's directory.
    pub world: std::path::PathBuf,
    /// Its design.
    pub scheme: crate::schemes::SchemeId,
    /// The keys held, RSA keys first, then identity keys (which open nothing alone).
    pub keys: Vec<KeyHeld>,
    /// Each step that turned exceptional access, or a theft, into keys.
    pub findings: Vec<crate::schemes::finding::Finding>,
    /// What the keys opened.
    pub radius: BlastRadius,
    /// Where the opened plaintexts were written, with `--out`.
    pub out: Option<std::path::PathBuf>,
}

/// One key a compromise holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeyHeld {
    /// Whose key it is.
    pub party: String,
    /// What that party is in the story.
    pub role: crate::wire::world_file::Role,
    /// `sha256:` and the hex SHA-256 of the public key.
    pub fingerprint: String,
    /// `"identity"` for an Ed25519 identity key; absent for an RSA key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<&'static str>,
}

impl RecoverReport {
    /// The report of `compromise` against the world at `world`, which opened `radius`.
    pub fn new(
        world: &crate::world::disk::WorldDir,
        compromise: &super::Compromise,
        radius: BlastRadius,
        out: Option<std::path::PathBuf>,
    ) -> Self {
        let keyring = &compromise.keyring;
        let keys = keyring
            .holdings()
            .iter()
            .map(|h| KeyHeld {
                party: h.party.clone(),
                role: h.role,
                fingerprint: h.key.fingerprint().to_string(),
                kind: None,
            })
            .chain(
                keyring
                    .identities()
                    .iter()
                    .map(|(party, fingerprint)| KeyHeld {
                        party: party.clone(),
                        role: crate::wire::world_file::Role::User,
                        fingerprint: fingerprint.to_string(),
                        kind: Some("identity"),
                    }),
            )
            .collect();
        RecoverReport {
            world: world.root.clone(),
            scheme: world.file.scheme,
            keys,
            findings: compromise.findings.clone(),
            radius,
            out,
        }
    }
}
