//! The third renderer: one self-contained HTML page per report, for the projector and
//! for a student's or an engineer's write-up. It reads the same values as the text
//! and `--json` renderers, so a page states exactly the numbers `--json` gives.
//!
//! What a page promises:
//! - **Self-contained.** One file: styles inline, charts as inline SVG, no script, no
//!   font, no image, no link to anything but anchors in the page. A Content Security
//!   Policy (`default-src 'none'`) makes the browser refuse any request a future change
//!   might add, and report it as an error that the browser tests catch.
//! - **Every value escaped.** Names, narration, sources and answers come from files; a
//!   party or a title holding `<script>` shows as that text. Everything written from a
//!   value goes through [`escape`]; only this module's own constant markup does not.
//! - **Legible and accessible.** Large type for a projector; colours from one blue
//!   scale (by lightness, so it reads in grey and to every common colour-vision
//!   deficiency) plus orange for "what changed", never red against green; text meets
//!   WCAG AA contrast on every fill; each chart has a `<title>`, a `<desc>` and the
//!   same numbers as a table beneath it; a print stylesheet keeps charts whole.

use std::fmt::Write as _;

use crate::attacks::timeline::Timeline;
use crate::attacks::{BlastRadius, ComparisonRow, RecoverReport};
use crate::bench::BenchReport;
use crate::compare::Comparison;
use crate::demo::{Act, Block, DemoRun, Fact, Matrix, MatrixCell};
use crate::exercise::{Grades, StudentVerdict, Verdict};
use crate::report::words;

/// A report that can be shown as a page.
pub trait HtmlReport {
    /// The page's title (the browser's tab, the top heading).
    fn html_title(&self) -> String;
    /// Writes the page's contents.
    fn write_body(&self, page: &mut Page);
}

/// The whole document for `report`.
pub fn document(report: &impl HtmlReport) -> String {
    let mut page = Page::default();
    report.write_body(&mut page);
    let title = escape(&report.html_title());
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"generator\" content=\"doormat {version}\">\n\
         <title>{title}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n\
         <h1>{title}</h1>\n{body}</main>\n<footer>Made by doormat {version}: \
         every figure on this page is in the same command's <code>--json</code>.</footer>\n\
         </body>\n</html>\n",
        version = env!("CARGO_PKG_VERSION"),
        body = page.out,
    )
}

/// `text` safe to place in HTML text or in a quoted attribute.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() && c != '\n' => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

/// The page being written: markup from this module, text escaped on the way in.
#[derive(Default)]
pub struct Page {
    out: String,
    ids: usize,
}

impl Page {
    /// Constant markup from this module.
    fn raw(&mut self, markup: &str) {
        self.out.push_str(markup);
    }

    /// An element holding escaped `text`.
    fn element(&mut self, tag: &str, class: &str, text: &str) {
        let class = if class.is_empty() {
            String::new()
        } else {
            format!(" class=\"{class}\"")
        };
        let _ = writeln!(self.out, "<{tag}{class}>{}</{tag}>", escape(text));
    }

    /// A fresh id for `aria-labelledby`.
    fn id(&mut self, what: &str) -> String {
        self.ids += 1;
        format!("{what}-{}", self.ids)
    }

    /// A table: a caption, a header row and rows of cells, every cell escaped. The
    /// first cell of each row is its header.
    fn table(&mut self, caption: &str, header: &[&str], rows: &[Vec<String>]) {
        self.raw("<table>\n");
        self.element("caption", "", caption);
        self.raw("<thead><tr>");
        for h in header {
            let _ = write!(self.out, "<th scope=\"col\">{}</th>", escape(h));
        }
        self.raw("</tr></thead>\n<tbody>\n");
        for row in rows {
            self.raw("<tr>");
            for (i, cell) in row.iter().enumerate() {
                if i == 0 {
                    let _ = write!(self.out, "<th scope=\"row\">{}</th>", escape(cell));
                } else if is_figure(cell) {
                    let _ = write!(self.out, "<td class=\"n\">{}</td>", escape(cell));
                } else {
                    let _ = write!(self.out, "<td>{}</td>", escape(cell));
                }
            }
            self.raw("</tr>\n");
        }
        self.raw("</tbody>\n</table>\n");
    }

    /// An inline SVG chart: `role="img"`, labelled by its `<title>` and described by its
    /// `<desc>`; `draw` writes the shapes.
    fn chart(
        &mut self,
        width: u32,
        height: u32,
        title: &str,
        desc: &str,
        draw: impl FnOnce(&mut String),
    ) {
        let (title_id, desc_id) = (self.id("chart-title"), self.id("chart-desc"));
        let _ = write!(
            self.out,
            "<figure>\n<figcaption>{}</figcaption>\n<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {width} {height}\" \
             width=\"{width}\" height=\"{height}\" role=\"img\" aria-labelledby=\"{title_id} {desc_id}\">\n\
             <title id=\"{title_id}\">{}</title>\n<desc id=\"{desc_id}\">{}</desc>\n",
            escape(title),
            escape(title),
            escape(desc)
        );
        draw(&mut self.out);
        self.raw("</svg>\n</figure>\n");
    }
}

/// Whether a table cell states a figure ("175 of 175 (100%)", "1.52", "–"), to be
/// right-aligned, rather than words ("3 of 5 shares").
fn is_figure(cell: &str) -> bool {
    !cell.is_empty()
        && cell.split_whitespace().all(|word| {
            word == "of"
                || word
                    .chars()
                    .all(|c| c.is_ascii_digit() || ".,%()×–-+e".contains(c))
        })
        && cell.chars().any(|c| c.is_ascii_digit() || c == '–')
}

const STYLE: &str = "
:root { --ink: #1a1a1a; --muted: #4a4a4a; --rule: #c8c8c8; --accent: #b35900; }
body { font: 20px/1.45 system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif; color: var(--ink);
  background: #ffffff; margin: 0; }
main { max-width: 68rem; margin: 0 auto; padding: 1.5rem 2rem; }
h1 { font-size: 2rem; margin: 0.5rem 0 1rem; }
h2 { font-size: 1.5rem; margin: 2.5rem 0 0.5rem; border-top: 3px solid var(--rule); padding-top: 1rem; }
h3 { font-size: 1.15rem; margin: 1.5rem 0 0.5rem; }
p.lede { font-size: 1.1rem; color: var(--muted); }
section.act p.say { margin: 0.4rem 0; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 0.2rem 1.2rem; }
dl.facts dt { font-weight: 600; }
dl.facts dd { margin: 0; }
.open { color: #0b5394; font-weight: 700; }
.sealed { color: var(--muted); }
table { border-collapse: collapse; margin: 0.5rem 0 1.5rem; font-size: 0.9rem; }
caption { text-align: left; font-weight: 600; padding-bottom: 0.3rem; }
th, td { border: 1px solid var(--rule); padding: 0.25rem 0.6rem; text-align: left; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
figcaption { font-weight: 600; margin-bottom: 0.3rem; }
th[scope=row], thead th { text-align: left; background: #f2f2f2; }
figure { margin: 1rem 0 0.5rem; }
svg { max-width: 100%; height: auto; font-family: inherit; }
pre { background: #f2f2f2; padding: 0.8rem; overflow-x: auto; font-size: 0.75rem; white-space: pre-wrap;
  word-break: break-all; }
blockquote { border-left: 4px solid var(--rule); margin: 0.5rem 0; padding-left: 1rem; }
ol.sources li { margin: 0.3rem 0; }
footer { max-width: 68rem; margin: 2rem auto; padding: 0 2rem; color: var(--muted); font-size: 0.8rem; }
@media print {
  body { font-size: 11pt; }
  main { max-width: none; padding: 0; }
  h2 { break-before: auto; break-after: avoid; }
  figure, table, section.block { break-inside: avoid; }
  pre { white-space: pre-wrap; }
}
";

/// The blue scale's fill for a share from 0 to 100 percent: one hue, darker as more is
/// read, so the order survives greyscale and colour-vision deficiencies. Zero is a
/// light grey, distinct from "a little".
fn fill_for(percent: u64) -> (&'static str, &'static str) {
    // (fill, text colour): every text colour meets WCAG AA (4.5:1) on its fill.
    match percent {
        0 => ("#f0f0f0", "#1a1a1a"),
        1..=24 => ("#c6dbef", "#1a1a1a"),
        25..=49 => ("#6baed6", "#1a1a1a"),
        50..=74 => ("#2171b5", "#ffffff"),
        75..=99 => ("#08519c", "#ffffff"),
        _ => ("#08306b", "#ffffff"),
    }
}

/// Orange, for the row that gained access: told apart from the blues by hue and by a
/// thick outline and a word, not by colour alone.
const GAINED: &str = "#e69f00";

fn cell_words(cell: &MatrixCell) -> String {
    format!(
        "{} of {} ({}%)",
        cell.readable,
        cell.messages,
        cell.percent()
    )
}

/// One act of a demo, as the demo page draws it, for a page that shows acts one at a
/// time (the classroom's step mode). `previous`: the matrix shown before it, so that
/// the rows that gained access are outlined.
pub fn act_fragment<'a>(act: &'a Act, previous: Option<&'a Matrix>) -> String {
    let mut page = Page::default();
    let mut previous = previous;
    write_act(&mut page, act, &mut previous);
    page.out
}

/// The matrix alone (its heat map and its table), for a page that updates it live:
/// the classroom's teacher and projector pages.
pub fn matrix_fragment(matrix: &Matrix, gained: &[String], heading: &str) -> String {
    let mut page = Page::default();
    heat_map(&mut page, matrix, gained, heading);
    page.out
}

/// The who-can-read-what matrix as a heat map, then the same numbers as a table.
/// `gained`: rows that read more than after the previous act, outlined in orange.
fn heat_map(page: &mut Page, matrix: &Matrix, gained: &[String], heading: &str) {
    let (label_w, cell_w, cell_h, top) = (210u32, 110u32, 44u32, 60u32);
    let columns = matrix.users.len() as u32;
    // Wide enough for the legend beneath however few the users.
    let width = (label_w + cell_w * columns.max(1) + 20).max(800);
    let height = top + cell_h * matrix.rows.len() as u32 + 40;
    let title = format!("{heading}: who can read whose messages ({})", matrix.design);
    let desc = format!(
        "Rows are parties, columns are users; each cell is the share of that user's recorded messages the party reads.{}",
        if gained.is_empty() {
            String::new()
        } else {
            format!(" Gained access in this act: {}.", gained.join(", "))
        }
    );
    page.chart(width, height, &title, &desc, |svg| {
        let _ = writeln!(
            svg,
            "<text x=\"{label_w}\" y=\"22\" font-size=\"15\" fill=\"#4a4a4a\">users' messages read (of those recorded so far)</text>"
        );
        for (c, user) in matrix.users.iter().enumerate() {
            let x = label_w + cell_w * c as u32 + cell_w / 2;
            let _ = writeln!(
                svg,
                "<text x=\"{x}\" y=\"{}\" font-size=\"17\" font-weight=\"600\" text-anchor=\"middle\">{}</text>",
                top - 10,
                escape(user)
            );
        }
        for (r, row) in matrix.rows.iter().enumerate() {
            let y = top + cell_h * r as u32;
            let was_gained = gained.contains(&row.name);
            let label = if was_gained {
                format!("▲ {}", row.name)
            } else {
                row.name.clone()
            };
            let _ = writeln!(
                svg,
                "<text x=\"{}\" y=\"{}\" font-size=\"17\" text-anchor=\"end\"{}>{}</text>",
                label_w - 12,
                y + cell_h / 2 + 6,
                if was_gained { " font-weight=\"700\"" } else { "" },
                escape(&label)
            );
            for (c, cell) in row.cells.iter().enumerate() {
                let x = label_w + cell_w * c as u32;
                let (fill, ink) = fill_for(cell.percent());
                let _ = writeln!(
                    svg,
                    "<rect x=\"{x}\" y=\"{y}\" width=\"{cell_w}\" height=\"{cell_h}\" fill=\"{fill}\" stroke=\"#ffffff\" stroke-width=\"2\"><title>{}</title></rect>\n\
                     <text x=\"{}\" y=\"{}\" font-size=\"17\" text-anchor=\"middle\" fill=\"{ink}\">{}%</text>",
                    escape(&format!("{} reads {} of {}'s", row.name, cell_words(cell), matrix.users[c.min(matrix.users.len().saturating_sub(1))])),
                    x + cell_w / 2,
                    y + cell_h / 2 + 6,
                    cell.percent()
                );
            }
            if was_gained {
                let _ = writeln!(
                    svg,
                    "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"none\" stroke=\"{GAINED}\" stroke-width=\"5\"/>",
                    label_w - 2,
                    y + 2,
                    cell_w * columns + 4,
                    cell_h - 4
                );
            }
        }
        let legend_y = top + cell_h * matrix.rows.len() as u32 + 26;
        let _ = writeln!(
            svg,
            "<text x=\"{label_w}\" y=\"{legend_y}\" font-size=\"14\" fill=\"#4a4a4a\">darker: more read · ▲ and orange outline: gained access in this act</text>"
        );
    });
    let mut header = vec!["party"];
    header.extend(matrix.users.iter().map(String::as_str));
    let rows: Vec<Vec<String>> = matrix
        .rows
        .iter()
        .map(|row| {
            let mut cells = vec![row.name.clone()];
            cells.extend(row.cells.iter().map(cell_words));
            cells
        })
        .collect();
    page.table(&format!("{title}, as numbers"), &header, &rows);
}

/// One horizontal bar: a label, how many of how many.
struct Bar {
    label: String,
    value: f64,
    of: f64,
    words: String,
}

/// Horizontal bars on one scale, the figure written at the end of each bar.
fn bar_chart(page: &mut Page, title: &str, axis: &str, bars: &[Bar]) {
    let (label_w, bar_w, bar_h, top) = (330u32, 520u32, 34u32, 36u32);
    let width = label_w + bar_w + 200;
    let height = top + bar_h * bars.len() as u32 + 40;
    let max = bars.iter().map(|b| b.of.max(b.value)).fold(0.0, f64::max);
    let desc = bars
        .iter()
        .map(|b| format!("{}: {}", b.label, b.words))
        .collect::<Vec<_>>()
        .join("; ");
    page.chart(width, height, title, &desc, |svg| {
        let _ = writeln!(
            svg,
            "<text x=\"{label_w}\" y=\"22\" font-size=\"15\" fill=\"#4a4a4a\">{}</text>",
            escape(axis)
        );
        for (i, bar) in bars.iter().enumerate() {
            let y = top + bar_h * i as u32;
            let length = if max > 0.0 {
                (bar.value / max * bar_w as f64).round() as u32
            } else {
                0
            };
            let full = if max > 0.0 {
                (bar.of / max * bar_w as f64).round() as u32
            } else {
                0
            };
            let _ = writeln!(
                svg,
                "<text x=\"{}\" y=\"{}\" font-size=\"16\" text-anchor=\"end\">{}</text>\n\
                 <rect x=\"{label_w}\" y=\"{}\" width=\"{full}\" height=\"{}\" fill=\"#f0f0f0\"/>\n\
                 <rect x=\"{label_w}\" y=\"{}\" width=\"{length}\" height=\"{}\" fill=\"#2171b5\"/>\n\
                 <text x=\"{}\" y=\"{}\" font-size=\"16\">{}</text>",
                label_w - 10,
                y + bar_h / 2 + 5,
                escape(&bar.label),
                y + 4,
                bar_h - 8,
                y + 4,
                bar_h - 8,
                label_w + full.max(length) + 8,
                y + bar_h / 2 + 5,
                escape(&bar.words)
            );
        }
        let _ = writeln!(
            svg,
            "<line x1=\"{label_w}\" y1=\"{top}\" x2=\"{label_w}\" y2=\"{}\" stroke=\"#1a1a1a\"/>",
            top + bar_h * bars.len() as u32
        );
    });
}

/// The two series of [`grouped_ratio_bars`]: Okabe and Ito's blue and orange, a pair
/// told apart under every common colour-vision deficiency; the legend and the figures
/// written on the bars say the same in words.
const SERIES: [(&str, &str); 2] = [
    ("#0072b2", "time to send"),
    ("#e69f00", "bytes on the wire"),
];

/// Grouped horizontal bars of ratios to a baseline (1 = the same as `none`), two per
/// group, each with its figure written beside it.
fn grouped_ratio_bars(page: &mut Page, title: &str, groups: &[(String, [(f64, String); 2])]) {
    let (label_w, bar_w, bar_h, group_gap, top) = (200u32, 560u32, 24u32, 14u32, 56u32);
    let group_h = bar_h * 2 + group_gap;
    let width = label_w + bar_w + 240;
    let height = top + group_h * groups.len() as u32 + 30;
    let max = groups
        .iter()
        .flat_map(|(_, bars)| bars.iter().map(|(v, _)| *v))
        .fold(1.0, f64::max);
    let desc = groups
        .iter()
        .map(|(label, bars)| format!("{label}: {} to send, {} bytes", bars[0].1, bars[1].1))
        .collect::<Vec<_>>()
        .join("; ");
    page.chart(width, height, title, &desc, |svg| {
        for (i, (colour, name)) in SERIES.iter().enumerate() {
            let x = label_w + 220 * i as u32;
            let _ = writeln!(
                svg,
                "<rect x=\"{x}\" y=\"8\" width=\"18\" height=\"18\" fill=\"{colour}\"/>\n\
                 <text x=\"{}\" y=\"22\" font-size=\"15\">{name}, × none</text>",
                x + 24
            );
        }
        let one = label_w + (bar_w as f64 / max) as u32;
        for (g, (label, bars)) in groups.iter().enumerate() {
            let y = top + group_h * g as u32;
            let _ = writeln!(
                svg,
                "<text x=\"{}\" y=\"{}\" font-size=\"16\" text-anchor=\"end\">{}</text>",
                label_w - 10,
                y + bar_h + 5,
                escape(label)
            );
            for (b, (value, words)) in bars.iter().enumerate() {
                let by = y + bar_h * b as u32;
                let length = (value / max * bar_w as f64).round() as u32;
                let _ = writeln!(
                    svg,
                    "<rect x=\"{label_w}\" y=\"{}\" width=\"{length}\" height=\"{}\" fill=\"{}\"/>\n\
                     <text x=\"{}\" y=\"{}\" font-size=\"14\">{}</text>",
                    by + 2,
                    bar_h - 4,
                    SERIES[b].0,
                    label_w + length + 6,
                    by + bar_h - 7,
                    escape(words)
                );
            }
        }
        let bottom = top + group_h * groups.len() as u32;
        let _ = writeln!(
            svg,
            "<line x1=\"{one}\" y1=\"{}\" x2=\"{one}\" y2=\"{bottom}\" stroke=\"#1a1a1a\" stroke-dasharray=\"4 3\"/>\n\
             <text x=\"{one}\" y=\"{}\" font-size=\"13\" text-anchor=\"middle\" fill=\"#4a4a4a\">×1 = none</text>",
            top - 6,
            bottom + 18
        );
    });
}

/// Bars of a share opened, one per design and compromise.
fn radius_bars(page: &mut Page, title: &str, rows: &[ComparisonRow]) {
    let bars: Vec<Bar> = rows
        .iter()
        .map(|row| {
            let label = format!("{}: {}", row.scheme, row.compromise);
            match &row.radius {
                Some(r) => Bar {
                    label,
                    value: r.messages_opened as f64,
                    of: r.messages_total as f64,
                    words: format!(
                        "{} of {} ({:.0}%)",
                        r.messages_opened,
                        r.messages_total,
                        r.percent_opened()
                    ),
                },
                None => Bar {
                    label,
                    value: 0.0,
                    of: 0.0,
                    words: "no such key in this design".to_owned(),
                },
            }
        })
        .collect();
    bar_chart(
        page,
        title,
        "messages opened, of all recorded (grey: all)",
        &bars,
    );
    let table: Vec<Vec<String>> = rows
        .iter()
        .map(|row| {
            let (opened, total, users) = match &row.radius {
                Some(r) => (
                    r.messages_opened.to_string(),
                    r.messages_total.to_string(),
                    {
                        let users = words::user_counts(r);
                        format!("{} of {}", users.fully_exposed, users.total)
                    },
                ),
                None => ("–".to_owned(), "–".to_owned(), "–".to_owned()),
            };
            vec![
                row.scheme.clone(),
                row.compromise.clone(),
                opened,
                total,
                users,
            ]
        })
        .collect();
    page.table(
        &format!("{title}, as numbers"),
        &[
            "design",
            "what was stolen",
            "opened",
            "recorded",
            words::USERS_FULLY_EXPOSED,
        ],
        &table,
    );
    let strips: Vec<(String, &BlastRadius)> = rows
        .iter()
        .filter_map(|row| {
            row.radius
                .as_ref()
                .map(|r| (format!("{}: {}", row.scheme, row.compromise), r))
        })
        .collect();
    if !strips.is_empty() {
        exposure_strips(
            page,
            "Which messages each compromise opens, over time",
            &strips,
        );
    }
}

/// Which messages each compromise opens, over logical time: one strip a row, each
/// slice filled by the share of its messages that opened (white: no message then).
fn exposure_strips(page: &mut Page, title: &str, rows: &[(String, &BlastRadius)]) {
    let slices = rows
        .iter()
        .map(|(_, r)| r.over_time.slices.len())
        .max()
        .unwrap_or(1)
        .max(1) as u32;
    let (label_w, strip_w, strip_h, gap, top) = (330u32, 560u32, 26u32, 8u32, 36u32);
    let slice_w = (strip_w / slices).max(1);
    let width = label_w + slice_w * slices + 40;
    let height = top + (strip_h + gap) * rows.len() as u32 + 40;
    let ticks = rows.first().map_or(1, |(_, r)| r.over_time.ticks_per_slice);
    let desc = rows
        .iter()
        .map(|(label, r)| match (r.first_exposed_t, r.last_exposed_t) {
            (Some(first), Some(last)) => format!(
                "{label}: {} of {} opened, from t = {first} to t = {last}",
                r.messages_opened, r.messages_total
            ),
            _ => format!("{label}: none of {} opened", r.messages_total),
        })
        .collect::<Vec<_>>()
        .join("; ");
    page.chart(width, height, title, &desc, |svg| {
        let _ = writeln!(
            svg,
            "<text x=\"{label_w}\" y=\"22\" font-size=\"15\" fill=\"#4a4a4a\">logical time →, {ticks} ticks a slice; darker: more of that slice opened</text>"
        );
        for (i, (label, radius)) in rows.iter().enumerate() {
            let y = top + (strip_h + gap) * i as u32;
            let _ = writeln!(
                svg,
                "<text x=\"{}\" y=\"{}\" font-size=\"15\" text-anchor=\"end\">{}</text>",
                label_w - 10,
                y + strip_h / 2 + 5,
                escape(label)
            );
            for (j, span) in radius.over_time.slices.iter().enumerate() {
                let share = MatrixCell {
                    readable: span.opened,
                    messages: span.messages,
                };
                let fill = if span.messages == 0 {
                    "#ffffff"
                } else {
                    fill_for(share.percent()).0
                };
                let _ = writeln!(
                    svg,
                    "<rect x=\"{}\" y=\"{y}\" width=\"{slice_w}\" height=\"{strip_h}\" fill=\"{fill}\" stroke=\"#c8c8c8\" stroke-width=\"0.5\"><title>t {}..{}: {} of {} opened</title></rect>",
                    label_w + slice_w * j as u32,
                    j as u64 * radius.over_time.ticks_per_slice,
                    (j as u64 + 1) * radius.over_time.ticks_per_slice - 1,
                    span.opened,
                    span.messages
                );
            }
        }
    });
    let table: Vec<Vec<String>> = rows
        .iter()
        .map(|(label, r)| {
            let t = |t: Option<u64>| t.map_or("–".to_owned(), |t| t.to_string());
            vec![
                label.clone(),
                format!("{} of {}", r.messages_opened, r.messages_total),
                t(r.first_exposed_t),
                t(r.last_exposed_t),
            ]
        })
        .collect();
    page.table(
        &format!("{title}, as numbers"),
        &[
            "compromise",
            "opened",
            "first opened at t",
            "last opened at t",
        ],
        &table,
    );
}

/// One compromise's radius: the totals, and each user's share as bars; then each
/// stolen device's timeline, where `timelines` (a demo shows them as blocks of their own).
fn radius(page: &mut Page, label: &str, radius: &BlastRadius, timelines: bool) {
    let users = words::user_counts(radius);
    page.raw("<dl class=\"facts\">\n");
    let facts = [
        (
            "messages opened",
            format!(
                "{} of {} ({:.1}%)",
                radius.messages_opened,
                radius.messages_total,
                radius.percent_opened()
            ),
        ),
        (
            words::USERS_FULLY_EXPOSED,
            format!("{} of {}", users.fully_exposed, users.total),
        ),
        (
            words::USERS_TOUCHED,
            format!("{} of {}", users.touched, users.total),
        ),
        (
            "conversations exposed",
            format!(
                "{} of {}",
                radius.conversations_exposed, radius.conversations_total
            ),
        ),
        (
            "failed integrity",
            radius.messages_failed_integrity.to_string(),
        ),
    ];
    for (dt, dd) in facts {
        page.element("dt", "", dt);
        page.element("dd", "", &dd);
    }
    page.raw("</dl>\n");
    let bars: Vec<Bar> = radius
        .per_user
        .iter()
        .map(|u| Bar {
            label: u.name.clone(),
            value: u.opened as f64,
            of: u.messages as f64,
            words: format!("{} of {}", u.opened, u.messages),
        })
        .collect();
    if !bars.is_empty() {
        bar_chart(
            page,
            &format!("What {label} opens, user by user"),
            "each user's messages (sent or received) opened, of theirs (grey)",
            &bars,
        );
        let rows: Vec<Vec<String>> = radius
            .per_user
            .iter()
            .map(|u| vec![u.name.clone(), u.opened.to_string(), u.messages.to_string()])
            .collect();
        page.table(
            &format!("What {label} opens, user by user, as numbers"),
            &["user", "opened", "messages"],
            &rows,
        );
    }
    if timelines {
        for timeline in &radius.timelines {
            timeline_strip(page, timeline);
        }
    }
}

/// A stolen device's exposure over logical time: one slice per column, filled by the
/// share of the victim's messages in that slice that opened, with the theft marked.
fn timeline_strip(page: &mut Page, timeline: &Timeline) {
    let slices = timeline.strip.len().max(1) as u32;
    let (left, top, strip_w, strip_h) = (40u32, 40u32, 860u32, 60u32);
    let slice_w = (strip_w / slices).max(1);
    let width = left + slice_w * slices + 40;
    let height = top + strip_h + 70;
    let title = format!(
        "{}'s messages over time, device copied just after t = {}",
        timeline.user, timeline.t
    );
    let desc = format!(
        "Before the theft {} of {} opened; after it {} of {}.{}",
        timeline.before.opened,
        timeline.before.messages,
        timeline.after.opened,
        timeline.after.messages,
        match timeline.healed_at {
            Some(t) => format!(" Nothing opens from t = {t} on."),
            None => " It never heals within the recording.".to_owned(),
        }
    );
    page.chart(width, height, &title, &desc, |svg| {
        for (i, span) in timeline.strip.iter().enumerate() {
            // The matrix's rule: whole percent, any reading at all at least 1%.
            let share = MatrixCell {
                readable: span.opened,
                messages: span.messages,
            };
            let (fill, _) = fill_for(share.percent());
            let fill = if span.messages == 0 { "#ffffff" } else { fill };
            let _ = writeln!(
                svg,
                "<rect x=\"{}\" y=\"{top}\" width=\"{slice_w}\" height=\"{strip_h}\" fill=\"{fill}\" stroke=\"#c8c8c8\" stroke-width=\"0.5\"><title>{} of {} opened</title></rect>",
                left + slice_w * i as u32,
                span.opened,
                span.messages
            );
        }
        let ticks = timeline.strip_ticks.max(1);
        let theft_x = left + ((timeline.t / ticks) as u32).min(slices) * slice_w;
        let _ = writeln!(
            svg,
            "<line x1=\"{theft_x}\" y1=\"{}\" x2=\"{theft_x}\" y2=\"{}\" stroke=\"{GAINED}\" stroke-width=\"4\"/>\n\
             <text x=\"{theft_x}\" y=\"{}\" font-size=\"15\" text-anchor=\"middle\">device copied (t = {})</text>\n\
             <text x=\"{left}\" y=\"{}\" font-size=\"14\" fill=\"#4a4a4a\">logical time →, {} ticks a slice; darker: more of that slice opened</text>",
            top - 8,
            top + strip_h + 8,
            top - 14,
            timeline.t,
            top + strip_h + 30,
            ticks
        );
    });
    let rows = vec![
        vec![
            "at or before t".to_owned(),
            timeline.before.opened.to_string(),
            timeline.before.messages.to_string(),
        ],
        vec![
            "after t".to_owned(),
            timeline.after.opened.to_string(),
            timeline.after.messages.to_string(),
        ],
    ];
    page.table(
        &format!("{title}, as numbers"),
        &["when", "opened", "messages"],
        &rows,
    );
}

fn facts(page: &mut Page, facts: &[Fact]) {
    page.raw("<dl class=\"facts\">\n");
    for fact in facts {
        page.element("dt", "", &fact.label);
        let (class, mark) = match fact.open {
            Some(true) => ("open", "✓ "),
            Some(false) => ("sealed", "✗ "),
            None => ("", ""),
        };
        page.element("dd", class, &format!("{mark}{}", fact.value));
    }
    page.raw("</dl>\n");
}

impl HtmlReport for DemoRun {
    fn html_title(&self) -> String {
        format!("doormat demo: {}", self.demo)
    }

    fn write_body(&self, page: &mut Page) {
        page.element("p", "lede", &self.summary);
        if let Some(seed) = self.seed {
            page.element(
                "p",
                "",
                &format!("Seeded with {seed}: a rerun with --seed {seed} gives the same figures."),
            );
        }
        let mut previous: Option<&Matrix> = None;
        for act in &self.acts {
            write_act(page, act, &mut previous);
        }
        if self.stopped_early {
            page.element("p", "", "(stopped before the last act)");
        }
    }
}

fn write_act<'a>(page: &mut Page, act: &'a Act, previous: &mut Option<&'a Matrix>) {
    page.raw("<section class=\"act\">\n");
    page.element("h2", "", &format!("{}. {}", act.number, act.title));
    for paragraph in &act.narration {
        page.element("p", "say", paragraph);
    }
    for block in &act.blocks {
        page.raw("<section class=\"block\">\n");
        match block {
            Block::Facts { facts: list } => facts(page, list),
            Block::Parties { parties } => {
                let rows: Vec<Vec<String>> = parties
                    .iter()
                    .map(|p| {
                        vec![
                            p.name.clone(),
                            p.role.clone(),
                            p.key.clone(),
                            p.holds.clone(),
                        ]
                    })
                    .collect();
                page.table("The parties", &["party", "role", "key", "holds"], &rows);
            }
            Block::Envelope { json } => {
                page.element("h3", "", "One envelope, as the tap recorded it");
                page.element("pre", "", json);
            }
            Block::Radius {
                label,
                holding,
                design,
                scope,
                radius: r,
            } => {
                let heading = words::radius_heading(label, holding, design.as_deref(), *scope);
                page.element("h3", "", &heading);
                radius(page, label, r, false);
            }
            Block::Recovered {
                label,
                sample,
                messages,
            } => {
                page.element("h3", "", &words::recovered_heading(label, *sample));
                for m in messages {
                    page.element(
                        "blockquote",
                        "",
                        &format!("{} → {}: {}", m.from, m.to.join(", "), m.text),
                    );
                }
            }
            Block::Comparison { rows } => {
                page.element("h3", "", "The same compromise, design by design");
                radius_bars(page, "Blast radius by design", rows);
            }
            Block::Timeline { label, timeline } => {
                page.element("h3", "", &words::timeline_heading(label));
                timeline_strip(page, timeline);
            }
            Block::Exposure { victim, t, rows } => {
                let table: Vec<Vec<String>> = rows
                    .iter()
                    .map(|r| {
                        vec![
                            r.scheme.clone(),
                            r.compromise.clone(),
                            format!("{} of {}", r.before.opened, r.before.messages),
                            format!("{} of {}", r.after.opened, r.after.messages),
                            format!("{} of {}", r.others.opened, r.others.messages),
                        ]
                    })
                    .collect();
                page.table(
                    &format!("{victim}'s device copied just after t = {t}: what opens, per design"),
                    &[
                        "design",
                        "stolen",
                        "victim's, before",
                        "victim's, after",
                        "everyone else's",
                    ],
                    &table,
                );
            }
            Block::Sources { sources } => {
                page.element("h3", "", "Sources");
                page.raw("<ol class=\"sources\">\n");
                for source in sources {
                    page.element("li", "", source);
                }
                page.raw("</ol>\n");
            }
            Block::Matrix { matrix } => {
                let gained = gained_rows(previous.filter(|p| p.design == matrix.design), matrix);
                let changed = previous.is_none_or(|p| p != matrix);
                if changed {
                    heat_map(page, matrix, &gained, &format!("After act {}", act.number));
                } else {
                    page.element("p", "", "Who can read what: unchanged by this act.");
                }
                *previous = Some(matrix);
            }
            Block::Log { entries } => {
                let rows: Vec<Vec<String>> = entries
                    .iter()
                    .map(|e| {
                        vec![
                            e.t.to_string(),
                            e.by.clone(),
                            e.target.clone(),
                            e.warrant.clone().unwrap_or_else(|| "none".to_owned()),
                        ]
                    })
                    .collect();
                page.table(
                    "The authority's access log",
                    &["t", "who read", "whose", "warrant"],
                    &rows,
                );
            }
        }
        page.raw("</section>\n");
    }
    if !act.cite.is_empty() {
        let cited: Vec<String> = act.cite.iter().map(|n| format!("[{n}]")).collect();
        page.element("p", "", &format!("Sources: {}", cited.join(" ")));
    }
    page.raw("</section>\n");
}

/// Rows that now read some user they read nothing of after the previous act (a new
/// row that reads anything counts): who gained access. A share that merely moves as
/// traffic grows is not a gain.
fn gained_rows(previous: Option<&Matrix>, now: &Matrix) -> Vec<String> {
    let Some(previous) = previous else {
        return Vec::new();
    };
    now.rows
        .iter()
        .filter(|row| {
            let before = previous.rows.iter().find(|r| r.name == row.name);
            row.cells.iter().enumerate().any(|(i, cell)| {
                let was = before
                    .and_then(|b| b.cells.get(i))
                    .map_or(0, |c| c.readable);
                cell.readable > 0 && was == 0
            })
        })
        .map(|row| row.name.clone())
        .collect()
}

impl HtmlReport for RecoverReport {
    fn html_title(&self) -> String {
        format!("doormat recover: {}", self.world.to_string_lossy())
    }

    fn write_body(&self, page: &mut Page) {
        page.element(
            "p",
            "lede",
            &format!("A {} world, opened with what a thief holds.", self.scheme),
        );
        let keys: Vec<Vec<String>> = self
            .keys
            .iter()
            .map(|k| {
                vec![
                    k.party.clone(),
                    format!("{:?}", k.role).to_lowercase(),
                    k.fingerprint.clone(),
                ]
            })
            .collect();
        page.table("Keys held", &["party", "role", "fingerprint"], &keys);
        if !self.notes.is_empty() {
            page.element("h2", "", "How the keys were reached");
            page.raw("<ul>\n");
            for note in &self.notes {
                page.element("li", "", note);
            }
            page.raw("</ul>\n");
        }
        page.element("h2", "", "What they open");
        radius(page, "these keys", &self.radius, true);
        exposure_strips(
            page,
            "Which messages these keys open, over time",
            &[("these keys".to_owned(), &self.radius)],
        );
    }
}

impl HtmlReport for Comparison {
    fn html_title(&self) -> String {
        "doormat compare: the same traffic under every design".to_owned()
    }

    fn write_body(&self, page: &mut Page) {
        page.element(
            "p",
            "lede",
            &format!(
                "{} messages among {}, sealed under each design; each row is one compromise.{}",
                self.messages,
                self.users.join(", "),
                self.seed.map_or(String::new(), |s| format!(" Seed {s}."))
            ),
        );
        radius_bars(
            page,
            "Blast radius of one compromise, by design",
            &self.rows,
        );
    }
}

impl HtmlReport for BenchReport {
    fn html_title(&self) -> String {
        "doormat bench: what escrow costs".to_owned()
    }

    fn write_body(&self, page: &mut Page) {
        page.element(
            "p",
            "lede",
            &format!(
                "{}, {} cores; RSA on {}. {}",
                self.machine.cpu,
                self.machine.cores,
                self.preferred.name(),
                self.method
            ),
        );
        page.element("h2", "", "Sending one message, design by design");
        let preferred: Vec<_> = self
            .schemes
            .iter()
            .filter(|r| r.backend == self.preferred)
            .collect();
        grouped_ratio_bars(
            page,
            "What each design costs over none: time to send, and bytes on the wire",
            &preferred
                .iter()
                .map(|r| {
                    (
                        r.scheme.to_string(),
                        [
                            (
                                r.send_ratio,
                                format!("×{:.2} ({:.1} µs)", r.send_ratio, r.send_us),
                            ),
                            (
                                r.bytes_ratio,
                                format!("×{:.2} ({} bytes)", r.bytes_ratio, r.bytes),
                            ),
                        ],
                    )
                })
                .collect::<Vec<_>>(),
        );
        let rows: Vec<Vec<String>> = self
            .schemes
            .iter()
            .map(|r| {
                vec![
                    r.scheme.to_string(),
                    r.backend.name().to_owned(),
                    format!("{:.1}", r.send_us),
                    format!("{:.2}", r.send_ratio),
                    format!("{:.1}", r.read_us),
                    r.escrow_read_us
                        .map_or("–".to_owned(), |us| format!("{us:.1}")),
                    r.bytes.to_string(),
                    format!("{:.2}", r.bytes_ratio),
                ]
            })
            .collect();
        page.table(
            "Each design, as numbers",
            &[
                "design",
                "backend",
                "send µs",
                "× none",
                "read µs",
                "escrow read µs",
                "bytes",
                "× none",
            ],
            &rows,
        );
        page.element("h2", "", "The brute-force search against its bound");
        let mut bars = Vec::new();
        for row in &self.brute_force.rows {
            let threads = match row.threads {
                1 => "1 thread".to_owned(),
                n => format!("{n} threads"),
            };
            bars.push(Bar {
                label: format!("{threads}: bound"),
                value: row.bound_keys_per_second,
                of: row.bound_keys_per_second,
                words: format!("{:.3e} keys/s", row.bound_keys_per_second),
            });
            bars.push(Bar {
                label: format!("{threads}: search"),
                value: row.search_keys_per_second,
                of: row.search_keys_per_second,
                words: format!(
                    "{:.3e} keys/s ({:.0}% of bound)",
                    row.search_keys_per_second,
                    row.share_of_bound * 100.0
                ),
            });
        }
        bar_chart(page, "Keys tried per second", "keys per second", &bars);
        let rows: Vec<Vec<String>> = self
            .brute_force
            .rows
            .iter()
            .map(|r| {
                vec![
                    r.threads.to_string(),
                    format!("{:.0}", r.bound_keys_per_second),
                    format!("{:.0}", r.search_keys_per_second),
                    format!("{:.3}", r.share_of_bound),
                ]
            })
            .collect();
        page.table(
            "The search against its bound, as numbers",
            &["threads", "bound keys/s", "search keys/s", "share of bound"],
            &rows,
        );
        let kernels: Vec<Vec<String>> = self
            .brute_force
            .kernel_bounds
            .iter()
            .map(|k| {
                vec![
                    k.method.name().to_owned(),
                    format!("{:.0}", k.keys_per_second),
                ]
            })
            .collect();
        page.table(
            "Each kernel's bound on one thread: the search runs the fastest",
            &["kernel", "bound keys/s, 1 thread"],
            &kernels,
        );
    }
}

fn verdict_words(verdict: &Verdict) -> String {
    match verdict {
        Verdict::Right => "right".to_owned(),
        Verdict::Wrong => "wrong".to_owned(),
        Verdict::AnotherStudentsFlag(of) => format!("another student's flag ({of})"),
        Verdict::Missing => "no answer".to_owned(),
    }
}

impl HtmlReport for Grades {
    fn html_title(&self) -> String {
        format!(
            "doormat grades: {} (class {})",
            self.exercise, self.class_id
        )
    }

    fn write_body(&self, page: &mut Page) {
        let count =
            |pick: fn(&Verdict) -> bool| self.rows.iter().filter(|r| pick(&r.verdict)).count();
        let students = self.students as f64;
        let bars = [
            ("right", count(|v| *v == Verdict::Right)),
            ("wrong", count(|v| *v == Verdict::Wrong)),
            (
                "another student's flag",
                count(|v| matches!(v, Verdict::AnotherStudentsFlag(_))),
            ),
            ("no answer", count(|v| *v == Verdict::Missing)),
        ]
        .map(|(label, n)| Bar {
            label: label.to_owned(),
            value: n as f64,
            of: students,
            words: format!("{n} of {}", self.students),
        });
        bar_chart(
            page,
            "The class's answers",
            "students (grey: the whole class)",
            &bars,
        );
        let rows: Vec<Vec<String>> = self
            .rows
            .iter()
            .map(|r| {
                vec![
                    r.student.clone(),
                    verdict_words(&r.verdict),
                    r.answer.clone().unwrap_or_default(),
                ]
            })
            .collect();
        page.table("Each student", &["student", "verdict", "answer"], &rows);
        if !self.not_graded.is_empty() {
            let rows: Vec<Vec<String>> = self
                .not_graded
                .iter()
                .map(|p| vec![format!("line {}", p.line), p.problem.clone()])
                .collect();
            page.table("Rows that could not be graded", &["line", "why"], &rows);
        }
    }
}

impl HtmlReport for StudentVerdict {
    fn html_title(&self) -> String {
        format!("doormat: {}'s answer", self.student)
    }

    fn write_body(&self, page: &mut Page) {
        page.element(
            "p",
            "lede",
            &format!("{}: {}", self.student, verdict_words(&self.verdict)),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::MatrixRow;

    fn matrix(name: &str, readable: u64) -> Matrix {
        Matrix {
            design: "golden-key".to_owned(),
            users: vec!["alice".to_owned(), "<b>bob</b>".to_owned()],
            rows: vec![MatrixRow {
                name: name.to_owned(),
                kind: "adversary".to_owned(),
                cells: vec![
                    MatrixCell {
                        readable,
                        messages: 10,
                    },
                    MatrixCell {
                        readable: 0,
                        messages: 4,
                    },
                ],
            }],
        }
    }

    #[test]
    fn every_value_is_escaped() {
        assert_eq!(
            escape("<script>alert('x')</script> & \""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;"
        );
        let mut page = Page::default();
        heat_map(
            &mut page,
            &matrix("<script>alert(1)</script>", 5),
            &[],
            "After act 1",
        );
        assert!(!page.out.contains("<script>"), "{}", page.out);
        assert!(page.out.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(!page.out.contains("<b>bob</b>"));
    }

    #[test]
    fn a_matrix_shows_its_numbers_and_who_gained() {
        let before = matrix("thief", 0);
        let after = matrix("thief", 5);
        assert_eq!(gained_rows(Some(&before), &after), vec!["thief".to_owned()]);
        assert!(gained_rows(Some(&after), &after).is_empty());
        let mut page = Page::default();
        heat_map(&mut page, &after, &["thief".to_owned()], "After act 2");
        assert!(
            page.out.contains("5 of 10 (50%)"),
            "the table states the cell"
        );
        assert!(page.out.contains("▲ thief"));
        assert!(page.out.contains(GAINED));
        assert!(page.out.contains("<title id="), "a chart has a title");
    }

    /// The page makes no request: no external source, and a policy that forbids any.
    #[test]
    fn a_page_is_self_contained() {
        let grades = Grades {
            exercise: "split-key",
            class_id: "abc".to_owned(),
            right: 0,
            students: 0,
            rows: Vec::new(),
            not_graded: Vec::new(),
        };
        let html = document(&grades);
        assert!(html.contains("default-src 'none'"));
        for needle in ["src=", "href=", "@import", "url("] {
            assert!(!html.contains(needle), "{needle} in the page");
        }
        assert!(html.starts_with("<!DOCTYPE html>"));
    }

    #[test]
    fn fills_keep_their_text_legible() {
        // WCAG relative luminance contrast of each text colour on its fill is >= 4.5.
        fn luminance(hex: &str) -> f64 {
            let channel = |i: usize| {
                let v = u8::from_str_radix(&hex[i..i + 2], 16).unwrap() as f64 / 255.0;
                if v <= 0.03928 {
                    v / 12.92
                } else {
                    ((v + 0.055) / 1.055).powf(2.4)
                }
            };
            0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5)
        }
        for percent in [0, 10, 30, 60, 80, 100] {
            let (fill, ink) = fill_for(percent);
            let (a, b) = (luminance(fill), luminance(ink));
            let ratio = (a.max(b) + 0.05) / (a.min(b) + 0.05);
            assert!(
                ratio >= 4.5,
                "{percent}%: {fill} with {ink} is {ratio:.2}:1"
            );
        }
    }
}
