//! A class list: the roster file an instructor gives `exercise new`, read and checked,
//! and the folder each student's bundle gets.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::bundle::MAX_STUDENTS;
use crate::error::{InputError, Result};
use crate::fsutil;
use crate::wire::names::check_name;

/// Folder names doormat itself writes beside the students' bundles: no student may have
/// one, or their bundle would be the instructor's folder.
pub const RESERVED_FOLDERS: [&str; 1] = ["instructor"];

/// The longest name a roster may give a student, in characters: long enough for any
/// person's full name, short enough to show on one line (docs/exercises.md).
pub const MAX_ROSTER_NAME_CHARS: usize = 100;

/// Folder names Windows keeps for devices, in the lower case a folder name has here:
/// students unzip their bundles on Windows too.
const WINDOWS_RESERVED: [&str; 22] = [
    "con", "prn", "aux", "nul", "com1", "com2", "com3", "com4", "com5", "com6", "com7", "com8",
    "com9", "lpt1", "lpt2", "lpt3", "lpt4", "lpt5", "lpt6", "lpt7", "lpt8", "lpt9",
];

/// A name a roster changed to make a folder: "Ana Lopez" is in `ana-lopez/`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Renamed {
    /// The name as the roster writes it.
    pub name: String,
    /// Its folder, and the name `exercise check` knows the student by.
    pub folder: String,
}

/// A class list, as [`read_roster`] makes it.
#[derive(Debug, Clone, Default)]
pub struct Roster {
    /// Each student's folder name, in the roster's order.
    pub students: Vec<String>,
    /// The names that were not folder names already.
    pub renamed: Vec<Renamed>,
    /// A contact per student, when the roster is a CSV with `email` or `student id`
    /// columns; empty otherwise.
    pub contacts: Vec<Contact>,
}

/// Who a student is to a learning platform: their name as the roster writes it, and the
/// roster's email and student id for them, if it has those columns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    /// Their folder name.
    pub student: String,
    /// Their name as the roster writes it.
    pub name: String,
    /// Their email, if the roster has an `email` column.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Their student id (a platform's SIS id or ID number), if the roster has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub student_id: Option<String>,
}

/// The columns of a roster's header that say who a student is besides the name.
#[derive(Debug, Default, Clone, Copy)]
struct ContactColumns {
    email: Option<usize>,
    student_id: Option<usize>,
}

impl ContactColumns {
    fn of(header: &[String]) -> Self {
        let find = |names: &[&str]| {
            header.iter().position(|h| {
                let h = h.trim().to_ascii_lowercase().replace(['_', '-'], " ");
                names.contains(&h.as_str())
            })
        };
        ContactColumns {
            email: find(&["email", "e mail", "email address", "mail"]),
            student_id: find(&[
                "student id",
                "id",
                "id number",
                "sis user id",
                "sis id",
                "student number",
                "matriculation number",
            ]),
        }
    }
}

/// A roster's email or student id, checked: what a platform matches students by must not
/// carry anything a CSV or a terminal would misread.
fn contact_field(
    value: Option<&String>,
    what: &str,
) -> std::result::Result<Option<String>, InputError> {
    let Some(value) = value.map(|v| v.trim()).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    let fine = value.chars().count() <= 254
        && !value
            .chars()
            .any(|c| c.is_whitespace() || crate::wire::names::is_unshowable(c))
        && (what != "email"
            || value
                .split_once('@')
                .is_some_and(|(a, b)| !a.is_empty() && b.contains('.')));
    if fine {
        Ok(Some(value.to_owned()))
    } else {
        Err(InputError::new(format!(
            "{:?} is not a{} {what}",
            crate::wire::names::truncate(value, 40),
            if what == "email" { "n" } else { "" }
        ))
        .hint(format!(
            "write one {what} per student, with no spaces, or leave the cell empty"
        )))
    }
}

/// The folder name for a student called `name`: lowercase ASCII letters and digits, with
/// accents dropped and a dash for each run of anything else ("Ana López" → `ana-lopez`);
/// `None` when no
/// letter or digit is left. A name that starts with a digit gets `s-` in front.
pub fn folder_name(name: &str) -> Option<String> {
    let mut folder = String::new();
    for c in name.trim().chars() {
        if c.is_ascii_alphanumeric() {
            folder.push(c.to_ascii_lowercase());
        } else if let Some(plain) = latin_letter(c) {
            folder.push_str(plain);
        } else if !folder.is_empty() && !folder.ends_with('-') {
            folder.push('-');
        }
    }
    let mut folder = folder.trim_end_matches('-').to_owned();
    if folder.is_empty() {
        return None;
    }
    if folder.starts_with(|c: char| c.is_ascii_digit()) {
        folder.insert_str(0, "s-");
    }
    folder.truncate(32);
    Some(folder.trim_end_matches('-').to_owned())
}

/// The plain letters of an accented Latin letter, as a folder name spells it ("é" → "e",
/// "ß" → "ss"); `None` for anything else.
fn latin_letter(c: char) -> Option<&'static str> {
    const LETTERS: [(&str, &str); 14] = [
        ("àáâãäåāą", "a"),
        ("çćč", "c"),
        ("ďđ", "d"),
        ("èéêëēęě", "e"),
        ("ìíîïī", "i"),
        ("łľ", "l"),
        ("ñńň", "n"),
        ("òóôõöøō", "o"),
        ("ŕř", "r"),
        ("śšş", "s"),
        ("ťţ", "t"),
        ("ùúûüūů", "u"),
        ("ýÿ", "y"),
        ("źżž", "z"),
    ];
    let lower = c.to_lowercase().next()?;
    match lower {
        'ß' => return Some("ss"),
        'æ' => return Some("ae"),
        'œ' => return Some("oe"),
        _ => {}
    }
    LETTERS
        .iter()
        .find(|(accented, _)| accented.contains(lower))
        .map(|(_, plain)| *plain)
}

/// Reads a roster: one student per line (or the first column of a CSV with a header
/// naming `student` or `name`); blank lines and `#` comments are skipped. A name that is
/// not a folder name already ("Ana Lopez") gets one ([`folder_name`]); two names that
/// would share a folder, or one that would be doormat's own, are refused with both lines.
pub fn read_roster(path: &Path) -> Result<Roster> {
    let text = fsutil::read_small_text(path, "a roster, one student name per line")?;
    let mut roster = Roster::default();
    // (folder, name as written, line) of every student so far.
    let mut seen: Vec<(String, String, u64)> = Vec::new();
    let mut columns = ContactColumns::default();
    for (i, record) in super::grading::csv_records(&text).into_iter().enumerate() {
        let (line_no, fields) = record.map_err(|(line, e)| e.file(path).line(line))?;
        let at = |e: InputError| e.file(path).line(line_no);
        let first = fields.first().cloned().unwrap_or_default();
        let name = first.trim();
        if name.is_empty() || name.starts_with('#') {
            continue;
        }
        if i == 0 && (name.eq_ignore_ascii_case("student") || name.eq_ignore_ascii_case("name")) {
            columns = ContactColumns::of(&fields);
            continue;
        }
        // A name may be written as people write names; one that looks like a path or
        // holds control characters is a mistake (or an attack), not a name.
        if name.contains(['/', '\\']) || name.chars().any(crate::wire::names::is_unshowable) {
            return Err(at(InputError::new(format!(
                "{:?} cannot be a student's name: it holds a slash, a control character \
                 or a direction override",
                crate::wire::names::truncate(name, 40)
            )))
            .hint("write names as people write them: Ana Lopez, chloe, student07")
            .into());
        }
        if name.chars().count() > MAX_ROSTER_NAME_CHARS {
            return Err(at(InputError::new(format!(
                "the name {:?}... is {} characters long; a student's name may have at most \
                 {MAX_ROSTER_NAME_CHARS}",
                crate::wire::names::truncate(name, 40),
                name.chars().count()
            )))
            .hint("is the roster's first column the name? Shorten it, or point --roster at the right file")
            .into());
        }
        let folder = if check_name(name).is_ok() {
            name.to_owned()
        } else {
            folder_name(name).ok_or_else(|| {
                at(InputError::new(format!(
                    "{:?} cannot be a student's name: it has no letter or digit to make a folder name from",
                    crate::wire::names::truncate(name, 40)
                )))
                .hint("write the name with at least one of a-z or 0-9")
            })?
        };
        if WINDOWS_RESERVED.contains(&folder.as_str()) {
            return Err(at(InputError::new(format!(
                "{name:?} would have the folder {folder}/, a name Windows reserves for a \
                 device: a student who unzips the bundle there cannot open it"
            )))
            .hint("add an initial or a surname to this student's name")
            .into());
        }
        if RESERVED_FOLDERS.contains(&folder.as_str()) {
            return Err(at(InputError::new(format!(
                "{name:?} would have the folder {folder}/, where doormat keeps the instructor's files"
            )))
            .hint("add an initial or a surname to this student's name")
            .into());
        }
        if let Some((_, other, other_line)) = seen.iter().find(|(f, _, _)| *f == folder) {
            let problem = if other == name {
                format!("{name} is listed twice (first on line {other_line})")
            } else {
                format!(
                    "{name:?} and {other:?} (line {other_line}) would share the folder {folder}/"
                )
            };
            return Err(at(InputError::new(problem))
                .hint("make the two names differ, for example with an initial")
                .into());
        }
        if roster.students.len() == MAX_STUDENTS {
            return Err(at(InputError::new(format!(
                "names student {}, one too many: an exercise takes 1 to {MAX_STUDENTS}",
                MAX_STUDENTS + 1
            )))
            .hint("split the class into several exercises")
            .into());
        }
        if folder != name {
            roster.renamed.push(Renamed {
                name: name.to_owned(),
                folder: folder.clone(),
            });
        }
        if columns.email.is_some() || columns.student_id.is_some() {
            let cell = |column: Option<usize>| column.and_then(|c| fields.get(c));
            let email =
                contact_field(cell(columns.email), "email").map_err(|e| at(e.field("email")))?;
            let student_id = contact_field(cell(columns.student_id), "student id")
                .map_err(|e| at(e.field("student id")))?;
            roster.contacts.push(Contact {
                student: folder.clone(),
                name: name.to_owned(),
                email,
                student_id,
            });
        }
        seen.push((folder.clone(), name.to_owned(), line_no));
        roster.students.push(folder);
    }
    if roster.students.is_empty() {
        return Err(InputError::new("lists no student").file(path).into());
    }
    Ok(roster)
}

impl Roster {
    /// The class `exercise new` is given: a roster file, or a number of students (one of
    /// the two); a roster may not be the `out` folder.
    pub fn from_flags(roster: Option<&Path>, students: Option<usize>, out: &Path) -> Result<Self> {
        match (roster, students) {
            (Some(path), None) => {
                fsutil::refuse_output_among_inputs(out, "--out", [path])?;
                read_roster(path)
            }
            (None, Some(n)) => Ok(Roster {
                students: numbered_students(n)?,
                ..Default::default()
            }),
            _ => Err(InputError::new("give either --students N or --roster FILE")
                .field("--students")
                .into()),
        }
    }
}

/// `student01` ... `studentNN`.
pub fn numbered_students(n: usize) -> Result<Vec<String>, InputError> {
    if n == 0 || n > MAX_STUDENTS {
        return Err(
            InputError::new(format!("{n} students: choose 1 to {MAX_STUDENTS}"))
                .field("--students"),
        );
    }
    let width = n.to_string().len().max(2);
    Ok((1..=n).map(|i| format!("student{i:0width$}")).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    /// Folders Windows keeps for devices are refused, in any case; names that merely
    /// begin like them are not.
    #[test]
    fn windows_device_names_are_refused_in_rosters() {
        let dir = std::env::temp_dir().join(format!("doormat-roster-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        for name in ["con", "AUX", "Com1", "lpt9", "nul", "PRN"] {
            let path = dir.join("roster.txt");
            fs::write(&path, format!("ana\n{name}\n")).unwrap();
            let error = read_roster(&path).unwrap_err().to_string();
            assert!(error.contains("Windows reserves"), "{name}: {error}");
            assert!(error.contains("line 2"), "{name}: {error}");
        }
        let path = dir.join("roster.txt");
        fs::write(&path, "console\ncom10\nauxiliary\nlpt\n").unwrap();
        assert_eq!(read_roster(&path).unwrap().students.len(), 4);
        fs::remove_dir_all(&dir).unwrap();
    }
}
