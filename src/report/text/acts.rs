//! Text of a demo (its header, acts and blocks) and of the world commands: simulate,
//! recover, compare.

use super::*;
use crate::report::doc::{Doc, Run};
use crate::report::ShownMatrices;
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

/// Prints an act. A matrix identical to the last of its design `shown` before is one
/// line: on a projector, the change is the news.
pub fn act(
    out: &mut impl Write,
    style: &Style,
    act: &Act,
    shown: &ShownMatrices,
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
        match block {
            Block::Matrix { matrix } => match shown.last(&matrix.design) {
                Some((number, last)) if last == matrix => dim_line(
                    out,
                    style,
                    &format!("who can read what: unchanged since act {number}"),
                )?,
                _ => self::block(out, style, block)?,
            },
            _ => self::block(out, style, block)?,
        }
    }
    Ok(())
}

/// Writes a demo's acts one after another, remembering the last matrix of each design
/// shown in full so that an unchanged one takes one line.
#[derive(Debug, Default)]
pub struct ActWriter {
    shown: ShownMatrices,
}

impl ActWriter {
    /// Writes `act`, one line in place of a matrix unchanged since the last one of its
    /// design shown.
    pub fn write(&mut self, out: &mut impl Write, style: &Style, act: &Act) -> io::Result<()> {
        self::act(out, style, act, &self.shown)?;
        self.shown.record(act.number, &act.blocks);
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
            // Long values wrap under themselves, so the labels stay a column. The mark
            // ("  ✗ sealed") shares the last line, so it takes room too.
            let mut table =
                Table::new(INDENT, vec![Column::left(), Column::left()]).wrap_last(width(), 20);
            for fact in facts {
                let (label, value) = crate::report::facts::said(&fact.said);
                let value = if fact.is_measured() {
                    format!("{value} {}", words::MEASURED_HERE)
                } else {
                    value
                };
                let mark = fact
                    .open
                    .map(|o| format!("  {}", style.mark(o)))
                    .unwrap_or_default();
                let room = if fact.open.is_some() { 10 } else { 0 };
                table.row_with(vec![label.into(), value.into()], &mark, room);
            }
            table.write(out, style)?;
        }
        Block::Parties { parties } => {
            // Columns as wide as their widest entry; "holds" wraps in what is left.
            let mut table = Table::new(
                INDENT,
                vec![
                    Column::left(),
                    Column::left(),
                    Column::left(),
                    Column::left(),
                ],
            )
            .wrap_last(width(), 16);
            table.header(&["party", "role", "key", "holds"]);
            for p in parties {
                let key = crate::report::facts::party_key(&p.key);
                let key = if key.is_empty() { "-".to_owned() } else { key };
                table.row(vec![
                    p.name.as_str().into(),
                    p.role.as_str().into(),
                    key.into(),
                    crate::report::facts::party_holds(&p.holds).into(),
                ]);
            }
            table.write(out, style)?;
        }
        Block::Envelope { envelope: e } => envelope(out, style, e.as_deref())?,
        Block::Radius {
            label,
            holding,
            design,
            scope,
            radius,
        } => {
            let holding = crate::report::facts::holdings(holding);
            let heading = words::radius_heading(label, &holding, design.as_deref(), *scope);
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
            // Numbered as the acts cite them; the numbers take the same width. Within 79
            // columns, as the sources always were.
            let w = sources.len().to_string().len() + 2;
            let mut table = Table::new(
                INDENT,
                vec![Column::right().width(w), Column::left().gap(1)],
            )
            .wrap_last(width() - 1, 1);
            for (n, source) in sources.iter().enumerate() {
                table.row(vec![
                    format!("[{}]", n + 1).into(),
                    Cell::painted(source.as_str(), Paint::Dim),
                ]);
            }
            table.write(out, style)?;
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
    let mut table = Table::new(
        &format!("{INDENT}  "),
        vec![Column::left().width(16), Column::left().gap(1)],
    );
    let field = |label: &str, bytes: &[u8]| -> Vec<Cell> {
        let shown: String = b64(bytes).chars().take(24).collect();
        let length = style.dim(&format!("{} bytes", bytes.len()));
        vec![label.into(), format!("{shown}...  {length}").into()]
    };
    table.row(field("nonce", &e.nonce));
    table.row(field("ct", &e.ct));
    for (name, wrapped) in &e.wrapped {
        table.row(field(&format!("wrapped.{name}"), wrapped));
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
            table.row(field(label, bytes));
        }
    }
    for (name, entry) in &e.ratchet {
        let dh: String = b64(&entry.header.dh).chars().take(12).collect();
        let x3dh = if entry.x3dh.is_some() { "  + x3dh" } else { "" };
        table.row(vec![
            format!("ratchet.{name}").into(),
            format!(
                "dh {dh}...  pn {}  n {}{x3dh}",
                entry.header.pn, entry.header.n
            )
            .into(),
        ]);
        table.row(field(&format!("ratchet.{name}.key"), &entry.key));
    }
    table.write(out, style)
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
    let mut table = Table::new(
        INDENT,
        vec![
            Column::left().min(6),
            Column::left()
                .gap(1)
                .min(10)
                .max(80usize.saturating_sub(45 + s).max(10)),
            Column::right().gap(1).width(10),
            Column::right().gap(1).width(6),
            Column::right().gap(1).width(13),
        ],
    );
    table.header(&[
        "scheme",
        "compromise",
        "messages",
        "users*",
        "conversations",
    ]);
    for row in rows {
        let (scheme, compromise) = (row.scheme.as_str().into(), row.compromise.as_str().into());
        match &row.radius {
            Some(r) => {
                let counts = words::user_counts(r);
                let mark = format!("  {}", style.mark(r.messages_opened > 0));
                table.row_with(
                    vec![
                        scheme,
                        compromise,
                        format!("{} {:>4.0}%", r.messages_opened, r.percent_opened()).into(),
                        format!("{}/{}", counts.fully_exposed, counts.total).into(),
                        format!("{}/{}", r.conversations_exposed, r.conversations_total).into(),
                    ],
                    &mark,
                    0,
                );
            }
            None => {
                table.row_then(vec![
                    scheme,
                    compromise,
                    Cell::painted("no such key exists: nothing to steal", Paint::Dim),
                ]);
            }
        }
    }
    table.write(out, style)?;
    writeln!(
        out,
        "{INDENT}{}",
        style.dim("* users every one of whose messages opened")
    )
}

/// `doormat simulate`: what was written where.
pub(crate) fn simulate_summary(_: &Style, s: &SimulateSummary) -> Doc {
    let mut doc = Doc::default();
    const W: usize = 11;
    doc.heading(vec![
        Run::bold("world written to"),
        format!(" {}", s.out.display()).into(),
    ])
    .fact("scheme", W, s.scheme.to_string())
    .fact("parties", W, s.parties.join(" "))
    .fact(
        "messages",
        W,
        format!(
            "{} in capture.jsonl ({} KiB), truth in truth.jsonl",
            s.messages,
            s.capture_bytes.div_ceil(1024)
        ),
    )
    .fact(
        "keys",
        W,
        "keys/NAME.pem (private, mode 0600), keys/NAME.pub.pem",
    );
    if let Some(seed) = s.seed {
        doc.runs(
            2,
            vec![Run::bold(format!(
                "seeded ({seed}): anyone can recompute these keys; classroom use only"
            ))],
        );
    }
    doc.fact("took", W, format!("{:.2} s", s.seconds));
    doc
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
        let paint = if span.opened > 0 {
            Paint::Open
        } else {
            Paint::Sealed
        };
        Cell::painted(format!("{}/{} {mark}", span.opened, span.messages), paint)
    };
    let mut table = Table::new(
        INDENT,
        table::fixed(&[
            (table::Align::Left, 16),
            (table::Align::Left, 20),
            (table::Align::Right, 11),
            (table::Align::Right, 11),
            (table::Align::Right, 11),
        ]),
    );
    let (before, after) = (format!("{victim} ≤{t}"), format!("{victim} >{t}"));
    table.header(&["design", "stolen", &before, &after, "others"]);
    for row in rows {
        table.row(vec![
            row.scheme.as_str().into(),
            row.compromise.as_str().into(),
            cell(&row.before),
            cell(&row.after),
            cell(&row.others),
        ]);
    }
    table.write(out, style)?;
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
    writeln!(
        out,
        "{INDENT}{}",
        style.bold(&format!(
            "who can read what ({}): share of each user's messages",
            m.design
        ))
    )?;
    let mut table = Table::new(
        INDENT,
        std::iter::once(Column::left().min(8))
            .chain(m.users.iter().map(|_| Column::right().gap(0).width(CELL)))
            .collect(),
    );
    // A name wider than its cell is cut, keeping a column between names.
    let names: Vec<&str> = std::iter::once("")
        .chain(m.users.iter().map(|user| fit(user, CELL - 1)))
        .collect();
    table.header(&names);
    for row in &m.rows {
        let watcher = row.kind != "user";
        let mut cells = vec![Cell::plain(row.name.as_str())];
        for cell in &row.cells {
            let text = if cell.messages == 0 {
                String::new()
            } else if cell.readable == 0 {
                "-".to_owned()
            } else {
                format!("{}%", cell.percent())
            };
            let paint = if watcher && cell.readable > 0 {
                Paint::Open
            } else if cell.readable == 0 {
                Paint::Dim
            } else {
                Paint::Plain
            };
            cells.push(Cell::painted(text, paint));
        }
        table.row(cells);
    }
    table.write(out, style)?;
    for row in &m.rows {
        if let Some(searched) = &row.searched {
            dim_line(out, style, &words::searched_row(&row.name, searched))?;
        }
    }
    Ok(())
}

pub(super) fn log(out: &mut impl Write, style: &Style, entries: &[LogEntry]) -> io::Result<()> {
    writeln!(out, "{INDENT}{}", style.bold("the authority's access log"))?;
    if entries.is_empty() {
        return writeln!(out, "{INDENT}  (empty)");
    }
    let mut table = Table::new(
        &format!("{INDENT}  "),
        vec![
            Column::right().width(6),
            Column::left().width(16),
            Column::left().gap(1).width(12),
            Column::left().gap(1),
        ],
    );
    table.header(&["t", "by", "target", "warrant"]);
    for e in entries {
        let warrant = match &e.warrant {
            Some(w) => Cell::plain(w.as_str()),
            None => Cell::painted("NONE ✗", Paint::Open),
        };
        table.row(vec![
            e.t.to_string().into(),
            e.by.as_str().into(),
            e.target.as_str().into(),
            warrant,
        ]);
    }
    table.write(out, style)
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
    let mut table = Table::new(
        &format!("{INDENT}  "),
        vec![
            Column::left().width(10),
            Column::right().gap(1).width(9),
            Column::right().gap(1).width(9),
            Column::right().gap(1).width(10),
            Column::right().gap(1).width(12),
        ],
    );
    table.header(&["peer", "before T", "after T", "last open", "healed from"]);
    let at = |t: Option<u64>| t.map_or_else(|| "-".to_owned(), |t| format!("t={t}"));
    for p in &tl.peers {
        table.row(vec![
            p.peer.as_str().into(),
            format!("{}/{}", p.before.opened, p.before.messages).into(),
            format!("{}/{}", p.after.opened, p.after.messages).into(),
            at(p.last_opened_after).into(),
            at(p.healed_at).into(),
        ]);
    }
    table.write(out, style)?;
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
