//! The designs doormat compares, behind one trait.
//!
//! Every scheme seals a message the same end-to-end way (a fresh content key, AES-256-GCM,
//! the key wrapped with RSA-OAEP for sender and recipients); what distinguishes an
//! exceptional-access design is what it *adds* to each envelope. That addition is the
//! one method a scheme implements.

pub mod capability;
pub mod clear;
pub mod client_scan;
pub mod clipper;
pub mod dual_ec;
pub mod finding;
pub mod forward_secret;
pub mod ghost;
pub mod golden_key;
pub mod keyring;
pub mod network;
pub mod none;
pub mod opening;
pub mod params;
pub mod provider_escrow;
pub mod registry;
pub mod said;
pub mod sender_keys;
pub mod short_key;
pub mod snapshot;
pub mod split_key;
pub mod stage;
pub mod workfactor;

use std::collections::HashMap;

use crate::crypto::aead::{self, ContentKey};
use crate::crypto::random::RandomStream;
use crate::crypto::rsa_oaep::{PrivateKey, PublicKey};
use crate::wire::envelope::{aad, Envelope};
use crate::wire::message::Message;
use crate::wire::world_file::Role;

pub use crate::wire::scheme_id::SchemeId;
pub use clear::VENDOR_NAME;
pub use golden_key::{GoldenKey, ESCROW_NAME};
pub use none::NoEscrow;
pub use params::{DesignFlags, SchemeParams};
pub use provider_escrow::PROVIDER_NAME;
pub use registry::Design;

/// What a sender's device drew for one message, in a design whose devices' randomness
/// carries state from one message to the next.
pub struct DeviceDraw {
    /// The message's content key.
    pub key: ContentKey,
    /// Public random bytes drawn just before the key, for the envelope's `rnd`.
    pub rnd: Option<[u8; crate::wire::envelope::RND_LEN]>,
}

/// A party and its private key.
#[derive(Debug, Clone)]
pub struct Party {
    /// Its name, as world.json and envelopes carry it.
    pub name: String,
    /// What it is in the story.
    pub role: Role,
    /// Its RSA private key.
    pub key: PrivateKey,
}

/// An exceptional-access design (or the baseline without one).
pub trait Scheme: Send + Sync {
    /// The design this sealer belongs to: the `scheme` of its envelopes.
    fn id(&self) -> SchemeId;

    /// A fresh content key. Only a design that weakens the key itself overrides this.
    fn new_content_key(&self, rng: &mut RandomStream) -> ContentKey {
        ContentKey::generate(rng)
    }

    /// The content keys for `batch`, drawn on the senders' devices in each sender's
    /// order, for a design whose generators carry state from message to message
    /// (Dual_EC). `None`, the default: each message draws its key from its own stream,
    /// and messages seal in any order.
    fn device_draws(&self, _batch: &[Message]) -> Option<Vec<DeviceDraw>> {
        None
    }

    /// Adds this design's exceptional access to an envelope that carries a content
    /// key (a message, or the first message of a session). The message is in reach,
    /// plaintext included, as it is on the sending device: a design that scans content
    /// before sealing reads it here.
    fn add_exceptional_access(
        &self,
        envelope: &mut Envelope,
        message: &Message,
        key: &ContentKey,
        rng: &mut RandomStream,
    );

    /// A reader, in capture order, of the envelopes this sealer seals, for `material`
    /// someone holds (Dual_EC: a backdoor whose `d` fits this sealer's Q), running at
    /// most `live_searches` costly searches and reporting the rest as skipped. `None`,
    /// the default: the material reads nothing of this sealer's envelopes in order.
    fn in_order_reader(
        &self,
        _material: &registry::Loot,
        _live_searches: usize,
    ) -> Option<Box<dyn capability::InOrder>> {
        None
    }

    /// Points the relay's hidden reader at every conversation of `at`'s user from its
    /// logical time on, or at no one (`None`). Returns whether this design's relay adds
    /// readers at all (the ghost); the default adds no one.
    fn point_hidden_reader(&mut self, _at: Option<(&str, u64)>) -> bool {
        false
    }

    /// What the devices sent besides the envelopes since the last call, as JSON lines
    /// in time order, for [`Design::report_file`] (client-scan: reports of matches).
    fn take_reports(&self) -> Vec<String> {
        Vec::new()
    }
}

/// Every design, in the order `doormat compare` shows them: the baselines first.
pub static DESIGNS: &[&dyn Design] = &[
    &none::NoneDesign,
    &forward_secret::ForwardSecretDesign,
    &sender_keys::SenderKeysDesign,
    &golden_key::GoldenKeyDesign,
    &split_key::SplitKeyDesign,
    &provider_escrow::ProviderEscrowDesign,
    &clear::ClearDesign,
    &ghost::GhostDesign,
    &clipper::ClipperDesign,
    &short_key::ShortKeyDesign,
    &dual_ec::DualEcDesign,
    &workfactor::WorkfactorDesign,
    &client_scan::ClientScanDesign,
];

/// The design named `id`.
pub fn design(id: SchemeId) -> &'static dyn Design {
    DESIGNS
        .iter()
        .copied()
        .find(|d| d.id() == id)
        // tests::every_scheme_id_has_one_design keeps this true.
        .unwrap_or_else(|| unreachable!("{id} has no entry in DESIGNS"))
}

/// The users' public keys, by name: what the provider's directory serves.
#[derive(Default, Clone)]
pub struct Directory {
    keys: HashMap<String, PublicKey>,
}

impl Directory {
    /// Publishes `name`'s public key.
    pub fn insert(&mut self, name: &str, key: PublicKey) {
        self.keys.insert(name.to_owned(), key);
    }
    /// `name`'s public key, if it is listed.
    pub fn get(&self, name: &str) -> Option<&PublicKey> {
        self.keys.get(name)
    }
}

/// Seals one message with the content key its sender's device drew, and the public
/// random bytes drawn with it.
pub fn seal_drawn(
    scheme: &dyn Scheme,
    directory: &Directory,
    message: &Message,
    draw: DeviceDraw,
    rng: &mut RandomStream,
) -> Envelope {
    let mut envelope = seal(scheme, directory, message, &draw.key, true, rng);
    envelope.rnd = draw.rnd;
    envelope
}

/// Seals one message under `scheme`.
///
/// `key` is the message's content key (or its session's); `carries_key` is false for
/// the later messages of a session, which carry only the session id.
pub fn seal(
    scheme: &dyn Scheme,
    directory: &Directory,
    message: &Message,
    key: &ContentKey,
    carries_key: bool,
    rng: &mut RandomStream,
) -> Envelope {
    let nonce = aead::random_nonce(rng);
    // (The content key itself comes from the caller: one per message, or per session.)
    let ct = aead::seal(
        key,
        &nonce,
        &aad(&message.id, &message.from, &message.to),
        message.text.as_bytes(),
    );
    let mut envelope = Envelope::new(message, scheme.id(), nonce, ct);
    if carries_key {
        for reader in std::iter::once(&message.from).chain(&message.to) {
            let public = directory
                .get(reader)
                // The traffic generator only draws names from the directory.
                .expect("every reader of a simulated message is in the directory");
            envelope
                .wrapped
                .push((reader.clone(), public.wrap(rng, key)));
        }
        scheme.add_exceptional_access(&mut envelope, message, key, rng);
    }
    envelope
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_names_every_known_scheme_in_the_hint() {
        assert_eq!(SchemeId::parse("golden-key").unwrap(), SchemeId::GoldenKey);
        let e = SchemeId::parse("golden").unwrap_err();
        let hint = e.hint.unwrap();
        let every: Vec<&str> = SchemeId::ALL.iter().map(SchemeId::as_str).collect();
        assert!(hint.ends_with(&every.join(", ")), "{hint}");
        assert!(hint.contains("none, golden-key, split-key"), "{hint}");
    }
}
