//! Grades as a course keeps them: points per student and exercise, written as the files
//! learning platforms import. One gradebook may hold several classes' results, a column
//! per exercise; a student is the same row in each when the rosters give the same
//! student id, or else the same email, or else the same folder name.
//!
//! The formats, as their platforms document them:
//! - **Canvas** (Instructure, "How do I import grades in the Gradebook?", current Canvas
//!   LMS): a CSV whose columns are `Student`, `ID`, `SIS User ID`, `SIS Login ID`,
//!   `Section`, then one per assignment; an optional second row `Points Possible`. Canvas
//!   finds each student by `ID` (its own, which doormat does not know, so left empty),
//!   `SIS User ID` or `SIS Login ID`, and an assignment column it does not have becomes
//!   a new assignment.
//! - **Moodle** (Moodle 4.x docs, "Grade import", CSV; the importer in
//!   `grade/import/csv`): a header row, then a row per student; on import the teacher
//!   maps one identifying column to a user field (`Email address` to email, `ID number`
//!   to ID number) and each grade column to a grade item, as Moodle's own test
//!   `grade/tests/behat/grade_import.feature` does with a file of the same shape.
//! - **csv**: `student,name,email,student_id`, then a column per exercise, for any
//!   other use.

use std::path::PathBuf;

use serde::Serialize;

use super::grading::{check_batch, GradedRow, Grading, GradingFile};
use super::roster::Contact;
use crate::error::{InputError, Result};
use crate::fsutil;

/// The gradebook of `classes`, a grading file and its CSV of submissions after another
/// (as `--grades KEY CSV` gives them), a right answer worth `points`. A row that a CSV
/// cannot grade is an error naming its file and line: a gradebook is written whole, or
/// not at all, since a platform would import a row left out as a zero.
pub fn merge(classes: &[PathBuf], points: f64) -> Result<Gradebook> {
    check_points(points)?;
    let mut book = Gradebook::new();
    for pair in classes.chunks(2) {
        let [key, csv] = pair else {
            return Err(InputError::new("takes a grading file and a CSV, in pairs")
                .field("--grades")
                .into());
        };
        let grading = GradingFile::load(key)?;
        let text = fsutil::read_small_text(csv, "a CSV of submissions")?;
        let batch = check_batch(&grading, &text).map_err(|e| e.file(csv))?;
        if let Some(problem) = batch.problems.first() {
            return Err(InputError::new(problem.problem.clone())
                .file(csv)
                .line(problem.line)
                .hint("fix the row (doormat exercise check --csv lists every such row) and write the gradebook again")
                .into());
        }
        if book
            .columns
            .iter()
            .any(|c| c.title == column_title(&grading))
        {
            return Err(InputError::new(format!(
                "is the {} class {} again: each class is one column",
                grading.exercise.as_str(),
                grading.class_id
            ))
            .file(key)
            .hint("give each class's grading file once")
            .into());
        }
        book.add_class(&grading, &batch.rows, points);
    }
    Ok(book)
}

/// `--gradebook FORMAT FILE` as given (no values, or the two), checked with `--points`.
pub fn requested(
    values: &[String],
    points: f64,
) -> std::result::Result<Option<(Platform, PathBuf)>, InputError> {
    let [format, file] = values else {
        return Ok(None);
    };
    let platform = Platform::parse(format).map_err(|e| e.field("--gradebook"))?;
    check_points(points)?;
    Ok(Some((platform, PathBuf::from(file))))
}

/// Points for a right answer: a positive number a gradebook can hold.
pub fn check_points(points: f64) -> std::result::Result<(), InputError> {
    if points.is_finite() && points > 0.0 && points <= 10_000.0 {
        Ok(())
    } else {
        Err(
            InputError::new(format!("{points} is not a number of points"))
                .field("--points")
                .hint("give a number above 0, such as 10"),
        )
    }
}

/// The platform a gradebook is written for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Platform {
    /// Canvas's gradebook import CSV.
    Canvas,
    /// Moodle's grade import CSV.
    Moodle,
    /// A plain CSV.
    Csv,
}

impl Platform {
    /// Every platform, by name.
    pub const ALL: [(&'static str, Platform); 3] = [
        ("canvas", Platform::Canvas),
        ("moodle", Platform::Moodle),
        ("csv", Platform::Csv),
    ];

    /// The platform called `name`.
    pub fn parse(name: &str) -> Result<Self, InputError> {
        Self::ALL
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name.trim()))
            .map(|(_, p)| *p)
            .ok_or_else(|| {
                InputError::new(format!(
                    "{:?} is not a gradebook format",
                    crate::wire::names::truncate(name, 20)
                ))
                .hint("use canvas, moodle or csv")
            })
    }

    /// Its name.
    pub fn as_str(&self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(_, p)| p == self)
            .map_or("csv", |(n, _)| n)
    }
}

/// One exercise's column.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GradeColumn {
    /// Its heading: the exercise and its class, such as `doormat split-key (3f2a...)`.
    pub title: String,
    /// The points a right answer earns.
    pub points_possible: f64,
}

/// One student's row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GradebookRow {
    /// Who: the folder name, the roster's name, email and id.
    #[serde(flatten)]
    pub contact: Contact,
    /// Points per column; `None` where the student was not in that class.
    pub points: Vec<Option<f64>>,
}

/// Grades of one or more classes.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Gradebook {
    /// A column per exercise, in the order they were added.
    pub columns: Vec<GradeColumn>,
    /// A row per student, in the order they were first met.
    pub rows: Vec<GradebookRow>,
}

impl Gradebook {
    /// An empty gradebook.
    pub fn new() -> Self {
        Self::default()
    }

    /// The gradebook of one class's grades.
    pub fn of_class(grading: &Grading, graded: &[GradedRow], points: f64) -> Self {
        let mut book = Gradebook::new();
        book.add_class(grading, graded, points);
        book
    }

    /// Adds a column for `grading`'s class: `graded` (one row per student, as
    /// [`check_batch`] makes them) scored out of `points`.
    pub fn add_class(&mut self, grading: &Grading, graded: &[GradedRow], points: f64) {
        let column = self.columns.len();
        self.columns.push(GradeColumn {
            title: column_title(grading),
            points_possible: points,
        });
        for row in &mut self.rows {
            row.points.push(None);
        }
        for graded in graded {
            let contact = grading
                .contacts
                .get(&graded.student)
                .cloned()
                .unwrap_or_else(|| Contact {
                    student: graded.student.clone(),
                    name: graded.student.clone(),
                    email: None,
                    student_id: None,
                });
            let earned = grading.points(graded, points);
            let at = match self
                .rows
                .iter()
                .position(|r| same_student(&r.contact, &contact))
            {
                Some(at) => at,
                None => {
                    self.rows.push(GradebookRow {
                        contact: contact.clone(),
                        points: vec![None; column + 1],
                    });
                    self.rows.len() - 1
                }
            };
            let row = &mut self.rows[at];
            // What one roster knows and another does not fills in.
            row.contact.email = row.contact.email.take().or(contact.email);
            row.contact.student_id = row.contact.student_id.take().or(contact.student_id);
            row.points[column] = Some(earned);
        }
    }

    /// The gradebook as `platform` imports it.
    pub fn to_csv(&self, platform: Platform) -> String {
        let mut out = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .from_writer(Vec::new());
        let titles = self.columns.iter().map(|c| c.title.clone());
        let header: Vec<String> = match platform {
            Platform::Canvas => ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
                .iter()
                .map(|s| (*s).to_owned())
                .chain(titles)
                .collect(),
            Platform::Moodle => ["Full name", "Email address", "ID number"]
                .iter()
                .map(|s| (*s).to_owned())
                .chain(titles)
                .collect(),
            Platform::Csv => ["student", "name", "email", "student_id"]
                .iter()
                .map(|s| (*s).to_owned())
                .chain(titles)
                .collect(),
        };
        let mut records = vec![header];
        if platform == Platform::Canvas {
            let mut possible = vec!["Points Possible".to_owned()];
            possible.extend(std::iter::repeat_n(String::new(), 4));
            possible.extend(self.columns.iter().map(|c| figure(c.points_possible)));
            records.push(possible);
        }
        for row in &self.rows {
            let c = &row.contact;
            let email = c.email.clone().unwrap_or_default();
            let id = c.student_id.clone().unwrap_or_default();
            let mut record: Vec<String> = match platform {
                Platform::Canvas => vec![c.name.clone(), String::new(), id, email, String::new()],
                Platform::Moodle => vec![c.name.clone(), email, id],
                Platform::Csv => vec![c.student.clone(), c.name.clone(), email, id],
            };
            record.extend(row.points.iter().map(|p| p.map(figure).unwrap_or_default()));
            records.push(record);
        }
        for record in records {
            let cells: Vec<String> = record.iter().map(|cell| inert(cell)).collect();
            // Writing to memory cannot fail.
            let _ = out.write_record(&cells);
        }
        String::from_utf8(out.into_inner().unwrap_or_default()).unwrap_or_default()
    }
}

/// A class's column heading: its exercise and its id (one secret may serve several
/// exercises, as with a shared `--seed`, so the id alone does not tell them apart).
fn column_title(grading: &Grading) -> String {
    format!(
        "doormat {} ({})",
        grading.exercise.as_str(),
        grading.class_id
    )
}

/// Whether two rosters' contacts are one student: the same id, else the same email,
/// else the same folder name (where neither roster has the other's key).
fn same_student(a: &Contact, b: &Contact) -> bool {
    let same = |x: &Option<String>, y: &Option<String>| match (x, y) {
        (Some(x), Some(y)) => Some(x.eq_ignore_ascii_case(y)),
        _ => None,
    };
    same(&a.student_id, &b.student_id)
        .or_else(|| same(&a.email, &b.email))
        .unwrap_or(a.student == b.student)
}

/// A number as a gradebook cell: whole points without decimals, others with up to two.
fn figure(points: f64) -> String {
    if points.fract() == 0.0 {
        format!("{points:.0}")
    } else {
        let text = format!("{points:.2}");
        text.trim_end_matches('0').to_owned()
    }
}

/// A cell a spreadsheet will show, not run: one that starts like a formula (`=`, `+`,
/// `-`, `@`) gets a leading apostrophe, as OWASP's advice on CSV injection has it. A
/// roster's names reach the teacher's spreadsheet through this file.
fn inert(cell: &str) -> String {
    if cell.starts_with(['=', '+', '-', '@']) && cell.parse::<f64>().is_err() {
        format!("'{cell}")
    } else {
        cell.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn contact(student: &str, email: Option<&str>, id: Option<&str>) -> Contact {
        Contact {
            student: student.into(),
            name: student.into(),
            email: email.map(Into::into),
            student_id: id.map(Into::into),
        }
    }

    #[test]
    fn students_are_matched_by_id_then_email_then_folder() {
        let a = contact("ana", Some("ana@uni.edu"), Some("17"));
        assert!(same_student(&a, &contact("ana-lopez", None, Some("17"))));
        assert!(!same_student(&a, &contact("ana", None, Some("18"))));
        assert!(same_student(&a, &contact("x", Some("ANA@uni.edu"), None)));
        assert!(same_student(
            &contact("ben", None, None),
            &contact("ben", None, None)
        ));
        assert!(!same_student(
            &contact("ben", None, None),
            &contact("bea", None, None)
        ));
    }

    #[test]
    fn figures_and_formulas() {
        assert_eq!(figure(10.0), "10");
        assert_eq!(figure(6.67), "6.67");
        assert_eq!(figure(2.5), "2.5");
        assert_eq!(inert("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(inert("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(inert("-5"), "-5");
        assert_eq!(inert("Ana López"), "Ana López");
        assert_eq!(Platform::parse(" Canvas ").unwrap(), Platform::Canvas);
        assert!(Platform::parse("blackboard").is_err());
    }
}
