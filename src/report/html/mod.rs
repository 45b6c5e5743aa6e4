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

// The pictures and each kind of page in a file of their own.
mod charts;
mod demo;
mod doc;
mod pages;
mod slides;
pub(crate) use doc::write_doc;
use {charts::*, demo::*};

use std::fmt::Write as _;

use crate::attacks::timeline::Timeline;
use crate::attacks::{BlastRadius, ComparisonRow, RecoverReport};
use crate::bench::BenchReport;
use crate::compare::Comparison;
use crate::demo::said::{Said, Shown};
use crate::demo::{Act, Block, DemoRun, Fact, Matrix, MatrixCell};
use crate::exercise::{Grades, StudentVerdict, Verdict};
use crate::report::words;

/// A report that can be shown as a page.
pub trait HtmlReport {
    /// The page's title (the browser's tab, the top heading).
    fn html_title(&self) -> String;
    /// Writes the page's contents.
    fn write_body(&self, page: &mut Page);
    /// The report as slides for a projector, for a report that has them (a demo).
    fn slides(&self) -> Option<String> {
        None
    }
}

/// The whole document for `report`.
pub fn document(report: &impl HtmlReport) -> String {
    let mut page = Page {
        fold_numbers: true,
        ..Page::default()
    };
    report.write_body(&mut page);
    let title = escape(&report.html_title());
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">\n\
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
    /// Whether a chart's table of figures is folded beneath it: on a whole page, not in
    /// the fragments the classroom's pages place (they keep the table for screen
    /// readers and out of sight).
    fold_numbers: bool,
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
    /// first cell of each row is its header; a cell of a column of figures is
    /// right-aligned with tabular digits.
    fn table(&mut self, caption: &str, header: &[Column], rows: &[Vec<String>]) {
        self.raw("<table>\n");
        self.element("caption", "", caption);
        self.raw("<thead><tr>");
        for column in header {
            let class = if column.figures { " class=\"n\"" } else { "" };
            let _ = write!(
                self.out,
                "<th scope=\"col\"{class}>{}</th>",
                escape(column.heading)
            );
        }
        self.raw("</tr></thead>\n<tbody>\n");
        for row in rows {
            self.raw("<tr>");
            for (i, cell) in row.iter().enumerate() {
                let figures = header.get(i).is_some_and(|c| c.figures);
                if i == 0 {
                    let _ = write!(self.out, "<th scope=\"row\">{}</th>", escape(cell));
                } else if figures {
                    let _ = write!(self.out, "<td class=\"n\">{}</td>", escape(cell));
                } else {
                    let _ = write!(self.out, "<td>{}</td>", escape(cell));
                }
            }
            self.raw("</tr>\n");
        }
        self.raw("</tbody>\n</table>\n");
    }

    /// A chart's figures as a table, folded beneath it: the chart carries them for the
    /// eye, the table for a screen reader, a search and print, which unfolds it.
    fn numbers(&mut self, caption: &str, header: &[Column], rows: &[Vec<String>]) {
        if !self.fold_numbers {
            self.table(caption, header, rows);
            return;
        }
        self.raw("<details class=\"numbers\">");
        self.element("summary", "", "The numbers");
        self.table(caption, header, rows);
        self.raw("</details>\n");
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

/// A table column: its heading, and whether it holds figures (right-aligned, tabular
/// digits) or words. The renderer that builds the rows says which: nothing is guessed
/// from a cell's text.
#[derive(Debug, Clone, Copy)]
pub(super) struct Column<'a> {
    heading: &'a str,
    figures: bool,
}

impl<'a> Column<'a> {
    /// A column of words.
    pub(super) fn words(heading: &'a str) -> Self {
        Column {
            heading,
            figures: false,
        }
    }
    /// A column of figures.
    pub(super) fn figures(heading: &'a str) -> Self {
        Column {
            heading,
            figures: true,
        }
    }
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
.note { color: var(--muted); }
p.line { margin: 0.3rem 0; }
p.sub { margin-left: 1.5rem; }
table { border-collapse: collapse; margin: 0.5rem 0 1.5rem; font-size: 0.9rem; }
caption { text-align: left; font-weight: 600; padding-bottom: 0.3rem; }
th, td { border: 1px solid var(--rule); padding: 0.25rem 0.6rem; text-align: left; }
td.n, thead th.n { text-align: right; font-variant-numeric: tabular-nums; }
figcaption { font-weight: 600; margin-bottom: 0.3rem; }
th[scope=row], thead th { text-align: left; background: #f2f2f2; }
figure { margin: 1rem 0 0.5rem; }
svg { max-width: 100%; height: auto; font-family: inherit; }
pre { background: #f2f2f2; padding: 0.8rem; overflow-x: auto; font-size: 0.75rem; white-space: pre-wrap;
  word-break: break-all; }
details.envelope summary { font-size: 1.15rem; font-weight: 600; margin: 1.5rem 0 0.5rem; cursor: pointer; }
div.images { display: flex; gap: 1rem; flex-wrap: wrap; margin: 0.5rem 0 1rem; }
div.images figure { margin: 0; flex: 0 1 16rem; min-width: 0; }
div.images img { width: 100%; height: auto; image-rendering: pixelated; border: 1px solid var(--rule); }
div.images figcaption { font-weight: 400; font-size: 0.9rem; color: var(--muted); }
details.numbers summary { color: var(--muted); font-size: 0.9rem; margin: 0 0 0.5rem; cursor: pointer; }
/* A folded table of figures stays in the accessibility tree, out of sight until opened. */
details.numbers::details-content { content-visibility: visible; display: contents; }
details.numbers:not([open]) table { position: absolute; width: 1px; height: 1px; overflow: hidden;
  clip-path: inset(50%); white-space: nowrap; }
@media (min-width: 1300px) {
  main { max-width: 96rem; }
  section.act { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); column-gap: 3rem;
    align-items: start; }
  section.act > h2 { grid-column: 1 / -1; }
  section.act > p { grid-column: 1 / -1; max-width: 64rem; }
  section.act > div.words { grid-column: 1; }
  section.act > div.pictures { grid-column: 2; }
  body { font-size: 18px; }
  h2 { font-size: 1.3rem; margin-top: 1rem; padding-top: 0.6rem; }
  h3 { margin: 0.8rem 0 0.3rem; }
  figure { margin: 0.3rem 0 0.2rem; }
  table { margin: 0.3rem 0 0.8rem; }
  section.act p.say { margin: 0.25rem 0; }
}
blockquote { border-left: 4px solid var(--rule); margin: 0.5rem 0; padding-left: 1rem; }
ol.sources li { margin: 0.3rem 0; }
footer { max-width: 68rem; margin: 2rem auto; padding: 0 2rem; color: var(--muted); font-size: 0.8rem; }
@media print {
  body { font-size: 11pt; }
  main { max-width: none; padding: 0; }
  h2 { break-before: auto; break-after: avoid; }
  figure, table, section.block { break-inside: avoid; }
  details::details-content { content-visibility: visible; display: contents; }
  div.images { display: flex; gap: 1rem; flex-wrap: wrap; margin: 0.5rem 0 1rem; }
div.images figure { margin: 0; flex: 0 1 16rem; min-width: 0; }
div.images img { width: 100%; height: auto; image-rendering: pixelated; border: 1px solid var(--rule); }
div.images figcaption { font-weight: 400; font-size: 0.9rem; color: var(--muted); }
details.numbers summary { display: none; }
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
/// time (the classroom's step mode). `shown`: the matrices shown before it, so that
/// the rows that gained access are outlined.
pub fn act_fragment(act: &Act, shown: &super::ShownMatrices) -> String {
    let mut page = Page::default();
    write_act(&mut page, act, shown);
    page.out
}

/// The matrix alone (its heat map and its table), for a page that updates it live:
/// the classroom's teacher and projector pages.
pub fn matrix_fragment(matrix: &Matrix, gained: &[String], heading: &str) -> String {
    let mut page = Page::default();
    heat_map(&mut page, matrix, gained, heading);
    page.out
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
                searched: None,
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

    /// A column's kind, not its cells' text, decides the alignment: a figure column
    /// right-aligns "–", a words column leaves "3 of 5 shares" (which has digits) alone.
    #[test]
    fn columns_say_what_they_hold() {
        let mut page = Page::default();
        page.table(
            "t",
            &[
                Column::words("who"),
                Column::figures("opened"),
                Column::words("holds"),
            ],
            &[vec!["a".into(), "–".into(), "3 of 5 shares".into()]],
        );
        assert!(page.out.contains("<td class=\"n\">–</td>"), "{}", page.out);
        assert!(page.out.contains("<td>3 of 5 shares</td>"), "{}", page.out);
        assert!(page
            .out
            .contains("<th scope=\"col\" class=\"n\">opened</th>"));
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
            points_possible: 10.0,
            points: Vec::new(),
            show_answers: false,
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
