//! What the class server knows, and every rule it enforces: who has joined, with which
//! key and token, what has been recorded, and why a request is refused. No I/O here: the
//! HTTP layer calls these checks, the store makes what they accept durable.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Instant;

use serde::Serialize;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::crypto::rsa_oaep::PublicKey;
use crate::demo::{Matrix, MatrixCell, MatrixRow};
use crate::wire::envelope::Envelope;
use crate::wire::names::check_name;
use crate::wire::scheme_id::SchemeId;

/// Largest request body the server reads: an envelope for a dozen readers fits easily.
pub const MAX_BODY: usize = 64 * 1024;
/// Messages a student may send per second (a burst of as many, then this rate).
pub const SENDS_PER_SECOND: f64 = 10.0;
/// Joins one address may make at once: a room behind one NAT address joins together.
pub const JOIN_BURST: f64 = 40.0;
/// Joins one address may make per minute once its burst is spent: one prankster's device
/// needs over an hour and a half to fill a class, and every attempt counts, so a join
/// code cannot be guessed either.
pub const JOINS_PER_MINUTE: f64 = 10.0;
/// Most students one class takes: each is a row and a column of the matrix.
pub const MAX_STUDENTS: usize = 1000;
/// Most messages one class records.
pub const MAX_MESSAGES: usize = 50_000;
/// Most bytes of capture one class records: a room typing for an hour writes a few
/// megabytes, and the server keeps the capture in memory to answer `/api/messages`.
pub const MAX_CAPTURE_BYTES: u64 = 256 * 1024 * 1024;
/// Names a student may not take: the authority's and the pages' own words.
pub const RESERVED_NAMES: [&str; 7] = [
    "escrow",
    "teacher",
    "projector",
    "provider",
    "everyone",
    "anyone",
    "server",
];
/// The row of the matrix that stands for whoever holds the leaked key.
pub const LEAK_ROW: &str = "anyone (leaked key)";

/// A refused request: its status code, a short kind for the teacher's tally, and the
/// message for the client (`{"error": ...}`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// The protocol's status code.
    pub status: u16,
    /// What kind of refusal, counted on the teacher page: `rate-limit`, `bad-token`...
    pub kind: &'static str,
    /// What was wrong and what to do.
    pub message: String,
}

impl Refusal {
    /// A refusal of `kind` with `status`.
    pub fn new(status: u16, kind: &'static str, message: impl Into<String>) -> Self {
        Refusal {
            status,
            kind,
            message: message.into(),
        }
    }
}

/// The SHA-256 of a token. Tokens are kept and looked up only by their digest: the
/// class file holds no student token, and a lookup's timing depends on the digest of the
/// guess, which tells a guesser nothing about any real token.
pub type TokenDigest = [u8; 32];

/// The digest of `token`.
pub fn token_digest(token: &str) -> TokenDigest {
    Sha256::digest(token.as_bytes()).into()
}

/// A token bucket: `capacity` at once, refilled at `per_second`.
#[derive(Debug, Clone)]
struct Bucket {
    tokens: f64,
    last: Instant,
}

impl Bucket {
    fn full(capacity: f64, now: Instant) -> Self {
        Bucket {
            tokens: capacity,
            last: now,
        }
    }

    fn take(&mut self, capacity: f64, per_second: f64, now: Instant) -> bool {
        let elapsed = now.saturating_duration_since(self.last).as_secs_f64();
        self.tokens = (self.tokens + elapsed * per_second).min(capacity);
        self.last = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

/// One student of the class.
#[derive(Debug)]
pub struct Student {
    /// The key the student's browser made; the server never sees its private half.
    pub key: PublicKey,
    /// Its PEM, as the directory gives it.
    pub pem: String,
    sends: Bucket,
}

impl Student {
    /// A student who joined with `key`.
    pub fn new(key: PublicKey, now: Instant) -> Self {
        let pem = key.to_pem();
        Student {
            key,
            pem,
            sends: Bucket::full(SENDS_PER_SECOND, now),
        }
    }

    /// Length of an RSA-OAEP wrap under this student's key.
    fn wrap_len(&self) -> usize {
        self.key.bits().div_ceil(8)
    }
}

/// An accepted envelope, as the server keeps it.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// Its clock value, from 1.
    pub t: u64,
    /// Its sender.
    pub from: String,
    /// Its recipients.
    pub to: Vec<String>,
    /// Whom it was wrapped for (sender and recipients).
    pub readers: Vec<String>,
    /// Whether it carries the escrow field.
    pub escrowed: bool,
    /// The capture line (no newline).
    pub line: Arc<str>,
}

impl Recorded {
    /// The record of `envelope`, whose `t` is already set.
    pub fn of(envelope: &Envelope) -> Self {
        Recorded {
            t: envelope.t,
            from: envelope.from.clone(),
            to: envelope.to.clone(),
            readers: envelope.wrapped.iter().map(|(n, _)| n.clone()).collect(),
            escrowed: envelope.escrow.is_some(),
            line: envelope.to_json_line().into(),
        }
    }

    fn involves(&self, name: &str) -> bool {
        self.from == name || self.to.iter().any(|n| n == name)
    }
}

/// The refusal counts, by kind, as the teacher page shows them.
pub type Tally = BTreeMap<&'static str, u64>;

/// The class: directory, tokens, capture, leak, tallies.
#[derive(Debug)]
pub struct ClassState {
    /// The design the class runs.
    pub scheme: SchemeId,
    /// The authority's public key, where the design has one.
    pub escrow: Option<PublicKey>,
    /// Students in the order they joined.
    pub order: Vec<String>,
    /// Students by name.
    pub students: HashMap<String, Student>,
    tokens: HashMap<TokenDigest, String>,
    teacher: TokenDigest,
    /// Every accepted envelope, in `t` order.
    pub recorded: Vec<Recorded>,
    /// Ids recorded, and ids accepted but still being written.
    ids: HashSet<String>,
    /// Bytes of capture recorded and accepted (an envelope's line and its newline).
    capture_bytes: u64,
    next_t: u64,
    /// Whether the teacher has published the escrow key.
    pub leaked: bool,
    /// Refusals so far, by kind.
    pub refusals: Tally,
    joins: HashMap<IpAddr, Bucket>,
    /// Students the teacher removed: their tokens are void, their name stays taken, and
    /// their messages stay in the capture.
    pub removed: BTreeSet<String>,
    /// The code a join must carry (`--join-code`), kept as typed: compared without case.
    join_code: Option<String>,
    /// Names the teacher gave students, by the name they joined as. The joined name
    /// stays theirs in the protocol (envelopes bind it in their associated data); the
    /// pages and the matrix show the given one.
    pub renamed: BTreeMap<String, String>,
}

/// A join that passed every check, to be written to disk and then committed.
#[derive(Debug)]
pub struct AcceptedJoin {
    /// The name taken.
    pub name: String,
    /// The student's key.
    pub key: PublicKey,
}

impl ClassState {
    /// A class of `scheme` whose teacher token has `teacher` as digest.
    pub fn new(scheme: SchemeId, escrow: Option<PublicKey>, teacher: TokenDigest) -> Self {
        ClassState {
            scheme,
            escrow,
            order: Vec::new(),
            students: HashMap::new(),
            tokens: HashMap::new(),
            teacher,
            recorded: Vec::new(),
            ids: HashSet::new(),
            capture_bytes: 0,
            next_t: 1,
            leaked: false,
            refusals: Tally::new(),
            joins: HashMap::new(),
            removed: BTreeSet::new(),
            join_code: None,
            renamed: BTreeMap::new(),
        }
    }

    /// The name a student is shown by: the one the teacher gave, or the one they joined
    /// as.
    pub fn shown_name<'a>(&'a self, name: &'a str) -> &'a str {
        self.renamed.get(name).map_or(name, String::as_str)
    }

    /// Whether someone joined as, or was renamed to, `name`.
    fn name_in_use(&self, name: &str) -> bool {
        self.students.contains_key(name) || self.renamed.values().any(|shown| shown == name)
    }

    /// Why the teacher may not rename `name` to `to`, if they may not (not counted).
    pub fn rename_problem(&self, name: &str, to: &str) -> Option<Refusal> {
        if !self.students.contains_key(name) {
            return Some(Refusal::new(
                404,
                "no-such-student",
                format!("no student of this class joined as {name:?}"),
            ));
        }
        if let Err(e) = check_name(to) {
            let hint = e.hint.unwrap_or_default();
            return Some(Refusal::new(
                422,
                "bad-name",
                format!("to: {}; {hint}", e.problem),
            ));
        }
        if RESERVED_NAMES.contains(&to) {
            return Some(Refusal::new(
                422,
                "bad-name",
                format!("to: {to:?} is reserved in a class; choose another"),
            ));
        }
        if to != name && self.shown_name(name) != to && self.name_in_use(to) {
            return Some(Refusal::new(
                409,
                "name-taken",
                format!("to: {to} is already someone's name in this class; choose another"),
            ));
        }
        None
    }

    /// Checks a rename, counting a refusal.
    pub fn check_rename(&mut self, name: &str, to: &str) -> Result<(), Refusal> {
        match self.rename_problem(name, to) {
            Some(refusal) => Err(self.refuse(refusal)),
            None => Ok(()),
        }
    }

    /// Shows `name` as `to` from now on (as they joined, when `to` is that name).
    pub fn rename_student(&mut self, name: &str, to: &str) {
        if name == to {
            self.renamed.remove(name);
        } else {
            self.renamed.insert(name.to_owned(), to.to_owned());
        }
    }

    /// Asks every join for `code` (shown on the projector) from now on.
    pub fn require_join_code(&mut self, code: Option<String>) {
        self.join_code = code;
    }

    /// The join code, if the class has one.
    pub fn join_code(&self) -> Option<&str> {
        self.join_code.as_deref()
    }

    /// The value of the teacher's session cookie: derived from the teacher's token, so
    /// that it survives a restart, and not the token itself, so that the cookie is no
    /// bearer token for programs.
    pub fn teacher_session(&self) -> String {
        let mac = crate::crypto::symmetric::hmac_sha256(
            &self.teacher,
            &[b"doormat/classroom/1\0teacher session"],
        );
        mac.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// Whether `session` is the teacher's session cookie, compared in constant time.
    pub fn is_teacher_session(&self, session: &str) -> bool {
        bool::from(session.as_bytes().ct_eq(self.teacher_session().as_bytes()))
    }

    /// Removes `name` from the class: every token of theirs stops working (401), no one
    /// can send to them any more, and the name is not free again (a prankster cannot
    /// come back as the same person). Their key, their messages in the capture and their
    /// place in the directory stay: the record of the class is not rewritten.
    pub fn remove_student(&mut self, name: &str) -> Result<(), Refusal> {
        if !self.students.contains_key(name) {
            return Err(self.refuse(Refusal::new(
                404,
                "no-such-student",
                format!("no student of this class is called {name:?}"),
            )));
        }
        self.tokens.retain(|_, holder| holder != name);
        self.removed.insert(name.to_owned());
        Ok(())
    }

    /// Counts a refusal and hands it back, for `return Err(state.refuse(...))`.
    pub fn refuse(&mut self, refusal: Refusal) -> Refusal {
        *self.refusals.entry(refusal.kind).or_default() += 1;
        refusal
    }

    /// Adds a student read back from disk (a restart), or just joined.
    pub fn add_student(&mut self, name: String, key: PublicKey, token: Option<TokenDigest>) {
        if let Some(token) = token {
            self.tokens.insert(token, name.clone());
        }
        self.students
            .insert(name.clone(), Student::new(key, Instant::now()));
        self.order.push(name);
    }

    /// Adds an envelope read back from the capture (a restart).
    pub fn add_recorded(&mut self, envelope: &Envelope) {
        self.ids.insert(envelope.id.clone());
        self.next_t = self.next_t.max(envelope.t + 1);
        let recorded = Recorded::of(envelope);
        self.capture_bytes += recorded.line.len() as u64 + 1;
        self.recorded.push(recorded);
    }

    /// The student a bearer token belongs to.
    pub fn student_for(&mut self, bearer: Option<&str>) -> Result<String, Refusal> {
        let Some(token) = bearer else {
            return Err(self.refuse(Refusal::new(
                401,
                "no-token",
                "this call needs the token /api/join gave you, as \"Authorization: Bearer TOKEN\"",
            )));
        };
        match self.tokens.get(&token_digest(token)) {
            Some(name) => Ok(name.clone()),
            None => Err(self.refuse(Refusal::new(
                401,
                "bad-token",
                "this token belongs to no student of this class; join again",
            ))),
        }
    }

    /// Whether `bearer` is the teacher's token, compared in constant time.
    pub fn is_teacher_token(&self, bearer: Option<&str>) -> bool {
        bearer.is_some_and(|b| bool::from(token_digest(b).ct_eq(&self.teacher)))
    }

    /// Checks the teacher's token; a refusal is counted.
    pub fn check_teacher(&mut self, bearer: Option<&str>) -> Result<(), Refusal> {
        let given = token_digest(bearer.unwrap_or(""));
        if self.is_teacher_token(bearer) {
            Ok(())
        } else if bearer.is_some() && self.tokens.contains_key(&given) {
            // A student's token is a valid token, and not allowed here: 403, not 401.
            Err(self.refuse(Refusal::new(
                403,
                "student-token",
                "this is a student's token; only the teacher's token may do this",
            )))
        } else {
            Err(self.refuse(Refusal::new(
                401,
                "bad-teacher-token",
                "this call needs the teacher's token (printed when the class started), as \"Authorization: Bearer TOKEN\"",
            )))
        }
    }

    /// Checks a join from `addr`: the address's rate, the join code, the name, the key.
    pub fn check_join(
        &mut self,
        name: &str,
        public_key_pem: &str,
        code: Option<&str>,
        addr: IpAddr,
        now: Instant,
    ) -> Result<AcceptedJoin, Refusal> {
        let allowed = self
            .joins
            .entry(addr)
            .or_insert_with(|| Bucket::full(JOIN_BURST, now))
            .take(JOIN_BURST, JOINS_PER_MINUTE / 60.0, now);
        if !allowed {
            return Err(self.refuse(Refusal::new(
                429,
                "rate-limit-join",
                format!(
                    "too many joins from {addr} ({JOIN_BURST} at once, then {JOINS_PER_MINUTE} a minute); wait a minute, or ask the teacher"
                ),
            )));
        }
        if let Some(expected) = &self.join_code {
            let given = code.unwrap_or("").trim().to_lowercase();
            let matches = bool::from(given.as_bytes().ct_eq(expected.to_lowercase().as_bytes()));
            if !matches {
                let problem = if code.is_none() {
                    "this class needs a join code"
                } else {
                    "join_code: that is not this class's join code"
                };
                return Err(self.refuse(Refusal::new(
                    403,
                    "join-code",
                    format!("{problem}; type the code shown on the projector"),
                )));
            }
        }
        if let Err(e) = check_name(name) {
            let message = format!("name: {}", e.problem);
            let hint = e.hint.unwrap_or_default();
            return Err(self.refuse(Refusal::new(422, "bad-name", format!("{message}; {hint}"))));
        }
        if RESERVED_NAMES.contains(&name) {
            return Err(self.refuse(Refusal::new(
                422,
                "bad-name",
                format!("name: {name:?} is reserved in a class; choose another"),
            )));
        }
        if self.name_in_use(name) {
            return Err(self.refuse(Refusal::new(
                409,
                "name-taken",
                format!("name: {name} has already joined; choose another name (or reload the page on the device that joined as {name})"),
            )));
        }
        if self.students.len() >= MAX_STUDENTS {
            return Err(self.refuse(Refusal::new(
                409,
                "class-full",
                format!("the class is full ({MAX_STUDENTS} students)"),
            )));
        }
        let key = match PublicKey::from_pem(public_key_pem) {
            Ok(key) => key,
            Err(e) => {
                return Err(self.refuse(Refusal::new(
                    422,
                    "bad-key",
                    format!(
                        "public_key: {}; send an RSA public key of 2048 to 4096 bits as SPKI PEM",
                        e.problem
                    ),
                )))
            }
        };
        if self
            .students
            .values()
            .any(|s| s.key.fingerprint() == key.fingerprint())
            || self
                .escrow
                .as_ref()
                .is_some_and(|e| e.fingerprint() == key.fingerprint())
        {
            return Err(self.refuse(Refusal::new(
                409,
                "key-taken",
                "public_key: this key already belongs to a party of the class; make a new one",
            )));
        }
        Ok(AcceptedJoin {
            name: name.to_owned(),
            key,
        })
    }

    /// Records a join that is now on disk.
    pub fn commit_join(&mut self, join: AcceptedJoin, token: TokenDigest) {
        self.add_student(join.name, join.key, Some(token));
    }

    /// Checks an envelope `sender` sends; on success its `t` is set and its id reserved.
    /// `body` is the request body, already known to be a JSON object.
    pub fn check_send(
        &mut self,
        sender: &str,
        mut body: serde_json::Map<String, serde_json::Value>,
        now: Instant,
    ) -> Result<Envelope, Refusal> {
        let allowed = self
            .students
            .get_mut(sender)
            .is_some_and(|s| s.sends.take(SENDS_PER_SECOND, SENDS_PER_SECOND, now));
        if !allowed {
            return Err(self.refuse(Refusal::new(
                429,
                "rate-limit-send",
                format!("more than {SENDS_PER_SECOND} messages a second; slow down"),
            )));
        }
        // The server sets `t`; a client may leave it out or send any number.
        body.insert("t".into(), 0.into());
        let text = serde_json::Value::Object(body).to_string();
        let mut envelope = match Envelope::parse_json(&text) {
            Ok(envelope) => envelope,
            Err(e) => {
                let field = e.field.map(|f| format!("{f}: ")).unwrap_or_default();
                return Err(self.refuse(Refusal::new(
                    422,
                    "bad-envelope",
                    format!("{field}{}; see docs/wire-format.md", e.problem),
                )));
            }
        };
        if envelope.from != sender {
            return Err(self.refuse(Refusal::new(
                403,
                "not-your-name",
                format!(
                    "from: this token belongs to {sender}, not {}; send as yourself",
                    envelope.from
                ),
            )));
        }
        self.check_content(&envelope)
            .map_err(|message| self.refuse(Refusal::new(422, "bad-envelope", message)))?;
        if let Some(gone) = envelope.to.iter().find(|to| self.removed.contains(*to)) {
            let message = format!("to: {gone} was removed from the class by the teacher");
            return Err(self.refuse(Refusal::new(422, "removed-recipient", message)));
        }
        if self.ids.contains(&envelope.id) {
            return Err(self.refuse(Refusal::new(
                409,
                "repeated-id",
                format!(
                    "id: {} is already in the capture; make a fresh random id for each message",
                    envelope.id
                ),
            )));
        }
        envelope.t = self.next_t;
        let line_bytes = envelope.to_json_line().len() as u64 + 1;
        if self.recorded.len() + self.pending() >= MAX_MESSAGES
            || self.capture_bytes + line_bytes > MAX_CAPTURE_BYTES
        {
            return Err(self.refuse(Refusal::new(
                409,
                "class-full",
                format!(
                    "the class has recorded as much as one class keeps ({MAX_MESSAGES} messages or {} MiB); start a new class with another --out",
                    MAX_CAPTURE_BYTES >> 20
                ),
            )));
        }
        self.capture_bytes += line_bytes;
        self.next_t += 1;
        self.ids.insert(envelope.id.clone());
        Ok(envelope)
    }

    /// Ids accepted and not yet recorded.
    fn pending(&self) -> usize {
        self.ids.len() - self.recorded.len()
    }

    /// What `check_send` checks beyond the envelope's form: the design, the recipients,
    /// one wrap per reader of that reader's size, the escrow field.
    fn check_content(&self, envelope: &Envelope) -> Result<(), String> {
        if envelope.scheme != self.scheme {
            return Err(format!(
                "scheme: this class runs {}, not {}",
                self.scheme, envelope.scheme
            ));
        }
        let extra = [
            ("session", envelope.session.is_some()),
            ("salt", envelope.salt.is_some()),
            ("leaf", envelope.leaf.is_some()),
            ("rnd", envelope.rnd.is_some()),
            ("wrf", envelope.wrf.is_some()),
            ("ratchet", !envelope.ratchet.is_empty()),
        ];
        if let Some((field, _)) = extra.iter().find(|(_, present)| *present) {
            return Err(format!(
                "{field}: a class envelope has no {field}; send a fresh content key with each message"
            ));
        }
        for (i, name) in envelope.to.iter().enumerate() {
            if !self.students.contains_key(name) {
                return Err(format!(
                    "to[{i}]: {name} has not joined this class; /api/directory lists who has"
                ));
            }
        }
        for reader in envelope.participants() {
            let Some(wrap) = envelope.wrapped_for(reader) else {
                return Err(format!(
                    "wrapped.{reader}: missing; the content key must be wrapped for the sender and every recipient"
                ));
            };
            let expected = self.students[reader].wrap_len();
            if wrap.len() != expected {
                return Err(format!(
                    "wrapped.{reader}: is {} bytes; RSA-OAEP under {reader}'s {}-bit key gives {expected}",
                    wrap.len(),
                    self.students[reader].key.bits()
                ));
            }
        }
        if let Some((name, _)) = envelope
            .wrapped
            .iter()
            .find(|(name, _)| !envelope.participants().any(|p| p == name))
        {
            return Err(format!(
                "wrapped.{name}: {name} is neither the sender nor a recipient"
            ));
        }
        match (&self.escrow, &envelope.escrow) {
            (Some(_), None) => Err(format!(
                "escrow: missing; under {} every content key is also wrapped for the escrow key /api/join returned",
                self.scheme
            )),
            (Some(key), Some(wrap)) if wrap.len() != key.bits().div_ceil(8) => Err(format!(
                "escrow: is {} bytes; RSA-OAEP under the {}-bit escrow key gives {}",
                wrap.len(),
                key.bits(),
                key.bits().div_ceil(8)
            )),
            (None, Some(_)) => Err(format!(
                "escrow: {} has no escrow key; leave the field out",
                self.scheme
            )),
            _ => Ok(()),
        }
    }

    /// Records envelopes that are now in the capture. They come in `t` order (the server
    /// queues each for the writer under the lock that gave it its `t`), so appending
    /// keeps `recorded` sorted and a reader polling `after` never skips one.
    pub fn commit_sends(&mut self, envelopes: &[Envelope]) {
        for envelope in envelopes {
            debug_assert!(self.recorded.last().is_none_or(|last| last.t < envelope.t));
            self.recorded.push(Recorded::of(envelope));
        }
    }

    /// Releases the id (and the room) of an envelope that could not be written.
    pub fn release(&mut self, envelope: &Envelope) {
        self.ids.remove(&envelope.id);
        let line_bytes = envelope.to_json_line().len() as u64 + 1;
        self.capture_bytes = self.capture_bytes.saturating_sub(line_bytes);
    }

    /// Capture lines with `t > after` that `student` sent or received.
    pub fn messages_for(&self, student: &str, after: u64) -> Vec<Arc<str>> {
        self.after(after)
            .iter()
            .filter(|r| r.involves(student))
            .map(|r| r.line.clone())
            .collect()
    }

    /// Every capture line with `t > after`: what the network tap sees.
    pub fn capture_after(&self, after: u64) -> Vec<Arc<str>> {
        self.after(after).iter().map(|r| r.line.clone()).collect()
    }

    fn after(&self, after: u64) -> &[Recorded] {
        let start = self.recorded.partition_point(|r| r.t <= after);
        &self.recorded[start..]
    }

    /// Who can read whose messages: each student, the escrow authority, and whoever
    /// holds the leaked key (nobody, until the leak). Computed from whom each envelope
    /// was wrapped for: the server cannot open a wrap, so this is what the senders'
    /// browsers claim, which `doormat recover` checks on the same capture.
    pub fn matrix(&self) -> Matrix {
        let users = self.order.clone();
        let index: HashMap<&str, usize> = users
            .iter()
            .enumerate()
            .map(|(i, u)| (u.as_str(), i))
            .collect();
        let column = |name: &str| index.get(name).copied();
        let mut totals = vec![0u64; users.len()];
        let mut rows: Vec<(String, &'static str, Vec<u64>)> = users
            .iter()
            .map(|u| (u.clone(), "user", vec![0; users.len()]))
            .collect();
        let escrow_row = self.escrow.as_ref().map(|_| rows.len());
        if escrow_row.is_some() {
            rows.push(("escrow".into(), "authority", vec![0; users.len()]));
        }
        let leak_row = rows.len();
        rows.push((LEAK_ROW.into(), "adversary", vec![0; users.len()]));
        for r in &self.recorded {
            let involved: Vec<usize> = std::iter::once(r.from.as_str())
                .chain(r.to.iter().map(String::as_str))
                .filter_map(column)
                .collect();
            for &c in &involved {
                totals[c] += 1;
                for reader in &r.readers {
                    if let Some(row) = column(reader) {
                        rows[row].2[c] += 1;
                    }
                }
                if r.escrowed {
                    if let Some(row) = escrow_row {
                        rows[row].2[c] += 1;
                    }
                    if self.leaked {
                        rows[leak_row].2[c] += 1;
                    }
                }
            }
        }
        Matrix {
            design: self.scheme.to_string(),
            rows: rows
                .into_iter()
                .map(|(name, kind, counts)| MatrixRow {
                    // Students by the names they are shown by: the teacher's, if given.
                    name: self.shown_name(&name).to_owned(),
                    kind: kind.into(),
                    cells: counts
                        .iter()
                        .zip(&totals)
                        .map(|(&readable, &messages)| MatrixCell { readable, messages })
                        .collect(),
                    searched: None,
                })
                .collect(),
            users: users
                .iter()
                .map(|u| self.shown_name(u).to_owned())
                .collect(),
        }
    }

    /// The class at a glance, for the pages.
    pub fn summary(&self) -> Summary {
        Summary {
            scheme: self.scheme.to_string(),
            students: self.order.clone(),
            messages: self.recorded.len() as u64,
            leaked: self.leaked,
            has_escrow: self.escrow.is_some(),
            removed: self.removed.iter().cloned().collect(),
            join_code_required: self.join_code.is_some(),
            renamed: self.renamed.clone(),
        }
    }
}

/// The class at a glance: `GET /api/class`.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    /// The design.
    pub scheme: String,
    /// Students, in joining order.
    pub students: Vec<String>,
    /// Envelopes recorded.
    pub messages: u64,
    /// Whether the escrow key has been published.
    pub leaked: bool,
    /// Whether the design has an escrow key to leak.
    pub has_escrow: bool,
    /// Students the teacher removed (still in `students`, in joining order there).
    pub removed: Vec<String>,
    /// Whether a join must carry the join code (the code itself is the teacher's).
    pub join_code_required: bool,
    /// Names the teacher gave, by the name joined as (`students` lists joined names).
    pub renamed: BTreeMap<String, String>,
}

#[cfg(test)]
mod tests;
