//! List poisoning: whoever controls a client-side scanning list can add any image (a
//! protest poster, a leaked document) and learn who shares it. The phones cannot tell:
//! the list is a set of hashes, and a hash says nothing about what it stands for
//! (Abelson et al., "Bugs in our Pockets", 2021).
//!
//! `poison` adds an image's hash to a client-scan world's list and replays the phones'
//! scanning over every image the world's users sent, as the phones would on their next
//! list update, and reports who would have been reported.

use std::collections::BTreeSet;
use std::time::Instant;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::{ListEntry, ScanList, GALLERY_DIR, LIST_FILE, PHOTOS_FILE};
use crate::crypto::random::Randomness;
use crate::error::{Error, InputError, Result};
use crate::imaging::pdq::{self, PdqHash};
use crate::imaging::synth::{self, Kind};
use crate::imaging::{read_png_from, RgbImage};
use crate::schemes::registry::WorldFiles;
use crate::wire::lines::Lines;

/// The world poisoning reads: any reader of a world's files that threads may share.
type World = dyn WorldFiles + Sync;

/// One line of a world's `photos.jsonl`: an image a phone sent.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Photo {
    /// The message that carried it.
    pub id: String,
    /// Who sent it.
    pub from: String,
    /// When.
    pub t: u64,
    /// The sent image, relative to the world.
    pub file: String,
    /// Which of the world's pictures it is a copy of.
    pub picture: String,
}

/// A sent image the poisoned list flags.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct PoisonMatch {
    /// The message.
    pub id: String,
    /// Its sender, whom the phone reports.
    pub sender: String,
    /// When.
    pub t: u64,
    /// Hamming distance to the added hash.
    pub distance: u32,
    /// Whether the sent image is a copy of the poisoned one (ground truth).
    pub true_match: bool,
}

/// What `doormat attack poison` found.
#[derive(Debug, Clone, Serialize)]
pub struct PoisonReport {
    /// The world.
    #[serde(serialize_with = "crate::fsutil::serialize_path_lossy")]
    pub world: std::path::PathBuf,
    /// The image added to the list.
    #[serde(serialize_with = "crate::fsutil::serialize_path_lossy")]
    pub image: std::path::PathBuf,
    /// Its PDQ hash, now on the list.
    pub hash: PdqHash,
    /// Which of the world's pictures it is, if any (by its pixels).
    pub picture: Option<String>,
    /// The match threshold of the world's phones.
    pub threshold: u32,
    /// Entries on the list once the image is added.
    pub list_entries: usize,
    /// Images the phones scanned again.
    pub images_scanned: usize,
    /// Everyone the phones would report, sorted.
    pub reported_users: Vec<String>,
    /// Reports the phones would send.
    pub reports: usize,
    /// Reports of images that are not copies of the poisoned one: innocent users
    /// reported by a chance match.
    pub false_reports: usize,
    /// Every report, in time order.
    pub matches: Vec<PoisonMatch>,
    /// Wall-clock time.
    pub seconds: f64,
    /// Poisoning with generated pictures, if asked for (`--trials`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trials: Option<PoisonTrials>,
}

/// Reads a client-scan world's list and photo record.
pub fn world_scan(world: &World) -> Result<(ScanList, Vec<Photo>)> {
    if !crate::schemes::stage::designs_playing("poison").contains(&world.file().scheme) {
        return Err(InputError::new(format!(
            "is a {} world; list poisoning needs a client-scan world",
            world.file().scheme
        ))
        .file(world.root())
        .hint("make one with: doormat simulate --out DIR --scheme client-scan")
        .into());
    }
    let text = world.read_text(LIST_FILE, "the list of hashes (scan-list.json)")?;
    let list = ScanList::parse(&text, &world.root().join(LIST_FILE))?;
    let path = world.root().join(PHOTOS_FILE);
    let file = world.open_file(PHOTOS_FILE, "the phones' record of sent images")?;
    let mut lines = Lines::new(std::io::BufReader::new(file), &path);
    let mut photos: Vec<Photo> = Vec::new();
    while let Some((number, line)) = lines.next_line()? {
        let photo: Photo = serde_json::from_str(&line).map_err(|e| {
            InputError::new(format!("is not a photo record: {e}"))
                .file(&path)
                .line(number)
                .hint("each line is {\"id\",\"from\",\"t\",\"file\",\"picture\"}, as simulate writes it")
        })?;
        if photo.file.contains("..") || photo.file.starts_with('/') {
            return Err(
                InputError::new(format!("{:?} is outside the world", photo.file))
                    .file(&path)
                    .line(number)
                    .field("file")
                    .into(),
            );
        }
        photos.push(photo);
    }
    Ok((list, photos))
}

/// The hashes of the images the phones sent, in the record's order.
pub fn sent_hashes(world: &World, photos: &[Photo]) -> Result<Vec<PdqHash>> {
    photos
        .par_iter()
        .map(|photo| {
            let path = world.root().join(&photo.file);
            let file = world.open_file(&photo.file, "a sent image")?;
            let image = read_png_from(file, &path)?;
            Ok(pdq::hash(&image).map_err(|e| e.file(&path))?.hash)
        })
        .collect()
}

/// Which of the world's pictures `image` is, by its pixels: a gallery picture or a sent
/// copy. `None`: the world never held it.
fn identify(world: &World, photos: &[Photo], image: &RgbImage) -> Result<Option<String>> {
    let mut names: BTreeSet<&str> = photos.iter().map(|p| p.picture.as_str()).collect();
    for name in super::GALLERY_NAMES {
        names.insert(name);
    }
    for name in names {
        let relative = format!("{GALLERY_DIR}/{name}.png");
        if let Some(file) = world.open_file_if_any(&relative, "a gallery picture")? {
            if read_png_from(file, &world.root().join(&relative))? == *image {
                return Ok(Some(name.to_owned()));
            }
        }
    }
    for photo in photos {
        let file = world.open_file(&photo.file, "a sent image")?;
        if read_png_from(file, &world.root().join(&photo.file))? == *image {
            return Ok(Some(photo.picture.clone()));
        }
    }
    Ok(None)
}

/// Adds `image`'s hash to the world's list and replays every phone's scan.
pub fn poison(world: &World, image_path: &std::path::Path) -> Result<PoisonReport> {
    let started = Instant::now();
    let (mut list, photos) = world_scan(world)?;
    let image = crate::imaging::read_png(image_path)?;
    let hash = pdq::hash(&image).map_err(|e| e.file(image_path))?.hash;
    let picture = identify(world, &photos, &image)?;
    list.entries.push(ListEntry {
        id: format!("added-{}", list.entries.len() + 1),
        label: "added by the list authority".into(),
        hash,
    });
    let sent = sent_hashes(world, &photos)?;
    let mut matches = Vec::new();
    for (photo, sent_hash) in photos.iter().zip(&sent) {
        let distance = sent_hash.distance(&hash);
        if distance <= list.threshold {
            matches.push(PoisonMatch {
                id: photo.id.clone(),
                sender: photo.from.clone(),
                t: photo.t,
                distance,
                true_match: picture.as_deref() == Some(photo.picture.as_str()),
            });
        }
    }
    matches.sort_by_key(|m| m.t);
    let reported_users: BTreeSet<String> = matches.iter().map(|m| m.sender.clone()).collect();
    Ok(PoisonReport {
        world: world.root().to_path_buf(),
        image: image_path.to_path_buf(),
        hash,
        picture,
        threshold: list.threshold,
        list_entries: list.entries.len(),
        images_scanned: photos.len(),
        reported_users: reported_users.into_iter().collect(),
        reports: matches.len(),
        false_reports: matches.iter().filter(|m| !m.true_match).count(),
        matches,
        seconds: started.elapsed().as_secs_f64(),
        trials: None,
    })
}

/// Poisoning over many generated images, against one world's traffic.
#[derive(Debug, Clone, Serialize)]
pub struct PoisonTrials {
    /// Images added, one at a time.
    pub trials: u32,
    /// How many times a re-shared copy of the added image was caught and nothing else.
    pub successes: u32,
    /// `successes / trials`.
    pub success_rate: f64,
    /// Re-shared copies caught.
    pub caught: u32,
    /// Reports of the world's other images, over all trials.
    pub false_reports: u32,
}

/// For each of `trials` generated pictures: add it to the list, let a phone send a
/// re-shared copy, and replay the world's images; a success is the copy reported and
/// none of the world's images.
pub fn poison_trials(world: &World, trials: u32, randomness: &Randomness) -> Result<PoisonTrials> {
    let (list, photos) = world_scan(world)?;
    let sent = sent_hashes(world, &photos)?;
    let outcomes: Vec<(bool, u32)> = (0..trials)
        .into_par_iter()
        .map(|i| {
            let mut rng = randomness.stream(&format!("poison/{i}"));
            let kind = Kind::ALL[i as usize % Kind::ALL.len()];
            let poster = synth::picture(
                kind,
                u64::from(i) ^ 0x7015_0000,
                super::IMAGE_SIDE,
                super::IMAGE_SIDE,
                Some(&format!("march on day {}", i + 1)),
            );
            let hash = pdq::hash(&poster).map(|p| p.hash).map_err(Error::from)?;
            let copy = super::reshared(&poster, &mut rng);
            let caught =
                pdq::hash(&copy).map_err(Error::from)?.hash.distance(&hash) <= list.threshold;
            let false_reports = sent
                .iter()
                .filter(|h| h.distance(&hash) <= list.threshold)
                .count() as u32;
            Ok((caught, false_reports))
        })
        .collect::<Result<_>>()?;
    let successes = outcomes.iter().filter(|(c, f)| *c && *f == 0).count() as u32;
    Ok(PoisonTrials {
        trials,
        successes,
        success_rate: f64::from(successes) / f64::from(trials.max(1)),
        caught: outcomes.iter().filter(|(c, _)| *c).count() as u32,
        false_reports: outcomes.iter().map(|(_, f)| f).sum(),
    })
}
