//! The page of a report written as a [`Doc`]: the same parts as its text, as headings,
//! paragraphs, definition lists and tables. A fact's label is a term because the
//! report said so, and a column holds figures because its table aligns it right.

use std::fmt::Write as _;

use super::{escape, Page};
use crate::report::doc::{Doc, Part, Run, Tone};
use crate::report::text::table::{Align, Paint, Table};

/// Writes `doc`'s parts into `page`.
pub(crate) fn write_doc(page: &mut Page, doc: &Doc) {
    // Facts in a row make one list.
    let mut in_list = false;
    for part in &doc.parts {
        let fact = matches!(part, Part::Line { label: Some(_), .. });
        if in_list && !fact {
            page.raw("</dl>\n");
            in_list = false;
        }
        match part {
            Part::Heading(runs) => {
                let _ = writeln!(page.out, "<h2>{}</h2>", runs_html(runs));
            }
            Part::Line {
                label: Some((label, _)),
                runs,
                ..
            } => {
                if !in_list {
                    page.raw("<dl class=\"facts\">\n");
                    in_list = true;
                }
                let _ = writeln!(
                    page.out,
                    "<dt>{}</dt><dd>{}</dd>",
                    escape(label.trim()),
                    runs_html(runs)
                );
            }
            Part::Line {
                indent,
                label: None,
                runs,
                ..
            } => {
                let class = if *indent > 2 { "line sub" } else { "line" };
                let _ = writeln!(page.out, "<p class=\"{class}\">{}</p>", runs_html(runs));
            }
            Part::Table(table) => write_table(page, table),
            Part::Blank => {}
            Part::Qr { text, .. } => {
                // Dark on light, as a phone's camera reads it best; the markup is the
                // crate's own, made from the code's modules, with no text of the value.
                if let Ok(code) = qrcode::QrCode::new(text.as_bytes()) {
                    let svg = code
                        .render::<qrcode::render::svg::Color>()
                        .min_dimensions(240, 240)
                        .build();
                    let _ = writeln!(
                        page.out,
                        "<figure class=\"qr\" role=\"img\" aria-label=\"QR code of {}\">{}</figure>",
                        escape(text),
                        // Inline, without the XML declaration before it.
                        svg.find("<svg").map_or("", |at| &svg[at..])
                    );
                }
            }
        }
    }
    if in_list {
        page.raw("</dl>\n");
    }
}

/// Runs of text, each in its tone's element; every run escaped.
fn runs_html(runs: &[Run]) -> String {
    let mut out = String::new();
    for span in runs {
        let text = escape(&span.text);
        match span.tone {
            Tone::Plain => out.push_str(&text),
            Tone::Bold => {
                let _ = write!(out, "<strong>{text}</strong>");
            }
            Tone::Dim => {
                let _ = write!(out, "<span class=\"note\">{text}</span>");
            }
            Tone::Open => {
                let _ = write!(out, "<strong class=\"open\">{text}</strong>");
            }
            Tone::Sealed => {
                let _ = write!(out, "<span class=\"sealed\">{text}</span>");
            }
        }
    }
    out.trim().to_owned()
}

/// A table by its own columns: a header row if it has one, each row's first cell its
/// header, a right-aligned column as figures; the text after a row's last cell (a
/// mark) stays in that cell.
fn write_table(page: &mut Page, table: &Table) {
    let aligns = table.aligns();
    let figures = |i: usize| aligns.get(i).is_some_and(|a| *a == Align::Right);
    let mut rows = table.page_rows().peekable();
    if rows.peek().is_none() {
        return;
    }
    page.raw("<table>\n");
    let mut body_open = false;
    for (header, cells, trailer) in rows {
        if header && !body_open {
            page.raw("<thead><tr>");
            for (i, cell) in cells.iter().enumerate() {
                let class = if figures(i) { " class=\"n\"" } else { "" };
                let _ = write!(
                    page.out,
                    "<th scope=\"col\"{class}>{}</th>",
                    escape(cell.text())
                );
            }
            page.raw("</tr></thead>\n");
            continue;
        }
        if !body_open {
            page.raw("<tbody>\n");
            body_open = true;
        }
        page.raw("<tr>");
        let last = cells.len().saturating_sub(1);
        for (i, cell) in cells.iter().enumerate() {
            let mut text = painted(cell.text(), cell.paint());
            if i == last && !trailer.trim().is_empty() {
                let _ = write!(text, " {}", escape(trailer.trim()));
            }
            if i == 0 && cells.len() > 1 {
                let _ = write!(page.out, "<th scope=\"row\">{text}</th>");
            } else if figures(i) {
                let _ = write!(page.out, "<td class=\"n\">{text}</td>");
            } else {
                let _ = write!(page.out, "<td>{text}</td>");
            }
        }
        page.raw("</tr>\n");
    }
    if body_open {
        page.raw("</tbody>\n");
    }
    page.raw("</table>\n");
}

/// A cell's text in its paint's element.
fn painted(text: &str, paint: Paint) -> String {
    let tone = match paint {
        Paint::Plain => Tone::Plain,
        Paint::Dim => Tone::Dim,
        Paint::Open => Tone::Open,
        Paint::Sealed => Tone::Sealed,
    };
    runs_html(&[Run::new(text, tone)])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::text::table::Column;

    /// Facts make one list, a line with no label a paragraph, a right-aligned column
    /// figures; every value escaped, even in a table's trailer.
    #[test]
    fn a_doc_becomes_lists_paragraphs_and_tables() {
        let mut table = Table::new("  ", vec![Column::left(), Column::right()]);
        table.header(&["who", "n"]);
        table.row_with(vec!["<b>x</b>".into(), "12".into()], "  ✓ <i>", 0);
        let mut doc = Doc::default();
        doc.title("head <1>")
            .fact("tried", 10, "3 keys")
            .fact_runs("found", 10, vec![Run::open("✓ OPEN")])
            .note("quiet")
            .table(table);
        let mut page = Page::default();
        write_doc(&mut page, &doc);
        let html = page.out;
        assert!(
            html.contains("<h2><strong>head &lt;1&gt;</strong></h2>"),
            "{html}"
        );
        assert_eq!(html.matches("<dl class=\"facts\">").count(), 1, "{html}");
        assert!(html.contains("<dt>found</dt><dd><strong class=\"open\">✓ OPEN</strong></dd>"));
        assert!(html.contains("<p class=\"line\"><span class=\"note\">quiet</span></p>"));
        assert!(
            html.contains("<th scope=\"col\" class=\"n\">n</th>"),
            "{html}"
        );
        assert!(
            html.contains("<th scope=\"row\">&lt;b&gt;x&lt;/b&gt;</th>"),
            "{html}"
        );
        assert!(
            html.contains("<td class=\"n\">12 ✓ &lt;i&gt;</td>"),
            "{html}"
        );
        assert!(!html.contains("<b>") && !html.contains("<i>"));
    }
}
