//! `doormat exercise check`: one answer, or a CSV of them, against the grading file.

use serde::{Deserialize, Serialize};

use std::collections::BTreeMap;

use super::{ExerciseKind, InstructorSecret};
use crate::attacks::leaf::{forgery_accepted, LEAF_LEN};
use crate::crypto::aead::ContentKey;
use crate::error::InputError;
use crate::wire::names::{check_name, truncate};
use crate::wire::{b64, unb64};

const GRADING_KIND: &str = "doormat-grading";

/// evade-list: the least PSNR against the student's picture that still "looks like" it.
pub const MIN_PSNR_DB: f64 = 30.0;

/// `instructor/grading.json`. It holds the instructor secret: with it, anyone can make
/// every student's flag. It zeroizes when dropped.
#[derive(Serialize, Deserialize, zeroize::Zeroize, zeroize::ZeroizeOnDrop)]
pub struct GradingFile {
    /// Format version: 1.
    pub v: u64,
    /// Always `doormat-grading`.
    pub kind: String,
    /// The exercise's kind.
    pub exercise: String,
    /// The class's public id.
    pub class_id: String,
    /// The instructor secret, base64: every flag derives from it.
    pub secret: String,
    /// The students, one bundle each.
    pub students: Vec<String>,
    /// A warning to keep the file from students.
    pub note: String,
    /// leaf-forgery: what each student's receiving chip checks.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub leaf_checks: Vec<LeafCheck>,
    /// poisoned-list: who shared the poster, per student.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub share_checks: Vec<ShareCheck>,
    /// The roster's email and student id of each student, for the gradebook (absent
    /// when the roster had neither).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[zeroize(skip)]
    pub contacts: Vec<super::roster::Contact>,
}

/// poisoned-list: the users who shared the poster in one student's world, sorted.
#[derive(Debug, Clone, Serialize, Deserialize, zeroize::Zeroize, zeroize::ZeroizeOnDrop)]
pub struct ShareCheck {
    /// The student.
    pub student: String,
    /// Who shared it.
    pub senders: Vec<String>,
}

/// What the receiving chip needs to check one student's LEAF, and the genuine unit id
/// (a copy of the real LEAF is not a forgery). base64 throughout; secret.
#[derive(Debug, Clone, Serialize, Deserialize, zeroize::Zeroize, zeroize::ZeroizeOnDrop)]
pub struct LeafCheck {
    /// The student.
    pub student: String,
    /// The id of the message their forged LEAF must carry.
    pub message: String,
    /// The family key, base64.
    pub family_key: String,
    /// The content key of that message, base64.
    pub content_key: String,
    /// Its nonce, base64.
    pub nonce: String,
    /// The unit id the real LEAF names.
    pub unit_id: u32,
}

impl std::fmt::Debug for GradingFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GradingFile")
            .field("exercise", &self.exercise)
            .field("class_id", &self.class_id)
            .field("students", &self.students.len())
            .finish_non_exhaustive()
    }
}

/// A grading file, checked.
#[derive(Debug)]
pub struct Grading {
    /// Which exercise.
    pub exercise: ExerciseKind,
    /// The class's public id.
    pub class_id: String,
    /// The students it grades.
    pub students: Vec<String>,
    secret: InstructorSecret,
    leaf_checks: BTreeMap<String, LeafCheck>,
    share_checks: BTreeMap<String, Vec<String>>,
    /// The roster's contact for each student that has one.
    pub contacts: BTreeMap<String, super::roster::Contact>,
}

impl GradingFile {
    /// The grading file of `students` doing `exercise`, flags derived from `secret`.
    pub fn new(exercise: ExerciseKind, secret: &InstructorSecret, students: &[String]) -> Self {
        GradingFile {
            v: 1,
            kind: GRADING_KIND.to_owned(),
            exercise: exercise.as_str().to_owned(),
            class_id: secret.class_id(),
            secret: b64(secret.expose_secret()),
            students: students.to_vec(),
            note: "keep this file from students: its secret makes every flag".to_owned(),
            leaf_checks: Vec::new(),
            share_checks: Vec::new(),
            contacts: Vec::new(),
        }
    }

    /// The file's text, pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a grading file serialises") + "\n"
    }

    /// Reads, parses and checks the grading file at `path`; errors name the file.
    pub fn load(path: &std::path::Path) -> crate::error::Result<Grading> {
        let text = crate::fsutil::read_small_text(path, "a grading file")?;
        Ok(Self::parse(&text).map_err(|e| e.file(path))?)
    }

    /// Parses and checks a grading file; errors name the field.
    pub fn parse(text: &str) -> Result<Grading, InputError> {
        let file: GradingFile = serde_json::from_str(text).map_err(|e| {
            InputError::new(format!("is not a grading file ({e})"))
                .hint("use the instructor/grading.json that doormat exercise new wrote")
        })?;
        if file.kind != GRADING_KIND {
            return Err(InputError::new(format!(
                "is {:?}, not {GRADING_KIND:?}",
                truncate(&file.kind, 40)
            ))
            .field("kind"));
        }
        if file.v != 1 {
            return Err(InputError::new(format!("version {} is unknown", file.v)).field("v"));
        }
        let exercise = ExerciseKind::parse(&file.exercise).map_err(|e| e.field("exercise"))?;
        let bytes = zeroize::Zeroizing::new(unb64("secret", &file.secret)?);
        let bytes: [u8; 32] = bytes
            .as_slice()
            .try_into()
            .map_err(|_| InputError::new("must be 32 bytes").field("secret"))?;
        let secret = InstructorSecret::from_bytes(bytes);
        if secret.class_id() != file.class_id {
            return Err(
                InputError::new("does not match the secret: the grading file was edited")
                    .field("class_id"),
            );
        }
        let most = super::bundle::MAX_STUDENTS;
        if file.students.is_empty() || file.students.len() > most {
            return Err(InputError::new(format!(
                "lists {} students; an exercise has 1 to {most}",
                file.students.len()
            ))
            .field("students"));
        }
        for (i, student) in file.students.iter().enumerate() {
            check_name(student).map_err(|e| e.field(format!("students[{i}]")))?;
            if file.students[..i].contains(student) {
                return Err(InputError::new(format!("{student} is listed twice"))
                    .field(format!("students[{i}]")));
            }
        }
        let leaf_checks: BTreeMap<String, LeafCheck> = file
            .leaf_checks
            .iter()
            .map(|c| (c.student.clone(), c.clone()))
            .collect();
        if exercise == ExerciseKind::LeafForgery {
            if let Some(student) = file.students.iter().find(|s| !leaf_checks.contains_key(*s)) {
                return Err(InputError::new(format!("has no LEAF check for {student}"))
                    .field("leaf_checks"));
            }
        }
        let share_checks: BTreeMap<String, Vec<String>> = file
            .share_checks
            .iter()
            .map(|c| (c.student.clone(), c.senders.clone()))
            .collect();
        if exercise == ExerciseKind::PoisonedList {
            if let Some(student) = file
                .students
                .iter()
                .find(|s| !share_checks.contains_key(*s))
            {
                return Err(InputError::new(format!("has no share check for {student}"))
                    .field("share_checks"));
            }
        }
        let contacts = file
            .contacts
            .iter()
            .filter(|c| file.students.contains(&c.student))
            .map(|c| (c.student.clone(), c.clone()))
            .collect();
        Ok(Grading {
            exercise,
            class_id: file.class_id.clone(),
            students: file.students.clone(),
            secret,
            leaf_checks,
            share_checks,
            contacts,
        })
    }
}

/// What an answer is worth.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "verdict", content = "of")]
pub enum Verdict {
    /// The student's own flag.
    Right,
    /// Not a flag of this class.
    Wrong,
    /// Another student's flag: shared, not found.
    AnotherStudentsFlag(String),
    /// The flag of a decoy in the student's own traffic (a "Test message, please
    /// ignore"): the right place to look, not the message the task names.
    Decoy,
    /// One or two characters away from the student's own flag: copied with a typo.
    NearMiss,
    /// Shaped like the answer of another exercise kind (named): pasted from elsewhere.
    ShapedLike(String),
    /// The CSV had no answer for this student.
    Missing,
}

impl Verdict {
    /// Whether the answer was given and is not the student's flag.
    pub fn is_wrong(&self) -> bool {
        !matches!(self, Verdict::Right | Verdict::Missing)
    }
}

/// A slip in how an answer was written that grading forgives: the answer is graded as
/// if written right, and the student is told how to write it next time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Slip {
    /// Capital letters: flags are lowercase.
    Capitals,
    /// Spaces inside the answer.
    Spaces,
    /// The hex digits (or names) without `doormat{` and `}` around them.
    NoBraces,
}

/// Decoys per student: the bundles plant at most three.
const DECOYS: usize = 4;

/// `answer` as it was meant, and the slips forgiven on the way: spaces dropped, capitals
/// lowered, `doormat{...}` put around bare digits or names. Only a result of the
/// exercise's shape is taken; otherwise the answer stands as given, with no slips.
pub fn tidy(kind: ExerciseKind, answer: &str) -> (String, Vec<Slip>) {
    let answer = answer.trim();
    if kind == ExerciseKind::EvadeList || is_answer_shaped(kind, answer) {
        return (answer.to_owned(), Vec::new());
    }
    let mut slips = Vec::new();
    let mut text: String = answer.chars().filter(|c| !c.is_whitespace()).collect();
    if text.len() != answer.len() {
        slips.push(Slip::Spaces);
    }
    if text.chars().any(|c| c.is_ascii_uppercase()) {
        text = text.to_ascii_lowercase();
        slips.push(Slip::Capitals);
    }
    // Bare hex digits are a flag without its braces; bare names are not an answer (a
    // poisoned-list answer with no braces could as well be a question).
    if kind != ExerciseKind::PoisonedList && !text.starts_with("doormat{") && !text.ends_with('}') {
        let bare = text.strip_prefix("doormat").unwrap_or(&text);
        text = format!("doormat{{{bare}}}");
        slips.push(Slip::NoBraces);
    }
    if is_answer_shaped(kind, &text) {
        (text, slips)
    } else {
        (answer.to_owned(), Vec::new())
    }
}

/// An exercise kind whose answers `answer`, not shaped like this kind's, is shaped like
/// (the first of several that share a shape).
fn shaped_like_another(kind: ExerciseKind, answer: &str) -> Option<ExerciseKind> {
    // An evasion is a file's path: nothing else is shaped like one.
    if kind == ExerciseKind::EvadeList {
        return None;
    }
    // Short hex ("doormat{abc}") is a flag cut short, not a list of names.
    let all_hex = super::hex_in_braces(answer).is_some();
    ExerciseKind::ALL
        .iter()
        .copied()
        .filter(|other| *other != kind && *other != ExerciseKind::EvadeList)
        .filter(|other| !(all_hex && *other == ExerciseKind::PoisonedList))
        .find(|other| is_answer_shaped(*other, answer))
}

impl Grading {
    /// The instructor secret behind this class's flags, worlds and hint codes.
    pub(super) fn secret(&self) -> &InstructorSecret {
        &self.secret
    }

    fn verdict(&self, student: &str, answer: &str) -> Verdict {
        match self.exercise {
            // An evasion is checked, not compared: any image that looks like the
            // student's own picture and that the list misses is right.
            ExerciseKind::EvadeList => {
                return match self.evasion(student, std::path::Path::new(answer)) {
                    Ok(true) => Verdict::Right,
                    _ => Verdict::Wrong,
                };
            }
            ExerciseKind::PoisonedList => {
                let named = super::names_in_braces(answer);
                return match (named, self.share_checks.get(student)) {
                    (Some(named), Some(senders)) if named == *senders => Verdict::Right,
                    _ => Verdict::Wrong,
                };
            }
            _ => {}
        }
        if self.exercise == ExerciseKind::LeafForgery {
            // A forged LEAF is checked, not compared: any LEAF the student's receiving
            // chip accepts and that names no real unit is right. Another student's LEAF
            // fails this student's check; who it belonged to is not worth a guess.
            return match self.leaf_checks.get(student) {
                Some(check) if check.accepts_forgery(answer) => Verdict::Right,
                _ => Verdict::Wrong,
            };
        }
        let own = self.secret.flag(self.exercise, student);
        if answer == own {
            return Verdict::Right;
        }
        if let Some(other) = self
            .students
            .iter()
            .find(|other| answer == self.secret.flag(self.exercise, other))
        {
            return Verdict::AnotherStudentsFlag(other.clone());
        }
        if (0..DECOYS).any(|n| answer == self.secret.decoy(self.exercise, student, n)) {
            return Verdict::Decoy;
        }
        let differing = own
            .bytes()
            .zip(answer.bytes())
            .filter(|(a, b)| a != b)
            .count();
        if own.len() == answer.len() && differing <= 2 {
            return Verdict::NearMiss;
        }
        Verdict::Wrong
    }

    /// The points `row` earns of `full`: all of them for the student's own answer, none
    /// for a wrong one, and for poisoned-list, whose answer is a set, a share: each user
    /// rightly named counts, each wrongly named takes one back, never below zero.
    pub fn points(&self, row: &GradedRow, full: f64) -> f64 {
        if row.verdict == Verdict::Right {
            return full;
        }
        let partial = || -> Option<f64> {
            if self.exercise != ExerciseKind::PoisonedList || !row.verdict.is_wrong() {
                return None;
            }
            let (answer, _) = tidy(self.exercise, row.answer.as_deref()?);
            let named = super::names_in_braces(&answer)?;
            let senders = self.share_checks.get(&row.student)?;
            if senders.is_empty() {
                return Some(0.0);
            }
            let right = named.iter().filter(|n| senders.contains(n)).count() as f64;
            let wrong = named.len() as f64 - right;
            Some(full * ((right - wrong).max(0.0) / senders.len() as f64))
        };
        // Two decimals: what a gradebook shows.
        (partial().unwrap_or(0.0) * 100.0).round() / 100.0
    }

    /// evade-list: whether the PNG at `path` looks like `student`'s picture (PSNR at
    /// least [`MIN_PSNR_DB`]) and escapes its hash (more than the threshold away). The
    /// picture is drawn again from the instructor secret, as the bundle's was.
    fn evasion(&self, student: &str, path: &std::path::Path) -> crate::error::Result<bool> {
        use crate::imaging::{pdq, psnr_db, read_png};
        let image = read_png(path)?;
        let seed = self.secret.world_seed(self.exercise, student);
        let original = &super::bundle::listed_picture(seed)?;
        let looks_alike = psnr_db(original, &image).is_some_and(|db| db >= MIN_PSNR_DB);
        let (Ok(theirs), Ok(listed)) = (pdq::hash(&image), pdq::hash(original)) else {
            return Ok(false);
        };
        Ok(looks_alike && theirs.hash.distance(&listed.hash) > pdq::MATCH_THRESHOLD)
    }

    /// The student a name means: their folder name, or the roster's name for them in
    /// any case ("Ben", "Ana Lopez"). Folder names are unique, so this never guesses
    /// between two students.
    fn resolve(&self, name: &str) -> Option<&str> {
        let name = name.trim();
        if let Some(student) = self.students.iter().find(|s| *s == name) {
            return Some(student);
        }
        let folder = super::folder_name(name)?;
        self.students
            .iter()
            .find(|s| **s == folder)
            .map(String::as_str)
    }

    fn knows(&self, name: &str) -> Result<&str, InputError> {
        self.resolve(name).ok_or_else(|| {
            let guess = crate::wire::names::closest(
                &name.trim().to_ascii_lowercase(),
                self.students.iter().map(String::as_str),
            )
            .map(|s| format!("did you mean {s}? "))
            .unwrap_or_default();
            InputError::new(format!(
                "{:?} is not a student of class {} ({} exercise)",
                truncate(name, 40),
                self.class_id,
                self.exercise.as_str()
            ))
            .hint(format!(
                "{guess}the class's students are the folders exercise new made"
            ))
        })
    }
}

impl LeafCheck {
    /// Hex digits in a forged LEAF's answer: the LEAF's bytes, twice.
    pub(super) const ANSWER_DIGITS: usize = 2 * LEAF_LEN;

    /// Whether `answer` (`doormat{` + the LEAF in hex + `}`) passes the receiving chip's
    /// 16-bit check for this message and carries a unit id that is not the sender's.
    fn accepts_forgery(&self, answer: &str) -> bool {
        let parse = || -> Option<bool> {
            let leaf = unhex(super::hex_in_braces(answer)?)?;
            let family = unb64("family_key", &self.family_key).ok()?;
            let key =
                ContentKey::from_slice(&unb64("content_key", &self.content_key).ok()?).ok()?;
            let nonce: [u8; 12] = unb64("nonce", &self.nonce)
                .ok()?
                .as_slice()
                .try_into()
                .ok()?;
            Some(forgery_accepted(&family, &leaf, &key, &nonce, self.unit_id))
        };
        parse().unwrap_or(false)
    }
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    (0..text.len())
        .step_by(2)
        .map(|i| {
            text.get(i..i + 2)
                .and_then(|pair| u8::from_str_radix(pair, 16).ok())
        })
        .collect()
}

/// Checks one answer. Malformed answers and unknown students are input errors (exit 2);
/// a well-formed wrong flag is a verdict.
pub fn check(
    grading: &Grading,
    student: &str,
    answer: &str,
) -> Result<(Verdict, Vec<Slip>), InputError> {
    let student = grading.knows(student).map_err(|e| e.field("--student"))?;
    let (answer, slips) = tidy(grading.exercise, answer);
    let answer = answer.as_str();
    if !is_answer_shaped(grading.exercise, answer) {
        if let Some(other) = shaped_like_another(grading.exercise, answer) {
            return Ok((Verdict::ShapedLike(other.as_str().to_owned()), slips));
        }
        return Err(
            InputError::new(format!("{:?} is not a flag", truncate(answer, 60)))
                .field("--answer")
                .hint(format!(
                    "for {}: {}",
                    grading.exercise.as_str(),
                    grading.exercise.answer_form().replace('`', "")
                )),
        );
    }
    if grading.exercise == ExerciseKind::EvadeList {
        // A submission that cannot be read is the grader's problem to see, not a verdict.
        crate::imaging::read_png(std::path::Path::new(answer)).map_err(|e| match e {
            crate::error::Error::Input(e) => (*e).field("--answer"),
            other => InputError::new(other.to_string()).field("--answer"),
        })?;
    }
    Ok((grading.verdict(student, answer), slips))
}

fn is_answer_shaped(kind: ExerciseKind, answer: &str) -> bool {
    match kind {
        ExerciseKind::EvadeList => answer.to_ascii_lowercase().ends_with(".png"),
        ExerciseKind::PoisonedList => super::names_in_braces(answer).is_some(),
        _ => super::hex_in_braces(answer).is_some_and(|hex| hex.len() == kind.answer_digits()),
    }
}

/// One row of a graded CSV.
#[derive(Debug, Clone, Serialize)]
pub struct GradedRow {
    /// The student.
    pub student: String,
    /// Their answer, if the CSV has one.
    pub answer: Option<String>,
    #[serde(flatten)]
    /// What it is worth.
    pub verdict: Verdict,
    /// Slips in how it was written, forgiven.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub slips: Vec<Slip>,
}

/// A row of a submissions CSV that could not be graded, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowProblem {
    /// Its line in the CSV, from 1.
    pub line: u64,
    /// What is wrong with it, and what to do.
    pub problem: String,
}

/// A graded CSV: a row per student, and the CSV's rows that could not be graded.
#[derive(Debug, Clone)]
pub struct Batch {
    /// One per student of the class, in the class's order.
    pub rows: Vec<GradedRow>,
    /// Rows of the CSV that were not graded.
    pub problems: Vec<RowProblem>,
}

/// Grades a CSV of submissions with a header naming `student` and `answer` columns (in
/// any order; other columns are ignored; an optional `class` column must match). Every
/// student of the class gets a row, `missing` if the CSV has no gradable row for them.
/// A row that cannot be graded (a name not in the class, another class, a broken line, a
/// second row for one student) is reported with its line, and the others are graded all
/// the same. Only a CSV with no usable header is an error; the caller adds its name.
pub fn check_batch(grading: &Grading, csv: &str) -> Result<Batch, InputError> {
    let mut records = csv_records(csv).into_iter();
    let (header_line, header) = match records.next() {
        None => {
            return Err(InputError::new(
                "is empty: it needs a header line student,answer",
            ))
        }
        Some(Err((line, e))) => return Err(e.line(line)),
        Some(Ok(header)) => header,
    };
    let column = |name: &str| {
        header
            .iter()
            .position(|h| h.trim().eq_ignore_ascii_case(name))
    };
    let (Some(student_col), Some(answer_col)) = (column("student"), column("answer")) else {
        return Err(InputError::new(format!(
            "the header {:?} names no student and answer columns",
            truncate(&header.join(","), 60)
        ))
        .line(header_line)
        .hint("the first line must be a header such as: student,answer"));
    };
    let class_col = column("class");
    // (student, answer, line) of each gradable row.
    let mut answers: Vec<(String, String, u64)> = Vec::new();
    let mut problems = Vec::new();
    for record in records {
        let (line_no, fields) = match record {
            Ok(record) => record,
            Err((line, e)) => {
                problems.push(RowProblem {
                    line,
                    problem: e.problem,
                });
                continue;
            }
        };
        let mut refuse = |problem: String| {
            problems.push(RowProblem {
                line: line_no,
                problem,
            })
        };
        if fields.len() != header.len() {
            refuse(format!(
                "has {} fields, but the header has {}: quote an answer that contains a comma",
                fields.len(),
                header.len()
            ));
            continue;
        }
        if let Some(col) = class_col {
            let class = fields[col].trim();
            if class != grading.class_id {
                refuse(format!(
                    "is a submission for class {:?}, but the grading file is class {}",
                    truncate(class, 20),
                    grading.class_id
                ));
                continue;
            }
        }
        let student = match grading.knows(&fields[student_col]) {
            Ok(student) => student.to_owned(),
            Err(e) => {
                let hint = e.hint.map(|h| format!("; {h}")).unwrap_or_default();
                refuse(format!("{}{hint}", e.problem));
                continue;
            }
        };
        if let Some((_, _, first)) = answers.iter().find(|(s, _, _)| *s == student) {
            refuse(format!(
                "{student} has two rows: line {first} is graded, this one is not"
            ));
            continue;
        }
        answers.push((student, fields[answer_col].trim().to_owned(), line_no));
    }
    let rows = grading
        .students
        .iter()
        .map(|student| {
            let answer = answers
                .iter()
                .find(|(s, _, _)| s == student)
                .map(|(_, a, _)| a.clone())
                .filter(|a| !a.is_empty());
            let (verdict, slips) = match &answer {
                None => (Verdict::Missing, Vec::new()),
                Some(given) => {
                    let (a, slips) = tidy(grading.exercise, given);
                    let verdict = if is_answer_shaped(grading.exercise, &a) {
                        grading.verdict(student, &a)
                    } else {
                        match shaped_like_another(grading.exercise, &a) {
                            Some(other) => Verdict::ShapedLike(other.as_str().to_owned()),
                            None => Verdict::Wrong,
                        }
                    };
                    (verdict, slips)
                }
            };
            GradedRow {
                student: student.clone(),
                answer,
                verdict,
                slips,
            }
        })
        .collect();
    Ok(Batch { rows, problems })
}

/// One CSV record and the line it starts on, or why that line could not be read.
pub(crate) type CsvRecord = Result<(u64, Vec<String>), (u64, InputError)>;

/// The records of a CSV file (RFC 4180, read by the `csv` crate: a quoted field may
/// hold commas, doubled quotes and line breaks), each with the line it starts on.
/// Blank lines are skipped. A record that cannot be read is an error for its line; the
/// others are still returned.
pub(crate) fn csv_records(text: &str) -> Vec<CsvRecord> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut records = Vec::new();
    let mut starts = Vec::new();
    for record in reader.records() {
        let line = |e: &csv::Error| e.position().map_or(0, |p| p.line());
        match record {
            Ok(record) => {
                let position = record
                    .position()
                    .cloned()
                    .unwrap_or_else(csv::Position::new);
                starts.push(position.byte() as usize);
                let fields: Vec<String> = record.iter().map(str::to_owned).collect();
                if fields.iter().all(|f| f.trim().is_empty()) {
                    continue;
                }
                records.push(Ok((position.line(), fields)));
            }
            Err(e) => records.push(Err((
                line(&e),
                InputError::new(format!("is not CSV ({e})")),
            ))),
        }
    }
    // A quote that is never closed runs to the end of the file: the last record then
    // holds an odd number of quotes (a closed field's inner quotes come in pairs).
    if let (Some(&start), Some(Ok((line, _)))) = (starts.last(), records.last()) {
        let rest = text.get(start..).unwrap_or("");
        if rest.matches('"').count() % 2 == 1 {
            let line = *line;
            *records.last_mut().expect("checked above") =
                Err((line, InputError::new("has a quote that is never closed")));
        }
    }
    records
}

#[cfg(test)]
mod tests;

/// What `exercise check --csv` reports: every row graded.
#[derive(Debug, Clone, Serialize)]
pub struct Grades {
    /// The exercise's kind.
    pub exercise: &'static str,
    /// The class's public id.
    pub class_id: String,
    /// Students whose answer is right.
    pub right: usize,
    /// Students of the class: a row each.
    pub students: usize,
    /// One per student, in the class's order.
    pub rows: Vec<GradedRow>,
    /// Rows of the CSV that could not be graded, with their line and why.
    pub not_graded: Vec<RowProblem>,
    /// Points for a right answer.
    pub points_possible: f64,
    /// The points of each row, in the order of `rows` ([`Grading::points`]).
    pub points: Vec<f64>,
    /// Whether a page for people shows each answer (the teacher's own copy) or hides
    /// them (a page to project). JSON always has them.
    #[serde(skip)]
    pub show_answers: bool,
}

impl Grades {
    /// Grades the CSV of submissions at `csv`, a right answer worth `points_possible`;
    /// errors name the file.
    pub fn of_file(
        grading: &Grading,
        csv: &std::path::Path,
        points_possible: f64,
    ) -> crate::error::Result<Grades> {
        let text = crate::fsutil::read_small_text(csv, "a CSV of submissions")?;
        let batch = check_batch(grading, &text).map_err(|e| e.file(csv))?;
        Ok(Grades::new(grading, batch, points_possible))
    }

    /// The error that says some rows of `csv` could not be graded (they are listed with
    /// the grades, and every other row was graded), so that a script notices; `Ok` when
    /// every row was.
    pub fn all_graded(&self, csv: &std::path::Path) -> Result<(), InputError> {
        let Some(first) = self.not_graded.first() else {
            return Ok(());
        };
        let n = self.not_graded.len();
        Err(InputError::new(format!(
            "{n} row{s} could not be graded (listed with the grades; the first, line {line}: \
             {problem}); every other row was graded",
            s = if n == 1 { "" } else { "s" },
            line = first.line,
            problem = first.problem,
        ))
        .file(csv)
        .hint("fix those rows and grade the file again"))
    }

    /// The grades of a graded CSV under `grading`, a right answer worth `points_possible`.
    pub fn new(grading: &Grading, batch: Batch, points_possible: f64) -> Self {
        Grades {
            points_possible,
            points: batch
                .rows
                .iter()
                .map(|r| grading.points(r, points_possible))
                .collect(),
            show_answers: false,
            exercise: grading.exercise.as_str(),
            class_id: grading.class_id.clone(),
            right: batch
                .rows
                .iter()
                .filter(|r| r.verdict == Verdict::Right)
                .count(),
            students: batch.rows.len(),
            rows: batch.rows,
            not_graded: batch.problems,
        }
    }
}

impl StudentVerdict {
    /// `student`'s `answer`, checked ([`check`]).
    pub fn of(grading: &Grading, student: &str, answer: &str) -> Result<Self, InputError> {
        let (verdict, slips) = check(grading, student, answer)?;
        Ok(StudentVerdict {
            student: student.to_owned(),
            verdict,
            slips,
        })
    }
}

/// What `exercise check --student --answer` reports.
#[derive(Debug, Clone, Serialize)]
pub struct StudentVerdict {
    /// The student.
    pub student: String,
    /// Flattened, as in a CSV's rows: `"verdict"`, and `"of"` for another's flag.
    #[serde(flatten)]
    pub verdict: Verdict,
    /// Slips in how it was written, forgiven.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub slips: Vec<Slip>,
}
