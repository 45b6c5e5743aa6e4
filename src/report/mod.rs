//! The report layer: every command's result is a typed value (a blast radius, a
//! comparison, a bench table, a demo act...), and renderers beside them turn it into
//! output. Text for people ([`text`]: aligned, 80 columns, colour only on a terminal) and
//! JSON for programs (serde, from the same values; the schema of each command is in
//! docs/json.md). A third renderer, HTML or a live web view, reads the same values.
//!
//! [`Output`] is the one switch a command needs: it writes any [`Report`] either way.

pub mod html;
pub mod text;
pub mod words;

use std::io::{self, Write};

pub use text::{ColorChoice, Style};

/// A result that can be shown: as text by [`Report::write_text`], as JSON through serde.
pub trait Report: serde::Serialize {
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
