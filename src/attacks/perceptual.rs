//! The attacks on PDQ over many generated pictures, and the report of one attack on the
//! user's own pictures: the algorithms themselves are [`crate::imaging::perceptual`]'s.

use crate::error::InputError;
use crate::imaging::pdq::{self, PdqHash};
pub use crate::imaging::perceptual::{collide, evade, Forgery};

/// The attack over many generated pictures: how often it succeeds, and at what cost.
#[derive(Debug, Clone, serde::Serialize)]
pub struct TrialSummary {
    /// Pictures tried.
    pub trials: u32,
    /// How many the attack succeeded on.
    pub successes: u32,
    /// `successes / trials`.
    pub success_rate: f64,
    /// The lowest PSNR among the successes, in dB.
    pub min_psnr_db: f64,
    /// The mean PSNR over the successes, in dB.
    pub mean_psnr_db: f64,
    /// The mean wall-clock time of one attack.
    pub mean_seconds: f64,
    /// The longest one.
    pub max_seconds: f64,
}

impl TrialSummary {
    /// Sums up forgeries.
    pub fn of(results: &[Forgery]) -> Self {
        let trials = results.len() as u32;
        let good: Vec<&Forgery> = results.iter().filter(|f| f.success).collect();
        let successes = good.len() as u32;
        let psnr: Vec<f64> = good.iter().map(|f| f.psnr_db).collect();
        TrialSummary {
            trials,
            successes,
            success_rate: f64::from(successes) / f64::from(trials.max(1)),
            min_psnr_db: psnr.iter().copied().fold(f64::INFINITY, f64::min).min(1e9),
            mean_psnr_db: psnr.iter().sum::<f64>() / psnr.len().max(1) as f64,
            mean_seconds: results.iter().map(|f| f.seconds).sum::<f64>() / f64::from(trials.max(1)),
            max_seconds: results.iter().map(|f| f.seconds).fold(0.0, f64::max),
        }
    }
}

/// Which attack.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Attack {
    /// A look-alike the list misses.
    Evade,
    /// An innocent-looking image the list flags.
    Collide,
}

/// Side of the pictures the trials generate: the 512×512.
pub const TRIAL_SIDE: u32 = 512;

/// The attack on `trials` generated pictures (for a collision, pairs of them), spread
/// over the cores; `progress` hears each one done.
pub fn trials(
    attack: Attack,
    trials: u32,
    seed: u64,
    threshold: u32,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<TrialSummary, InputError> {
    use rayon::prelude::*;
    use std::sync::atomic::{AtomicU64, Ordering};
    let done = AtomicU64::new(0);
    let results: Vec<Forgery> = (0..trials)
        .into_par_iter()
        .map(|i| {
            let i = u64::from(i);
            let kinds = crate::imaging::synth::Kind::ALL;
            let picture = |n: u64| {
                crate::imaging::synth::picture(
                    kinds[(n % kinds.len() as u64) as usize],
                    seed.wrapping_mul(1_000_003).wrapping_add(n),
                    TRIAL_SIDE,
                    TRIAL_SIDE,
                    None,
                )
            };
            let made = match attack {
                Attack::Evade => evade(&picture(2 * i), threshold),
                Attack::Collide => {
                    let target = pdq::hash(&picture(2 * i))?.hash;
                    collide(&target, &picture(2 * i + 1), threshold)
                }
            };
            progress(done.fetch_add(1, Ordering::Relaxed) + 1);
            made
        })
        .collect::<Result<_, _>>()?;
    Ok(TrialSummary::of(&results))
}

/// What `doormat attack evade` and `collide` report.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ImageAttackReport {
    /// Which attack.
    pub attack: Attack,
    /// The match threshold it worked against.
    pub threshold: u32,
    /// The image it made from the user's images, if it was given some.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub made: Option<MadeImage>,
    /// The attack over generated pictures, if asked for (`--trials`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trials: Option<TrialSummary>,
}

/// One image made, and how well.
#[derive(Debug, Clone, serde::Serialize)]
pub struct MadeImage {
    /// The image it started from (`--image`, `--from`).
    #[serde(serialize_with = "crate::fsutil::serialize_path_lossy")]
    pub from: std::path::PathBuf,
    /// The image whose hash it aimed at (`--target`), for a collision.
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "crate::fsutil::serialize_option_path_lossy"
    )]
    pub target: Option<std::path::PathBuf>,
    /// Where it went (`--out`).
    #[serde(serialize_with = "crate::fsutil::serialize_path_lossy")]
    pub out: std::path::PathBuf,
    /// The hash the distance is measured to: the target's, or the original's.
    pub reference_hash: PdqHash,
    /// The made image's hash.
    pub hash: PdqHash,
    /// Bits between the two.
    pub distance: u32,
    /// Its PSNR against the image it started from, in dB (null: identical).
    pub psnr_db: f64,
    /// Whether it did what it set out to.
    pub success: bool,
    /// Wall-clock time.
    pub seconds: f64,
}

impl MadeImage {
    /// The record of `forgery`, made from `from` (aiming at `target`) into `out`.
    pub fn new(
        forgery: &Forgery,
        reference_hash: PdqHash,
        from: &std::path::Path,
        target: Option<&std::path::Path>,
        out: &std::path::Path,
    ) -> Self {
        MadeImage {
            from: from.to_path_buf(),
            target: target.map(std::path::Path::to_path_buf),
            out: out.to_path_buf(),
            reference_hash,
            hash: forgery.hash,
            distance: forgery.distance,
            psnr_db: forgery.psnr_db,
            success: forgery.success,
            seconds: forgery.seconds,
        }
    }
}
