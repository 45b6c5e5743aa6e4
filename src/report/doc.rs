//! A report laid out once, for every renderer: headings, lines of runs that carry
//! their tone (not their colour codes), labelled facts and tables. A report's words
//! are written into a [`Doc`] by one function; the text renderer pads and paints it for
//! a terminal, and the HTML renderer turns the same parts into headings, paragraphs,
//! definition lists and tables. Nothing is parsed back out of rendered text: a label
//! is a label and a table's column says whether it holds figures.

use std::io::{self, Write};

use super::text::table::Table;
use super::text::Style;

/// How a span is shown: plain, stressed, quieter, or as what opened or stayed sealed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tone {
    Plain,
    Bold,
    Dim,
    /// What opened for someone who should not read it.
    Open,
    /// What stayed sealed (or went right).
    Sealed,
}

/// A run of text in one tone.
#[derive(Debug, Clone)]
pub(crate) struct Run {
    pub(crate) text: String,
    pub(crate) tone: Tone,
}

impl Run {
    pub(crate) fn new(text: impl Into<String>, tone: Tone) -> Self {
        Run {
            text: text.into(),
            tone,
        }
    }
    pub(crate) fn bold(text: impl Into<String>) -> Self {
        Run::new(text, Tone::Bold)
    }
    pub(crate) fn dim(text: impl Into<String>) -> Self {
        Run::new(text, Tone::Dim)
    }
    pub(crate) fn open(text: impl Into<String>) -> Self {
        Run::new(text, Tone::Open)
    }
    pub(crate) fn sealed(text: impl Into<String>) -> Self {
        Run::new(text, Tone::Sealed)
    }
    /// The span painted for a terminal.
    fn painted(&self, style: &Style) -> String {
        match self.tone {
            Tone::Plain => self.text.clone(),
            Tone::Bold => style.bold(&self.text),
            Tone::Dim => style.dim(&self.text),
            Tone::Open => style.open(&self.text),
            Tone::Sealed => style.sealed(&self.text),
        }
    }
}

impl<T: Into<String>> From<T> for Run {
    fn from(text: T) -> Self {
        Run::new(text, Tone::Plain)
    }
}

/// One part of a [`Doc`].
#[derive(Debug, Clone)]
pub(crate) enum Part {
    /// What the report (or a section of it) is about: a line of its own, bold on a
    /// terminal; a heading on a page.
    Heading(Vec<Run>),
    /// A line under a heading, `indent` spaces in on a terminal; `label` (padded to
    /// its width there) makes it a fact: a term and its description on a page.
    Line {
        indent: usize,
        label: Option<(String, usize)>,
        runs: Vec<Run>,
        /// Wrapped to the terminal's width, each line at the same indent; one
        /// paragraph on a page.
        wrap: bool,
    },
    /// A table, laid out by its own columns.
    Table(Table),
    /// An empty line between sections on a terminal; nothing on a page, whose
    /// headings part the sections.
    Blank,
    /// A QR code of `text`: drawn in block characters under a fact's label on a
    /// terminal (light on dark, as most terminals are), as a picture on a page.
    Qr { label_width: usize, text: String },
}

/// The parts of one report, in order.
#[derive(Debug, Clone, Default)]
pub(crate) struct Doc {
    pub(crate) parts: Vec<Part>,
    /// Labels in bold on a terminal, for a report read at a glance (the class's
    /// start-up); a page's terms are always bold.
    bold_labels: bool,
}

/// The indent of a line under a heading.
const INDENT: usize = 2;

impl Doc {
    /// A heading of `runs`.
    pub(crate) fn heading(&mut self, runs: Vec<Run>) -> &mut Self {
        self.parts.push(Part::Heading(runs));
        self
    }
    /// A heading in one bold run.
    pub(crate) fn title(&mut self, text: impl Into<String>) -> &mut Self {
        self.heading(vec![Run::bold(text)])
    }
    /// A plain line under the heading.
    pub(crate) fn line(&mut self, text: impl Into<String>) -> &mut Self {
        self.runs(INDENT, vec![text.into().into()])
    }
    /// A quieter line: a source, a hint, what a figure means.
    pub(crate) fn note(&mut self, text: impl Into<String>) -> &mut Self {
        self.runs(INDENT, vec![Run::dim(text)])
    }
    /// A line of `runs`, `indent` spaces in.
    pub(crate) fn runs(&mut self, indent: usize, runs: Vec<Run>) -> &mut Self {
        self.parts.push(Part::Line {
            indent,
            label: None,
            runs,
            wrap: false,
        });
        self
    }
    /// A long plain line, `indent` spaces in, wrapped on a terminal.
    pub(crate) fn wrapped(&mut self, indent: usize, text: impl Into<String>) -> &mut Self {
        self.parts.push(Part::Line {
            indent,
            label: None,
            runs: vec![text.into().into()],
            wrap: true,
        });
        self
    }
    /// A fact: `label` padded to `width` columns, then `value`.
    pub(crate) fn fact(
        &mut self,
        label: &str,
        width: usize,
        value: impl Into<String>,
    ) -> &mut Self {
        self.fact_runs(label, width, vec![value.into().into()])
    }
    /// A fact whose value is in several tones.
    pub(crate) fn fact_runs(&mut self, label: &str, width: usize, runs: Vec<Run>) -> &mut Self {
        self.fact_in(INDENT, label, width, runs)
    }
    /// A fact `indent` spaces in: one of a group under a note.
    pub(crate) fn fact_in(
        &mut self,
        indent: usize,
        label: &str,
        width: usize,
        runs: Vec<Run>,
    ) -> &mut Self {
        self.parts.push(Part::Line {
            indent,
            label: Some((label.to_owned(), width)),
            runs,
            wrap: false,
        });
        self
    }
    /// A table.
    pub(crate) fn table(&mut self, table: Table) -> &mut Self {
        self.parts.push(Part::Table(table));
        self
    }
    /// Facts' labels in bold on a terminal.
    pub(crate) fn bold_labels(&mut self) -> &mut Self {
        self.bold_labels = true;
        self
    }
    /// A QR code of `text`, under a label `label_width` wide.
    pub(crate) fn qr(&mut self, label_width: usize, text: &str) -> &mut Self {
        self.parts.push(Part::Qr {
            label_width,
            text: text.to_owned(),
        });
        self
    }
    /// An empty line on a terminal.
    pub(crate) fn blank(&mut self) -> &mut Self {
        self.parts.push(Part::Blank);
        self
    }

    /// The text a person reads on a terminal.
    pub(crate) fn write_text(&self, out: &mut dyn Write, style: &Style) -> io::Result<()> {
        for part in &self.parts {
            match part {
                Part::Heading(runs) => writeln!(out, "{}", painted(runs, style))?,
                Part::Line {
                    indent,
                    runs,
                    wrap: true,
                    ..
                } => {
                    let text: String = runs.iter().map(|s| s.text.as_str()).collect();
                    let room = super::text::width().saturating_sub(*indent).max(20);
                    for line in super::text::wrap(&text, room) {
                        writeln!(out, "{}{line}", " ".repeat(*indent))?;
                    }
                }
                Part::Line {
                    indent,
                    label,
                    runs,
                    ..
                } => {
                    let label = label
                        .as_ref()
                        .map(|(label, width)| self.label(label, *width, style))
                        .unwrap_or_default();
                    let line = format!("{}{label}{}", " ".repeat(*indent), painted(runs, style));
                    writeln!(out, "{}", line.trim_end())?;
                }
                Part::Table(table) => table.write(out, style)?,
                Part::Blank => writeln!(out)?,
                Part::Qr { label_width, text } => {
                    let Ok(code) = qrcode::QrCode::new(text.as_bytes()) else {
                        continue;
                    };
                    use qrcode::render::unicode::Dense1x2;
                    let picture = code
                        .render::<Dense1x2>()
                        .dark_color(Dense1x2::Light)
                        .light_color(Dense1x2::Dark)
                        .quiet_zone(true)
                        .build();
                    let label = self.label("", *label_width, style);
                    for line in picture.lines() {
                        writeln!(out, "{label}{line}")?;
                    }
                }
            }
        }
        Ok(())
    }

    /// A fact's label, padded to `width` columns (and painted with its padding).
    fn label(&self, label: &str, width: usize, style: &Style) -> String {
        let padded = super::text::pad(label, width);
        if self.bold_labels {
            style.bold(&padded)
        } else {
            padded
        }
    }
}

fn painted(runs: &[Run], style: &Style) -> String {
    runs.iter().map(|s| s.painted(style)).collect()
}

/// Reports written as a [`Doc`]: `Type => its doc function, its page's title;`. Each
/// gets its text ([`Report`](super::Report)) and its page
/// ([`HtmlReport`](super::html::HtmlReport)) from the one function, so that the two
/// cannot say different things.
macro_rules! documented_reports {
    ($($report:ty => $doc:path, $title:expr;)*) => {$(
        impl $crate::report::Report for $report {
            fn write_text(
                &self,
                out: &mut dyn std::io::Write,
                style: &$crate::report::Style,
            ) -> std::io::Result<()> {
                $doc(style, self).write_text(out, style)
            }
        }
        impl $crate::report::html::HtmlReport for $report {
            fn html_title(&self) -> String {
                ($title).to_owned()
            }
            fn write_body(&self, page: &mut $crate::report::html::Page) {
                let style = $crate::report::Style::with_color(false);
                $crate::report::html::write_doc(page, &$doc(&style, self));
            }
        }
    )*};
}
pub(crate) use documented_reports;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::text::table::Column;

    /// A fact's label takes its width on a terminal; a line never ends in spaces; a
    /// blank part is an empty line.
    #[test]
    fn text_pads_labels_and_trims_lines() {
        let mut doc = Doc::default();
        let mut table = Table::new("  ", vec![Column::left(), Column::right()]);
        table.row(vec!["a".into(), "1".into()]);
        doc.title("head")
            .fact("key", 6, "value")
            .fact("empty", 8, "")
            .blank()
            .note("quiet")
            .table(table);
        let mut out = Vec::new();
        doc.write_text(&mut out, &Style::with_color(false)).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "head\n  key   value\n  empty\n\n  quiet\n  a  1\n"
        );
        let mut out = Vec::new();
        doc.write_text(&mut out, &Style::with_color(true)).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.starts_with("\u{1b}[1mhead\u{1b}[0m\n"), "{text:?}");
        assert!(text.contains("\u{1b}[2mquiet"), "{text:?}");
    }
}
