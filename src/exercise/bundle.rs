//! `doormat exercise new`: one bundle per student, and the instructor's folder.
//!
//! ```text
//! DIR/STUDENT/README.md            the task sheet
//! DIR/STUDENT/world.json           the public directory (no seed in it)
//! DIR/STUDENT/keys/NAME.pub.pem    public keys
//! DIR/STUDENT/capture.jsonl        what the tap recorded
//! DIR/STUDENT/leaks/...            what leaked in this exercise (mode 0600)
//! DIR/instructor/grading.json      the secret behind every flag (mode 0600)
//! DIR/instructor/answers.csv       student, flag, the message that holds it
//! DIR/instructor/worlds/STUDENT/   each student's whole world, private keys and truth
//! ```
//!
//! Everything is written beside DIR and moved into place at the end: a failure leaves
//! nothing behind.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use rand::seq::SliceRandom;
use rand::Rng;
use serde::Serialize;

use super::grading::{GradingFile, LeafCheck, ShareCheck, MIN_PSNR_DB};
use super::hints::{self, seal_hints, Worksheet};
use super::roster::{Contact, Renamed};
use super::{ExerciseKind, InstructorSecret};
use crate::crypto::random::{RandomStream, Randomness};
use crate::error::{Error, InputError, Result};
use crate::fsutil;
use crate::imaging::pdq;
use crate::schemes::registry::{Inputs, WorldShape};
use crate::wire::b64;
use crate::wire::world_file::WorldFile;
use crate::world::disk::{self, Staging, WorldDir};
use crate::world::traffic::{Message, TrafficGenerator};
use crate::world::{SchemeParams, SnapshotAt, WorldSpec, VENDOR_NAME};

/// The users of every exercise world.
const USERS: [&str; 4] = ["alice", "bob", "carol", "dave"];
/// Messages in every exercise world.
const MESSAGES: u64 = 100;
/// Messages a "day" holds, for tasks that name a day.
const PER_DAY: u64 = 20;
/// The user whose key leaks in `user-key-vs-escrow`.
const VICTIM: &str = "carol";
/// The sender who forges LEAFs in `leaf-forgery`.
const ROGUE: &str = "alice";
/// The user whose phone is copied in `forward-secret-window`, and when.
const VICTIM_PHONE: &str = "alice";
const STOLEN_AT: u64 = 50;
/// The user whose phone is seized, locked, in `locked-phone`.
const SEIZED_PHONE: &str = "bob";
/// Secret bits of every content key in `short-key`: a million keys, seconds in Python.
const SHORT_KEY_BITS: u32 = 20;
/// Most students one exercise makes.
pub const MAX_STUDENTS: usize = 500;

/// What `exercise new` is asked to make.
#[derive(Debug, Clone)]
pub struct NewExercise {
    /// Which exercise.
    pub kind: ExerciseKind,
    /// One bundle each.
    pub students: Vec<String>,
    /// Roster names that were given folder names.
    pub renamed: Vec<Renamed>,
    /// What the roster says of each student besides the name (an email, a student
    /// id), kept for the gradebook.
    pub contacts: Vec<Contact>,
    /// Where the instructor secret comes from.
    pub randomness: Randomness,
}

/// What `exercise new` made.
#[derive(Debug, Clone, Serialize)]
pub struct ExerciseSummary {
    /// The exercise folder.
    #[serde(serialize_with = "crate::fsutil::serialize_path_lossy")]
    pub out: PathBuf,
    /// Its kind.
    pub exercise: ExerciseKind,
    /// The class's public id.
    pub class_id: String,
    /// One bundle each.
    pub students: Vec<String>,
    /// Roster names that were given folder names: `exercise check` knows them by both.
    pub renamed: Vec<Renamed>,
    /// The grading file: it makes every flag.
    #[serde(serialize_with = "crate::fsutil::serialize_path_lossy")]
    pub grading: PathBuf,
    /// Wall-clock time.
    pub seconds: f64,
    /// The classroom seed, if the exercise was made with one (so anyone with it can
    /// make every flag).
    pub seed: Option<u64>,
}

/// One student's task, as the sheet states it and the instructor's answers list it.
struct Task {
    spec: WorldSpec,
    /// The sentence that tells the student what to find.
    goal: String,
    /// Which files leak, as (path in the world, path in the bundle).
    leaks: Vec<(String, String)>,
    flag_message: String,
}

/// Makes every bundle and the instructor's folder in `out`, which must not exist yet
/// (or be empty): an exercise is never overwritten.
pub fn create(
    spec: &NewExercise,
    out: &Path,
    progress: &dyn Fn(u64, u64),
    confirm: &dyn Fn(&crate::bench::WorkEstimate) -> Result<()>,
) -> Result<ExerciseSummary> {
    let started = std::time::Instant::now();
    if spec.students.is_empty() || spec.students.len() > MAX_STUDENTS {
        return Err(InputError::new(format!(
            "{} students: an exercise takes 1 to {MAX_STUDENTS}",
            spec.students.len()
        ))
        .into());
    }
    if out.symlink_metadata().is_ok_and(|m| !m.is_dir()) {
        return Err(InputError::new("already exists and is not a folder")
            .file(out)
            .hint("an exercise is never overwritten: choose a new --out")
            .into());
    }
    if out.is_dir()
        && fs::read_dir(out)
            .map_err(|e| Error::io(out, e))?
            .next()
            .is_some()
    {
        return Err(InputError::new("already exists and is not empty")
            .file(out)
            .hint("an exercise is never overwritten: choose a new --out")
            .into());
    }
    let staging = Staging::new(out)?;
    let root = staging.path.clone();
    let fill = || -> Result<InstructorSecret> {
        let secret = InstructorSecret::generate(&spec.randomness);
        let instructor = root.join("instructor");
        mkdir(&instructor.join("worlds"))?;

        let mut answers = String::from("student,flag,message\n");
        let mut leaf_checks = Vec::new();
        let mut share_checks = Vec::new();
        let first = std::time::Instant::now();
        for (i, student) in spec.students.iter().enumerate() {
            let task = plan(spec.kind, student, &secret)?;
            let world = instructor.join("worlds").join(student);
            disk::simulate(&task.spec, &world, false, &|_, _| {})?;
            let bundle = root.join(student);
            // The answer a student's self-check compares with, where there is one
            // answer: a forged LEAF or an evading image is checked, not compared.
            let expected = match spec.kind {
                ExerciseKind::LeafForgery | ExerciseKind::EvadeList => None,
                ExerciseKind::PoisonedList => {
                    let check = share_check(student, &world)?;
                    let answer = format!("doormat{{{}}}", check.senders.join(","));
                    share_checks.push(check);
                    Some(answer)
                }
                _ => Some(secret.flag(spec.kind, student)),
            };
            write_bundle(
                spec.kind,
                student,
                &secret,
                &task,
                &world,
                &bundle,
                expected.as_deref(),
            )?;
            let answer = match (spec.kind, expected) {
                (ExerciseKind::LeafForgery, _) => {
                    leaf_checks.push(leaf_check(student, &task, &world, &bundle)?);
                    "any forged LEAF that passes".to_owned()
                }
                (ExerciseKind::PoisonedList, Some(answer)) => format!("\"{answer}\""),
                (_, Some(answer)) => answer,
                (_, None) => "any look-alike of picture.png the list misses".to_owned(),
            };
            answers.push_str(&format!("{student},{answer},{}\n", task.flag_message));
            if i == 0 && spec.students.len() > 1 {
                // The rest will take about as long each as the first did: the estimate
                // comes from the real path (this kind's world, seeded per student),
                // timed on this machine, before the other bundles are begun.
                confirm(&rest_of_the_bundles(
                    first.elapsed(),
                    spec.students.len() as u64 - 1,
                ))?;
            }
            progress(i as u64 + 1, spec.students.len() as u64);
        }
        let mut grading = GradingFile::new(spec.kind, &secret, &spec.students);
        grading.leaf_checks = leaf_checks;
        grading.share_checks = share_checks;
        grading.contacts = spec.contacts.clone();
        fsutil::write_new(
            &instructor.join("grading.json"),
            grading.to_json().as_bytes(),
            true,
        )?;
        fsutil::write_new(&instructor.join("answers.csv"), answers.as_bytes(), true)?;
        Ok(secret)
    };
    // Errors name the exercise the user asked for, not the hidden folder it is built in.
    let secret = fill().map_err(|e| e.relocated(&root, out))?;
    staging.commit(out, false)?;
    Ok(ExerciseSummary {
        out: out.to_path_buf(),
        exercise: spec.kind,
        class_id: secret.class_id(),
        students: spec.students.clone(),
        renamed: spec.renamed.clone(),
        grading: out.join("instructor").join("grading.json"),
        seconds: started.elapsed().as_secs_f64(),
        seed: spec.randomness.seed(),
    })
}

/// What `rest` more bundles should take, each as long as the first took (`first`). The
/// bundles are made one after another; key generation varies from student to student,
/// so the longest it may take is put at twice the expectation, as for `simulate`.
pub fn rest_of_the_bundles(first: std::time::Duration, rest: u64) -> crate::bench::WorkEstimate {
    let seconds = first.as_secs_f64() * rest as f64;
    crate::bench::WorkEstimate {
        seconds,
        worst_seconds: 2.0 * seconds,
    }
}

fn mkdir(path: &Path) -> Result<()> {
    fsutil::create_private_dir_all(path)
}

/// The student's world and task: where the flag goes, the decoys, what leaks.
fn plan(kind: ExerciseKind, student: &str, secret: &InstructorSecret) -> Result<Task> {
    let randomness = Randomness::Seeded(secret.world_seed(kind, student));
    let users: Vec<String> = USERS.iter().map(|u| (*u).to_owned()).collect();
    let messages = messages_of(kind);
    // The very traffic `simulate` will generate from the same seed: who writes to whom,
    // and when, does not depend on the texts planted in it.
    let mut generator = TrafficGenerator::new(&users, 1, &randomness);
    let traffic: Vec<Message> = (0..messages).map(|_| generator.next_message()).collect();
    let mut rng = randomness.stream("exercise/plan");
    let flag = secret.flag(kind, student);
    let mut plants = BTreeMap::new();
    let decoy = |n| secret.decoy(kind, student, n);
    let involves = |m: &Message, user: &str| m.from == user || m.to.iter().any(|t| t == user);

    let scheme = kind.scheme();
    let design = crate::schemes::design(scheme);
    let (goal, leaks, carrier) = match kind {
        ExerciseKind::LeakedGoldenKey => {
            let day = rng.gen_range(2..=MESSAGES / PER_DAY);
            let carrier = pick(&traffic, &mut rng, |m| day_of(m.t) == day)?;
            // Decoys: the same sender on other days, and other senders on that day.
            let mut n = 0;
            for filter in [
                &|m: &Message| m.from == carrier.from && day_of(m.t) != day,
                &|m: &Message| m.from != carrier.from && day_of(m.t) == day,
                &|m: &Message| day_of(m.t) != day,
            ] as [&dyn Fn(&Message) -> bool; 3]
            {
                if let Ok(m) = pick(&traffic, &mut rng, |m| filter(m) && m.t != carrier.t) {
                    plants.entry(m.t).or_insert_with(|| decoy_text(&decoy(n)));
                    n += 1;
                }
            }
            let goal = format!(
                "On day {day} (t = {} to {}), {} sent a message to {}. Find it: it holds your flag.",
                (day - 1) * PER_DAY + 1,
                day * PER_DAY,
                carrier.from,
                carrier.to.join(" and ")
            );
            let leaks = vec![("keys/escrow.pem".to_owned(), "leaks/escrow.pem".to_owned())];
            (goal, leaks, carrier)
        }
        ExerciseKind::UserKeyVsEscrow => {
            let carrier = pick(&traffic, &mut rng, |m| !involves(m, VICTIM))?;
            for n in 0..3 {
                if let Ok(m) = pick(&traffic, &mut rng, |m| involves(m, VICTIM)) {
                    plants.entry(m.t).or_insert_with(|| decoy_text(&decoy(n)));
                }
            }
            let goal = format!(
                "Count the messages each leaked key opens (write both numbers on your worksheet). \
                 Several opened messages contain something that looks like a flag; your flag is \
                 the one in a message that {VICTIM}'s key cannot open."
            );
            let leaks = vec![
                ("keys/escrow.pem".to_owned(), "leaks/escrow.pem".to_owned()),
                (format!("keys/{VICTIM}.pem"), format!("leaks/{VICTIM}.pem")),
            ];
            (goal, leaks, carrier)
        }
        ExerciseKind::SplitKey => {
            let carrier = pick(&traffic, &mut rng, |_| true)?;
            let mut agents: Vec<u8> = (1..=5).collect();
            agents.shuffle(&mut rng);
            let places = ["inbox", "usb-stick", "printer-queue"];
            let leaks = agents[..3]
                .iter()
                .zip(places)
                .map(|(agent, place)| {
                    (
                        format!("keys/agent-{agent}.share"),
                        format!("leaks/{place}/agent-{agent}.share"),
                    )
                })
                .collect();
            let goal = "The escrow key was split among five agents so that any three can rebuild \
                        it. Three agents' shares turned up in the places under leaks/. Rebuild the \
                        escrow key and read the recording: one message holds your flag."
                .to_owned();
            (goal, leaks, carrier)
        }
        ExerciseKind::ShortKey => {
            let carrier = pick(&traffic, &mut rng, |_| true)?;
            let goal = format!(
                "Message {} holds your flag. Its content key is 256 bits long, but the \
                 short-key design leaves only {SHORT_KEY_BITS} of them secret (world.json: \
                 parameters.bits). Find them.",
                carrier.id
            );
            (goal, Vec::new(), carrier)
        }
        ExerciseKind::ForwardSecretWindow => {
            let carrier = window_message(&traffic, &randomness, &mut rng)?;
            let goal = format!(
                "Malware copied {VICTIM_PHONE}'s phone just after t={STOLEN_AT}: everything the \
                 messenger kept on it is in leaks/{VICTIM_PHONE}@{STOLEN_AT}.json. The messenger \
                 uses the Double Ratchet. Read what the stolen state still opens: one of those \
                 messages holds your flag."
            );
            let leaks = vec![(
                format!("snapshots/{VICTIM_PHONE}@{STOLEN_AT}.json"),
                format!("leaks/{VICTIM_PHONE}@{STOLEN_AT}.json"),
            )];
            (goal, leaks, carrier)
        }
        ExerciseKind::LeafForgery => {
            let carrier = pick(&traffic, &mut rng, |m| m.from == ROGUE)?;
            let goal = format!(
                "You are {ROGUE}, and your messenger runs on a Clipper chip. You want to send \
                 message {} without the escrow agents being able to read it, and without the \
                 receiving chip refusing it. Forge a LEAF for it: 46 bytes that the receiving \
                 chip accepts (its 16-bit checksum passes, under the family key in \
                 leaks/family.key) but that carry no real unit id. leaks/my-message.json holds \
                 your message's content key and nonce: your own app knows them. Submit \
                 doormat{{the 46 bytes in lowercase hex}}.",
                carrier.id
            );
            let leaks = vec![("keys/family.key".to_owned(), "leaks/family.key".to_owned())];
            (goal, leaks, carrier)
        }
        ExerciseKind::DualEc => {
            // A sender's later message, so that the state is found from an earlier one.
            let carrier = pick(&traffic, &mut rng, |m| {
                m.t > MESSAGES / 2 && traffic.iter().any(|o| o.from == m.from && o.t < m.t)
            })?;
            let goal = format!(
                "Message {} holds your flag. Nothing escrows its key, but every phone draws \
                 its random numbers from Dual_EC_DRBG over P-256, with the point Q in \
                 world.json (parameters.dual_ec_q), and each envelope carries 32 of them in \
                 `rnd`, drawn just before the content key. Whoever chose Q kept d with \
                 d·Q = P, and it leaked: leaks/designer.key. Recover {}'s generator state \
                 from one of {}'s envelopes and predict the content key of your message.",
                carrier.id, carrier.from, carrier.from
            );
            let leaks = vec![(
                "keys/designer.key".to_owned(),
                "leaks/designer.key".to_owned(),
            )];
            (goal, leaks, carrier)
        }
        ExerciseKind::EvadeList => {
            let carrier = pick(&traffic, &mut rng, |_| true)?;
            let goal = format!(
                "The phones of this messenger check every image against the list in \
                 scan-list.json before they encrypt it, and report a match: a PDQ hash within \
                 {} bits of a listed one. picture.png is on the list (it is entry known-1). \
                 Make an image that looks like it, a PSNR of at least {MIN_PSNR_DB} dB against \
                 picture.png, same size, but whose PDQ hash is more than {} bits from \
                 picture.png's: an image the list misses.",
                pdq::MATCH_THRESHOLD,
                pdq::MATCH_THRESHOLD
            );
            let leaks = vec![(
                design_file(design.picture_file(LISTED_PICTURE))?,
                "picture.png".to_owned(),
            )];
            (goal, leaks, carrier)
        }
        ExerciseKind::PoisonedList => {
            let carrier = pick(&traffic, &mut rng, |_| true)?;
            let goal = "The phones of this messenger check every image against the list in \
                        scan-list.json before they encrypt it, and send the provider a report \
                        of each match (reports.jsonl). Someone slipped the hash of a protest \
                        poster, poster.png, into the list under an innocent label. You hold the \
                        provider's key (leaks/provider.pem). Which users shared the poster?"
                .to_owned();
            let leaks = vec![
                (
                    design_file(design.picture_file("poster"))?,
                    "poster.png".to_owned(),
                ),
                (
                    "keys/provider.pem".to_owned(),
                    "leaks/provider.pem".to_owned(),
                ),
            ];
            (goal, leaks, carrier)
        }
        ExerciseKind::LockedPhone => {
            let carrier = pick(&traffic, &mut rng, |m| involves(m, SEIZED_PHONE))?;
            // Decoys in the phone's own history: what unlocking opens is all of it.
            for n in 0..3 {
                if let Ok(m) = pick(&traffic, &mut rng, |m| {
                    involves(m, SEIZED_PHONE) && m.t != carrier.t
                }) {
                    plants.entry(m.t).or_insert_with(|| decoy_text(&decoy(n)));
                }
            }
            let goal = format!(
                "The police seized {SEIZED_PHONE}'s phone, locked: seized/{SEIZED_PHONE}.json \
                 is everything on it. The messenger's phones follow CLEAR: each keeps its \
                 passcode encrypted for the vendor, and the vendor's key leaked \
                 (leaks/vendor.pem). Recover the passcode, unlock the phone and read its \
                 history: the message from {} to {} at t = {} holds your flag.",
                carrier.from,
                carrier.to.join(" and "),
                carrier.t
            );
            let leaks = vec![
                (
                    design_file(design.phone_file(SEIZED_PHONE))?,
                    format!("seized/{SEIZED_PHONE}.json"),
                ),
                (
                    format!("keys/{VENDOR_NAME}.pem"),
                    format!("leaks/{VENDOR_NAME}.pem"),
                ),
            ];
            (goal, leaks, carrier)
        }
    };
    plants.insert(carrier.t, flag_text(&flag));
    let users: Vec<String> = USERS.iter().map(|u| (*u).to_owned()).collect();
    let shape = WorldShape {
        users: &users,
        messages,
        session_size: 1,
    };
    // As `simulate`'s flags would give them: a short key's bits, the list poisoned for
    // that exercise; every other parameter its design's default.
    let fields = serde_json::json!({
        "bits": SHORT_KEY_BITS,
        "poison_list": kind == ExerciseKind::PoisonedList,
    });
    let params = SchemeParams::from_fields(
        &[scheme],
        fields.as_object().expect("an object"),
        Some(&shape),
    )?;
    let spec = WorldSpec {
        scheme,
        users: USERS.len(),
        messages,
        key_bits: 2048,
        session_size: 1,
        randomness,
        params,
        snapshots: if kind == ExerciseKind::ForwardSecretWindow {
            vec![SnapshotAt {
                user: VICTIM_PHONE.to_owned(),
                t: STOLEN_AT,
            }]
        } else {
            Vec::new()
        },
        plants,
    };
    Ok(Task {
        spec,
        goal,
        leaks,
        flag_message: carrier.id,
    })
}

/// A message the stolen phone opens after the theft, in a session that existed before
/// it (so that no X3DH is needed to read it). The world is played once in memory with
/// the very seed `simulate` will use; planting a text changes no key.
fn window_message(
    traffic: &[Message],
    randomness: &Randomness,
    rng: &mut RandomStream,
) -> Result<Message> {
    let users: Vec<String> = USERS.iter().map(|u| (*u).to_owned()).collect();
    let scheme = ExerciseKind::ForwardSecretWindow.scheme();
    let mut world = crate::schemes::design(scheme)
        .build(&Inputs {
            users: &users,
            parties: &[],
            params: &SchemeParams::default(),
            messages: traffic.len() as u64,
            randomness,
        })?
        .network
        .ok_or_else(|| Error::Internal(format!("{scheme} seals on no devices")))?;
    let (envelopes, phone) = world.record(traffic, VICTIM_PHONE, STOLEN_AT)?;
    let phone = phone.ok_or_else(|| Error::Internal("the phone was not copied".into()))?;
    let peers = phone
        .device_state()
        .map(|state| state.peers)
        .unwrap_or_default();
    let mut keyring = crate::attacks::Keyring::new();
    phone.give_to(&mut keyring);
    let mut opener = crate::attacks::Opener::new(&keyring);
    let outcomes = opener.open_batch(&envelopes);
    let opened: Vec<&str> = envelopes
        .iter()
        .zip(&outcomes)
        .filter(|(_, outcome)| matches!(outcome, crate::attacks::Outcome::Opened(_)))
        .map(|(e, _)| e)
        .filter(|e| e.t > STOLEN_AT)
        .filter(|e| {
            let peer = if e.from == VICTIM_PHONE {
                &e.to[0]
            } else {
                &e.from
            };
            peers.contains(peer)
        })
        .map(|e| e.id.as_str())
        .collect();
    pick(traffic, rng, |m| opened.contains(&m.id.as_str()))
}

/// leaf-forgery: what the student's receiving chip will check, read from the
/// instructor's copy of the world; and the sender's own knowledge of its message,
/// written into the bundle.
fn leaf_check(student: &str, task: &Task, world: &Path, bundle: &Path) -> Result<LeafCheck> {
    let world_dir = WorldDir::open(world)?;
    let sender = disk::load_private_key(&world.join("keys").join(format!("{ROGUE}.pem")))?;
    let mut capture = world_dir.capture()?;
    let envelope = loop {
        match capture.next_envelope()? {
            Some(e) if e.id == task.flag_message => break e,
            Some(_) => continue,
            None => {
                return Err(Error::Internal(
                    "the exercise message is not recorded".into(),
                ))
            }
        }
    };
    let slot = envelope
        .wrapped_for(ROGUE)
        .ok_or_else(|| Error::Internal("the sender has no slot in its own message".into()))?;
    let key = sender
        .unwrap_key(slot)
        .map_err(|_| Error::Internal("the sender cannot open its own message".into()))?;
    let leaf = crate::attacks::leaf::sent_leaf(&world_dir, &envelope)?
        .ok_or_else(|| Error::Internal("the exercise message has no LEAF".into()))?;
    let mine = serde_json::json!({
        "id": envelope.id,
        "content_key": b64(key.expose_secret()),
        "nonce": b64(&envelope.nonce),
        "note": "you sent this message: your own app knows its content key and nonce",
    });
    fsutil::write_new(
        &bundle.join("leaks/my-message.json"),
        (serde_json::to_string_pretty(&mine).map_err(|e| Error::Internal(e.to_string()))? + "\n")
            .as_bytes(),
        true,
    )?;
    Ok(LeafCheck {
        student: student.to_owned(),
        message: envelope.id.clone(),
        family_key: b64(leaf.family_key.expose_secret()),
        content_key: b64(key.expose_secret()),
        nonce: b64(&envelope.nonce),
        unit_id: leaf.unit_id,
    })
}

/// Messages in a world of `kind`: the scanning worlds need enough photos for the poster
/// to go round.
fn messages_of(kind: ExerciseKind) -> u64 {
    match kind {
        ExerciseKind::EvadeList | ExerciseKind::PoisonedList => 300,
        _ => MESSAGES,
    }
}

/// poisoned-list: who shared the poster, from the instructor's copy of the world.
fn share_check(student: &str, world: &Path) -> Result<ShareCheck> {
    let world_dir = WorldDir::open(world)?;
    let (_, photos) = crate::attacks::poison::world_scan(&world_dir)?;
    let mut senders: Vec<String> = photos
        .into_iter()
        .filter(|p| p.picture == "poster")
        .map(|p| p.from)
        .collect();
    senders.sort();
    senders.dedup();
    Ok(ShareCheck {
        student: student.to_owned(),
        senders,
    })
}

fn day_of(t: u64) -> u64 {
    (t - 1) / PER_DAY + 1
}

fn flag_text(flag: &str) -> String {
    format!("As agreed, the code is {flag}. Delete this message.")
}

fn decoy_text(decoy: &str) -> String {
    format!("Test message, please ignore: {decoy}")
}

/// A random message that passes `filter`.
fn pick(
    traffic: &[Message],
    rng: &mut RandomStream,
    filter: impl Fn(&Message) -> bool,
) -> Result<Message> {
    let candidates: Vec<&Message> = traffic.iter().filter(|m| filter(m)).collect();
    candidates
        .choose(rng)
        .map(|m| (*m).clone())
        .ok_or_else(|| Error::Internal("no message fits the exercise plan".into()))
}

/// Copies what a student may see out of the instructor's copy of the world.
fn write_bundle(
    kind: ExerciseKind,
    student: &str,
    secret: &InstructorSecret,
    task: &Task,
    world: &Path,
    bundle: &Path,
    expected: Option<&str>,
) -> Result<()> {
    mkdir(&bundle.join("keys"))?;
    let text = fsutil::read_small_text(&world.join(disk::WORLD_JSON), "a world.json")?;
    let mut file = WorldFile::parse(&text).map_err(|e| e.file(world.join(disk::WORLD_JSON)))?;
    // The seed would let a student recompute every key: it stays with the instructor.
    file.parameters.seed = None;
    file.note = Some(format!(
        "doormat exercise {} for {student}, class {}",
        kind.as_str(),
        secret.class_id()
    ));
    fsutil::write_new(
        &bundle.join(disk::WORLD_JSON),
        file.to_json().as_bytes(),
        false,
    )?;
    for party in &file.parties {
        copy(
            &world.join(&party.public_key),
            &bundle.join(&party.public_key),
            false,
        )?;
    }
    copy(
        &world.join(disk::CAPTURE),
        &bundle.join(disk::CAPTURE),
        false,
    )?;
    for public in crate::schemes::design(file.scheme).public_files() {
        copy(&world.join(public), &bundle.join(public), false)?;
    }
    // The poisoned-list student plays the provider, who holds the devices' reports.
    if let Some(reports) = crate::schemes::design(file.scheme)
        .report_file()
        .filter(|_| kind == ExerciseKind::PoisonedList)
    {
        copy(&world.join(reports), &bundle.join(reports), false)?;
    }
    for (from, to) in &task.leaks {
        let to = bundle.join(to);
        if let Some(parent) = to.parent() {
            mkdir(parent)?;
        }
        copy(&world.join(from), &to, true)?;
    }
    // What the student reads and runs travels with the bundle, so that it works
    // offline, from a USB stick, without doormat's repository.
    mkdir(&bundle.join("docs/exercises"))?;
    fsutil::write_new(
        &bundle.join("docs/wire-format.md"),
        WIRE_FORMAT.as_bytes(),
        false,
    )?;
    // The hints stay sealed until the teacher releases them (hints.rs).
    let sheet = Worksheet::parse(worksheet(kind));
    fsutil::write_new(
        &bundle.join(format!("docs/exercises/{}.md", kind.as_str())),
        sheet.sealed().as_bytes(),
        false,
    )?;
    fsutil::write_new(
        &bundle.join("hints.json"),
        seal_hints(secret, kind, &sheet).to_json().as_bytes(),
        false,
    )?;
    mkdir(&bundle.join("tools"))?;
    for (name, script) in tools_of(kind) {
        fsutil::write_new(&bundle.join("tools").join(name), script.as_bytes(), false)?;
    }
    let self_check = expected.map(|answer| {
        let salt = hints::self_check_salt(secret, kind, student);
        let hash = hints::self_check_hash(&salt, answer);
        hints::self_check_command(&salt, &hash)
    });
    let sheet = task_sheet(kind, student, &secret.class_id(), task, self_check);
    fsutil::write_new(&bundle.join("README.md"), sheet.as_bytes(), false)
}

/// The scripts a bundle of `kind` carries in `tools/`: the wire format's helpers its
/// worksheet uses, and hint.py. A finished solver is left out where it would make the
/// exercise one command (leaked-golden-key is about opening an envelope by hand).
pub fn tools_of(kind: ExerciseKind) -> Vec<(&'static str, &'static str)> {
    let used: &[&str] = match kind {
        ExerciseKind::LeakedGoldenKey => &["slot.py", "open.py"],
        ExerciseKind::DualEc | ExerciseKind::ShortKey => &["open.py"],
        ExerciseKind::UserKeyVsEscrow | ExerciseKind::SplitKey | ExerciseKind::LockedPhone => {
            &["open_capture.py"]
        }
        ExerciseKind::ForwardSecretWindow => &["follow.py"],
        ExerciseKind::LeafForgery | ExerciseKind::EvadeList | ExerciseKind::PoisonedList => &[],
    };
    helper_scripts()
        .into_iter()
        .filter(|(name, _)| used.contains(name))
        .chain([("hint.py", hints::HINT_PY)])
        .collect()
}

/// The wire format, as docs/wire-format.md has it: every bundle carries a copy.
const WIRE_FORMAT: &str = include_str!("../../docs/wire-format.md");

/// The worksheet of `kind` (docs/exercises/KIND.md; the solutions stay behind).
pub(super) fn worksheet(kind: ExerciseKind) -> &'static str {
    match kind {
        ExerciseKind::LeakedGoldenKey => include_str!("../../docs/exercises/leaked-golden-key.md"),
        ExerciseKind::UserKeyVsEscrow => {
            include_str!("../../docs/exercises/user-key-vs-escrow.md")
        }
        ExerciseKind::SplitKey => include_str!("../../docs/exercises/split-key.md"),
        ExerciseKind::ShortKey => include_str!("../../docs/exercises/short-key.md"),
        ExerciseKind::ForwardSecretWindow => {
            include_str!("../../docs/exercises/forward-secret-window.md")
        }
        ExerciseKind::LeafForgery => include_str!("../../docs/exercises/leaf-forgery.md"),
        ExerciseKind::DualEc => include_str!("../../docs/exercises/dual-ec.md"),
        ExerciseKind::EvadeList => include_str!("../../docs/exercises/evade-list.md"),
        ExerciseKind::PoisonedList => include_str!("../../docs/exercises/poisoned-list.md"),
        ExerciseKind::LockedPhone => include_str!("../../docs/exercises/locked-phone.md"),
    }
}

/// The Python helpers of the wire format's worked examples, as files (`NAME.py`, text):
/// each follows a `<!-- worked-example: NAME.py -->` line in a fenced block.
pub fn helper_scripts() -> Vec<(&'static str, &'static str)> {
    const MARK: &str = "<!-- worked-example: ";
    let mut scripts = Vec::new();
    let mut rest = WIRE_FORMAT;
    while let Some(at) = rest.find(MARK) {
        rest = &rest[at + MARK.len()..];
        let Some((name, after)) = rest.split_once(" -->\n```") else {
            break;
        };
        let Some((_, body)) = after.split_once('\n') else {
            break;
        };
        let Some(end) = body.find("```") else {
            break;
        };
        if name.ends_with(".py") {
            scripts.push((name, &body[..end]));
        }
        rest = &body[end..];
    }
    scripts
}

fn copy(from: &Path, to: &Path, private: bool) -> Result<()> {
    let bytes = fs::read(from).map_err(|e| Error::io(from, e))?;
    fsutil::write_new(to, &bytes, private)
}

/// P-256's group order n, hex: the dual-ec worksheet reduces x-coordinates modulo it.
pub const P256_ORDER_HEX: &str = "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551";

/// The bundle's README.md: what the student has, the task, how to check an answer alone
/// (`self_check`, a command, where the answer is one string), and how to go about it.
fn task_sheet(
    kind: ExerciseKind,
    student: &str,
    class_id: &str,
    task: &Task,
    self_check: Option<String>,
) -> String {
    let mut leaks: Vec<String> = task.leaks.iter().map(|(_, to)| to.clone()).collect();
    if kind == ExerciseKind::LeafForgery {
        leaks.push("leaks/my-message.json".to_owned());
    }
    let leaks = if leaks.is_empty() {
        "- nothing leaked: the recording and the directory are all you have\n".to_owned()
    } else {
        let items: String = leaks.iter().map(|to| format!("  - `{to}`\n")).collect();
        let what = if kind == ExerciseKind::LockedPhone {
            "what was seized, and what leaked"
        } else {
            "what leaked"
        };
        format!("- {what}:\n{items}")
    };
    let extra = match kind {
        ExerciseKind::EvadeList => {
            "- `scan-list.json`: the list of PDQ hashes the phones check images against\n\
             - `picture.png`: a picture on the list\n"
                .to_owned()
        }
        ExerciseKind::PoisonedList => {
            "- `scan-list.json`: the list of PDQ hashes the phones check images against\n\
             - `reports.jsonl`: the reports the phones sent the provider, each with the \
             image sealed for it\n"
                .to_owned()
        }
        ExerciseKind::DualEc => format!(
            "- the curve, P-256: P is its generator, and its group order n is, in hex,\n  \
             `{P256_ORDER_HEX}`\n"
        ),
        _ => String::new(),
    };
    let check = match (kind, self_check) {
        (_, Some(command)) => format!(
            "Before you submit, check your answer here: put it in place of `YOUR ANSWER`, \
             written exactly as you will submit it. The command prints `right` or `not \
             right`. It holds only a salted hash of your answer, which gives nothing away.\n\n\
             ```sh\n{command}\n```"
        ),
        (ExerciseKind::LeafForgery, None) => "Your own chip can tell you: decrypt your LEAF \
             with the family key as docs/wire-format.md (`clipper`) describes. It is right if \
             its last two bytes are the first two of HMAC-SHA256(content key, \
             `doormat/leaf/1` followed by the nonce), and its unit id is not the one in your \
             message's own LEAF."
            .to_owned(),
        (_, None) => format!(
            "Your image is right if its PSNR against `picture.png` is at least \
             {MIN_PSNR_DB} dB, it is the same size, and its PDQ hash is more than {} bits \
             from picture.png's. You can measure all three yourself.",
            pdq::MATCH_THRESHOLD
        ),
    };
    let tools = tools_of(kind)
        .iter()
        .map(|(name, _)| format!("`tools/{name}`"))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "# doormat exercise: {kind}\n\n\
         Student: **{student}** (class {class_id}). This bundle is yours alone: your flag is \
         in no one else's.\n\n\
         ## What you have\n\n\
         - `world.json`: the public directory of a messenger with four users\n\
         - `keys/NAME.pub.pem`: their public keys\n\
         - `capture.jsonl`: every envelope a network tap recorded, {messages} messages; the \
         logical time `t` of each runs from 1, and a day holds {PER_DAY} messages\n\
         {extra}\
         {leaks}\n\
         ## Your task\n\n\
         {goal}\n\n\
         {answer}\n\n\
         ## Check your answer\n\n\
         {check}\n\n\
         ## How\n\n\
         Everything you need is in this folder: `docs/wire-format.md` (the envelope format, \
         with a worked example), the worksheet `docs/exercises/{kind}.md`, and the helpers \
         {tools}. `openssl` and Python's `cryptography` package, 3.4 or later, are \
         enough{pdq}; doormat itself is allowed but not needed. Your teacher releases the \
         worksheet's hints one at a time: `python3 tools/hint.py N CODE` opens hint N with \
         the code you are given.\n",
        pdq = if matches!(kind, ExerciseKind::EvadeList | ExerciseKind::PoisonedList) {
            ", with Meta's reference PDQ for Python (`pip install pdqhash numpy`)"
        } else {
            ""
        },
        kind = kind.as_str(),
        goal = task.goal,
        answer = kind.answer_form(),
        messages = task.spec.messages,
    )
}

/// A file the exercise's design keeps in its worlds, or an internal error where it keeps
/// none: an exercise kind names only files its own design writes.
fn design_file(relative: Option<String>) -> Result<String> {
    relative.ok_or_else(|| Error::Internal("the exercise's design keeps no such file".into()))
}

/// The listed picture an evade-list student must disguise: the world's `known-1`.
const LISTED_PICTURE: &str = "known-1";

/// The evade-list picture of the world made from `seed`, drawn again as the world drew
/// it: what the grader measures a student's image against.
pub(super) fn listed_picture(seed: u64) -> Result<crate::imaging::RgbImage> {
    crate::schemes::design(ExerciseKind::EvadeList.scheme())
        .picture(&Randomness::Seeded(seed), LISTED_PICTURE)
        .ok_or_else(|| Error::Internal(format!("the gallery has no {LISTED_PICTURE}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    /// 500 students at a second each is past the ten-minute gate; a class of 40 at a
    /// third of a second is not; one student needs no estimate at all.
    #[test]
    fn the_rest_of_a_class_is_estimated_from_the_first_bundle() {
        let large = rest_of_the_bundles(Duration::from_secs(1), 499);
        assert!((large.seconds - 499.0).abs() < 1e-9);
        assert!(large.needs_confirmation());
        let class = rest_of_the_bundles(Duration::from_millis(333), 39);
        assert!(!class.needs_confirmation());
        assert!(class.seconds > 12.0 && class.seconds < 14.0);
    }

    /// The n the dual-ec sheet gives is P-256's: n - 1 is the largest scalar, n is none.
    #[test]
    fn the_dual_ec_sheet_gives_p256s_group_order() {
        use p256::elliptic_curve::PrimeField;
        let n: [u8; 32] = std::array::from_fn(|i| {
            u8::from_str_radix(&P256_ORDER_HEX[2 * i..2 * i + 2], 16).unwrap()
        });
        assert!(bool::from(p256::Scalar::from_repr(n.into()).is_none()));
        let mut below = n;
        below[31] -= 1;
        assert!(bool::from(p256::Scalar::from_repr(below.into()).is_some()));
    }
}
