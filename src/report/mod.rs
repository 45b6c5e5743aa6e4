//! The report layer: every command's result is a typed value (a blast radius, a
//! comparison, a bench table, a demo act...), and renderers beside them turn it into
//! output: text for people ([`text`]: aligned, 80 columns, colour only on a terminal),
//! JSON for programs (serde, from the same values; the schema of each command is in
//! docs/json.md), and a self-contained page ([`html`]). Every [`Report`] has all three.
//!
//! The demo, recover, compare, bench and grades pages draw their own charts. Every other
//! report is written once as a `doc::Doc` (headings, facts, lines, tables), which the
//! text and the page both lay out, so that the two cannot say different things.
//!
//! [`Destination`] is the one switch a command needs: it writes any [`Report`] to stdout
//! either way, and to its `--html` page.

pub(crate) mod doc;
pub mod facts;
pub mod html;
pub mod text;
pub mod words;

use std::io::{self, Write};
use std::path::Path;

use crate::error::{Error, Result};
use crate::fsutil::AtomicFile;

pub use text::{ColorChoice, Style};

/// A result that can be shown: as text by [`Report::write_text`], as JSON through serde,
/// and as a page through [`html::HtmlReport`], which every report has.
pub trait Report: serde::Serialize + html::HtmlReport {
    /// Writes the text a person reads.
    fn write_text(&self, out: &mut dyn Write, style: &Style) -> io::Result<()>;
}

/// How a command shows its report.
#[derive(Debug, Clone, Copy)]
pub enum Output {
    /// Text, styled for where it goes.
    Text(Style),
    /// One pretty-printed JSON document.
    Json,
}

impl Output {
    /// `--json`, or text coloured as `color` says ([`Style::for_stdout`]).
    pub fn for_stdout(json: bool, color: ColorChoice) -> Self {
        if json {
            Output::Json
        } else {
            Output::Text(Style::for_stdout(color))
        }
    }

    /// Writes `report` to `out`.
    pub fn write(&self, report: &impl Report, out: &mut impl Write) -> io::Result<()> {
        match self {
            // Paths, names and narration come from outside: shown, never obeyed.
            Output::Text(style) => {
                let mut shown = text::Visible::new(&mut *out, style.color());
                report.write_text(&mut shown, style)?;
                shown.flush()
            }
            Output::Json => {
                let text = serde_json::to_string_pretty(report).map_err(io::Error::other)?;
                writeln!(out, "{text}")
            }
        }
    }
}

/// Where one command's report goes: stdout, as text or (with `--json`) JSON, and a
/// self-contained page when `--html FILE` asks for one. The page's file is opened
/// before the command does its work, so that an existing file (without `--force`) or
/// one of the command's inputs is refused at once; it is checked again when it is moved
/// into place.
pub struct Destination {
    output: Output,
    page: Option<AtomicFile>,
    slides: Option<AtomicFile>,
}

impl Destination {
    /// Stdout as `json` and `color` say, and the page at `html`, if given.
    pub fn new(
        json: bool,
        color: ColorChoice,
        html: Option<&Path>,
        force: bool,
        inputs: &[&Path],
    ) -> Result<Self> {
        Ok(Destination {
            output: Output::for_stdout(json, color),
            page: AtomicFile::for_flag(html, "--html", force, inputs)?,
            slides: None,
        })
    }

    /// Also writes the report's slides ([`html::HtmlReport::slides`]) to `slides`.
    pub fn with_slides(self, slides: Option<AtomicFile>) -> Self {
        Destination { slides, ..self }
    }

    /// Writes `report` to stdout, then its page.
    pub fn show(self, report: &impl Report) -> Result<()> {
        self.output
            .write(report, &mut io::stdout().lock())
            .map_err(|e| Error::io("<stdout>", e))?;
        self.write_page(report)
    }

    /// Writes only `report`'s page, for a command that has written its text as it went.
    pub fn write_page(self, report: &impl html::HtmlReport) -> Result<()> {
        if let Some(file) = self.page {
            file.write_and_commit(&html::document(report))?;
        }
        match (self.slides, report.slides()) {
            (Some(file), Some(deck)) => file.write_and_commit(&deck),
            _ => Ok(()),
        }
    }
}

/// The who-can-read-what matrices a demo has shown so far, the last of each design with
/// the act it was shown in: a renderer shows a matrix unchanged since then as one line,
/// and outlines the rows that gained since then, per design (an act about another
/// design does not make the main design's next matrix look new).
#[derive(Debug, Clone, Default)]
pub struct ShownMatrices {
    shown: Vec<(usize, crate::demo::Matrix)>,
}

impl ShownMatrices {
    /// The last matrix shown of `design`, and the act it was shown in.
    pub fn last(&self, design: &str) -> Option<(usize, &crate::demo::Matrix)> {
        self.shown
            .iter()
            .find(|(_, m)| m.design == design)
            .map(|(act, m)| (*act, m))
    }

    /// Remembers the matrices of act `number`; one equal to the last of its design
    /// keeps the act it was first shown in.
    pub fn record(&mut self, number: usize, blocks: &[crate::demo::Block]) {
        for block in blocks {
            let crate::demo::Block::Matrix { matrix } = block else {
                continue;
            };
            match self
                .shown
                .iter_mut()
                .find(|(_, m)| m.design == matrix.design)
            {
                Some((_, m)) if m == matrix => {}
                Some(slot) => *slot = (number, matrix.clone()),
                None => self.shown.push((number, matrix.clone())),
            }
        }
    }
}
