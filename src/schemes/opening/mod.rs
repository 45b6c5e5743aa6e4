//! Opening a capture with what a party holds, and counting what opened: the honest
//! opening logic ([`open`]), run with whatever keys and capabilities a [`Keyring`]
//! gathers, and the count of it by user and over time ([`tally`], [`timeline`]).
//!
//! It sits below the attacks so that a design's own attack (Clipper's LEAF, Dual_EC's
//! backdoor) can live in its module and still count what it opens the common way.
//!
//! [`Keyring`]: super::keyring::Keyring

use crate::wire::envelope::Envelope;

pub mod open;
pub mod tally;
pub mod timeline;

pub use open::{open_all, open_with_key, Opener, Outcome};
pub use tally::{BlastRadius, Tally, UserExposure};

/// Envelopes opened per parallel batch when streaming a capture from disk.
pub const BATCH: usize = 4096;

/// A world's capture, read in recorded order: what a design's own attack streams
/// through. The world layer reads and checks the file; this is all an attack sees.
pub trait CaptureStream {
    /// Up to `n` envelopes; empty at the end.
    fn next_batch(&mut self, n: usize) -> crate::error::Result<Vec<Envelope>>;
    /// Bytes read so far, for progress.
    fn bytes_read(&self) -> u64;
    /// Size of the capture, for progress.
    fn total_bytes(&self) -> u64;

    /// The next envelope, or `None` at the end.
    fn next_envelope(&mut self) -> crate::error::Result<Option<Envelope>> {
        Ok(self.next_batch(1)?.pop())
    }
}
