//! The client-scan design in a demo: the phones' pictures, their list, what they
//! report, and the three attacks on it (evasion, forged matches, list poisoning),
//! played against the story's own traffic.

use std::collections::HashMap;

use super::said::{Said, ScanMatch, Sighting};
use super::Fact;
use crate::attacks::perceptual;
use crate::crypto::random::Randomness;
use crate::crypto::rsa_oaep::{PrivateKey, PublicKey};
use crate::error::{Error, Result};
use crate::imaging::pdq::{self, PdqHash};
use crate::imaging::RgbImage;
use crate::schemes::client_scan::{self, ClientScan, ListEntry, Picture, ScanList, ScanReport};
use crate::schemes::registry::ComposeFn;
use crate::world::traffic::Message;

/// An image a phone sent, and which picture it is (ground truth).
struct SentPhoto {
    id: String,
    from: String,
    t: u64,
    picture: String,
    hash: PdqHash,
}

/// A report the provider received, or one a list update would make.
struct ReportRow {
    report: Option<ScanReport>,
    t: u64,
    id: String,
    sender: String,
    entry: String,
    distance: u32,
    /// Whether the sent image really is a copy of the entry's picture.
    true_match: bool,
}

impl ReportRow {
    /// The entry it matched, and how closely.
    fn matched(&self) -> ScanMatch {
        ScanMatch {
            entry: self.entry.clone(),
            distance: self.distance,
            true_match: self.true_match,
        }
    }
}

/// What the phones hold and did, for one client-scan design of a demo.
pub(super) struct ScanState {
    compose: Box<ComposeFn>,
    pictures: Vec<Picture>,
    list: ScanList,
    /// Each list entry's picture, as only the list's owner knows it.
    entry_picture: HashMap<String, String>,
    photos: Vec<SentPhoto>,
    reports: Vec<ReportRow>,
}

impl ScanState {
    /// The state of a design built with `randomness`, whose clients attach with
    /// `compose`: the same pictures and list as its build made.
    pub(super) fn new(
        compose: Box<ComposeFn>,
        params: &crate::schemes::SchemeParams,
        randomness: &Randomness,
    ) -> Self {
        let (pictures, list) = client_scan::world_pictures(randomness, params);
        // Which picture each entry was made from: what only the list's owner knows.
        let entry_picture = list
            .entries
            .iter()
            .filter_map(|e| {
                let picture = pictures
                    .iter()
                    .find(|p| pdq::hash(&p.image).is_ok_and(|h| h.hash == e.hash))?;
                Some((e.id.clone(), picture.name.clone()))
            })
            .collect();
        ScanState {
            compose,
            pictures,
            list,
            entry_picture,
            photos: Vec::new(),
            reports: Vec::new(),
        }
    }

    fn picture(&self, name: &str) -> Result<&RgbImage> {
        self.pictures
            .iter()
            .find(|p| p.name == name)
            .map(|p| &p.image)
            .ok_or_else(|| Error::Internal(format!("no picture {name}")))
    }

    /// Attaches the users' photos to `plain`, as their clients do.
    pub(super) fn compose(&mut self, plain: &mut [Message]) {
        for message in plain {
            if let Some(attachment) = (self.compose)(message) {
                self.record(message, &attachment.picture, &attachment.png);
            }
        }
    }

    /// Attaches `png` (which is `picture`) to `message` as its sender's client does, and
    /// keeps it for a later list update to scan again.
    pub(super) fn attach(&mut self, message: &mut Message, picture: &str, png: &[u8]) {
        client_scan::attach(message, png);
        self.record(message, picture, png);
    }

    /// Keeps what `message` carries, for a later list update to scan again.
    fn record(&mut self, message: &Message, picture: &str, png: &[u8]) {
        let hash = RgbImage::from_png(png)
            .ok()
            .and_then(|image| pdq::hash(&image).ok());
        if let Some(hashed) = hash {
            self.photos.push(SentPhoto {
                id: message.id.clone(),
                from: message.from.clone(),
                t: message.t,
                picture: picture.to_owned(),
                hash: hashed.hash,
            });
        }
    }

    /// Takes in the reports the phones sent while sealing (JSON lines).
    pub(super) fn collect(&mut self, lines: Vec<String>) {
        for line in lines {
            let Ok(report) = serde_json::from_str::<ScanReport>(&line) else {
                continue;
            };
            let true_match = self.is_copy(&report.id, &report.entry);
            self.reports.push(ReportRow {
                t: report.t,
                id: report.id.clone(),
                sender: report.sender.clone(),
                entry: report.entry.clone(),
                distance: report.distance,
                true_match,
                report: Some(report),
            });
        }
    }

    fn is_copy(&self, id: &str, entry: &str) -> bool {
        let sent = self
            .photos
            .iter()
            .find(|p| p.id == id)
            .map(|p| p.picture.as_str());
        sent.is_some() && sent == self.entry_picture.get(entry).map(String::as_str)
    }

    /// The phones' scanner with the current list, reporting to `provider`.
    pub(super) fn scanner(&self, provider: &PublicKey) -> ClientScan {
        ClientScan::new(self.list.clone(), provider.clone())
    }

    /// A listed picture, edited just enough to escape the list: what it looks like and
    /// how far its hash moved, and the image.
    pub(super) fn evade(&self, picture: &str) -> Result<(Vec<Fact>, Vec<u8>)> {
        let original = self.picture(picture)?;
        let made = perceptual::evade(original, self.list.threshold).map_err(Error::from)?;
        Ok(self.made_facts(false, picture, picture, made))
    }

    /// A forgery that looks like `picture` and matches `target`'s hash, and the image.
    pub(super) fn collide(&self, picture: &str, target: &str) -> Result<(Vec<Fact>, Vec<u8>)> {
        let aim = pdq::hash(self.picture(target)?).map_err(Error::from)?.hash;
        let from = self.picture(picture)?;
        let made = perceptual::collide(&aim, from, self.list.threshold).map_err(Error::from)?;
        Ok(self.made_facts(true, picture, target, made))
    }

    /// What an attack made from `picture` (`forged`, or an edit that evades): how it
    /// looks, how far its hash is from `aim`'s, how long it took; and the image.
    fn made_facts(
        &self,
        forged: bool,
        picture: &str,
        aim: &str,
        made: perceptual::Forgery,
    ) -> (Vec<Fact>, Vec<u8>) {
        let facts = vec![
            Fact::new(Said::MadeImage {
                forged,
                picture: picture.to_owned(),
                psnr_db: made.psnr_db,
            })
            .measuring(made.psnr_db, "dB"),
            Fact::new(Said::HashDistance {
                aim: aim.to_owned(),
                distance: made.distance,
                threshold: self.list.threshold,
            })
            .measuring(f64::from(made.distance), "bits"),
            took(made.seconds),
        ];
        (facts, made.image.to_png())
    }

    /// Whether the phone reported message `id`.
    pub(super) fn outcome(&self, user: &str, id: &str) -> Fact {
        let report = self.reports.iter().find(|r| r.id == id);
        Fact::new(Said::Scanned {
            user: user.to_owned(),
            report: report.map(ReportRow::matched),
        })
    }

    /// `to`, who controls the list, adds `picture`'s hash; every phone scans what it
    /// sent again, as it would at the next list update.
    pub(super) fn poison(&mut self, picture: &str, to: &str) -> Result<Vec<Fact>> {
        let hash = pdq::hash(self.picture(picture)?).map_err(Error::from)?.hash;
        let id = format!("added-{}", self.list.entries.len() + 1);
        self.list.entries.push(ListEntry {
            id: id.clone(),
            label: "added by the list authority".into(),
            hash,
        });
        self.entry_picture.insert(id.clone(), picture.to_owned());
        let mut found: Vec<ReportRow> = self
            .photos
            .iter()
            .filter_map(|p| {
                let distance = p.hash.distance(&hash);
                (distance <= self.list.threshold).then(|| ReportRow {
                    report: None,
                    t: p.t,
                    id: p.id.clone(),
                    sender: p.from.clone(),
                    entry: id.clone(),
                    distance,
                    true_match: p.picture == picture,
                })
            })
            .collect();
        found.sort_by_key(|r| r.t);
        let mut senders: Vec<String> = found.iter().map(|r| r.sender.clone()).collect();
        senders.sort();
        senders.dedup();
        let false_reports = found.iter().filter(|r| !r.true_match).count();
        let sightings = found
            .iter()
            .map(|r| Sighting {
                sender: r.sender.clone(),
                t: r.t,
            })
            .collect();
        let images = self.photos.len() as u64;
        let facts = vec![
            Fact::new(Said::ListPoisoned {
                picture: picture.to_owned(),
                by: to.to_owned(),
                entries: self.list.entries.len() as u64,
            }),
            Fact::new(Said::ScannedAgain { images }).counting(images, images, "images"),
            Fact::new(Said::Exposed {
                users: senders.clone(),
                of: self.user_count(),
                sightings,
            })
            .counting(senders.len() as u64, self.user_count(), "users"),
            Fact::new(Said::FalseReports {
                reports: false_reports as u64,
            })
            .measuring(false_reports as f64, "reports"),
        ];
        self.reports.extend(found);
        self.reports.sort_by_key(|r| r.t);
        Ok(facts)
    }

    fn user_count(&self) -> u64 {
        let mut users: Vec<&str> = self.photos.iter().map(|p| p.from.as_str()).collect();
        users.sort_unstable();
        users.dedup();
        users.len() as u64
    }

    /// The reports so far, and what the provider's key makes of their vouchers.
    pub(super) fn report_facts(&self, provider: &PrivateKey) -> Vec<Fact> {
        if self.reports.is_empty() {
            return vec![Fact::new(Said::NoReports)];
        }
        let mut facts: Vec<Fact> = self
            .reports
            .iter()
            .map(|r| {
                let picture = if r.true_match {
                    self.entry_picture.get(&r.entry).map_or("?", String::as_str)
                } else {
                    let sent = self.photos.iter().find(|p| p.id == r.id);
                    sent.map_or("?", |p| p.picture.as_str())
                };
                Fact::new(Said::Report {
                    t: r.t,
                    sender: r.sender.clone(),
                    matched: r.matched(),
                    picture: picture.to_owned(),
                })
            })
            .collect();
        let vouchers: Vec<&ScanReport> = self
            .reports
            .iter()
            .filter_map(|r| r.report.as_ref())
            .collect();
        let opened = vouchers
            .iter()
            .filter(|r| client_scan::open_voucher(r, provider).is_ok())
            .count();
        let false_reports = self.reports.iter().filter(|r| !r.true_match).count();
        facts.push(
            Fact::new(Said::ReportsInAll {
                reports: self.reports.len() as u64,
                images: self.photos.len() as u64,
                false_reports: false_reports as u64,
            })
            .counting(
                self.reports.len() as u64,
                self.photos.len() as u64,
                "images",
            ),
        );
        facts.push(Fact::new(Said::Vouchers {
            opened: opened as u64,
            of: vouchers.len() as u64,
        }));
        facts
    }
}

/// How long the attack took, measured (masked in the snapshots).
fn took(seconds: f64) -> Fact {
    Fact::new(Said::ComputedIn { seconds }).timed(seconds, "seconds")
}
