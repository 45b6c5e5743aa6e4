//! Text of a demo (its header, acts and blocks) and of the world commands: simulate,
//! recover, compare.

use super::*;
use crate::wire::b64;
use crate::wire::envelope::Envelope;

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
    let rule = "─".repeat(width().saturating_sub(columns(&head)));
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
    measured_on(out, style, run)
}

/// After the last act, where any figure was timed: the machine it was timed on.
pub fn measured_on(out: &mut impl Write, style: &Style, run: &DemoRun) -> io::Result<()> {
    let Some(machine) = &run.machine else {
        return Ok(());
    };
    writeln!(out)?;
    for line in wrap(&words::measured_on(machine), self::width() - INDENT.len()) {
        writeln!(out, "{INDENT}{}", style.dim(&line))?;
    }
    Ok(())
}

/// One dimmed line, indented: a table's header, or a note beside it.
pub(super) fn dim_line(out: &mut impl Write, style: &Style, text: &str) -> io::Result<()> {
    writeln!(out, "{INDENT}{}", style.dim(text))
}

pub(super) fn block(out: &mut impl Write, style: &Style, block: &Block) -> io::Result<()> {
    match block {
        Block::Facts { facts } => {
            let label_width = facts.iter().map(|f| columns(&f.label)).max().unwrap_or(0);
            let width = label_width;
            for fact in facts {
                let Fact {
                    label, value, open, ..
                } = fact;
                let measured;
                let value = if fact.is_measured() {
                    measured = format!("{value} {}", words::MEASURED_HERE);
                    &measured
                } else {
                    value
                };
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
                    writeln!(out, "{INDENT}{}  {line}{mark}", pad(label, width))?;
                }
            }
        }
        Block::Parties { parties } => {
            // Columns as wide as their widest entry; "holds" wraps in what is left.
            let col = |f: &dyn Fn(&PartyRow) -> usize, title: &str| {
                parties.iter().map(f).max().unwrap_or(0).max(title.len())
            };
            let n = col(&|p| columns(&p.name), "party");
            let r = col(&|p| columns(&p.role), "role");
            let k = col(&|p| columns(&p.key).max(1), "key");
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
                            "{INDENT}{}  {}  {}  {holds}",
                            pad(&p.name, n),
                            pad(&p.role, r),
                            pad(key, k)
                        )?;
                    } else {
                        writeln!(out, "{INDENT}{:<n$}  {:<r$}  {:<k$}  {holds}", "", "", "")?;
                    }
                }
            }
        }
        Block::Envelope { envelope: e } => envelope(out, style, e.as_deref())?,
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

pub(super) fn radius_lines(out: &mut impl Write, style: &Style, r: &BlastRadius) -> io::Result<()> {
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
pub(super) fn timing(seconds: f64, messages: u64) -> String {
    let rate = if seconds > 0.0 {
        messages as f64 / seconds
    } else {
        0.0
    };
    format!("{seconds:.2} s ({rate:.0} messages/s)")
}

pub(super) fn plaintext(out: &mut impl Write, m: &Plaintext) -> io::Result<()> {
    let head = format!("{INDENT}  {} {} → {}: ", m.id, m.from, m.to.join(","));
    let text = format!("\"{}\"", m.text);
    if columns(&head) + columns(&text) <= width() {
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
pub(super) fn envelope(
    out: &mut impl Write,
    style: &Style,
    envelope: Option<&Envelope>,
) -> io::Result<()> {
    let Some(e) = envelope else {
        return writeln!(out, "{INDENT}{}", style.dim("no envelope recorded yet"));
    };
    writeln!(
        out,
        "{INDENT}{}",
        style.bold("what the tap sees (one envelope)")
    )?;
    writeln!(
        out,
        "{INDENT}  id {}  t {}  {} → {}  scheme {}",
        e.id,
        e.t,
        e.from,
        e.to.join(","),
        e.scheme
    )?;
    // Each field as the capture spells it (base64), cut short, with its length.
    let field = |out: &mut dyn Write, label: &str, bytes: &[u8]| -> io::Result<()> {
        let shown: String = b64(bytes).chars().take(24).collect();
        writeln!(
            out,
            "{INDENT}  {} {shown}...  {}",
            pad(label, 16),
            style.dim(&format!("{} bytes", bytes.len()))
        )
    };
    field(out, "nonce", &e.nonce)?;
    field(out, "ct", &e.ct)?;
    for (name, wrapped) in &e.wrapped {
        field(out, &format!("wrapped.{name}"), wrapped)?;
    }
    // The design's own fields, as wire format v1 names them: the tap sees them too
    // (Clipper's LEAF, Lotus Notes' workfactor field, a short key's salt, Dual_EC's
    // draw).
    let own: [(&str, Option<&[u8]>); 5] = [
        ("escrow", e.escrow.as_deref()),
        ("salt", e.salt.as_deref()),
        ("leaf", e.leaf.as_deref()),
        ("rnd", e.rnd.as_ref().map(|r| r.as_slice())),
        ("wrf", e.wrf.as_deref()),
    ];
    for (label, bytes) in own {
        if let Some(bytes) = bytes {
            field(out, label, bytes)?;
        }
    }
    for (name, entry) in &e.ratchet {
        let dh: String = b64(&entry.header.dh).chars().take(12).collect();
        writeln!(
            out,
            "{INDENT}  {} dh {dh}...  pn {}  n {}{}",
            pad(&format!("ratchet.{name}"), 16),
            entry.header.pn,
            entry.header.n,
            if entry.x3dh.is_some() { "  + x3dh" } else { "" }
        )?;
        field(out, &format!("ratchet.{name}.key"), &entry.key)?;
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

pub(super) fn comparison(
    out: &mut impl Write,
    style: &Style,
    rows: &[ComparisonRow],
) -> io::Result<()> {
    // Each text column is as wide as its longest entry; the compromise column stops
    // where 80 columns would overflow (2 + s + 1 + w + 1 + 10 + 1 + 6 + 1 + 13 + 2 + 8).
    let s = rows
        .iter()
        .map(|r| columns(&r.scheme))
        .max()
        .unwrap_or(0)
        .max(6);
    let w = rows
        .iter()
        .map(|r| columns(&r.compromise))
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
                    "{INDENT}{} {} {:>10} {:>6} {:>13}  {mark}",
                    pad(&row.scheme, s),
                    pad(&row.compromise, w),
                    messages,
                    users,
                    conversations
                )?;
            }
            None => writeln!(
                out,
                "{INDENT}{} {} {}",
                pad(&row.scheme, s),
                pad(&row.compromise, w),
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
    for note in r.findings.iter().map(crate::report::words::finding) {
        for (i, line) in wrap(&note, width() - 6).into_iter().enumerate() {
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
pub(super) fn exposure(
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
pub(super) fn matrix(out: &mut impl Write, style: &Style, m: &Matrix) -> io::Result<()> {
    const CELL: usize = 7;
    let label = m
        .rows
        .iter()
        .map(|r| columns(&r.name))
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
        header.push_str(&pad_left(fit(user, CELL - 1), CELL));
    }
    writeln!(out, "{INDENT}{}", style.dim(&header))?;
    for row in &m.rows {
        let mut line = pad(&row.name, label);
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

pub(super) fn log(out: &mut impl Write, style: &Style, entries: &[LogEntry]) -> io::Result<()> {
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
pub(super) fn timeline_lines(out: &mut impl Write, style: &Style, tl: &Timeline) -> io::Result<()> {
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
