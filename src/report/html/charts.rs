//! The pictures: the heat map of who can read what, bar charts, exposure strips over
//! time, a radius's facts and bars, a stolen device's timeline.

use super::*;

/// The who-can-read-what matrix as a heat map, then the same numbers as a table.
/// `gained`: rows that read more than after the previous act, outlined in orange.
pub(super) fn heat_map(page: &mut Page, matrix: &Matrix, gained: &[String], heading: &str) {
    let (label_w, cell_w, cell_h, top) = (210u32, 110u32, 32u32, 60u32);
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
        // The outline is explained only where there is one: a live class's matrix has
        // no acts.
        let legend = if gained.is_empty() {
            "darker: more read"
        } else {
            "darker: more read · ▲ and orange outline: gained access in this act"
        };
        let _ = writeln!(
            svg,
            "<text x=\"{label_w}\" y=\"{legend_y}\" font-size=\"14\" fill=\"#4a4a4a\">{legend}</text>"
        );
    });
    let mut header = vec![Column::words("party")];
    header.extend(matrix.users.iter().map(|user| Column::figures(user)));
    let rows: Vec<Vec<String>> = matrix
        .rows
        .iter()
        .map(|row| {
            let mut cells = vec![row.name.clone()];
            cells.extend(row.cells.iter().map(cell_words));
            cells
        })
        .collect();
    page.numbers(&format!("{title}, as numbers"), &header, &rows);
    for row in &matrix.rows {
        if let Some(searched) = &row.searched {
            page.element("p", "note", &words::searched_row(&row.name, searched));
        }
    }
}

/// One horizontal bar: a label, how many of how many.
pub(super) struct Bar {
    pub(super) label: String,
    pub(super) value: f64,
    pub(super) of: f64,
    pub(super) words: String,
}

/// Horizontal bars on one scale, the figure written at the end of each bar.
pub(super) fn bar_chart(page: &mut Page, title: &str, axis: &str, bars: &[Bar]) {
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
pub(super) const SERIES: [(&str, &str); 2] = [
    ("#0072b2", "time to send"),
    ("#e69f00", "bytes on the wire"),
];

/// Grouped horizontal bars of ratios to a baseline (1 = the same as `none`), two per
/// group, each with its figure written beside it.
pub(super) fn grouped_ratio_bars(
    page: &mut Page,
    title: &str,
    groups: &[(String, [(f64, String); 2])],
) {
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
pub(super) fn radius_bars(page: &mut Page, title: &str, rows: &[ComparisonRow]) {
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
    page.numbers(
        &format!("{title}, as numbers"),
        &[
            Column::words("design"),
            Column::words("what was stolen"),
            Column::figures("opened"),
            Column::figures("recorded"),
            Column::figures(words::USERS_FULLY_EXPOSED),
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
pub(super) fn exposure_strips(page: &mut Page, title: &str, rows: &[(String, &BlastRadius)]) {
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
    page.numbers(
        &format!("{title}, as numbers"),
        &[
            Column::words("compromise"),
            Column::figures("opened"),
            Column::figures("first opened at t"),
            Column::figures("last opened at t"),
        ],
        &table,
    );
}

/// One compromise's radius: the totals, and each user's share as bars; then each
/// stolen device's timeline, where `timelines` (a demo shows them as blocks of their own).
pub(super) fn radius(page: &mut Page, label: &str, radius: &BlastRadius, timelines: bool) {
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
    // Bars that are all full, or all empty, picture nothing the facts above have not
    // said ("6 of 6 fully exposed"): the numbers stay, folded.
    let alike = radius.per_user.iter().all(|u| u.opened == u.messages)
        || radius.per_user.iter().all(|u| u.opened == 0);
    if !bars.is_empty() && alike {
        page.raw("<details class=\"per-user\">");
        page.element("summary", "", &format!("What {label} opens, user by user"));
        let rows: Vec<Vec<String>> = bars
            .iter()
            .map(|b| vec![b.label.clone(), b.words.clone()])
            .collect();
        page.table(
            &format!("What {label} opens, user by user, as numbers"),
            &[Column::words("user"), Column::words("opened, of theirs")],
            &rows,
        );
        page.raw("</details>\n");
    } else if !bars.is_empty() {
        bar_chart(
            page,
            &format!("What {label} opens, user by user"),
            "each user's messages (sent or received) opened, of theirs (grey)",
            &bars,
        );
        page.numbers(
            &format!("What {label} opens, user by user, as numbers"),
            &[
                Column::words("user"),
                Column::figures("opened"),
                Column::figures("messages"),
            ],
            &per_user_rows(radius),
        );
    }
    if timelines {
        for timeline in &radius.timelines {
            timeline_strip(page, timeline);
        }
    }
}

/// Each user's opened and recorded messages, as table rows.
fn per_user_rows(radius: &BlastRadius) -> Vec<Vec<String>> {
    radius
        .per_user
        .iter()
        .map(|u| vec![u.name.clone(), u.opened.to_string(), u.messages.to_string()])
        .collect()
}

/// A stolen device's exposure over logical time: one slice per column, filled by the
/// share of the victim's messages in that slice that opened, with the theft marked.
pub(super) fn timeline_strip(page: &mut Page, timeline: &Timeline) {
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
        // The label is up to about 190 units wide: centred on the mark, it would run off
        // either end of the strip when the theft is near one.
        let anchor = if theft_x + 100 > width {
            "end"
        } else if theft_x < 100 {
            "start"
        } else {
            "middle"
        };
        let _ = writeln!(
            svg,
            "<line x1=\"{theft_x}\" y1=\"{}\" x2=\"{theft_x}\" y2=\"{}\" stroke=\"{GAINED}\" stroke-width=\"4\"/>\n\
             <text x=\"{theft_x}\" y=\"{}\" font-size=\"15\" text-anchor=\"{anchor}\">device copied (t = {})</text>\n\
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
    page.numbers(
        &format!("{title}, as numbers"),
        &[
            Column::words("when"),
            Column::figures("opened"),
            Column::figures("messages"),
        ],
        &rows,
    );
}

/// The facts as a list of terms, then the pictures among them.
pub(super) fn facts(page: &mut Page, facts: &[Fact]) {
    fact_list(page, facts);
    pictures(page, facts);
}

/// The pictures among `facts`, side by side, each with its caption.
pub(super) fn pictures(page: &mut Page, facts: &[Fact]) {
    let shown: Vec<(&Shown, &[u8])> = facts
        .iter()
        .filter_map(|f| match &f.said {
            Said::Picture { shows, png } => Some((shows, png.as_slice())),
            _ => None,
        })
        .collect();
    if shown.is_empty() {
        return;
    }
    page.raw("<div class=\"images\">\n");
    for (shows, png) in shown {
        let caption = escape(&crate::report::facts::picture_caption(shows));
        let _ = writeln!(
            page.out,
            "<figure><img src=\"data:image/png;base64,{}\" alt=\"{caption}\">\
             <figcaption>{caption}</figcaption></figure>",
            crate::wire::b64(png)
        );
    }
    page.raw("</div>\n");
}

/// The facts but the pictures, as a list of terms.
pub(super) fn fact_list(page: &mut Page, facts: &[Fact]) {
    page.raw("<dl class=\"facts\">\n");
    for fact in facts
        .iter()
        .filter(|f| !matches!(f.said, Said::Picture { .. }))
    {
        let (label, value) = crate::report::facts::said(&fact.said);
        page.element("dt", "", &label);
        let (class, mark) = match fact.open {
            Some(true) => ("open", "✓ "),
            Some(false) => ("sealed", "✗ "),
            None => ("", ""),
        };
        let measured = if fact.is_measured() {
            format!(" {}", words::MEASURED_HERE)
        } else {
            String::new()
        };
        page.element("dd", class, &format!("{mark}{value}{measured}"));
    }
    page.raw("</dl>\n");
}
