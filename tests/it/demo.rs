//! Every demo, run as a class would see it: its seeded output is snapshot-tested
//! (timings masked) and its JSON checked for the numbers its narration claims. Scenario
//! mistakes are refused with the file, the line and the field.

use serde_json::Value;

use crate::util::*;

/// Every shipped demo, the flagship first.
const DEMOS: [&str; 19] = [
    "golden-key-leak",
    "harvest-now-decrypt-later",
    "insider-abuse",
    "salt-typhoon",
    "athens-affair",
    "forward-secrecy",
    "split-key",
    "provider-vault",
    "clear-unlock",
    "ghost-user",
    "sender-keys-ghost",
    "clipper-leaf-forgery",
    "tea1-short-key",
    "export-grade",
    "dual-ec",
    "lotus-notes",
    "client-side-scanning",
    "scanning-or-golden-key",
    // Not snapshot-tested: its 32-bit search takes half a minute (see below).
    "tea1-live",
];

fn snapshot_path(demo: &str) -> String {
    format!(
        "{}/tests/snapshots/demo-{demo}-seed-42.txt",
        env!("CARGO_MANIFEST_DIR")
    )
}

/// Replaces the only parts of a seeded run that change between runs: timings, and
/// what is extrapolated from them.
fn mask_timings(text: &str) -> String {
    let masks = [
        (r"\d+\.\d+ s \(\d+ messages/s\)", "<seconds> (<rate>)"),
        (
            r"[\d.]+(e\d+)? (seconds|minutes|hours|days|years)",
            "<duration>",
        ),
        (r"[\d.]+ (million|thousand) keys/s", "<rate> keys/s"),
        // A Dual_EC state search, timed live (masked no wider than it is).
        (r"x-coordinates, \d+\.\d s", "x-coordinates, #.# s"),
        (r"about \d+\.\d s,", "about #.# s,"),
        // The machine the timed figures come from: the run's last lines.
        (
            r"(?s)\n  Figures marked \(measured here\) were timed in this run on .*\z",
            "\n  Figures marked (measured here) were timed in this run on <machine>\n",
        ),
    ];
    let mut text = text.to_owned();
    for (pattern, with) in masks {
        text = regex::Regex::new(pattern)
            .unwrap()
            .replace_all(&text, with)
            .into_owned();
    }
    text
}

fn check_snapshot(demo: &str) {
    let run = demo_run(demo);
    let shown = mask_timings(&run.text);
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
    assert!(!run.text.contains('\x1b'), "no colour off a terminal");
    assert!(
        shown.contains("sources:"),
        "{demo} ends by citing its sources"
    );
    assert!(
        shown.contains("who can read what"),
        "{demo} shows the matrix"
    );
}

macro_rules! snapshot_tests {
    ($($test:ident => $demo:literal,)*) => {
        $(
            #[test]
            fn $test() {
                check_snapshot($demo);
            }
        )*
    };
}

snapshot_tests! {
    golden_key_leak_matches_its_snapshot => "golden-key-leak",
    harvest_now_decrypt_later_matches_its_snapshot => "harvest-now-decrypt-later",
    insider_abuse_matches_its_snapshot => "insider-abuse",
    salt_typhoon_matches_its_snapshot => "salt-typhoon",
    athens_affair_matches_its_snapshot => "athens-affair",
    forward_secrecy_matches_its_snapshot => "forward-secrecy",
    split_key_matches_its_snapshot => "split-key",
    provider_vault_matches_its_snapshot => "provider-vault",
    clear_unlock_matches_its_snapshot => "clear-unlock",
    ghost_user_matches_its_snapshot => "ghost-user",
    sender_keys_ghost_matches_its_snapshot => "sender-keys-ghost",
    clipper_leaf_forgery_matches_its_snapshot => "clipper-leaf-forgery",
    tea1_short_key_matches_its_snapshot => "tea1-short-key",
    export_grade_matches_its_snapshot => "export-grade",
    dual_ec_matches_its_snapshot => "dual-ec",
    lotus_notes_matches_its_snapshot => "lotus-notes",
    client_side_scanning_matches_its_snapshot => "client-side-scanning",
    scanning_or_golden_key_matches_its_snapshot => "scanning-or-golden-key",
}

#[test]
fn the_default_demo_is_the_flagship() {
    let dir = scratch("demo-default");
    let plain = doormat(&dir, &["demo", "--seed", "42"]);
    let named = doormat(&dir, &["demo", "golden-key-leak", "--seed", "42"]);
    assert_eq!(
        mask_timings(&plain.ok().stdout),
        mask_timings(&named.ok().stdout)
    );
}

/// A demo's `--json`, with helpers to find what an act showed.
/// A shipped demo's scenario file, as text: the start of a variant a test writes.
fn shipped_scenario(name: &str) -> String {
    std::fs::read_to_string(format!("{}/demos/{name}.toml", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

/// Writes `text` as `file` in `dir` and checks that `demo --file` refuses it, saying
/// each of `words`.
fn refuses_scenario(dir: &std::path::Path, file: &str, text: &str, words: &[&str]) {
    std::fs::write(dir.join(file), text).unwrap();
    let mut said = vec![file];
    said.extend_from_slice(words);
    doormat(dir, &["demo", "--file", file]).refused(&said);
}

struct Doc(Value);

impl Doc {
    fn of(demo: &str) -> Doc {
        let doc = demo_run(demo).json.clone();
        assert_eq!(doc["demo"], demo);
        assert_eq!(doc["seed"], 42);
        assert_eq!(doc["stopped_early"], false);
        Doc(doc)
    }

    fn act(&self, number: usize) -> &Value {
        &self.0["acts"][number - 1]
    }

    fn blocks(&self, act: usize, kind: &str) -> Vec<&Value> {
        self.act(act)["blocks"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|b| b["kind"] == kind)
            .collect()
    }

    /// The radius whose label starts with `label`, in act `act`.
    fn radius(&self, act: usize, label: &str) -> &Value {
        let block = self
            .blocks(act, "radius")
            .into_iter()
            .find(|b| b["label"].as_str().unwrap().starts_with(label))
            .unwrap_or_else(|| panic!("act {act} shows no radius for {label}"));
        &block["radius"]
    }

    /// The value of the fact labelled `label` in act `act`.
    fn fact(&self, act: usize, label: &str) -> String {
        self.blocks(act, "facts")
            .iter()
            .flat_map(|b| b["facts"].as_array().unwrap())
            .find(|f| f["label"] == label)
            .unwrap_or_else(|| panic!("act {act} has no fact {label}"))["value"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// What the first fact of `kind` in act `act` says, as values (its `said`): what a
    /// test reads, rather than the fact's words.
    fn said(&self, act: usize, kind: &str) -> Value {
        self.blocks(act, "facts")
            .iter()
            .flat_map(|b| b["facts"].as_array().unwrap())
            .find(|f| f["said"]["kind"] == kind)
            .unwrap_or_else(|| panic!("act {act} has no fact of kind {kind}"))["said"]
            .clone()
    }

    /// The number the fact labelled `label` in act `act` states: (n, of, unit).
    fn quantity(&self, act: usize, label: &str) -> (f64, Option<u64>, String) {
        let fact = self
            .blocks(act, "facts")
            .iter()
            .flat_map(|b| b["facts"].as_array().unwrap())
            .find(|f| f["label"] == label)
            .unwrap_or_else(|| panic!("act {act} has no fact {label}"))
            .clone();
        let q = &fact["quantity"];
        assert!(q.is_object(), "fact {label} states no quantity: {fact}");
        (
            q["n"].as_f64().unwrap(),
            q["of"].as_u64(),
            q["unit"].as_str().unwrap().to_owned(),
        )
    }

    /// The matrix cell (readable, messages) for `row` and `user` after act `act`.
    fn cell(&self, act: usize, row: &str, user: &str) -> (u64, u64) {
        let matrix = &self.blocks(act, "matrix")[0]["matrix"];
        let column = matrix["users"]
            .as_array()
            .unwrap()
            .iter()
            .position(|u| u == user)
            .unwrap_or_else(|| panic!("no column {user}"));
        let row = matrix["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["name"] == row)
            .unwrap_or_else(|| panic!("act {act}: no matrix row {row}"));
        let cell = &row["cells"][column];
        (n(&cell["readable"]), n(&cell["messages"]))
    }

    /// Every cell of a matrix row after act `act` reads all, or nothing.
    fn row_reads_all(&self, act: usize, row: &str) -> bool {
        self.users()
            .iter()
            .all(|u| matches!(self.cell(act, row, u), (r, m) if r == m && m > 0))
    }

    fn row_reads_nothing(&self, act: usize, row: &str) -> bool {
        self.users().iter().all(|u| self.cell(act, row, u).0 == 0)
    }

    fn users(&self) -> Vec<String> {
        let matrix = &self.blocks(1, "matrix");
        let source = if matrix.is_empty() {
            &self.blocks(2, "matrix")[0]["matrix"]
        } else {
            &matrix[0]["matrix"]
        };
        source["users"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u.as_str().unwrap().to_owned())
            .collect()
    }

    fn comparison(&self, act: usize, scheme: &str, who: &str) -> &Value {
        let rows = self.blocks(act, "comparison")[0]["rows"]
            .as_array()
            .unwrap();
        rows.iter()
            .find(|r| r["scheme"] == scheme && r["compromise"] == who)
            .unwrap_or_else(|| panic!("no comparison row {scheme} / {who}"))
    }

    fn log(&self, act: usize) -> Vec<Value> {
        self.blocks(act, "log")[0]["entries"]
            .as_array()
            .unwrap()
            .clone()
    }
}

fn n(v: &Value) -> u64 {
    v.as_u64().unwrap_or_else(|| panic!("not a count: {v}"))
}

#[test]
fn golden_key_leak_opens_everything_and_one_phone_opens_one_user() {
    let doc = Doc::of("golden-key-leak");
    assert_eq!(doc.0["acts"].as_array().unwrap().len(), 8);
    assert!(doc.row_reads_nothing(2, "tap"), "the tap reads nothing");
    assert!(doc.row_reads_all(2, "escrow"));
    assert!(
        !doc.row_reads_all(2, "alice"),
        "a user reads only their own conversations"
    );

    let leak = doc.radius(5, "attacker");
    assert_eq!(leak["messages_opened"], 1000, "100% of recorded traffic");
    assert_eq!(leak["messages_total"], 1000);
    assert_eq!(leak["users_fully_exposed"].as_array().unwrap().len(), 6);
    assert_eq!(leak["conversations_exposed"], leak["conversations_total"]);
    assert_eq!(leak["first_exposed_t"], 1, "past messages included");

    let future = doc.radius(6, "attacker");
    assert_eq!(future["messages_total"], 50);
    assert_eq!(future["messages_opened"], 50, "tomorrow's messages too");
    assert_eq!(future["first_exposed_t"], 1001);

    let phone = doc.radius(7, "phone thief");
    assert_eq!(phone["users_fully_exposed"], serde_json::json!(["alice"]));
    let opened = n(&phone["messages_opened"]);
    assert!(opened > 0 && opened < 1050);
    assert_eq!(
        doc.cell(7, "phone thief", "alice").0,
        doc.cell(7, "phone thief", "alice").1
    );
    assert!(doc.cell(7, "phone thief", "bob").0 < doc.cell(7, "phone thief", "bob").1);

    // The warrant act: dave's messages open, and so does everyone else's.
    let messages = "messages".to_owned();
    assert_eq!(
        doc.quantity(3, "dave's messages"),
        (289.0, Some(289), messages.clone())
    );
    let (read, total, unit) = doc.quantity(3, "everyone else's");
    assert_eq!((Some(read as u64), unit), (total, messages));

    assert_eq!(
        doc.comparison(8, "golden-key", "attacker")["radius"]["messages_opened"],
        1050
    );
    assert!(
        doc.comparison(8, "none", "attacker")["radius"].is_null(),
        "no escrow key exists"
    );
    assert_eq!(
        doc.comparison(8, "none", "phone thief")["radius"]["messages_opened"],
        opened
    );
    assert_eq!(
        doc.comparison(8, "none", "tap")["radius"]["messages_opened"],
        0
    );
}

#[test]
fn harvest_now_decrypt_later_keeps_the_recording_open_after_rotation() {
    let doc = Doc::of("harvest-now-decrypt-later");
    assert_eq!(doc.radius(2, "adversary")["messages_opened"], 600);
    let fresh = doc.radius(4, "adversary");
    assert_eq!(fresh["messages_total"], 400);
    assert_eq!(fresh["messages_opened"], 0, "rotation protects new traffic");
    let all = doc.radius(5, "adversary");
    assert_eq!(all["messages_total"], 1000);
    assert_eq!(all["messages_opened"], 600, "but not the recording");
    assert_eq!(all["last_exposed_t"], 600);
    assert!(
        doc.row_reads_all(5, "escrow"),
        "the authority keeps both keys"
    );
}

#[test]
fn insider_abuse_shows_in_the_log_once_and_then_not_at_all() {
    let doc = Doc::of("insider-abuse");
    let after_employee = doc.log(3);
    assert_eq!(after_employee.len(), 3);
    let unwarranted: Vec<&Value> = after_employee
        .iter()
        .filter(|e| e["warrant"].is_null())
        .collect();
    assert_eq!(unwarranted.len(), 2);
    assert!(unwarranted.iter().all(|e| e["by"] == "employee"));
    assert_eq!(doc.log(4).len(), 3, "the administrator left no entry");
    assert!(doc.row_reads_all(4, "administrator"));
    let (read, total) = doc.cell(4, "administrator", "frank");
    assert_eq!(read, total);
}

#[test]
fn salt_typhoon_leaks_the_targets_and_the_traffic_but_not_without_escrow() {
    let doc = Doc::of("salt-typhoon");
    let targets = doc.said(2, "warrant-targets")["targets"].clone();
    let named: Vec<&str> = targets
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["user"].as_str().unwrap())
        .collect();
    assert!(
        named.contains(&"dave") && named.contains(&"frank"),
        "{targets}"
    );
    assert_eq!(doc.radius(2, "intruders")["messages_opened"], 500);
    assert_eq!(
        doc.comparison(3, "golden-key", "intruders")["radius"]["messages_opened"],
        500
    );
    assert!(doc.comparison(3, "none", "intruders")["radius"].is_null());
}

#[test]
fn athens_affair_copies_the_new_targets_with_an_empty_log() {
    let doc = Doc::of("athens-affair");
    let log = doc.log(4);
    assert_eq!(log.len(), 1, "only the lawful warrant: {log:?}");
    assert_eq!(log[0]["warrant"], "W-1");
    let rogue = doc.radius(4, "rogue code");
    let opened = n(&rogue["messages_opened"]);
    assert!(opened > 0 && opened < 400, "{rogue}");
    assert!(
        n(&rogue["first_exposed_t"]) > 400,
        "nothing before the repointing"
    );
    let (read, total) = doc.cell(4, "rogue code", "erin");
    assert!(read > 0 && read < total);
    assert_eq!(doc.radius(3, "rogue code")["messages_opened"], opened);
}

#[test]
fn forward_secrecy_keeps_the_past_and_heals() {
    let doc = Doc::of("forward-secrecy");
    let table = &doc.blocks(7, "exposure")[0];
    assert_eq!(table["victim"], "alice");
    assert_eq!(table["t"], 150);
    let rows = table["rows"].as_array().unwrap();
    let row = |scheme: &str, who: &str| {
        rows.iter()
            .find(|r| r["scheme"] == scheme && r["compromise"] == who)
            .unwrap_or_else(|| panic!("row {scheme} / {who}"))
    };
    // Without a ratchet, the stolen phone opens all of alice's history and future.
    let none = row("none", "phone thief");
    assert_eq!(none["before"]["opened"], none["before"]["messages"]);
    assert_eq!(none["after"]["opened"], none["after"]["messages"]);
    assert_eq!(none["others"]["opened"], 0);
    // With one, almost nothing of the past, a short window after, no one else.
    let fs = row("forward-secret", "phone thief");
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
    let phone = row("golden-key", "phone thief");
    assert_eq!(phone["after"]["opened"], phone["after"]["messages"]);
    let escrow = row("golden-key", "key thief");
    for part in ["before", "after", "others"] {
        assert_eq!(escrow[part]["opened"], escrow[part]["messages"], "{part}");
    }
    // The ratchet's timeline says when it healed.
    let timeline = &doc.blocks(5, "timeline")[0]["timeline"];
    assert!(n(&timeline["healed_at"]) > 150, "{timeline}");
}

#[test]
fn split_key_one_share_opens_nothing_and_a_served_warrant_is_a_target() {
    let doc = Doc::of("split-key");
    assert!(doc.fact(2, "combined").starts_with("nothing"));
    assert!(doc.row_reads_nothing(2, "attacker"));
    assert!(
        doc.row_reads_nothing(2, "escrow"),
        "no whole key before a warrant"
    );
    assert!(doc.row_reads_nothing(2, "agent-1"));
    assert!(doc.row_reads_all(3, "escrow"), "the warrant rebuilt it");
    assert_eq!(doc.radius(4, "intruder")["messages_opened"], 500);
    assert!(doc.fact(5, "combined").starts_with("the escrow key"));
    assert!(doc.row_reads_all(5, "attacker"));
}

#[test]
fn provider_vault_answers_warrants_without_the_phone_and_one_theft_opens_everyone() {
    let doc = Doc::of("provider-vault");
    assert!(
        doc.row_reads_all(1, "provider"),
        "a copy of every key from the start"
    );
    let log = doc.log(2);
    assert_eq!(log.len(), 3);
    assert!(log.iter().all(|e| !e["warrant"].is_null()));
    assert_eq!(doc.radius(3, "thief")["messages_opened"], 500);
    let none = doc.comparison(4, "none", "thief");
    assert!(none["radius"].is_null(), "no copies, nothing to steal");
    // Every act's citations point into the demo's sources.
    assert_eq!(doc.act(4)["cite"], serde_json::json!([2, 3, 4]));
}

#[test]
fn clear_unlock_opens_phones_in_hand_and_nothing_on_the_wire() {
    let doc = Doc::of("clear-unlock");
    assert!(
        doc.row_reads_nothing(1, "vendor"),
        "its key opens no message in transit"
    );
    // A warrant opens the target's history, and nothing of anyone else's.
    let (read, total) = doc.cell(2, "vendor", "dave");
    assert_eq!(read, total);
    let others = doc.said(2, "others-readable");
    assert_eq!(
        (n(&others["read"]), n(&others["total"])),
        (0, 371),
        "{others}"
    );
    // The stolen vault key alone opens nothing recorded.
    assert_eq!(doc.radius(4, "thief")["messages_opened"], 0);
    assert!(doc.row_reads_nothing(4, "thief"));
    // With phones in hand it opens each phone's history: theirs in full, others' in part.
    let thief = doc.radius(5, "thief");
    assert!(n(&thief["messages_opened"]) > 0 && n(&thief["messages_opened"]) < 500);
    for user in ["carol", "frank"] {
        let (read, total) = doc.cell(5, "thief", user);
        assert_eq!(read, total, "{user}'s own history opens");
    }
    let (read, total) = doc.cell(5, "thief", "dave");
    assert!(read < total, "only what dave exchanged with carol or frank");
    // The same phones under none stay locked.
    let none = doc.comparison(5, "none", "thief");
    assert_eq!(none["radius"]["messages_opened"], 0);
}

/// steal-share is split-key's own event: its agent is checked against the world's
/// agents at its line, and it is refused in a world of another design.
#[test]
fn a_stolen_share_names_an_agent_of_the_world() {
    let dir = scratch("demo-steal-share-agent");
    let shipped = shipped_scenario("split-key");
    assert!(shipped.contains("\nagent = 2\n"));
    refuses_scenario(
        &dir,
        "seven.toml",
        &shipped.replacen("\nagent = 2\n", "\nagent = 7\n", 1),
        &["agent", "there is no agent 7", "1 to 3"],
    );
    refuses_scenario(
        &dir,
        "golden.toml",
        &shipped
            .replacen("scheme = \"split-key\"", "scheme = \"golden-key\"", 1)
            .replacen("agents = 3\n", "", 1)
            .replacen("threshold = 2\n", "", 1),
        &["a steal-share event needs a world of split-key"],
    );
}

/// The `ghost` event is the ghost design's own (parsed and played in its module, not
/// the engine's): aimed without a warrant, the relay reads what the warrant's ghost
/// reads, and the event is refused, at its line, where it does not belong.
#[test]
fn the_ghost_designs_own_event_aims_the_relay_as_a_warrant_does() {
    let dir = scratch("demo-ghost-event");
    let shipped = shipped_scenario("ghost-user");
    let aimed = shipped.replacen("do = \"warrant\"", "do = \"ghost\"", 1);
    assert_ne!(aimed, shipped);
    std::fs::write(dir.join("aimed.toml"), &aimed).unwrap();
    let doc = Doc(doormat(
        &dir,
        &["demo", "--file", "aimed.toml", "--seed", "42", "--json"],
    )
    .ok()
    .json());
    let warranted = Doc::of("ghost-user");
    let ghost = doc.radius(2, "ghost");
    assert!(n(&ghost["messages_opened"]) > 0);
    assert_eq!(ghost, warranted.radius(2, "ghost"));
    assert_eq!(
        doc.cell(2, "ghost", "carol"),
        warranted.cell(2, "ghost", "carol")
    );
    let told = serde_json::to_string(&doc.blocks(2, "facts")).unwrap();
    assert!(
        told.contains("ghost to every conversation of carol"),
        "{told}"
    );

    refuses_scenario(
        &dir,
        "elsewhere.toml",
        // `verifying` goes too: a world with no ghost refuses it, as any design's field.
        &aimed
            .replacen("scheme = \"ghost\"", "scheme = \"golden-key\"", 1)
            .replacen("verifying = [\"bob\"]", "", 1),
        &["a ghost event needs a world of ghost"],
    );
    refuses_scenario(
        &dir,
        "stray.toml",
        &aimed.replacen("target = \"carol\"", "target = \"carol\"\ntrials = 3", 1),
        &["a ghost event does not take trials", "ghost (target)"],
    );
    refuses_scenario(
        &dir,
        "nobody.toml",
        &aimed.replacen("target = \"carol\"", "target = \"zed\"", 1),
        &["target", "\"zed\" is not a user of this world"],
    );
}

#[test]
fn ghost_user_reads_the_target_from_then_on_and_a_verifying_client_notices() {
    let doc = Doc::of("ghost-user");
    assert!(doc.row_reads_nothing(1, "ghost"));
    let ghost = doc.radius(2, "ghost");
    assert!(n(&ghost["messages_opened"]) > 0);
    assert!(n(&ghost["first_exposed_t"]) > 300);
    let (read, total) = doc.cell(2, "ghost", "carol");
    assert!(read > 0 && read < total, "only since the warrant");
    // Everything the ghost reads involves carol: her column accounts for it all.
    assert_eq!(read, n(&ghost["messages_opened"]));
    let notices = doc.blocks(3, "facts");
    let text = serde_json::to_string(&notices).unwrap();
    assert!(
        text.contains("bob") && text.contains("safety check failed"),
        "{text}"
    );
    assert_eq!(
        doc.radius(4, "relay intruder")["messages_opened"],
        ghost["messages_opened"]
    );
}

/// What the tap sees, in the text, is the whole envelope the page shows as JSON: each
/// design's own field (Clipper's LEAF, Lotus Notes' workfactor field, a short key's
/// salt) with its length, as the JSON line carries it.
#[test]
fn the_taps_envelope_shows_each_designs_own_field() {
    for (demo, field, bytes) in [
        ("clipper-leaf-forgery", "leaf", 46),
        ("lotus-notes", "wrf", 256),
        ("tea1-short-key", "salt", 27),
    ] {
        let run = demo_run(demo);
        let envelope = run.json["acts"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|a| a["blocks"].as_array().unwrap())
            .find(|b| b["kind"] == "envelope")
            .unwrap_or_else(|| panic!("{demo} shows an envelope"));
        let line: Value = serde_json::from_str(envelope["json"].as_str().unwrap()).unwrap();
        let in_json = line[field]
            .as_str()
            .unwrap_or_else(|| panic!("{demo}: {field}"));
        let shown = run
            .text
            .lines()
            .find(|l| l.trim_start().starts_with(&format!("{field} ")))
            .unwrap_or_else(|| panic!("{demo}: the text shows no {field}"));
        assert!(shown.contains(&in_json[..24]), "{demo}: {shown}");
        assert!(
            shown.ends_with(&format!("{bytes} bytes")),
            "{demo}: {shown}"
        );
    }
}

#[test]
fn clipper_escrow_reads_the_warranted_device_and_a_forged_leaf_defeats_it() {
    let doc = Doc::of("clipper-leaf-forgery");
    assert!(doc.row_reads_nothing(1, "escrow"));
    assert!(doc.row_reads_nothing(2, "agent-1"));
    let (read, total) = doc.cell(2, "escrow", "dave");
    assert!(
        read > 0 && read < total,
        "what dave's device sent, not what it received"
    );
    let leafs = |n: f64| (n, Some(20), "LEAFs".to_owned());
    assert_eq!(doc.quantity(3, "receiver accepted"), leafs(20.0));
    assert_eq!(doc.quantity(3, "agents recovered the key"), leafs(0.0));
    assert_eq!(doc.quantity(3, "an honest device's LEAF"), leafs(20.0));
}

/// The list catches a listed picture, misses its edited copy, reports the innocent
/// sender of a forgery, and, poisoned, names who shared the poster; the provider reads
/// no message throughout.
#[test]
fn client_side_scanning_works_then_is_evaded_forged_and_poisoned() {
    let doc = Doc::of("client-side-scanning");
    for act in 2..=5 {
        assert!(doc.row_reads_nothing(act, "provider"), "act {act}");
        assert!(doc.row_reads_nothing(act, "tap"), "act {act}");
    }
    assert!(doc.row_reads_nothing(5, "list authority"));
    // Act 2: every report is a real copy of a listed picture.
    let reports: Vec<Value> = doc
        .blocks(2, "facts")
        .iter()
        .flat_map(|b| b["facts"].as_array().unwrap())
        .filter(|f| f["said"]["kind"] == "report")
        .map(|f| f["said"].clone())
        .collect();
    assert!(!reports.is_empty());
    assert!(
        reports.iter().all(|r| r["matched"]["true_match"] == true
            && r["picture"].as_str().unwrap().starts_with("known-")),
        "{reports:?}"
    );
    // Act 3: the edited copy is beyond the threshold, looks the same, is not reported.
    let (bits, _, _) = doc.quantity(3, "its hash");
    assert!(bits > 31.0, "{bits}");
    let (psnr, _, unit) = doc.quantity(3, "edited");
    assert!(psnr >= 30.0 && unit == "dB", "{psnr} {unit}");
    assert!(doc.said(3, "scanned")["report"].is_null());
    // Act 4: the forgery matches, and its innocent sender is reported.
    let (bits, _, _) = doc.quantity(4, "its hash");
    assert!(bits <= 31.0, "{bits}");
    let reported = doc.said(4, "scanned");
    assert_eq!(reported["user"], "carol", "{reported}");
    assert_eq!(
        reported["report"]["true_match"], false,
        "a false report: {reported}"
    );
    // Act 5: the poisoned list names the poster's senders, and no one else.
    let (exposed, users, unit) = doc.quantity(5, "exposed");
    assert!(exposed > 0.0 && users == Some(6) && unit == "users");
    assert_eq!(n(&doc.said(5, "false-reports")["reports"]), 0);
    let (opened, _, _) = doc.quantity(5, "scanned again");
    assert!(opened > 0.0);
}

#[test]
fn a_stolen_escrow_key_opens_everything_and_a_stolen_provider_key_nothing() {
    let doc = Doc::of("scanning-or-golden-key");
    assert_eq!(
        n(&doc.comparison(2, "golden-key", "thief")["radius"]["messages_opened"]),
        300
    );
    assert_eq!(
        n(&doc.comparison(2, "client-scan", "thief")["radius"]["messages_opened"]),
        0
    );
    let vouchers = doc.said(2, "vouchers");
    assert!(n(&vouchers["opened"]) > 0, "{vouchers}");
    assert_eq!(
        vouchers["opened"], vouchers["of"],
        "every voucher opens: {vouchers}"
    );
    assert!(doc.quantity(3, "exposed").0 > 0.0);
}

#[test]
fn short_keys_fall_to_brute_force() {
    for (demo, act, cracked) in [("tea1-short-key", 2, 3), ("export-grade", 2, 2)] {
        let doc = Doc::of(demo);
        assert_eq!(
            doc.quantity(act, "cracked"),
            (cracked as f64, Some(cracked), "messages".to_owned()),
            "{demo}"
        );
        assert!(doc.row_reads_nothing(1, "tap"));
        let readable: u64 = doc
            .users()
            .iter()
            .map(|u| doc.cell(act, "anyone", u).0)
            .sum();
        assert!(readable > 0, "{demo}");
    }
}

#[test]
fn tea1_live_searches_tea1s_key_size_and_projects_the_rate_to_longer_keys() {
    let shipped = shipped_scenario("tea1-live");
    assert!(
        shipped.contains("\nbits = 32\n"),
        "TEA1's effective strength"
    );
    // The same story at 20 bits, so that the test takes a moment rather than the half
    // minute a class watches; the 32-bit file is the one `--list` shows, parsed above.
    let dir = scratch("demo-tea1-live");
    std::fs::write(
        dir.join("tea1-20.toml"),
        shipped.replacen("\nbits = 32\n", "\nbits = 20\n", 1),
    )
    .unwrap();
    let doc = Doc(doormat(
        &dir,
        &["demo", "--file", "tea1-20.toml", "--seed", "42", "--json"],
    )
    .ok()
    .json());
    assert_eq!(
        doc.quantity(2, "cracked"),
        (1.0, Some(1), "messages".to_owned())
    );
    assert_eq!(doc.quantity(2, "key space").0, (1u64 << 20) as f64);
    let (rate, _, unit) = doc.quantity(2, "rate");
    assert!(rate > 0.0 && unit == "keys/s");
    let mut previous = 0.0;
    for bits in [56, 64, 80, 128] {
        let (seconds, _, unit) = doc.quantity(2, &format!("{bits}-bit keys"));
        // Each 8 more bits multiply the average search by 256, at the same rate.
        assert!(
            unit == "seconds" && seconds > previous * 200.0,
            "{bits}: {seconds}"
        );
        previous = seconds;
    }
    let readable: u64 = doc.users().iter().map(|u| doc.cell(2, "anyone", u).0).sum();
    assert!(readable > 0, "the cracked message opens for anyone");
}

#[test]
fn a_brute_force_event_is_bounded_to_what_a_class_can_wait_for() {
    let dir = scratch("demo-brute-force-bound");
    let shipped = shipped_scenario("tea1-live");
    refuses_scenario(
        &dir,
        "two.toml",
        &shipped.replacen("messages = 1\n", "messages = 2\n", 1),
        &["messages", "at most 2^32 keys"],
    );
}

#[test]
fn a_teachers_own_scenario_runs_from_a_file_with_their_names() {
    let dir = scratch("demo-file");
    std::fs::write(
        dir.join("mine.toml"),
        r#"name = "my-class"
summary = "Our own story."
sources = ["Keys Under Doormats, 2015"]

[world]
users = ["ana", "ben", "chloe"]
scheme = "golden-key"

[[act]]
title = "Talk, then leak"
say = "Ana, Ben and Chloe talk."
show = ["radius mallory"]
[[act.event]]
do = "send"
messages = 30
[[act.event]]
do = "leak"
key = "escrow"
to = "mallory"
"#,
    )
    .unwrap();
    let doc = doormat(
        &dir,
        &["demo", "--file", "mine.toml", "--seed", "3", "--json"],
    )
    .ok()
    .json();
    assert_eq!(doc["demo"], "my-class");
    let radius = &doc["acts"][0]["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["kind"] == "radius")
        .unwrap()["radius"];
    assert_eq!(radius["messages_opened"], 30);
    assert_eq!(
        radius["users_fully_exposed"],
        serde_json::json!(["ana", "ben", "chloe"])
    );
    let text = doormat(&dir, &["demo", "--file", "mine.toml", "--seed", "3"]);
    assert!(text.ok().stdout.contains("doormat demo: my-class"));
}

#[test]
fn broken_scenarios_name_the_file_the_line_and_the_field() {
    let dir = scratch("demo-broken");
    let good = r#"name = "broken"
summary = "A scenario to break."
sources = ["Keys Under Doormats, 2015"]

[world]
users = ["alice", "bob"]
scheme = "golden-key"

[[act]]
title = "Leak"
show = ["radius attacker"]
[[act.event]]
do = "send"
messages = 10
[[act.event]]
do = "leak"
key = "escrow"
to = "attacker"
"#;
    let cases: [(&str, &str, &str, &str); 6] = [
        // Not TOML at all.
        ("[world]", "[world", "line 5", "expected"),
        // A misspelt field.
        ("scheme = ", "schema = ", "line 7", "field \"schema\""),
        // A number that is not a number.
        (
            "messages = 10",
            "messages = \"ten\"",
            "line 14",
            "field \"messages\"",
        ),
        // An event that does not exist.
        (
            "do = \"leak\"",
            "do = \"steal\"",
            "line 16",
            "act[1].event[2].do",
        ),
        // A name that is not in the world.
        (
            "key = \"escrow\"",
            "key = \"carol\"",
            "line 17",
            "act[1].event[2].key",
        ),
        // A view of someone who does not exist.
        (
            "radius attacker",
            "radius mallory",
            "line 11",
            "act[1].show",
        ),
    ];
    for (i, (from, to, line, field)) in cases.into_iter().enumerate() {
        let name = format!("broken-{i}.toml");
        std::fs::write(dir.join(&name), good.replacen(from, to, 1)).unwrap();
        let run = doormat(&dir, &["demo", "--file", &name]);
        run.refused(&[&name, line, field]);
        assert!(run.stdout.is_empty(), "nothing runs: {}", run.stdout);
    }
    // The classic TOML trap gets its own hint.
    refuses_scenario(
        &dir,
        "trap.toml",
        &(good.replacen("show = [\"radius attacker\"]\n", "", 1)
            + "show = [\"radius attacker\"]\n"),
        &["line 18", "belongs to that event"],
    );
    doormat(&dir, &["demo", "--file", "missing.toml"]).refused(&["missing.toml"]);
    doormat(&dir, &["demo", "golden-key-leak", "--file", "trap.toml"]).refused(&["--file"]);
}

#[test]
fn list_names_each_demo_with_one_sentence_aligned_in_80_columns() {
    let dir = scratch("demo-list");
    let run = doormat(&dir, &["demo", "--list"]);
    run.ok();
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert!(lines[0].starts_with("golden-key-leak "));
    for demo in DEMOS {
        assert!(
            lines.iter().any(|l| l.starts_with(&format!("{demo} "))),
            "{demo}"
        );
    }
    // Every summary starts in one column, and no line passes 80.
    let column = lines[0].len() - lines[0][16..].trim_start().len();
    for line in &lines {
        assert!(line.chars().count() <= 80, "{line}");
        assert!(
            line[column..].chars().next().is_some_and(|c| c != ' '),
            "{line}"
        );
        assert!(
            line[..column]
                .trim()
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
            "{line}"
        );
    }
    let json = doormat(&dir, &["demo", "--list", "--json"]).ok().json();
    let listed: Vec<&str> = json["demos"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            assert!(d["summary"].as_str().unwrap().ends_with('.'), "{d}");
            d["name"].as_str().unwrap()
        })
        .collect();
    let mut sorted = listed.clone();
    sorted.sort_unstable();
    let mut expected = DEMOS.to_vec();
    expected.sort_unstable();
    assert_eq!(sorted, expected, "every demo, once");
}

#[test]
fn unknown_demo_is_a_usage_error_with_a_guess() {
    let dir = scratch("demo-unknown");
    doormat(&dir, &["demo", "no-such-demo"]).refused(&["no demo called", "--list"]);
    doormat(&dir, &["demo", "golden-key-lek"]).refused(&["did you mean golden-key-leak?"]);
    doormat(&dir, &["demo", "clear"]).refused(&["did you mean clear-unlock?"]);
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

/// A rotation replaces what a split key's agents hold: shares stolen after it rebuild
/// the new escrow key, not the old one.
#[test]
fn shares_stolen_after_a_rotation_rebuild_the_new_key() {
    let dir = scratch("demo-rotate-split-key");
    std::fs::write(
        dir.join("rotate.toml"),
        r#"name = "rotate-split-key"
summary = "A split key is rotated, then two shares are stolen."
sources = ["Abelson et al., \"Keys Under Doormats\", MIT-CSAIL-TR-2015-026, July 2015"]

[world]
users = ["alice", "bob", "carol"]
scheme = "split-key"
agents = 3
threshold = 2

[[act]]
title = "Traffic"
say = ["Messages under the first key."]
[[act.event]]
do = "send"
messages = 10

[[act]]
title = "Rotation"
say = ["The escrow key is replaced and split again."]
[[act.event]]
do = "rotate"

[[act]]
title = "Two shares stolen"
say = ["Two agencies are breached."]
[[act.event]]
do = "steal-share"
agent = 1
to = "attacker"
[[act.event]]
do = "steal-share"
agent = 2
to = "attacker"
"#,
    )
    .unwrap();
    let doc = Doc(doormat(
        &dir,
        &["demo", "--file", "rotate.toml", "--seed", "7", "--json"],
    )
    .ok()
    .json());
    let new_key = doc.said(2, "new-escrow-key")["fingerprint"]
        .as_str()
        .unwrap()
        .to_owned();
    let combined: Vec<String> = doc
        .blocks(3, "facts")
        .iter()
        .flat_map(|b| b["facts"].as_array().unwrap())
        .filter(|f| f["label"] == "combined")
        .map(|f| f["value"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(combined.len(), 2, "{combined:?}");
    assert!(
        combined[1].contains(&new_key),
        "{combined:?}: the second share should rebuild the rotated key {new_key:?}"
    );
}
