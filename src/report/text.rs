//! Output for people: short, aligned, at most 80 columns, colour only on a terminal
//! (and never under NO_COLOR or --no-color). Colour is never the only signal: opened
//! and sealed are also spelled out and marked ✓ / ✗, for washed-out projectors.

use std::io::{self, IsTerminal, Write};

use crate::attacks::brute_force::{BruteForceReport, Method as SearchMethod};
use crate::attacks::dual_ec::DualEcReport;
use crate::attacks::leaf_metadata::MetadataReport;
use crate::attacks::perceptual::{Attack, ImageAttackReport};
use crate::attacks::poison::PoisonReport;
use crate::attacks::timeline::Span;
use crate::attacks::timeline::Timeline;
use crate::attacks::{BlastRadius, RecoverReport};
use crate::bench::BenchReport;
use crate::compare::Comparison;
use crate::demo::{
    duration, Act, Block, Catalogue, ComparisonRow, DemoRun, ExposureRow, Fact, LogEntry, Matrix,
    PartyRow,
};
use crate::exercise::{ExerciseSummary, Grades, StudentVerdict, Verdict};
use crate::report::words;
use crate::scale::{sci, ScaleReport};
use crate::schemes::clipper::ForgeryReport;
use crate::wire::plaintext::Plaintext;
use crate::world::disk::SimulateSummary;

/// The narrowest layout: a projector at a large font. Wider terminals get up to
/// [`MAX_WIDTH`] for prose; anything that is not a terminal gets exactly this.
const MIN_WIDTH: usize = 80;
const MAX_WIDTH: usize = 120;

/// The width to lay out for, measured once: the terminal's, within 80 to 120 columns.
fn width() -> usize {
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
        let color = match choice {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => auto_color(
                std::env::var_os("NO_COLOR").as_deref(),
                std::env::var_os("TERM").as_deref(),
                io::stdout().is_terminal(),
            ),
        };
        Style { color }
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
    fn open(&self, text: &str) -> String {
        self.paint("1;31", text)
    }
    fn sealed(&self, text: &str) -> String {
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

/// The first line of a demo: its name, and its seed on the right.
pub fn demo_header(
    out: &mut impl Write,
    style: &Style,
    name: &str,
    seed: Option<u64>,
) -> io::Result<()> {
    let right = match seed {
        Some(seed) => format!("seed {seed}"),
        None => "unseeded".to_owned(),
    };
    let left = format!("doormat demo: {name}");
    let gap = width().saturating_sub(left.len() + right.len() + 2).max(1);
    writeln!(
        out,
        "{}{}{}",
        style.bold(&left),
        " ".repeat(gap + 2),
        style.dim(&right)
    )
}

/// Prints an act. A matrix identical to the one `previous` act showed is one line:
/// on a projector, the change is the news.
pub fn act(
    out: &mut impl Write,
    style: &Style,
    act: &Act,
    previous: Option<(usize, &Matrix)>,
) -> io::Result<()> {
    writeln!(out)?;
    let head = format!("── {}. {} ", act.number, act.title);
    let rule = "─".repeat(width().saturating_sub(head.chars().count()));
    writeln!(out, "{}", style.bold(&format!("{head}{rule}")))?;
    let last = act.narration.len().saturating_sub(1);
    for (i, line) in act.narration.iter().enumerate() {
        // The last paragraph ends with the act's citations, as in print: "[1, 3]".
        let line = match (i == last, act.cite.is_empty()) {
            (true, false) => {
                let numbers: Vec<String> = act.cite.iter().map(usize::to_string).collect();
                format!("{line} [{}]", numbers.join(", "))
            }
            _ => line.clone(),
        };
        for wrapped in wrap(&line, width() - INDENT.len()) {
            writeln!(out, "{INDENT}{wrapped}")?;
        }
    }
    for block in &act.blocks {
        writeln!(out)?;
        match (block, previous) {
            (Block::Matrix { matrix }, Some((number, shown))) if matrix == shown => dim_line(
                out,
                style,
                &format!("who can read what: unchanged since act {number}"),
            )?,
            _ => self::block(out, style, block)?,
        }
    }
    Ok(())
}

/// Writes a demo's acts one after another, remembering the last matrix shown in full so
/// that an unchanged one takes one line.
#[derive(Debug, Default)]
pub struct ActWriter {
    matrix: Option<(usize, Matrix)>,
}

impl ActWriter {
    /// Writes `act`, one line in place of a matrix unchanged since the last one shown.
    pub fn write(&mut self, out: &mut impl Write, style: &Style, act: &Act) -> io::Result<()> {
        let previous = self.matrix.as_ref().map(|(n, m)| (*n, m));
        self::act(out, style, act, previous)?;
        let shown = act.blocks.iter().rev().find_map(|b| match b {
            Block::Matrix { matrix } => Some(matrix),
            _ => None,
        });
        if let Some(matrix) = shown {
            if self.matrix.as_ref().map(|(_, m)| m) != Some(matrix) {
                self.matrix = Some((act.number, matrix.clone()));
            }
        }
        Ok(())
    }
}

/// A whole demo run, as the terminal shows it act by act.
pub fn demo_run(out: &mut impl Write, style: &Style, run: &DemoRun) -> io::Result<()> {
    demo_header(out, style, &run.demo, run.seed)?;
    let mut acts = ActWriter::default();
    for act in &run.acts {
        acts.write(out, style, act)?;
    }
    if run.stopped_early {
        writeln!(out, "\n(stopped)")?;
    }
    Ok(())
}

/// One dimmed line, indented: a table's header, or a note beside it.
fn dim_line(out: &mut impl Write, style: &Style, text: &str) -> io::Result<()> {
    writeln!(out, "{INDENT}{}", style.dim(text))
}

fn block(out: &mut impl Write, style: &Style, block: &Block) -> io::Result<()> {
    match block {
        Block::Facts { facts } => {
            let label_width = facts
                .iter()
                .map(|f| f.label.chars().count())
                .max()
                .unwrap_or(0);
            let width = label_width;
            for Fact {
                label, value, open, ..
            } in facts
            {
                let mark = open
                    .map(|o| format!("  {}", style.mark(o)))
                    .unwrap_or_default();
                // Long values wrap under themselves, so the labels stay a column.
                // The mark ("  ✗ sealed") shares the last line, so it takes room too.
                let mark_room = if open.is_some() { 10 } else { 0 };
                let room = self::width()
                    .saturating_sub(INDENT.len() + label_width + 2 + mark_room)
                    .max(20);
                let lines = wrap(value, room);
                let last = lines.len().saturating_sub(1);
                for (i, line) in lines.iter().enumerate() {
                    let label = if i == 0 { label.as_str() } else { "" };
                    let mark = if i == last { mark.as_str() } else { "" };
                    writeln!(out, "{INDENT}{label:<width$}  {line}{mark}")?;
                }
            }
        }
        Block::Parties { parties } => {
            // Columns as wide as their widest entry; "holds" wraps in what is left.
            let col = |f: &dyn Fn(&PartyRow) -> usize, title: &str| {
                parties.iter().map(f).max().unwrap_or(0).max(title.len())
            };
            let n = col(&|p| p.name.chars().count(), "party");
            let r = col(&|p| p.role.chars().count(), "role");
            let k = col(&|p| p.key.chars().count().max(1), "key");
            let room = self::width()
                .saturating_sub(INDENT.len() + n + r + k + 6)
                .max(16);
            dim_line(
                out,
                style,
                &format!(
                    "{:<n$}  {:<r$}  {:<k$}  {}",
                    "party", "role", "key", "holds"
                ),
            )?;
            for p in parties {
                let key = if p.key.is_empty() { "-" } else { &p.key };
                for (i, holds) in wrap(&p.holds, room).iter().enumerate() {
                    if i == 0 {
                        writeln!(
                            out,
                            "{INDENT}{:<n$}  {:<r$}  {:<k$}  {holds}",
                            p.name, p.role, key
                        )?;
                    } else {
                        writeln!(out, "{INDENT}{:<n$}  {:<r$}  {:<k$}  {holds}", "", "", "")?;
                    }
                }
            }
        }
        Block::Envelope { json } => envelope(out, style, json)?,
        Block::Radius {
            label,
            holding,
            design,
            scope,
            radius,
        } => {
            let heading = words::radius_heading(label, holding, design.as_deref(), *scope);
            for line in wrap(&heading, self::width() - INDENT.len()) {
                writeln!(out, "{INDENT}{}", style.bold(&line))?;
            }
            radius_lines(out, style, radius)?;
        }
        Block::Recovered {
            label,
            sample,
            messages,
        } => {
            let heading = words::recovered_heading(label, *sample);
            for line in wrap(&heading, self::width() - INDENT.len()) {
                writeln!(out, "{INDENT}{}", style.bold(&line))?;
            }
            if messages.is_empty() {
                writeln!(out, "{INDENT}  (none)")?;
            }
            for m in messages {
                plaintext(out, m)?;
            }
        }
        Block::Comparison { rows } => comparison(out, style, rows)?,
        Block::Timeline { timeline, .. } => timeline_lines(out, style, timeline)?,
        Block::Exposure { victim, t, rows } => exposure(out, style, victim, *t, rows)?,
        Block::Matrix { matrix } => self::matrix(out, style, matrix)?,
        Block::Log { entries } => log(out, style, entries)?,
        Block::Sources { sources } => {
            writeln!(out, "{INDENT}{}", style.dim("sources:"))?;
            // Numbered as the acts cite them; the numbers take the same width.
            let w = sources.len().to_string().len() + 2;
            for (n, s) in sources.iter().enumerate() {
                for (i, line) in wrap(s, width() - 4 - w).into_iter().enumerate() {
                    let number = if i == 0 {
                        format!("[{}]", n + 1)
                    } else {
                        String::new()
                    };
                    writeln!(out, "{INDENT}{number:>w$} {}", style.dim(&line))?;
                }
            }
        }
    }
    Ok(())
}

fn radius_lines(out: &mut impl Write, style: &Style, r: &BlastRadius) -> io::Result<()> {
    let pct = r.percent_opened();
    writeln!(
        out,
        "{INDENT}  messages       {} of {} opened ({pct:.0}%)  {}",
        r.messages_opened,
        r.messages_total,
        style.mark(r.messages_opened > 0)
    )?;
    if r.messages_failed_integrity > 0 {
        writeln!(
            out,
            "{INDENT}  tampered       {} failed integrity",
            r.messages_failed_integrity
        )?;
    }
    let users = words::user_counts(r);
    writeln!(
        out,
        "{INDENT}  users          {} of {} fully exposed, {} touched",
        users.fully_exposed, users.total, users.touched
    )?;
    writeln!(
        out,
        "{INDENT}  conversations  {} of {}",
        r.conversations_exposed, r.conversations_total
    )?;
    if let (Some(first), Some(last)) = (r.first_exposed_t, r.last_exposed_t) {
        writeln!(out, "{INDENT}  time range     t={first} .. t={last}")?;
    }
    // Zero seconds: no timing to report (a demo's opening is cached across acts).
    if r.messages_opened > 0 && r.seconds > 0.0 {
        writeln!(
            out,
            "{INDENT}  took           {}",
            timing(r.seconds, r.messages_opened)
        )?;
    }
    Ok(())
}

/// Seconds and rate: the only part of a seeded run that changes between runs, so it is
/// always printed last on its line (tests mask it).
fn timing(seconds: f64, messages: u64) -> String {
    let rate = if seconds > 0.0 {
        messages as f64 / seconds
    } else {
        0.0
    };
    format!("{seconds:.2} s ({rate:.0} messages/s)")
}

fn plaintext(out: &mut impl Write, m: &Plaintext) -> io::Result<()> {
    let head = format!("{INDENT}  {} {} → {}: ", m.id, m.from, m.to.join(","));
    let text = format!("\"{}\"", m.text);
    if head.chars().count() + text.chars().count() <= width() {
        writeln!(out, "{head}{text}")
    } else {
        writeln!(out, "{head}")?;
        for line in wrap(&text, width() - 8) {
            writeln!(out, "{INDENT}      {line}")?;
        }
        Ok(())
    }
}

/// One recorded envelope, field by field, with long base64 shortened.
fn envelope(out: &mut impl Write, style: &Style, json: &str) -> io::Result<()> {
    let Ok(value) = serde_json::from_str::<serde_json::Value>(json) else {
        return writeln!(out, "{INDENT}{json}");
    };
    writeln!(
        out,
        "{INDENT}{}",
        style.bold("what the tap sees (one envelope)")
    )?;
    let text = |key: &str| value[key].as_str().unwrap_or_default().to_owned();
    let to: Vec<&str> = value["to"]
        .as_array()
        .map_or(vec![], |a| a.iter().filter_map(|v| v.as_str()).collect());
    writeln!(
        out,
        "{INDENT}  id {}  t {}  {} → {}  scheme {}",
        text("id"),
        value["t"],
        text("from"),
        to.join(","),
        text("scheme")
    )?;
    let field = |out: &mut dyn Write, label: &str, b64: &str| -> io::Result<()> {
        let padding = b64.bytes().rev().take_while(|b| *b == b'=').count();
        let bytes = (b64.len() / 4 * 3).saturating_sub(padding);
        let shown: String = b64.chars().take(24).collect();
        writeln!(
            out,
            "{INDENT}  {label:<16} {shown}...  {}",
            style.dim(&format!("{bytes} bytes"))
        )
    };
    field(out, "nonce", &text("nonce"))?;
    field(out, "ct", &text("ct"))?;
    if let Some(wrapped) = value["wrapped"].as_object() {
        for (name, v) in wrapped {
            field(
                out,
                &format!("wrapped.{name}"),
                v.as_str().unwrap_or_default(),
            )?;
        }
    }
    if value.get("escrow").is_some() {
        field(out, "escrow", &text("escrow"))?;
    }
    if let Some(ratchet) = value["ratchet"].as_object() {
        for (name, entry) in ratchet {
            let dh: String = entry["dh"]
                .as_str()
                .unwrap_or_default()
                .chars()
                .take(12)
                .collect();
            writeln!(
                out,
                "{INDENT}  {:<16} dh {dh}...  pn {}  n {}{}",
                format!("ratchet.{name}"),
                entry["pn"],
                entry["n"],
                if entry.get("x3dh").is_some() {
                    "  + x3dh"
                } else {
                    ""
                }
            )?;
            field(
                out,
                &format!("ratchet.{name}.key"),
                entry["key"].as_str().unwrap_or_default(),
            )?;
        }
    }
    Ok(())
}

/// `doormat compare`: one compromise per design, as a table.
pub fn comparison_report(out: &mut impl Write, style: &Style, c: &Comparison) -> io::Result<()> {
    let seed = c
        .seed
        .map_or_else(|| "unseeded".to_owned(), |s| format!("seed {s}"));
    writeln!(
        out,
        "{} {}",
        style.bold(&format!(
            "one compromise per design: {} messages, {} users",
            c.messages,
            c.users.len()
        )),
        style.dim(&format!("({seed})"))
    )?;
    comparison(out, style, &c.rows)
}

fn comparison(out: &mut impl Write, style: &Style, rows: &[ComparisonRow]) -> io::Result<()> {
    // Each text column is as wide as its longest entry; the compromise column stops
    // where 80 columns would overflow (2 + s + 1 + w + 1 + 10 + 1 + 6 + 1 + 13 + 2 + 8).
    let s = rows
        .iter()
        .map(|r| r.scheme.chars().count())
        .max()
        .unwrap_or(0)
        .max(6);
    let w = rows
        .iter()
        .map(|r| r.compromise.chars().count())
        .max()
        .unwrap_or(0)
        .clamp(10, 80usize.saturating_sub(45 + s).max(10));
    dim_line(
        out,
        style,
        &format!(
            "{:<s$} {:<w$} {:>10} {:>6} {:>13}",
            "scheme", "compromise", "messages", "users*", "conversations"
        ),
    )?;
    for row in rows {
        match &row.radius {
            Some(r) => {
                let messages = format!("{} {:>4.0}%", r.messages_opened, r.percent_opened());
                let counts = words::user_counts(r);
                let users = format!("{}/{}", counts.fully_exposed, counts.total);
                let conversations =
                    format!("{}/{}", r.conversations_exposed, r.conversations_total);
                let mark = style.mark(r.messages_opened > 0);
                writeln!(
                    out,
                    "{INDENT}{:<s$} {:<w$} {:>10} {:>6} {:>13}  {mark}",
                    row.scheme, row.compromise, messages, users, conversations
                )?;
            }
            None => writeln!(
                out,
                "{INDENT}{:<s$} {:<w$} {}",
                row.scheme,
                row.compromise,
                style.dim("no such key exists: nothing to steal")
            )?,
        }
    }
    writeln!(
        out,
        "{INDENT}{}",
        style.dim("* users every one of whose messages opened")
    )
}

/// `doormat simulate`: what was written where.
pub fn simulate_summary(
    out: &mut impl Write,
    style: &Style,
    s: &SimulateSummary,
) -> io::Result<()> {
    let seed = s.seed;
    writeln!(
        out,
        "{} {}",
        style.bold("world written to"),
        s.out.display()
    )?;
    writeln!(out, "{INDENT}scheme     {}", s.scheme)?;
    writeln!(out, "{INDENT}parties    {}", s.parties.join(" "))?;
    writeln!(
        out,
        "{INDENT}messages   {} in capture.jsonl ({} KiB), truth in truth.jsonl",
        s.messages,
        s.capture_bytes.div_ceil(1024)
    )?;
    writeln!(
        out,
        "{INDENT}keys       keys/NAME.pem (private, mode 0600), keys/NAME.pub.pem"
    )?;
    if let Some(seed) = seed {
        writeln!(
            out,
            "{INDENT}{}",
            style.bold(&format!(
                "seeded ({seed}): anyone can recompute these keys; classroom use only"
            ))
        )?;
    }
    writeln!(out, "{INDENT}took       {:.2} s", s.seconds)
}

/// `doormat recover`: the keys, the steps that made them, what they opened.
pub fn recover_report(out: &mut impl Write, style: &Style, r: &RecoverReport) -> io::Result<()> {
    writeln!(
        out,
        "{} {} ({})",
        style.bold("recover: world"),
        r.world.display(),
        r.scheme
    )?;
    let short = |fingerprint: &str| {
        let hex = fingerprint.strip_prefix("sha256:").unwrap_or(fingerprint);
        hex[..16.min(hex.len())].to_owned()
    };
    for key in r.keys.iter().filter(|k| k.kind.is_none()) {
        writeln!(
            out,
            "{INDENT}  key            {} ({}) {}",
            key.party,
            key.role.as_str(),
            style.dim(&short(&key.fingerprint))
        )?;
    }
    for note in &r.notes {
        for (i, line) in wrap(note, width() - 6).into_iter().enumerate() {
            writeln!(out, "{INDENT}  {} {line}", if i == 0 { "!" } else { " " })?;
        }
    }
    for key in r.keys.iter().filter(|k| k.kind.is_some()) {
        writeln!(
            out,
            "{INDENT}  identity       {} (Ed25519) {}",
            key.party,
            style.dim(&short(&key.fingerprint))
        )?;
    }
    let radius = &r.radius;
    radius_lines(out, style, radius)?;
    if !radius.users_exposed.is_empty() {
        let names = wrap(&radius.users_exposed.join(" "), width() - 19);
        for (i, line) in names.iter().enumerate() {
            let label = if i == 0 { "exposed users" } else { "" };
            writeln!(out, "{INDENT}  {label:<13}  {line}")?;
        }
    }
    if let Some(path) = &r.out {
        writeln!(out, "{INDENT}  plaintexts     {}", path.display())?;
    }
    for timeline in &radius.timelines {
        writeln!(out)?;
        timeline_lines(out, style, timeline)?;
    }
    Ok(())
}

/// The closing table of the forward-secrecy demo: per design, the victim's messages
/// before and after T, and everyone else's.
fn exposure(
    out: &mut impl Write,
    style: &Style,
    victim: &str,
    t: u64,
    rows: &[ExposureRow],
) -> io::Result<()> {
    let cell = |span: &Span| {
        let mark = if span.opened > 0 { "✓" } else { "✗" };
        let text = format!("{}/{} {mark}", span.opened, span.messages);
        let padded = format!("{text:>11}");
        if span.opened > 0 {
            style.open(&padded)
        } else {
            style.sealed(&padded)
        }
    };
    dim_line(
        out,
        style,
        &format!(
            "{:<16}{:<20}{:>11}{:>11}{:>11}",
            "design",
            "stolen",
            format!("{victim} ≤{t}"),
            format!("{victim} >{t}"),
            "others"
        ),
    )?;
    for row in rows {
        writeln!(
            out,
            "{INDENT}{:<16}{:<20}{}{}{}",
            row.scheme,
            row.compromise,
            cell(&row.before),
            cell(&row.after),
            cell(&row.others)
        )?;
    }
    dim_line(
        out,
        style,
        &format!("opened/recorded: {victim}'s messages up to t={t}, after it, and everyone else's"),
    )
}

/// Who can read what: a row per party, a column per user, each cell a share of that
/// user's messages. Digits carry the meaning, colour only underlines it.
fn matrix(out: &mut impl Write, style: &Style, m: &Matrix) -> io::Result<()> {
    const CELL: usize = 7;
    let label = m
        .rows
        .iter()
        .map(|r| r.name.chars().count())
        .max()
        .unwrap_or(0)
        .max(8);
    writeln!(
        out,
        "{INDENT}{}",
        style.bold(&format!(
            "who can read what ({}): share of each user's messages",
            m.design
        ))
    )?;
    let mut header = format!("{:<label$}", "");
    for user in &m.users {
        let short: String = user.chars().take(CELL - 1).collect();
        header.push_str(&format!("{short:>CELL$}"));
    }
    writeln!(out, "{INDENT}{}", style.dim(&header))?;
    for row in &m.rows {
        let mut line = format!("{:<label$}", row.name);
        let watcher = row.kind != "user";
        for cell in &row.cells {
            let text = if cell.messages == 0 {
                format!("{:>CELL$}", "")
            } else if cell.readable == 0 {
                format!("{:>CELL$}", "-")
            } else {
                format!("{:>w$}%", cell.percent(), w = CELL - 1)
            };
            line.push_str(&if watcher && cell.readable > 0 {
                style.open(&text)
            } else if cell.readable == 0 {
                style.dim(&text)
            } else {
                text
            });
        }
        writeln!(out, "{INDENT}{line}")?;
    }
    Ok(())
}

fn log(out: &mut impl Write, style: &Style, entries: &[LogEntry]) -> io::Result<()> {
    writeln!(out, "{INDENT}{}", style.bold("the authority's access log"))?;
    if entries.is_empty() {
        return writeln!(out, "{INDENT}  (empty)");
    }
    writeln!(
        out,
        "{INDENT}  {}",
        style.dim(&format!(
            "{:>6}  {:<16} {:<12} {}",
            "t", "by", "target", "warrant"
        ))
    )?;
    for e in entries {
        let warrant = match &e.warrant {
            Some(w) => w.clone(),
            None => style.open("NONE ✗"),
        };
        writeln!(
            out,
            "{INDENT}  {:>6}  {:<16} {:<12} {warrant}",
            e.t, e.by, e.target
        )?;
    }
    Ok(())
}

/// What one stolen device exposed of its owner's messages, before and after the theft.
fn timeline_lines(out: &mut impl Write, style: &Style, tl: &Timeline) -> io::Result<()> {
    let user = &tl.user;
    writeln!(
        out,
        "{INDENT}{}",
        style.bold(&format!("{user}'s device, stolen just after t={}", tl.t))
    )?;
    writeln!(
        out,
        "{INDENT}  before T       {} of {} of {user}'s messages  {}",
        tl.before.opened,
        tl.before.messages,
        style.mark(tl.before.opened > 0)
    )?;
    writeln!(
        out,
        "{INDENT}  after T        {} of {}  {}",
        tl.after.opened,
        tl.after.messages,
        style.mark(tl.after.opened > 0)
    )?;
    let healed = match (tl.healed_at, tl.last_opened_after) {
        (Some(at), Some(last)) => format!("from t={at} on (the last open message: t={last})"),
        (Some(at), None) => format!("from t={at} on: nothing after T opened"),
        (None, _) if tl.after.messages == 0 => "no messages after T".to_owned(),
        (None, _) => "never, within the recording".to_owned(),
    };
    writeln!(out, "{INDENT}  healed         {healed}")?;
    if tl.other_users_opened > 0 {
        writeln!(
            out,
            "{INDENT}  others          {} messages not involving {user} opened too",
            tl.other_users_opened
        )?;
    }
    writeln!(
        out,
        "{INDENT}  {}",
        style.dim(&format!(
            "{:<10} {:>9} {:>9} {:>10} {:>12}",
            "peer", "before T", "after T", "last open", "healed from"
        ))
    )?;
    let at = |t: Option<u64>| t.map_or_else(|| "-".to_owned(), |t| format!("t={t}"));
    for p in &tl.peers {
        writeln!(
            out,
            "{INDENT}  {:<10} {:>9} {:>9} {:>10} {:>12}",
            p.peer,
            format!("{}/{}", p.before.opened, p.before.messages),
            format!("{}/{}", p.after.opened, p.after.messages),
            at(p.last_opened_after),
            at(p.healed_at)
        )?;
    }
    let cells: String = tl
        .strip
        .iter()
        .map(|span| match (span.messages, span.opened) {
            (0, _) => ' ',
            (_, 0) => '·',
            (m, o) if o == m => '█',
            (m, o) if o * 2 >= m => '▆',
            _ => '▃',
        })
        .collect();
    writeln!(out, "{INDENT}  open over time [{cells}]")?;
    let slot = tl.strip_slice_of(tl.t);
    writeln!(
        out,
        "{INDENT}  {}{}",
        " ".repeat("open over time [".len() + slot),
        style.dim(&format!("^ T={}", tl.t))
    )?;
    writeln!(
        out,
        "{INDENT}  {}",
        style.dim("(a cell per slice of time: █ all open, ▆ half or more, ▃ some, · none)")
    )
}

/// `doormat attack brute-force`: the search and its extrapolation.
pub fn brute_force(out: &mut impl Write, style: &Style, r: &BruteForceReport) -> io::Result<()> {
    writeln!(
        out,
        "{} {}, {} secret bits",
        style.bold("brute force: message"),
        r.id,
        r.bits
    )?;
    if let Some(escrowed) = r.escrowed_bits {
        writeln!(
            out,
            "{INDENT}escrowed       {escrowed} more bits, read from the workfactor reduction field"
        )?;
    }
    writeln!(
        out,
        "{INDENT}key space      {} keys",
        group_digits(1u64 << r.bits)
    )?;
    writeln!(
        out,
        "{INDENT}tried          {} keys",
        group_digits(r.keys_tried)
    )?;
    match &r.text {
        Some(text) => writeln!(
            out,
            "{INDENT}found          {}  \"{text}\"",
            style.mark(true)
        )?,
        None if !r.complete => writeln!(
            out,
            "{INDENT}found          {}  not among the keys of this timed sample",
            style.mark(false)
        )?,
        None => writeln!(
            out,
            "{INDENT}found          {}  no key opens it (tampered, or not text?)",
            style.mark(false)
        )?,
    }
    writeln!(
        out,
        "{INDENT}took           {:.2} s ({} keys/s, {} threads)",
        r.seconds,
        group_digits(r.keys_per_second as u64),
        r.threads
    )?;
    writeln!(out, "{INDENT}method         {}", r.method.describe())?;
    if r.method != SearchMethod::FullOpen {
        writeln!(
            out,
            "{INDENT}full opens     {} keys passed the one-block filter",
            group_digits(r.filter_passed)
        )?;
    }
    writeln!(
        out,
        "{INDENT}{}",
        style.dim("at this rate, one message takes on average:")
    )?;
    for e in &r.extrapolation {
        writeln!(
            out,
            "{INDENT}  {:>3} bits     {}",
            e.bits,
            duration(e.average_seconds)
        )?;
    }
    // Side by side, at the same rate: what Notes' real key left the agency and everyone.
    if let Some(escrowed) = r.escrowed_bits {
        let at = |bits: u32| {
            r.extrapolation
                .iter()
                .find(|e| e.bits == bits)
                .map_or_else(|| "-".to_owned(), |e| duration(e.average_seconds))
        };
        let (notes, agency) = (64, 64 - escrowed);
        writeln!(
            out,
            "{INDENT}{}",
            style.dim(&format!(
                "Lotus Notes ({notes}-bit keys, {escrowed} bits escrowed), at this rate:"
            ))
        )?;
        writeln!(
            out,
            "{INDENT}  the agency     {agency} bits, {}",
            at(agency)
        )?;
        writeln!(out, "{INDENT}  everyone else  {notes} bits, {}", at(notes))?;
    }
    Ok(())
}

/// `doormat attack leaf-forgery`: Blaze's attack, measured.
pub fn leaf_forgery(out: &mut impl Write, style: &Style, r: &ForgeryReport) -> io::Result<()> {
    writeln!(
        out,
        "{}",
        style.bold(&format!("LEAF forgery (Blaze, 1994): {} trials", r.trials))
    )?;
    writeln!(
        out,
        "{INDENT}random LEAFs tried until the receiver's 16-bit check passed:"
    )?;
    writeln!(
        out,
        "{INDENT}  mean {} (expected {}, standard error {}), min {}, max {}",
        group_digits(r.mean_tries.round() as u64),
        group_digits(r.expected_tries),
        group_digits(r.standard_error.round() as u64),
        group_digits(r.min_tries),
        group_digits(r.max_tries)
    )?;
    let recovered = if r.escrow_recovered > 0 {
        style.mark(true)
    } else {
        style.sealed("✗ garbage")
    };
    writeln!(
        out,
        "{INDENT}escrow agents recovered the key     {} of {}  {recovered}",
        r.escrow_recovered, r.trials
    )?;
    writeln!(
        out,
        "{INDENT}rogue pair's messages still opened  {} of {}",
        r.conversation_worked, r.trials
    )?;
    writeln!(
        out,
        "{INDENT}honest device's LEAF, same key      {} of {} opened by the agents  {}",
        r.honest_recovered,
        r.trials,
        style.mark(r.honest_recovered > 0)
    )?;
    writeln!(out, "{INDENT}took {:.2} s", r.seconds)
}

/// `doormat attack leaf-metadata`: what the family key alone reveals.
pub fn leaf_metadata(out: &mut impl Write, style: &Style, r: &MetadataReport) -> io::Result<()> {
    writeln!(
        out,
        "{}",
        style.bold(&format!(
            "family key alone: {} of {} LEAFs read, {} devices identified",
            r.leafs_read,
            r.messages_total,
            r.devices.len()
        ))
    )?;
    writeln!(
        out,
        "{INDENT}{}",
        style.dim("unit id      messages  sent as")
    )?;
    for d in &r.devices {
        writeln!(
            out,
            "{INDENT}{:08x}  {:>10}  {}",
            d.unit_id,
            d.messages,
            d.senders.join(", ")
        )?;
    }
    writeln!(
        out,
        "{INDENT}{}",
        style.dim("who talks to whom (by device):")
    )?;
    for c in &r.contacts {
        writeln!(
            out,
            "{INDENT}{:08x} ↔ {:08x}  {} messages",
            c.units[0], c.units[1], c.messages
        )?;
    }
    Ok(())
}

/// `doormat attack dual-ec`: what the backdoor predicted.
pub fn dual_ec(out: &mut impl Write, style: &Style, r: &DualEcReport) -> io::Result<()> {
    writeln!(
        out,
        "{}",
        style.bold(&format!(
            "{}'s d: {} of {} messages opened ({:.0}%)",
            r.holder,
            r.messages_opened,
            r.messages_total,
            r.radius.percent_opened()
        ))
    )?;
    if !r.fits {
        writeln!(
            out,
            "{INDENT}d·Q ≠ P for the Q in these devices: this backdoor predicts nothing here"
        )?;
        writeln!(
            out,
            "{INDENT}{}",
            style.dim("(someone replaced Q, as at Juniper; only their d fits now)")
        )?;
    } else {
        writeln!(
            out,
            "{INDENT}generator states recovered  {} (one per sender)",
            r.states_recovered
        )?;
        writeln!(
            out,
            "{INDENT}x-coordinates tried         {} (of 65,536 per search)",
            group_digits(r.candidates_tried)
        )?;
        writeln!(
            out,
            "{INDENT}false states                {} (passed the 16-bit check, failed the full one)",
            r.false_states
        )?;
    }
    writeln!(out, "{INDENT}took {:.2} s", r.seconds)
}

/// `doormat bench`: every table of the benchmark.
pub fn bench_report(out: &mut impl Write, style: &Style, r: &BenchReport) -> io::Result<()> {
    let m = &r.machine;
    writeln!(
        out,
        "{} {}, {} cores, {} {} (doormat {})",
        style.bold("doormat bench:"),
        m.cpu,
        m.cores,
        m.os,
        m.arch,
        m.doormat
    )?;
    for line in wrap(&format!("method: {}", r.method), width() - 2) {
        writeln!(out, "{INDENT}{}", style.dim(&line))?;
    }
    for backend in &r.backends {
        let rows: Vec<_> = r.schemes.iter().filter(|s| s.backend == *backend).collect();
        writeln!(out)?;
        writeln!(
            out,
            "{}",
            style.bold(&format!(
                "per message (200 B, one recipient, RSA-2048), backend {}",
                backend.name()
            ))
        )?;
        dim_line(
            out,
            style,
            &format!(
                "{:<15}{:>9}{:>7}{:>9}{:>10}{:>8}{:>7}",
                "design", "send µs", "×none", "read µs", "escrow µs", "bytes", "×none"
            ),
        )?;
        for row in rows {
            let escrow = row
                .escrow_read_us
                .map_or_else(|| "-".to_owned(), |us| format!("{us:.0}"));
            writeln!(
                out,
                "{INDENT}{:<15}{:>9.0}{:>7.2}{:>9.0}{:>10}{:>8}{:>7.2}",
                row.scheme.as_str(),
                row.send_us,
                row.send_ratio,
                row.read_us,
                escrow,
                row.bytes,
                row.bytes_ratio
            )?;
        }
    }
    writeln!(out)?;
    writeln!(out, "{}", style.bold("primitives, one thread"))?;
    let mut operations: Vec<&str> = Vec::new();
    for p in &r.primitives {
        if !operations.contains(&p.operation.as_str()) {
            operations.push(&p.operation);
        }
    }
    let header: String = r
        .backends
        .iter()
        .map(|b| format!("{:>12}", b.name()))
        .collect();
    dim_line(out, style, &format!("{:<36}{header}", "operation"))?;
    for operation in operations {
        let cells: String = r
            .backends
            .iter()
            .map(|b| {
                r.primitives
                    .iter()
                    .find(|p| p.backend == *b && p.operation == operation)
                    .map_or_else(
                        || format!("{:>12}", "-"),
                        |p| format!("{:>12}", group_digits(p.per_second.round() as u64)),
                    )
            })
            .collect();
        writeln!(out, "{INDENT}{:<36}{cells} /s", operation)?;
    }
    for backend in &r.backends {
        dim_line(
            out,
            style,
            &format!("{}: {}", backend.name(), backend.description()),
        )?;
    }
    dim_line(
        out,
        style,
        &format!(
            "{:<36}{:>12}{:>12}",
            "AES-256-GCM (aes-gcm 0.10)", "seal", "open"
        ),
    )?;
    for a in &r.aead {
        writeln!(
            out,
            "{INDENT}{:<36}{:>12}{:>12} MB/s",
            format!("{} B messages", a.message_bytes),
            group_digits(a.seal_mb_per_second.round() as u64),
            group_digits(a.open_mb_per_second.round() as u64)
        )?;
    }
    writeln!(out)?;
    writeln!(
        out,
        "{}",
        style.bold(&format!("golden-key against none, {}", r.preferred.name()))
    )?;
    dim_line(
        out,
        style,
        &format!(
            "{:<26}{:>9}{:>11}{:>7}{:>8}{:>9}{:>7}",
            "", "none µs", "golden µs", "×", "none B", "golden B", "×"
        ),
    )?;
    for s in &r.sizes {
        writeln!(
            out,
            "{INDENT}{:<26}{:>9.0}{:>11.0}{:>7.2}{:>8}{:>9}{:>7.2}",
            format!("message of {} B", s.message_bytes),
            s.none_send_us,
            s.golden_send_us,
            s.send_ratio,
            s.none_bytes,
            s.golden_bytes,
            s.bytes_ratio
        )?;
    }
    for k in &r.keying {
        writeln!(
            out,
            "{INDENT}{:<26}{:>9.1}{:>11.1}{:>7.2}{:>8.0}{:>9.0}{:>7.2}",
            format!("keying {}", k.keying),
            k.none_send_us,
            k.golden_send_us,
            k.send_ratio,
            k.none_bytes,
            k.golden_bytes,
            k.bytes_ratio
        )?;
    }
    writeln!(out)?;
    writeln!(out, "{}", style.bold("mass recovery with the escrow key"))?;
    dim_line(
        out,
        style,
        &format!(
            "{:<12}{:<22}{:>8}{:>11}{:>14}",
            "backend", "keying", "threads", "envelopes", "messages/s"
        ),
    )?;
    for row in &r.recovery {
        writeln!(
            out,
            "{INDENT}{:<12}{:<22}{:>8}{:>11}{:>14}",
            row.backend.name(),
            row.keying,
            row.threads,
            row.envelopes,
            group_digits(row.messages_per_second.round() as u64)
        )?;
    }
    writeln!(out)?;
    let b = &r.brute_force;
    writeln!(
        out,
        "{}",
        style.bold("brute force of a short key, against its bound")
    )?;
    writeln!(out, "{INDENT}{}", style.dim(&b.method_description))?;
    if b.kernel_bounds.len() > 1 {
        // Which kernel is fastest is measured, not assumed: the bound is the best.
        dim_line(
            out,
            style,
            &format!("{:<28}{:>18}", "kernel", "bound, 1 thread"),
        )?;
        for kernel in &b.kernel_bounds {
            writeln!(
                out,
                "{INDENT}{:<28}{:>18}",
                kernel.method.name(),
                group_digits(kernel.keys_per_second.round() as u64)
            )?;
        }
    }
    dim_line(
        out,
        style,
        &format!(
            "{:<10}{:>18}{:>18}{:>10}",
            "threads", "bound keys/s", "search keys/s", "share"
        ),
    )?;
    for row in &b.rows {
        writeln!(
            out,
            "{INDENT}{:<10}{:>18}{:>18}{:>9.0}%",
            row.threads,
            group_digits(row.bound_keys_per_second.round() as u64),
            group_digits(row.search_keys_per_second.round() as u64),
            row.share_of_bound * 100.0
        )?;
    }
    writeln!(
        out,
        "{INDENT}{:<28}{:.2}x one thread",
        "scaling to every core", b.scaling
    )?;
    writeln!(
        out,
        "{INDENT}{:<28}{} on average",
        "a 32-bit key (TEA1)",
        crate::demo::duration(b.average_seconds_32_bits)
    )?;
    writeln!(
        out,
        "{INDENT}{:<28}{} keys/s (a full AES-GCM open per key)",
        "without the filter",
        group_digits(b.full_open_keys_per_second.round() as u64)
    )?;
    writeln!(out)?;
    let d = &r.dual_ec;
    writeln!(
        out,
        "{}",
        style.bold("Dual_EC state recovery with d, against its bound")
    )?;
    writeln!(
        out,
        "{INDENT}{}",
        style.dim("bound: two P-256 multiplications per point on the curve, nothing else")
    )?;
    writeln!(
        out,
        "{INDENT}{:<28}{} a second on {} threads",
        "scalar multiplications",
        group_digits(d.scalar_mults_per_second.round() as u64),
        d.threads
    )?;
    writeln!(
        out,
        "{INDENT}{:<28}{} tried, {} on the curve, {} states",
        "x-coordinates",
        group_digits(d.candidates_tried),
        group_digits(d.points_on_curve),
        d.states
    )?;
    writeln!(
        out,
        "{INDENT}{:<28}{:.2} s, bound {:.2} s: {:.0}% of the bound",
        "searches took",
        d.seconds,
        d.bound_seconds,
        d.share_of_bound * 100.0
    )?;
    writeln!(
        out,
        "{INDENT}{:<28}{:.2} s per state",
        "one device's future", d.seconds_per_state
    )?;
    dim_line(out, style, &format!("took {:.1} s", r.seconds))
}

/// `doormat scale`: the projection and its arithmetic.
pub fn scale_report(out: &mut impl Write, style: &Style, r: &ScaleReport) -> io::Result<()> {
    let i = &r.inputs;
    writeln!(
        out,
        "{} {} messages a day",
        style.bold("doormat scale:"),
        group_digits(i.messages_per_day.round() as u64)
    )?;
    dim_line(out, style, &format!("rates: {}", i.rates_from))?;
    for (flag, value) in [
        ("--rsa-per-second", i.rsa_decrypts_per_core_second),
        ("--aes-per-second", i.aes_opens_per_core_second),
        ("--trials-per-second", i.key_trials_per_core_second),
    ] {
        writeln!(
            out,
            "{INDENT}  {flag:<22}{:>14} per core-second",
            group_digits(value.round() as u64)
        )?;
    }
    writeln!(out)?;
    writeln!(
        out,
        "{}",
        style.bold("one day of traffic, opened with a leaked escrow key")
    )?;
    for line in &r.escrow {
        writeln!(out, "{INDENT}{}", line.keying)?;
        for text in wrap(&line.arithmetic, width() - 6) {
            writeln!(out, "{INDENT}    {text}")?;
        }
        let money = line
            .usd
            .map_or_else(String::new, |usd| format!(", ${}", dollars(usd)));
        writeln!(
            out,
            "{INDENT}    = {} core-hours{money}; {} cores keep up with the traffic",
            group_digits(line.core_hours.round() as u64),
            group_digits(line.cores_to_keep_up.ceil() as u64)
        )?;
    }
    writeln!(out)?;
    writeln!(
        out,
        "{}",
        style.bold("brute-forcing short keys: on average half the key space per key")
    )?;
    dim_line(
        out,
        style,
        &format!(
            "{:<6}{:>14}{:>21}{:>21}",
            "bits", "one key", "a day's msg keys", "a day's sess. keys"
        ),
    )?;
    for b in &r.brute_force {
        writeln!(
            out,
            "{INDENT}{:<6}{:>14}{:>21}{:>21}",
            b.bits,
            duration(b.core_seconds_per_key),
            format!("{} core-h", sci(b.core_hours_per_day_per_message)),
            format!("{} core-h", sci(b.core_hours_per_day_per_session))
        )?;
    }
    dim_line(
        out,
        style,
        &format!(
            "per key: 2^(bits-1) trials / {} trials per core-second, on one core",
            group_digits(i.key_trials_per_core_second.round() as u64)
        ),
    )?;
    if i.usd_per_core_hour.is_none() {
        writeln!(
            out,
            "{INDENT}{}",
            style.dim("add --usd-per-core-hour PRICE to see the cost in dollars")
        )?;
    }
    Ok(())
}

/// `doormat exercise new`: where the bundles and the grading file are.
pub fn exercise_summary(out: &mut impl Write, s: &ExerciseSummary) -> io::Result<()> {
    let seed = s.seed;
    writeln!(
        out,
        "exercise {} for {} students written to {}",
        s.exercise.as_str(),
        s.students.len(),
        s.out.display()
    )?;
    writeln!(out, "{INDENT}class          {}", s.class_id)?;
    writeln!(
        out,
        "{INDENT}bundles        {}/STUDENT/ (hand out each folder)",
        s.out.display()
    )?;
    for (i, r) in s.renamed.iter().enumerate() {
        let label = if i == 0 { "folders" } else { "" };
        writeln!(out, "{INDENT}{label:<15}{:?} is in {}/", r.name, r.folder)?;
    }
    writeln!(
        out,
        "{INDENT}grading        {} (keep it: it makes every flag)",
        s.grading.display()
    )?;
    writeln!(
        out,
        "{INDENT}check          doormat exercise check --key {} --csv submissions.csv",
        s.grading.display()
    )?;
    if let Some(seed) = seed {
        writeln!(
            out,
            "{INDENT}seeded ({seed}): anyone with the seed can make every flag; for trying out only"
        )?;
    }
    writeln!(out, "{INDENT}took           {:.1} s", s.seconds)
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
        Verdict::Missing => "– no answer".to_owned(),
    };
    writeln!(out, "{student}: {text}")
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
    let name_width = rows
        .iter()
        .map(|r| r.student.len())
        .max()
        .unwrap_or(7)
        .max(7);
    for row in rows {
        write!(out, "{INDENT}{:<name_width$}  ", row.student)?;
        let text = match &row.verdict {
            Verdict::Right => style.sealed("✓ right"),
            Verdict::Wrong => style.open("✗ wrong"),
            Verdict::AnotherStudentsFlag(other) => style.open(&format!("✗ {other}'s flag")),
            Verdict::Missing => "– no answer".to_owned(),
        };
        writeln!(out, "{text}")?;
    }
    let count = |f: &dyn Fn(&Verdict) -> bool| rows.iter().filter(|r| f(&r.verdict)).count();
    writeln!(
        out,
        "{INDENT}{} right, {} wrong ({} another student's flag), {} no answer, of {}",
        count(&|v| *v == Verdict::Right),
        count(&|v| matches!(v, Verdict::Wrong | Verdict::AnotherStudentsFlag(_))),
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
    if usd.is_finite() && usd < 1e15 {
        group_digits(usd.round() as u64)
    } else {
        format!("{usd:.2e}")
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

/// Greedy word wrap.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
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
fn catalogue(out: &mut impl Write, _: &Style, c: &Catalogue) -> io::Result<()> {
    let w = c
        .demos
        .iter()
        .map(|d| d.name.chars().count())
        .max()
        .unwrap_or(0);
    for demo in &c.demos {
        let lines = wrap(&demo.summary, width().saturating_sub(w + 2).max(20));
        for (i, line) in lines.iter().enumerate() {
            let name = if i == 0 { demo.name.as_str() } else { "" };
            writeln!(out, "{name:<w$}  {line}")?;
        }
    }
    Ok(())
}

/// `doormat attack evade` and `collide`: the image made, and the trials.
pub fn image_attack(out: &mut impl Write, style: &Style, r: &ImageAttackReport) -> io::Result<()> {
    let evading = r.attack == Attack::Evade;
    if let Some(m) = &r.made {
        let from = m.from.display();
        let title = if evading {
            format!(
                "PDQ evasion: {} looks like {from}; the list misses it",
                m.out.display()
            )
        } else {
            let target = m.target.as_deref().unwrap_or(std::path::Path::new("?"));
            format!(
                "PDQ collision: {} looks like {from}; the list takes it for {}",
                m.out.display(),
                target.display()
            )
        };
        writeln!(out, "{}", style.bold(&title))?;
        let aim = if evading {
            "its original"
        } else {
            "the target"
        };
        let verdict = match (m.success, evading) {
            (true, true) => style.open("✓ evaded"),
            (true, false) => style.open("✓ matches"),
            (false, _) => style.sealed("✗ failed"),
        };
        writeln!(
            out,
            "{INDENT}distance  {:>3} bits from {aim}'s hash (a match: {} or less)  {verdict}",
            m.distance, r.threshold
        )?;
        writeln!(
            out,
            "{INDENT}PSNR      {} against {from} (30 dB and above: hard to see)",
            decibels(m.psnr_db)
        )?;
        writeln!(out, "{INDENT}took      {:.2} s", m.seconds)?;
    }
    if let Some(t) = &r.trials {
        let side = crate::attacks::perceptual::TRIAL_SIDE;
        let what = if evading { "evaded" } else { "matched" };
        writeln!(
            out,
            "{}",
            style.bold(&format!(
                "over {} generated {side}x{side} pictures:",
                t.trials
            ))
        )?;
        writeln!(
            out,
            "{INDENT}{what:<9} {} of {} ({:.1}%); PSNR min {}, mean {}",
            t.successes,
            t.trials,
            100.0 * t.success_rate,
            decibels(t.min_psnr_db),
            decibels(t.mean_psnr_db)
        )?;
        writeln!(
            out,
            "{INDENT}time      mean {:.2} s, max {:.2} s a picture",
            t.mean_seconds, t.max_seconds
        )?;
        let literature = if evading {
            "Jain, Creţu and de Montjoye (USENIX Security 2022): over 99.9% evade PDQ"
        } else {
            "NeuralHash: the first forged collision within about two weeks (Aug 2021)"
        };
        writeln!(out, "{INDENT}{}", style.dim(literature))?;
    }
    Ok(())
}

fn decibels(db: f64) -> String {
    if db.is_finite() {
        format!("{db:.1} dB")
    } else {
        "identical".to_owned()
    }
}

/// `doormat attack poison`: who the list authority learns about.
pub fn poison(out: &mut impl Write, style: &Style, r: &PoisonReport) -> io::Result<()> {
    let name = r
        .picture
        .as_deref()
        .map(|p| format!(" ({p})"))
        .unwrap_or_default();
    writeln!(
        out,
        "{}",
        style.bold(&format!(
            "list poisoned with {}{name}: {} reports, {} users exposed",
            r.image.display(),
            r.reports,
            r.reported_users.len()
        ))
    )?;
    writeln!(
        out,
        "{INDENT}hash {} added; the list now holds {} entries",
        &r.hash.to_hex()[..16],
        r.list_entries
    )?;
    writeln!(
        out,
        "{INDENT}{} sent images scanned again, as the phones would after the update",
        r.images_scanned
    )?;
    if !r.matches.is_empty() {
        writeln!(
            out,
            "{INDENT}{}",
            style.dim("t      message  sender    distance")
        )?;
    }
    for m in &r.matches {
        let mark = if m.true_match {
            style.open("✓ shared it")
        } else {
            style.sealed("✗ false report")
        };
        writeln!(
            out,
            "{INDENT}{:<6} {:<8} {:<9} {:>3}  {mark}",
            m.t, m.id, m.sender, m.distance
        )?;
    }
    writeln!(
        out,
        "{INDENT}reported  {}",
        if r.reported_users.is_empty() {
            "no one".to_owned()
        } else {
            r.reported_users.join(", ")
        }
    )?;
    writeln!(out, "{INDENT}false reports  {}", r.false_reports)?;
    if let Some(t) = &r.trials {
        writeln!(
            out,
            "{}",
            style.bold(&format!(
                "over {} generated pictures added one at a time:",
                t.trials
            ))
        )?;
        writeln!(
            out,
            "{INDENT}caught and nothing else  {} of {} ({:.1}%); false reports {}",
            t.successes,
            t.trials,
            100.0 * t.success_rate,
            t.false_reports
        )?;
        writeln!(
            out,
            "{INDENT}{}",
            style
                .dim("Hooda et al. 2022: poisoning 5% of the list, over 40% physical surveillance")
        )?;
    }
    writeln!(out, "{INDENT}took {:.2} s", r.seconds)
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
    Catalogue => catalogue;
    SimulateSummary => simulate_summary;
    RecoverReport => recover_report;
    BruteForceReport => brute_force;
    ForgeryReport => leaf_forgery;
    MetadataReport => leaf_metadata;
    DualEcReport => dual_ec;
    ImageAttackReport => image_attack;
    PoisonReport => poison;
    Comparison => comparison_report;
    DemoRun => demo_run;
    BenchReport => bench_report;
    ScaleReport => scale_report;
    Grades => grades;
    StudentVerdict => verdict;
}

impl super::Report for ExerciseSummary {
    fn write_text(&self, mut out: &mut dyn Write, _: &Style) -> io::Result<()> {
        exercise_summary(&mut out, self)
    }
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
}
