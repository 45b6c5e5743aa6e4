//! What a stolen Sender Keys device opens: the thief plays the copy forward over the
//! recorded traffic as the device would.
//!
//! - Every chain the device held when it was copied, its own and the other members',
//!   opens that chain's messages from then on, until its sender starts a new one:
//!   chain keys only move forward, so nothing the chain sealed before opens.
//! - A new chain is handed to the members through the pairwise sessions, and those are
//!   followed as under `forward-secret` ([`Follower`]): it opens while the pairwise
//!   session has not healed.

use std::collections::HashMap;

use super::chain::{SenderChain, SenderKeysDevice};
use crate::crypto::aead::ContentKey;
use crate::crypto::CouldNotOpen;
use crate::schemes::capability::{Capability, InOrder};
use crate::schemes::forward_secret::follow::Follower;
use crate::schemes::forward_secret::ratchet::Key32;
use crate::wire::envelope::Envelope;

/// A stolen Sender Keys device, played forward over a capture in send order.
#[derive(Clone)]
pub struct ChainFollower {
    pairwise: Follower,
    /// The chains reached so far, by (sender, chain id).
    chains: HashMap<(String, u32), SenderChain>,
}

impl std::fmt::Debug for ChainFollower {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChainFollower")
            .field("user", &self.pairwise.user)
            .field("t", &self.pairwise.t)
            .field("chains", &self.chains.len())
            .finish_non_exhaustive()
    }
}

impl ChainFollower {
    /// Follows `device`, copied just after `t`.
    pub fn new(device: &SenderKeysDevice, t: u64) -> Self {
        let user = &device.pairwise.name;
        let mut chains: HashMap<(String, u32), SenderChain> = device
            .received
            .iter()
            .map(|(slot, chain)| (slot.clone(), chain.clone()))
            .collect();
        for own in device.own.values() {
            chains.insert((user.clone(), own.id), own.chain.clone());
        }
        ChainFollower {
            pairwise: Follower::new(&device.pairwise, t),
            chains,
        }
    }

    /// The key of `envelope`, if the stolen state reaches it: `None` where it has no
    /// way in (no chain of the sender's, or a message its chain had passed when it was
    /// taken).
    pub fn content_key(&mut self, envelope: &Envelope) -> Option<Result<ContentKey, CouldNotOpen>> {
        let header = envelope.sender_key?;
        let slot = (envelope.from.clone(), header.id);
        // The pairwise sessions move with every entry the device would have read, whether
        // or not the chain it carries is new to the thief.
        if let Some(Ok(handed)) = self.pairwise.content_key(envelope) {
            self.chains.entry(slot.clone()).or_insert(SenderChain {
                ck: Key32::from_bytes(*handed.expose_secret()),
                n: header.iteration,
            });
        }
        let chain = self.chains.get_mut(&slot)?;
        chain.key_for(header.iteration).map(Ok)
    }
}

impl Capability for ChainFollower {
    fn in_order(&self) -> Option<Box<dyn InOrder>> {
        Some(Box::new(self.clone()))
    }
}

impl InOrder for ChainFollower {
    fn content_keys(
        &mut self,
        batch: &[Envelope],
    ) -> Vec<Option<Result<ContentKey, CouldNotOpen>>> {
        batch.iter().map(|e| self.content_key(e)).collect()
    }
}
