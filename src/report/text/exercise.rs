//! Text of `doormat exercise`: the bundles made, a verdict, a class's grades.

use super::*;
use crate::exercise::Slip;
use crate::report::doc::{Doc, Run};

/// `doormat exercise new`: where the bundles and the grading file are.
pub(crate) fn exercise_summary(_: &Style, s: &ExerciseSummary) -> Doc {
    let mut doc = Doc::default();
    const W: usize = 15;
    doc.title(format!(
        "exercise {} for {} students written to {}",
        s.exercise.as_str(),
        s.students.len(),
        s.out.display()
    ))
    .fact("class", W, s.class_id.as_str())
    .fact(
        "bundles",
        W,
        format!("{}/STUDENT/ (hand out each folder)", s.out.display()),
    );
    for (i, r) in s.renamed.iter().enumerate() {
        let label = if i == 0 { "folders" } else { "" };
        doc.fact(label, W, format!("{:?} is in {}/", r.name, r.folder));
    }
    doc.fact(
        "grading",
        W,
        format!("{} (keep it: it makes every flag)", s.grading.display()),
    )
    .fact(
        "check",
        W,
        format!(
            "doormat exercise check --key {} --csv submissions.csv",
            s.grading.display()
        ),
    );
    if let Some(seed) = s.seed {
        doc.line(format!(
            "seeded ({seed}): anyone with the seed can make every flag; for trying out only"
        ));
    }
    doc.fact("took", W, format!("{:.1} s", s.seconds));
    doc
}

/// `doormat exercise check` of one answer.
pub fn verdict(out: &mut impl Write, style: &Style, r: &StudentVerdict) -> io::Result<()> {
    let (student, v) = (&r.student, &r.verdict);
    let text = match v {
        Verdict::Right => style.sealed("✓ right"),
        Verdict::Wrong => style.open("✗ wrong"),
        Verdict::AnotherStudentsFlag(other) => {
            style.open(&format!("✗ wrong: that is {other}'s flag"))
        }
        Verdict::Decoy => style.open(
            "✗ wrong: that is the flag of a test message (a decoy), not of the message your task names",
        ),
        Verdict::NearMiss => style.open(
            "✗ wrong, but close: a character or two differ from your flag; copy it again",
        ),
        Verdict::ShapedLike(kind) => style.open(&format!(
            "✗ wrong: that is shaped like the answer to another exercise ({kind}), not this one"
        )),
        Verdict::Missing => "– no answer".to_owned(),
    };
    writeln!(out, "{student}: {text}")?;
    for slip in &r.slips {
        writeln!(out, "{INDENT}(read as meant: {})", slip_words(*slip))?;
    }
    Ok(())
}

/// How to write an answer next time, for a slip that grading forgave.
fn slip_words(slip: Slip) -> &'static str {
    match slip {
        Slip::Capitals => "flags are lowercase",
        Slip::Spaces => "a flag has no spaces",
        Slip::NoBraces => "a flag is written doormat{...}, braces and all",
    }
}

/// `doormat exercise check --csv`: every student, then the totals.
pub fn grades(out: &mut impl Write, style: &Style, grades: &Grades) -> io::Result<()> {
    writeln!(
        out,
        "{} {} (class {})",
        style.bold("grades:"),
        grades.exercise,
        grades.class_id
    )?;
    let rows = &grades.rows;
    let mut table = Table::new(INDENT, vec![Column::left().min(7), Column::left()]);
    for row in rows {
        let text = match &row.verdict {
            Verdict::Right => style.sealed("✓ right"),
            Verdict::Wrong => style.open("✗ wrong"),
            Verdict::AnotherStudentsFlag(other) => style.open(&format!("✗ {other}'s flag")),
            Verdict::Decoy => style.open("✗ a decoy's flag"),
            Verdict::NearMiss => style.open("✗ close: a typo"),
            Verdict::ShapedLike(kind) => style.open(&format!("✗ a {kind} answer")),
            Verdict::Missing => "– no answer".to_owned(),
        };
        let slips: Vec<&str> = row.slips.iter().map(|s| slip_words(*s)).collect();
        let text = if slips.is_empty() {
            text
        } else {
            format!("{text} (read as meant: {})", slips.join("; "))
        };
        // The verdict is painted within its words; as the line's last cell it is
        // never padded, so its colour takes no room.
        table.row(vec![row.student.as_str().into(), text.into()]);
    }
    table.write(out, style)?;
    let count = |f: &dyn Fn(&Verdict) -> bool| rows.iter().filter(|r| f(&r.verdict)).count();
    writeln!(
        out,
        "{INDENT}{} right, {} wrong ({} another student's flag), {} no answer, of {}",
        count(&|v| *v == Verdict::Right),
        count(&|v| v.is_wrong()),
        count(&|v| matches!(v, Verdict::AnotherStudentsFlag(_))),
        count(&|v| *v == Verdict::Missing),
        rows.len()
    )?;
    if !grades.not_graded.is_empty() {
        writeln!(
            out,
            "{INDENT}{}",
            style.open(&format!(
                "{} row(s) of the CSV not graded:",
                grades.not_graded.len()
            ))
        )?;
        for p in &grades.not_graded {
            let head = format!("line {}: ", p.line);
            for (i, line) in wrap(&p.problem, width() - 4 - head.len())
                .iter()
                .enumerate()
            {
                let lead = if i == 0 {
                    head.clone()
                } else {
                    " ".repeat(head.len())
                };
                writeln!(out, "{INDENT}{INDENT}{lead}{line}")?;
            }
        }
    }
    Ok(())
}

/// `doormat exercise gradebook`: its columns, and how many students it holds.
pub(crate) fn gradebook(_: &Style, book: &Gradebook) -> Doc {
    let mut doc = Doc::default();
    doc.heading(vec![
        Run::bold("gradebook:"),
        format!(
            " {} exercise{}, {} student{}",
            book.columns.len(),
            if book.columns.len() == 1 { "" } else { "s" },
            book.rows.len(),
            if book.rows.len() == 1 { "" } else { "s" }
        )
        .into(),
    ]);
    for (i, column) in book.columns.iter().enumerate() {
        let graded: Vec<f64> = book.rows.iter().filter_map(|r| r.points[i]).collect();
        let mean = graded.iter().sum::<f64>() / graded.len().max(1) as f64;
        doc.line(format!(
            "{}: {} students, mean {mean:.1} of {}",
            column.title,
            graded.len(),
            column.points_possible
        ));
    }
    doc
}

/// `doormat exercise hint`: the code, and the line students run.
pub(crate) fn hint_release(_: &Style, h: &HintRelease) -> Doc {
    let mut doc = Doc::default();
    doc.heading(vec![
        format!(
            "hint {} of {} for {} (class {}): ",
            h.level,
            h.hints,
            h.exercise.as_str(),
            h.class_id
        )
        .into(),
        Run::bold(&h.code),
    ])
    .line(format!(
        "students open it with: python3 tools/hint.py {} {}",
        h.level, h.code
    ));
    doc
}
