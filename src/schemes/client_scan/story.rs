//! The client-scan design in a demo: the phones' pictures, their list, what they
//! report, and the scenario events that attack it (`evade`, `collide`, `poison`),
//! played against the story's own traffic through a [`Stage`].

use std::collections::HashMap;

use super::{ClientScan, ListEntry, Picture, ScanList, ScanReport, PROVIDER};
use crate::crypto::rsa_oaep::PrivateKey;
use crate::error::{Error, InputError, Result};
use crate::imaging::pdq::{self, PdqHash};
use crate::imaging::{perceptual, RgbImage};
use crate::schemes::registry::{Built, ComposeFn, Inputs};
use crate::schemes::said::{Fact, Said, ScanMatch, Shown, Sighting};
use crate::schemes::stage::{DesignEvent, DesignState, EventFields, OwnEvent, Stage};
use crate::wire::message::Message;

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
    /// The provider's key, which opens the reports' vouchers.
    provider: PrivateKey,
    pictures: Vec<Picture>,
    list: ScanList,
    /// Each list entry's picture, as only the list's owner knows it.
    entry_picture: HashMap<String, String>,
    photos: Vec<SentPhoto>,
    reports: Vec<ReportRow>,
}

impl ScanState {
    /// The state of the design `built` for `inputs`: the same pictures and list as its
    /// build made, and its clients' way of attaching them.
    pub(super) fn new(built: &mut Built, inputs: &Inputs) -> Result<Self> {
        let compose = built
            .compose
            .take()
            .ok_or_else(|| Error::Internal("client-scan built no composer".into()))?
            .attach;
        let provider = inputs.party(PROVIDER)?.key.clone();
        let (pictures, list) = super::world_pictures(inputs.randomness, inputs.params);
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
        Ok(ScanState {
            compose,
            provider,
            pictures,
            list,
            entry_picture,
            photos: Vec::new(),
            reports: Vec::new(),
        })
    }

    fn picture(&self, name: &str) -> Result<&RgbImage> {
        self.pictures
            .iter()
            .find(|p| p.name == name)
            .map(|p| &p.image)
            .ok_or_else(|| Error::Internal(format!("no picture {name}")))
    }

    /// Attaches `png` (which is `picture`) to `message` as its sender's client does, and
    /// keeps it for a later list update to scan again.
    fn attach(&mut self, message: &mut Message, picture: &str, png: &[u8]) {
        super::attach(message, png);
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
    fn collect_lines(&mut self, lines: Vec<String>) {
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

    /// The phones' scanner with the current list, reporting to the provider.
    fn scanner(&self) -> ClientScan {
        ClientScan::new(self.list.clone(), self.provider.public_key().clone())
    }

    /// A listed picture, edited just enough to escape the list: what it looks like and
    /// how far its hash moved, and the image.
    fn evade(&self, picture: &str) -> Result<(Vec<Fact>, Vec<u8>)> {
        let original = self.picture(picture)?;
        let made = perceptual::evade(original, self.list.threshold).map_err(Error::from)?;
        let (mut facts, png) = self.made_facts(false, picture, picture, made);
        facts.push(self.shown(Shown::Listed {
            picture: picture.to_owned(),
        })?);
        facts.push(Fact::new(Said::Picture {
            shows: Shown::Edited {
                picture: picture.to_owned(),
            },
            png: png.clone(),
        }));
        Ok((facts, png))
    }

    /// The world's picture `shows` names, as a fact that shows it.
    fn shown(&self, shows: Shown) -> Result<Fact> {
        let name = match &shows {
            Shown::Listed { picture } | Shown::Original { picture } => picture,
            Shown::Edited { picture } | Shown::Forged { picture, .. } => picture,
        };
        let png = self.picture(name)?.to_png();
        Ok(Fact::new(Said::Picture { shows, png }))
    }

    /// A forgery that looks like `picture` and matches `target`'s hash, and the image.
    fn collide(&self, picture: &str, target: &str) -> Result<(Vec<Fact>, Vec<u8>)> {
        let aim = pdq::hash(self.picture(target)?).map_err(Error::from)?.hash;
        let from = self.picture(picture)?;
        let made = perceptual::collide(&aim, from, self.list.threshold).map_err(Error::from)?;
        let (mut facts, png) = self.made_facts(true, picture, target, made);
        facts.push(self.shown(Shown::Original {
            picture: picture.to_owned(),
        })?);
        facts.push(Fact::new(Said::Picture {
            shows: Shown::Forged {
                picture: picture.to_owned(),
                target: target.to_owned(),
            },
            png: png.clone(),
        }));
        facts.push(self.shown(Shown::Listed {
            picture: target.to_owned(),
        })?);
        Ok((facts, png))
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
    fn outcome(&self, user: &str, id: &str) -> Fact {
        let report = self.reports.iter().find(|r| r.id == id);
        Fact::new(Said::Scanned {
            user: user.to_owned(),
            report: report.map(ReportRow::matched),
        })
    }

    /// `to`, who controls the list, adds `picture`'s hash; every phone scans what it
    /// sent again, as it would at the next list update.
    fn poison(&mut self, picture: &str, to: &str) -> Result<Vec<Fact>> {
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
        let listed = self.shown(Shown::Listed {
            picture: picture.to_owned(),
        })?;
        let facts = vec![
            Fact::new(Said::ListPoisoned {
                picture: picture.to_owned(),
                by: to.to_owned(),
                entries: self.list.entries.len() as u64,
            }),
            listed,
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
    fn report_facts(&self) -> Vec<Fact> {
        let provider = &self.provider;
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
            .filter(|r| super::open_voucher(r, provider).is_ok())
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

impl DesignState for ScanState {
    /// Attaches the users' photos to `plain`, as their clients do.
    fn compose(&mut self, plain: &mut [Message]) {
        for message in plain {
            if let Some(attachment) = (self.compose)(message) {
                self.record(message, &attachment.picture, &attachment.png);
            }
        }
    }
    fn collect(&mut self, reports: Vec<String>) {
        self.collect_lines(reports);
    }
    fn reports(&self) -> Vec<Fact> {
        self.report_facts()
    }
    fn as_any_mut(&mut self) -> &mut dyn std::any::Any {
        self
    }
}

/// client-scan's own scenario events.
pub(super) static OWN_EVENTS: &[OwnEvent] = &[
    OwnEvent {
        name: "evade",
        fields: &["user", "picture"],
        parse: |fields| {
            Ok(Box::new(Evade {
                user: fields.user("user")?,
                picture: fields.picture("picture")?,
            }))
        },
        anywhere: false,
        total: None,
    },
    OwnEvent {
        name: "collide",
        fields: &["user", "picture", "target"],
        parse: |fields| {
            Ok(Box::new(Collide {
                user: fields.user("user")?,
                picture: fields.picture("picture")?,
                target: fields.picture("target")?,
            }))
        },
        anywhere: false,
        total: None,
    },
    OwnEvent {
        name: "poison",
        fields: &["picture", "to"],
        parse: parse_poison,
        anywhere: false,
        total: None,
    },
];

fn parse_poison(fields: &mut dyn EventFields) -> Result<Box<dyn DesignEvent>, InputError> {
    let to = fields.adversary("to")?;
    Ok(Box::new(Poison {
        picture: fields.picture("picture")?,
        to,
    }))
}

/// The design's state in this demo.
fn scan_state(stage: &mut dyn Stage) -> Result<&mut ScanState> {
    stage
        .state()
        .and_then(|state| state.as_any_mut().downcast_mut::<ScanState>())
        .ok_or_else(|| Error::Internal("a client-scan event in a demo without its phones".into()))
}

/// `user` sends `png` (which is `label`) with `words`: the facts so far, then whom it
/// went to and what the phone reported.
fn send_photo(
    stage: &mut dyn Stage,
    user: &str,
    words: &str,
    label: &str,
    png: &[u8],
    mut facts: Vec<Fact>,
) -> Result<Vec<Fact>> {
    let mut message = stage.write(user, words);
    let id = message.id.clone();
    scan_state(stage)?.attach(&mut message, label, png);
    facts.push(Fact::new(Said::PhotoSent {
        user: user.to_owned(),
        to: message.to.clone(),
        id: id.clone(),
    }));
    stage.deliver(message)?;
    facts.push(scan_state(stage)?.outcome(user, &id));
    Ok(facts)
}

/// A scenario's `evade` event: `user` edits a listed picture just enough to escape the
/// list, and sends it.
#[derive(Debug)]
struct Evade {
    user: String,
    picture: String,
}

impl DesignEvent for Evade {
    fn play(&self, stage: &mut dyn Stage) -> Result<Vec<Fact>> {
        let (facts, png) = scan_state(stage)?.evade(&self.picture)?;
        let label = format!("{}, edited", self.picture);
        send_photo(
            stage,
            &self.user,
            "you have to see this",
            &label,
            &png,
            facts,
        )
    }
}

/// A scenario's `collide` event: someone forges a picture that looks like `picture`
/// and matches `target`'s hash; `user` sends it.
#[derive(Debug)]
struct Collide {
    user: String,
    picture: String,
    target: String,
}

impl DesignEvent for Collide {
    fn play(&self, stage: &mut dyn Stage) -> Result<Vec<Fact>> {
        let (facts, png) = scan_state(stage)?.collide(&self.picture, &self.target)?;
        let label = format!("{}, forged", self.picture);
        send_photo(
            stage,
            &self.user,
            "ha, look at this one",
            &label,
            &png,
            facts,
        )
    }
}

/// A scenario's `poison` event: `to`, who controls the list, adds `picture`'s hash;
/// the phones scan what they sent again, and look for it from now on.
#[derive(Debug)]
struct Poison {
    picture: String,
    to: String,
}

impl DesignEvent for Poison {
    fn play(&self, stage: &mut dyn Stage) -> Result<Vec<Fact>> {
        stage.enters(&self.to);
        let scan = scan_state(stage)?;
        let facts = scan.poison(&self.picture, &self.to)?;
        let scanner = Box::new(scan.scanner());
        stage.replace_sealer(scanner);
        Ok(facts)
    }
}
