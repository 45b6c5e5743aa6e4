//! `doormat attack dual-ec`: a backdoor file against a world's capture. The predictor
//! itself is [`super::predict`]; this drives it over a capture and counts what it opens.

use std::path::Path;
use std::time::Instant;

use rayon::prelude::*;
use serde::Serialize;

pub use super::predict::{Predictor, SearchCost, SearchRecord, MAX_FAILED_SEARCHES};
use super::{world_q, BackdoorFile};
use crate::error::{InputError, Result};
use crate::fsutil::read_small_text;
use crate::schemes::opening::{open_with_key, BlastRadius, Outcome, Tally, BATCH};
use crate::schemes::registry::WorldFiles;
use crate::wire::world_file::WORLD_JSON;

/// What `doormat attack dual-ec` found.
#[derive(Debug, Clone, Serialize)]
pub struct DualEcReport {
    /// Who the backdoor file says holds it.
    pub holder: String,
    /// Whether its `d` fits the Q in the devices (`d·Q = P`). A backdoor that does not
    /// fit predicts nothing, and is not searched with.
    pub fits: bool,
    /// Whose Q the devices hold when `d` does not fit: a world whose Q was replaced
    /// names who replaced it (Juniper); otherwise the backdoor was made for another
    /// world. `None` when it fits.
    pub q_replaced_by: Option<String>,
    /// Envelopes in the capture.
    pub messages_total: u64,
    /// Envelopes opened with predicted content keys.
    pub messages_opened: u64,
    /// Senders whose generator state was recovered.
    pub states_recovered: u64,
    /// x-coordinates tried across every state search.
    pub candidates_tried: u64,
    /// States that passed the 16-bit check and failed the full one.
    pub false_states: u64,
    /// Wall-clock time of the attack.
    pub seconds: f64,
    /// What opened, user by user.
    pub radius: BlastRadius,
}

/// Opens `world`'s capture with the backdoor in `file`: for each sender, the state from
/// its first `rnd`, then every content key after it. `on_search` hears how many state
/// searches have finished.
pub fn attack(
    world: &dyn WorldFiles,
    file: &BackdoorFile,
    on_search: &(dyn Fn(u64) + Sync),
) -> Result<DualEcReport> {
    let started = Instant::now();
    let q = world_q(&world.file().parameters).map_err(|e| e.file(world.root().join(WORLD_JSON)))?;
    let fits = file.backdoor.opens(&q);
    let mut predictor = Predictor::new(file.backdoor.clone(), q);
    let mut tally = Tally::new(world.file().user_names());
    let mut capture = world.capture_stream()?;
    loop {
        let batch = capture.next_batch(BATCH)?;
        if batch.is_empty() {
            break;
        }
        let keys = if fits {
            predictor.content_keys(&batch, on_search)
        } else {
            (0..batch.len()).map(|_| None).collect()
        };
        let outcomes: Vec<Outcome> = batch
            .par_iter()
            .zip(keys)
            .map(|(envelope, key)| match key {
                None => Outcome::Sealed,
                Some(key) => open_with_key(envelope, &key),
            })
            .collect();
        for (envelope, outcome) in batch.iter().zip(&outcomes) {
            tally.count(envelope, outcome);
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    let radius = tally.finish(seconds);
    let cost = predictor.cost();
    Ok(DualEcReport {
        holder: file.holder.clone(),
        fits,
        q_replaced_by: if fits {
            None
        } else {
            world
                .file()
                .parameters
                .text("rekeyed_by")
                .map(str::to_owned)
        },
        messages_total: radius.messages_total,
        messages_opened: radius.messages_opened,
        states_recovered: cost.states_recovered,
        candidates_tried: cost.candidates_tried,
        false_states: cost.false_states,
        seconds,
        radius,
    })
}

/// Reads a backdoor file given for `world`, refusing a world that is not dual-ec.
pub fn load_backdoor(world: &dyn WorldFiles, path: &Path) -> Result<BackdoorFile> {
    let file = BackdoorFile::parse(&read_small_text(path, "a backdoor file")?)
        .map_err(|e| e.file(path))?;
    if !crate::schemes::design(world.file().scheme).predictable_randomness() {
        return Err(InputError::new(format!(
            "is a {} world: its devices draw no public randomness for a backdoor to read",
            world.file().scheme
        ))
        .file(world.root().join(WORLD_JSON))
        .hint("a Dual_EC backdoor reads dual-ec worlds: doormat simulate --scheme dual-ec")
        .into());
    }
    Ok(file)
}
