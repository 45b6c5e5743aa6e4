//! The opening side of a design, behind one interface: what a piece of stolen or
//! handed-over material can do to an envelope.
//!
//! An RSA private key is the common case and the [`Keyring`](super::keyring::Keyring)
//! holds those itself. Everything else a design's exceptional access hands over is a
//! [`Capability`], defined beside the design that makes it:
//! - stateless, tried on each envelope on its own and so in parallel (Clipper's family
//!   key with released unit keys reads a LEAF);
//! - in order, a reader that must see every envelope of the capture in the order it was
//!   recorded (a stolen ratchet played forward, a Dual_EC generator predicted).
//!
//! The opener knows only this trait, so a new design's material (a group's epoch
//! secrets, say) opens envelopes without a new arm anywhere outside its module.

use std::fmt;

use crate::crypto::aead::ContentKey;
use crate::crypto::CouldNotOpen;
use crate::wire::envelope::Envelope;

/// What unwrapping an envelope's content key came to.
pub enum Unwrapped {
    /// The content key.
    Key(ContentKey),
    /// The material was a reader of this envelope, but it did not open: tampered or
    /// mis-addressed.
    Failed,
    /// The material is no reader of this envelope.
    NoSlot,
}

impl From<Result<ContentKey, CouldNotOpen>> for Unwrapped {
    fn from(opened: Result<ContentKey, CouldNotOpen>) -> Self {
        match opened {
            Ok(key) => Unwrapped::Key(key),
            Err(CouldNotOpen) => Unwrapped::Failed,
        }
    }
}

/// What one piece of material can do to envelopes. Both ways default to nothing, so a
/// capability implements the one it has.
pub trait Capability: fmt::Debug + Send + Sync {
    /// The content key of `envelope`, tried on it alone.
    fn unwrap(&self, _envelope: &Envelope) -> Unwrapped {
        Unwrapped::NoSlot
    }

    /// A fresh reader that follows the capture from its first envelope, or `None` for
    /// material that needs no order.
    fn in_order(&self) -> Option<Box<dyn InOrder>> {
        None
    }
}

/// A reader that sees every envelope of a capture in recorded order, batch by batch.
pub trait InOrder: Send {
    /// For each envelope of `batch`, in order: the content key, an envelope this reader
    /// should have opened but could not, or `None` where it is no reader.
    fn content_keys(&mut self, batch: &[Envelope])
        -> Vec<Option<Result<ContentKey, CouldNotOpen>>>;

    /// The costly searches it ran, or left to others, since it was last asked: what a
    /// live demo reports beside what the reader opened. Nothing, for a reader that
    /// searches for nothing.
    fn take_work(&mut self) -> Vec<LiveWork> {
        Vec::new()
    }
}

/// One piece of costly work an in-order reader ran, or left undone, for one device.
#[derive(Debug, Clone, PartialEq)]
pub enum LiveWork {
    /// A search for one device's hidden state (a Dual_EC generator's), timed.
    Searched {
        /// Whose device.
        device: String,
        /// Candidates tried.
        tried: u64,
        /// Wall-clock seconds it took.
        seconds: f64,
        /// Whether it found the state.
        found: bool,
    },
    /// Devices left unsearched, for want of time: the same search each.
    Skipped {
        /// Whose devices.
        devices: Vec<String>,
    },
}
