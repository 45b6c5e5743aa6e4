//! `golden-key`: every content key is also wrapped for one escrow public key, whose
//! private half opens every message ever sent.

use super::registry::{Built, Design, Inputs, Invited, Theft};
use super::{Scheme, SchemeId};
use crate::crypto::aead::ContentKey;
use crate::crypto::random::RandomStream;
use crate::crypto::rsa_oaep::PublicKey;
use crate::error::Result;
use crate::wire::envelope::Envelope;
use crate::wire::message::Message;
use crate::wire::world_file::Role;

/// The name of the escrow authority's party in every world that has one.
pub const ESCROW_NAME: &str = "escrow";

/// The golden key: one escrow public key receives every content key. The split-key
/// design seals exactly the same way; what differs is who holds the private half.
pub struct GoldenKey {
    /// The escrow authority's public key.
    pub escrow: PublicKey,
    /// `SplitKey` when the private half is split among agents.
    pub id: SchemeId,
}

impl Scheme for GoldenKey {
    fn id(&self) -> SchemeId {
        self.id
    }
    fn add_exceptional_access(
        &self,
        envelope: &mut Envelope,
        _: &Message,
        key: &ContentKey,
        rng: &mut RandomStream,
    ) {
        envelope.escrow = Some(self.escrow.wrap(rng, key));
    }
}

/// The golden-key design.
pub struct GoldenKeyDesign;

impl Design for GoldenKeyDesign {
    fn exercises(&self) -> &'static [&'static str] {
        &["leaked-golden-key", "user-key-vs-escrow"]
    }
    fn events(&self) -> &'static [&'static str] {
        &["rotate"]
    }

    fn id(&self) -> SchemeId {
        SchemeId::GoldenKey
    }
    fn summary(&self) -> &'static str {
        "each content key also wrapped for one escrow key"
    }
    fn takes_snapshots(&self) -> bool {
        true
    }
    fn parties(&self) -> &'static [(&'static str, Role)] {
        &[(ESCROW_NAME, Role::Escrow)]
    }
    fn authority(&self) -> Option<&'static str> {
        Some(ESCROW_NAME)
    }
    fn holds(&self, _: &str) -> &'static str {
        "a copy of every message key"
    }
    fn build(&self, inputs: &Inputs) -> Result<Built> {
        let escrow = inputs.party(ESCROW_NAME)?;
        Ok(Built::sealer(GoldenKey {
            escrow: escrow.key.public_key().clone(),
            id: SchemeId::GoldenKey,
        }))
    }
    fn rotate(
        &self,
        new_key: &crate::crypto::rsa_oaep::PrivateKey,
        _: &super::SchemeParams,
        _: &mut crate::crypto::random::RandomStream,
    ) -> Option<super::registry::Rotated> {
        Some(super::registry::Rotated {
            sealer: Box::new(GoldenKey {
                escrow: new_key.public_key().clone(),
                id: SchemeId::GoldenKey,
            }),
            loot: Vec::new(),
        })
    }
    fn invited(&self, _: &super::SchemeParams, _: &str, _: u64) -> Vec<Invited> {
        vec![Invited::new(
            "escrow key",
            vec![Theft::Party(ESCROW_NAME.to_owned())],
        )]
    }
}
