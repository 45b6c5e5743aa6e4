//! `forward-secret`: the baseline that exceptional access would have to give up.
//!
//! Signal's design, with no escrow: X3DH starts a pairwise session ([`x3dh`]), the
//! Double Ratchet gives every message its own key and forgets it ([`ratchet`]). A group
//! message is sealed once under a fresh content key (AES-256-GCM with wire format v1's
//! associated data) and that content key is sent to each recipient through their
//! pairwise ratchet ("pairwise fan-out").
//!
//! What a device compromise at time T opens is computed by [`follow`], which plays the
//! stolen state forward over the recorded traffic the way the device itself would.

pub mod device;
pub mod follow;
pub mod ratchet;
pub mod snapshot;
pub mod x3dh;
