//! A Dual_EC backdoor at work: from each sender's first `rnd`, its generator's state;
//! from the state, every content key it draws afterwards, in capture order.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use rayon::prelude::*;
use serde::Serialize;

use super::{next_content_key, BackdoorFile};
use crate::crypto::aead::{self, ContentKey};
use crate::crypto::dual_ec::{recover_state, Backdoor, DualEcDrbg, PointQ, CANDIDATES};
use crate::crypto::CouldNotOpen;
use crate::schemes::capability::{Capability, InOrder, LiveWork};
use crate::wire::envelope::{Envelope, RND_LEN};

/// Failed searches after which a sender is given up on: each costs a full search of
/// 2^16 candidates, and with a backdoor that fits the devices' Q only a tampered
/// envelope fails.
pub const MAX_FAILED_SEARCHES: u32 = 2;

/// What the state searches cost, summed over senders.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct SearchCost {
    /// Generator states recovered (one per sender, unless a sender's stream was broken).
    pub states_recovered: u64,
    /// x-coordinates tried across every search.
    pub candidates_tried: u64,
    /// States that passed the 16-bit check and failed the full one.
    pub false_states: u64,
    /// Searches that found no state: the backdoor does not fit the devices' Q.
    pub searches_failed: u64,
}

/// Predicts the content keys of a dual-ec capture with a backdoor that fits its Q,
/// envelope by envelope in capture order, keeping each sender's generator between
/// batches.
pub struct Predictor {
    backdoor: Backdoor,
    q: PointQ,
    generators: HashMap<String, DualEcDrbg>,
    /// Searches that failed, per sender: a sender whose envelopes keep failing (a
    /// tampered capture) is given up on rather than searched envelope after envelope.
    failures: HashMap<String, u32>,
    cost: SearchCost,
    /// State searches finished, for a progress bar while they run.
    searches: AtomicU64,
    /// At most this many senders are searched for (a live demo's time); `None`: all.
    search_limit: Option<usize>,
    /// Senders searched for, in the order first seen.
    searched: Vec<String>,
    /// Senders left unsearched because of the limit.
    skipped: Vec<String>,
    /// Each state search, in the order they finished.
    records: Vec<SearchRecord>,
}

/// One state search.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchRecord {
    /// Whose generator.
    pub sender: String,
    /// Whether a state was found.
    pub found: bool,
    /// x-coordinates tried.
    pub candidates_tried: u64,
    /// Wall-clock seconds.
    pub seconds: f64,
}

impl Predictor {
    /// A predictor for devices using `q`.
    pub fn new(backdoor: Backdoor, q: PointQ) -> Self {
        Predictor {
            backdoor,
            q,
            generators: HashMap::new(),
            failures: HashMap::new(),
            cost: SearchCost::default(),
            searches: AtomicU64::new(0),
            search_limit: None,
            searched: Vec::new(),
            skipped: Vec::new(),
            records: Vec::new(),
        }
    }

    /// Searches for at most `senders` senders' states, the first seen: what a live demo
    /// has time for. The others' messages stay unread, and [`Predictor::skipped`]
    /// names them.
    pub fn with_search_limit(mut self, senders: usize) -> Self {
        self.search_limit = Some(senders);
        self
    }

    /// Senders left unsearched because of the limit.
    pub fn skipped(&self) -> &[String] {
        &self.skipped
    }

    /// Each state search so far, in the order they finished.
    pub fn records(&self) -> &[SearchRecord] {
        &self.records
    }

    /// What the searches have cost so far.
    pub fn cost(&self) -> SearchCost {
        self.cost
    }

    /// The content key of each envelope of `batch` that carries `rnd`, in order; `None`
    /// where none was found. Senders are worked on in parallel, each in capture order.
    /// `on_search` hears the number of state searches finished so far, after each.
    pub fn content_keys(
        &mut self,
        batch: &[Envelope],
        on_search: &(dyn Fn(u64) + Sync),
    ) -> Vec<Option<ContentKey>> {
        // Each sender's envelopes, senders in the order first seen.
        let mut by_sender: Vec<(&str, Vec<usize>)> = Vec::new();
        for (i, envelope) in batch.iter().enumerate() {
            if envelope.rnd.is_none() {
                continue;
            }
            match by_sender
                .iter_mut()
                .find(|(name, _)| *name == envelope.from)
            {
                Some((_, indices)) => indices.push(i),
                None => by_sender.push((&envelope.from, vec![i])),
            }
        }
        let limit = self.search_limit.unwrap_or(usize::MAX);
        by_sender.retain(|(name, _)| {
            let name = (*name).to_owned();
            if self.generators.contains_key(&name) || self.searched.contains(&name) {
                return true;
            }
            if self.searched.len() < limit {
                self.searched.push(name);
                return true;
            }
            if !self.skipped.contains(&name) {
                self.skipped.push(name);
            }
            false
        });
        let work: Vec<(String, Vec<usize>, Option<DualEcDrbg>, u32)> = by_sender
            .into_iter()
            .map(|(name, indices)| {
                let generator = self.generators.remove(name);
                let failures = self.failures.get(name).copied().unwrap_or(0);
                (name.to_owned(), indices, generator, failures)
            })
            .collect();
        let (backdoor, q, searches) = (&self.backdoor, self.q, &self.searches);
        let done: Vec<_> = work
            .into_par_iter()
            .map(|(name, indices, mut generator, failures)| {
                let mut cost = SearchCost::default();
                let mut records = Vec::new();
                let keys: Vec<(usize, Option<ContentKey>)> = indices
                    .into_iter()
                    .map(|i| {
                        let failed = failures + cost.searches_failed as u32;
                        let before = cost;
                        let started = Instant::now();
                        let key = follow(&mut generator, &batch[i], backdoor, q, failed, &mut cost);
                        let found = cost.states_recovered > before.states_recovered;
                        if found || cost.searches_failed > before.searches_failed {
                            records.push(SearchRecord {
                                sender: name.clone(),
                                found,
                                candidates_tried: cost.candidates_tried - before.candidates_tried,
                                seconds: started.elapsed().as_secs_f64(),
                            });
                            on_search(searches.fetch_add(1, Ordering::Relaxed) + 1);
                        }
                        (i, key)
                    })
                    .collect();
                (name, generator, keys, cost, records)
            })
            .collect();
        let mut keys: Vec<Option<ContentKey>> = (0..batch.len()).map(|_| None).collect();
        for (name, generator, found, cost, records) in done {
            self.records.extend(records);
            if let Some(generator) = generator {
                self.generators.insert(name.clone(), generator);
            }
            if cost.searches_failed > 0 {
                *self.failures.entry(name).or_default() += cost.searches_failed as u32;
            }
            for (i, key) in found {
                keys[i] = key;
            }
            self.cost.states_recovered += cost.states_recovered;
            self.cost.candidates_tried += cost.candidates_tried;
            self.cost.false_states += cost.false_states;
            self.cost.searches_failed += cost.searches_failed;
        }
        keys
    }
}

/// One envelope of a sender: the generator as it stood predicts its `rnd` exactly, then
/// its key; if it does not (first envelope, or a gap in the capture), the state is
/// searched for afresh from this `rnd`, unless [`MAX_FAILED_SEARCHES`] searches for this
/// sender have already failed.
fn follow(
    generator: &mut Option<DualEcDrbg>,
    envelope: &Envelope,
    backdoor: &Backdoor,
    q: PointQ,
    failed_before: u32,
    cost: &mut SearchCost,
) -> Option<ContentKey> {
    let rnd = envelope.rnd?;
    if let Some(current) = generator.as_mut() {
        let mut trial = current.clone();
        let mut predicted = [0u8; RND_LEN];
        trial.generate(&mut predicted);
        if predicted == rnd {
            let key = next_content_key(&mut trial);
            *current = trial;
            return Some(key);
        }
    }
    if failed_before >= MAX_FAILED_SEARCHES {
        return None;
    }
    let opens = |g: &mut DualEcDrbg| {
        let key = next_content_key(g);
        aead::open(&key, &envelope.nonce, &envelope.aad(), &envelope.ct).is_ok()
    };
    match recover_state(backdoor, q, &rnd, opens) {
        Some(found) => {
            cost.states_recovered += 1;
            cost.candidates_tried += found.candidates_tried;
            cost.false_states += found.false_states;
            let mut recovered = found.generator;
            let key = next_content_key(&mut recovered);
            *generator = Some(recovered);
            Some(key)
        }
        None => {
            cost.candidates_tried += CANDIDATES;
            cost.searches_failed += 1;
            *generator = None;
            None
        }
    }
}

/// A backdoor whose `d` fits the devices' Q: it reads each sender's messages in
/// capture order, once its generator's state is found.
#[derive(Debug, Clone)]
pub struct FittedBackdoor {
    backdoor: Backdoor,
    q: PointQ,
}

impl FittedBackdoor {
    /// The capability `file` gives against devices whose firmware holds `deployed`: none
    /// if it was made for another Q (`d·Q ≠ P`), which predicts nothing.
    pub fn fitting(file: &BackdoorFile, deployed: PointQ) -> Option<Arc<dyn Capability>> {
        file.backdoor.opens(&deployed).then(|| {
            Arc::new(FittedBackdoor {
                backdoor: file.backdoor.clone(),
                q: deployed,
            }) as Arc<dyn Capability>
        })
    }
}

impl Capability for FittedBackdoor {
    fn in_order(&self) -> Option<Box<dyn InOrder>> {
        Some(Box::new(Predictor::new(self.backdoor.clone(), self.q)))
    }
}

impl InOrder for Predictor {
    fn content_keys(
        &mut self,
        batch: &[Envelope],
    ) -> Vec<Option<Result<ContentKey, CouldNotOpen>>> {
        Predictor::content_keys(self, batch, &|_| {})
            .into_iter()
            .map(|key| key.map(Ok))
            .collect()
    }
}

/// A predictor as a live demo runs it: what it opens, and the searches it ran or left
/// undone since it was last asked.
pub struct LivePredictor {
    predictor: Predictor,
    /// Searches and skipped senders already reported.
    reported: (usize, usize),
}

impl LivePredictor {
    /// Reports `predictor`'s work as it goes.
    pub fn new(predictor: Predictor) -> Self {
        LivePredictor {
            predictor,
            reported: (0, 0),
        }
    }
}

impl InOrder for LivePredictor {
    fn content_keys(
        &mut self,
        batch: &[Envelope],
    ) -> Vec<Option<Result<ContentKey, CouldNotOpen>>> {
        InOrder::content_keys(&mut self.predictor, batch)
    }

    fn take_work(&mut self) -> Vec<LiveWork> {
        let (records, skipped) = self.reported;
        let mut work: Vec<LiveWork> = self.predictor.records()[records..]
            .iter()
            .map(|r| LiveWork::Searched {
                device: r.sender.clone(),
                tried: r.candidates_tried,
                seconds: r.seconds,
                found: r.found,
            })
            .collect();
        if self.predictor.skipped().len() > skipped {
            work.push(LiveWork::Skipped {
                devices: self.predictor.skipped()[skipped..].to_vec(),
            });
        }
        self.reported = (
            self.predictor.records().len(),
            self.predictor.skipped().len(),
        );
        work
    }
}
