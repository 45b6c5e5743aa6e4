//! What a compromise opens.
//!
//! The attacker needs no per-scheme code: it is handed a [`Keyring`] of stolen keys and
//! runs the *honest* opening logic with them over the recorded traffic. Whatever an
//! honest reader holding those keys could open, the attacker opens; the [`Tally`] counts
//! it into a [`BlastRadius`].

pub mod brute_force;
mod compromise;
pub mod image_job;
pub mod perceptual;
mod report;
pub mod search_target;

// A design's own attacks live with the design; the attack commands reach them here.
/// List poisoning, client-scan's own attack.
pub use crate::schemes::client_scan::poison;
/// Clipper's LEAF, read with the family key and forged.
pub use crate::schemes::clipper::leaf;
/// Dual_EC's backdoor, run over a capture.
pub use crate::schemes::dual_ec::attack as dual_ec;
pub use crate::schemes::keyring::{Holding, Keyring};
pub use crate::schemes::opening::timeline;
pub use crate::schemes::opening::{
    open_all, open_with_key, BlastRadius, Opener, Outcome, Tally, UserExposure, BATCH,
};
pub use compromise::{assemble, keyring_from_loot, Compromise, Stolen};
pub use report::{ComparisonRow, KeyHeld, RecoverReport};

use std::io::Write;
use std::time::Instant;

use crate::error::{Error, Result};
use crate::fsutil::AtomicFile;
use crate::wire::envelope::Envelope;
use crate::wire::plaintext::Plaintext;
use crate::world::disk::WorldDir;

/// Opens every envelope of a world's capture that `keyring` can open, streaming the
/// capture so memory stays flat. Plaintexts go to `out` as JSON lines, in capture order;
/// the caller commits it once the whole capture has been read.
/// `progress` receives `(bytes read, bytes total)` of the capture.
///
/// Two stages overlap: while one batch is read, parsed and opened (itself spread over
/// every core), the batch before it is counted and written out. Counting is sequential,
/// and without the overlap it would keep the other cores waiting.
pub fn recover(
    world: &WorldDir,
    keyring: &Keyring,
    mut out: Option<&mut AtomicFile>,
    progress: &dyn Fn(u64, u64),
) -> Result<BlastRadius> {
    let started = Instant::now();
    let mut capture = world.capture()?;
    let mut opener = Opener::new(keyring);
    let mut tally = Tally::new(world.file.user_names()).watching(keyring.stolen_devices());
    let mut opened: Option<(Vec<Envelope>, Vec<Outcome>)> = None;
    loop {
        let previous = opened.take();
        let (next, counted) = rayon::join(
            || -> Result<_> {
                let batch = capture.next_batch(BATCH)?;
                let outcomes = opener.open_batch(&batch);
                Ok((batch, outcomes))
            },
            // This stage also owns the previous batch, so that freeing it is not left
            // to the loop between stages either.
            || match previous {
                Some((batch, outcomes)) => count(&mut tally, out.as_deref_mut(), &batch, &outcomes),
                None => Ok(()),
            },
        );
        counted?;
        let (batch, outcomes) = next?;
        progress(capture.bytes_read(), capture.total_bytes);
        if batch.is_empty() {
            break;
        }
        opened = Some((batch, outcomes));
    }
    Ok(tally.finish(started.elapsed().as_secs_f64()))
}

/// Counts one opened batch, and writes its plaintexts to `out`.
fn count(
    tally: &mut Tally,
    mut out: Option<&mut AtomicFile>,
    batch: &[Envelope],
    outcomes: &[Outcome],
) -> Result<()> {
    for (envelope, outcome) in batch.iter().zip(outcomes) {
        tally.count(envelope, outcome);
        if let (Some(out), Outcome::Opened(text)) = (out.as_deref_mut(), outcome) {
            let record = Plaintext::opened(envelope, text.clone());
            if let Err(e) = writeln!(out.writer(), "{}", record.to_json_line()) {
                return Err(Error::io(out.destination(), e));
            }
        }
    }
    Ok(())
}
