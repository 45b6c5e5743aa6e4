//! The world on disk (fixed by the design notes):
//!
//! ```text
//! DIR/world.json          public directory: scheme, parameters, parties, public keys
//! DIR/keys/NAME.pem       private key of party NAME, PKCS#8 PEM, mode 0600
//! DIR/keys/NAME.pub.pem   public key of party NAME, SPKI PEM
//! DIR/capture.jsonl       what the network tap recorded: one envelope per line
//! DIR/truth.jsonl         ground truth: {"id","from","to","text"} per line
//! ```

use rayon::prelude::*;
use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::crypto::rsa_oaep::PrivateKey;
use crate::error::{Error, InputError, Result};
use crate::fsutil::{self, read_small_text};
use crate::wire::envelope::Envelope;
use crate::wire::plaintext::Plaintext;
use crate::wire::world_file::{Parameters, PartyEntry, WorldFile, WORLD_FILE_VERSION};

use super::traffic::{Message, TrafficGenerator};
use super::{directory, generate_parties, seal_batch, SnapshotAt, WorldSpec};
use crate::crypto::random::SessionKeys;
use crate::crypto::rsa_oaep::Fingerprint;
use crate::schemes::network::DELIVERY_LOG;
use crate::schemes::registry::{Inputs, FAMILY_ID_FIELD};
use crate::schemes::snapshot::{self, Snapshot, SNAPSHOTS_DIR};
use crate::schemes::{self, SchemeId};
use crate::wire::world_file::Role;
pub use capture::CaptureReader;

pub use crate::wire::world_file::WORLD_JSON;
/// What the network tap recorded.
pub const CAPTURE: &str = "capture.jsonl";
/// The ground truth, for teachers and graders.
pub const TRUTH: &str = "truth.jsonl";
/// The folder of key files.
pub const KEYS: &str = "keys";

/// Messages sealed per parallel batch: enough to keep every core busy, few enough that
/// memory stays flat however long the capture.
const BATCH: usize = 2048;

/// What `simulate` reports back.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SimulateSummary {
    /// The world's directory.
    #[serde(serialize_with = "crate::fsutil::serialize_path_lossy")]
    pub out: PathBuf,
    /// Its design.
    pub scheme: SchemeId,
    /// Users.
    pub users: usize,
    /// Messages in the capture.
    pub messages: u64,
    /// Every party with a key, users first.
    pub parties: Vec<String>,
    /// Size of `capture.jsonl`.
    pub capture_bytes: u64,
    /// Wall-clock time of the build.
    pub seconds: f64,
    /// The classroom seed the world was made with, if any.
    pub seed: Option<u64>,
}

/// Progress callbacks for long runs: `(done, total)` messages.
pub type Progress<'a> = &'a (dyn Fn(u64, u64) + Sync);

/// Builds a world into `out`. The world is built in a temporary directory beside `out`
/// and renamed into place only when complete, so a failure leaves nothing behind and an
/// existing world is replaced only with `force`.
pub fn simulate(
    spec: &WorldSpec,
    out: &Path,
    force: bool,
    progress: Progress,
) -> Result<SimulateSummary> {
    spec.check()?;
    let started = std::time::Instant::now();
    check_destination(out, force)?;
    let staging = Staging::new(out)?;
    let root = staging.path.clone();
    let build = || -> Result<Built> {
        fsutil::create_private_dir(&root.join(KEYS))?;
        if !spec.snapshots.is_empty() {
            let dir = root.join(SNAPSHOTS_DIR);
            fsutil::create_private_dir(&dir)?;
        }
        if schemes::design(spec.scheme).on_devices() {
            build_on_devices(spec, &root, progress)
        } else {
            build_sealed(spec, &root, progress)
        }
    };
    // Errors name the world the user asked for, not the hidden folder it is built in.
    let built = build().map_err(|e| e.relocated(&root, out))?;
    staging.commit(out, force)?;

    Ok(SimulateSummary {
        out: out.to_path_buf(),
        scheme: spec.scheme,
        users: spec.users,
        messages: spec.messages,
        parties: built.parties,
        capture_bytes: built.capture_bytes,
        seconds: started.elapsed().as_secs_f64(),
        seed: spec.randomness.seed(),
    })
}

/// What building a world reports back.
struct Built {
    parties: Vec<String>,
    capture_bytes: u64,
}

/// A world of content keys sealed for RSA readers: every scheme but forward-secret.
fn build_sealed(spec: &WorldSpec, root: &Path, progress: Progress) -> Result<Built> {
    let design = schemes::design(spec.scheme);
    let users = spec.user_names();
    let parties = generate_parties(&spec.party_names(), spec.key_bits, &spec.randomness);
    let directory = directory(&parties);
    let built = design.build(&Inputs {
        users: &users,
        parties: &parties,
        params: &spec.params,
        messages: spec.messages,
        randomness: &spec.randomness,
    })?;
    let scheme = built
        .sealer
        .ok_or_else(|| Error::Internal(format!("{} seals on devices", spec.scheme)))?;

    let mut entries = Vec::new();
    for party in &parties {
        // Under split-key the escrow private key exists only as the agents' shares.
        let private = (!design.withholds_key(party.role)).then(|| party.key.to_pem());
        entries.push(write_key_pair(
            root,
            &party.name,
            party.role,
            private.as_ref().map(|pem| pem.as_str()),
            &party.key.public_key().to_pem(),
            party.key.fingerprint(),
        )?);
    }
    for snapshot in &spec.snapshots {
        let party = parties
            .iter()
            .find(|p| p.name == snapshot.user)
            .ok_or_else(|| Error::Internal(format!("no party {}", snapshot.user)))?;
        let copy = Snapshot::of_rsa_key(spec.scheme, &party.name, snapshot.t, party.key.clone());
        write_snapshot(root, snapshot, &copy.to_text())?;
    }
    // What the design keeps outside the envelopes: shares, a vault, unit-key halves.
    for file in &built.kept {
        let path = root.join(&file.path);
        if let Some(dir) = path.parent() {
            fsutil::create_private_dir_all(dir)?;
        }
        fsutil::write_new(&path, &file.contents, file.secret)?;
    }
    write_world_file(
        spec,
        root,
        entries,
        built.family_id,
        built.public.as_deref(),
    )?;

    let mut recorder = Recorder::new(root)?;
    // What the clients show their users (ghost: verifying clients notice the stranger).
    let mut watch = match design.client_watch(&spec.params) {
        Some(client) => {
            let path = root.join(client.file);
            let file = buffered(&path, false)?;
            Some((client, path, file))
        }
        None => None,
    };
    // What the devices report besides the envelopes (client-scan: list matches).
    let mut reports = match design.report_file() {
        Some(name) => {
            let path = root.join(name);
            let file = buffered(&path, false)?;
            Some((path, file))
        }
        None => None,
    };
    // What the users attach as they write (client-scan: photos), kept as sent.
    let mut photos = match &built.compose {
        Some(compose) => {
            let path = root.join(compose.log);
            // Which picture each user sent: content, so private.
            let file = buffered(&path, true)?;
            fsutil::create_private_dir_all(&root.join(compose.images))?;
            Some((path, file))
        }
        None => None,
    };
    let mut generator = TrafficGenerator::new(&users, spec.session_size, &spec.randomness);
    let sessions = SessionKeys::new(&spec.randomness);
    let mut written = 0u64;
    while written < spec.messages {
        let n = (spec.messages - written).min(BATCH as u64) as usize;
        let mut messages: Vec<_> = (0..n)
            .map(|_| planted(&spec.plants, generator.next_message()))
            .collect();
        if let (Some(compose), Some((path, file))) = (&built.compose, photos.as_mut()) {
            // Drawing and encoding pictures is slow enough to spread over the cores.
            let attached: Vec<_> = messages.par_iter_mut().map(&*compose.attach).collect();
            for (message, attachment) in messages.iter().zip(attached) {
                let Some(attachment) = attachment else {
                    continue;
                };
                // A user's picture is a plaintext.
                fsutil::write_new(&root.join(&attachment.file), &attachment.png, true)?;
                let line = serde_json::json!({
                    "id": message.id, "from": message.from, "t": message.t,
                    "file": attachment.file, "picture": attachment.picture,
                });
                writeln!(file, "{line}").map_err(|e| Error::io(&*path, e))?;
            }
        }
        let envelopes = seal_batch(
            scheme.as_ref(),
            &directory,
            &messages,
            &spec.randomness,
            &sessions,
        );
        for (message, envelope) in messages.iter().zip(&envelopes) {
            recorder.record(message, envelope)?;
            if let Some((client, path, file)) = watch.as_mut() {
                for notice in (client.watch)(envelope) {
                    let line = serde_json::to_string(&notice).expect("a notice serialises");
                    writeln!(file, "{line}").map_err(|e| Error::io(&*path, e))?;
                }
            }
        }
        if let Some((path, file)) = reports.as_mut() {
            for line in scheme.take_reports() {
                writeln!(file, "{line}").map_err(|e| Error::io(&*path, e))?;
            }
        }
        written += n as u64;
        progress(written, spec.messages);
    }
    let capture_bytes = recorder.finish()?;
    for (path, file) in reports.into_iter().chain(photos) {
        finish(file, &path)?;
    }
    if let Some((_, path, file)) = watch {
        finish(file, &path)?;
    }
    Ok(Built {
        parties: parties.iter().map(|p| p.name.clone()).collect(),
        capture_bytes,
    })
}

/// A world sealed on its users' devices (forward-secret: Ed25519 identities, X3DH and
/// Double Ratchet sessions), with deliveries that are not instant and snapshots taken
/// as time passes.
fn build_on_devices(spec: &WorldSpec, root: &Path, progress: Progress) -> Result<Built> {
    let users = spec.user_names();
    let mut world = schemes::design(spec.scheme)
        .build(&Inputs {
            users: &users,
            parties: &[],
            params: &spec.params,
            messages: spec.messages,
            randomness: &spec.randomness,
        })?
        .network
        .ok_or_else(|| Error::Internal(format!("{} seals no devices", spec.scheme)))?;
    let mut entries = Vec::new();
    for name in &users {
        let identity = world
            .identity(name)
            .ok_or_else(|| Error::Internal(format!("no device for {name}")))?;
        entries.push(write_key_pair(
            root,
            name,
            Role::User,
            Some(identity.to_pem().as_str()),
            &identity.public().to_pem(),
            identity.fingerprint(),
        )?);
    }
    write_world_file(spec, root, entries, None, None)?;

    let mut recorder = Recorder::new(root)?;
    let log_path = root.join(DELIVERY_LOG);
    let mut log = buffered(&log_path, false)?;
    let mut generator = TrafficGenerator::new(&users, 1, &spec.randomness);
    for t in 1..=spec.messages {
        let message = planted(&spec.plants, generator.next_message());
        let envelope = world.send(&message)?;
        recorder.record(&message, &envelope)?;
        for delivery in world.deliver_until(t)? {
            write_json_line(&mut log, &log_path, &delivery)?;
        }
        for snapshot in spec.snapshots.iter().filter(|s| s.t == t) {
            let copy = world
                .copy_device(&snapshot.user, t)
                .ok_or_else(|| Error::Internal(format!("no device for {}", snapshot.user)))?;
            write_snapshot(root, snapshot, &copy.to_text())?;
        }
        if t % BATCH as u64 == 0 || t == spec.messages {
            progress(t, spec.messages);
        }
    }
    for delivery in world.undelivered() {
        write_json_line(&mut log, &log_path, &delivery)?;
    }
    finish(log, &log_path)?;
    Ok(Built {
        parties: users,
        capture_bytes: recorder.finish()?,
    })
}

/// `message` with its text replaced, if the spec plants one at its time.
fn planted(plants: &std::collections::BTreeMap<u64, String>, mut message: Message) -> Message {
    if let Some(text) = plants.get(&message.t) {
        message.text = text.clone();
    }
    message
}

/// Writes `keys/NAME.pem` (mode 0600; none where the private key is never whole) and
/// `keys/NAME.pub.pem`, and returns the party's line of `world.json`.
fn write_key_pair(
    root: &Path,
    name: &str,
    role: Role,
    private_pem: Option<&str>,
    public_pem: &str,
    fingerprint: &Fingerprint,
) -> Result<PartyEntry> {
    if let Some(pem) = private_pem {
        let private = root.join(KEYS).join(format!("{name}.pem"));
        fsutil::write_new(&private, pem.as_bytes(), true)?;
    }
    let public_rel = format!("{KEYS}/{name}.pub.pem");
    fsutil::write_new(&root.join(&public_rel), public_pem.as_bytes(), false)?;
    Ok(PartyEntry {
        name: name.to_owned(),
        role,
        public_key: public_rel,
        fingerprint: fingerprint.to_string(),
    })
}

fn write_snapshot(root: &Path, at: &SnapshotAt, text: &str) -> Result<()> {
    let path = root
        .join(SNAPSHOTS_DIR)
        .join(snapshot::file_name(&at.user, at.t));
    fsutil::write_new(&path, text.as_bytes(), true)
}

fn write_world_file(
    spec: &WorldSpec,
    root: &Path,
    parties: Vec<PartyEntry>,
    family_id: Option<String>,
    public: Option<&crate::schemes::registry::RecordFn>,
) -> Result<()> {
    let design = schemes::design(spec.scheme);
    let mut world = WorldFile {
        v: WORLD_FILE_VERSION,
        scheme: spec.scheme,
        parameters: Parameters {
            users: spec.users as u64,
            messages: spec.messages,
            // A world sealed on devices holds no RSA key at all.
            key_bits: if design.on_devices() {
                0
            } else {
                spec.key_bits as u64
            },
            session_size: spec.session_size,
            seed: spec.randomness.seed(),
            ..Parameters::default()
        },
        parties,
        note: spec.randomness.seed().map(|seed| {
            format!("made with --seed {seed}: every key here can be recomputed by anyone; for classrooms only")
        }),
    };
    spec.params.record(spec.scheme, &mut world.parameters);
    if let Some(id) = family_id {
        world.parameters.record(FAMILY_ID_FIELD, id);
    }
    design.record(&spec.params, &mut world.parameters);
    if let Some(public) = public {
        public(&mut world.parameters);
    }
    fsutil::write_new(&root.join(WORLD_JSON), world.to_json().as_bytes(), false)
}

/// The network tap and the ground truth, written as the traffic flows.
struct Recorder {
    root: PathBuf,
    capture: BufWriter<File>,
    truth: BufWriter<File>,
    capture_bytes: u64,
}

impl Recorder {
    fn new(root: &Path) -> Result<Self> {
        Ok(Recorder {
            root: root.to_path_buf(),
            capture: buffered(&root.join(CAPTURE), false)?,
            // Every plaintext, and in an exercise every flag.
            truth: buffered(&root.join(TRUTH), true)?,
            capture_bytes: 0,
        })
    }

    fn record(&mut self, message: &Message, envelope: &Envelope) -> Result<()> {
        let line = envelope.to_json_line();
        self.capture_bytes += line.len() as u64 + 1;
        writeln!(self.capture, "{line}").map_err(|e| Error::io(self.root.join(CAPTURE), e))?;
        let record = Plaintext {
            id: message.id.clone(),
            from: message.from.clone(),
            to: message.to.clone(),
            text: message.text.clone(),
        };
        writeln!(self.truth, "{}", record.to_json_line())
            .map_err(|e| Error::io(self.root.join(TRUTH), e))
    }

    /// Flushes both files; returns the capture's size in bytes.
    fn finish(self) -> Result<u64> {
        finish(self.capture, &self.root.join(CAPTURE))?;
        finish(self.truth, &self.root.join(TRUTH))?;
        Ok(self.capture_bytes)
    }
}

fn write_json_line(
    out: &mut BufWriter<File>,
    path: &Path,
    value: &impl serde::Serialize,
) -> Result<()> {
    let line = serde_json::to_string(value).map_err(|e| Error::Internal(e.to_string()))?;
    writeln!(out, "{line}").map_err(|e| Error::io(path, e))
}

fn buffered(path: &Path, private: bool) -> Result<BufWriter<File>> {
    let file = if private {
        fsutil::create_private(path)?
    } else {
        File::options()
            .write(true)
            .create_new(true)
            .open(path)
            .map_err(|e| Error::io(path, e))?
    };
    Ok(BufWriter::with_capacity(1 << 20, file))
}

fn finish(writer: BufWriter<File>, path: &Path) -> Result<()> {
    let file = writer
        .into_inner()
        .map_err(|e| Error::io(path, e.into_error()))?;
    file.sync_all().map_err(|e| Error::io(path, e))
}

/// `out` must be absent, an empty directory, or (with `force`) an existing world that
/// holds only files doormat writes. A directory that is not a world is never deleted,
/// `--force` or not, and neither are files a user put inside a world.
fn check_destination(out: &Path, force: bool) -> Result<()> {
    let Ok(metadata) = out.symlink_metadata() else {
        return Ok(());
    };
    if !metadata.is_dir() {
        return Err(InputError::new(format!(
            "exists and is {}, not a directory",
            fsutil::describe_type(&metadata.file_type())
        ))
        .file(out)
        .hint("--out names a directory for the new world")
        .into());
    }
    let empty = fs::read_dir(out)
        .map_err(|e| Error::io(out, e))?
        .next()
        .is_none();
    if empty {
        return Ok(());
    }
    if !out.join(WORLD_JSON).is_file() {
        return Err(
            InputError::new("is a non-empty directory that holds no doormat world")
                .file(out)
                .hint("doormat will not delete it, even with --force; choose another --out")
                .into(),
        );
    }
    if !force {
        return Err(InputError::new("already holds a world")
            .file(out)
            .hint("choose another --out, or add --force to replace that world and its keys")
            .into());
    }
    refuse_foreign_files(out, out)
}

/// Top-level entries of every world that doormat writes, and whether each is a folder.
const WORLD_ENTRIES: &[(&str, bool)] = &[
    (WORLD_JSON, false),
    (CAPTURE, false),
    (TRUTH, false),
    (DELIVERY_LOG, false),
    (KEYS, true),
    (SNAPSHOTS_DIR, true),
];

/// The entries a world may hold: every world's, and what each design keeps beside them
/// ([`Design::world_entries`](schemes::registry::Design::world_entries)). A world of
/// any design may be replaced by another, so all of them are doormat's.
fn world_entries() -> impl Iterator<Item = (&'static str, bool)> {
    WORLD_ENTRIES.iter().copied().chain(
        schemes::DESIGNS
            .iter()
            .flat_map(|d| d.world_entries().iter().copied()),
    )
}

/// Refuses outputs (`(flag, path)`, a path given or not) that would write over one of
/// the world's own files, or two flags naming the same file: checked before any work.
pub fn refuse_outputs_in_world(root: &Path, outputs: &[(&str, Option<&Path>)]) -> Result<()> {
    let given: Vec<(&str, &Path)> = outputs
        .iter()
        .filter_map(|(flag, path)| path.map(|p| (*flag, p)))
        .collect();
    for (i, (flag, path)) in given.iter().enumerate() {
        if belongs_to_world(root, path) {
            return Err(InputError::new(
                "is one of the world's own files; doormat will not write over what it reads",
            )
            .file(path)
            .field(*flag)
            .hint("write outside the world's keys, vault and logs")
            .into());
        }
        if let Some((other, _)) = given[..i].iter().find(|(_, p)| p == path) {
            return Err(InputError::new(format!("is also {other}"))
                .file(path)
                .field(*flag)
                .hint("give each output its own file name")
                .into());
        }
    }
    Ok(())
}

/// Whether `path` names one of the files or folders that doormat writes in the world at
/// `root` (by any route: `w/../w/capture.jsonl` too), whether or not it exists yet.
pub fn belongs_to_world(root: &Path, path: &Path) -> bool {
    let (Ok(root), Some(name)) = (root.canonicalize(), path.file_name()) else {
        return false;
    };
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let Ok(parent) = parent.canonicalize() else {
        return false;
    };
    let full = parent.join(name);
    let Ok(relative) = full.strip_prefix(&root) else {
        return false;
    };
    relative
        .components()
        .next()
        .is_some_and(|first| world_entries().any(|(n, _)| first.as_os_str() == n))
}

/// What doormat names the files in a world's folders.
const WORLD_FILE_ENDINGS: &[&str] = &[".pem", ".share", ".key", ".json", ".jsonl"];

/// Paths in the world at `root`, relative to it, that doormat did not write: the user's
/// own files, which `--force` must not delete. At most ten, which is enough to say.
pub fn foreign_files(root: &Path) -> Result<Vec<PathBuf>> {
    let mut foreign = Vec::new();
    for entry in fs::read_dir(root).map_err(|e| Error::io(root, e))? {
        let entry = entry.map_err(|e| Error::io(root, e))?;
        let name = entry.file_name();
        let kind = entry.file_type().map_err(|e| Error::io(entry.path(), e))?;
        let known = world_entries().find(|(n, _)| name == *n);
        match known {
            Some((_, false)) if kind.is_file() => {}
            Some((_, true)) if kind.is_dir() => {
                for inner in fs::read_dir(entry.path()).map_err(|e| Error::io(entry.path(), e))? {
                    let inner = inner.map_err(|e| Error::io(entry.path(), e))?;
                    let inner_name = inner.file_name().to_string_lossy().into_owned();
                    let ours = inner.file_type().is_ok_and(|k| k.is_file())
                        && WORLD_FILE_ENDINGS.iter().any(|e| inner_name.ends_with(e));
                    if !ours {
                        foreign.push(PathBuf::from(&name).join(inner.file_name()));
                    }
                }
            }
            _ => foreign.push(PathBuf::from(name)),
        }
        if foreign.len() >= 10 {
            break;
        }
    }
    foreign.sort();
    Ok(foreign)
}

/// Refuses to replace the world at `root` (reported as `shown`) if it holds files
/// doormat did not write.
fn refuse_foreign_files(root: &Path, shown: &Path) -> Result<()> {
    let foreign = foreign_files(root)?;
    if foreign.is_empty() {
        return Ok(());
    }
    let list: Vec<String> = foreign.iter().map(|p| p.display().to_string()).collect();
    Err(InputError::new(format!(
        "holds files doormat did not write ({}); --force replaces a world, not your files",
        list.join(", ")
    ))
    .file(shown)
    .hint("move them out of the world first, or choose another --out")
    .into())
}

/// A temporary directory beside the destination, removed unless committed: on an
/// error, on Ctrl-C or SIGTERM, or by the next run if this one is killed outright.
pub(crate) struct Staging {
    pub(crate) path: PathBuf,
    committed: bool,
    /// One writer per destination: a second doormat writing the same --out is refused
    /// while this one runs.
    _lock: fsutil::WriterLock,
}

impl Staging {
    pub(crate) fn new(out: &Path) -> Result<Self> {
        fsutil::check_name_length(out)?;
        fsutil::check_parent_folder(out)?;
        let path = fsutil::temporary_path(out, "tmp")?;
        let lock = fsutil::WriterLock::acquire(&fsutil::lock_path_beside(out)?, out, "writing it")?;
        fsutil::remove_stale_temporaries(out, "tmp")?;
        fsutil::create_private_dir(&path).map_err(|e| e.relocated(&path, out))?;
        fsutil::track_temporary(&path);
        let staging = Staging {
            path,
            committed: false,
            _lock: lock,
        };
        fsutil::write_new(&staging.path.join(fsutil::PARTIAL_MARK), b"", false)
            .map_err(|e| e.relocated(&staging.path, out))?;
        Ok(staging)
    }

    /// Moves the finished world into place. Without `force` the move itself refuses to
    /// replace anything but an empty folder the user made (which the same rename
    /// replaces): a folder that appeared, or filled, while the command ran is left as it
    /// is, and the command ends with exit 2. With `force` an old world is moved aside first and removed only once
    /// the new one stands, and only if it holds nothing but doormat's files.
    pub(crate) fn commit(mut self, out: &Path, force: bool) -> Result<()> {
        let mark = self.path.join(fsutil::PARTIAL_MARK);
        fs::remove_file(&mark).map_err(|e| Error::io(&mark, e))?;
        // Held until the end: an interruption waits for the move to finish.
        let mut list = fsutil::temporaries();
        let outcome = self.move_into_place(out, force);
        if outcome.is_ok() {
            self.committed = true;
            fsutil::untrack_temporary(&mut list, &self.path);
        }
        outcome
    }

    fn move_into_place(&self, out: &Path, force: bool) -> Result<()> {
        let empty_dir = out.symlink_metadata().is_ok_and(|m| m.is_dir())
            && fs::read_dir(out)
                .map_err(|e| Error::io(out, e))?
                .next()
                .is_none();
        if empty_dir {
            // rename(2) replaces an empty folder in one step, and fails, leaving it, if
            // something was put in it meanwhile: no moment without a folder there.
            return fs::rename(&self.path, out).map_err(|e| fsutil::appeared_or_io(out, e));
        }
        if !force {
            return fsutil::rename_noclobber(&self.path, out)
                .map_err(|e| fsutil::appeared_or_io(out, e));
        }
        // --force replaces a world; whatever else stands there now was put there while
        // this command ran, and is not doormat's to delete.
        let exists = out.symlink_metadata().is_ok();
        if exists && !(out.is_dir() && out.join(WORLD_JSON).is_file()) {
            return Err(fsutil::appeared_or_io(
                out,
                std::io::ErrorKind::AlreadyExists.into(),
            ));
        }
        let old = if exists {
            let aside = fsutil::temporary_path(out, "old")?;
            fs::rename(out, &aside).map_err(|e| Error::io(out, e))?;
            Some(aside)
        } else {
            None
        };
        fsutil::rename_noclobber(&self.path, out).map_err(|e| fsutil::appeared_or_io(out, e))?;
        if let Some(aside) = old {
            // Checked again now that it is out of everyone's way: a file added to the
            // old world while this command ran is kept, with the old world around it.
            if let Err(e) = refuse_foreign_files(&aside, out) {
                return Err(InputError::new(format!(
                    "the new world is in place, but the old one was kept at {}: {}",
                    aside.display(),
                    e.to_string()
                        .split_once(": ")
                        .map_or(e.to_string(), |(_, why)| why.to_owned())
                ))
                .file(out)
                .hint("take your files from there, then delete it")
                .into());
            }
            fs::remove_dir_all(&aside).map_err(|e| Error::io(&aside, e))?;
        }
        Ok(())
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed {
            let mut list = fsutil::temporaries();
            let _ = fs::remove_dir_all(&self.path);
            fsutil::untrack_temporary(&mut list, &self.path);
        }
    }
}

/// A world read back from disk.
#[derive(Debug)]
pub struct WorldDir {
    /// The world's directory.
    pub root: PathBuf,
    /// Its world.json, parsed.
    pub file: WorldFile,
    /// The world's folder, opened once. Every file of the world is opened through it, so
    /// all of them come from one world even if `simulate --force` replaces the world at
    /// `root` while this command reads it.
    folder: File,
}

// A design reads its own stolen material through this, inside the world's folder.
impl schemes::registry::WorldFiles for WorldDir {
    fn root(&self) -> &Path {
        &self.root
    }
    fn file(&self) -> &WorldFile {
        &self.file
    }
    fn read_text(&self, relative: &str, what: &str) -> Result<String> {
        WorldDir::read_text(self, relative, what)
    }
    fn open_file_if_any(&self, relative: &str, what: &str) -> Result<Option<File>> {
        WorldDir::open_file_if_any(self, relative, what)
    }
    fn open_file(&self, relative: &str, what: &str) -> Result<File> {
        WorldDir::open_file(self, relative, what)
    }
    fn capture_stream(&self) -> Result<Box<dyn schemes::opening::CaptureStream>> {
        Ok(Box::new(self.capture()?))
    }
}

impl WorldDir {
    /// Reads and checks `DIR/world.json`.
    pub fn open(root: &Path) -> Result<Self> {
        let hint = "make one with: doormat simulate --out DIR --scheme golden-key --users 4 --messages 100";
        let folder = match fsutil::open_folder(root, "a directory holding a world") {
            Ok(folder) => folder,
            Err(Error::Input(e)) => return Err(Error::Input(Box::new((*e).hint(hint)))),
            Err(e) => return Err(e),
        };
        let path = root.join(WORLD_JSON);
        let what = "a world.json written by doormat simulate";
        let text = fsutil::read_text_from(
            fsutil::open_input_at(&folder, WORLD_JSON, &path, what)?,
            &path,
            what,
        )?;
        let file = WorldFile::parse(&text).map_err(|e| e.file(&path))?;
        Ok(WorldDir {
            root: root.to_path_buf(),
            file,
            folder,
        })
    }

    /// Opens the world's file at `relative` (`vault/alice.json`), refusing anything but
    /// a regular file.
    pub fn open_file(&self, relative: &str, what: &str) -> Result<File> {
        fsutil::open_input_at(&self.folder, relative, &self.root.join(relative), what)
    }

    /// Opens the world's file at `relative` if the world has one (a log it may lack).
    pub fn open_file_if_any(&self, relative: &str, what: &str) -> Result<Option<File>> {
        fsutil::open_input_at_if_any(&self.folder, relative, &self.root.join(relative), what)
    }

    /// Reads the world's small text file at `relative`.
    pub fn read_text(&self, relative: &str, what: &str) -> Result<String> {
        let path = self.root.join(relative);
        fsutil::read_text_from(self.open_file(relative, what)?, &path, what)
    }

    /// Where its capture is.
    pub fn capture_path(&self) -> PathBuf {
        self.root.join(CAPTURE)
    }

    /// A reader over the capture, one envelope at a time.
    pub fn capture(&self) -> Result<CaptureReader> {
        let path = self.capture_path();
        let file = self.open_file(CAPTURE, "the capture of the network tap")?;
        CaptureReader::new(file, &path, &self.file.parameters)
    }
}

/// Loads a private key file, with messages that name the file.
pub fn load_private_key(path: &Path) -> Result<PrivateKey> {
    let text = read_small_text(path, "a private key in PEM")?;
    PrivateKey::from_pem(&text).map_err(|e| e.file(path).into())
}

mod capture;
#[cfg(test)]
mod tests;
