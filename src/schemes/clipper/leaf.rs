//! Clipper's LEAF, attacked two ways.
//!
//! - The family key alone ([`leaf_metadata`]). Every device shares it, so anyone holding
//!   it decrypts every LEAF and reads the sending device's unit id: traffic analysis of
//!   every call, with no warrant and no unit key.
//! - A forged LEAF ([`leaf_forgery`], Blaze 1994). The receiver checks only a 16-bit
//!   checksum, so a rogue device tries random LEAFs until one passes, and escrow gets
//!   garbage.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use std::path::Path;

use rand::RngCore;
use rayon::prelude::*;

pub use super::LEAF_LEN;
use super::{
    accepts_forgery, checksum, escrow_unwrap, load_family_key, make_leaf, read_leaf,
    receiver_accepts, Clipper, Secret32, FAMILY_KEY_FILE,
};
use crate::crypto::aead::{self, ContentKey};
use crate::crypto::random::Randomness;
use crate::error::{InputError, Result};
use crate::schemes::registry::WorldFiles;
use crate::schemes::said::{Fact, Said};
use crate::schemes::stage::{DesignEvent, OwnEvent, Stage, TotalWork};
use crate::wire::envelope::Envelope;

/// What Clipper's family key alone reveals: who talks to whom, by device.
#[derive(Debug, Clone, Serialize)]
pub struct MetadataReport {
    /// Envelopes in the capture.
    pub messages_total: u64,
    /// Messages whose LEAF named a device.
    pub leafs_read: u64,
    /// Every device seen, by unit id.
    pub devices: Vec<DeviceSeen>,
    /// Pairs of devices seen sending in the same conversation: who talks to whom.
    pub contacts: Vec<Contact>,
}

/// A device identified by the unit id its LEAFs carry.
#[derive(Debug, Clone, Serialize)]
pub struct DeviceSeen {
    /// Its unit id.
    pub unit_id: u32,
    /// Messages it sent.
    pub messages: u64,
    /// The sender names that device's LEAFs travelled with (one, for an honest world).
    pub senders: Vec<String>,
}

/// Two devices seen in one conversation.
#[derive(Debug, Clone, Serialize)]
pub struct Contact {
    /// Their unit ids.
    pub units: [u32; 2],
    /// Messages between them.
    pub messages: u64,
}

/// Reads every LEAF of `world`'s capture with the family key alone, read from
/// `family_key` (a world's `keys/family.key`, checked to be that world's).
pub fn leaf_metadata(
    world: &dyn WorldFiles,
    family_key: &Path,
    progress: &dyn Fn(u64, u64),
) -> Result<MetadataReport> {
    let family = &load_family_key(world, family_key)?;
    let mut capture = world.capture_stream()?;
    let mut total = 0;
    let mut read = 0;
    let mut devices: BTreeMap<u32, (u64, BTreeSet<String>)> = BTreeMap::new();
    let mut conversations: BTreeMap<Vec<String>, (BTreeSet<u32>, u64)> = BTreeMap::new();
    while let Some(envelope) = capture.next_envelope()? {
        total += 1;
        if total % 1024 == 0 {
            progress(capture.bytes_read(), capture.total_bytes());
        }
        let Some(contents) = envelope
            .leaf
            .as_deref()
            .and_then(|leaf| read_leaf(family, leaf, &envelope.nonce))
        else {
            continue;
        };
        read += 1;
        let device = devices.entry(contents.unit_id).or_default();
        device.0 += 1;
        device.1.insert(envelope.from.clone());
        let mut members: Vec<String> = envelope.participants().map(str::to_owned).collect();
        members.sort();
        let conversation = conversations.entry(members).or_default();
        conversation.0.insert(contents.unit_id);
        conversation.1 += 1;
    }
    let mut contacts: BTreeMap<[u32; 2], u64> = BTreeMap::new();
    for (units, messages) in conversations.values() {
        let units: Vec<u32> = units.iter().copied().collect();
        for (i, a) in units.iter().enumerate() {
            for b in &units[i + 1..] {
                *contacts.entry([*a, *b]).or_default() += messages;
            }
        }
    }
    Ok(MetadataReport {
        messages_total: total,
        leafs_read: read,
        devices: devices
            .into_iter()
            .map(|(unit_id, (messages, senders))| DeviceSeen {
                unit_id,
                messages,
                senders: senders.into_iter().collect(),
            })
            .collect(),
        contacts: contacts
            .into_iter()
            .map(|(units, messages)| Contact { units, messages })
            .collect(),
    })
}

/// The result of Blaze's LEAF-forgery experiment.
#[derive(Debug, Clone, Serialize)]
pub struct ForgeryReport {
    /// Forgeries made.
    pub trials: u64,
    /// Tries per forgery, on average.
    pub mean_tries: f64,
    /// Fewest tries one took.
    pub min_tries: u64,
    /// Most tries one took.
    pub max_tries: u64,
    /// 2^16: the expected number of tries for a 16-bit check.
    pub expected_tries: u64,
    /// Standard error of the mean over these trials (a geometric distribution's standard
    /// deviation is close to its mean, so this is about 65,536 / sqrt(trials)).
    pub standard_error: f64,
    /// Trials in which the escrow agents, decrypting the forged LEAF, got the session key.
    pub escrow_recovered: u64,
    /// Trials in which the agents, decrypting an honest device's LEAF for the same
    /// session key, got it: escrow catches the law-abiding, not the rogue.
    pub honest_recovered: u64,
    /// Trials in which the rogue pair's message still opened for its receiver.
    pub conversation_worked: u64,
    /// Wall-clock time.
    pub seconds: f64,
}

/// What the sender of one recorded message knows of its LEAF, for a forgery by hand
/// (the leaf-forgery exercise): the family key every chip holds, and the unit id the
/// message's LEAF names.
pub struct SentLeaf {
    /// The world's family key.
    pub family_key: Secret32,
    /// The sending device's unit id.
    pub unit_id: u32,
}

/// The LEAF of `envelope`, read with the family key of `world` (its instructor's copy,
/// which holds keys/family.key); `None` where the envelope carries no LEAF that key
/// reads.
pub fn sent_leaf(world: &dyn WorldFiles, envelope: &Envelope) -> Result<Option<SentLeaf>> {
    let family_key = load_family_key(world, &world.root().join(FAMILY_KEY_FILE))?;
    let unit_id = envelope
        .leaf
        .as_deref()
        .and_then(|leaf| read_leaf(&family_key, leaf, &envelope.nonce))
        .map(|contents| contents.unit_id);
    Ok(unit_id.map(|unit_id| SentLeaf {
        family_key,
        unit_id,
    }))
}

/// Whether `leaf` passes the receiving chip's 16-bit check for a message sealed with
/// `key` and `nonce`, under the 32-byte `family_key`, and names a unit other than the
/// sender's (`sender_unit`): a forgery that works. False for a family key of the wrong
/// length.
pub fn forgery_accepted(
    family_key: &[u8],
    leaf: &[u8],
    key: &ContentKey,
    nonce: &[u8; 12],
    sender_unit: u32,
) -> bool {
    Secret32::from_bytes(family_key)
        .is_some_and(|family| accepts_forgery(&family, leaf, key, nonce, sender_unit))
}

/// Most forgeries one `attack leaf-forgery` runs: each needs about 65,536 tries.
pub const MAX_FORGERY_TRIALS: u64 = 10_000;

/// Refuses a number of forgery trials outside 1 to [`MAX_FORGERY_TRIALS`].
pub fn check_forgery_trials(trials: u64) -> Result<(), InputError> {
    if (1..=MAX_FORGERY_TRIALS).contains(&trials) {
        return Ok(());
    }
    Err(
        InputError::new(format!("{trials} trials: choose 1 to {MAX_FORGERY_TRIALS}"))
            .field("--trials")
            .hint("100 trials take a few seconds; each needs about 65,536 tries"),
    )
}

/// Runs `trials` forgeries: a rogue sender with a genuine device tries random LEAFs until
/// the receiving device's 16-bit check passes. `progress` hears `(trials done, trials)`
/// from worker threads.
pub fn leaf_forgery(
    trials: u64,
    randomness: &Randomness,
    progress: &(dyn Fn(u64, u64) + Sync),
) -> ForgeryReport {
    let done = std::sync::atomic::AtomicU64::new(0);
    let started = std::time::Instant::now();
    let devices = ["rogue".to_owned(), "honest".to_owned()];
    let clipper = Clipper::generate(&devices, randomness);
    let rogue = &clipper.units["rogue"];
    let honest = &clipper.units["honest"];
    let outcomes: Vec<(u64, bool, bool, bool)> = (0..trials)
        .into_par_iter()
        .map(|trial| {
            let mut rng = randomness.stream(&format!("clipper/forgery/{trial}"));
            let key = ContentKey::generate(&mut rng);
            let nonce = aead::random_nonce(&mut rng);
            let expected = checksum(&key, &nonce);
            let mut forged = [0u8; LEAF_LEN];
            let mut tries = 0u64;
            loop {
                tries += 1;
                rng.fill_bytes(&mut forged);
                if receiver_accepts(&clipper.family, &forged, &nonce, expected) {
                    break;
                }
            }
            // The agents, served a warrant for the rogue device, decrypt the forged LEAF.
            let escrow = read_leaf(&clipper.family, &forged, &nonce)
                .and_then(|c| escrow_unwrap(&rogue.key, &c).ok())
                .is_some_and(|k| k.expose_secret() == key.expose_secret());
            // Meanwhile the receiver accepted the LEAF and reads the message.
            let ct = aead::seal(&key, &nonce, b"rogue", b"the plan is on");
            let worked = aead::open(&key, &nonce, b"rogue", &ct).is_ok();
            // An honest device, sending with the same key, hands the agents everything.
            let honest_leaf = make_leaf(&clipper.family, honest, &key, &nonce);
            let caught = read_leaf(&clipper.family, &honest_leaf, &nonce)
                .and_then(|c| escrow_unwrap(&honest.key, &c).ok())
                .is_some_and(|k| k.expose_secret() == key.expose_secret());
            progress(
                done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1,
                trials,
            );
            (tries, escrow, worked, caught)
        })
        .collect();
    let n = outcomes.len().max(1) as f64;
    let mean = outcomes.iter().map(|o| o.0 as f64).sum::<f64>() / n;
    let variance = outcomes
        .iter()
        .map(|o| (o.0 as f64 - mean).powi(2))
        .sum::<f64>()
        / (n - 1.0).max(1.0);
    ForgeryReport {
        trials,
        mean_tries: mean,
        min_tries: outcomes.iter().map(|o| o.0).min().unwrap_or(0),
        max_tries: outcomes.iter().map(|o| o.0).max().unwrap_or(0),
        expected_tries: 1 << 16,
        standard_error: (variance / n).sqrt(),
        escrow_recovered: outcomes.iter().filter(|o| o.1).count() as u64,
        honest_recovered: outcomes.iter().filter(|o| o.3).count() as u64,
        conversation_worked: outcomes.iter().filter(|o| o.2).count() as u64,
        seconds: started.elapsed().as_secs_f64(),
    }
}

/// Most LEAF forgeries one `forge-leaf` event may ask for.
pub const MAX_DEMO_FORGERIES: u64 = 200;
/// Most LEAF forgeries all of a demo's `forge-leaf` events may ask for together.
pub const MAX_DEMO_TOTAL_FORGERIES: u64 = 1_000;

/// `forge-leaf`: Blaze's experiment, played in a demo. It makes its own pair of chips,
/// so it plays in a world of any design.
pub const FORGE_LEAF: OwnEvent = OwnEvent {
    name: "forge-leaf",
    fields: &["trials"],
    parse: |fields| {
        Ok(Box::new(ForgeLeaf {
            trials: fields.count("trials", MAX_DEMO_FORGERIES)?,
        }))
    },
    anywhere: true,
    total: Some(TotalWork {
        noun: "LEAF forgeries",
        most: MAX_DEMO_TOTAL_FORGERIES,
    }),
};

/// A `forge-leaf` event: `trials` forgeries, and what each left the agents.
#[derive(Debug)]
struct ForgeLeaf {
    trials: u64,
}

impl DesignEvent for ForgeLeaf {
    fn play(&self, stage: &mut dyn Stage) -> Result<Vec<Fact>> {
        let trials = self.trials;
        let report = leaf_forgery(trials, &stage.randomness().fork("forgery"), &|_, _| {});
        Ok(vec![
            Fact::new(Said::Forgeries { trials }).measuring(trials as f64, "LEAFs"),
            Fact::new(Said::TriesPerForgery {
                mean: report.mean_tries,
                expected: report.expected_tries,
                min: report.min_tries,
                max: report.max_tries,
            })
            .measuring(report.mean_tries, "tries"),
            Fact::new(Said::ReceiverAccepted {
                accepted: report.conversation_worked,
                trials,
            })
            .marked(report.conversation_worked > 0)
            .counting(report.conversation_worked, trials, "LEAFs"),
            Fact::new(Said::AgentsRecovered {
                recovered: report.escrow_recovered,
                trials,
            })
            .marked(report.escrow_recovered > 0)
            .counting(report.escrow_recovered, trials, "LEAFs"),
            Fact::new(Said::HonestLeafRecovered {
                recovered: report.honest_recovered,
                trials,
            })
            .marked(report.honest_recovered > 0)
            .counting(report.honest_recovered, trials, "LEAFs"),
            Fact::new(Said::Took {
                seconds: report.seconds,
            })
            .timed(report.seconds, "seconds"),
        ])
    }

    fn work(&self) -> u64 {
        self.trials
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forgery_passes_the_check_and_leaves_escrow_with_garbage() {
        let report = leaf_forgery(8, &Randomness::Seeded(1), &|_, _| {});
        assert_eq!(report.trials, 8);
        assert!(report.min_tries >= 1 && report.min_tries <= report.max_tries);
        assert_eq!(report.escrow_recovered, 0);
        assert_eq!(report.honest_recovered, 8);
        assert_eq!(report.conversation_worked, 8);
    }
}
