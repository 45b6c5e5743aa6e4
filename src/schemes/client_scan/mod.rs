//! `client-scan`: client-side scanning, the exceptional access proposed today (Apple's
//! NeuralHash plan of 2021, the EU's proposed CSA Regulation, the UK Online Safety
//! Act's scanning powers). Messages stay end-to-end encrypted; before sealing, the
//! sending phone hashes every image with PDQ and compares it with a list of hashes held
//! by a list authority. A match within the threshold sends the provider a report: who,
//! when, which list entry, how close, and the image itself sealed for the provider (as
//! Apple's "safety vouchers" carried a derivative of the image).
//!
//! Nothing here breaks the encryption. What it adds is a reader of *choice*: whoever
//! controls the list learns who sends any image it adds. `imaging::perceptual` shows
//! that the list is also easy to evade and to trick into false reports.
//!
//! Images ride inside the message text as a `data:image/png;base64,` line, so they are
//! encrypted with it; every sent image is also kept in the world as `images/ID.png` (the
//! senders' galleries, ground truth like `truth.jsonl`) and listed in `photos.jsonl`.

pub mod poison;
mod story;

use std::sync::Mutex;

use base64::Engine as _;
use rand::Rng;
use serde::{Deserialize, Serialize};

use super::params::{DesignParams, Kind as ParamsOf, ParamsKind};
use super::registry::{Attachment, Built, Compose, Design, Inputs, Invited, KeptFile, Theft};
use super::{Scheme, SchemeId, SchemeParams};
use crate::crypto::aead::{self, ContentKey};
use crate::crypto::random::{RandomStream, Randomness};
use crate::crypto::rsa_oaep::{PrivateKey, PublicKey};
use crate::crypto::CouldNotOpen;
use crate::error::{InputError, Result};
use crate::imaging::pdq::{self, PdqHash};
use crate::imaging::synth::{self, Kind};
use crate::imaging::RgbImage;
use crate::wire::envelope::Envelope;
use crate::wire::message::Message;
use crate::wire::world_file::Role;

/// client-scan's parameters: its `simulate` flags and its table in world.json.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, clap::Args)]
#[serde(default)]
pub struct ClientScanParams {
    /// client-scan: a PDQ match is a Hamming distance of at most N bits of 256 (31 is
    /// Meta's guidance)
    #[arg(long, value_name = "N", default_value_t = pdq::MATCH_THRESHOLD)]
    pub scan_threshold: u32,
    /// client-scan: the list also holds the protest poster's hash, labelled "known image
    /// 4" like the others: the phones report whoever shares it
    #[arg(long)]
    // Not written to world.json: that the list is poisoned is what an exercise asks.
    #[serde(skip_serializing)]
    pub poison_list: bool,
}

impl Default for ClientScanParams {
    fn default() -> Self {
        ClientScanParams {
            scan_threshold: pdq::MATCH_THRESHOLD,
            poison_list: false,
        }
    }
}

impl DesignParams for ClientScanParams {}

/// The party that receives the reports: the provider.
pub const PROVIDER: &str = super::PROVIDER_NAME;
/// The list of hashes, as the list authority publishes it to the phones.
pub const LIST_FILE: &str = "scan-list.json";
/// The reports the phones sent the provider, one JSON line each.
pub const REPORTS_FILE: &str = "reports.jsonl";
/// What each phone sent: `{"id","from","t","file","picture"}` per image message.
pub const PHOTOS_FILE: &str = "photos.jsonl";
/// Where the sent images are kept, one PNG per image message.
pub const IMAGES_DIR: &str = "images";
/// Where the pictures that circulate are kept, as the list authority could find them.
pub const GALLERY_DIR: &str = "gallery";
/// How an image rides in a message's text.
pub const DATA_URI: &str = "data:image/png;base64,";
/// Side of the world's pictures, in pixels.
pub const IMAGE_SIDE: u32 = 256;
/// Most messages a client-scan world holds: each picture is drawn, encoded and hashed,
/// and kept in the capture, in `truth.jsonl` and in `images/`.
pub const MAX_MESSAGES: u64 = 20_000;
/// Share of messages that carry a picture.
const IMAGE_SHARE: f64 = 0.12;
/// The associated data of a voucher: binds it to its message, sender and list entry.
pub const VOUCHER_AAD: &str = "doormat/voucher";

/// The list: hashes and labels, held by the list authority and pushed to every phone.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ScanList {
    /// Who controls the list.
    pub authority: String,
    /// A match is a Hamming distance at most this.
    pub threshold: u32,
    /// The hashes.
    pub entries: Vec<ListEntry>,
}

/// One hash on the list.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ListEntry {
    /// Its id, as reports name it.
    pub id: String,
    /// What the authority says it is.
    pub label: String,
    /// The PDQ hash.
    pub hash: PdqHash,
}

impl ScanList {
    /// The entry nearest `hash` within the threshold, and its distance.
    pub fn best_match(&self, hash: &PdqHash) -> Option<(&ListEntry, u32)> {
        self.entries
            .iter()
            .map(|e| (e, e.hash.distance(hash)))
            .filter(|(_, d)| *d <= self.threshold)
            .min_by_key(|(_, d)| *d)
    }

    /// Reads a list file's text; `path` names it in errors.
    pub fn parse(text: &str, path: &std::path::Path) -> Result<Self, InputError> {
        let list: ScanList = serde_json::from_str(text).map_err(|e| {
            InputError::new(format!("is not a scan list: {e}"))
                .file(path)
                .line(e.line() as u64)
                .hint("a scan list is {\"authority\", \"threshold\", \"entries\": [{\"id\", \"label\", \"hash\"}]}")
        })?;
        if list.threshold > pdq::HASH_BITS / 2 {
            return Err(InputError::new(format!(
                "a threshold of {} matches half of all images",
                list.threshold
            ))
            .file(path)
            .field("threshold")
            .hint("Meta's guidance is 31; use 0 to 128"));
        }
        Ok(list)
    }
}

/// A report a phone sends the provider on a match.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ScanReport {
    /// When the message was sent.
    pub t: u64,
    /// The message.
    pub id: String,
    /// Who sent it.
    pub sender: String,
    /// The list entry it matched.
    pub entry: String,
    /// Its distance to that entry.
    pub distance: u32,
    /// The image, sealed for the provider.
    pub voucher: Voucher,
}

/// The matched image, sealed for the provider: AES-256-GCM under a fresh key, the key
/// wrapped with RSA-OAEP for the provider, as an envelope wraps a content key.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Voucher {
    /// base64 of the 12-byte nonce.
    pub nonce: String,
    /// base64 of the PNG's ciphertext and its 16-byte tag.
    pub ct: String,
    /// base64 of the key, wrapped for the provider.
    pub wrapped: String,
}

/// The associated data of a voucher.
pub fn voucher_aad(id: &str, sender: &str, entry: &str) -> Vec<u8> {
    format!("{VOUCHER_AAD}\n{id}\n{sender}\n{entry}").into_bytes()
}

/// Opens a report's voucher with the provider's key: the matched image's PNG bytes.
pub fn open_voucher(report: &ScanReport, provider: &PrivateKey) -> Result<Vec<u8>, CouldNotOpen> {
    let b64 = base64::engine::general_purpose::STANDARD;
    let decode = |text: &str| b64.decode(text).map_err(|_| CouldNotOpen);
    let key = provider.unwrap_key(&decode(&report.voucher.wrapped)?)?;
    let nonce: [u8; 12] = decode(&report.voucher.nonce)?
        .try_into()
        .map_err(|_| CouldNotOpen)?;
    let png = aead::open(
        &key,
        &nonce,
        &voucher_aad(&report.id, &report.sender, &report.entry),
        &decode(&report.voucher.ct)?,
    )?;
    Ok(png)
}

/// The images a message's text carries, as PNG bytes (undecodable lines are skipped:
/// a phone scans what it can show).
pub fn attached_images(text: &str) -> Vec<Vec<u8>> {
    text.lines()
        .filter_map(|line| line.trim().strip_prefix(DATA_URI))
        .filter_map(|b64| base64::engine::general_purpose::STANDARD.decode(b64).ok())
        .collect()
}

/// One picture that circulates among the users.
#[derive(Debug, Clone)]
pub struct Picture {
    /// Its name: `known-1`, `poster`, `photo-3`.
    pub name: String,
    /// The image as it circulates.
    pub image: RgbImage,
    /// How often it is shared, relative to the others.
    weight: u32,
}

/// The pictures of a world: three the list knows, a protest poster it does not (yet),
/// and everyday photos. The same for the same seed.
pub fn gallery(randomness: &Randomness) -> Vec<Picture> {
    let base: u64 = randomness.stream("gallery").gen();
    let mut pictures = Vec::new();
    for i in 0..3u64 {
        pictures.push(Picture {
            name: format!("known-{}", i + 1),
            image: synth::picture(
                Kind::ALL[i as usize % 3],
                base ^ (100 + i),
                IMAGE_SIDE,
                IMAGE_SIDE,
                None,
            ),
            weight: 1,
        });
    }
    pictures.push(Picture {
        name: "poster".into(),
        image: synth::picture(
            Kind::Poster,
            base ^ 200,
            IMAGE_SIDE,
            IMAGE_SIDE,
            Some("no to mass surveillance"),
        ),
        // The week's protest: about one picture in six is its poster.
        weight: 4,
    });
    for i in 0..8u64 {
        pictures.push(Picture {
            name: format!("photo-{}", i + 1),
            image: synth::picture(
                Kind::ALL[(i % 3) as usize],
                base ^ (300 + i),
                IMAGE_SIDE,
                IMAGE_SIDE,
                None,
            ),
            weight: 3,
        });
    }
    pictures
}

/// The names of a world's pictures, as [`gallery`] makes them.
pub const GALLERY_NAMES: [&str; 12] = [
    "known-1", "known-2", "known-3", "poster", "photo-1", "photo-2", "photo-3", "photo-4",
    "photo-5", "photo-6", "photo-7", "photo-8",
];

/// The list the authority starts with: the three known pictures.
pub fn initial_list(pictures: &[Picture], threshold: u32) -> ScanList {
    ScanList {
        authority: "list authority".into(),
        threshold,
        entries: pictures
            .iter()
            .filter(|p| p.name.starts_with("known-"))
            .map(|p| ListEntry {
                id: p.name.clone(),
                label: format!("known image {}", &p.name["known-".len()..]),
                hash: pdq::hash(&p.image)
                    // The gallery's pictures are IMAGE_SIDE a side, above PDQ's minimum.
                    .expect("gallery pictures are large enough to hash")
                    .hash,
            })
            .collect(),
    }
}

/// The pictures and the list of a world built with `randomness` and `params`, as its
/// build makes them: what a demo plays its scanning events with.
pub fn world_pictures(randomness: &Randomness, params: &SchemeParams) -> (Vec<Picture>, ScanList) {
    let pictures = gallery(randomness);
    let list = world_list(&pictures, params);
    (pictures, list)
}

/// The list a world's phones are given: the initial one, with the poster's hash slipped
/// in under an innocent label when `poison_list`.
fn world_list(pictures: &[Picture], params: &SchemeParams) -> ScanList {
    let params = params.get::<ClientScanParams>();
    let mut list = initial_list(pictures, params.scan_threshold);
    if params.poison_list {
        if let Some(poster) = pictures.iter().find(|p| p.name == "poster") {
            let n = list.entries.len() + 1;
            list.entries.push(ListEntry {
                id: format!("known-{n}"),
                label: format!("known image {n}"),
                hash: pdq::hash(&poster.image)
                    .expect("gallery pictures are large enough to hash")
                    .hash,
            });
        }
    }
    list
}

/// A copy as a phone re-shares it: the same picture, with a little fresh noise, as
/// re-encoding leaves.
pub fn reshared(image: &RgbImage, rng: &mut RandomStream) -> RgbImage {
    let bytes = image
        .rgb()
        .iter()
        .map(|v| (i16::from(*v) + rng.gen_range(-1..=1)).clamp(0, 255) as u8)
        .collect();
    RgbImage::from_rgb(image.width(), image.height(), bytes).expect("same size")
}

/// The phones' scanner, between the user and the encryption.
pub struct ClientScan {
    list: ScanList,
    provider: PublicKey,
    reports: Mutex<Vec<ScanReport>>,
}

impl ClientScan {
    /// A scanner with `list`, reporting to `provider`.
    pub fn new(list: ScanList, provider: PublicKey) -> Self {
        ClientScan {
            list,
            provider,
            reports: Mutex::new(Vec::new()),
        }
    }

    /// What the phone does before sealing: hash each attached image, and report a match.
    pub fn scan(&self, message: &Message, rng: &mut RandomStream) -> Vec<ScanReport> {
        let mut found = Vec::new();
        for png in attached_images(&message.text) {
            let Ok(image) = RgbImage::from_png(&png) else {
                continue;
            };
            let Ok(hashed) = pdq::hash(&image) else {
                continue;
            };
            if let Some((entry, distance)) = self.list.best_match(&hashed.hash) {
                found.push(self.report(message, &entry.id, distance, &png, rng));
            }
        }
        found
    }

    fn report(
        &self,
        message: &Message,
        entry: &str,
        distance: u32,
        png: &[u8],
        rng: &mut RandomStream,
    ) -> ScanReport {
        let b64 = base64::engine::general_purpose::STANDARD;
        let key = ContentKey::generate(rng);
        let nonce = aead::random_nonce(rng);
        let ct = aead::seal(
            &key,
            &nonce,
            &voucher_aad(&message.id, &message.from, entry),
            png,
        );
        ScanReport {
            t: message.t,
            id: message.id.clone(),
            sender: message.from.clone(),
            entry: entry.to_owned(),
            distance,
            voucher: Voucher {
                nonce: b64.encode(nonce),
                ct: b64.encode(ct),
                wrapped: b64.encode(self.provider.wrap(rng, &key)),
            },
        }
    }
}

impl Scheme for ClientScan {
    fn id(&self) -> SchemeId {
        SchemeId::ClientScan
    }
    fn add_exceptional_access(
        &self,
        _: &mut Envelope,
        message: &Message,
        _: &ContentKey,
        rng: &mut RandomStream,
    ) {
        let found = self.scan(message, rng);
        if !found.is_empty() {
            // A poisoned lock means a scan panicked elsewhere; its reports are lost with it.
            if let Ok(mut reports) = self.reports.lock() {
                reports.extend(found);
            }
        }
    }
    fn take_reports(&self) -> Vec<String> {
        let mut reports = match self.reports.lock() {
            Ok(mut r) => std::mem::take(&mut *r),
            Err(_) => Vec::new(),
        };
        reports.sort_by_key(|r| r.t);
        reports
            .iter()
            .map(|r| serde_json::to_string(r).expect("a report serialises"))
            .collect()
    }
}

/// The client-side scanning design.
pub struct ClientScanDesign;

impl Design for ClientScanDesign {
    fn world_entries(&self) -> &'static [(&'static str, bool)] {
        &[
            (LIST_FILE, false),
            (REPORTS_FILE, false),
            (PHOTOS_FILE, false),
            (IMAGES_DIR, true),
            (GALLERY_DIR, true),
        ]
    }
    fn exercises(&self) -> &'static [&'static str] {
        &["evade-list", "poisoned-list"]
    }
    fn public_files(&self) -> &'static [&'static str] {
        &[LIST_FILE]
    }
    fn own_events(&self) -> &'static [super::stage::OwnEvent] {
        story::OWN_EVENTS
    }
    fn demo_state(
        &self,
        built: &mut Built,
        inputs: &Inputs,
    ) -> Result<Option<Box<dyn super::stage::DesignState>>> {
        Ok(Some(Box::new(story::ScanState::new(built, inputs)?)))
    }

    fn id(&self) -> SchemeId {
        SchemeId::ClientScan
    }
    fn summary(&self) -> &'static str {
        "phones check images against a PDQ list, report hits"
    }
    fn params(&self) -> Option<&'static dyn ParamsKind> {
        Some(&ParamsOf::<ClientScanParams>::NEW)
    }
    fn check(
        &self,
        params: &SchemeParams,
        world: &super::registry::WorldShape,
    ) -> Result<(), InputError> {
        if world.messages > MAX_MESSAGES {
            return Err(InputError::new(format!(
                "{} messages: a client-scan world holds at most {MAX_MESSAGES}",
                world.messages
            ))
            .field("--messages")
            .hint("about one message in eight carries a 256x256 picture, kept in the capture, truth.jsonl and images/: a 300-message world takes 16 MB"));
        }
        let threshold = params.get::<ClientScanParams>().scan_threshold;
        if threshold > pdq::HASH_BITS / 2 {
            return Err(InputError::new(format!(
                "{threshold} bits: a threshold past 128 matches most images"
            ))
            .field("--scan-threshold")
            .hint("Meta's guidance is 31; use 0 to 128"));
        }
        Ok(())
    }
    fn parties(&self) -> &'static [(&'static str, Role)] {
        &[(PROVIDER, Role::Relay)]
    }
    fn authority(&self) -> Option<&'static str> {
        Some(PROVIDER)
    }
    fn holds(&self, _: &str) -> &'static str {
        "the reports of list matches"
    }
    fn report_file(&self) -> Option<&'static str> {
        Some(REPORTS_FILE)
    }
    fn pictures(&self) -> &'static [&'static str] {
        &GALLERY_NAMES
    }
    fn picture_file(&self, name: &str) -> Option<String> {
        GALLERY_NAMES
            .contains(&name)
            .then(|| format!("{GALLERY_DIR}/{name}.png"))
    }
    fn picture(&self, randomness: &Randomness, name: &str) -> Option<RgbImage> {
        gallery(randomness)
            .into_iter()
            .find(|p| p.name == name)
            .map(|p| p.image)
    }
    fn build(&self, inputs: &Inputs) -> Result<Built> {
        let provider = inputs.party(PROVIDER)?;
        let (pictures, list) = world_pictures(inputs.randomness, inputs.params);
        let mut kept = vec![KeptFile::json(LIST_FILE, &list, false)];
        for picture in &pictures {
            kept.push(KeptFile::bytes(
                format!("{GALLERY_DIR}/{}.png", picture.name),
                picture.image.to_png(),
            ));
        }
        let randomness = *inputs.randomness;
        let total: u32 = pictures.iter().map(|p| p.weight).sum();
        let compose = move |message: &mut Message| -> Option<Attachment> {
            let mut rng = randomness.stream(&format!("photo/{}", message.id));
            if !rng.gen_bool(IMAGE_SHARE) {
                return None;
            }
            let mut pick = rng.gen_range(0..total);
            let picture = pictures
                .iter()
                .find(|p| {
                    if pick < p.weight {
                        true
                    } else {
                        pick -= p.weight;
                        false
                    }
                })
                .expect("the pick is below the weights' sum");
            let png = reshared(&picture.image, &mut rng).to_png();
            attach(message, &png);
            Some(Attachment {
                file: format!("{IMAGES_DIR}/{}.png", message.id),
                picture: picture.name.clone(),
                png,
            })
        };
        let mut built = Built::sealer(ClientScan::new(list, provider.key.public_key().clone()));
        built.kept = kept;
        built.compose = Some(Compose {
            log: PHOTOS_FILE,
            images: IMAGES_DIR,
            attach: Box::new(compose),
        });
        Ok(built)
    }
    fn invited(&self, _: &SchemeParams, _: &str, _: u64) -> Vec<Invited> {
        // The provider's key opens the vouchers of matched images, never an envelope:
        // client-side scanning breaks no encryption. Its reach is the list's (see
        // `doormat attack poison`).
        vec![Invited::new(
            "provider key",
            vec![Theft::Party(PROVIDER.to_owned())],
        )]
    }
}

/// Adds `png` to `message`'s text as a data URI line, as the phone's client does.
pub fn attach(message: &mut Message, png: &[u8]) {
    message.text.push('\n');
    message.text.push_str(DATA_URI);
    message
        .text
        .push_str(&base64::engine::general_purpose::STANDARD.encode(png));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_gallery_hashes_apart_and_the_list_knows_three() {
        let pictures = gallery(&Randomness::Seeded(3));
        let list = initial_list(&pictures, pdq::MATCH_THRESHOLD);
        assert_eq!(list.entries.len(), 3);
        for p in &pictures {
            let h = pdq::hash(&p.image).unwrap().hash;
            let matched = list.best_match(&h).map(|(e, _)| e.id.clone());
            let listed = p.name.starts_with("known-");
            assert_eq!(matched.is_some(), listed, "{}: {matched:?}", p.name);
        }
    }

    #[test]
    fn the_gallery_names_are_its_pictures() {
        let names: Vec<String> = gallery(&Randomness::Seeded(1))
            .into_iter()
            .map(|p| p.name)
            .collect();
        assert_eq!(names, GALLERY_NAMES);
    }

    #[test]
    fn a_reshared_copy_still_matches() {
        let pictures = gallery(&Randomness::Seeded(4));
        let list = initial_list(&pictures, pdq::MATCH_THRESHOLD);
        let mut rng = Randomness::Seeded(4).stream("t");
        let copy = reshared(&pictures[0].image, &mut rng);
        let h = pdq::hash(&copy).unwrap().hash;
        assert_eq!(list.best_match(&h).unwrap().0.id, "known-1");
    }

    #[test]
    fn attached_images_round_trip_through_the_text() {
        let image = RgbImage::filled(8, 8, [1, 2, 3]);
        let mut message = Message {
            id: "m000001".into(),
            t: 1,
            from: "alice".into(),
            to: vec!["bob".into()],
            text: "look".into(),
            session: None,
        };
        attach(&mut message, &image.to_png());
        assert!(message.text.starts_with("look\ndata:image/png;base64,"));
        let back = attached_images(&message.text);
        assert_eq!(RgbImage::from_png(&back[0]).unwrap(), image);
    }

    #[test]
    fn lists_refuse_a_threshold_that_matches_everything() {
        let text = r#"{"authority":"a","threshold":200,"entries":[]}"#;
        let e = ScanList::parse(text, std::path::Path::new("l.json")).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("threshold"));
        let e = ScanList::parse("{", std::path::Path::new("l.json")).unwrap_err();
        assert!(e.problem.starts_with("is not a scan list"), "{}", e.problem);
    }
}
