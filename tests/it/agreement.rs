//! One seeded run, three renderers: every figure the text and the HTML of a demo show
//! (what each compromise opened, the users it exposed, the conversations, each cell of
//! who-can-read-what, each row of the design-by-design comparison) equals the figure in
//! the JSON of the same run. And every heading of every demo page reads as a sentence.

use regex::Regex;
use serde_json::Value;

use crate::util::*;

/// Every demo, as `demo --list --json` names them (the registry, not a copy of it).
fn every_demo() -> Vec<String> {
    let dir = scratch("agreement-list");
    let list = doormat(&dir, &["demo", "--list", "--json"]).ok().json();
    list["demos"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["name"].as_str().unwrap().to_owned())
        .collect()
}

/// Every demo's seeded run in all three formats, shared with the other tests that read
/// them (the snapshots, the JSON checks): each demo runs twice in all per test process.
fn every_run() -> Vec<(String, std::sync::Arc<DemoRun>)> {
    every_demo()
        .into_iter()
        .map(|demo| {
            let run = demo_run(&demo);
            (demo, run)
        })
        .collect()
}

/// Text of a page with its markup's entities read back.
fn unescape(html: &str) -> String {
    html.replace("&#39;", "'")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// The text's acts, each from its "── N." rule to the next.
fn text_acts(text: &str) -> Vec<String> {
    let mut acts: Vec<String> = Vec::new();
    for line in text.lines() {
        if line.starts_with("── ") {
            acts.push(String::new());
        }
        if let Some(act) = acts.last_mut() {
            act.push_str(line);
            act.push('\n');
        }
    }
    acts
}

/// The page's acts, each its `<section class="act">`.
fn html_acts(html: &str) -> Vec<String> {
    html.split("<section class=\"act\">")
        .skip(1)
        .map(unescape)
        .collect()
}

fn n(v: &Value) -> u64 {
    v.as_u64()
        .unwrap_or_else(|| panic!("{v} is not a whole number"))
}

/// Every capture of `pattern` in `text`, as numbers, match by match.
fn figures(pattern: &str, text: &str) -> Vec<Vec<u64>> {
    Regex::new(pattern)
        .unwrap()
        .captures_iter(text)
        .map(|c| {
            c.iter()
                .skip(1)
                .map(|m| m.unwrap().as_str().parse().unwrap())
                .collect()
        })
        .collect()
}

/// A matrix cell as both renderers show it: blank with no messages, "-" when none
/// reads, else the whole percent, at least 1.
fn cell_shown(cell: &Value) -> String {
    let (readable, messages) = (n(&cell["readable"]), n(&cell["messages"]));
    if messages == 0 {
        String::new()
    } else if readable == 0 {
        "-".to_owned()
    } else {
        format!("{}%", (100 * readable / messages).max(1))
    }
}

/// The figures one act's JSON states, as the renderers must show them.
#[derive(Default, Debug, PartialEq)]
struct Expected {
    /// Per radius: (opened, recorded).
    messages: Vec<Vec<u64>>,
    /// Per radius: (fully exposed, users, touched).
    users: Vec<Vec<u64>>,
    /// Per radius: (exposed, conversations).
    conversations: Vec<Vec<u64>>,
    /// Per comparison row with a radius: (opened, recorded, fully exposed, users).
    comparison: Vec<Vec<u64>>,
    /// Per matrix: each row's cells, as shown.
    matrices: Vec<Vec<(String, Vec<String>)>>,
}

fn expected(act: &Value) -> Expected {
    let mut e = Expected::default();
    for block in act["blocks"].as_array().unwrap() {
        match block["kind"].as_str().unwrap() {
            "radius" => {
                let r = &block["radius"];
                e.messages
                    .push(vec![n(&r["messages_opened"]), n(&r["messages_total"])]);
                e.users.push(vec![
                    r["users_fully_exposed"].as_array().unwrap().len() as u64,
                    n(&r["users_total"]),
                    r["users_exposed"].as_array().unwrap().len() as u64,
                ]);
                e.conversations.push(vec![
                    n(&r["conversations_exposed"]),
                    n(&r["conversations_total"]),
                ]);
            }
            "comparison" => {
                for row in block["rows"].as_array().unwrap() {
                    let r = &row["radius"];
                    if r.is_object() {
                        e.comparison.push(vec![
                            n(&r["messages_opened"]),
                            n(&r["messages_total"]),
                            r["users_fully_exposed"].as_array().unwrap().len() as u64,
                            n(&r["users_total"]),
                        ]);
                    }
                }
            }
            "matrix" => {
                let m = &block["matrix"];
                e.matrices.push(
                    m["rows"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|row| {
                            let cells = row["cells"].as_array().unwrap();
                            (
                                row["name"].as_str().unwrap().to_owned(),
                                cells.iter().map(cell_shown).collect(),
                            )
                        })
                        .collect(),
                );
            }
            _ => {}
        }
    }
    e
}

/// The figures an act of the text shows.
fn shown_in_text(act: &str, expected: &Expected) -> Expected {
    let mut shown = Expected {
        messages: figures(r"(?m)^ +messages +(\d+) of (\d+) opened", act),
        users: figures(
            r"(?m)^ +users +(\d+) of (\d+) fully exposed, (\d+) touched",
            act,
        ),
        conversations: figures(r"(?m)^ +conversations +(\d+) of (\d+)$", act),
        comparison: figures(r"(?m)^  \S.*? (\d+) +\d+% +(\d+)/(\d+) +\d+/\d+", act),
        matrices: Vec::new(),
    };
    // The comparison's text row has no "recorded" column: take it from the JSON's
    // row in the same place, and compare the rest.
    shown.comparison = shown
        .comparison
        .iter()
        .zip(&expected.comparison)
        .map(|(f, e)| vec![f[0], e[1], f[1], f[2]])
        .collect();
    // A matrix: a bold heading, a row of user names, then a row per party, each
    // cell 7 columns wide after a label as wide as the longest name (at least 8).
    let lines: Vec<&str> = act.lines().collect();
    let mut i = 0;
    while i < lines.len() {
        if lines[i].starts_with("  who can read what (") {
            let which = shown.matrices.len();
            let rows = expected.matrices.get(which).cloned().unwrap_or_default();
            let label = rows
                .iter()
                .map(|(name, _)| name.chars().count())
                .max()
                .unwrap_or(0)
                .max(8);
            let mut matrix = Vec::new();
            for (r, (name, cells)) in rows.iter().enumerate() {
                let line: Vec<char> = lines[i + 2 + r].chars().skip(2).collect();
                let shown_name: String = line[..label].iter().collect();
                let shown_cells: Vec<String> = (0..cells.len())
                    .map(|c| {
                        let from = label + 7 * c;
                        line.get(from..from + 7)
                            .map(|s| s.iter().collect::<String>().trim().to_owned())
                            .unwrap_or_default()
                    })
                    .collect();
                assert_eq!(shown_name.trim_end(), name, "matrix row names in order");
                matrix.push((name.clone(), shown_cells));
            }
            shown.matrices.push(matrix);
            i += 2 + rows.len();
        } else {
            i += 1;
        }
    }
    shown
}

/// The figures an act of the page shows.
fn shown_in_html(act: &str, expected: &Expected) -> Expected {
    let users_fully = figures(
        r"<dt>users fully exposed</dt>\s*<dd>(\d+) of (\d+)</dd>",
        act,
    );
    let touched = figures(r"<dt>users touched</dt>\s*<dd>(\d+) of \d+</dd>", act);
    assert_eq!(
        users_fully.len(),
        touched.len(),
        "each radius shows both counts"
    );
    let mut shown = Expected {
        messages: figures(r"<dt>messages opened</dt>\s*<dd>(\d+) of (\d+) ", act),
        users: users_fully
            .iter()
            .zip(&touched)
            .map(|(f, t)| vec![f[0], f[1], t[0]])
            .collect(),
        conversations: figures(
            r"<dt>conversations exposed</dt>\s*<dd>(\d+) of (\d+)</dd>",
            act,
        ),
        // The comparison's table: design, what was stolen, opened, recorded, users.
        comparison: figures(
            r"<td class=.n.>(\d+)</td><td class=.n.>(\d+)</td><td class=.n.>(\d+) of (\d+)</td>",
            act,
        ),
        matrices: Vec::new(),
    };
    // A heat map's cells, row by row: each cell's title says whose, how many of how
    // many, and the percent its text shows.
    let cell = Regex::new(r"<title>(.+?) reads (\d+) of (\d+) \((\d+)%\) of [^<]*</title></rect>\s*<text[^>]*>(\d+)%</text>").unwrap();
    // Each heat map's cells come before its legend, so the page split at the legends
    // holds one map's cells in each piece but the last.
    let pieces: Vec<&str> = act.split("darker: more read").collect();
    for map in &pieces[..pieces.len() - 1] {
        let which = shown.matrices.len();
        let Some(rows) = expected.matrices.get(which) else {
            break;
        };
        let mut cells = cell.captures_iter(map);
        let mut matrix = Vec::new();
        for (name, row) in rows {
            let shown_cells: Vec<String> = row
                .iter()
                .map(|_| {
                    let c = cells.next().expect("a cell per user");
                    assert_eq!(&c[1], name, "heat map rows in order");
                    assert_eq!(c[4], c[5], "the title's percent is the one drawn");
                    let (readable, messages): (u64, u64) =
                        (c[2].parse().unwrap(), c[3].parse().unwrap());
                    cell_shown(&serde_json::json!({"readable": readable, "messages": messages}))
                })
                .collect();
            matrix.push((name.clone(), shown_cells));
        }
        shown.matrices.push(matrix);
    }
    shown
}

#[test]
fn every_demo_shows_the_same_figures_in_text_json_and_html() {
    independent_of_rsa_backend!();
    let runs = every_run();
    assert!(runs.len() >= 18, "every demo: {}", runs.len());
    let (mut radii, mut cells, mut rows) = (0, 0, 0);
    for (demo, run) in &runs {
        let (json, text, html) = (&run.json, &run.text, &run.html);
        let acts = json["acts"].as_array().unwrap();
        let (text_acts, html_acts) = (text_acts(text), html_acts(html));
        assert_eq!(text_acts.len(), acts.len(), "{demo}: acts in the text");
        assert_eq!(html_acts.len(), acts.len(), "{demo}: acts on the page");
        for (i, act) in acts.iter().enumerate() {
            let want = expected(act);
            radii += want.messages.len();
            rows += want.comparison.len();
            let in_text = shown_in_text(&text_acts[i], &want);
            let in_html = shown_in_html(&html_acts[i], &want);
            let number = i + 1;
            for (format, shown) in [("text", &in_text), ("page", &in_html)] {
                let at = format!("{demo} act {number}: {format}");
                assert_eq!(shown.messages, want.messages, "{at}, messages");
                assert_eq!(shown.users, want.users, "{at}, users");
                assert_eq!(
                    shown.conversations, want.conversations,
                    "{at}, conversations"
                );
                assert_eq!(shown.comparison, want.comparison, "{at}, comparison");
                // A matrix unchanged since the last one shown is one line in both.
                for (k, matrix) in shown.matrices.iter().enumerate() {
                    assert_eq!(matrix, &want.matrices[k], "{at}, matrix");
                }
            }
            cells += in_html
                .matrices
                .iter()
                .flatten()
                .map(|r| r.1.len())
                .sum::<usize>();
            assert_eq!(
                in_text.matrices.len(),
                in_html.matrices.len(),
                "{demo} act {number}: both show the matrix, or both say it is unchanged"
            );
        }
    }
    // Figures enough that a renderer that lost a block would be caught.
    assert!(
        radii >= 15 && rows >= 20 && cells >= 500,
        "radii {radii}, comparison rows {rows}, matrix cells {cells}"
    );
}

/// The whole numbers a stretch of text states, thousands separators read through.
fn whole_numbers(text: &str) -> Vec<u64> {
    Regex::new(r"\d[\d,]*")
        .unwrap()
        .find_iter(text)
        .filter_map(|m| {
            m.as_str()
                .trim_end_matches(',')
                .replace(',', "")
                .parse()
                .ok()
        })
        .collect()
}

/// What the text shows of the `k`-th fact labelled `label` (from 0): its line, and the
/// lines its value wrapped onto (indented past the labels).
fn text_fact(act: &str, label: &str, k: usize) -> Option<String> {
    let lines: Vec<&str> = act.lines().collect();
    let is_label = |line: &&str| {
        line.strip_prefix("  ")
            .and_then(|rest| rest.strip_prefix(label))
            .is_some_and(|rest| rest.starts_with("  "))
    };
    let at = lines
        .iter()
        .enumerate()
        .filter(|(_, line)| is_label(line))
        .nth(k)?
        .0;
    let mut shown = lines[at].to_owned();
    for line in lines[at + 1..].iter().take_while(|l| l.starts_with("    ")) {
        shown.push(' ');
        shown.push_str(line);
    }
    Some(shown)
}

/// What the page shows of the `k`-th fact labelled `label` (from 0): its `<dd>`.
fn html_fact(act: &str, label: &str, k: usize) -> Option<String> {
    let after = act.split(&format!("<dt>{label}</dt>")).nth(k + 1)?;
    let (dd, _) = after.split_once("</dd>")?;
    Some(dd.to_owned())
}

/// Every count a demo's facts state (`n` of `of`, typed in the JSON) is what the text
/// and the page say beside that fact's label: one figure, one definition.
#[test]
fn every_counted_fact_shows_its_json_figures_in_text_and_page() {
    independent_of_rsa_backend!();
    let mut checked = 0;
    for (demo, run) in &every_run() {
        let acts = run.json["acts"].as_array().unwrap();
        let (text_acts, html_acts) = (text_acts(&run.text), html_acts(&run.html));
        for (i, act) in acts.iter().enumerate() {
            let facts = act["blocks"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|b| b["kind"] == "facts")
                .flat_map(|b| b["facts"].as_array().unwrap());
            // Labels repeat (one warrant after another): the k-th of a label in the
            // JSON is the k-th in each rendering.
            let mut seen: std::collections::HashMap<&str, usize> = Default::default();
            for fact in facts {
                let label = fact["label"].as_str().unwrap();
                let k = *seen.entry(label).and_modify(|k| *k += 1).or_insert(0);
                let quantity = &fact["quantity"];
                let Some(of) = quantity["of"].as_u64() else {
                    continue;
                };
                let count = n(&quantity["n"]);
                let at = format!("{demo} act {}, {label:?}", i + 1);
                let shown = [
                    ("text", text_fact(&text_acts[i], label, k)),
                    ("page", html_fact(&html_acts[i], label, k)),
                ];
                for (format, shown) in shown {
                    let shown = shown.unwrap_or_else(|| panic!("{at}: not in the {format}"));
                    let numbers = whole_numbers(&shown);
                    assert!(
                        numbers.contains(&count) && numbers.contains(&of),
                        "{at}: the JSON counts {count} of {of}, the {format} says {shown:?}"
                    );
                }
                checked += 1;
            }
        }
    }
    assert!(checked >= 10, "counted facts checked: {checked}");
}

/// A heading reads as a sentence: a capital (or a digit) first, no word twice in a row,
/// parentheses that close, and no dangling preposition or verb glued on at the end.
fn reads_as_a_sentence(heading: &str) -> Result<(), String> {
    let first = heading.chars().next().ok_or("empty")?;
    // The page's title starts with the program's own name, which is lower case.
    if !(first.is_uppercase() || first.is_ascii_digit() || heading.starts_with("doormat ")) {
        return Err("does not start with a capital".into());
    }
    let words: Vec<String> = heading
        .split_whitespace()
        .map(|w| {
            w.trim_matches(|c: char| !c.is_alphanumeric())
                .to_lowercase()
        })
        .collect();
    if let Some(w) = words.windows(2).find(|w| w[0] == w[1] && !w[0].is_empty()) {
        return Err(format!("says {:?} twice in a row", w[0]));
    }
    if heading.matches('(').count() != heading.matches(')').count() {
        return Err("a parenthesis does not close".into());
    }
    let last = words.last().cloned().unwrap_or_default();
    if ["in", "of", "by", "the", "a", "and", "with"].contains(&last.as_str()) {
        return Err(format!("ends on {last:?}"));
    }
    // "What X (Y), in Z opens", "What X, on the messages ... opens": a verb left at the
    // end after a comma-glued clause is the old glue.
    if Regex::new(r"^What [^,]*,[^,]* (opens|reads)$")
        .unwrap()
        .is_match(heading)
    {
        return Err("a verb after a glued design".into());
    }
    Ok(())
}

#[test]
fn every_demo_pages_headings_read_as_sentences() {
    independent_of_rsa_backend!();
    let heading = Regex::new(r"(?s)<h([1-4])[^>]*>(.*?)</h[1-4]>").unwrap();
    let tag = Regex::new(r"<[^>]+>").unwrap();
    let mut checked = 0;
    for (demo, run) in every_run() {
        for c in heading.captures_iter(&run.html) {
            let text = unescape(&tag.replace_all(&c[2], ""));
            if let Err(why) = reads_as_a_sentence(&text) {
                panic!("{demo}: heading {text:?} {why}");
            }
            checked += 1;
        }
    }
    assert!(checked > 100, "{checked} headings");
}

#[test]
fn the_sentence_rule_catches_the_old_glued_headings() {
    for glued in [
        "Some of what a few of the messages attacker reads reads",
        "What phone thief (alice's key), in none opens",
        "What attacker, on the messages sent in this act opens",
        "readable without any warrant",
    ] {
        assert!(reads_as_a_sentence(glued).is_err(), "{glued}");
    }
    for fine in [
        "What phone thief can open in design none, holding alice's key",
        "A few of the messages attacker can read",
        "3. Lawful access works, and has no limits",
    ] {
        assert_eq!(reads_as_a_sentence(fine), Ok(()), "{fine}");
    }
}

/// Every act pictures the design it is about: its who-can-read-what is of the designs
/// its blast radii of the recording open (the flagship's act about the design without
/// escrow shows that design, forward-secrecy's escrow-key act shows golden-key), and
/// an act that names no design pictures the same one as every other such act: the
/// world's main design.
#[test]
fn every_act_pictures_the_design_its_radii_are_of() {
    independent_of_rsa_backend!();
    let (mut named, mut acts_seen) = (0, 0);
    for (demo, run) in every_run() {
        let mut main: Option<String> = None;
        for act in run.json["acts"].as_array().unwrap() {
            let number = &act["number"];
            let blocks = act["blocks"].as_array().unwrap();
            let mut radii: Vec<&str> = Vec::new();
            for block in blocks {
                if block["kind"] == "radius" && block["scope"] == "recording" {
                    let design = block["design"].as_str().unwrap();
                    if !radii.contains(&design) {
                        radii.push(design);
                    }
                }
            }
            let pictured: Vec<&str> = blocks
                .iter()
                .filter(|b| b["kind"] == "matrix")
                .map(|b| b["matrix"]["design"].as_str().unwrap())
                .collect();
            if pictured.is_empty() {
                continue;
            }
            acts_seen += 1;
            if radii.is_empty() {
                assert_eq!(pictured.len(), 1, "{demo} act {number}: {pictured:?}");
                let main = main.get_or_insert_with(|| pictured[0].to_owned());
                assert_eq!(pictured[0], main, "{demo} act {number} names no design");
            } else {
                named += 1;
                assert_eq!(pictured, radii, "{demo} act {number}: the matrix is of");
            }
        }
    }
    assert!(
        acts_seen > 50 && named > 10,
        "{acts_seen} acts, {named} naming"
    );
}

/// A partial key search reads as what it opened of what it tried: its row of the
/// matrix counts the messages it tried (tea1-short-key's search of 3 of 300 reads
/// 100%, not 1%), and its act says what the rest would take at the rate measured.
#[test]
fn a_partial_search_reads_as_what_it_opened_of_what_it_tried() {
    independent_of_rsa_backend!();
    let mut rows = 0;
    for (demo, run) in every_run() {
        for act in run.json["acts"].as_array().unwrap() {
            let number = &act["number"];
            for block in act["blocks"].as_array().unwrap() {
                if block["kind"] != "matrix" {
                    continue;
                }
                for row in block["matrix"]["rows"].as_array().unwrap() {
                    let Some(searched) = row.get("searched") else {
                        continue;
                    };
                    rows += 1;
                    let (tried, recorded) = (n(&searched["tried"]), n(&searched["recorded"]));
                    assert!(0 < tried && tried <= recorded, "{demo} act {number}: {row}");
                    let cells = row["cells"].as_array().unwrap();
                    let counted: u64 = cells.iter().map(|c| n(&c["messages"])).sum();
                    // Each message counts under its sender and each recipient.
                    assert!(counted >= tried, "{demo} act {number}: {row}");
                    for cell in cells {
                        assert!(n(&cell["readable"]) <= n(&cell["messages"]), "{row}");
                    }
                }
            }
        }
        if demo == "tea1-short-key" {
            let act = &run.json["acts"][1];
            let blocks = act["blocks"].as_array().unwrap();
            let facts: Vec<&Value> = blocks
                .iter()
                .filter_map(|b| b["facts"].as_array())
                .flatten()
                .collect();
            let rest = facts
                .iter()
                .find(|f| f["said"]["kind"] == "search-the-rest")
                .expect("tea1-short-key says what the rest of the search would take");
            let matrix = blocks.iter().find(|b| b["kind"] == "matrix").unwrap();
            let anyone = matrix["matrix"]["rows"]
                .as_array()
                .unwrap()
                .iter()
                .find(|r| r["name"] == "anyone")
                .unwrap();
            let tried = n(&anyone["searched"]["tried"]);
            let recorded = n(&anyone["searched"]["recorded"]);
            assert_eq!(n(&rest["said"]["messages"]), recorded - tried, "{rest}");
            for cell in anyone["cells"].as_array().unwrap() {
                assert_eq!(cell["readable"], cell["messages"], "{anyone}");
            }
            assert!(run.text.contains(&format!(
                "anyone: share of the {tried} messages its searches tried, of {recorded} recorded"
            )));
        }
    }
    assert!(rows > 0, "no demo has a partial search");
}
