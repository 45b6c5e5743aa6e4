//! Output for people: short, aligned, at most 80 columns, colour only on a terminal
//! (and never under NO_COLOR or --no-color). Colour is never the only signal: opened
//! and sealed are also spelled out and marked ✓ / ✗, for washed-out projectors.

mod acts;
mod attacks;
mod bench;
mod exercise;
mod images;
pub(crate) mod table;
mod visible;
// Each kind of report in a file of its own; callers keep the paths `text::X`.
pub use {acts::*, bench::*, exercise::*, visible::*};
pub(crate) use {attacks::*, images::*};

use std::io::{self, IsTerminal, Write};

use crate::attacks::brute_force::{BruteForceReport, Method as SearchMethod};
use crate::attacks::dual_ec::DualEcReport;
use crate::attacks::leaf::{ForgeryReport, MetadataReport};
use crate::attacks::perceptual::{Attack, ImageAttackReport};
use crate::attacks::poison::PoisonReport;
use crate::attacks::timeline::Span;
use crate::attacks::timeline::Timeline;
use crate::attacks::{BlastRadius, RecoverReport};
use crate::bench::BenchReport;
use crate::compare::Comparison;
use crate::demo::{
    duration, Act, Block, Catalogue, ComparisonRow, DemoRun, ExposureRow, LogEntry, Matrix,
};
use crate::exercise::gradebook::Gradebook;
use crate::exercise::hints::HintRelease;
use crate::exercise::{ExerciseSummary, Grades, StudentVerdict, Verdict};
use crate::report::doc::Doc;
use crate::report::words;
use crate::scale::{sci, ScaleReport};
use crate::wire::plaintext::Plaintext;
use crate::world::disk::SimulateSummary;
use table::{Cell, Column, Paint, Table};

/// The narrowest layout: a projector at a large font. Wider terminals get up to
/// [`MAX_WIDTH`] for prose; anything that is not a terminal gets exactly this.
const MIN_WIDTH: usize = 80;
const MAX_WIDTH: usize = 120;

/// The width to lay out for, measured once: the terminal's, within 80 to 120 columns.
pub(crate) fn width() -> usize {
    static WIDTH: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *WIDTH.get_or_init(|| {
        console::Term::stdout()
            .size_checked()
            .map_or(MIN_WIDTH, |(_, cols)| {
                usize::from(cols).clamp(MIN_WIDTH, MAX_WIDTH)
            })
    })
}
const INDENT: &str = "  ";

/// When to colour text: `--color auto|always|never`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ColorChoice {
    /// On a terminal, unless NO_COLOR is set or TERM is `dumb`.
    #[default]
    Auto,
    /// Always, even into a pipe.
    Always,
    /// Never.
    Never,
}

/// `--color auto`: colour a terminal, unless NO_COLOR is set to anything (no-color.org)
/// or TERM says the terminal is dumb.
fn auto_color(
    no_color: Option<&std::ffi::OsStr>,
    term: Option<&std::ffi::OsStr>,
    terminal: bool,
) -> bool {
    let no_color = no_color.is_some_and(|v| !v.is_empty());
    let dumb = term.is_some_and(|t| t == "dumb");
    terminal && !no_color && !dumb
}

/// How text is styled: colour or none.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    color: bool,
}

impl Style {
    /// Styling for stdout under `choice`: `Auto` colours only a terminal that NO_COLOR
    /// and TERM=dumb leave alone; `Always` and `Never` say so outright, as an explicit
    /// flag outranks the environment.
    pub fn for_stdout(choice: ColorChoice) -> Self {
        Self::for_stream(choice, io::stdout().is_terminal())
    }

    /// Styling for stderr under `choice`, by the same rules as [`for_stdout`](Self::for_stdout).
    pub fn for_stderr(choice: ColorChoice) -> Self {
        Self::for_stream(choice, io::stderr().is_terminal())
    }

    fn for_stream(choice: ColorChoice, terminal: bool) -> Self {
        let color = match choice {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => auto_color(
                std::env::var_os("NO_COLOR").as_deref(),
                std::env::var_os("TERM").as_deref(),
                terminal,
            ),
        };
        Style { color }
    }

    /// Colour on or off, whatever the stream: a page's renderer takes none.
    pub(crate) fn with_color(color: bool) -> Self {
        Style { color }
    }

    /// Whether colour is on (and so whether the styling sequences are written).
    pub fn color(&self) -> bool {
        self.color
    }

    fn paint(&self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }
    /// `text` in bold, where colour is on.
    pub fn bold(&self, text: &str) -> String {
        self.paint("1", text)
    }
    /// `text` dimmed, where colour is on.
    pub fn dim(&self, text: &str) -> String {
        self.paint("2", text)
    }
    pub(crate) fn open(&self, text: &str) -> String {
        self.paint("1;31", text)
    }
    pub(crate) fn sealed(&self, text: &str) -> String {
        self.paint("1;32", text)
    }
    /// "OPEN ✓" or "sealed ✗" from the attacker's point of view: what it could read.
    fn mark(&self, open: bool) -> String {
        if open {
            self.open("✓ OPEN")
        } else {
            self.sealed("✗ sealed")
        }
    }
}

/// 16777216 → "16,777,216".
/// `2^bits` as a number with grouped digits ("4,294,967,296") up to 2^63.
pub fn power_of_two(bits: u32) -> String {
    match 1u64.checked_shl(bits) {
        Some(n) if bits < 64 => group_digits(n),
        _ => format!("2^{bits}"),
    }
}

/// A dollar amount: whole dollars in groups of three, or in scientific notation once
/// past what a u64 (and any budget) holds, rather than a saturated wrong figure.
fn dollars(usd: f64) -> String {
    quantity(usd)
}

/// A non-negative figure as a reader takes it in: whole numbers grouped
/// ("16,777,216"), very large or very small ones in powers of ten ("1.85e28",
/// "1.00e-6"), and one past what a float holds as "more than 1.8e308". Never a
/// saturated integer that looks exact (u64::MAX) or "inf".
pub fn quantity(x: f64) -> String {
    if !x.is_finite() {
        return format!("more than {:.1e}", f64::MAX);
    }
    if x == 0.0 || (1.0..1e15).contains(&x) {
        group_digits(x.round() as u64)
    } else if (0.001..1.0).contains(&x) {
        let text = format!("{x:.3}");
        text.trim_end_matches('0').to_owned()
    } else {
        format!("{x:.2e}")
    }
}

/// 16777216 → "16,777,216".
pub fn group_digits(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Terminal columns `text` takes: a CJK character or an emoji takes two, a combining
/// mark none. Tables measure with this, not with a count of characters, so that a
/// class's own names (`さくら`, `Zoë`) keep their columns.
pub(crate) fn columns(text: &str) -> usize {
    unicode_width::UnicodeWidthStr::width(text)
}

/// `text`, then spaces up to `width` columns (as it is, where it is wider).
pub(crate) fn pad(text: &str, width: usize) -> String {
    format!("{text}{}", " ".repeat(width.saturating_sub(columns(text))))
}

/// Spaces, then `text`, to fill `width` columns.
pub(crate) fn pad_left(text: &str, width: usize) -> String {
    format!("{}{text}", " ".repeat(width.saturating_sub(columns(text))))
}

/// The longest start of `text` that fits in `width` columns.
pub(crate) fn fit(text: &str, width: usize) -> &str {
    let mut used = 0;
    for (at, c) in text.char_indices() {
        used += unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
        if used > width {
            return &text[..at];
        }
    }
    text
}

/// Greedy word wrap.
pub(crate) fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && columns(&line) + 1 + columns(word) > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// `doormat demo --list`: a name column as wide as the longest name, each summary
/// wrapped beside it.
pub(crate) fn catalogue(_: &Style, c: &Catalogue) -> Doc {
    let mut table = Table::new("", vec![Column::left(), Column::left()]).wrap_last(width(), 20);
    for demo in &c.demos {
        table.row(vec![
            demo.name.as_str().into(),
            demo.summary.as_str().into(),
        ]);
    }
    let mut doc = Doc::default();
    doc.table(table);
    doc
}

/// Each report value renders with its function above.
macro_rules! text_reports {
    ($($report:ty => $render:expr;)*) => {$(
        impl super::Report for $report {
            fn write_text(&self, mut out: &mut dyn Write, style: &Style) -> io::Result<()> {
                $render(&mut out, style, self)
            }
        }
    )*};
}

text_reports! {
    RecoverReport => recover_report;
    Comparison => comparison_report;
    DemoRun => demo_run;
    BenchReport => bench_report;
    Grades => grades;
    StudentVerdict => verdict;
}

// The reports whose page is their text's parts, laid out as HTML.
crate::report::doc::documented_reports! {
    Catalogue => catalogue, "doormat's demos";
    SimulateSummary => simulate_summary, "A simulated world";
    BruteForceReport => brute_force, "Brute force against a short key";
    ForgeryReport => leaf_forgery, "Forging a Clipper LEAF";
    MetadataReport => leaf_metadata, "What the Clipper family key reveals";
    DualEcReport => dual_ec, "What the Dual_EC backdoor predicts";
    ImageAttackReport => image_attack, "An attack on perceptual hashing";
    PoisonReport => poison, "A poisoned scanning list";
    ScaleReport => scale_report, "What exceptional access costs at scale";
    Gradebook => gradebook, "A gradebook";
    HintRelease => hint_release, "A hint released";
    ExerciseSummary => exercise_summary, "Exercise bundles written";
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::OsStr;

    #[test]
    fn auto_colours_only_a_terminal_that_no_color_and_term_dumb_leave_alone() {
        let some = |s: &'static str| Some(OsStr::new(s));
        assert!(auto_color(None, some("xterm-256color"), true));
        assert!(!auto_color(None, some("xterm"), false), "not a terminal");
        assert!(!auto_color(some("1"), some("xterm"), true), "NO_COLOR");
        assert!(
            auto_color(some(""), some("xterm"), true),
            "an empty NO_COLOR is unset"
        );
        assert!(!auto_color(None, some("dumb"), true), "TERM=dumb");
        assert!(auto_color(None, None, true));
        assert!(Style::for_stdout(ColorChoice::Always).color);
        assert!(!Style::for_stdout(ColorChoice::Never).color);
    }

    /// A class's own names in Japanese take two columns a character: the matrix and a
    /// block of facts still line up by what the terminal shows, not by characters.
    #[test]
    fn wide_names_keep_their_columns() {
        use crate::demo::{Fact, MatrixCell, MatrixRow};
        let style = Style { color: false };
        let cells = vec![
            MatrixCell {
                readable: 1,
                messages: 2,
            };
            2
        ];
        let row = |name: &str| MatrixRow {
            name: name.into(),
            kind: "user".into(),
            cells: cells.clone(),
            searched: None,
        };
        let matrix = Matrix {
            design: "none".into(),
            users: vec!["さくらこさん".into(), "bob".into()],
            rows: vec![row("さくらこさん"), row("bob"), row("eavesdropper")],
        };
        let mut out = Vec::new();
        acts::matrix(&mut out, &style, &matrix).unwrap();
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.lines().skip(1).collect();
        assert_eq!(lines.len(), 4, "{text}");
        let widths: Vec<usize> = lines.iter().map(|l| columns(l.trim_end())).collect();
        assert!(widths.iter().all(|w| *w == widths[1]), "{widths:?}\n{text}");
        assert!(widths[0] <= 80, "{text}");

        let facts = Block::Facts {
            facts: vec![Fact::told("さくら", "one"), Fact::told("bob's key", "two")],
        };
        let mut out = Vec::new();
        acts::block(&mut out, &style, &facts).unwrap();
        let text = String::from_utf8(out).unwrap();
        let starts: Vec<usize> = text
            .lines()
            .map(|l| columns(&l[..l.rfind(' ').unwrap() + 1]))
            .collect();
        assert_eq!(starts[0], starts[1], "{text}");
        assert_eq!(fit("さくらこ", 5), "さく");
        assert_eq!(pad("さ", 4), "さ  ");
    }
}
