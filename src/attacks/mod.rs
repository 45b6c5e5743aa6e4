//! What a compromise opens.
//!
//! The attacker needs no per-scheme code: it is handed a [`Keyring`] of stolen keys and
//! runs the *honest* opening logic with them over the recorded traffic. Whatever an
//! honest reader holding those keys could open, the attacker opens; the [`Tally`] counts
//! it into a [`BlastRadius`].

pub mod brute_force;
mod compromise;
mod keyring;
pub mod leaf_metadata;
mod open;
mod report;
pub mod timeline;

pub use compromise::{assemble, load_family_key, Compromise, Stolen};
pub use keyring::{Holding, Keyring};
pub use open::{Opener, Outcome};
pub use report::{BlastRadius, Tally, UserExposure};

use std::io::Write;
use std::time::Instant;

use crate::error::{Error, Result};
use crate::fsutil::AtomicFile;
use crate::wire::plaintext::Plaintext;
use crate::world::disk::WorldDir;

/// Envelopes opened per parallel batch when streaming a capture from disk.
const BATCH: usize = 4096;

/// Opens every envelope of a world's capture that `keyring` can open, streaming the
/// capture so memory stays flat. Plaintexts go to `out` as JSON lines, in capture order;
/// the caller commits it once the whole capture has been read.
/// `progress` receives `(bytes read, bytes total)` of the capture.
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
    loop {
        let batch = capture.next_batch(BATCH)?;
        if batch.is_empty() {
            break;
        }
        let outcomes = opener.open_batch(&batch);
        for (envelope, outcome) in batch.iter().zip(&outcomes) {
            tally.count(envelope, outcome);
            if let (Some(out), Outcome::Opened(text)) = (out.as_deref_mut(), outcome) {
                let record = Plaintext::opened(envelope, text.clone());
                if let Err(e) = writeln!(out.writer(), "{}", record.to_json_line()) {
                    return Err(Error::io(out.destination(), e));
                }
            }
        }
        progress(capture.bytes_read(), capture.total_bytes);
    }
    Ok(tally.finish(started.elapsed().as_secs_f64()))
}
