//! `none`: end-to-end encryption with no exceptional access, the baseline every other
//! design is measured against.

use super::registry::{Built, Design, Inputs, Invited, Theft};
use super::{Scheme, SchemeId};
use crate::crypto::aead::ContentKey;
use crate::crypto::random::RandomStream;
use crate::error::Result;
use crate::wire::envelope::Envelope;
use crate::wire::message::Message;

/// The baseline: nothing added. The provider-escrow and CLEAR designs seal the same
/// way: their exceptional access sits in a vault, not in the envelopes.
pub struct NoEscrow {
    /// `ProviderEscrow` when the provider keeps every device key in its vault.
    pub id: SchemeId,
}

impl Scheme for NoEscrow {
    fn id(&self) -> SchemeId {
        self.id
    }
    fn add_exceptional_access(
        &self,
        _: &mut Envelope,
        _: &Message,
        _: &ContentKey,
        _: &mut RandomStream,
    ) {
    }
}

/// The baseline design.
pub struct NoneDesign;

impl Design for NoneDesign {
    fn id(&self) -> SchemeId {
        SchemeId::None
    }
    fn summary(&self) -> &'static str {
        "end to end only: the readers alone hold the keys"
    }
    fn takes_snapshots(&self) -> bool {
        true
    }
    fn build(&self, _: &Inputs) -> Result<Built> {
        Ok(Built::sealer(NoEscrow { id: SchemeId::None }))
    }
    fn invited(&self, _: &super::SchemeParams, victim: &str, _: u64) -> Vec<Invited> {
        vec![
            Invited::new(
                format!("{victim}'s key"),
                vec![Theft::Party(victim.to_owned())],
            ),
            Invited::absent("escrow key"),
        ]
    }
}
