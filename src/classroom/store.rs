//! A class on disk: a world (the fixed layout) that grows as students join and talk, and
//! `class.json` (mode 0600) with what the server needs to carry on after a restart: the
//! teacher's token, the digest of each student's token, whether the key has leaked.
//!
//! Durability: every accepted envelope is appended and synced before the student is told
//! it was accepted, several at a time when many arrive together (a group commit). Joins
//! write the student's key, then `class.json`, then `world.json`, each replaced whole.
//! A crash can leave at most one half-written capture line, which was never
//! acknowledged; reopening the class drops it and says so.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use rand_core::{OsRng, RngCore};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::state::{token_digest, ClassState, TokenDigest};
use crate::crypto::random::Randomness;
use crate::crypto::rsa_oaep::{hex, PrivateKey, PublicKey};
use crate::error::{Error, InputError, Result};
use crate::fsutil;
use crate::wire::envelope::Envelope;
use crate::wire::scheme_id::SchemeId;
use crate::wire::world_file::{Parameters, PartyEntry, Role, WorldFile, WORLD_FILE_VERSION};
use crate::world::disk::{load_private_key, CAPTURE, KEYS, WORLD_JSON};

/// The server's own file in a class's directory.
pub const CLASS_FILE: &str = "class.json";
/// The escrow authority's party name.
pub const ESCROW: &str = "escrow";
/// Size of the escrow key the class makes.
pub const ESCROW_KEY_BITS: usize = 2048;
/// Largest student key accepted.
pub const MAX_STUDENT_KEY_BITS: u64 = 4096;

/// The designs a class can run: their envelopes are wire format v1 as it stands, which a
/// browser can make with WebCrypto alone.
pub const CLASS_SCHEMES: [SchemeId; 2] = [SchemeId::FLAGSHIP, SchemeId::BASELINE];
/// The design a new class runs when its teacher names none: the first of them.
pub const CLASS_DEFAULT: SchemeId = CLASS_SCHEMES[0];

/// A bearer token: 32 random bytes from the OS, in hex. It zeroizes when dropped and
/// never prints itself.
#[derive(Clone)]
pub struct Token(Zeroizing<String>);

impl Token {
    /// A fresh token from the operating system (never from `--seed`: a seeded class
    /// still has secret tokens).
    pub fn generate() -> Self {
        let mut bytes = Zeroizing::new([0u8; 32]);
        OsRng.fill_bytes(bytes.as_mut());
        Token(Zeroizing::new(hex(bytes.as_ref())))
    }

    /// The token's text, for the one place it is shown or sent.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Token([redacted])")
    }
}

/// `class.json` as written and read.
#[derive(Serialize, Deserialize)]
struct ClassFile {
    v: u64,
    scheme: String,
    /// The teacher's token: needed again to print the teacher's URL after a restart.
    teacher_token: String,
    /// Each student's token digest (`sha256:` hex), by name.
    students: BTreeMap<String, String>,
    leaked: bool,
    /// Students the teacher removed (absent in a class that never removed anyone, as
    /// older versions wrote it).
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    removed: BTreeSet<String>,
    /// The names the teacher gave students, by the name they joined as (absent in a
    /// class that never renamed anyone).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    renamed: BTreeMap<String, String>,
}

impl Drop for ClassFile {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.teacher_token);
    }
}

/// Refuses a class folder whose parent does not exist (or is a file), or whose name is
/// too long, before anything is made there.
fn check_parent(root: &Path) -> Result<()> {
    fsutil::check_name_length(root)?;
    fsutil::check_parent_folder(root)
}

/// A class opened for serving.
pub struct ClassStore {
    root: PathBuf,
    world: WorldFile,
    class_file: ClassFile,
    capture: Option<CaptureLog>,
    escrow: Option<PrivateKey>,
    /// One server per class: a second `doormat classroom` on this folder is refused
    /// while this one serves (two would hand one name two keys and lose tokens).
    _lock: Option<fsutil::WriterLock>,
}

/// The capture, open for appending: it belongs to the one thread that writes it.
#[derive(Debug)]
pub struct CaptureLog {
    path: PathBuf,
    file: File,
    /// Bytes of the capture that are whole lines.
    len: u64,
}

impl std::fmt::Debug for ClassStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClassStore")
            .field("root", &self.root)
            .finish_non_exhaustive()
    }
}

/// What opening a class found.
#[derive(Debug)]
pub struct Opened {
    /// The class's files.
    pub store: ClassStore,
    /// The class's state as recorded.
    pub state: ClassState,
    /// The teacher's token.
    pub teacher_token: Token,
    /// Whether the class existed and carries on.
    pub resumed: bool,
    /// Set when the capture ended in a half-written line (never acknowledged), dropped.
    pub dropped_partial_line: bool,
    /// Lines of the capture that were out of `t` order (an older doormat's writer could
    /// leave them so), put back in order on resuming.
    pub reordered_lines: usize,
}

impl ClassStore {
    /// Opens the class at `root`, or makes a new one there if nothing (or an empty
    /// folder) stands there. `scheme` is `--scheme`, if given: a resumed class must run
    /// the design it was made with.
    pub fn open(root: &Path, scheme: Option<SchemeId>, seed: Option<u64>) -> Result<Opened> {
        if let Some(scheme) = scheme {
            check_class_scheme(scheme)?;
        }
        check_parent(root)?;
        let lock = fsutil::WriterLock::acquire(
            &fsutil::lock_path_beside(root)?,
            root,
            "serving this class",
        )?;
        let mut opened = Self::open_locked(root, scheme, seed)?;
        opened.store._lock = Some(lock);
        Ok(opened)
    }

    fn open_locked(root: &Path, scheme: Option<SchemeId>, seed: Option<u64>) -> Result<Opened> {
        let is_empty_dir = root.is_dir()
            && fs::read_dir(root)
                .map_err(|e| Error::io(root, e))?
                .next()
                .is_none();
        if root.join(CLASS_FILE).symlink_metadata().is_ok() {
            return Self::resume(root, scheme);
        }
        if root.symlink_metadata().is_ok() && !is_empty_dir {
            let what = if root.join(WORLD_JSON).exists() {
                "holds a world that is not a class (made by doormat simulate?)"
            } else if root.is_dir() {
                "is a folder that is not empty and holds no class"
            } else {
                "exists and is not a folder"
            };
            return Err(InputError::new(what)
                .file(root)
                .hint("give --out a new folder for a new class, or the folder of an earlier class to carry it on")
                .into());
        }
        Self::create(root, scheme.unwrap_or(CLASS_DEFAULT), seed, is_empty_dir)?;
        let mut opened = Self::resume(root, None)?;
        opened.resumed = false;
        Ok(opened)
    }

    /// Makes a new class: everything is written in a hidden folder beside `root` and
    /// moved into place whole, so that a class folder is never half made.
    fn create(root: &Path, scheme: SchemeId, seed: Option<u64>, replace_empty: bool) -> Result<()> {
        let building = fsutil::temporary_path(root, "new")?;
        let made = Self::write_new_class(&building, scheme, seed);
        let moved = made.and_then(|()| {
            if replace_empty {
                // Only an empty folder can be removed; anything that appeared in it
                // meanwhile stops the move.
                fs::remove_dir(root).map_err(|e| fsutil::appeared_or_io(root, e))?;
            }
            fsutil::rename_noclobber(&building, root).map_err(|e| fsutil::appeared_or_io(root, e))
        });
        if moved.is_err() {
            let _ = fs::remove_dir_all(&building);
        }
        moved
    }

    fn write_new_class(dir: &Path, scheme: SchemeId, seed: Option<u64>) -> Result<()> {
        fsutil::create_private_dir(dir)?;
        fsutil::create_private_dir(&dir.join(KEYS))?;
        let mut parties = Vec::new();
        // A design with an authority gets its escrow key, which the teacher can leak.
        if crate::schemes::design(scheme).authority().is_some() {
            let randomness = Randomness::from_seed(seed);
            let key =
                PrivateKey::generate(&mut randomness.stream("classroom/escrow"), ESCROW_KEY_BITS);
            let private = format!("{KEYS}/{ESCROW}.pem");
            let public = format!("{KEYS}/{ESCROW}.pub.pem");
            fsutil::write_new(&dir.join(&private), key.to_pem().as_bytes(), true)?;
            fsutil::write_new(
                &dir.join(&public),
                key.public_key().to_pem().as_bytes(),
                false,
            )?;
            parties.push(PartyEntry {
                name: ESCROW.into(),
                role: Role::Escrow,
                public_key: public,
                fingerprint: key.fingerprint().as_str().to_owned(),
            });
        }
        let world = WorldFile {
            v: WORLD_FILE_VERSION,
            scheme,
            parameters: Parameters {
                users: 0,
                messages: 0,
                key_bits: ESCROW_KEY_BITS as u64,
                session_size: 1,
                seed,
                max_key_bits: Some(MAX_STUDENT_KEY_BITS),
                ..Parameters::default()
            },
            parties,
            note: Some(match seed {
                Some(seed) => format!("a live class (doormat classroom); its escrow key was made with --seed {seed}: anyone can recompute it; for classrooms only"),
                None => "a live class (doormat classroom): students' keys were made in their browsers and their private halves never left them".into(),
            }),
        };
        let class_file = ClassFile {
            v: 1,
            scheme: scheme.to_string(),
            teacher_token: Token::generate().expose().to_owned(),
            students: BTreeMap::new(),
            leaked: false,
            removed: BTreeSet::new(),
            renamed: BTreeMap::new(),
        };
        fsutil::write_new(&dir.join(CAPTURE), b"", false)?;
        fsutil::write_new(&dir.join(WORLD_JSON), world.to_json().as_bytes(), false)?;
        fsutil::write_new(&dir.join(CLASS_FILE), &class_file_text(&class_file), true)
    }

    /// Reads a class back: its directory, its students' keys, its capture.
    fn resume(root: &Path, scheme: Option<SchemeId>) -> Result<Opened> {
        let class_path = root.join(CLASS_FILE);
        let text = fsutil::read_small_text(&class_path, "the class file doormat classroom writes")?;
        let class_file: ClassFile = serde_json::from_str(&text).map_err(|e| {
            InputError::new(format!("not a valid class file ({e})"))
                .file(&class_path)
                .hint("class.json is written by doormat classroom; was it edited by hand?")
        })?;
        let world_path = root.join(WORLD_JSON);
        let text = fsutil::read_small_text(&world_path, "the world.json of a class")?;
        let world = WorldFile::parse_directory(&text).map_err(|e| e.file(&world_path))?;
        if class_file.scheme != world.scheme.as_str() {
            return Err(InputError::new(format!(
                "names the design {:?}, but world.json names {}",
                class_file.scheme, world.scheme
            ))
            .file(&class_path)
            .field("scheme")
            .into());
        }
        check_class_scheme(world.scheme).map_err(|e| match e {
            Error::Input(e) => Error::Input(Box::new((*e).file(&world_path).field("scheme"))),
            e => e,
        })?;
        if let Some(asked) = scheme.filter(|s| *s != world.scheme) {
            return Err(
                InputError::new(format!("this class runs {}, not {asked}", world.scheme))
                    .field("--scheme")
                    .hint(format!(
                "leave --scheme out to carry on the class in {}, or give --out a new folder",
                root.display()
            ))
                    .into(),
            );
        }
        let escrow = match world.parties.iter().find(|p| p.role == Role::Escrow) {
            Some(party) => {
                let path = root.join(KEYS).join(format!("{}.pem", party.name));
                let key = load_private_key(&path)?;
                if key.fingerprint().as_str() != party.fingerprint {
                    return Err(InputError::new("is not the escrow key world.json lists")
                        .file(&path)
                        .into());
                }
                Some(key)
            }
            None => None,
        };
        let teacher_token = Token(Zeroizing::new(class_file.teacher_token.clone()));
        let mut state = ClassState::new(
            world.scheme,
            escrow.as_ref().map(|k| k.public_key().clone()),
            token_digest(teacher_token.expose()),
        );
        state.leaked = class_file.leaked;
        for party in world.parties.iter().filter(|p| p.role == Role::User) {
            let path = root.join(&party.public_key);
            let text = fsutil::read_small_text(&path, "a student's public key")?;
            let key = PublicKey::from_pem(&text).map_err(|e| e.file(&path))?;
            if key.fingerprint().as_str() != party.fingerprint {
                return Err(InputError::new(format!(
                    "is not the key world.json lists for {}",
                    party.name
                ))
                .file(&path)
                .into());
            }
            let token = class_file
                .students
                .get(&party.name)
                .and_then(|d| parse_digest(d));
            state.add_student(party.name.clone(), key, token);
        }
        for name in &class_file.removed {
            // A name removed that world.json does not list is nothing to remove.
            let _ = state.remove_student(name);
        }
        for (name, shown) in &class_file.renamed {
            // Checked as when the teacher gave it; one that does not pass (class.json
            // edited by hand) is dropped, and the student shows as they joined.
            if state.rename_problem(name, shown).is_none() {
                state.rename_student(name, shown);
            }
        }
        let capture_path = root.join(CAPTURE);
        let read = read_capture(&capture_path)?;
        let ReadCapture {
            envelopes,
            mut whole_len,
            mut dropped_partial_line,
            ..
        } = read;
        if read.lines_out_of_order > 0 {
            // Only an older doormat wrote lines out of order (its writer could take two
            // sends in the opposite order of their t). Put them back in order, whole
            // lines only, replacing the file in one rename.
            let mut text = Vec::with_capacity(whole_len as usize);
            for envelope in &envelopes {
                text.extend_from_slice(envelope.to_json_line().as_bytes());
                text.push(b'\n');
            }
            replace_file(&capture_path, &text, false)?;
            whole_len = text.len() as u64;
            dropped_partial_line = false;
        }
        for envelope in &envelopes {
            state.add_recorded(envelope);
        }
        let capture = OpenOptions::new()
            .write(true)
            .open(&capture_path)
            .map_err(|e| Error::io(&capture_path, e))?;
        if dropped_partial_line {
            capture
                .set_len(whole_len)
                .and_then(|()| capture.sync_all())
                .map_err(|e| Error::io(&capture_path, e))?;
        }
        Ok(Opened {
            store: ClassStore {
                root: root.to_path_buf(),
                world,
                class_file,
                capture: Some(CaptureLog {
                    path: capture_path,
                    file: capture,
                    len: whole_len,
                }),
                escrow,
                _lock: None,
            },
            state,
            teacher_token,
            resumed: true,
            dropped_partial_line: read.dropped_partial_line,
            reordered_lines: read.lines_out_of_order,
        })
    }

    /// The class's folder.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The escrow authority's private key, where the design has one.
    pub fn escrow(&self) -> Option<&PrivateKey> {
        self.escrow.as_ref()
    }

    /// The directory, as `world.json` holds it now.
    pub fn world(&self) -> &WorldFile {
        &self.world
    }

    /// Writes a join: the key, then the token's digest, then the directory.
    pub fn record_join(&mut self, name: &str, key: &PublicKey, token: &TokenDigest) -> Result<()> {
        let relative = format!("{KEYS}/{name}.pub.pem");
        replace_file(&self.root.join(&relative), key.to_pem().as_bytes(), false)?;
        self.class_file
            .students
            .insert(name.to_owned(), format!("sha256:{}", hex(token)));
        self.write_class_file()?;
        self.world.parties.push(PartyEntry {
            name: name.to_owned(),
            role: Role::User,
            public_key: relative,
            fingerprint: key.fingerprint().as_str().to_owned(),
        });
        self.world.parameters.users += 1;
        replace_file(
            &self.root.join(WORLD_JSON),
            self.world.to_json().as_bytes(),
            false,
        )
    }

    /// Records that the teacher removed `name`: their token's digest goes, so that a
    /// restart does not bring it back.
    pub fn record_removal(&mut self, name: &str) -> Result<()> {
        self.class_file.students.remove(name);
        self.class_file.removed.insert(name.to_owned());
        self.write_class_file()
    }

    /// Records that the teacher renamed `name` (the name joined as) to `shown`.
    pub fn record_rename(&mut self, name: &str, shown: &str) -> Result<()> {
        if name == shown {
            self.class_file.renamed.remove(name);
        } else {
            self.class_file
                .renamed
                .insert(name.to_owned(), shown.to_owned());
        }
        self.write_class_file()
    }

    /// Records that the escrow key was published.
    pub fn record_leak(&mut self) -> Result<()> {
        self.class_file.leaked = true;
        self.write_class_file()
    }

    fn write_class_file(&self) -> Result<()> {
        replace_file(
            &self.root.join(CLASS_FILE),
            &class_file_text(&self.class_file),
            true,
        )
    }

    /// The capture, for the thread that appends to it; `None` once taken.
    pub fn take_capture(&mut self) -> Option<CaptureLog> {
        self.capture.take()
    }
}

impl CaptureLog {
    /// Appends envelopes to the capture and syncs it. On failure the capture is cut back
    /// to what it held, so no half line stays behind.
    pub fn append(&mut self, envelopes: &[Envelope]) -> Result<()> {
        let mut text = String::new();
        for envelope in envelopes {
            text.push_str(&envelope.to_json_line());
            text.push('\n');
        }
        let written = (&self.file)
            .write_all_at_end(text.as_bytes())
            .and_then(|()| self.file.sync_data());
        match written {
            Ok(()) => {
                self.len += text.len() as u64;
                Ok(())
            }
            Err(e) => {
                let _ = self.file.set_len(self.len);
                Err(Error::io(&self.path, e))
            }
        }
    }
}

/// Appends at the end of a file opened for writing (not in append mode, so that it can
/// also be cut back).
trait WriteAtEnd {
    fn write_all_at_end(self, bytes: &[u8]) -> std::io::Result<()>;
}

impl WriteAtEnd for &File {
    fn write_all_at_end(mut self, bytes: &[u8]) -> std::io::Result<()> {
        use std::io::Seek;
        self.seek(std::io::SeekFrom::End(0))?;
        self.write_all(bytes)
    }
}

fn check_class_scheme(scheme: SchemeId) -> Result<()> {
    if CLASS_SCHEMES.contains(&scheme) {
        return Ok(());
    }
    let names: Vec<&str> = CLASS_SCHEMES.iter().map(|s| s.as_str()).collect();
    Err(InputError::new(format!(
        "a live class cannot run {scheme}: browsers seal plain wire format v1 only"
    ))
    .field("--scheme")
    .hint(format!("choose one of: {}", names.join(", ")))
    .into())
}

fn class_file_text(class_file: &ClassFile) -> Vec<u8> {
    let mut text = serde_json::to_vec_pretty(class_file).expect("class.json serialises");
    text.push(b'\n');
    text
}

fn parse_digest(text: &str) -> Option<TokenDigest> {
    let hex_digits = text.strip_prefix("sha256:")?;
    if hex_digits.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(hex_digits.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(out)
}

/// Replaces `path` whole: a synced temporary beside it, renamed over it. The class's own
/// files only, which the server alone writes.
fn replace_file(path: &Path, contents: &[u8], private: bool) -> Result<()> {
    let temporary = fsutil::temporary_path(path, "tmp")?;
    let _ = fs::remove_file(&temporary);
    let written = (|| {
        let mut file = if private {
            fsutil::create_private(&temporary)?
        } else {
            File::create_new(&temporary).map_err(|e| Error::io(&temporary, e))?
        };
        file.write_all(contents)
            .and_then(|()| file.sync_all())
            .map_err(|e| Error::io(path, e))?;
        fs::rename(&temporary, path).map_err(|e| Error::io(path, e))
    })();
    if written.is_err() {
        let _ = fs::remove_file(&temporary);
    }
    written?;
    if let Some(parent) = path.parent() {
        // The rename itself is durable once the folder is synced.
        let _ = File::open(parent).and_then(|d| d.sync_all());
    }
    Ok(())
}

/// What a class's capture holds when it is read back.
struct ReadCapture {
    /// The envelopes, sorted by `t`.
    envelopes: Vec<Envelope>,
    /// The length of the file's whole lines.
    whole_len: u64,
    /// Whether a half-written last line followed them.
    dropped_partial_line: bool,
    /// How many lines came after a line with a larger `t` (0 for every capture this
    /// version writes).
    lines_out_of_order: usize,
}

/// Reads the capture; a capture whose only fault is lines out of `t` order is read
/// sorted (the caller rewrites it), one with a repeated id or `t` is refused.
fn read_capture(path: &Path) -> Result<ReadCapture> {
    let bytes =
        fs::read(path).map_err(|e| fsutil::missing_or_io(path, "the class's capture", e))?;
    let whole = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    let mut envelopes: Vec<(u64, Envelope)> = Vec::new();
    let mut ids = std::collections::HashSet::new();
    let mut lines_out_of_order = 0;
    // The whole lines, without the newline that ends the last of them.
    let lines = if whole == 0 {
        &[][..]
    } else {
        &bytes[..whole - 1]
    };
    for (i, line) in lines.split(|&b| b == b'\n').enumerate() {
        if whole == 0 {
            break;
        }
        let line_no = i as u64 + 1;
        let text = std::str::from_utf8(line)
            .map_err(|_| InputError::new("is not UTF-8").file(path).line(line_no))?;
        let envelope = Envelope::parse_json(text).map_err(|e| e.file(path).line(line_no))?;
        if !ids.insert(envelope.id.clone()) {
            return Err(InputError::new(format!("id {} appears twice", envelope.id))
                .file(path)
                .line(line_no)
                .field("id")
                .into());
        }
        if envelopes
            .last()
            .is_some_and(|(_, last)| last.t > envelope.t)
        {
            lines_out_of_order += 1;
        }
        envelopes.push((line_no, envelope));
    }
    // Stable: lines that share a t stay in file order, so the first repeat is named.
    envelopes.sort_by_key(|(_, envelope)| envelope.t);
    if let Some(pair) = envelopes.windows(2).find(|w| w[0].1.t == w[1].1.t) {
        let (first, second) = (pair[0].0.min(pair[1].0), pair[0].0.max(pair[1].0));
        return Err(InputError::new(format!(
            "its t ({}) is the same as line {first}'s",
            pair[1].1.t
        ))
        .file(path)
        .line(second)
        .field("t")
        .hint("the class server gives each message its own t; was the capture edited by hand?")
        .into());
    }
    Ok(ReadCapture {
        envelopes: envelopes.into_iter().map(|(_, e)| e).collect(),
        whole_len: whole as u64,
        dropped_partial_line: whole < bytes.len(),
        lines_out_of_order,
    })
}
