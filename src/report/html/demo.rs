//! A demo as a page: every act, its narration, its blocks and its pictures.

use super::*;
use crate::report::ShownMatrices;

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
        let mut shown = ShownMatrices::default();
        for act in &self.acts {
            write_act(page, act, &shown);
            shown.record(act.number, &act.blocks);
        }
        if self.stopped_early {
            page.element("p", "", "(stopped before the last act)");
        }
        if let Some(machine) = &self.machine {
            page.element("p", "", &words::measured_on(machine));
        }
    }

    fn slides(&self) -> Option<String> {
        Some(super::slides::slides(self))
    }
}

pub(super) fn write_act(page: &mut Page, act: &Act, shown: &ShownMatrices) {
    page.raw("<section class=\"act\">\n");
    page.element("h2", "", &format!("{}. {}", act.number, act.title));
    // On a wide screen an act's pictures (a matrix that changed, a timeline), and the
    // tables of parties and sources, stand to the right of its words, so that the page is read across rather than scrolled.
    let picture = |block: &&Block| match block {
        Block::Timeline { .. } | Block::Sources { .. } | Block::Parties { .. } => true,
        Block::Matrix { matrix } => shown.last(&matrix.design).map(|(_, m)| m) != Some(matrix),
        _ => false,
    };
    let (pictures, words): (Vec<&Block>, Vec<&Block>) = act.blocks.iter().partition(picture);
    if !pictures.is_empty() {
        page.raw("<div class=\"words\">\n");
    }
    for paragraph in &act.narration {
        page.element("p", "say", paragraph);
    }
    for block in words {
        write_block(page, act, block, shown);
    }
    if !act.cite.is_empty() {
        let cited: Vec<String> = act.cite.iter().map(|n| format!("[{n}]")).collect();
        page.element("p", "", &format!("Sources: {}", cited.join(" ")));
    }
    if !pictures.is_empty() {
        page.raw("</div>\n<div class=\"pictures\">\n");
        for block in pictures {
            write_block(page, act, block, shown);
        }
        page.raw("</div>\n");
    }
    page.raw("</section>\n");
}

fn write_block(page: &mut Page, act: &Act, block: &Block, shown: &ShownMatrices) {
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
                        crate::report::facts::party_key(&p.key),
                        crate::report::facts::party_holds(&p.holds),
                    ]
                })
                .collect();
            page.table(
                "The parties",
                &[
                    Column::words("party"),
                    Column::words("role"),
                    Column::words("key"),
                    Column::words("holds"),
                ],
                &rows,
            );
        }
        Block::Envelope { envelope } => {
            // Folded: a screen of base64 says "it is ciphertext" no better than
            // its first line does, and the page is read from the back of a room.
            page.raw("<details class=\"envelope\">");
            page.element("summary", "", "One envelope, as the tap recorded it");
            let line = envelope
                .as_ref()
                .map_or_else(String::new, |e| e.to_json_line());
            page.element("pre", "", &line);
            page.raw("</details>\n");
        }
        Block::Radius { .. } => radius_block(page, block),
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
                    Column::words("design"),
                    Column::words("stolen"),
                    Column::figures("victim's, before"),
                    Column::figures("victim's, after"),
                    Column::figures("everyone else's"),
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
            let previous = shown.last(&matrix.design).map(|(_, m)| m);
            let gained = gained_rows(previous, matrix);
            if previous != Some(matrix) {
                heat_map(page, matrix, &gained, &format!("After act {}", act.number));
            } else {
                page.element("p", "", "Who can read what: unchanged by this act.");
            }
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
                &[
                    Column::words("t"),
                    Column::words("who read"),
                    Column::words("whose"),
                    Column::words("warrant"),
                ],
                &rows,
            );
        }
    }
    page.raw("</section>\n");
}

/// A radius block: its heading, then what the holding opens.
pub(super) fn radius_block(page: &mut Page, block: &Block) {
    if let Block::Radius {
        label,
        holding,
        design,
        scope,
        radius: r,
    } = block
    {
        let holding = crate::report::facts::holdings(holding);
        let heading = words::radius_heading(label, &holding, design.as_deref(), *scope);
        page.element("h3", "", &heading);
        radius(page, label, r, false);
    }
}

/// Rows that now read some user they read nothing of after the previous act (a new
/// row that reads anything counts): who gained access. A share that merely moves as
/// traffic grows is not a gain.
pub(super) fn gained_rows(previous: Option<&Matrix>, now: &Matrix) -> Vec<String> {
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
