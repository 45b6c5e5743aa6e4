//! White-box attacks on PDQ: evasion (a look-alike the list misses) and forged
//! collisions (an innocent-looking image the list flags).
//!
//! PDQ is linear in the pixels up to its median threshold: the 256 coefficients are
//! `B = P L Qᵀ` ([`pdq::LinearModel`]). So an attacker who knows the algorithm, as
//! everyone does (it is open source), can ask for exactly the coefficients it wants and
//! get the smallest luminance change that produces them, in closed form. What is left
//! is rounding to 8-bit pixels and clipping at black and white: a few rounds of the same
//! step absorb them, and every result is checked with the real hash, not the model.
//!
//! Jain, Creţu and de Montjoye (USENIX Security 2022) evade perceptual-hash detection
//! (aHash, dHash, pHash and PDQ) with small perturbations in over 99.9% of images; this is the white-box version of that
//! result, and of the forged NeuralHash collisions of August 2021.

use std::time::Instant;

use super::pdq::{self, LinearModel, PdqHash};
use super::{psnr_db, RgbImage};
use crate::error::InputError;

/// Rounds of correction after rounding and clipping; each costs one pass over the image.
const ROUNDS: usize = 8;

/// What an evasion or a forgery made.
#[derive(Debug, Clone)]
pub struct Forgery {
    /// The image it made.
    pub image: RgbImage,
    /// The made image's PDQ hash.
    pub hash: PdqHash,
    /// Its Hamming distance to the hash it aimed at (the target's for a collision, the
    /// original's for an evasion).
    pub distance: u32,
    /// The match threshold it was made against.
    pub threshold: u32,
    /// How alike it looks to the image it started from, in dB.
    pub psnr_db: f64,
    /// Whether it did what it set out to: within the threshold for a collision, beyond
    /// it for an evasion.
    pub success: bool,
    /// Wall-clock time.
    pub seconds: f64,
}

/// The image's luminance and its coefficients, in 64-bit floats for the model.
struct Start {
    model: LinearModel,
    coefficients: [f64; 256],
}

fn start(image: &RgbImage) -> Result<Start, InputError> {
    // The real hash refuses what PDQ cannot hash; the model would not.
    pdq::hash(image)?;
    let model = LinearModel::new(image.width(), image.height());
    let luma: Vec<f64> = pdq::luma(image).into_iter().map(f64::from).collect();
    let coefficients = model.coefficients(&luma);
    Ok(Start {
        model,
        coefficients,
    })
}

/// Moves `image`'s coefficients to `wanted` (all 256) with the least luminance change,
/// added to R, G and B alike (0.299 + 0.587 + 0.114 = 1, so grey moves luminance one
/// for one and tints nothing), correcting for rounding and clipping round by round.
fn steer(image: &RgbImage, model: &LinearModel, wanted: &[f64; 256]) -> RgbImage {
    let mut current: Vec<f64> = image.rgb().iter().map(|v| f64::from(*v)).collect();
    let mut out = image.clone();
    for _ in 0..ROUNDS {
        let luma: Vec<f64> = pdq::luma(&out).into_iter().map(f64::from).collect();
        let have = model.coefficients(&luma);
        let mut delta = [0f64; 256];
        let mut worst = 0f64;
        for k in 0..256 {
            delta[k] = wanted[k] - have[k];
            worst = worst.max(delta[k].abs());
        }
        if worst < 0.05 {
            break;
        }
        let change = model.minimal_change(&delta);
        for (pixel, d) in current.chunks_exact_mut(3).zip(&change) {
            for channel in pixel {
                *channel = (*channel + d).clamp(0.0, 255.0);
            }
        }
        let bytes = current.iter().map(|v| v.round() as u8).collect();
        out = RgbImage::from_rgb(image.width(), image.height(), bytes)
            // The buffer is the image's own size.
            .expect("same size as the image");
    }
    out
}

fn median(values: &[f64; 256]) -> f64 {
    let mut sorted = *values;
    sorted.sort_by(f64::total_cmp);
    // The lower median, as PDQ takes it; the threshold sits between it and the next.
    (sorted[127] + sorted[128]) / 2.0
}

/// The spread of the coefficients around their median: the unit the attacks' margins
/// are measured in.
fn spread(values: &[f64; 256], median: f64) -> f64 {
    let mut deviations: Vec<f64> = values.iter().map(|v| (v - median).abs()).collect();
    deviations.sort_by(f64::total_cmp);
    deviations[128].max(1.0)
}

/// An image that looks like `image` but whose PDQ hash is more than `threshold` bits
/// from its own: the coefficients nearest the median are pushed just across it, as many
/// above as below so that the median stays where it was.
pub fn evade(image: &RgbImage, threshold: u32) -> Result<Forgery, InputError> {
    let started = Instant::now();
    let original = pdq::hash(image)?.hash;
    let Start {
        model,
        coefficients,
    } = start(image)?;
    let m = median(&coefficients);
    let unit = spread(&coefficients, m);
    let mut order: Vec<usize> = (0..256).collect();
    order.sort_by(|&a, &b| {
        (coefficients[a] - m)
            .abs()
            .total_cmp(&(coefficients[b] - m).abs())
    });
    let mut flips = threshold as usize + 9;
    let mut margin = 0.05;
    let mut best: Option<(RgbImage, PdqHash, u32)> = None;
    for _ in 0..6 {
        let per_side = flips.div_ceil(2).min(128);
        let above: Vec<usize> = order
            .iter()
            .copied()
            .filter(|&k| coefficients[k] > m)
            .take(per_side)
            .collect();
        let below: Vec<usize> = order
            .iter()
            .copied()
            .filter(|&k| coefficients[k] <= m)
            .take(per_side)
            .collect();
        let mut wanted = coefficients;
        for &k in &above {
            wanted[k] = m - margin * unit;
        }
        for &k in &below {
            wanted[k] = m + margin * unit;
        }
        let candidate = steer(image, &model, &wanted);
        let hash = pdq::hash(&candidate)?.hash;
        let distance = hash.distance(&original);
        let done = distance > threshold;
        best = Some((candidate, hash, distance));
        if done {
            break;
        }
        flips += 8;
        margin *= 1.6;
    }
    let (made, hash, distance) = best.expect("at least one round runs");
    Ok(finish(
        image,
        made,
        hash,
        distance,
        threshold,
        distance > threshold,
        started,
    ))
}

/// An image that looks like `from` but whose PDQ hash is within `threshold` bits of
/// `target`: every coefficient on the wrong side of the median for `target`'s bit is
/// moved just across it, except the few furthest away, as many of each side, which the
/// threshold lets the forgery keep.
pub fn collide(target: &PdqHash, from: &RgbImage, threshold: u32) -> Result<Forgery, InputError> {
    let started = Instant::now();
    let Start {
        model,
        coefficients,
    } = start(from)?;
    let m = median(&coefficients);
    let unit = spread(&coefficients, m);
    // Wrong side: the bit should be set but the coefficient is below, or the reverse;
    // furthest first, so that the bits left as they are are the costly ones.
    let mut raise: Vec<usize> = (0..256)
        .filter(|&k| target.bit(k) && coefficients[k] <= m)
        .collect();
    let mut lower: Vec<usize> = (0..256)
        .filter(|&k| !target.bit(k) && coefficients[k] > m)
        .collect();
    raise.sort_by(|&a, &b| coefficients[a].total_cmp(&coefficients[b]));
    lower.sort_by(|&a, &b| coefficients[b].total_cmp(&coefficients[a]));
    let mut kept = (threshold as usize / 4).min(raise.len()).min(lower.len());
    let mut margin = 0.05;
    let mut best: Option<(RgbImage, PdqHash, u32)> = None;
    for _ in 0..6 {
        let mut wanted = coefficients;
        for &k in &raise[kept..] {
            wanted[k] = m + margin * unit;
        }
        for &k in &lower[kept..] {
            wanted[k] = m - margin * unit;
        }
        // The bits already right keep a margin too, so that rounding does not flip them.
        for k in 0..256 {
            if target.bit(k) && coefficients[k] > m {
                wanted[k] = wanted[k].max(m + margin * unit);
            } else if !target.bit(k) && coefficients[k] <= m {
                wanted[k] = wanted[k].min(m - margin * unit);
            }
        }
        let candidate = steer(from, &model, &wanted);
        let hash = pdq::hash(&candidate)?.hash;
        let distance = hash.distance(target);
        let better = best.as_ref().is_none_or(|b| distance < b.2);
        if better {
            best = Some((candidate, hash, distance));
        }
        if distance <= threshold {
            break;
        }
        kept /= 2;
        margin *= 1.6;
    }
    let (made, hash, distance) = best.expect("at least one round runs");
    Ok(finish(
        from,
        made,
        hash,
        distance,
        threshold,
        distance <= threshold,
        started,
    ))
}

fn finish(
    original: &RgbImage,
    image: RgbImage,
    hash: PdqHash,
    distance: u32,
    threshold: u32,
    success: bool,
    started: Instant,
) -> Forgery {
    Forgery {
        psnr_db: psnr_db(original, &image).unwrap_or(0.0),
        image,
        hash,
        distance,
        threshold,
        success,
        seconds: started.elapsed().as_secs_f64(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::imaging::synth::{picture, Kind};

    #[test]
    fn evasion_crosses_the_threshold_and_keeps_the_look() {
        for (i, kind) in Kind::ALL.into_iter().enumerate() {
            let image = picture(kind, 40 + i as u64, 256, 256, None);
            let made = evade(&image, pdq::MATCH_THRESHOLD).unwrap();
            let real = pdq::hash(&made.image).unwrap().hash;
            let original = pdq::hash(&image).unwrap().hash;
            assert_eq!(real, made.hash);
            assert!(
                real.distance(&original) > pdq::MATCH_THRESHOLD,
                "{kind:?}: {made:?}"
            );
            assert!(made.psnr_db >= 30.0, "{kind:?}: {} dB", made.psnr_db);
            assert!(made.success);
        }
    }

    #[test]
    fn a_forgery_matches_the_target_and_looks_like_its_source() {
        let target = picture(Kind::Poster, 1, 256, 256, Some("known image"));
        let from = picture(Kind::Scene, 2, 256, 256, None);
        let wanted = pdq::hash(&target).unwrap().hash;
        assert!(pdq::hash(&from).unwrap().hash.distance(&wanted) > pdq::MATCH_THRESHOLD);
        let made = collide(&wanted, &from, pdq::MATCH_THRESHOLD).unwrap();
        let real = pdq::hash(&made.image).unwrap().hash;
        assert!(real.distance(&wanted) <= pdq::MATCH_THRESHOLD, "{made:?}");
        assert!(made.success);
        assert!(made.psnr_db > 20.0, "{} dB", made.psnr_db);
    }

    #[test]
    fn a_failed_attack_says_so() {
        // A threshold of 0 asks a forgery for the exact hash; with all bits of the
        // evasion's budget spent it cannot always get there, and must not claim success.
        let from = picture(Kind::Shapes, 5, 128, 128, None);
        let target = pdq::hash(&picture(Kind::Stripes, 6, 128, 128, None))
            .unwrap()
            .hash;
        let made = collide(&target, &from, 0).unwrap();
        assert_eq!(made.success, made.distance == 0);
    }
}
