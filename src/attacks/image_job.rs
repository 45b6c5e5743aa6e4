//! `attack collide` and `attack evade` as one job: the flags checked, the given
//! pictures attacked and the forgery written, and the trials on generated pictures run.
//! The binary parses the flags into an [`ImageAttackJob`] and shows its report.

use std::path::{Path, PathBuf};

use super::perceptual::{self, Attack, ImageAttackReport, MadeImage};
use crate::error::{InputError, Result};
use crate::fsutil::refuse_output_among_inputs;
use crate::imaging::{self, pdq};

/// Most generated pictures one `--trials` runs.
pub const MAX_TRIALS: u32 = 10_000;

/// Refuses a `--trials` out of range; `each` says what one trial is.
pub fn check_trials(trials: Option<u32>, each: &str) -> Result<()> {
    match trials {
        Some(n) if n == 0 || n > MAX_TRIALS => Err(InputError::new(format!(
            "{n} trials: choose 1 to {MAX_TRIALS}"
        ))
        .field("--trials")
        .hint(format!("100 trials take a few seconds; {each}"))
        .into()),
        _ => Ok(()),
    }
}

/// One run of `attack collide` or `attack evade`, as the flags ask.
pub struct ImageAttackJob<'a> {
    /// Which attack.
    pub attack: Attack,
    /// Evade: `[--image]`; collide: `[--from, --target]`.
    pub inputs: &'a [Option<PathBuf>],
    /// Where the forgery goes.
    pub out: Option<&'a Path>,
    /// Replace an existing `out`.
    pub force: bool,
    /// A match is a Hamming distance of at most this many bits.
    pub threshold: u32,
    /// Generated pictures to attack, if any.
    pub trials: Option<u32>,
    /// Which generated pictures.
    pub seed: u64,
}

impl ImageAttackJob<'_> {
    /// Checks the flags together, before any work.
    pub fn check(&self) -> Result<()> {
        check_trials(self.trials, "each is one attack on a 512x512 picture")?;
        if self.threshold > pdq::HASH_BITS / 2 {
            return Err(InputError::new(format!(
                "{} bits: past 128 a threshold matches most images",
                self.threshold
            ))
            .field("--threshold")
            .hint("Meta's guidance is 31; use 0 to 128")
            .into());
        }
        let names: &[&str] = match self.attack {
            Attack::Collide => &["--from", "--target"],
            Attack::Evade => &["--image"],
        };
        let given = self.inputs.iter().filter(|i| i.is_some()).count();
        let any = given > 0 || self.out.is_some();
        if any && (given < self.inputs.len() || self.out.is_none()) {
            return Err(
                InputError::new(format!("needs {} and --out together", names.join(", ")))
                    .field(names[0])
                    .hint("or give only --trials N to attack generated pictures")
                    .into(),
            );
        }
        if !any && self.trials.is_none() {
            return Err(InputError::new(format!(
                "give {} and --out, or --trials N",
                names.join(", ")
            ))
            .field(names[0])
            .into());
        }
        Ok(())
    }

    /// Checks, attacks the given pictures (writing the forgery), then runs the trials;
    /// `progress` hears each trial done.
    pub fn run(&self, progress: &(dyn Fn(u64) + Sync)) -> Result<ImageAttackReport> {
        self.check()?;
        let made = match (self.inputs, self.out) {
            ([Some(image)], Some(out)) => {
                refuse_output_among_inputs(out, "--out", [image.as_path()])?;
                let original = imaging::read_png(image)?;
                let forgery =
                    perceptual::evade(&original, self.threshold).map_err(|e| e.file(image))?;
                imaging::write_png(&forgery.image, out, self.force)?;
                let reference = pdq::hash(&original).map_err(|e| e.file(image))?.hash;
                Some(MadeImage::new(&forgery, reference, image, None, out))
            }
            ([Some(from), Some(target)], Some(out)) => {
                refuse_output_among_inputs(out, "--out", [from.as_path(), target.as_path()])?;
                let aim = imaging::read_png(target)?;
                let aim = pdq::hash(&aim).map_err(|e| e.file(target))?.hash;
                let source = imaging::read_png(from)?;
                let forgery =
                    perceptual::collide(&aim, &source, self.threshold).map_err(|e| e.file(from))?;
                imaging::write_png(&forgery.image, out, self.force)?;
                Some(MadeImage::new(&forgery, aim, from, Some(target), out))
            }
            _ => None,
        };
        let trials = match self.trials {
            Some(n) => Some(perceptual::trials(
                self.attack,
                n,
                self.seed,
                self.threshold,
                progress,
            )?),
            None => None,
        };
        Ok(ImageAttackReport {
            attack: self.attack,
            threshold: self.threshold,
            made,
            trials,
        })
    }
}
