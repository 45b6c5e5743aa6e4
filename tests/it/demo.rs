//! The flagship demo, run as a class would see it: its seeded output is snapshot-tested
//! (timings masked) and its JSON checked for the numbers the narration claims.

use serde_json::Value;

use crate::util::*;

fn snapshot_path(demo: &str) -> String {
    format!(
        "{}/tests/snapshots/demo-{demo}-seed-42.txt",
        env!("CARGO_MANIFEST_DIR")
    )
}

/// Replaces the only parts of a seeded run that change between runs: timings.
fn mask_timings(text: &str) -> String {
    let timing = regex::Regex::new(r"\d+\.\d+ s \(\d+ messages/s\)").unwrap();
    timing.replace_all(text, "<seconds> (<rate>)").into_owned()
}

#[test]
fn seeded_demo_matches_its_snapshot() {
    check_snapshot("golden-key-leak", &["demo", "--seed", "42"]);
}

#[test]
fn seeded_forward_secrecy_demo_matches_its_snapshot() {
    check_snapshot(
        "forward-secrecy",
        &["demo", "forward-secrecy", "--seed", "42"],
    );
}

fn check_snapshot(demo: &str, args: &[&str]) {
    let dir = scratch("demo-snapshot");
    let run = doormat(&dir, args);
    run.ok();
    let shown = mask_timings(&run.stdout);
    let path = snapshot_path(demo);
    if std::env::var_os("DOORMAT_UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&path, &shown).unwrap();
    }
    let expected = std::fs::read_to_string(&path)
        .expect("snapshot exists (DOORMAT_UPDATE_SNAPSHOTS=1 writes it)");
    assert!(
        shown == expected,
        "demo output changed; if that is intended, rerun with DOORMAT_UPDATE_SNAPSHOTS=1\n{shown}"
    );
    for line in shown.lines() {
        assert!(
            line.chars().count() <= 80,
            "line wider than 80 columns: {line:?}"
        );
    }
    assert!(!run.stdout.contains('\x1b'), "no colour off a terminal");
}

fn radius(act: &Value, index: usize) -> &Value {
    let radii: Vec<&Value> = act["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|b| b["kind"] == "radius")
        .collect();
    &radii[index]["radius"]
}

#[test]
fn seeded_demo_json_holds_the_numbers_it_claims() {
    let dir = scratch("demo-json");
    let run = doormat(&dir, &["demo", "--seed", "42", "--json"]);
    let doc = run.ok().json();
    assert_eq!(doc["demo"], "golden-key-leak");
    assert_eq!(doc["seed"], 42);
    let acts = doc["acts"].as_array().unwrap();
    assert_eq!(acts.len(), 8);

    let tap = radius(&acts[1], 0);
    assert_eq!(tap["messages_total"], 1000);
    assert_eq!(tap["messages_opened"], 0, "the tap reads nothing");

    let leak = radius(&acts[4], 0);
    assert_eq!(leak["messages_opened"], 1000, "100% of recorded traffic");
    assert_eq!(leak["messages_total"], 1000);
    assert_eq!(leak["users_fully_exposed"].as_array().unwrap().len(), 6);
    assert_eq!(leak["conversations_exposed"], leak["conversations_total"]);
    assert_eq!(leak["first_exposed_t"], 1, "past messages included");

    let future = radius(&acts[5], 0);
    assert_eq!(future["messages_opened"], future["messages_total"]);
    assert!(
        future["first_exposed_t"].as_u64().unwrap() > 1000,
        "messages sent after the leak"
    );

    let victim = radius(&acts[6], 0);
    assert_eq!(victim["users_fully_exposed"], serde_json::json!(["alice"]));
    let opened = victim["messages_opened"].as_u64().unwrap();
    assert!(opened > 0 && opened < 1000);
    for user in victim["per_user"].as_array().unwrap() {
        if user["name"] != "alice" {
            assert!(
                user["opened"].as_u64() < user["messages"].as_u64(),
                "{user}"
            );
        }
    }

    // The warrant act: the warranted user's messages open, and so do everyone else's.
    let facts = &acts[2]["blocks"][0]["facts"];
    assert_eq!(facts[0]["open"], true);
    assert_eq!(facts[1]["open"], true);

    let rows = acts[7]["blocks"][0]["rows"].as_array().unwrap();
    let row = |scheme: &str, compromise: &str| {
        rows.iter()
            .find(|r| r["scheme"] == scheme && r["compromise"] == compromise)
            .unwrap_or_else(|| panic!("row {scheme} / {compromise}"))
    };
    assert_eq!(
        row("golden-key", "escrow key stolen")["radius"]["messages_opened"],
        1000
    );
    assert!(
        row("none", "escrow key stolen")["radius"].is_null(),
        "no escrow key exists"
    );
    assert_eq!(
        row("none", "alice's key stolen")["radius"]["messages_opened"],
        opened
    );
}

#[test]
fn forward_secrecy_json_holds_the_numbers_it_claims() {
    let dir = scratch("demo-fs-json");
    let doc = doormat(&dir, &["demo", "forward-secrecy", "--seed", "42", "--json"])
        .ok()
        .json();
    assert_eq!(doc["demo"], "forward-secrecy");
    let acts = doc["acts"].as_array().unwrap();
    assert_eq!(acts.len(), 7);
    let table = &acts[6]["blocks"][0];
    assert_eq!(table["kind"], "exposure");
    assert_eq!(table["victim"], "alice");
    let rows = table["rows"].as_array().unwrap();
    let row = |scheme: &str, compromise: &str| {
        rows.iter()
            .find(|r| r["scheme"] == scheme && r["compromise"] == compromise)
            .unwrap_or_else(|| panic!("row {scheme} / {compromise}"))
    };
    let n = |v: &Value| v.as_u64().unwrap();
    // Without a ratchet, the stolen phone opens all of alice's history and future.
    let none = row("none", "alice's phone at T");
    assert_eq!(none["before"]["opened"], none["before"]["messages"]);
    assert_eq!(none["after"]["opened"], none["after"]["messages"]);
    assert_eq!(none["others"]["opened"], 0);
    // With one, almost nothing of the past, a short window after, no one else.
    let fs = row("forward-secret", "alice's phone at T");
    assert!(
        n(&fs["before"]["opened"]) * 20 < n(&fs["before"]["messages"]),
        "{fs}"
    );
    assert!(
        n(&fs["after"]["opened"]) * 4 < n(&fs["after"]["messages"]),
        "{fs}"
    );
    assert!(
        n(&fs["after"]["opened"]) > 0,
        "the window after T is real: {fs}"
    );
    assert_eq!(fs["others"]["opened"], 0);
    // The golden key: the phone as under none, and the escrow key opens everyone.
    let phone = row("golden-key", "alice's phone at T");
    assert_eq!(phone["after"]["opened"], phone["after"]["messages"]);
    let escrow = row("golden-key", "the escrow key");
    for part in ["before", "after", "others"] {
        assert_eq!(escrow[part]["opened"], escrow[part]["messages"], "{part}");
    }
    // The ratchet's timeline says when it healed.
    let timeline = acts[4]["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["kind"] == "timeline")
        .expect("act 5 shows a timeline");
    assert!(n(&timeline["timeline"]["healed_at"]) > 150);
}

#[test]
fn list_names_each_demo_with_one_sentence() {
    let run = doormat(&scratch("demo-list"), &["demo", "--list"]);
    run.ok();
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert!(!lines.is_empty());
    assert!(lines[0].starts_with("golden-key-leak "));
    assert!(lines.iter().any(|l| l.starts_with("forward-secrecy ")));
    for line in lines {
        let (name, summary) = line.split_once(' ').unwrap();
        assert!(!name.is_empty() && summary.trim().ends_with('.'), "{line}");
    }
}

#[test]
fn unknown_demo_is_a_usage_error() {
    doormat(&scratch("demo-unknown"), &["demo", "no-such-demo"])
        .refused(&["no demo called", "--list"]);
}

#[test]
fn step_mode_waits_for_enter_and_quits_on_q() {
    let run = doormat_with_input(
        &scratch("demo-step"),
        &["demo", "--seed", "1", "--step"],
        "\n\nq\n",
    );
    run.ok();
    assert!(
        run.stdout.contains("── 2. Everyone talks"),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("── 3."), "stopped before act 3");
    assert!(run.stdout.contains("(stopped)"));
}
