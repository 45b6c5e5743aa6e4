//! The world on disk (fixed by the design notes):
//!
//! ```text
//! DIR/world.json          public directory: scheme, parameters, parties, public keys
//! DIR/keys/NAME.pem       private key of party NAME, PKCS#8 PEM, mode 0600
//! DIR/keys/NAME.pub.pem   public key of party NAME, SPKI PEM
//! DIR/capture.jsonl       what the network tap recorded: one envelope per line
//! DIR/truth.jsonl         ground truth: {"id","from","to","text"} per line
//! ```

use std::collections::HashSet;
use std::fs::{self, File};
use std::io::{BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::crypto::rsa_oaep::PrivateKey;
use crate::error::{Error, InputError, Result};
use crate::fsutil::{self, read_small_text};
use crate::wire::envelope::Envelope;
use crate::wire::lines::Lines;
use crate::wire::plaintext::Plaintext;
use crate::wire::world_file::{Parameters, PartyEntry, WorldFile, WORLD_FILE_VERSION};

use super::traffic::TrafficGenerator;
use super::{directory, generate_parties, scheme_for, seal_batch, Party, WorldSpec};
use crate::schemes::clipper::{self, Clipper};
use crate::schemes::ghost::{self, Watchers};
use crate::schemes::{split_key, vendor, Scheme, SchemeId};
use crate::wire::world_file::Role;

pub const WORLD_JSON: &str = "world.json";
pub const CAPTURE: &str = "capture.jsonl";
pub const TRUTH: &str = "truth.jsonl";
pub const KEYS: &str = "keys";

/// Messages sealed per parallel batch: enough to keep every core busy, few enough that
/// memory stays flat however long the capture.
const BATCH: usize = 2048;

/// What `simulate` reports back.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SimulateSummary {
    pub out: PathBuf,
    pub scheme: String,
    pub users: usize,
    pub messages: u64,
    pub parties: Vec<String>,
    pub capture_bytes: u64,
    pub seconds: f64,
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

    let parties = generate_parties(&spec.party_names(), spec.key_bits, &spec.randomness);
    let directory = directory(&parties);
    // Clipper's keys are symmetric secrets of its own; the one instance both seals and
    // is written to the escrow agents' files.
    let clipper = (spec.scheme == SchemeId::Clipper)
        .then(|| Clipper::generate(&spec.user_names(), &spec.randomness));

    fs::create_dir(root.join(KEYS)).map_err(|e| Error::io(root.join(KEYS), e))?;
    let mut entries = Vec::new();
    for party in &parties {
        let private = root.join(KEYS).join(format!("{}.pem", party.name));
        let public_rel = format!("{KEYS}/{}.pub.pem", party.name);
        // Under split-key the escrow private key exists only as the agents' shares.
        let split = spec.scheme == SchemeId::SplitKey && party.role == Role::Escrow;
        if !split {
            fsutil::write_new(&private, party.key.to_pem().as_bytes(), true)?;
        }
        fsutil::write_new(
            &root.join(&public_rel),
            party.key.public_key().to_pem().as_bytes(),
            false,
        )?;
        entries.push(PartyEntry {
            name: party.name.clone(),
            role: party.role,
            public_key: public_rel,
            fingerprint: party.key.fingerprint().to_string(),
        });
    }
    write_scheme_extras(spec, &parties, clipper.as_ref(), &root)?;
    let family_id = clipper.as_ref().map(|c| c.family.id());
    let scheme: Box<dyn Scheme> = match clipper {
        Some(clipper) => Box::new(clipper),
        None => scheme_for(spec.scheme, &spec.params, &parties)?,
    };
    let world = WorldFile {
        v: WORLD_FILE_VERSION,
        scheme: spec.scheme.as_str().to_owned(),
        parameters: Parameters {
            users: spec.users as u64,
            messages: spec.messages,
            key_bits: spec.key_bits as u64,
            session_size: spec.session_size,
            seed: spec.randomness.seed(),
            agents: (spec.scheme == SchemeId::SplitKey).then_some(spec.params.agents),
            threshold: (spec.scheme == SchemeId::SplitKey).then_some(spec.params.threshold),
            bits: (spec.scheme == SchemeId::ShortKey).then_some(spec.params.bits),
            ghost_after: (spec.scheme == SchemeId::Ghost).then_some(spec.params.ghost_after),
            ghost_target: (spec.scheme == SchemeId::Ghost).then(|| spec.params.ghost_target.clone()),
            verifying: (spec.scheme == SchemeId::Ghost).then(|| spec.params.verifying.clone()),
            family_id,
        },
        parties: entries,
        note: spec.randomness.seed().map(|seed| {
            format!("made with --seed {seed}: every key here can be recomputed by anyone; for classrooms only")
        }),
    };
    fsutil::write_new(&root.join(WORLD_JSON), world.to_json().as_bytes(), false)?;

    let mut capture = buffered(&root.join(CAPTURE))?;
    let mut truth = buffered(&root.join(TRUTH))?;
    // Under ghost, what verifying clients show their users.
    let mut watch = match spec.scheme {
        SchemeId::Ghost => Some((
            Watchers::new(spec.params.verifying.clone()),
            buffered(&root.join(ghost::NOTICES))?,
        )),
        _ => None,
    };
    let mut generator =
        TrafficGenerator::new(&spec.user_names(), spec.session_size, &spec.randomness);
    let mut written = 0u64;
    let mut capture_bytes = 0u64;
    while written < spec.messages {
        let n = (spec.messages - written).min(BATCH as u64) as usize;
        let messages: Vec<_> = (0..n).map(|_| generator.next_message()).collect();
        let envelopes = seal_batch(scheme.as_ref(), &directory, &messages, &spec.randomness);
        for (message, envelope) in messages.iter().zip(&envelopes) {
            let line = envelope.to_json_line();
            capture_bytes += line.len() as u64 + 1;
            writeln!(capture, "{line}").map_err(|e| Error::io(root.join(CAPTURE), e))?;
            let record = Plaintext {
                id: message.id.clone(),
                from: message.from.clone(),
                to: message.to.clone(),
                text: message.text.clone(),
            };
            writeln!(truth, "{}", record.to_json_line())
                .map_err(|e| Error::io(root.join(TRUTH), e))?;
            if let Some((watchers, notices)) = watch.as_mut() {
                for notice in watchers.watch(envelope) {
                    let line = serde_json::to_string(&notice)
                        .map_err(|e| Error::Internal(e.to_string()))?;
                    writeln!(notices, "{line}")
                        .map_err(|e| Error::io(root.join(ghost::NOTICES), e))?;
                }
            }
        }
        written += n as u64;
        progress(written, spec.messages);
    }
    finish(capture, &root.join(CAPTURE))?;
    finish(truth, &root.join(TRUTH))?;
    if let Some((_, notices)) = watch {
        finish(notices, &root.join(ghost::NOTICES))?;
    }
    staging.commit(out, force)?;

    Ok(SimulateSummary {
        out: out.to_path_buf(),
        scheme: spec.scheme.as_str().to_owned(),
        users: spec.users,
        messages: spec.messages,
        parties: parties.iter().map(|p| p.name.clone()).collect(),
        capture_bytes,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// What a scheme keeps outside the envelopes: split-key's shares, vendor-escrow's vault.
fn write_scheme_extras(
    spec: &WorldSpec,
    parties: &[Party],
    clipper: Option<&Clipper>,
    root: &Path,
) -> Result<()> {
    let find = |role: Role| {
        parties.iter().find(|p| p.role == role).ok_or_else(|| {
            Error::Internal(format!(
                "{} world without its {} party",
                spec.scheme,
                role.as_str()
            ))
        })
    };
    match spec.scheme {
        SchemeId::SplitKey => {
            let escrow = find(Role::Escrow)?;
            let shares = split_key::split(
                &escrow.key,
                &spec.params,
                &mut spec.randomness.stream("split"),
            );
            for share in shares {
                let path = root.join(KEYS).join(format!("agent-{}.share", share.agent));
                fsutil::write_new(&path, pretty(&share)?.as_bytes(), true)?;
            }
        }
        SchemeId::VendorEscrow => {
            let vendor = find(Role::Vendor)?;
            let vault = root.join(vendor::VAULT_DIR);
            fs::create_dir(&vault).map_err(|e| Error::io(&vault, e))?;
            let users: Vec<&Party> = parties.iter().filter(|p| p.role == Role::User).collect();
            for user in &users {
                let mut rng = spec.randomness.stream(&format!("vault/{}", user.name));
                let entry =
                    vendor::escrow_device(&user.name, &user.key, vendor.key.public_key(), &mut rng);
                let path = vault.join(format!("{}.json", user.name));
                fsutil::write_new(&path, pretty(&entry)?.as_bytes(), false)?;
            }
            let names: Vec<String> = users.iter().map(|u| u.name.clone()).collect();
            let log: String = vendor::routine_requests(
                &names,
                spec.messages,
                &mut spec.randomness.stream("vault/log"),
            )
            .iter()
            .map(|r| serde_json::to_string(r).map(|line| line + "\n"))
            .collect::<std::result::Result<_, _>>()
            .map_err(|e| Error::Internal(e.to_string()))?;
            fsutil::write_new(&root.join(vendor::REQUEST_LOG), log.as_bytes(), false)?;
        }
        SchemeId::Clipper => {
            let clipper =
                clipper.ok_or_else(|| Error::Internal("clipper world without its keys".into()))?;
            fsutil::write_new(
                &root.join(clipper::FAMILY_KEY_FILE),
                pretty(&clipper.family_file())?.as_bytes(),
                true,
            )?;
            for file in clipper.halves(&mut spec.randomness.stream("clipper/halves")) {
                fsutil::write_new(
                    &root.join(clipper::halves_file(file.agent)),
                    pretty(&file)?.as_bytes(),
                    true,
                )?;
            }
        }
        SchemeId::None | SchemeId::GoldenKey | SchemeId::ShortKey | SchemeId::Ghost => {}
    }
    Ok(())
}

/// Pretty JSON of the small files a scheme writes, with a trailing newline.
fn pretty(value: &impl serde::Serialize) -> Result<String> {
    serde_json::to_string_pretty(value)
        .map(|text| text + "\n")
        .map_err(|e| Error::Internal(e.to_string()))
}

fn buffered(path: &Path) -> Result<BufWriter<File>> {
    let file = File::options()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(|e| Error::io(path, e))?;
    Ok(BufWriter::with_capacity(1 << 20, file))
}

fn finish(writer: BufWriter<File>, path: &Path) -> Result<()> {
    let file = writer
        .into_inner()
        .map_err(|e| Error::io(path, e.into_error()))?;
    file.sync_all().map_err(|e| Error::io(path, e))
}

/// `out` must be absent, an empty directory, or (with `force`) an existing world.
/// A non-empty directory that is not a world is never deleted, `--force` or not.
fn check_destination(out: &Path, force: bool) -> Result<()> {
    if !out.exists() {
        return Ok(());
    }
    if !out.is_dir() {
        return Err(InputError::new("exists and is not a directory")
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
    Ok(())
}

/// A temporary directory beside the destination, removed unless committed.
struct Staging {
    path: PathBuf,
    committed: bool,
}

impl Staging {
    fn new(out: &Path) -> Result<Self> {
        let path = sibling(out, "tmp")?;
        if let Some(parent) = path.parent() {
            if !parent.as_os_str().is_empty() && !parent.exists() {
                return Err(InputError::new("does not exist")
                    .file(parent)
                    .hint("create the parent directory first")
                    .into());
            }
        }
        fs::create_dir(&path).map_err(|e| Error::io(&path, e))?;
        Ok(Staging {
            path,
            committed: false,
        })
    }

    /// Moves the finished world into place; an old world is moved aside first and
    /// removed only once the new one stands.
    fn commit(mut self, out: &Path, force: bool) -> Result<()> {
        let old = if out.exists() {
            let empty = fs::read_dir(out)
                .map_err(|e| Error::io(out, e))?
                .next()
                .is_none();
            if empty {
                fs::remove_dir(out).map_err(|e| Error::io(out, e))?;
                None
            } else {
                debug_assert!(force, "check_destination refused a world without --force");
                let aside = sibling(out, "old")?;
                fs::rename(out, &aside).map_err(|e| Error::io(out, e))?;
                Some(aside)
            }
        } else {
            None
        };
        fs::rename(&self.path, out).map_err(|e| Error::io(out, e))?;
        self.committed = true;
        if let Some(aside) = old {
            fs::remove_dir_all(&aside).map_err(|e| Error::io(&aside, e))?;
        }
        Ok(())
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_dir_all(&self.path);
        }
    }
}

fn sibling(out: &Path, tag: &str) -> Result<PathBuf> {
    let name = out
        .file_name()
        .ok_or_else(|| InputError::new("is not a directory name").file(out))?;
    let mut sibling = std::ffi::OsString::from(".");
    sibling.push(name);
    sibling.push(format!(".{tag}-{}", std::process::id()));
    Ok(out.with_file_name(sibling))
}

/// A world read back from disk.
#[derive(Debug)]
pub struct WorldDir {
    pub root: PathBuf,
    pub file: WorldFile,
}

impl WorldDir {
    /// Reads and checks `DIR/world.json`.
    pub fn open(root: &Path) -> Result<Self> {
        if !root.is_dir() {
            return Err(InputError::new("is not a directory holding a world")
                .file(root)
                .hint("make one with: doormat simulate --out DIR --scheme golden-key --users 4 --messages 100")
                .into());
        }
        let path = root.join(WORLD_JSON);
        let text = read_small_text(&path, "a world.json written by doormat simulate")?;
        let file = WorldFile::parse(&text).map_err(|e| e.file(&path))?;
        Ok(WorldDir {
            root: root.to_path_buf(),
            file,
        })
    }

    pub fn capture_path(&self) -> PathBuf {
        self.root.join(CAPTURE)
    }

    /// A reader over the capture, one envelope at a time.
    pub fn capture(&self) -> Result<CaptureReader> {
        let path = self.capture_path();
        let file = File::open(&path)
            .map_err(|e| fsutil::missing_or_io(&path, "the capture of the network tap", e))?;
        let total_bytes = file.metadata().map_err(|e| Error::io(&path, e))?.len();
        Ok(CaptureReader {
            lines: Lines::new(BufReader::with_capacity(1 << 20, file), &path),
            seen: HashSet::new(),
            total_bytes,
        })
    }
}

/// Envelopes from `capture.jsonl`, checked line by line: malformed lines and duplicate
/// ids are input errors naming the line.
pub struct CaptureReader {
    lines: Lines<BufReader<File>>,
    seen: HashSet<String>,
    pub total_bytes: u64,
}

impl CaptureReader {
    /// The next envelope, or `None` at the end.
    pub fn next_envelope(&mut self) -> Result<Option<Envelope>> {
        let Some((line_no, text)) = self.lines.next_line()? else {
            return Ok(None);
        };
        let path = self.lines.path().to_path_buf();
        let envelope = Envelope::parse_json(&text).map_err(|e| e.file(&path).line(line_no))?;
        if !self.seen.insert(envelope.id.clone()) {
            return Err(InputError::new(format!(
                "id {} appears twice in the capture",
                envelope.id
            ))
            .file(&path)
            .line(line_no)
            .field("id")
            .hint("ids must be unique; was a line duplicated by hand?")
            .into());
        }
        Ok(Some(envelope))
    }

    /// Up to `n` envelopes.
    pub fn next_batch(&mut self, n: usize) -> Result<Vec<Envelope>> {
        let mut batch = Vec::with_capacity(n);
        while batch.len() < n {
            match self.next_envelope()? {
                Some(envelope) => batch.push(envelope),
                None => break,
            }
        }
        Ok(batch)
    }

    pub fn bytes_read(&self) -> u64 {
        self.lines.bytes_read()
    }
}

/// Loads a private key file, with messages that name the file.
pub fn load_private_key(path: &Path) -> Result<PrivateKey> {
    let text = read_small_text(path, "a private key in PEM")?;
    PrivateKey::from_pem(&text).map_err(|e| e.file(path).into())
}
