//! What the demos say of history is cited, and what they measured says so: every act
//! whose narration states a date cites a source; every source a demo lists is found in
//! docs/references.md (by a name and the year it gives); every figure timed in a run is
//! marked as measured and the run names the machine; the teaching guide counts the
//! demos there are.

use std::path::Path;

use regex::Regex;
use serde_json::Value;

use crate::util::*;

/// Every shipped scenario file, parsed: (file name, TOML).
fn scenarios() -> Vec<(String, toml::Value)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("demos");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p).unwrap();
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, toml::from_str(&text).unwrap())
        })
        .collect()
}

/// An act's narration, one string per paragraph (`say` is a string or a list).
fn narration(act: &toml::Value) -> Vec<String> {
    match act.get("say") {
        Some(toml::Value::String(s)) => vec![s.clone()],
        Some(toml::Value::Array(a)) => a.iter().map(|v| v.as_str().unwrap().to_owned()).collect(),
        _ => Vec::new(),
    }
}

fn years(text: &str) -> Vec<String> {
    Regex::new(r"\b(19[4-9]\d|20[0-2]\d)\b")
        .unwrap()
        .find_iter(text)
        .map(|m| m.as_str().to_owned())
        .collect()
}

#[test]
fn every_act_that_states_a_date_cites_a_source_the_demo_lists() {
    let mut dated = 0;
    for (file, scenario) in scenarios() {
        let sources = scenario["sources"].as_array().map_or(0, Vec::len);
        for (i, act) in scenario["act"].as_array().unwrap().iter().enumerate() {
            let said = narration(act).join(" ");
            let cite: Vec<i64> = act
                .get("cite")
                .and_then(|c| c.as_array())
                .map(|c| c.iter().map(|n| n.as_integer().unwrap()).collect())
                .unwrap_or_default();
            for n in &cite {
                assert!(
                    (1..=sources as i64).contains(n),
                    "{file}, act {}: cites [{n}], and the demo lists {sources} sources",
                    i + 1
                );
            }
            if !years(&said).is_empty() {
                dated += 1;
                assert!(
                    !cite.is_empty(),
                    "{file}, act {}: states a date ({:?}) and cites no source: {said}",
                    i + 1,
                    years(&said)
                );
            }
        }
    }
    assert!(dated >= 15, "acts that state a date: {dated}");
}

/// Words that name nothing by themselves.
const COMMON: [&str; 36] = [
    "January",
    "February",
    "March",
    "April",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
    "Sept",
    "The",
    "This",
    "That",
    "What",
    "From",
    "With",
    "Under",
    "When",
    "Open",
    "Letter",
    "Report",
    "Security",
    "Support",
    "Statement",
    "Systematic",
    "Analysis",
    "Practical",
    "Standard",
    "Edition",
    "International",
    "Technical",
    "Summary",
    "Review",
    "Issue",
];

/// The proper names a source gives: capitalised words of four letters or more.
fn names(source: &str) -> Vec<String> {
    Regex::new(r"\b[A-Z][\p{L}'_-]{3,}")
        .unwrap()
        .find_iter(source)
        .map(|m| m.as_str().trim_end_matches("'s").to_owned())
        .filter(|w| !COMMON.contains(&w.as_str()))
        .collect()
}

#[test]
fn every_source_a_demo_lists_is_in_docs_references_md() {
    let references =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/references.md"))
            .unwrap();
    // One entry: a bullet with its continuation lines.
    let entries: Vec<String> = references
        .split("\n- ")
        .map(|e| e.replace('\n', " "))
        .collect();
    let (mut checked, mut missing) = (0, Vec::new());
    for (file, scenario) in scenarios() {
        for source in scenario["sources"].as_array().unwrap() {
            let source = source.as_str().unwrap();
            let (years, names) = (years(source), names(source));
            assert!(!names.is_empty(), "{file}: {source:?} names no one");
            // A source may cite two things ("...2007; ...2024"): each year it gives is
            // found in an entry that also holds one of its names.
            let named = |entry: &&String| names.iter().any(|n| entry.contains(n.as_str()));
            let found = if years.is_empty() {
                entries.iter().any(|e| named(&e))
            } else {
                years
                    .iter()
                    .all(|y| entries.iter().filter(named).any(|e| e.contains(y.as_str())))
            };
            if !found {
                missing.push(format!(
                    "{file}: {source:?} (looked for one of {names:?} with each of {years:?})"
                ));
            }
            checked += 1;
        }
    }
    assert!(
        missing.is_empty(),
        "sources not in docs/references.md:\n{}",
        missing.join("\n")
    );
    assert!(checked >= 50, "sources checked: {checked}");
    // The check can fail: a source no entry holds is caught.
    for made_up in [
        "Smithers and Jones, Imaginary Review, 1999",
        "Juniper, 1971",
    ] {
        let (years, names) = (years(made_up), names(made_up));
        let named = |entry: &&String| names.iter().any(|n| entry.contains(n.as_str()));
        assert!(
            !years
                .iter()
                .all(|y| entries.iter().filter(named).any(|e| e.contains(y.as_str()))),
            "{made_up:?} resolved"
        );
    }
}

#[test]
fn every_timed_figure_is_marked_measured_and_the_run_names_the_machine() {
    independent_of_rsa_backend!();
    for demo in [
        "export-grade",
        "lotus-notes",
        "clipper-leaf-forgery",
        "golden-key-leak",
    ] {
        let dir = scratch(&format!("citations-{demo}"));
        let run = doormat(&dir, &["demo", demo, "--seed", "42", "--json"])
            .ok()
            .json();
        let mut measured = 0;
        for act in run["acts"].as_array().unwrap() {
            for block in act["blocks"].as_array().unwrap() {
                for fact in block["facts"].as_array().into_iter().flatten() {
                    let q = &fact["quantity"];
                    let timed = q["unit"] == "keys/s"
                        || (q["unit"] == "seconds" && fact["label"] == "took");
                    if timed {
                        assert_eq!(q["measured"], true, "{demo}: {fact} is timed here");
                    }
                    if q["measured"] == true {
                        measured += 1;
                    }
                }
            }
        }
        let machine: &Value = &run["machine"];
        if measured > 0 {
            assert!(
                machine["cpu"].as_str().is_some_and(|c| !c.is_empty())
                    && machine["cores"].as_u64() > Some(0),
                "{demo}: {measured} measured figures, and no machine: {machine}"
            );
            let text = doormat(&dir, &["demo", demo, "--seed", "42"])
                .ok()
                .stdout
                .clone();
            assert!(
                text.contains("(measured here)"),
                "{demo}: marked in the text"
            );
            assert!(
                text.contains("were timed in this run on"),
                "{demo}: the text names the machine"
            );
        } else {
            assert!(machine.is_null(), "{demo}: nothing timed, no machine");
        }
    }
}

#[test]
fn the_teaching_guide_counts_the_demos_there_are() {
    let dir = scratch("citations-count");
    let list = doormat(&dir, &["demo", "--list", "--json"]).ok().json();
    let count = list["demos"].as_array().unwrap().len();
    let words = [
        "",
        "One",
        "Two",
        "Three",
        "Four",
        "Five",
        "Six",
        "Seven",
        "Eight",
        "Nine",
        "Ten",
        "Eleven",
        "Twelve",
        "Thirteen",
        "Fourteen",
        "Fifteen",
        "Sixteen",
        "Seventeen",
        "Eighteen",
        "Nineteen",
        "Twenty",
        "Twenty-one",
        "Twenty-two",
    ];
    let guide = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/teaching-guide.md"),
    )
    .unwrap();
    let said = Regex::new(r"\b([A-Z][a-z]+(?:-[a-z]+)?) demos\b")
        .unwrap()
        .captures(&guide)
        .map(|c| c[1].to_owned())
        .expect("the guide says how many demos there are");
    assert_eq!(said, words[count], "docs/teaching-guide.md: {count} demos");
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    for (i, word) in words.iter().enumerate().skip(2) {
        let stale = format!("the {} demos", word.to_lowercase());
        assert!(
            i == count || !readme.contains(&stale),
            "README.md says {stale:?}; there are {count}"
        );
    }
}
